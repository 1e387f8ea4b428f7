//! Routes (docs/behaviour.md, "Routing") against real HTTP receivers, on both databases:
//! matching by
//! severity, tags, kind, reason and name pattern; `continue`; the monitor's own
//! channels first; each channel once; active windows; a resolution sent to every
//! channel that got the trigger even after its route is gone; the preview; reordering;
//! bad input named field by field.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, Received, Receiver, TestApp};

async fn hook(app: &TestApp, rx: &Receiver, name: &str) -> String {
    let (s, c) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "webhook", "name": name, "url": format!("{}/{name}", rx.url), "is_default": false})),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

async fn route(app: &TestApp, body: Value) -> String {
    let (s, r) = app.api("POST", "/api/v1/routes", Some(body.clone())).await;
    assert_eq!(s, 201, "{body} → {r}");
    r["id"].as_str().unwrap().to_string()
}

/// Which receivers got a message about monitor `name` with event `event`.
fn heard(got: &[Received], name: &str, event: &str) -> Vec<String> {
    let mut out: Vec<String> = got
        .iter()
        .filter(|r| {
            let j = r.json();
            j["monitor"]["name"] == name && j["event"] == event
        })
        .map(|r| r.path.trim_start_matches("/hook/").to_string())
        .collect();
    out.sort();
    out
}

/// `HH:MM` in UTC, `minutes` from now.
fn clock(minutes: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(minutes))
        .format("%H:%M")
        .to_string()
}

