//! The Slack preset: an incoming webhook, sent `text` (the notification's fallback)
//! and `blocks` (sections of at most 3,000 characters, at most 50 blocks). Everything
//! that came from users or jobs is escaped (`&`, `<`, `>`), so a monitor named
//! `<!channel>` mentions no one.

use overdue_core::EventRecord;

use super::{Message, Request};
use crate::kind::Settings;
use crate::text::{ack_label, clip, facts, problem_lines, Links};

/// The message to a Slack incoming webhook.
pub fn slack(s: &Settings, m: &Message<'_>) -> Result<Vec<Request>, String> {
    Ok(vec![Request::json(
        s.text("url").unwrap_or_default(),
        payload(m.ev, m.links),
    )])
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

fn section(text: String) -> serde_json::Value {
    serde_json::json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": clip(&text, MAX_SECTION) }
    })
}

/// The message for `ev`: `text` is the headline, `blocks` the headline (linked to the
/// monitor), the facts, the problems (several sections when long) and the links.
pub fn payload(ev: &EventRecord, links: &Links) -> serde_json::Value {
    let headline = escape(&ev.title());
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
