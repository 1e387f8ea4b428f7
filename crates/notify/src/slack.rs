//! The Slack channel: an incoming webhook, sent `text` (the notification's fallback)
//! and `blocks` (sections of at most 3,000 characters, at most 50 blocks). Everything
//! that came from users or jobs is escaped (`&`, `<`, `>`), so a monitor named
//! `<!channel>` mentions no one.

use overdue_core::EventRecord;
use serde::{Deserialize, Serialize};

use crate::channel::check_http_url;
use crate::guard::AddressPolicy;
use crate::secret::mask_url;
use crate::text::{ack_label, facts, problem_lines, Links};
use crate::webhook::WebhookError;

/// A Slack channel's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    /// The incoming webhook URL (a secret: shown masked).
    pub url: String,
}

impl SlackConfig {
    /// Checks the URL.
    pub fn validate(&mut self, policy: AddressPolicy) -> Result<(), WebhookError> {
        check_http_url("url", &self.url, policy)
    }

    /// As shown after creation.
    pub fn masked(&self) -> SlackConfig {
        SlackConfig {
            url: mask_url(&self.url),
        }
    }

    /// Keeps the stored URL when the masked one is sent back.
    pub fn keep_secrets(&mut self, stored: &SlackConfig) {
        if self.url == mask_url(&stored.url) {
            self.url = stored.url.clone();
        }
    }
}

/// Slack's limit on a section's text.
pub const MAX_SECTION: usize = 3_000;
/// Slack's limit on blocks per message.
pub const MAX_BLOCKS: usize = 50;

/// Escapes text for Slack's mrkdwn: `&`, `<` and `>` (which also defuses `<!channel>`
/// and `<https://…|links>`).
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn clip(text: String, n: usize) -> String {
    if text.chars().count() <= n {
        return text;
    }
    let mut out: String = text.chars().take(n - 1).collect();
    out.push('…');
    out
}

fn section(text: String) -> serde_json::Value {
    serde_json::json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": clip(text, MAX_SECTION) }
    })
}

/// The message for `ev`: `text` is the headline, `blocks` the headline (linked to the
/// monitor), the facts, the problems (several sections when long) and the links.
pub fn payload(ev: &EventRecord, links: &Links) -> serde_json::Value {
    let headline = escape(&ev.headline());
    let title = match &links.monitor {
        Some(url) => format!("*<{url}|{headline}>*"),
        None => format!("*{headline}*"),
    };
    let mut blocks = vec![section(title)];
    let fact_text: Vec<String> = facts(ev)
        .into_iter()
        .map(|(k, v)| format!("*{k}:* {}", escape(&v)))
        .collect();
    blocks.push(section(fact_text.join("\n")));
    // Problem lines fill sections up to the limit, and sections up to the block limit
    // (two kept for the links).
    let mut current = String::new();
    for line in problem_lines(ev) {
        let line = format!("• {}\n", escape(&line));
        if current.chars().count() + line.chars().count() > MAX_SECTION {
            if blocks.len() >= MAX_BLOCKS - 2 {
                break;
            }
            blocks.push(section(std::mem::take(&mut current)));
        }
        current.push_str(&line);
    }
    if !current.is_empty() && blocks.len() < MAX_BLOCKS - 1 {
        blocks.push(section(current));
    }
    let mut link_text = Vec::new();
    if let Some(ack) = &links.ack {
        link_text.push(format!("<{ack}|{}>", ack_label(ev)));
    }
    if let Some(p) = &links.problems {
        link_text.push(format!("<{p}|Open the problems>"));
    }
    if !link_text.is_empty() {
        blocks.push(serde_json::json!({
            "type": "context",
            "elements": [{ "type": "mrkdwn", "text": link_text.join("  ·  ") }]
        }));
    }
    serde_json::json!({ "text": headline, "blocks": blocks })
}
