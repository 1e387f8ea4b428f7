//! The numbers are true (docs/behaviour.md, "Uptime"). Uptime is counted from the
//! monitor's creation, so a young monitor that was down for part of its life shows that
//! part (not 99.9 % of a day); a monitor that never pinged shows none; paused time
//! counts neither way. The next expected run is named after a failure too, and a running
//! monitor says since when it runs.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};

async fn uptime(app: &TestApp, id: &str) -> Value {
    let (s, u) = app
        .api("GET", &format!("/api/v1/monitors/{id}/uptime"), None)
        .await;
    assert_eq!(s, 200, "{u}");
    u
}

async fn uptime_counts_from_creation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let quiet = app
        .monitor(json!({"name": "never pinged", "period": "1h"}))
        .await;
    assert_eq!(
        uptime(&app, &quiet).await,
        json!({"day": null, "week": null, "month": null})
    );
    let m = app
        .monitor(json!({"name": "quick", "period": "1s", "grace": "1s"}))
        .await;
    assert_eq!(app.ping(&m).await, 200);
    app.wait_status(&m, "up", Duration::from_secs(5)).await;
    let fresh = uptime(&app, &m).await;
    assert_eq!(fresh["day"], 100.0, "{fresh}");
    // Down for a moment, then up again: the share of its short life it was down.
    app.wait_status(&m, "down", Duration::from_secs(10)).await;
    let mut down = uptime(&app, &m).await;
    for _ in 0..100 {
        if down["day"].as_f64().is_some_and(|d| d < 90.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        down = uptime(&app, &m).await;
    }
    assert_eq!(app.ping(&m).await, 200);
    app.wait_status(&m, "up", Duration::from_secs(5)).await;
    let after = uptime(&app, &m).await;
    for u in [&down, &after] {
        let day = u["day"].as_f64().unwrap();
        assert!(
            day > 0.0 && day < 99.0,
            "a few seconds old, down for part: {u}"
        );
        // Every window starts at its creation, so all three agree.
        assert_eq!(u["week"], u["day"], "{u}");
        assert_eq!(u["month"], u["day"], "{u}");
    }
    // Pausing stops the count: paused time is neither up nor down.
    let (s, _) = app
        .api("POST", &format!("/api/v1/monitors/{m}/pause"), None)
        .await;
    assert_eq!(s, 200);
    let paused = uptime(&app, &m).await;
    assert!(paused["day"].as_f64().unwrap() < 99.0, "{paused}");
    let (s, e) = app.api("GET", "/api/v1/monitors/nope/uptime", None).await;
    assert_eq!(s, 400, "{e}");
    app.stop().await;
}
both!(uptime_counts_from_creation, uptime_counts_from_creation);

/// A cron monitor whose run failed still names its next run; an interval monitor names
/// the last ping plus its period; a running one says since when.
async fn next_run_after_a_failure(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cron = app
        .monitor(json!({"name": "nightly", "cron": "30 2 * * *", "tz": "UTC"}))
        .await;
    assert_eq!(app.ping(&format!("{cron}/fail")).await, 200);
    let m = app.wait_status(&cron, "down", Duration::from_secs(5)).await;
    let next = m["next_expected"].as_str().expect("a next expected run");
    assert!(next.ends_with("T02:30:00+00:00"), "{m}");
    let every = app.monitor(json!({"name": "hourly", "period": "1h"})).await;
    assert_eq!(app.ping(&format!("{every}/start")).await, 200);
    let m = app.get_monitor(&every).await;
    assert_eq!(m["state"], "running", "{m}");
    assert!(m["running_since"].as_str().is_some(), "{m}");
    assert_eq!(app.ping(&format!("{every}/fail")).await, 200);
    let m = app
        .wait_status(&every, "down", Duration::from_secs(5))
        .await;
    let (last, next) = (
        chrono::DateTime::parse_from_rfc3339(m["last_ping"].as_str().unwrap()).unwrap(),
        chrono::DateTime::parse_from_rfc3339(m["next_expected"].as_str().unwrap()).unwrap(),
    );
    assert_eq!((next - last).num_seconds(), 3_600, "{m}");
    assert_eq!(m["running_since"], Value::Null, "{m}");
    app.stop().await;
}
both!(next_run_after_a_failure, next_run_after_a_failure);

