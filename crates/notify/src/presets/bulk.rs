//! Elasticsearch / OpenSearch: each message becomes one document of an index, posted
//! as `_bulk` NDJSON (an action line, then the document), so an existing dashboard of
//! those tools shows Overdue's alerts and flow breaches next to its own data.

use serde_json::{json, Value};

use super::{Message, Request};
use crate::kind::Settings;
use crate::request::Body;

/// The document of a message: when, what, about what, how bad, and its problems.
pub fn document(m: &Message<'_>) -> Value {
    let ev = m.ev;
    let alert = ev.alert.as_ref();
    let items: Vec<Value> = ev
        .problems
        .as_ref()
        .map(|p| {
            p.items
                .iter()
                .map(|i| json!({"key": i.key, "severity": i.severity, "message": i.message}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "@timestamp": ev.at,
        "event": ev.event.as_str(),
        "transition": alert.map(|a| a.transition.as_str()),
        "summary": ev.title(),
        "severity": alert.map(|a| a.severity.as_str()),
        "dedup_key": alert.map(|a| a.dedup_key.as_str()),
        "alert_id": alert.map(|a| a.id),
        "name": ev.monitor.name,
        "slug": ev.monitor.slug,
        "tags": ev.monitor.tags,
        "status": ev.status,
        "reason": ev.reason,
        "detail": ev.detail,
        "problems": items,
        "url": m.links.monitor,
        "project": ev.monitor.project_name,
        "output": crate::text::body_excerpt(ev, crate::text::OUTPUT_FACT),
        "last_ping_at": ev.last_ping_at,
        "expected_at": ev.expected_at,
    })
}

/// One `_bulk` request: `{"index": {"_index": …}}` then the document.
pub fn elasticsearch(s: &Settings, m: &Message<'_>) -> Result<Vec<Request>, String> {
    let url = s.text("url").unwrap_or_default();
    let index = s.text("index").unwrap_or("overdue-events");
    let body = format!("{}\n{}\n", json!({"index": {"_index": index}}), document(m));
    let mut r = Request::json(url, Value::Null);
    r.body = Body::Ndjson(body);
    if let Some(k) = s.text("api_key").filter(|k| !k.is_empty()) {
        r = r.header("Authorization", format!("ApiKey {k}"));
    }
    Ok(vec![r])
}
