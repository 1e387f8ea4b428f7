//! A channel's settings, one type per sender: the webhook (templates), e-mail (the SMTP
//! relay), and every HTTP preset (Slack, Teams, Discord, Telegram, …) as [`Settings`]
//! checked against its row of the kinds table. As stored (JSON) and as shown (secrets
//! masked).

use crate::email::EmailConfig;
use crate::guard::AddressPolicy;
use crate::kinds::{self, Sender};
use crate::settings::Settings;
use crate::webhook::{WebhookConfig, WebhookError};

/// A channel's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelConfig {
    /// Any HTTP receiver, with templates.
    Webhook(WebhookConfig),
    /// E-mail through the server's SMTP relay.
    Email(EmailConfig),
    /// An HTTP preset: Slack, PagerDuty, Teams, Discord, Telegram, …
    Preset(Settings),
}

impl ChannelConfig {
    /// The kind's wire name.
    pub fn kind(&self) -> &'static str {
        match self {
            ChannelConfig::Webhook(_) => "webhook",
            ChannelConfig::Email(_) => "email",
            ChannelConfig::Preset(s) => s.kind().kind,
        }
    }

    /// Reads stored settings of a channel of `kind`.
    pub fn from_stored(kind: &str, json: &str) -> Result<ChannelConfig, String> {
        let read = |e: serde_json::Error| format!("stored {kind} settings are unreadable: {e}");
        let Some(k) = kinds::find(kind) else {
            return Err(format!(
                "channel kind {kind:?} cannot be delivered by this build"
            ));
        };
        Ok(match k.sender {
            Sender::Webhook => ChannelConfig::Webhook(serde_json::from_str(json).map_err(read)?),
            Sender::Email => ChannelConfig::Email(serde_json::from_str(json).map_err(read)?),
            Sender::Http { .. } => ChannelConfig::Preset(Settings::from_stored(k, json)?),
        })
    }

    /// The settings as stored.
    pub fn to_json(&self) -> String {
        let v = match self {
            ChannelConfig::Webhook(c) => serde_json::to_value(c),
            ChannelConfig::Email(c) => serde_json::to_value(c),
            ChannelConfig::Preset(s) => return s.to_json(),
        };
        v.map(|v| v.to_string()).unwrap_or_else(|_| "{}".into())
    }

    /// The settings as shown after creation, secrets masked.
    pub fn masked(&self) -> serde_json::Value {
        let v = match self {
            ChannelConfig::Webhook(c) => serde_json::to_value(c.masked()),
            ChannelConfig::Email(c) => serde_json::to_value(c),
            ChannelConfig::Preset(s) => return s.masked(),
        };
        v.unwrap_or(serde_json::Value::Null)
    }

    /// Takes back the stored secrets where a change sent their masked form.
    pub fn keep_secrets(&mut self, stored: &ChannelConfig) {
        match (self, stored) {
            (ChannelConfig::Webhook(c), ChannelConfig::Webhook(s)) => c.keep_secrets(s),
            (ChannelConfig::Preset(c), ChannelConfig::Preset(s)) => c.keep_secrets(s),
            _ => {}
        }
    }

    /// Checks the settings (addresses, URLs, keys); normalises what it can.
    pub fn validate(&mut self, policy: AddressPolicy) -> Result<(), WebhookError> {
        match self {
            ChannelConfig::Webhook(c) => c.validate(policy),
            ChannelConfig::Email(c) => c.validate(),
            ChannelConfig::Preset(s) => s.validate(policy),
        }
    }
}

/// Checks an HTTP(S) URL of a channel setting (`field` names it in errors) and refuses
/// literal private addresses under `policy`.
pub(crate) fn check_http_url(
    field: &str,
    text: &str,
    policy: AddressPolicy,
) -> Result<(), WebhookError> {
    let url = url::Url::parse(text)
        .map_err(|e| WebhookError::Invalid(format!("{field} {text:?} is not a valid URL: {e}")))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(WebhookError::Invalid(format!(
            "{field} must start with http:// or https://, got {text:?}"
        )));
    }
    if url.host().is_none() {
        return Err(WebhookError::Invalid(format!("{field} has no host")));
    }
    crate::guard::check_literal(&url, policy).map_err(WebhookError::Invalid)
}

/// A secret shown as the mask and its last four characters (long enough secrets only).
pub(crate) fn mask_secret(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() > 12 {
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{}{tail}", crate::secret::MASK)
    } else {
        crate::secret::MASK.to_string()
    }
}
