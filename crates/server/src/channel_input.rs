//! A channel's settings from `/api/v1/channels` input, by kind: which fields each kind
//! takes (one table; any other field is a 400 naming the ones it does take), what is
//! required, and a change applied to stored settings (masked secrets sent back keep the
//! stored ones).

use overdue_notify::{ChannelConfig, EmailConfig, PagerDutyConfig, SlackConfig, WebhookConfig};
use overdue_types::{ChannelInput, ChannelPatch};

use crate::error::ApiError;

/// The settings fields each kind takes.
fn takes(kind: &str) -> &'static [&'static str] {
    match kind {
        "webhook" => &["url", "method", "headers", "body"],
        "email" => &["to"],
        "slack" => &["url"],
        "pagerduty" => &["routing_key", "url"],
        _ => &[],
    }
}

/// Refuses the first field given (`present`: name and whether it was sent) that
/// `kind` does not take.
fn refuse_others(kind: &str, present: &[(&'static str, bool)]) -> Result<(), ApiError> {
    let taken = takes(kind);
    match present
        .iter()
        .find(|(name, sent)| *sent && !taken.contains(name))
    {
        Some((field, _)) => Err(ApiError::BadRequest(format!(
            "field {field:?} does not apply to a {kind} channel: it takes {}",
            taken.join(", ")
        ))),
        None => Ok(()),
    }
}

/// Which settings fields a request sent.
fn sent(
    url: bool,
    method: bool,
    headers: bool,
    body: bool,
    to: bool,
    routing_key: bool,
) -> [(&'static str, bool); 6] {
    [
        ("url", url),
        ("method", method),
        ("headers", headers),
        ("body", body),
        ("to", to),
        ("routing_key", routing_key),
    ]
}

fn required<T>(value: Option<T>, what: &str, kind: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::BadRequest(format!("{what} is required for a {kind} channel")))
}

/// A new channel's settings from its input, by kind (`email_enabled`: an SMTP relay
/// is configured).
pub fn config_from(input: ChannelInput, email_enabled: bool) -> Result<ChannelConfig, ApiError> {
    let kind = input.kind.clone();
    let kind = kind.as_str();
    if !overdue_notify::CHANNEL_KINDS.contains(&kind) {
        return Err(ApiError::BadRequest(format!(
            "unknown channel kind {kind:?}: supported kinds are {}",
            overdue_notify::CHANNEL_KINDS.join(", ")
        )));
    }
    refuse_others(
        kind,
        &sent(
            input.url.is_some(),
            input.method.is_some(),
            input.headers.is_some(),
            input.body.is_some(),
            input.to.is_some(),
            input.routing_key.is_some(),
        ),
    )?;
    Ok(match kind {
        "webhook" => ChannelConfig::Webhook(WebhookConfig {
            url: required(input.url, "url", kind)?,
            method: input.method.unwrap_or_else(|| "POST".into()),
            headers: input.headers.unwrap_or_default(),
            body: input.body,
        }),
        "email" => {
            if !email_enabled {
                return Err(ApiError::BadRequest(
                    "e-mail is not set up on this server: set OVERDUE_SMTP_URL (and \
                     OVERDUE_EMAIL_FROM) and restart it"
                        .into(),
                ));
            }
            ChannelConfig::Email(EmailConfig {
                to: required(input.to, "to", kind)?,
            })
        }
        "slack" => ChannelConfig::Slack(SlackConfig {
            url: required(input.url, "url (the incoming webhook URL)", kind)?,
        }),
        _ => ChannelConfig::PagerDuty(PagerDutyConfig {
            routing_key: required(input.routing_key, "routing_key", kind)?,
            url: input.url,
        }),
    })
}

/// The stored settings with a change applied (fields the kind does not take refused;
/// masked secrets sent back keep the stored ones).
pub fn patched(stored: &ChannelConfig, p: ChannelPatch) -> Result<ChannelConfig, ApiError> {
    refuse_others(
        stored.kind(),
        &sent(
            p.url.is_some(),
            p.method.is_some(),
            p.headers.is_some(),
            p.body.is_some(),
            p.to.is_some(),
            p.routing_key.is_some(),
        ),
    )?;
    let mut cfg = stored.clone();
    match &mut cfg {
        ChannelConfig::Webhook(c) => {
            if let Some(u) = p.url {
                c.url = u;
            }
            if let Some(m) = p.method {
                c.method = m;
            }
            if let Some(h) = p.headers {
                c.headers = h;
            }
            match p.body {
                Some(b) if b.trim().is_empty() => c.body = None,
                Some(b) => c.body = Some(b),
                None => {}
            }
        }
        ChannelConfig::Email(c) => {
            if let Some(t) = p.to {
                c.to = t;
            }
        }
        ChannelConfig::Slack(c) => {
            if let Some(u) = p.url {
                c.url = u;
            }
        }
        ChannelConfig::PagerDuty(c) => {
            if let Some(k) = p.routing_key {
                c.routing_key = k;
            }
            if let Some(u) = p.url {
                c.url = Some(u);
            }
        }
    }
    cfg.keep_secrets(stored);
    Ok(cfg)
}
