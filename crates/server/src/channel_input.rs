//! A channel's settings from `/api/v1/channels` input, by kind: which fields each kind
//! takes (any other is a 400 naming the ones it does take), what is required, and a
//! change applied to stored settings (masked secrets sent back keep the stored ones).

use overdue_notify::{ChannelConfig, EmailConfig, PagerDutyConfig, SlackConfig, WebhookConfig};
use overdue_types::{ChannelInput, ChannelPatch};

use crate::error::ApiError;

/// The fields each kind takes, for errors that name them.
fn fields_of(kind: &str) -> &'static str {
    match kind {
        "webhook" => "url, method, headers, body",
        "email" => "to",
        "slack" => "url",
        _ => "routing_key, url",
    }
}

/// Refuses the fields given that `kind` does not take.
fn refuse_others(kind: &str, given: &[(&str, bool)]) -> Result<(), ApiError> {
    match given.iter().find(|(_, present)| *present) {
        Some((field, _)) => Err(ApiError::BadRequest(format!(
            "field {field:?} does not apply to a {kind} channel: it takes {}",
            fields_of(kind)
        ))),
        None => Ok(()),
    }
}

fn required<T>(value: Option<T>, what: &str, kind: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::BadRequest(format!("{what} is required for a {kind} channel")))
}

/// A new channel's settings from its input, by kind (`email_enabled`: an SMTP relay
/// is configured).
pub fn config_from(input: ChannelInput, email_enabled: bool) -> Result<ChannelConfig, ApiError> {
    let kind = input.kind.as_str();
    let (url, method, headers, body) = (
        input.url.is_some(),
        input.method.is_some(),
        input.headers.is_some(),
        input.body.is_some(),
    );
    let (to, key) = (input.to.is_some(), input.routing_key.is_some());
    Ok(match kind {
        "webhook" => {
            refuse_others(kind, &[("to", to), ("routing_key", key)])?;
            ChannelConfig::Webhook(WebhookConfig {
                url: required(input.url, "url", kind)?,
                method: input.method.unwrap_or_else(|| "POST".into()),
                headers: input.headers.unwrap_or_default(),
                body: input.body,
            })
        }
        "email" => {
            refuse_others(
                kind,
                &[
                    ("url", url),
                    ("method", method),
                    ("headers", headers),
                    ("body", body),
                    ("routing_key", key),
                ],
            )?;
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
        "slack" => {
            refuse_others(
                kind,
                &[
                    ("method", method),
                    ("headers", headers),
                    ("body", body),
                    ("to", to),
                    ("routing_key", key),
                ],
            )?;
            ChannelConfig::Slack(SlackConfig {
                url: required(input.url, "url (the incoming webhook URL)", kind)?,
            })
        }
        "pagerduty" => {
            refuse_others(
                kind,
                &[
                    ("method", method),
                    ("headers", headers),
                    ("body", body),
                    ("to", to),
                ],
            )?;
            ChannelConfig::PagerDuty(PagerDutyConfig {
                routing_key: required(input.routing_key, "routing_key", kind)?,
                url: input.url,
            })
        }
        other => {
            return Err(ApiError::BadRequest(format!(
                "unknown channel kind {other:?}: supported kinds are {}",
                overdue_notify::CHANNEL_KINDS.join(", ")
            )))
        }
    })
}

/// The stored settings with a change applied (fields the kind does not take refused;
/// masked secrets sent back keep the stored ones).
pub fn patched(stored: &ChannelConfig, p: ChannelPatch) -> Result<ChannelConfig, ApiError> {
    let kind = stored.kind();
    let (url, method, headers, body) = (
        p.url.is_some(),
        p.method.is_some(),
        p.headers.is_some(),
        p.body.is_some(),
    );
    let (to, key) = (p.to.is_some(), p.routing_key.is_some());
    let mut cfg = stored.clone();
    match &mut cfg {
        ChannelConfig::Webhook(c) => {
            refuse_others(kind, &[("to", to), ("routing_key", key)])?;
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
            refuse_others(
                kind,
                &[
                    ("url", url),
                    ("method", method),
                    ("headers", headers),
                    ("body", body),
                    ("routing_key", key),
                ],
            )?;
            if let Some(t) = p.to {
                c.to = t;
            }
        }
        ChannelConfig::Slack(c) => {
            refuse_others(
                kind,
                &[
                    ("method", method),
                    ("headers", headers),
                    ("body", body),
                    ("to", to),
                    ("routing_key", key),
                ],
            )?;
            if let Some(u) = p.url {
                c.url = u;
            }
        }
        ChannelConfig::PagerDuty(c) => {
            refuse_others(
                kind,
                &[
                    ("method", method),
                    ("headers", headers),
                    ("body", body),
                    ("to", to),
                ],
            )?;
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
