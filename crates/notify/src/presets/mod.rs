//! The HTTP presets: per kind a function that turns one message into the requests the
//! service wants (URL, headers, JSON or form body), under its limits and with user text
//! escaped for where it lands. One sender ([`send`]) delivers them all through the
//! guarded client, in order, and applies the kind's permanent-error rule.

pub mod bulk;
pub mod chat;
pub mod paging;
pub mod push;
pub mod slack;
pub mod sms;

use std::time::Instant;

use crate::kind::{Kind, Sender, Settings};
pub use crate::request::{Body, Level, Message, Request};
use crate::webhook::{Delivery, Webhooks};

/// The service's base URL from the `url` setting (or its default), without a trailing
/// slash.
pub fn base(s: &Settings) -> String {
    s.text("url")
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string()
}

/// Delivers one message through preset `kind` with settings `s`: its requests in order
/// (each with `Idempotency-Key` `<key>.<n>` when there are several); the first failure
/// stops, and a retry sends them all again (the services deduplicate by alias or key).
pub async fn send(
    http: &Webhooks,
    kind: &Kind,
    s: &Settings,
    msg: &Message<'_>,
    key: &str,
) -> Delivery {
    let started = Instant::now();
    let Sender::Http { permanent, build } = kind.sender else {
        return Delivery::failed(
            format!("{} is not an HTTP channel", kind.kind),
            true,
            started,
        );
    };
    let requests = match build(s, msg) {
        Ok(r) if r.is_empty() => {
            return Delivery::failed(
                format!(
                    "nothing to send to {}: the message is about no alert",
                    kind.label
                ),
                true,
                started,
            )
        }
        Ok(r) => r,
        Err(e) => return Delivery::failed(e, true, started),
    };
    let several = requests.len() > 1;
    let mut last = None;
    for (i, req) in requests.iter().enumerate() {
        let k = if several {
            format!("{key}.{i}")
        } else {
            key.to_string()
        };
        let mut d = http.request(req, &k).await;
        if !d.ok {
            // The service's own rule: these answers do not change on a retry.
            d.permanent = d.permanent || d.status_code.is_some_and(|c| permanent.contains(&c));
            d.duration = started.elapsed();
            return d;
        }
        last = Some(d);
    }
    let mut d = last.unwrap_or_else(|| Delivery::failed("no request sent".into(), true, started));
    d.duration = started.elapsed();
    d
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Events for the payload tests.
    use overdue_core::{AlertNote, EventKind, EventRecord, MonitorRef, ProblemItem, ProblemsNote};

    use crate::text::Links;

    /// A monitor down as missed, with an alert and links.
    pub fn down() -> (EventRecord, Links) {
        let ev = EventRecord {
            event: EventKind::MonitorDown,
            monitor: MonitorRef {
                uuid: "0b5a2a37-4bb3-4d39-9c38-a4a3e8e1f1a1".into(),
                name: "DB <backup> & *co* @channel".into(),
                slug: Some("db-backup".into()),
                tags: vec!["prod".into()],
                project: "p1".into(),
                project_name: None,
            },
            status: "down".into(),
            previous_status: "up".into(),
            reason: Some("missed".into()),
            detail: None,
            at: "2026-12-02T01:10:00+00:00".into(),
            body: None,
            problems: None,
            alert: Some(AlertNote {
                id: 7,
                dedup_key: "overdue/down/abc/1".into(),
                transition: overdue_core::Transition::Trigger,
                severity: "critical".into(),
                count: 1,
                incidents: vec![],
                thread: None,
                reason: None,
                ack_token: None,
                ack_url: Some("https://od.example.com/ack/tok".into()),
                opened_at: None,
                members: Vec::new(),
            }),
            expected: Some("03:10 Europe/Riga".into()),
            last_ping: Some("2026-12-01 03:02 Europe/Riga".into()),
            expected_at: None,
            last_ping_at: None,
            run: None,
        };
        let links = Links {
            monitor: Some("https://od.example.com/monitors/abc".into()),
            problems: None,
            ack: Some("https://od.example.com/ack/tok".into()),
        };
        (ev, links)
    }

    /// A run that failed with the job's error in its body, in project "Shop".
    pub fn failed() -> (EventRecord, Links) {
        let (mut ev, links) = down();
        ev.reason = Some("failed".into());
        ev.expected = None;
        ev.monitor.project_name = Some("Shop".into());
        ev.body = Some("rsync error: error in socket IO (code 12) at io.c(848)".into());
        ev.last_ping = Some("2026-12-02 03:09:58 Europe/Riga".into());
        ev.last_ping_at = Some("2026-12-02T01:09:58+00:00".into());
        ev.run = overdue_core::event::RunNote::of(Some(23), Some(252_000));
        (ev, links)
    }

    /// A report that opened `n` problems (20 named, as the outbox keeps them).
    pub fn problems(n: u64) -> (EventRecord, Links) {
        let (mut ev, mut links) = down();
        ev.event = EventKind::ProblemOpened;
        ev.status = "up".into();
        ev.reason = None;
        ev.expected = None;
        let named = n.min(ProblemsNote::MAX_ITEMS as u64);
        ev.problems = Some(ProblemsNote {
            count: n,
            items: (0..named)
                .map(|i| ProblemItem {
                    key: format!("invoice:{i}"),
                    severity: "error".into(),
                    message: format!("rejected <{i}> {}", "x".repeat(300)),
                    count: 1,
                    details: None,
                })
                .collect(),
        });
        if let Some(a) = ev.alert.as_mut() {
            a.severity = "error".into();
            a.count = n;
        }
        links.problems = Some("https://od.example.com/problems?monitor=abc".into());
        (ev, links)
    }
}

