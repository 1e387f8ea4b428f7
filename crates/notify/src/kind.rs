//! What a channel kind is — its fields (type, required, secret, default, help) and its
//! sender — and the settings of an HTTP preset channel (Slack, Teams, Telegram, …): a
//! JSON object whose fields are the kind's row in [`crate::kinds::KINDS`]. Read from API
//! input with plain-word errors, checked (required, length, range, URL policy), stored
//! normalised (texts as strings, numbers as numbers) and shown with secrets masked.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::guard::{check_http_url, AddressPolicy};
use crate::request::{Message, Request};
use crate::secret::{mask_secret, mask_url};
use crate::webhook::WebhookError;

/// A payload function: the requests of one message, or why there is nothing to send.
pub type Build = fn(&Settings, &Message<'_>) -> Result<Vec<Request>, String>;

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Text of at most `max` characters.
    Text {
        /// Longest accepted, in characters.
        max: usize,
    },
    /// A token or key: printable ASCII without spaces, at most `max` characters.
    Token {
        /// Longest accepted.
        max: usize,
    },
    /// An http(s) URL (literal private addresses refused by the address policy).
    Url,
    /// One of the listed values.
    Choice {
        /// The values accepted.
        choices: &'static [&'static str],
    },
    /// A whole number in `min..=max`.
    Number {
        /// Smallest accepted.
        min: i64,
        /// Largest accepted.
        max: i64,
    },
    /// A list of e-mail addresses (the e-mail channel).
    Addresses,
    /// Header names and values (the webhook).
    Headers,
    /// A template (the webhook's body).
    Template,
}

/// One setting of a channel kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The JSON name (`bot_token`).
    pub name: &'static str,
    /// The form's label.
    pub label: &'static str,
    /// What to put there, and where to find it.
    pub help: &'static str,
    /// What it holds.
    pub kind: FieldType,
    /// It must be given.
    pub required: bool,
    /// Shown masked after creation.
    pub secret: bool,
    /// Used when the field is left out (shown as the form's placeholder).
    pub default: Option<&'static str>,
}

/// How a kind delivers.
#[derive(Debug, Clone, Copy)]
pub enum Sender {
    /// The webhook: templates.
    Webhook,
    /// E-mail through the SMTP relay.
    Email,
    /// An HTTP preset: the requests its payload function builds; answers with a status
    /// in `permanent` are not retried (a retry gets the same answer).
    Http {
        /// Statuses retrying cannot fix.
        permanent: &'static [u16],
        /// The requests of one message.
        build: Build,
    },
}

/// A channel kind.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    /// The wire name (`telegram`).
    pub kind: &'static str,
    /// The name people know it by.
    pub label: &'static str,
    /// Healthchecks' name for it (the v3 mirror).
    pub v3: &'static str,
    /// What it sends and what to set up.
    pub help: &'static str,
    /// Its settings.
    pub fields: &'static [Field],
    /// How it sends.
    pub sender: Sender,
}

impl FieldType {
    /// Its name in the API's list of kinds.
    pub fn name(&self) -> &'static str {
        match self {
            FieldType::Text { .. } => "text",
            FieldType::Token { .. } => "token",
            FieldType::Url => "url",
            FieldType::Choice { .. } => "choice",
            FieldType::Number { .. } => "number",
            FieldType::Addresses => "addresses",
            FieldType::Headers => "headers",
            FieldType::Template => "template",
        }
    }
}