async fn routes_choose_channels(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let own = hook(&app, &rx, "own").await;
    let sms = hook(&app, &rx, "sms").await;
    let db = hook(&app, &rx, "db").await;
    let ops = hook(&app, &rx, "ops").await;
    let now_ch = hook(&app, &rx, "now").await;
    let later = hook(&app, &rx, "later").await;
    let critical = route(
        &app,
        json!({"name": "critical pages", "match": {"severities": ["critical"]},
               "channels": [sms], "continue": true}),
    )
    .await;
    let team = route(
        &app,
        json!({"name": "team db", "match": {"kinds": ["down"], "tags": ["team:db"]},
               "channels": [db, sms]}),
    )
    .await;
    let hung = route(
        &app,
        json!({"name": "legacy hangs", "match": {"reasons": ["hung"], "monitors": ["legacy-*"]},
               "channels": [db]}),
    )
    .await;
    let all = route(
        &app,
        json!({"name": "everything else", "channels": [ops], "continue": true}),
    )
    .await;
    // Two windows: one around now, one later today (UTC, minute precision).
    route(
        &app,
        json!({"name": "this hour", "channels": [now_ch], "continue": true,
               "active": {"from": clock(-60), "to": clock(60), "tz": "UTC"}}),
    )
    .await;
    route(
        &app,
        json!({"name": "later", "channels": [later],
               "active": {"from": clock(120), "to": clock(180), "tz": "UTC"}}),
    )
    .await;

    // A critical team-db monitor with its own channel: own, sms (once), db; stop.
    let a = app
        .monitor(
            json!({"name": "db backup", "period": "1h", "tags": "team:db prod",
                        "severity": "critical", "channels": [own]}),
        )
        .await;
    assert_eq!(app.get_monitor(&a).await["severity"], "critical");
    // An ordinary monitor: the catch-all and the window around now.
    let b = app
        .monitor(json!({"name": "reports", "period": "1h", "channels": []}))
        .await;
    assert_eq!(app.get_monitor(&b).await["severity"], "error");
    assert_eq!(app.ping(&format!("{a}/fail")).await, 200);
    assert_eq!(app.ping(&format!("{b}/fail")).await, 200);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 5)
        .await;
    assert_eq!(
        heard(&got, "db backup", "monitor.down"),
        ["db", "own", "sms"]
    );
    assert_eq!(heard(&got, "reports", "monitor.down"), ["now", "ops"]);
    // The alert carries the monitor's severity.
    let sms_msg = got.iter().find(|r| r.path == "/hook/sms").unwrap().json();
    assert_eq!(sms_msg["alert"]["severity"], "critical");

    // The preview makes the same choice, names the routes, and checks windows at `at`.
    let public = overdue_core::PublicRef::of(&a).to_string();
    let (s, p) = app
        .api(
            "GET",
            &format!("/api/v1/routes/preview?monitor={public}&reason=failed"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["severity"], "critical");
    let names: Vec<(&str, Value)> = p["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["route"]["name"].clone()))
        .collect();
    assert_eq!(
        names,
        [
            ("own", Value::Null),
            ("sms", json!("critical pages")),
            ("db", json!("team db"))
        ]
    );
    let pb = overdue_core::PublicRef::of(&b).to_string();
    let in_two_hours = (chrono::Utc::now() + chrono::Duration::minutes(150)).to_rfc3339();
    let (_, p) = app
        .api(
            "GET",
            &format!(
                "/api/v1/routes/preview?monitor={pb}&severity=warning&at={}",
                in_two_hours.replace('+', "%2B")
            ),
            None,
        )
        .await;
    let names: Vec<&str> = p["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ops", "later"], "{p}");
    // Reasons and name patterns: a hang of a legacy job goes to the db chat.
    let c = app
        .monitor(json!({"name": "legacy-export", "period": "1h", "channels": []}))
        .await;
    let pc = overdue_core::PublicRef::of(&c).to_string();
    let (_, p) = app
        .api(
            "GET",
            &format!("/api/v1/routes/preview?monitor={pc}&reason=hung"),
            None,
        )
        .await;
    assert_eq!(p["channels"][0]["route"]["id"], hung.as_str(), "{p}");
    let (_, p) = app
        .api(
            "GET",
            &format!("/api/v1/routes/preview?monitor={pc}&reason=missed"),
            None,
        )
        .await;
    assert_eq!(p["channels"][0]["route"]["id"], all.as_str(), "{p}");

    // The route that chose db is deleted; the recovery still reaches every channel
    // that heard the trigger, and nothing else.
    let (s, _) = app
        .api("DELETE", &format!("/api/v1/routes/{team}"), None)
        .await;
    assert_eq!(s, 204);
    assert_eq!(app.ping(&a).await, 200);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 8)
        .await;
    assert_eq!(heard(&got, "db backup", "monitor.up"), ["db", "own", "sms"]);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(rx.all().len(), 8, "each channel once");

    // Reordering: every route once, in the new order.
    let (_, list) = app.api("GET", "/api/v1/routes", None).await;
    let mut ids: Vec<String> = list["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids[0], critical);
    ids.reverse();
    let (s, r) = app
        .api("PUT", "/api/v1/routes/order", Some(json!({"ids": ids})))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["routes"][0]["id"], ids[0].as_str());
    assert_eq!(r["routes"][4]["position"], 4);
    let (s, e) = app
        .api(
            "PUT",
            "/api/v1/routes/order",
            Some(json!({"ids": &ids[1..]})),
        )
        .await;
    assert_eq!(s, 400);
    assert!(e["error"].as_str().unwrap().contains("every route"), "{e}");
    // A change keeps what it does not name; `"active": null` removes the window.
    let (s, r) = app
        .api(
            "PATCH",
            &format!("/api/v1/routes/{all}"),
            Some(json!({"match": {"severities": ["error", "critical"]}, "active": null})),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["match"], json!({"severities": ["error", "critical"]}));
    assert_eq!(r["channels"], json!([ops]));
    assert_eq!(r["continue"], true);
    // A channel a route sends to cannot be deleted.
    let (s, e) = app
        .api("DELETE", &format!("/api/v1/channels/{ops}"), None)
        .await;
    assert_eq!(s, 409, "{e}");
    assert!(
        e["error"].as_str().unwrap().contains("everything else"),
        "{e}"
    );
    app.stop().await;
}
both!(routes_choose_channels, routes_choose_channels);

