//! Request values that may be written in more than one shape. Each has its own
//! `Deserialize`, so a wrong shape is refused with the shapes it accepts (serde's
//! untagged enums would only say "data did not match any variant"), and an unknown
//! field inside names the field.

use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::LinkInput;

/// What a JSON value is, in words.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A duration as a request may write it: `90` or `"90s"`, `"15m"`, `"2h"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum DurationInput {
    /// Whole seconds.
    Seconds(i64),
    /// Text with a unit.
    Text(String),
}

impl<'de> Deserialize<'de> for DurationInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const SHAPES: &str =
            "give whole seconds (90) or a duration with a unit (\"90s\", \"15m\", \"2h\")";
        match Value::deserialize(d)? {
            Value::Number(n) => n
                .as_i64()
                .map(DurationInput::Seconds)
                .ok_or_else(|| D::Error::custom(format!("{SHAPES}, not {n}"))),
            Value::String(s) => Ok(DurationInput::Text(s)),
            other => Err(D::Error::custom(format!("{SHAPES}, not {}", kind(&other)))),
        }
    }
}

/// Tags as a list or as one space-separated string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum TagsInput {
    /// `["prod", "db"]`.
    List(Vec<String>),
    /// `"prod db"`.
    Text(String),
}

impl<'de> Deserialize<'de> for TagsInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const SHAPES: &str =
            "give a list of words ([\"prod\", \"db\"]) or one string (\"prod db\")";
        match Value::deserialize(d)? {
            Value::String(s) => Ok(TagsInput::Text(s)),
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s),
                    other => Err(D::Error::custom(format!(
                        "[{i}]: a tag is a string, not {}",
                        kind(&other)
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(TagsInput::List),
            other => Err(D::Error::custom(format!("{SHAPES}, not {}", kind(&other)))),
        }
    }
}

/// One dependency or a list of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum LinksInput {
    /// `[{"monitor": …, "within": …}, …]` (`[]` removes them).
    List(Vec<LinkInput>),
    /// `{"monitor": …, "within": …}`.
    One(LinkInput),
}

impl LinksInput {
    /// As a list.
    pub fn list(&self) -> Vec<LinkInput> {
        match self {
            LinksInput::List(l) => l.clone(),
            LinksInput::One(one) => vec![one.clone()],
        }
    }
}

impl<'de> Deserialize<'de> for LinksInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const SHAPES: &str =
            "give {\"monitor\": \"<uuid or slug>\", \"within\": \"1h\"} or a list of them";
        let one = |v: Value| LinkInput::deserialize(v).map_err(|e| e.to_string());
        match Value::deserialize(d)? {
            Value::Object(o) => one(Value::Object(o))
                .map(LinksInput::One)
                .map_err(|e| D::Error::custom(format!("{e} ({SHAPES})"))),
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| one(v).map_err(|e| D::Error::custom(format!("[{i}]: {e}"))))
                .collect::<Result<Vec<_>, _>>()
                .map(LinksInput::List),
            other => Err(D::Error::custom(format!("{SHAPES}, not {}", kind(&other)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err<T: for<'de> Deserialize<'de> + std::fmt::Debug>(json: &str) -> String {
        serde_json::from_str::<T>(json).unwrap_err().to_string()
    }

    #[test]
    fn shapes_are_named_not_serde_internals() {
        assert_eq!(
            serde_json::from_str::<DurationInput>("90").unwrap(),
            DurationInput::Seconds(90)
        );
        assert!(err::<DurationInput>("true").contains("give whole seconds"));
        assert!(err::<TagsInput>("{}").contains("a list of words"));
        assert!(err::<TagsInput>("[1]").contains("[0]: a tag is a string"));
        let e = err::<LinksInput>(r#"{"monitor": "a", "within": "1h", "wihtin": 1}"#);
        assert!(e.contains("unknown field `wihtin`"), "{e}");
        assert!(!e.contains("untagged"), "{e}");
        let e = err::<LinksInput>(r#"[{"monitor": "a"}]"#);
        assert!(e.starts_with("[0]: missing field `within`"), "{e}");
        assert_eq!(
            serde_json::from_str::<LinksInput>(r#"[]"#).unwrap(),
            LinksInput::List(vec![])
        );
    }
}
