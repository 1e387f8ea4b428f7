//! A channel's settings, one type per sender: the webhook (templates), e-mail (the SMTP
//! relay), and every HTTP preset (Slack, Teams, Discord, Telegram, …) as [`Settings`]
//! checked against its row of the kinds table. As stored (JSON) and as shown (secrets
//! masked).

use crate::email::EmailConfig;
use crate::guard::AddressPolicy;
use crate::kind::Sender;
use crate::kind::Settings;
use crate::kinds;
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

    /// Its secrets by field (`url`, `headers.<name>` for webhooks; the kind's secret
    /// fields for the others), for digests only.
    pub fn secrets(&self) -> Vec<(String, String)> {
        match self {
            ChannelConfig::Webhook(c) => std::iter::once(("url".to_string(), c.url.clone()))
                .chain(
                    c.headers
                        .iter()
                        .map(|(k, v)| (format!("headers.{k}"), v.clone())),
                )
                .collect(),
            ChannelConfig::Email(_) => Vec::new(),
            ChannelConfig::Preset(s) => s.secrets(),
        }
    }

    /// Takes back the stored secrets where a change sent their masked form.
    pub fn keep_secrets(&mut self, stored: &ChannelConfig) {
        match (self, stored) {
            (ChannelConfig::Webhook(c), ChannelConfig::Webhook(s)) => c.keep_secrets(s),
            (ChannelConfig::Preset(c), ChannelConfig::Preset(s)) => c.keep_secrets(s),
            _ => {}
        }
    }

    /// Where its requests go (e-mail: nowhere of its own, the relay is the server's).
    pub fn destinations(&self) -> Vec<String> {
        match self {
            ChannelConfig::Webhook(c) => vec![crate::secret::destination(&c.url)],
            ChannelConfig::Email(_) => Vec::new(),
            ChannelConfig::Preset(s) => s.destinations(),
        }
    }

    /// After a change that moved the channel (see [`Self::destinations`]): forgets every
    /// stored secret that `sent` does not give anew, so none follows a changed URL or
    /// server; returns the required ones so forgotten (the change must give them).
    pub fn forget_kept_secrets(
        &mut self,
        stored: &ChannelConfig,
        sent: &serde_json::Map<String, serde_json::Value>,
    ) -> Vec<&'static str> {
        match (self, stored) {
            (ChannelConfig::Webhook(c), _) => {
                c.forget_kept_headers(sent);
                Vec::new()
            }
            (ChannelConfig::Preset(c), ChannelConfig::Preset(s)) => c.forget_kept_secrets(s, sent),
            _ => Vec::new(),
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