async fn bad_routes_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let ch = hook(&app, &rx, "x").await;
    let m = app.monitor(json!({"name": "m", "period": "1h"})).await;
    let cases = [
        (
            json!({"name": "r", "channels": [ch], "match": {"kinds": ["dwn"]}}),
            "match.kinds: \"dwn\" is not one of down, problem, event, channel, digest",
        ),
        (
            json!({"name": "r", "channels": [ch], "match": {"kind": ["down"]}}),
            "match: unknown field \"kind\"",
        ),
        (
            json!({"name": "r", "channels": [ch], "match": {"severities": "critical"}}),
            "match: severities: invalid type",
        ),
        (
            json!({"name": "r", "channels": [ch], "active": {"from": "25:00", "to": "07:00"}}),
            "active.from must be a time of day HH:MM, got \"25:00\"",
        ),
        (
            json!({"name": "r", "channels": [ch], "active": {"from": "07:00", "to": "07:00"}}),
            "the window would be empty",
        ),
        (
            json!({"name": "r", "channels": [ch], "active": {"tz": "Mars/Olympus"}}),
            "active.tz: \"Mars/Olympus\" is not an IANA time zone",
        ),
        (
            json!({"name": "r", "channels": [ch], "active": {"days": ["monday"]}}),
            "active.days: \"monday\" is not one of mon, tue",
        ),
        (
            json!({"name": "r", "channels": [ch], "active": {"except": ["25.12.2026"]}}),
            "active.except: \"25.12.2026\" is not a date YYYY-MM-DD",
        ),
        (
            json!({"name": "r", "channels": []}),
            "channels must name at least one channel",
        ),
        (
            json!({"name": "r", "channels": ["nope"]}),
            "malformed channel id \"nope\"",
        ),
        (
            json!({"name": "r", "channels": ["0b5a2a37-4bb3-4d39-9c38-a4a3e8e1f1a1"]}),
            "is not a channel of this project",
        ),
        (
            json!({"name": "", "channels": [ch]}),
            "name must be 1-200 characters",
        ),
        (
            json!({"name": "r", "channels": [ch], "matcher": {}}),
            "unknown field \"matcher\"",
        ),
        (
            json!({"name": "r", "channels": [ch], "continue": "yes"}),
            "continue: invalid type",
        ),
        (
            json!({"name": "r", "channels": [ch], "repeat_every": 0}),
            "repeat_every",
        ),
        (
            json!({"name": "r", "channels": [ch], "group_by": "tag:team"}),
            "grouping needs group_by (monitor, all or tag:<key>) and group_wait",
        ),
        (
            json!({"name": "r", "channels": [ch], "group_by": "team", "group_wait": 30}),
            "group_by must be monitor, all or tag:<key>",
        ),
        (
            json!({"name": "r", "channels": [ch], "digest_at": {"time": "9am"}}),
            "digest_at.time must be a time of day HH:MM, got \"9am\"",
        ),
        (
            json!({"name": "r", "channels": [ch], "quiet": {"from": "22:00", "to": "7"}}),
            "quiet.to must be a time of day HH:MM",
        ),
        (
            json!({"name": "r", "channels": [ch],
                "escalate": [{"after": 600, "channels": [ch]}, {"after": 300, "channels": [ch]}]}),
            "escalate[1].after must be later than the step before",
        ),
        (
            json!({"name": "r", "channels": [ch], "escalate": [{"after": 60, "channels": []}]}),
            "escalate[0].channels must name at least one channel",
        ),
        (
            json!({"name": "r", "channels": [ch], "escalate": [{"after": "soon", "channels": [ch]}]}),
            "escalate[0].after",
        ),
        (
            json!({"name": "r", "channels": [ch], "escalate": [{"after": 60, "to": [ch]}]}),
            "unknown field \"to\"",
        ),
    ];
    for (body, want) in cases {
        let (s, e) = app.api("POST", "/api/v1/routes", Some(body.clone())).await;
        assert_eq!(s, 400, "{body} → {e}");
        let msg = e["error"].as_str().unwrap();
        assert!(msg.contains(want), "{body}: {msg:?} lacks {want:?}");
    }
    let (_, list) = app.api("GET", "/api/v1/routes", None).await;
    assert_eq!(list["routes"], json!([]), "nothing was written");
    let public = overdue_core::PublicRef::of(&m).to_string();
    for (q, status, want) in [
        (
            format!("monitor={public}&kind=flow"),
            400,
            "kind must be one of down, problem",
        ),
        (
            format!("monitor={public}&reason=lazy"),
            400,
            "reason must be one of missed",
        ),
        (
            format!("monitor={public}&severity=urgent"),
            400,
            "severity must be one of",
        ),
        (
            format!("monitor={public}&at=yesterday"),
            400,
            "at must be a time in RFC 3339",
        ),
        (
            "monitor=0b5a2a37-4bb3-4d39-9c38-a4a3e8e1f1a1".to_string(),
            404,
            "monitor not found",
        ),
    ] {
        let (s, e) = app
            .api("GET", &format!("/api/v1/routes/preview?{q}"), None)
            .await;
        assert_eq!(s, status, "{q}: {e}");
        assert!(e["error"].as_str().unwrap().contains(want), "{q}: {e}");
    }
    let (s, e) = app
        .api(
            "PATCH",
            &format!("/api/v1/monitors/{public}"),
            Some(json!({"severity": "urgent"})),
        )
        .await;
    assert_eq!(s, 400);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("severity must be one of critical, error, warning, info"),
        "{e}"
    );
    let (s, _) = app
        .api(
            "GET",
            "/api/v1/routes/0b5a2a37-4bb3-4d39-9c38-a4a3e8e1f1a1",
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = app
        .api_with(
            &app.read_only_key,
            "POST",
            "/api/v1/routes",
            Some(json!({"name": "r", "channels": [ch]})),
        )
        .await;
    assert_eq!(s, 403);
    app.stop().await;
}
both!(bad_routes_are_refused, bad_routes_are_refused);

