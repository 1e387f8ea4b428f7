//! Template variables (`$NAME`, `$STATUS`, …), each escaped for where it lands: percent-
//! encoded in URLs, line breaks removed in headers, JSON-string-escaped in JSON bodies.

use overdue_core::EventRecord;

/// Where a template is rendered; decides the escaping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// A URL: values are percent-encoded.
    Url,
    /// A header value: CR and LF are dropped.
    Header,
    /// A JSON body: values are escaped as the inside of a JSON string; `$JSON` is raw.
    JsonBody,
    /// Any other body: values as they are.
    TextBody,
}

/// The default JSON document for an event (also `$JSON`).
pub fn default_json(ev: &EventRecord) -> serde_json::Value {
    serde_json::json!({
        "event": ev.event,
        "status": ev.status,
        "previous_status": ev.previous_status,
        "reason": ev.reason,
        "detail": ev.detail,
        "at": ev.at,
        // The public reference, never the ping code (a template may ask for `$CODE`).
        "monitor": {
            "id": if ev.monitor.uuid.is_empty() { String::new() } else { overdue_core::PublicRef::of(&ev.monitor.uuid).into() },
            "name": ev.monitor.name,
            "slug": ev.monitor.slug,
            "tags": ev.monitor.tags,
            "project": ev.monitor.project,
            "project_name": ev.monitor.project_name,
        },
        "body": ev.body,
        "problems": ev.problems,
        "text": summary(ev),
        "headline": ev.headline(),
        "expected": ev.expected,
        "last_ping": ev.last_ping,
        // The same two as timestamps, for programs (RFC 3339, UTC).
        "expected_at": ev.expected_at,
        "last_ping_at": ev.last_ping_at,
        // The run the causing ping ended: `exit_status`, `duration_ms` (each when known).
        "run": ev.run,
        // The alert, with its acknowledgement link (never the stored token).
        "alert": ev.alert.as_ref().map(|a| serde_json::json!({
            "id": a.id,
            "dedup_key": a.dedup_key,
            "transition": a.transition,
            "severity": a.severity,
            "count": a.count,
            "reason": a.reason,
            "ack_url": a.ack_url,
            "opened_at": a.opened_at,
        })),
    })
}

/// One line for humans (see [`EventRecord::summary`]).
pub fn summary(ev: &EventRecord) -> String {
    ev.summary()
}

/// The variables and their raw values; longer names first so `$NAME` never eats a
/// prefix of a longer variable.
fn variables(ev: &EventRecord) -> Vec<(&'static str, String)> {
    vec![
        ("$PREVIOUS_STATUS", ev.previous_status.clone()),
        ("$STATUS", ev.status.clone()),
        ("$REASON", ev.reason.clone().unwrap_or_default()),
        ("$DETAIL", ev.detail.clone().unwrap_or_default()),
        ("$EVENT", ev.event.as_str().to_string()),
        ("$NAME", ev.monitor.name.clone()),
        ("$SLUG", ev.monitor.slug.clone().unwrap_or_default()),
        ("$CODE", ev.monitor.uuid.clone()),
        ("$TAGS", ev.monitor.tags.join(" ")),
        ("$BODY", ev.body.clone().unwrap_or_default()),
        ("$TEXT", summary(ev)),
        ("$NOW", ev.at.clone()),
        (
            "$PROBLEMS",
            ev.problems
                .as_ref()
                .map(|p| {
                    p.items
                        .iter()
                        .map(|i| i.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
        ),
    ]
}

fn escape(value: &str, ctx: Context) -> String {
    match ctx {
        Context::Url => url::form_urlencoded::byte_serialize(value.as_bytes()).collect(),
        Context::Header => value.chars().filter(|c| *c != '\r' && *c != '\n').collect(),
        Context::JsonBody => {
            let quoted = serde_json::Value::String(value.to_string()).to_string();
            quoted[1..quoted.len() - 1].to_string()
        }
        Context::TextBody => value.to_string(),
    }
}

/// Renders `template` for `ev` in `ctx`. A single left-to-right pass, so a value that
/// itself contains `$NAME` is never expanded again.
pub fn render(template: &str, ev: &EventRecord, ctx: Context) -> String {
    let vars = variables(ev);
    let json = default_json(ev).to_string();
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("$JSON") {
            out.push_str(&match ctx {
                Context::JsonBody | Context::TextBody => json.clone(),
                other => escape(&json, other),
            });
            rest = after;
            continue;
        }
        match vars.iter().find(|(name, _)| tail.starts_with(name)) {
            Some((name, value)) => {
                out.push_str(&escape(value, ctx));
                rest = &tail[name.len()..];
            }
            None => {
                out.push('$');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use overdue_core::{EventKind, MonitorRef};

    fn ev() -> EventRecord {
        EventRecord {
            event: EventKind::MonitorDown,
            monitor: MonitorRef {
                uuid: "u-1".into(),
                name: "db \"backup\" & co".into(),
                slug: Some("db-backup".into()),
                tags: vec!["prod".into()],
                project: "p".into(),
                project_name: None,
            },
            status: "down".into(),
            previous_status: "up".into(),
            reason: Some("missed".into()),
            detail: None,
            at: "2026-01-01T00:00:00+00:00".into(),
            problems: None,
            alert: None,
            expected: None,
            last_ping: None,
            expected_at: None,
            last_ping_at: None,
            body: Some("line1\nline2 $NAME".into()),
            run: None,
        }
    }

    #[test]
    fn escapes_per_context() {
        assert_eq!(
            render("https://x/?n=$NAME", &ev(), Context::Url),
            "https://x/?n=db+%22backup%22+%26+co"
        );
        assert_eq!(render("$BODY", &ev(), Context::Header), "line1line2 $NAME");
        let json = render(
            r#"{"n": "$NAME", "s": "$STATUS", "b": "$BODY"}"#,
            &ev(),
            Context::JsonBody,
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["n"], "db \"backup\" & co");
        assert_eq!(v["b"], "line1\nline2 $NAME");
        assert_eq!(v["s"], "down");
    }

    #[test]
    fn json_variable_is_the_default_document() {
        let out = render(r#"{"wrapped": $JSON}"#, &ev(), Context::JsonBody);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        // The public reference, never the ping code ("u-1").
        assert_eq!(
            v["wrapped"]["monitor"]["id"],
            overdue_core::PublicRef::of("u-1").to_string()
        );
        assert!(!out.contains("u-1"), "{out}");
        assert_eq!(v["wrapped"]["reason"], "missed");
    }

    #[test]
    fn unknown_dollars_stay() {
        assert_eq!(
            render("cost $5 $STATUSX", &ev(), Context::TextBody),
            "cost $5 downX"
        );
    }
}
