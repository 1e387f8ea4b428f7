//! Template variables (`$NAME`, `$STATUS`, …), each escaped for where it lands: percent-
//! encoded in URLs, line breaks removed in headers, JSON-string-escaped in JSON bodies.

use overdue_core::{EventKind, EventRecord};

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
            "id": if ev.monitor.uuid.is_empty() { String::new() } else { overdue_core::public_ref(&ev.monitor.uuid) },
            "name": ev.monitor.name,
            "slug": ev.monitor.slug,
            "tags": ev.monitor.tags,
            "project": ev.monitor.project,
        },
        "body": ev.body,
        "problems": ev.problems,
        "text": summary(ev),
    })
}

/// One line for humans: `"nightly-backup is DOWN (missed)"`.
pub fn summary(ev: &EventRecord) -> String {
    if let Some(p) = &ev.problems {
        return problems_summary(ev, p);
    }
    let status = ev.status.to_uppercase();
    match (&ev.reason, &ev.detail) {
        (Some(r), Some(d)) if r == "hung" => {
            format!("{} is {status} (hung in step {d})", ev.monitor.name)
        }
        (Some(r), Some(d)) => format!("{} is {status} ({r}: {d})", ev.monitor.name),
        (Some(r), None) => format!("{} is {status} ({r})", ev.monitor.name),
        _ => format!("{} is {status}", ev.monitor.name),
    }
}

/// `"3 new problems in shop-sync: invoice:1, invoice:2, invoice:3"`.
fn problems_summary(ev: &EventRecord, p: &overdue_core::ProblemsNote) -> String {
    let what = match (ev.event, p.count) {
        (EventKind::ProblemOpened, 1) => "new problem".to_string(),
        (EventKind::ProblemOpened, n) => format!("{n} new problems"),
        (EventKind::ProblemEscalated, 1) => "problem escalated".to_string(),
        (EventKind::ProblemEscalated, n) => format!("{n} problems escalated"),
        (EventKind::ProblemResolved, 1) => "problem resolved".to_string(),
        (EventKind::ProblemResolved, n) => format!("{n} problems resolved"),
        (EventKind::ProblemDigest, 1) => "daily digest: 1 open problem".to_string(),
        (EventKind::ProblemDigest, n) => format!("daily digest: {n} open problems"),
        (_, n) => format!("{n} problems"),
    };
    let mut keys: Vec<String> = p
        .items
        .iter()
        .take(10)
        .map(|i| match ev.event {
            EventKind::ProblemResolved => i.key.clone(),
            _ if i.message.is_empty() => format!("{} ({})", i.key, i.severity),
            _ => format!("{} ({}: {})", i.key, i.severity, clip(&i.message, 80)),
        })
        .collect();
    let named = keys.len() as u64;
    if p.count > named {
        keys.push(format!("… {} more", p.count - named));
    }
    format!("{what} in {}: {}", ev.monitor.name, keys.join(", "))
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n).collect();
    out.push('…');
    out
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
    use overdue_core::MonitorRef;

    fn ev() -> EventRecord {
        EventRecord {
            event: EventKind::MonitorDown,
            monitor: MonitorRef {
                uuid: "u-1".into(),
                name: "db \"backup\" & co".into(),
                slug: Some("db-backup".into()),
                tags: vec!["prod".into()],
                project: "p".into(),
            },
            status: "down".into(),
            previous_status: "up".into(),
            reason: Some("missed".into()),
            detail: None,
            at: "2026-01-01T00:00:00+00:00".into(),
            problems: None,
            body: Some("line1\nline2 $NAME".into()),
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
            overdue_core::public_ref("u-1")
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
