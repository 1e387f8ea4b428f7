//! Reading flow events from what senders send (docs/behaviour.md, "Flows (entity SLAs)",
//! "What senders send"): the envelopes clouds and platforms wrap events in (CloudEvents
//! 1.0 structured, binary and batched; Google Pub/Sub push), then each event through the
//! flow's mapping or in Overdue's own form, checked against the flow. One reading for
//! every path — HTTP batches, the push URL and the broker — so an event means the same
//! wherever it comes from. What cannot be read is said in words, with the raw text, to
//! be kept aside (never refused for its form: docs/behaviour.md, "Pings").

use base64::Engine;
use serde_json::Value;

use super::mapping::{attributes_of, Mapped};
use super::{apply, check_entity, Calendars, FlowDef};

/// Longest raw text kept of a message that cannot be read.
pub const MAX_RAW: usize = 16 * 1024;

/// One message out of an envelope: its data (one event or a list) and what the
/// envelope says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The event (or a list of events) as JSON.
    pub data: Value,
    /// The envelope's time (ms): the `at` of events that carry none.
    pub at: Option<i64>,
    /// The envelope's id (CloudEvents `source` and `id`, Pub/Sub `messageId`, the
    /// broker's message id): a message seen before is not applied again.
    pub id: Option<String>,
}

/// What could not be read, and its raw text (cut to [`MAX_RAW`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Unread {
    /// Why, in words.
    pub reason: String,
    /// The message as it came.
    pub raw: String,
}

impl Unread {
    /// `reason` about the text `raw`.
    pub fn new(reason: impl Into<String>, raw: &str) -> Self {
        Unread {
            reason: reason.into(),
            raw: cut(raw),
        }
    }
}

/// `raw` cut to [`MAX_RAW`] bytes on a character boundary.
pub fn cut(raw: &str) -> String {
    if raw.len() <= MAX_RAW {
        return raw.to_string();
    }
    let mut end = MAX_RAW;
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    raw[..end].to_string()
}

/// The form a body came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Events, one or a list.
    Plain,
    /// CloudEvents (structured, batched or binary).
    CloudEvents,
    /// A Google Pub/Sub push.
    PubSub,
}

/// The messages of a body. `content_type` is the request's; `ce` its `ce-*` headers
/// (lower-case names without the prefix: `id`, `time`, `source`), which make a
/// CloudEvents binary-mode request. `Err` when nothing of the body can be read.
pub fn envelope(
    content_type: Option<&str>,
    ce: &[(String, String)],
    body: &[u8],
) -> (Form, Result<Vec<Result<Item, Unread>>, Unread>) {
    let raw = || String::from_utf8_lossy(body).into_owned();
    let kind = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if ce.iter().any(|(k, _)| k == "specversion") {
        let header = |name: &str| ce.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let data = match serde_json::from_slice::<Value>(body) {
            Ok(v) => v,
            Err(e) => {
                let why = format!("the CloudEvent's data is not JSON ({e})");
                return (Form::CloudEvents, Err(Unread::new(why, &raw())));
            }
        };
        let item = Item {
            data,
            at: header("time").and_then(rfc3339),
            id: header("id").map(|id| ce_id(header("source"), id)),
        };
        return (Form::CloudEvents, Ok(vec![Ok(item)]));
    }
    let value = match serde_json::from_slice::<Value>(body) {
        Ok(v) => v,
        Err(e) => {
            let why = format!("the body is not JSON ({e})");
            return (Form::Plain, Err(Unread::new(why, &raw())));
        }
    };
    if kind == "application/cloudevents-batch+json" {
        let Value::Array(list) = value else {
            let why = "a CloudEvents batch is a list of events";
            return (Form::CloudEvents, Err(Unread::new(why, &raw())));
        };
        return (
            Form::CloudEvents,
            Ok(list.into_iter().map(cloud_event).collect()),
        );
    }
    let object = value.as_object();
    if kind == "application/cloudevents+json"
        || object.is_some_and(|o| o.contains_key("specversion"))
    {
        return (Form::CloudEvents, Ok(vec![cloud_event(value)]));
    }
    if object.is_some_and(|o| {
        o.get("message").is_some_and(Value::is_object) && o.contains_key("subscription")
    }) {
        return (Form::PubSub, Ok(vec![pubsub(&value)]));
    }
    match value {
        Value::Array(list) => (
            Form::Plain,
            Ok(list
                .into_iter()
                .map(|data| {
                    Ok(Item {
                        data,
                        at: None,
                        id: None,
                    })
                })
                .collect()),
        ),
        data @ Value::Object(_) => (
            Form::Plain,
            Ok(vec![Ok(Item {
                data,
                at: None,
                id: None,
            })]),
        ),
        other => {
            let why = "send an event or a list of events: [{\"entity\": \"12345\", \"stage\": \"authorized\"}]";
            (Form::Plain, Err(Unread::new(why, &other.to_string())))
        }
    }
}

/// An RFC 3339 time in ms.
fn rfc3339(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|d| d.timestamp_millis())
}

/// A CloudEvent's identity: `id` is unique within its `source`.
fn ce_id(source: Option<&str>, id: &str) -> String {
    match source {
        Some(s) => format!("{s} {id}"),
        None => id.to_string(),
    }
}

/// Bytes as JSON, or why not.
fn json_of(bytes: &[u8], what: &str) -> Result<Value, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("{what} is not JSON ({e})"))
}

