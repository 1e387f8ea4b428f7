//! The paging presets: PagerDuty (Events API v2) and Opsgenie (Alert API). An alert's
//! messages become trigger, acknowledge and resolve (close) of one incident per alert,
//! keyed by the alert's dedup key; the services escalate by themselves, so they get no
//! repeats from Overdue. A grouped message (a report's problems) names every incident.

use overdue_core::Transition;
use serde_json::{json, Value};

use super::{base, Level, Message, Request};
use crate::kind::Settings;
use crate::text::{clip, facts, fit_lines, problem_lines};

/// PagerDuty's events endpoint, unless a channel says otherwise.
pub const PAGERDUTY_URL: &str = "https://events.pagerduty.com/v2/enqueue";
/// Opsgenie's API (its EU region: `https://api.eu.opsgenie.com`).
pub const OPSGENIE_URL: &str = "https://api.opsgenie.com";

/// The incidents a message concerns, and what happens to them (`None`: the message is
/// about no alert).
fn incidents(m: &Message<'_>) -> Option<(Transition, Vec<String>)> {
    let alert = m.ev.alert.as_ref()?;
    let keys = if alert.incidents.is_empty() {
        vec![alert.dedup_key.clone()]
    } else {
        alert.incidents.clone()
    };
    Some((alert.transition, keys))
}

/// The facts as a JSON object (`last_ping`, `expected_by`, …) with the problems.
fn details(m: &Message<'_>) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for (k, v) in facts(m.ev) {
        out.insert(k.to_lowercase().replace(' ', "_"), v.into());
    }
    let problems = problem_lines(m.ev);
    if !problems.is_empty() {
        out.insert("problems".into(), problems.into());
    }
    out
}

/// PagerDuty: one event per incident; a one-shot (a channel test) triggers and
/// resolves at once, so nothing stays open.
pub fn pagerduty(s: &Settings, m: &Message<'_>) -> Result<Vec<Request>, String> {
    let url = s.text("url").unwrap_or(PAGERDUTY_URL);
    let key = s.text("routing_key").unwrap_or_default();
    let Some((transition, keys)) = incidents(m) else {
        return Ok(Vec::new());
    };
    let simple = |action: &str, k: &str| {
        Request::json(
            url,
            json!({ "routing_key": key, "event_action": action, "dedup_key": k }),
        )
    };
    Ok(match transition {
        Transition::Resolve => keys.iter().map(|k| simple("resolve", k)).collect(),
        Transition::Acknowledge => keys.iter().map(|k| simple("acknowledge", k)).collect(),
        Transition::Trigger
        | Transition::Escalate
        | Transition::Once
        | Transition::Digest
        | Transition::Repeat => {
            let mut out: Vec<Request> = keys
                .iter()
                .map(|k| Request::json(url, pagerduty_trigger(key, m, k)))
                .collect();
            if transition == Transition::Once {
                out.extend(keys.iter().map(|k| simple("resolve", k)));
            }
            out
        }
    })
}

fn pagerduty_trigger(routing_key: &str, m: &Message<'_>, dedup: &str) -> Value {
    let ev = m.ev;
    let mut links = Vec::new();
    if let Some(u) = &m.links.monitor {
        links.push(json!({ "href": u, "text": "Monitor in Overdue" }));
    }
    if let Some(a) = &m.links.ack {
        links.push(json!({ "href": a, "text": "Acknowledge in Overdue" }));
    }
    let severity = match m.level() {
        Level::Critical => "critical",
        Level::Warning => "warning",
        Level::Info | Level::Good => "info",
        Level::Error => "error",
    };
    json!({
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": dedup,
        "payload": {
            "summary": clip(&ev.title(), 1024),
            "source": format!("overdue: {}", ev.monitor.name),
            "severity": severity,
            "timestamp": ev.at,
            "component": ev.monitor.name,
            "group": ev.monitor.project,
            "class": ev.event.as_str(),
            "custom_details": details(m),
        },
        "links": links,
        "client": "Overdue",
        "client_url": m.site,
    })
}

