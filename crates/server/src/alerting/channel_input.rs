//! A channel's settings from `/api/v1/channels` input, by kind: the kinds table
//! (`overdue_notify::kinds`) says which fields each kind takes (any other is a 400
//! naming the ones it does take) and which are required; a change is applied to the
//! stored settings (masked secrets sent back keep the stored ones). Also the list of
//! kinds the dashboard's form is drawn from.

use overdue_notify::kind::{FieldType, Kind, Sender};
use overdue_notify::kinds;
use overdue_notify::{ChannelConfig, Settings};
use overdue_types::{ChannelField, ChannelKind};
use serde_json::{Map, Value};

use crate::http::body::typed;
use crate::http::error::ApiError;

fn bad(e: impl ToString) -> ApiError {
    ApiError::BadRequest(e.to_string())
}

/// The kind named `name`, or a 400 listing the kinds.
fn kind_named(name: &str) -> Result<&'static Kind, ApiError> {
    kinds::find(name).ok_or_else(|| {
        bad(format!(
            "unknown channel kind {name:?}: supported kinds are {}",
            kinds::names()
        ))
    })
}

/// Refuses the first field `kind` does not take.
fn refuse_others(kind: &Kind, settings: &Map<String, Value>) -> Result<(), ApiError> {
    match settings.keys().find(|k| kind.field(k).is_none()) {
        Some(field) => Err(bad(format!(
            "field {field:?} does not apply to a {} channel: it takes {}",
            kind.kind,
            kind.field_names()
        ))),
        None => Ok(()),
    }
}

/// Settings of the typed kinds (webhook, e-mail): the required fields named first,
/// then read as their type (errors name the field).
fn typed_settings<T: serde::de::DeserializeOwned>(
    kind: &Kind,
    settings: Map<String, Value>,
) -> Result<T, ApiError> {
    if let Some(f) = kind
        .fields
        .iter()
        .find(|f| f.required && settings.get(f.name).is_none_or(Value::is_null))
    {
        return Err(bad(format!(
            "{} is required for a {} channel",
            f.name, kind.kind
        )));
    }
    typed(Value::Object(settings))
}

/// A new channel's settings from its input (`email_enabled`: an SMTP relay is
/// configured).
pub fn config_from(
    kind: &str,
    settings: Map<String, Value>,
    email_enabled: bool,
) -> Result<ChannelConfig, ApiError> {
    let k = kind_named(kind)?;
    refuse_others(k, &settings)?;
    Ok(match k.sender {
        Sender::Webhook => ChannelConfig::Webhook(typed_settings(k, settings)?),
        Sender::Email => {
            if !email_enabled {
                return Err(bad(
                    "e-mail is not set up on this server: set OVERDUE_SMTP_URL (and \
                     OVERDUE_EMAIL_FROM) and restart it",
                ));
            }
            ChannelConfig::Email(typed_settings(k, settings)?)
        }
        Sender::Http { .. } => {
            ChannelConfig::Preset(Settings::from_input(k, settings).map_err(bad)?)
        }
    })
}

/// The stored settings with a change applied: each field given replaces the stored one,
/// `null` or `""` clears it; masked secrets sent back keep the stored ones — unless the
/// change moves the channel (a URL's scheme, host, port or path, a server), which drops
/// every secret it does not send anew (docs/security.md).
pub fn patched(
    stored: &ChannelConfig,
    change: Map<String, Value>,
) -> Result<ChannelConfig, ApiError> {
    let k = kind_named(stored.kind())?;
    refuse_others(k, &change)?;
    let sent = change.clone();
    let mut cfg = match stored {
        ChannelConfig::Preset(s) => {
            let mut s = s.clone();
            s.change(change).map_err(bad)?;
            ChannelConfig::Preset(s)
        }
        typed_cfg => {
            let mut merged = match serde_json::from_str::<Value>(&typed_cfg.to_json()) {
                Ok(Value::Object(m)) => m,
                _ => Map::new(),
            };
            for (name, v) in change {
                if v.is_null() || v.as_str() == Some("") {
                    merged.remove(&name);
                } else {
                    merged.insert(name, v);
                }
            }
            match typed_cfg {
                ChannelConfig::Email(_) => ChannelConfig::Email(typed_settings(k, merged)?),
                _ => ChannelConfig::Webhook(typed_settings(k, merged)?),
            }
        }
    };
    cfg.keep_secrets(stored);
    if cfg.destinations() != stored.destinations() {
        let missing = cfg.forget_kept_secrets(stored, &sent);
        if !missing.is_empty() {
            let names = missing.join(", ");
            return Err(ApiError::BadRequest(format!(
                "the channel's destination changed, so its stored {names} is not sent there: \
                 give {names} again in the same change"
            )));
        }
    }
    Ok(cfg)
}

/// Every kind with its fields, as the API lists them.
pub fn kinds_list() -> Vec<ChannelKind> {
    kinds::KINDS
        .iter()
        .map(|k| ChannelKind {
            kind: k.kind.into(),
            label: k.label.into(),
            help: k.help.into(),
            fields: k
                .fields
                .iter()
                .map(|f| ChannelField {
                    name: f.name.into(),
                    label: f.label.into(),
                    help: f.help.into(),
                    kind: f.kind.name().into(),
                    choices: match f.kind {
                        FieldType::Choice { choices } => {
                            Some(choices.iter().map(|c| c.to_string()).collect())
                        }
                        _ => None,
                    },
                    required: f.required,
                    secret: f.secret,
                    default: f.default.map(str::to_string),
                })
                .collect(),
        })
        .collect()
}