/// A CloudEvent in structured form: `data` (JSON, or a string holding JSON) or
/// `data_base64`.
fn cloud_event(v: Value) -> Result<Item, Unread> {
    let raw = v.to_string();
    let Value::Object(ev) = v else {
        return Err(Unread::new(
            "a CloudEvent is an object with specversion, id, source, type and data",
            &raw,
        ));
    };
    let text = |k: &str| ev.get(k).and_then(Value::as_str);
    let data = match (ev.get("data"), text("data_base64")) {
        (Some(Value::String(s)), None) => json_of(s.as_bytes(), "the CloudEvent's data"),
        (Some(d), None) => Ok(d.clone()),
        (None, Some(b64)) => base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| format!("data_base64 is not base64 ({e})"))
            .and_then(|bytes| json_of(&bytes, "the CloudEvent's data_base64")),
        (Some(_), Some(_)) => Err("a CloudEvent has data or data_base64, not both".into()),
        (None, None) => Err("the CloudEvent has no data".into()),
    };
    match data {
        Ok(data) => Ok(Item {
            data,
            at: text("time").and_then(rfc3339),
            id: text("id").map(|id| ce_id(text("source"), id)),
        }),
        Err(why) => Err(Unread::new(why, &raw)),
    }
}

/// A Pub/Sub push: `{"message": {"data": <base64>, "attributes", "messageId",
/// "publishTime"}, "subscription"}`.
fn pubsub(v: &Value) -> Result<Item, Unread> {
    let raw = v.to_string();
    let m = &v["message"];
    let text = |k: &str| m.get(k).and_then(Value::as_str);
    let data = text("data")
        .ok_or_else(|| "the Pub/Sub message has no data".to_string())
        .and_then(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| format!("message.data is not base64 ({e})"))
        })
        .and_then(|bytes| json_of(&bytes, "message.data"));
    match data {
        Ok(data) => Ok(Item {
            data,
            at: text("publishTime").and_then(rfc3339),
            id: text("messageId").or(text("message_id")).map(str::to_string),
        }),
        Err(why) => Err(Unread::new(why, &raw)),
    }
}

/// The events of a message: a list is several, anything else one. Each keeps the
/// message's time and an id made unique by its place in the list.
pub fn events_of(item: Item) -> Vec<(Value, Option<i64>, Option<String>)> {
    match item.data {
        Value::Array(list) if list.len() == 1 || item.id.is_none() => list
            .into_iter()
            .map(|d| (d, item.at, item.id.clone()))
            .collect(),
        Value::Array(list) => list
            .into_iter()
            .enumerate()
            .map(|(i, d)| (d, item.at, item.id.as_ref().map(|id| format!("{id}#{i}"))))
            .collect(),
        one => vec![(one, item.at, item.id)],
    }
}

/// One event read through `def`'s mapping (else in Overdue's own form, `{"entity",
/// "stage", "at"}`, the entity a string or a number) and checked against the flow: a
/// valid entity id, a stage of the flow, a time not in the future. `at`: the
/// envelope's time, for an event that carries none; `now`: the server's clock.
pub fn event(def: &FlowDef, v: &Value, at: Option<i64>, now: i64) -> Result<Mapped, String> {
    let names: Vec<&str> = def
        .stages
        .iter()
        .map(|s| s.name.as_str())
        .chain(def.terminal.iter().map(String::as_str))
        .collect();
    let mut read = match &def.mapping {
        Some(m) => m.apply(v, &names)?,
        None => own_form(v)?,
    };
    read.at = read.at.or(at);
    check_entity(&read.entity).map_err(|e| e.to_string())?;
    apply(
        def,
        &Calendars::new(),
        None,
        &read.stage,
        read.at.unwrap_or(now),
        now,
    )
    .map_err(|e| e.to_string())?;
    Ok(read)
}

/// An event in Overdue's own form; fields besides `entity`, `stage` and `at` (and
/// `flow`, which names the flow on the broker) are kept as attributes.
fn own_form(v: &Value) -> Result<Mapped, String> {
    let Value::Object(all) = v else {
        return Err(
            "an event is an object: {\"entity\": \"12345\", \"stage\": \"authorized\"}".into(),
        );
    };
    let entity = match all.get("entity") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => return Err(format!("entity: {other} is not an id")),
        None => return Err("entity is missing".into()),
    };
    let stage = match all.get("stage") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(format!("stage: {other} is not a stage name")),
        None => return Err("stage is missing".into()),
    };
    let at = match all.get("at") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(rfc3339(text).ok_or_else(|| {
            format!("at must be a time in RFC 3339 (e.g. 2026-01-01T10:00:00Z), got {text:?}")
        })?),
        Some(other) => return Err(format!("at: {other} is not an RFC 3339 time")),
    };
    let read: Vec<String> = ["entity", "stage", "at", "flow"].map(String::from).to_vec();
    Ok(Mapped {
        entity,
        stage,
        at,
        attributes: attributes_of(all, &read),
    })
}

/// The flow a broker message names, at `path` (a JSON pointer or dotted path; default
/// `flow`), when it is text.
pub fn flow_named(v: &Value, path: &str) -> Option<String> {
    let found = super::mapping::value_at(v, path)?;
    found.as_str().map(str::to_string)
}

/// Whether a topic exchange's binding `pattern` (`orders.*`, `orders.#`) takes the
/// routing key `key`: `*` is one word, `#` zero or more; a direct binding is the key
/// itself.
pub fn topic_matches(pattern: &str, key: &str) -> bool {
    fn go(p: &[&str], k: &[&str]) -> bool {
        match (p.first(), k.first()) {
            (None, None) => true,
            (Some(&"#"), _) => go(&p[1..], k) || (!k.is_empty() && go(p, &k[1..])),
            (Some(&"*"), Some(_)) => go(&p[1..], &k[1..]),
            (Some(w), Some(x)) if w == x => go(&p[1..], &k[1..]),
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let k: Vec<&str> = if key.is_empty() {
        Vec::new()
    } else {
        key.split('.').collect()
    };
    go(&p, &k)
}

#[cfg(test)]
mod tests;