/// Opsgenie: create (alias = the dedup key, message ≤ 130 characters, priority P1-P5 by
/// severity), acknowledge and close by alias.
pub fn opsgenie(s: &Settings, m: &Message<'_>) -> Result<Vec<Request>, String> {
    let api = base(s);
    let auth = format!("GenieKey {}", s.text("api_key").unwrap_or_default());
    let Some((transition, keys)) = incidents(m) else {
        return Ok(Vec::new());
    };
    let by_alias = |action: &str, alias: &str, note: &str| {
        let alias: String = url::form_urlencoded::byte_serialize(alias.as_bytes()).collect();
        Request::json(
            format!("{api}/v2/alerts/{alias}/{action}?identifierType=alias"),
            json!({ "source": "Overdue", "user": "Overdue", "note": note }),
        )
        .header("Authorization", auth.clone())
    };
    let resolved =
        m.ev.alert
            .as_ref()
            .and_then(|a| a.reason.clone())
            .map(|r| format!("Resolved in Overdue ({r})"))
            .unwrap_or_else(|| "Resolved in Overdue".into());
    Ok(match transition {
        Transition::Resolve => keys
            .iter()
            .map(|k| by_alias("close", k, &resolved))
            .collect(),
        Transition::Acknowledge => keys
            .iter()
            .map(|k| by_alias("acknowledge", k, "Acknowledged in Overdue"))
            .collect(),
        Transition::Trigger
        | Transition::Escalate
        | Transition::Once
        | Transition::Digest
        | Transition::Repeat => {
            let mut out: Vec<Request> = keys
                .iter()
                .map(|k| {
                    Request::json(format!("{api}/v2/alerts"), opsgenie_create(m, k))
                        .header("Authorization", auth.clone())
                })
                .collect();
            if transition == Transition::Once {
                out.extend(
                    keys.iter()
                        .map(|k| by_alias("close", k, "Test: closed at once")),
                );
            }
            out
        }
    })
}

fn opsgenie_create(m: &Message<'_>, alias: &str) -> Value {
    let ev = m.ev;
    let priority = match m.level() {
        Level::Critical => "P1",
        Level::Error => "P2",
        Level::Warning => "P3",
        Level::Info => "P4",
        Level::Good => "P5",
    };
    // Details are strings in Opsgenie.
    let details: serde_json::Map<String, Value> = facts(ev)
        .into_iter()
        .map(|(k, v)| (k.to_lowercase().replace(' ', "_"), Value::String(v)))
        .collect();
    let mut description = fit_lines(
        &crate::text::problem_list(ev),
        "\n",
        14_000,
        crate::text::chars,
    );
    for (label, link) in [("Monitor", &m.links.monitor), ("Acknowledge", &m.links.ack)] {
        if let Some(u) = link {
            description.push_str(&format!("\n{label}: {u}"));
        }
    }
    json!({
        "message": clip(&ev.title(), 130),
        "alias": clip(alias, 512),
        "description": description.trim(),
        "priority": priority,
        "source": "Overdue",
        "entity": clip(&ev.monitor.name, 512),
        "tags": ev.monitor.tags.iter().take(20).map(|t| clip(t, 50)).collect::<Vec<_>>(),
        "details": details,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::fixtures;
    use crate::presets::Body;

    fn settings(kind: &str, v: Value) -> Settings {
        let k = crate::kinds::find(kind).unwrap();
        Settings::from_input(k, v.as_object().unwrap().clone()).unwrap()
    }

    fn json_of(r: &Request) -> &Value {
        match &r.body {
            Body::Json(v) => v,
            other => panic!("not JSON: {other:?}"),
        }
    }

    #[test]
    fn opsgenie_opens_acknowledges_and_closes_by_alias() {
        let s = settings(
            "opsgenie",
            json!({"api_key": "0b5a2a37-4bb3-4d39-9c38-a4a3e8e1f1a1"}),
        );
        let (mut ev, links) = fixtures::down();
        let m = Message {
            ev: &ev,
            links: &links,
            site: "https://od.example.com",
        };
        let r = opsgenie(&s, &m).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].url, "https://api.opsgenie.com/v2/alerts");
        assert_eq!(
            r[0].headers,
            vec![(
                "Authorization",
                "GenieKey 0b5a2a37-4bb3-4d39-9c38-a4a3e8e1f1a1".to_string()
            )]
        );
        let b = json_of(&r[0]);
        assert_eq!(b["alias"], "overdue/down/abc/1");
        assert_eq!(b["priority"], "P1");
        assert!(b["message"].as_str().unwrap().chars().count() <= 130);
        assert_eq!(b["details"]["reason"], "missed");
        ev.alert.as_mut().unwrap().transition = Transition::Resolve;
        let m = Message {
            ev: &ev,
            links: &links,
            site: "",
        };
        let r = opsgenie(&s, &m).unwrap();
        assert_eq!(
            r[0].url,
            "https://api.opsgenie.com/v2/alerts/overdue%2Fdown%2Fabc%2F1/close?identifierType=alias"
        );
    }
}