#[cfg(test)]
mod counts {
    //! A list of 40 problems (20 named, as the outbox keeps them) cut to each service's
    //! limit: whatever fits, the lines shown and the "… and N more" add up to 40.
    use serde_json::{json, Value};

    use super::{fixtures, Body, Message};
    use crate::kind::{Sender, Settings};

    pub(super) fn settings(kind: &str) -> Value {
        match kind {
            "telegram" => json!({"bot_token": "1:abc", "chat_id": "42"}),
            "pagerduty" => json!({"routing_key": "R0UTINGKEY0123456789abcdefABCDEF"}),
            "sms" => json!({"url": "https://sms.example/send", "to": "+15551234567"}),
            "ntfy" => json!({"topic": "ops"}),
            "gotify" => json!({"url": "https://g.example", "token": "AbCdEf123456"}),
            "pushover" => json!({"app_token": "a".repeat(30), "user_key": "u".repeat(30)}),
            "opsgenie" => json!({"api_key": "0123456789abcdef0123456789abcdef"}),
            _ => json!({"url": "https://x.example/hook"}),
        }
    }

    #[test]
    fn every_cut_list_counts_every_problem() {
        let (ev, links) = fixtures::problems(40);
        let m = Message {
            ev: &ev,
            links: &links,
            site: "https://od.example.com",
        };
        for kind in [
            "discord",
            "telegram",
            "ntfy",
            "pushover",
            "msteams",
            "mattermost",
            "opsgenie",
            "gotify",
        ] {
            let k = crate::kinds::find(kind).unwrap();
            let s = Settings::from_input(k, settings(kind).as_object().unwrap().clone())
                .unwrap_or_else(|e| panic!("{kind}: {e}"));
            let Sender::Http { build, .. } = k.sender else {
                panic!("{kind} is an HTTP preset");
            };
            let requests = build(&s, &m).unwrap();
            let text = match &requests[0].body {
                Body::Json(v) => v.to_string(),
                other => format!("{other:?}"),
            };
            // List lines read `invoice:N (error): …` (the headline's own summary reads
            // `(error: …`).
            let shown = text.matches(" (error): ").count();
            let more: usize = text
                .split("… and ")
                .nth(1)
                .and_then(|t| t.split(" more").next())
                .map_or(0, |n| n.parse().unwrap());
            assert_eq!(
                shown + more,
                40,
                "{kind}: {shown} shown, {more} more: {text}"
            );
            assert!(shown > 0, "{kind} names some: {text}");
        }
    }
}

#[cfg(test)]
mod evidence {
    //! Every HTTP kind carries the evidence of a failure: the project, the job's output,
    //! the last ping to the second; an SMS stays one segment.
    use super::counts::settings;
    use super::{fixtures, Body, Message};
    use crate::kind::{Sender, Settings};

    #[test]
    fn every_kind_carries_the_evidence() {
        let (ev, links) = fixtures::failed();
        let m = Message {
            ev: &ev,
            links: &links,
            site: "https://od.example.com",
        };
        for k in crate::kinds::KINDS {
            let Sender::Http { build, .. } = k.sender else {
                continue;
            };
            let s = Settings::from_input(k, settings(k.kind).as_object().unwrap().clone())
                .unwrap_or_else(|e| panic!("{}: {e}", k.kind));
            let requests = build(&s, &m).unwrap();
            let text: String = requests
                .iter()
                .map(|r| match &r.body {
                    Body::Json(v) => v.to_string(),
                    other => format!("{other:?}"),
                })
                .collect();
            if k.kind == "sms" {
                let body = &requests[0].body;
                let sent = format!("{body:?}");
                assert!(sent.contains("DOWN db-backup failed"), "{sent}");
                continue;
            }
            // A log document takes the timestamp; people's kinds the words.
            let seconds = if k.kind == "elasticsearch" {
                "01:09:58"
            } else {
                "03:09:58"
            };
            for want in ["Shop", "rsync error: error in socket IO", seconds] {
                assert!(text.contains(want), "{}: {want:?} missing: {text}", k.kind);
            }
            // How the run ended: its exit status and how long it took.
            let run: &[&str] = match k.kind {
                "webhook" => &["\"exit_status\":23", "\"duration_ms\":252000"],
                "elasticsearch" => &[],
                // People read "Exit status", a pager's details say `exit_status`.
                _ => &["exit status", "23", "run took", "4 min"],
            };
            let said = text.to_lowercase().replace('_', " ");
            for want in run {
                assert!(said.contains(want), "{}: {want:?} missing: {text}", k.kind);
            }
        }
    }
}
