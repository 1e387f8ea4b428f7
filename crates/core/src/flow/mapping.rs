//! A flow's mapping (docs/behaviour.md, "Flows (entity SLAs)"): where the entity, the
//! stage and the time are in the events a service already publishes
//! (`{"orderId": 12345, "status": "Authorized", "timestamp": 1610118449538}`), how the
//! time is written, and how stage values map to stages. The fields it does not map are
//! kept as the entity's attributes, bounded in size.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Largest attributes kept per entity, as JSON.
pub const MAX_ATTRIBUTES: usize = 4_096;

/// How a mapped time is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeFormat {
    /// RFC 3339 text, or a number: milliseconds when above 10^11, else seconds.
    #[default]
    Auto,
    /// RFC 3339 text (`2026-01-01T10:00:00Z`).
    Rfc3339,
    /// Seconds since 1970 (a number or digits).
    EpochSeconds,
    /// Milliseconds since 1970.
    EpochMillis,
}

/// A flow's mapping, as stored and as the API takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Where the entity's id is: a JSON pointer (`/orderId`) or a dotted path
    /// (`order.id`). A number is taken as its digits.
    pub entity: String,
    /// Where the stage is.
    pub stage: String,
    /// Where the time is (absent: when Overdue receives it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// How the time is written.
    #[serde(default)]
    pub time_format: TimeFormat,
    /// Stage values to stages (`"Authorized": "authorized"`); values not in it match a
    /// stage's name in any case.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub stages: std::collections::BTreeMap<String, String>,
}

/// An event read through a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// The entity's id.
    pub entity: String,
    /// The stage, by its name in the flow.
    pub stage: String,
    /// When (ms), if the message says.
    pub at: Option<i64>,
    /// The message's other top-level fields, as JSON (none when there are none; cut to
    /// [`MAX_ATTRIBUTES`]).
    pub attributes: Option<String>,
}

/// The keys of a path: a JSON pointer (`/a/b`, with `~1` and `~0`) or dots (`a.b`).
fn keys(path: &str) -> Result<Vec<String>, String> {
    let p = path.trim();
    let keys: Vec<String> = match p.strip_prefix('/') {
        Some(rest) => rest
            .split('/')
            .map(|k| k.replace("~1", "/").replace("~0", "~"))
            .collect(),
        None => p.split('.').map(str::to_string).collect(),
    };
    if p.is_empty() || keys.iter().any(String::is_empty) {
        return Err(format!(
            "{path:?} is not a path: give a JSON pointer (/orderId) or dotted names (order.id)"
        ));
    }
    Ok(keys)
}

/// The value at `path` (a JSON pointer or dotted path) in `msg`. Walks the path's
/// segments as they are, without collecting them: it runs for every event read.
pub fn value_at<'a>(msg: &'a Value, path: &str) -> Option<&'a Value> {
    let p = path.trim();
    let (rest, sep) = match p.strip_prefix('/') {
        Some(rest) => (rest, '/'),
        None => (p, '.'),
    };
    if p.is_empty() {
        return None;
    }
    let mut v = msg;
    for raw in rest.split(sep) {
        if raw.is_empty() {
            return None;
        }
        // A pointer's escapes (`~1` is `/`, `~0` is `~`) only where there are some.
        let k: std::borrow::Cow<'_, str> = if sep == '/' && raw.contains('~') {
            raw.replace("~1", "/").replace("~0", "~").into()
        } else {
            raw.into()
        };
        v = match v {
            Value::Object(m) => m.get(k.as_ref())?,
            Value::Array(a) => a.get(k.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// The first key of `path` (the top-level field it starts with).
fn first_key(path: &str) -> Option<std::borrow::Cow<'_, str>> {
    let p = path.trim();
    let (rest, sep) = match p.strip_prefix('/') {
        Some(rest) => (rest, '/'),
        None => (p, '.'),
    };
    let raw = rest.split(sep).next().filter(|k| !k.is_empty())?;
    Some(if sep == '/' && raw.contains('~') {
        raw.replace("~1", "/").replace("~0", "~").into()
    } else {
        raw.into()
    })
}

/// A time as `format` writes it, in ms.
fn time_of(v: &Value, format: TimeFormat) -> Result<i64, String> {
    let number = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let text = v.as_str().map(str::trim);
    let rfc = || {
        text.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|d| d.timestamp_millis())
    };
    let found = match format {
        TimeFormat::Rfc3339 => rfc(),
        TimeFormat::EpochSeconds => number.map(|s| (s * 1_000.0) as i64),
        TimeFormat::EpochMillis => number.map(|ms| ms as i64),
        TimeFormat::Auto => rfc().or_else(|| {
            number.map(|n| {
                if n.abs() >= 1e11 {
                    n as i64
                } else {
                    (n * 1_000.0) as i64
                }
            })
        }),
    };
    found.ok_or_else(|| format!("{v} is not a time ({format:?})"))
}

