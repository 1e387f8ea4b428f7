//! A route's reminders and escalation steps (docs/behaviour.md, "Routing"), durable timers
//! fired by the
//! scheduler, against real HTTP receivers on both databases: repeats while open and
//! unacknowledged, the backup told after the delay, acknowledgement stopping both, the
//! resolution sent to every channel that got the trigger, and an escalation delay that
//! survives a restart.

use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::harness::{fresh_database, Backend, Received, Receiver, TestApp};

pub(crate) async fn hook(app: &TestApp, rx: &Receiver, name: &str) -> String {
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

/// (path, event, transition) of every message about monitor `name`.
pub(crate) fn about(got: &[Received], name: &str) -> Vec<(String, String, String)> {
    got.iter()
        .filter(|r| r.json()["monitor"]["name"] == name)
        .map(|r| {
            let j = r.json();
            (
                r.path.trim_start_matches("/hook/").to_string(),
                j["event"].as_str().unwrap_or("").to_string(),
                j["alert"]["transition"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

pub(crate) fn count(got: &[(String, String, String)], path: &str, transition: &str) -> usize {
    got.iter()
        .filter(|(p, _, t)| p == path && t == transition)
        .count()
}

pub(crate) async fn open_alert(app: &TestApp, monitor: &str) -> i64 {
    let public = overdue_core::PublicRef::of(monitor).to_string();
    let (_, list) = app
        .api(
            "GET",
            &format!("/api/v1/alerts?status=open&monitor={public}"),
            None,
        )
        .await;
    list["alerts"][0]["id"].as_i64().expect("an open alert")
}

async fn repeats_and_escalation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let chat = hook(&app, &rx, "chat").await;
    let backup = hook(&app, &rx, "backup").await;
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/routes",
            Some(
                json!({"name": "chat, then the backup", "channels": [chat], "repeat_every": 1,
                        "escalate": [{"after": "3s", "channels": [backup]}]}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["repeat_every"], 1);
    assert_eq!(r["escalate"], json!([{"after": 3, "channels": [backup]}]));
    let m = app
        .monitor(json!({"name": "nightly", "period": "1h"}))
        .await;
    assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
    // Reminders each second, the backup after three.
    let got = rx
        .wait_for(Duration::from_secs(10), |all| {
            count(&about(all, "nightly"), "backup", "trigger") == 1
        })
        .await;
    let seen = about(&got, "nightly");
    assert_eq!(count(&seen, "chat", "trigger"), 1, "{seen:?}");
    assert!(count(&seen, "chat", "repeat") >= 2, "{seen:?}");
    let reminder = got
        .iter()
        .find(|r| r.json()["alert"]["transition"] == "repeat")
        .unwrap()
        .json();
    assert_eq!(reminder["event"], "monitor.down");
    assert!(reminder["alert"]["ack_url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/ack/", app.base)));
    // Acknowledged: no more reminders.
    let id = open_alert(&app, &m).await;
    let (s, _) = app
        .api("POST", &format!("/api/v1/alerts/{id}/acknowledge"), None)
        .await;
    assert_eq!(s, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = count(&about(&rx.all(), "nightly"), "chat", "repeat");
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(
        count(&about(&rx.all(), "nightly"), "chat", "repeat"),
        before
    );
    // Resolved: every channel that got the trigger hears it, the backup too.
    assert_eq!(app.ping(&m).await, 200);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| {
            about(all, "nightly")
                .iter()
                .filter(|(_, e, _)| e == "monitor.up")
                .count()
                == 2
        })
        .await;
    let up: Vec<String> = about(&got, "nightly")
        .into_iter()
        .filter(|(_, e, _)| e == "monitor.up")
        .map(|(p, _, _)| p)
        .collect();
    assert!(
        up.contains(&"chat".to_string()) && up.contains(&"backup".to_string()),
        "{up:?}"
    );
    app.stop().await;
}
both!(repeats_and_escalation, repeats_and_escalation);

async fn escalation_survives_restart(backend: Backend) {
    let db = fresh_database(backend);
    let app = TestApp::spawn_on(&db, |_| {}).await;
    let rx = Receiver::start().await;
    let chat = hook(&app, &rx, "chat").await;
    let backup = hook(&app, &rx, "backup").await;
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/routes",
            Some(json!({"name": "escalate", "channels": [chat],
                        "escalate": [{"after": 3, "channels": [backup]}]})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    // Acknowledged in time: the backup is never told.
    let quiet = app.monitor(json!({"name": "acked", "period": "1h"})).await;
    assert_eq!(app.ping(&format!("{quiet}/fail")).await, 200);
    let id = open_alert(&app, &quiet).await;
    let (s, _) = app
        .api("POST", &format!("/api/v1/alerts/{id}/acknowledge"), None)
        .await;
    assert_eq!(s, 200);
    // Another alert; the server stops before its escalation is due.
    let m = app
        .monitor(json!({"name": "restarted", "period": "1h"}))
        .await;
    assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
    rx.wait_for(Duration::from_secs(5), |all| {
        count(&about(all, "restarted"), "chat", "trigger") == 1
    })
    .await;
    app.stop().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let app = TestApp::spawn_on(&db, |_| {}).await;
    let got = rx
        .wait_for(Duration::from_secs(10), |all| {
            count(&about(all, "restarted"), "backup", "trigger") == 1
        })
        .await;
    assert_eq!(count(&about(&got, "acked"), "backup", "trigger"), 0);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let all = rx.all();
    assert_eq!(
        count(&about(&all, "restarted"), "backup", "trigger"),
        1,
        "once"
    );
    assert_eq!(count(&about(&all, "acked"), "backup", "trigger"), 0);
    app.stop().await;
}
both!(escalation_survives_restart, escalation_survives_restart);

/// Sets the server's clock to `hh:mm:ss` UTC of the real today.
fn set_clock(shift: &std::sync::atomic::AtomicI64, h: u32, m: u32, s: u32) {
    let real = chrono::Utc::now();
    let target = real.date_naive().and_hms_opt(h, m, s).unwrap().and_utc();
    shift.store(
        (target - real).num_milliseconds(),
        std::sync::atomic::Ordering::SeqCst,
    );
}

async fn quiet_hours_defer(backend: Backend) {
    let (app, shift) = TestApp::spawn_shifted(backend).await;
    set_clock(&shift, 3, 0, 0);
    let rx = Receiver::start().await;
    let chat = hook(&app, &rx, "chat").await;
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/routes",
            Some(
                json!({"name": "night quiet", "channels": [chat], "repeat_every": 1,
                        "quiet": {"from": "02:00", "to": "06:00", "tz": "UTC"}}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["quiet"]["from"], "02:00");
    let held = app.monitor(json!({"name": "held", "period": "1d"})).await;
    let passed = app.monitor(json!({"name": "passed", "period": "1d"})).await;
    let acked = app.monitor(json!({"name": "acked", "period": "1d"})).await;
    for m in [&held, &passed, &acked] {
        assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
    }
    assert_eq!(app.ping(&passed).await, 200);
    let id = open_alert(&app, &acked).await;
    let (s, _) = app
        .api("POST", &format!("/api/v1/alerts/{id}/acknowledge"), None)
        .await;
    assert_eq!(s, 200);
    // The preview says the route holds it until 06:00.
    let public = overdue_core::PublicRef::of(&held).to_string();
    let (_, p) = app
        .api(
            "GET",
            &format!("/api/v1/routes/preview?monitor={public}"),
            None,
        )
        .await;
    assert_eq!(p["channels"], json!([]), "{p}");
    assert_eq!(p["held"][0]["route"]["name"], "night quiet");
    assert!(
        p["held"][0]["until"]
            .as_str()
            .unwrap()
            .contains("T06:00:00"),
        "{p}"
    );
    let (_, open) = app
        .api(
            "GET",
            &format!("/api/v1/alerts?status=open&monitor={public}"),
            None,
        )
        .await;
    assert_eq!(open["alerts"][0]["held_by"], "quiet route", "{open}");
    assert!(
        open["alerts"][0]["held_until"]
            .as_str()
            .unwrap()
            .contains("T06:00:00"),
        "{open}"
    );
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(
        rx.all().is_empty(),
        "nothing is sent while quiet: {:?}",
        rx.all().iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    // The window ends: the open alert goes out at once, the one that passed meanwhile
    // in one summary, the acknowledged one not at all; reminders start now.
    set_clock(&shift, 6, 0, 0);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| {
            count(&about(all, "held"), "chat", "repeat") >= 1
                && all.iter().any(|r| r.json()["event"] == "alerts.held")
        })
        .await;
    let seen = about(&got, "held");
    assert_eq!(count(&seen, "chat", "trigger"), 1, "{seen:?}");
    let summary = got
        .iter()
        .find(|r| r.json()["event"] == "alerts.held")
        .unwrap()
        .json();
    assert_eq!(summary["problems"]["count"], 1, "{summary}");
    assert!(
        summary["problems"]["items"][0]["key"]
            .as_str()
            .unwrap()
            .contains("passed"),
        "{summary}"
    );
    assert!(
        summary["text"]
            .as_str()
            .unwrap()
            .starts_with("1 alert opened and resolved while night quiet was quiet"),
        "{summary}"
    );
    assert!(about(&got, "acked").is_empty(), "{got:?}");
    assert!(about(&got, "passed").is_empty());
    // A resolution of what was sent goes out at once.
    assert_eq!(app.ping(&held).await, 200);
    rx.wait_for(Duration::from_secs(10), |all| {
        about(all, "held").iter().any(|(_, e, _)| e == "monitor.up")
    })
    .await;
    app.stop().await;
}
both!(quiet_hours_defer, quiet_hours_defer);

/// Two instances on one PostgreSQL: each reminder and each escalation step is fired by
/// one of them, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_fire_each_timer_once() {
    if crate::harness::postgres_available().is_none() {
        return;
    }
    let db = fresh_database(Backend::Postgres);
    let a = TestApp::spawn_on(&db, |_| {}).await;
    let b = TestApp::spawn_on(&db, |_| {}).await;
    let rx = Receiver::start().await;
    let chat = hook(&a, &rx, "chat").await;
    let backup = hook(&a, &rx, "backup").await;
    let (s, r) = a
        .api(
            "POST",
            "/api/v1/routes",
            Some(
                json!({"name": "both", "channels": [chat], "repeat_every": 1,
                        "escalate": [{"after": 2, "channels": [backup]}]}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let m = a.monitor(json!({"name": "shared", "period": "1h"})).await;
    assert_eq!(b.ping(&format!("{m}/fail")).await, 200);
    rx.wait_for(Duration::from_secs(5), |all| {
        count(&about(all, "shared"), "chat", "trigger") == 1
    })
    .await;
    let started = std::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(4_300)).await;
    let seen = about(&rx.all(), "shared");
    let secs = started.elapsed().as_secs_f64();
    let repeats = count(&seen, "chat", "repeat");
    // One reminder a second, whichever instance fires it: never two for one due time.
    assert!(
        (3..=(secs.ceil() as usize + 1)).contains(&repeats),
        "{repeats} reminders in {secs:.1} s: {seen:?}"
    );
    assert_eq!(count(&seen, "backup", "trigger"), 1, "{seen:?}");
    a.stop().await;
    b.stop().await;
}

/// The real binary killed with SIGKILL while an escalation waits: the next process
/// sends it, once.
async fn escalation_survives_kill9(backend: Backend) {
    let db = fresh_database(backend);
    let env = [("OVERDUE_WEBHOOK_ALLOW_PRIVATE", "true")];
    let (mut proc, out) = crate::harness::start_binary(&db, &env).await;
    let key = out
        .lines()
        .find(|l| l.contains("API key:"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap()
        .to_string();
    let http = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        http.post(format!("{}{path}", proc.base))
            .header("X-Api-Key", &key)
            .json(&body)
            .send()
    };
    let rx = Receiver::start().await;
    let mut ids = Vec::new();
    for name in ["chat", "backup"] {
        let c: serde_json::Value = post(
            "/api/v1/channels",
            json!({"kind": "webhook", "name": name, "url": format!("{}/{name}", rx.url), "is_default": false}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        ids.push(c["id"].as_str().unwrap().to_string());
    }
    let r = post(
        "/api/v1/routes",
        json!({"name": "r", "channels": [ids[0]], "escalate": [{"after": 3, "channels": [ids[1]]}]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let m: serde_json::Value = post(
        "/api/v1/monitors",
        json!({"name": "killed", "period": "1h"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let uuid = m["uuid"].as_str().unwrap().to_string();
    let s = http
        .get(format!("{}/ping/{uuid}/fail", proc.base))
        .send()
        .await
        .unwrap();
    assert_eq!(s.status(), 200);
    rx.wait_for(Duration::from_secs(5), |all| {
        count(&about(all, "killed"), "chat", "trigger") == 1
    })
    .await;
    proc.child.kill().unwrap();
    let _ = proc.child.wait();
    let (mut again, _) = crate::harness::start_binary(&db, &env).await;
    rx.wait_for(Duration::from_secs(10), |all| {
        count(&about(all, "killed"), "backup", "trigger") == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(count(&about(&rx.all(), "killed"), "backup", "trigger"), 1);
    again.child.kill().unwrap();
    let _ = again.child.wait();
}
both!(escalation_survives_kill9, escalation_survives_kill9);

/// A route with its own digest time: the monitor's own channel gets the daily digest at
/// the server's digest hour, the route's channel at 09:00 of its zone — or, as 09:00
/// falls in the route's quiet hours (08:30–09:30), when they end.
async fn digest_at_the_routes_time(backend: Backend) {
    let db = fresh_database(backend);
    let app = TestApp::spawn_on(&db, |_| {}).await;
    let rx = Receiver::start().await;
    let own = hook(&app, &rx, "own").await;
    let morning = hook(&app, &rx, "morning").await;
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/routes",
            Some(
                json!({"name": "morning digest", "match": {"kinds": ["digest"]},
                        "channels": [morning], "digest_at": {"time": "09:00", "tz": "UTC"},
                        "quiet": {"from": "08:30", "to": "09:30", "tz": "UTC"}}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["digest_at"], json!({"time": "09:00", "tz": "UTC"}));
    let m = app
        .monitor(json!({"name": "nightly", "period": "1d", "channels": [own]}))
        .await;
    let (s, _) = app
        .post_ping(
            &format!("{m}/problems"),
            r#"[{"key": "a", "severity": "warning"}, {"key": "b", "severity": "info"}]"#,
            true,
        )
        .await;
    assert_eq!(s, 200);
    app.stop().await;
    // 05:00 UTC, the digest hour (00) has passed: the monitor's channel gets it now,
    // the route holds it for 09:00.
    let shift = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    set_clock(&shift, 5, 0, 0);
    let app = TestApp::spawn_shifted_on(&db, |s| s.digest_hour = Some(0), shift.clone()).await;
    let got = rx
        .wait_for(Duration::from_secs(10), |all| {
            all.iter()
                .any(|r| r.path == "/hook/own" && r.json()["event"] == "problem.digest")
        })
        .await;
    assert!(
        got.iter().all(|r| r.path != "/hook/morning"),
        "held until 09:00"
    );
    set_clock(&shift, 9, 0, 1);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(
        rx.all().iter().all(|r| r.path != "/hook/morning"),
        "quiet until 09:30"
    );
    set_clock(&shift, 9, 30, 1);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| {
            all.iter().any(|r| r.path == "/hook/morning")
        })
        .await;
    let d = got
        .iter()
        .find(|r| r.path == "/hook/morning")
        .unwrap()
        .json();
    assert_eq!(d["event"], "problem.digest");
    assert_eq!(d["problems"]["count"], 2, "{d}");
    app.stop().await;
}
both!(digest_at_the_routes_time, digest_at_the_routes_time);

/// Held means deferred, never dropped: a held alert whose quiet route is deleted
/// before the window ends is routed anew when it would have been sent.
async fn held_alert_outlives_its_route(backend: Backend) {
    let (app, shift) = TestApp::spawn_shifted(backend).await;
    set_clock(&shift, 3, 0, 0);
    let rx = Receiver::start().await;
    let night = hook(&app, &rx, "night").await;
    let day = hook(&app, &rx, "day").await;
    let (_, quiet) = app
        .api(
            "POST",
            "/api/v1/routes",
            Some(json!({"name": "quiet", "channels": [night],
                        "quiet": {"from": "02:00", "to": "06:00", "tz": "UTC"}})),
        )
        .await;
    let (s, _) = app
        .api(
            "POST",
            "/api/v1/routes",
            Some(json!({"name": "rest", "channels": [day]})),
        )
        .await;
    assert_eq!(s, 201);
    let m = app.monitor(json!({"name": "orphan", "period": "1d"})).await;
    assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
    let id = quiet["id"].as_str().unwrap();
    let (s, _) = app
        .api("DELETE", &format!("/api/v1/routes/{id}"), None)
        .await;
    assert_eq!(s, 204);
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert!(rx.all().is_empty());
    set_clock(&shift, 6, 0, 1);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| {
            count(&about(all, "orphan"), "day", "trigger") == 1
        })
        .await;
    assert_eq!(count(&about(&got, "orphan"), "night", "trigger"), 0);
    app.stop().await;
}
both!(held_alert_outlives_its_route, held_alert_outlives_its_route);
