//! The push presets: ntfy (JSON to the server root: topic, title, message, priority 1-5
//! by severity, tags, a "view" action to acknowledge), Gotify (application token,
//! priority 0-10) and Pushover (user and application keys, priority -1..2; emergency
//! priority with retry and expire). Plain text: nothing is interpreted as markup.

use serde_json::{json, Value};

use super::{base, Level, Message, Request};
use crate::kind::Settings;
use crate::text::{ack_label, clip, facts, fit_lines, problem_list};

/// Pushover's message endpoint.
pub const PUSHOVER_URL: &str = "https://api.pushover.net/1/messages.json";

/// The body of a push: the facts, then the problems, as many as fit in `max` bytes.
fn plain_body(m: &Message<'_>, max: usize) -> String {
    let head: Vec<String> = facts(m.ev)
        .into_iter()
        .filter(|(k, _)| *k != "Monitor")
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    let head = head.join("\n");
    let room = max.saturating_sub(head.len() + 2);
    let lines = problem_list(m.ev).map(|l| format!("• {l}"));
    let body = fit_lines(&lines, "\n", room, str::len);
    if body.is_empty() {
        head
    } else {
        format!("{head}\n\n{body}")
    }
}

/// ntfy: a JSON publish to the server's root (`https://ntfy.sh` or your own).
pub fn ntfy(s: &Settings, m: &Message<'_>) -> Result<Vec<Request>, String> {
    let (priority, tag) = match m.level() {
        Level::Critical => (5, "rotating_light"),
        Level::Error => (4, "x"),
        Level::Warning => (3, "warning"),
        Level::Info => (2, "information_source"),
        Level::Good => (3, "white_check_mark"),
    };
    let mut msg = json!({
        "topic": s.text("topic").unwrap_or_default(),
        "title": clip(&m.ev.title(), 250),
        // ntfy turns messages over 4,096 bytes into attachments.
        "message": plain_body(m, 4_000),
        "priority": priority,
        "tags": [tag],
    });
    if let Some(u) = &m.links.monitor {
        msg["click"] = u.clone().into();
    }
    if let Some(a) = &m.links.ack {
        msg["actions"] =
            json!([{ "action": "view", "label": ack_label(m.ev), "url": a, "clear": true }]);
    }
    let mut r = Request::json(format!("{}/", base(s)), msg);
    if let Some(t) = s.text("token") {
        r = r.header("Authorization", format!("Bearer {t}"));
    }
    Ok(vec![r])
}

/// Gotify: a message to the server's `/message`, the token in `X-Gotify-Key` (never in
/// the URL, where logs would keep it).
pub fn gotify(s: &Settings, m: &Message<'_>) -> Result<Vec<Request>, String> {
    let priority = match m.level() {
        Level::Critical => 10,
        Level::Error => 8,
        Level::Warning => 5,
        Level::Info => 2,
        Level::Good => 4,
    };
    let mut msg = json!({
        "title": clip(&m.ev.title(), 250),
        "message": plain_body(m, 8_000),
        "priority": priority,
    });
    if let Some(u) = m.links.ack.as_ref().or(m.links.monitor.as_ref()) {
        msg["extras"] = json!({ "client::notification": { "click": { "url": u } } });
    }
    Ok(vec![Request::json(format!("{}/message", base(s)), msg)
        .header(
            "X-Gotify-Key",
            s.text("token").unwrap_or_default().to_string(),
        )])
}

/// Pushover: title ≤ 250, message ≤ 1,024, a link ≤ 512; a critical alert at emergency
/// priority (2) when the channel asks for it, with `retry` and `expire`.
pub fn pushover(s: &Settings, m: &Message<'_>) -> Result<Vec<Request>, String> {
    let emergency = s.text("emergency") == Some("emergency");
    let priority = match m.level() {
        Level::Critical if emergency => 2,
        Level::Critical | Level::Error => 1,
        Level::Warning | Level::Good => 0,
        Level::Info => -1,
    };
    let mut msg = json!({
        "token": s.text("app_token").unwrap_or_default(),
        "user": s.text("user_key").unwrap_or_default(),
        "title": clip(&m.ev.title(), 250),
        // Pushover takes 1,024 characters: the list is fitted to them (whole lines and
        // "… and N more"), not cut mid-line.
        "message": clip(&plain_body(m, 1_024), 1_024),
        "priority": priority,
    });
    if priority == 2 {
        msg["retry"] = s.number("retry").unwrap_or(300).into();
        msg["expire"] = s.number("expire").unwrap_or(3_600).into();
    }
    if let Some(u) = m.links.ack.as_ref().filter(|u| u.len() <= 512) {
        msg["url"] = u.clone().into();
        msg["url_title"] = ack_label(m.ev).into();
    } else if let Some(u) = m.links.monitor.as_ref().filter(|u| u.len() <= 512) {
        msg["url"] = u.clone().into();
        msg["url_title"] = "Open in Overdue".into();
    }
    if let Some(d) = s.text("device") {
        msg["device"] = Value::String(d.to_string());
    }
    Ok(vec![Request::json(base(s), msg)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::{fixtures, Body};

    fn settings(kind: &str, v: Value) -> Settings {
        let k = crate::kinds::find(kind).unwrap();
        Settings::from_input(k, v.as_object().unwrap().clone()).unwrap()
    }

    fn body(r: &Request) -> &Value {
        match &r.body {
            Body::Json(v) => v,
            other => panic!("not JSON: {other:?}"),
        }
    }

    #[test]
    fn priorities_follow_severity() {
        let (mut ev, links) = fixtures::down();
        let po = settings(
            "pushover",
            json!({"user_key": "u", "app_token": "a", "emergency": "emergency", "retry": 60}),
        );
        let m = Message {
            ev: &ev,
            links: &links,
            site: "",
        };
        let r = pushover(&po, &m).unwrap();
        let b = body(&r[0]);
        assert_eq!(
            (
                b["priority"].clone(),
                b["retry"].clone(),
                b["expire"].clone()
            ),
            (json!(2), json!(60), json!(3600))
        );
        assert_eq!(r[0].url, PUSHOVER_URL);
        let n = ntfy(&settings("ntfy", json!({"topic": "ops"})), &m).unwrap();
        assert_eq!(n[0].url, "https://ntfy.sh/");
        assert_eq!(body(&n[0])["priority"], 5);
        ev.alert.as_mut().unwrap().severity = "warning".into();
        let m = Message {
            ev: &ev,
            links: &links,
            site: "",
        };
        assert_eq!(body(&pushover(&po, &m).unwrap()[0])["priority"], 0);
        assert!(body(&pushover(&po, &m).unwrap()[0]).get("retry").is_none());
        let g = gotify(
            &settings("gotify", json!({"url": "https://g.example/", "token": "t"})),
            &m,
        )
        .unwrap();
        assert_eq!(g[0].url, "https://g.example/message");
        assert_eq!(body(&g[0])["priority"], 5);
    }
}