impl Kind {
    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The names of its fields, for errors.
    pub fn field_names(&self) -> String {
        self.fields
            .iter()
            .map(|f| f.name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A preset channel's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    kind: &'static Kind,
    values: BTreeMap<String, Value>,
}

impl PartialEq for Settings {
    fn eq(&self, other: &Settings) -> bool {
        self.kind.kind == other.kind.kind && self.values == other.values
    }
}
impl Eq for Settings {}

fn invalid(msg: String) -> WebhookError {
    WebhookError::Invalid(msg)
}

/// One value from input in its stored form; `None` for `null` or an empty text (the
/// field is not set).
fn read(kind: &Kind, f: &Field, v: Value) -> Result<Option<Value>, WebhookError> {
    let name = f.name;
    Ok(match (f.kind, v) {
        (_, Value::Null) => None,
        (FieldType::Number { .. }, Value::Number(n)) => match n.as_i64() {
            Some(i) => Some(Value::from(i)),
            None => return Err(invalid(format!("{name} must be a whole number, got {n}"))),
        },
        (FieldType::Number { .. }, Value::String(s)) if s.trim().is_empty() => None,
        (FieldType::Number { .. }, Value::String(s)) => match s.trim().parse::<i64>() {
            Ok(i) => Some(Value::from(i)),
            Err(_) => return Err(invalid(format!("{name} must be a whole number, got {s:?}"))),
        },
        (FieldType::Number { .. }, _) => {
            return Err(invalid(format!("{name} must be a whole number")));
        }
        (_, Value::String(s)) if s.trim().is_empty() => None,
        (_, Value::String(s)) => Some(Value::String(s.trim().to_string())),
        // A chat id or a phone number written as a JSON number.
        (FieldType::Token { .. }, Value::Number(n)) => Some(Value::String(n.to_string())),
        _ => {
            return Err(invalid(format!(
                "{name} of a {} channel must be text",
                kind.kind
            )))
        }
    })
}

impl Settings {
    /// The kind.
    pub fn kind(&self) -> &'static Kind {
        self.kind
    }

    /// Stored settings of `kind` (written by this code, so only read).
    pub fn from_stored(kind: &'static Kind, json: &str) -> Result<Settings, String> {
        let values: BTreeMap<String, Value> = serde_json::from_str(json)
            .map_err(|e| format!("stored {} settings are unreadable: {e}", kind.kind))?;
        Ok(Settings { kind, values })
    }

    /// Settings from API input: every field must be one the kind takes (else a 400
    /// naming the ones it does), of its type.
    pub fn from_input(
        kind: &'static Kind,
        input: serde_json::Map<String, Value>,
    ) -> Result<Settings, WebhookError> {
        let mut s = Settings {
            kind,
            values: BTreeMap::new(),
        };
        s.change(input)?;
        Ok(s)
    }

    /// Applies a change: each field given replaces the stored one; `null` or `""`
    /// clears it.
    pub fn change(&mut self, input: serde_json::Map<String, Value>) -> Result<(), WebhookError> {
        for (name, v) in input {
            let Some(f) = self.kind.field(&name) else {
                return Err(invalid(format!(
                    "field {name:?} does not apply to a {} channel: it takes {}",
                    self.kind.kind,
                    self.kind.field_names()
                )));
            };
            match read(self.kind, f, v)? {
                Some(v) => self.values.insert(name, v),
                None => self.values.remove(&name),
            };
        }
        Ok(())
    }

    /// Checks every field: required ones given, lengths, ranges, choices, URLs (literal
    /// private addresses refused under `policy`).
    pub fn validate(&self, policy: AddressPolicy) -> Result<(), WebhookError> {
        let kind = self.kind.kind;
        for f in self.kind.fields {
            let Some(v) = self.values.get(f.name) else {
                if f.required {
                    return Err(invalid(format!(
                        "{} is required for a {kind} channel ({})",
                        f.name,
                        f.label.to_lowercase()
                    )));
                }
                continue;
            };
            let name = f.name;
            let text = v.as_str().unwrap_or_default();
            match f.kind {
                FieldType::Text { max } if text.chars().count() > max => {
                    return Err(invalid(format!("{name} must be at most {max} characters")));
                }
                FieldType::Token { max }
                    if text.len() > max || !text.chars().all(|c| c.is_ascii_graphic()) =>
                {
                    return Err(invalid(format!(
                        "{name} must be at most {max} letters, digits or signs, without \
                         spaces: check the {} you copied",
                        f.label.to_lowercase()
                    )));
                }
                FieldType::Url => check_http_url(name, text, policy).map_err(invalid)?,
                FieldType::Choice { choices } if !choices.contains(&text) => {
                    return Err(invalid(format!(
                        "{name} must be one of {}, got {text:?}",
                        choices.join(", ")
                    )));
                }
                FieldType::Number { min, max } => {
                    let n = v.as_i64().unwrap_or(i64::MIN);
                    if n < min || n > max {
                        return Err(invalid(format!(
                            "{name} must be between {min} and {max}, got {n}"
                        )));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The settings as stored.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.values).unwrap_or_else(|_| "{}".into())
    }

    /// The settings as shown after creation: secret fields masked (a URL keeps its
    /// scheme and host).
    pub fn masked(&self) -> Value {
        let mut out = serde_json::Map::new();
        for (name, v) in &self.values {
            let shown = match self.kind.field(name) {
                Some(f) if f.secret => Value::String(mask(f, v.as_str().unwrap_or_default())),
                _ => v.clone(),
            };
            out.insert(name.clone(), shown);
        }
        Value::Object(out)
    }

    /// The secret fields that hold a value, with it (never shown: digested).
    pub fn secrets(&self) -> Vec<(String, String)> {
        self.kind
            .fields
            .iter()
            .filter(|f| f.secret)
            .filter_map(|f| {
                let v = self.values.get(f.name)?.as_str()?;
                Some((f.name.to_string(), v.to_string()))
            })
            .collect()
    }

    /// Takes back the stored secrets where this change sent their masked form.
    pub fn keep_secrets(&mut self, stored: &Settings) {
        for f in self.kind.fields.iter().filter(|f| f.secret) {
            let (Some(new), Some(old)) = (self.values.get(f.name), stored.values.get(f.name))
            else {
                continue;
            };
            let old_text = old.as_str().unwrap_or_default();
            if new.as_str() == Some(mask(f, old_text).as_str()) {
                self.values.insert(f.name.to_string(), old.clone());
            }
        }
    }

    /// Where its requests go: the destination of each URL field (defaults included).
    pub fn destinations(&self) -> Vec<String> {
        self.kind
            .fields
            .iter()
            .filter(|f| matches!(f.kind, FieldType::Url))
            .map(|f| crate::secret::destination(self.text(f.name).unwrap_or_default()))
            .collect()
    }

    /// Forgets the secrets (other than URL fields, which are the destination itself) that
    /// `sent` does not give anew; returns the required ones so forgotten. Called when the
    /// destination moved, so a stored token never follows it.
    pub fn forget_kept_secrets(
        &mut self,
        stored: &Settings,
        sent: &serde_json::Map<String, Value>,
    ) -> Vec<&'static str> {
        let mut missing = Vec::new();
        for f in self.kind.fields.iter() {
            if !f.secret || matches!(f.kind, FieldType::Url) {
                continue;
            }
            let old = stored.values.get(f.name).and_then(Value::as_str);
            let fresh = crate::secret::sent_anew(sent.get(f.name), || {
                old.map(|o| mask(f, o)).unwrap_or_default()
            });
            if !fresh && self.values.remove(f.name).is_some() && f.required {
                missing.push(f.name);
            }
        }
        missing
    }

    /// A text field's value, or its default.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.values.get(name) {
            Some(Value::String(s)) => Some(s.as_str()),
            _ => self.kind.field(name).and_then(|f| f.default),
        }
    }

    /// A number field's value, or its default.
    pub fn number(&self, name: &str) -> Option<i64> {
        match self.values.get(name) {
            Some(v) => v.as_i64(),
            None => self
                .kind
                .field(name)
                .and_then(|f| f.default)
                .and_then(|d| d.parse().ok()),
        }
    }
}

fn mask(f: &Field, value: &str) -> String {
    match f.kind {
        FieldType::Url => mask_url(value),
        _ => mask_secret(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn input_is_checked_against_the_table() {
        let tg = crate::kinds::find("telegram").unwrap();
        let s = Settings::from_input(
            tg,
            input(json!({"bot_token": "123456:ABCdefGHIjklMNOpqr", "chat_id": -1001234, "topic": "7"})),
        )
        .unwrap();
        s.validate(AddressPolicy::default()).unwrap();
        assert_eq!(s.text("chat_id"), Some("-1001234"));
        assert_eq!(s.number("topic"), Some(7));
        assert_eq!(s.text("url"), Some("https://api.telegram.org"));
        assert_eq!(s.masked()["bot_token"], "••••••Opqr");
        // Sending back the masked token keeps it.
        let mut back = Settings::from_input(tg, input(s.masked())).unwrap();
        back.keep_secrets(&s);
        assert_eq!(back, s);
        let err = |v: Value| {
            Settings::from_input(tg, input(v))
                .and_then(|s| s.validate(AddressPolicy::default()))
                .unwrap_err()
                .to_string()
        };
        assert!(err(json!({"chat": 1})).contains("it takes bot_token, chat_id, topic, url"));
        assert!(err(json!({"chat_id": "1"})).contains("bot_token is required"));
        assert!(err(json!({"bot_token": "has space", "chat_id": "1"})).contains("without spaces"));
        assert!(
            err(json!({"bot_token": "t", "chat_id": "1", "topic": "x"})).contains("whole number")
        );
        assert!(
            err(json!({"bot_token": "t", "chat_id": "1", "url": "http://127.0.0.1/"}))
                .contains("refused")
        );
        assert!(err(json!({"bot_token": ["t"], "chat_id": "1"})).contains("must be text"));
    }
}