impl Mapping {
    /// Checks the paths, and that the stage table names stages of the flow (`names`).
    pub fn validate(&self, names: &[&str]) -> Result<(), String> {
        for (field, path) in [("entity", Some(&self.entity)), ("stage", Some(&self.stage))]
            .into_iter()
            .chain([("at", self.at.as_ref())])
        {
            if let Some(p) = path {
                keys(p).map_err(|e| format!("mapping.{field}: {e}"))?;
            }
        }
        for (value, stage) in &self.stages {
            if !names.contains(&stage.as_str()) {
                return Err(format!(
                    "mapping.stages: {value:?} maps to {stage:?}, which is not a stage of this flow"
                ));
            }
        }
        Ok(())
    }

    /// Reads one message; `names`: the flow's stages and terminal stages. `Err` says
    /// what is missing or unknown, naming the path and the value.
    pub fn apply(&self, msg: &Value, names: &[&str]) -> Result<Mapped, String> {
        let entity = match value_at(msg, &self.entity) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => return Err(format!("{}: {other} is not an entity id", self.entity)),
            None => return Err(format!("no entity at {}", self.entity)),
        };
        let value = match value_at(msg, &self.stage) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => return Err(format!("{}: {other} is not a stage", self.stage)),
            None => return Err(format!("no stage at {}", self.stage)),
        };
        let stage = self
            .stages
            .get(&value)
            .cloned()
            .or_else(|| {
                self.stages
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&value))
                    .map(|(_, s)| s.clone())
            })
            .or_else(|| {
                names
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(value.trim()))
                    .map(|n| n.to_string())
            })
            .ok_or_else(|| {
                format!(
                    "{}: {value:?} is no stage of this flow ({}); map it in mapping.stages",
                    self.stage,
                    names.join(", ")
                )
            })?;
        let at = match &self.at {
            None => None,
            Some(p) => match value_at(msg, p) {
                None | Some(Value::Null) => None,
                Some(v) => Some(time_of(v, self.time_format).map_err(|e| format!("{p}: {e}"))?),
            },
        };
        Ok(Mapped {
            entity,
            stage,
            at,
            attributes: self.attributes(msg),
        })
    }

    /// The message's top-level fields that no path of the mapping starts with.
    fn attributes(&self, msg: &Value) -> Option<String> {
        let Value::Object(all) = msg else {
            return None;
        };
        let mapped: Vec<String> = [Some(&self.entity), Some(&self.stage), self.at.as_ref()]
            .into_iter()
            .flatten()
            .filter_map(|p| first_key(p).map(std::borrow::Cow::into_owned))
            .collect();
        attributes_of(all, &mapped)
    }
}