/// The 90-day strip (docs/behaviour.md, "Uptime"): days in the project's zone, each
/// with its worst status, its uptime and how long it was down, read with the clock
/// moved a day at a time. Tokyo has no DST: every step lands at local noon.
async fn the_strip_says_each_day(backend: Backend) {
    use std::sync::atomic::Ordering;
    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 24 * HOUR;
    let (app, shift) = TestApp::spawn_shifted(backend).await;
    let (s, p) = app
        .api(
            "PATCH",
            "/api/v1/project",
            Some(json!({"tz": "Asia/Tokyo"})),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    // To the next noon in Tokyo (03:00 UTC).
    let now = chrono::Utc::now().timestamp_millis();
    let noon = now - now.rem_euclid(DAY) + 3 * HOUR;
    let noon = if noon <= now { noon + DAY } else { noon };
    shift.store(noon - now, Ordering::SeqCst);
    let m = app
        .monitor(json!({"name": "weekly", "period": "7d", "grace": "1d"}))
        .await;
    assert_eq!(app.ping(&m).await, 200);
    app.wait_status(&m, "up", Duration::from_secs(5)).await;
    shift.fetch_add(DAY, Ordering::SeqCst);
    assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
    app.wait_status(&m, "down", Duration::from_secs(5)).await;
    shift.fetch_add(HOUR / 2, Ordering::SeqCst);
    assert_eq!(app.ping(&m).await, 200);
    app.wait_status(&m, "up", Duration::from_secs(5)).await;
    shift.fetch_add(DAY, Ordering::SeqCst);
    let (s, d) = app
        .api("GET", &format!("/api/v1/monitors/{m}/days?days=4"), None)
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["zone"], "Asia/Tokyo");
    let days = d["days"].as_array().unwrap();
    let statuses: Vec<&str> = days.iter().map(|d| d["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["none", "up", "down", "up"], "{d}");
    let first = chrono::DateTime::from_timestamp_millis(noon)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(days[1]["date"], first.as_str(), "{d}");
    assert_eq!(days[2]["down"], 1_800, "{d}");
    assert_eq!(days[2]["uptime"], 97.917, "{d}");
    assert_eq!(days[1]["uptime"], 100.0, "{d}");
    let (s, all) = app
        .api("GET", &format!("/api/v1/monitors/{m}/days"), None)
        .await;
    assert_eq!((s, all["days"].as_array().unwrap().len()), (200, 90));
    let (s, e) = app
        .api("GET", &format!("/api/v1/monitors/{m}/days?days=0"), None)
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(e["error"].as_str().unwrap().contains("between 1 and 400"));
    // The monitors list's strips: the same days for each monitor asked, by id or public
    // reference, in the order asked; a name of no monitor of the project left out.
    let quiet = app.monitor(json!({"name": "quiet", "period": "1h"})).await;
    let public = overdue_core::PublicRef::of(&m).to_string();
    let gone = "00000000-0000-4000-8000-000000000000";
    let (s, strips) = app
        .api(
            "GET",
            &format!("/api/v1/strips?days=4&monitors={public},{gone},{quiet}, {m}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{strips}");
    assert_eq!(strips["zone"], "Asia/Tokyo");
    let named: Vec<&str> = strips["monitors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(named, [public.as_str(), quiet.as_str(), m.as_str()]);
    assert_eq!(strips["monitors"][0]["days"], d["days"]);
    assert_eq!(strips["monitors"][2]["days"], d["days"]);
    let quiet_days: Vec<&str> = strips["monitors"][1]["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(quiet_days, ["none"; 4]);
    let (s, none) = app.api("GET", "/api/v1/strips", None).await;
    assert_eq!((s, none["monitors"].as_array().unwrap().len()), (200, 0));
    let many = vec![m.as_str(); 101].join(",");
    let (s, e) = app
        .api("GET", &format!("/api/v1/strips?monitors={many}"), None)
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(e["error"].as_str().unwrap().contains("at most 100"), "{e}");
    let (s, e) = app.api("GET", "/api/v1/strips?days=500", None).await;
    assert_eq!(s, 400, "{e}");
    app.stop().await;
}
both!(the_strip_says_each_day, the_strip_says_each_day);
