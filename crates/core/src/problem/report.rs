//! Reading a problem report as jobs write it (docs/behaviour.md, "Problems (per-unit
//! errors)", and the rule "signals liberal, configuration strict"): an array of
//! `{"key", "severity", "message", "details"}` or one such object, read liberally —
//! the usual other names of those fields (`id`, `level`, `error`, …), severities in any
//! case and common spelling, a message that is not text written out, fields Overdue
//! does not know kept in `details` and named. Only what cannot be a unit's problem at
//! all (no key, not an object) is left unread, with the reason, for the caller to keep
//! as a log line.

use serde_json::{Map, Value};

use super::{check_key, scrubbed, Reported, Severity, MAX_DETAILS, MAX_MESSAGE};

/// A report as read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportRead {
    /// The problems read.
    pub items: Vec<Reported>,
    /// Why items could not be read (`problem 3: key is required: …`).
    pub unread: Vec<String>,
    /// The fields kept in `details` because Overdue does not know them (each name once).
    pub extras: Vec<String>,
    /// What was read other than as written (`problem 0: severity "urgent" read as error`).
    pub notes: Vec<String>,
}

/// The names a field goes by, the first its own.
const KEY: &[&str] = &["key", "id", "unit", "entity"];
const SEVERITY: &[&str] = &["severity", "level"];
const MESSAGE: &[&str] = &["message", "error", "reason", "msg", "description"];

/// The first of `names` that `obj` has (not null), with its name.
fn field<'a>(
    obj: &'a Map<String, Value>,
    names: &[&'static str],
) -> Option<(&'static str, &'a Value)> {
    names
        .iter()
        .find_map(|n| obj.get(*n).filter(|v| !v.is_null()).map(|v| (*n, v)))
}

/// Reads a report body. `Err` when the body as a whole is not a report (not JSON, not
/// a list or object, empty, over `max_items`).
pub fn read_report(body: &[u8], max_items: usize) -> Result<ReportRead, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        format!("the body must be JSON: [{{\"key\": \"invoice:123\", \"severity\": \"error\", \"message\": \"...\"}}] ({e})")
    })?;
    let items = match value {
        Value::Array(items) => items,
        obj @ Value::Object(_) => vec![obj],
        _ => return Err("the body must be a JSON array of problems or one problem object".into()),
    };
    if items.is_empty() {
        return Err("the body lists no problems".into());
    }
    if items.len() > max_items {
        return Err(format!(
            "{} problems in one report; send at most {max_items} per request",
            items.len()
        ));
    }
    let mut out = ReportRead::default();
    for (i, item) in items.iter().enumerate() {
        match read_item(item, i, &mut out) {
            Ok(r) => out.items.push(r),
            Err(e) => out.unread.push(format!("problem {i}: {e}")),
        }
    }
    Ok(out)
}

/// One item; notes and extra field names go to `out`.
fn read_item(item: &Value, i: usize, out: &mut ReportRead) -> Result<Reported, String> {
    let obj = item
        .as_object()
        .ok_or("each problem must be an object with a \"key\"")?;
    let (key_name, key) = match field(obj, KEY) {
        Some((n, v)) => (n, Some(v)),
        None => ("key", None),
    };
    let key = check_key(key)?;
    let (severity_name, severity) = match field(obj, SEVERITY) {
        None => ("severity", Severity::Error),
        Some((n, Value::String(s))) => match Severity::read_loosely(s) {
            Some(sev) => (n, sev),
            None => {
                out.notes.push(format!(
                    "problem {i}: severity {s:?} read as error (use info, warning, error or critical)"
                ));
                (n, Severity::Error)
            }
        },
        Some((n, other)) => {
            out.notes
                .push(format!("problem {i}: severity {other} read as error"));
            (n, Severity::Error)
        }
    };
    let (message_name, message) = match field(obj, MESSAGE) {
        None => ("message", String::new()),
        Some((n, Value::String(s))) => (n, s.clone()),
        Some((n, other)) => (n, other.to_string()),
    };
    let message: String = message.chars().take(MAX_MESSAGE).collect();
    let mut details = match obj.get("details") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(d)) => d.clone(),
        Some(other) => Map::from_iter([("value".to_string(), other.clone())]),
    };
    let read = [key_name, severity_name, message_name, "details"];
    for (k, v) in obj {
        if read.contains(&k.as_str()) {
            continue;
        }
        if !out.extras.contains(k) {
            out.extras.push(k.clone());
        }
        details.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let details = (!details.is_empty()).then(|| {
        let text = Value::Object(details).to_string();
        if text.len() > MAX_DETAILS {
            out.notes.push(format!(
                "problem {i}: details are {} bytes; only their size is kept (at most {MAX_DETAILS})",
                text.len()
            ));
            serde_json::json!({"truncated": true, "bytes": text.len()}).to_string()
        } else {
            text
        }
    });
    let mut replaced = Vec::new();
    let (key, message) = (
        scrubbed("key", key, &mut replaced),
        scrubbed("message", message, &mut replaced),
    );
    Ok(Reported {
        key,
        severity,
        message,
        details,
        replaced,
    })
}