/// The fields of `all` not in `mapped`, as JSON cut to [`MAX_ATTRIBUTES`] (whole fields
/// kept in order while they fit); `None` when none are left.
pub fn attributes_of(all: &Map<String, Value>, mapped: &[String]) -> Option<String> {
    let mut kept = Map::new();
    let mut size = 2;
    for (k, v) in all {
        if mapped.contains(k) {
            continue;
        }
        let len = k.len() + v.to_string().len() + 4;
        if size + len > MAX_ATTRIBUTES {
            continue;
        }
        size += len;
        kept.insert(k.clone(), v.clone());
    }
    (!kept.is_empty()).then(|| Value::Object(kept).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NAMES: &[&str] = &["placed", "authorized", "shipped", "delivered"];

    fn orders() -> Mapping {
        serde_json::from_value(json!({
            "entity": "/orderId", "stage": "status", "at": "timestamp",
            "time_format": "epoch_millis"
        }))
        .unwrap()
    }

    #[test]
    fn an_order_service_event() {
        let msg = json!({"orderId": 12345, "status": "Authorized",
                         "timestamp": 1610118449538_i64, "whatEver": "foo", "amount": 99.5});
        let m = orders().apply(&msg, NAMES).unwrap();
        assert_eq!(m.entity, "12345");
        assert_eq!(m.stage, "authorized");
        assert_eq!(m.at, Some(1_610_118_449_538));
        assert_eq!(
            m.attributes.as_deref(),
            Some(r#"{"amount":99.5,"whatEver":"foo"}"#)
        );
    }

    #[test]
    fn paths_tables_and_times() {
        let m: Mapping = serde_json::from_value(json!({
            "entity": "order.id", "stage": "/event~1type", "at": "meta.at",
            "stages": {"OrderShipped": "shipped"}
        }))
        .unwrap();
        m.validate(NAMES).unwrap();
        let msg = json!({"order": {"id": "A-1"}, "event/type": "ordershipped",
                         "meta": {"at": "2026-01-01T10:00:00Z"}});
        let got = m.apply(&msg, NAMES).unwrap();
        assert_eq!(
            (got.entity.as_str(), got.stage.as_str()),
            ("A-1", "shipped")
        );
        assert_eq!(got.at, Some(1_767_261_600_000));
        assert_eq!(got.attributes, None, "every top-level field is mapped");
        let secs = json!({"order": {"id": 7}, "event/type": "placed", "meta": {"at": 1767261600}});
        assert_eq!(m.apply(&secs, NAMES).unwrap().at, Some(1_767_261_600_000));
    }

    #[test]
    fn what_cannot_be_mapped_is_said() {
        let m = orders();
        for (msg, says) in [
            (json!({"status": "placed"}), "no entity at /orderId"),
            (json!({"orderId": 1}), "no stage at status"),
            (
                json!({"orderId": 1, "status": "Lost"}),
                "\"Lost\" is no stage of this flow",
            ),
            (
                json!({"orderId": [1], "status": "placed"}),
                "is not an entity id",
            ),
            (
                json!({"orderId": 1, "status": "placed", "timestamp": "soon"}),
                "timestamp:",
            ),
        ] {
            let err = m.apply(&msg, NAMES).unwrap_err();
            assert!(err.contains(says), "{msg}: {err}");
        }
        let bad: Mapping = serde_json::from_value(json!({"entity": "a..b", "stage": "s"})).unwrap();
        assert!(bad.validate(NAMES).unwrap_err().contains("mapping.entity"));
        let table: Mapping =
            serde_json::from_value(json!({"entity": "e", "stage": "s", "stages": {"X": "nope"}}))
                .unwrap();
        assert!(table.validate(NAMES).unwrap_err().contains("not a stage"));
    }

    #[test]
    fn attributes_are_bounded() {
        let big: Map<String, Value> = (0..500)
            .map(|i| (format!("field{i:03}"), json!("x".repeat(20))))
            .collect();
        let kept = attributes_of(&big, &[]).unwrap();
        assert!(kept.len() <= MAX_ATTRIBUTES, "{}", kept.len());
        assert!(kept.contains("field000"));
    }
}