/// The preview says when each escalation step would fire: after the alert opens, or
/// after the quiet window ends for a route that holds it.
async fn preview_steps(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let night = hook(&app, &rx, "night").await;
    let backup = hook(&app, &rx, "backup").await;
    let boss = hook(&app, &rx, "boss").await;
    route(
        &app,
        json!({"name": "pager", "channels": [night],
               "quiet": {"from": "22:00", "to": "07:00", "tz": "UTC"},
               "escalate": [{"after": "15m", "channels": [backup]},
                            {"after": "1h", "channels": [backup, boss]}]}),
    )
    .await;
    let m = app
        .monitor(json!({"name": "nightly", "period": "1d", "channels": []}))
        .await;
    let pm = overdue_core::PublicRef::of(&m).to_string();
    let ask = |at: &str| {
        let app = &app;
        let path = format!("/api/v1/routes/preview?monitor={pm}&at={at}");
        async move {
            let (s, p) = app.api("GET", &path, None).await;
            assert_eq!(s, 200, "{p}");
            p
        }
    };
    let steps = |p: &Value| -> Vec<(String, Vec<String>)> {
        p["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                assert_eq!(s["route"]["name"], "pager", "{s}");
                (
                    s["at"].as_str().unwrap()[..16].to_string(),
                    s["channels"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c["name"].as_str().unwrap().to_string())
                        .collect(),
                )
            })
            .collect()
    };
    // Inside the quiet hours: held until 07:00, the steps counted from then.
    let p = ask("2026-12-07T23:30:00Z").await;
    assert_eq!(p["channels"], json!([]), "{p}");
    assert!(
        p["held"][0]["until"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-08T07:00"),
        "{p}"
    );
    assert_eq!(
        steps(&p),
        [
            ("2026-12-08T07:15".to_string(), vec!["backup".to_string()]),
            (
                "2026-12-08T08:00".to_string(),
                vec!["backup".into(), "boss".into()]
            ),
        ]
    );
    // At noon: sent at once, the steps counted from then.
    let p = ask("2026-12-07T12:00:00Z").await;
    assert_eq!(p["channels"][0]["name"], "night", "{p}");
    assert_eq!(p["held"], json!([]), "{p}");
    let at: Vec<String> = steps(&p).into_iter().map(|(t, _)| t).collect();
    assert_eq!(at, ["2026-12-07T12:15", "2026-12-07T13:00"]);
    app.stop().await;
}
both!(the_preview_times_escalation_steps, preview_steps);
