//! The core loop end to end: ping → up; silence → exactly one `down` within 1 s of the
//! deadline; ping → `up`; `/fail` → `down` at once; `/start` without end → hung.

use std::time::{Duration, SystemTime};

use chrono::DateTime;
use serde_json::json;

use crate::both;
use crate::harness::{Backend, Receiver, TestApp};

fn parse_time(s: &str) -> SystemTime {
    let t = DateTime::parse_from_rfc3339(s).unwrap();
    SystemTime::UNIX_EPOCH + Duration::from_millis(t.timestamp_millis() as u64)
}

async fn story(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let channel = app.webhook(&rx.url).await;
    let id = app
        .monitor(json!({"name": "nightly <backup>", "slug": "nightly", "tags": ["prod"], "period": "2s", "grace": "1s", "channels": [channel]}))
        .await;

    // First ping: new → up, which does not notify.
    assert_eq!(app.ping(&id).await, 200);
    let m = app.get_monitor(&id).await;
    assert_eq!(m["status"], "up");
    let deadline = parse_time(m["deadline"].as_str().unwrap());

    // Silence: down (missed) soon after the deadline, notified exactly once. The 1 s
    // detection target is measured by `overdue-bench` on a quiet machine; here the
    // whole suite (browser, kill loops) shares 2 cores, so the bound is looser.
    let got = rx.wait_for(Duration::from_secs(6), |r| !r.is_empty()).await;
    let down = &got[0];
    let late = down.at.duration_since(deadline).unwrap_or_default();
    assert!(
        late < Duration::from_millis(3_000),
        "down notified {late:?} after the deadline"
    );
    let j = down.json();
    assert_eq!(j["event"], "monitor.down");
    assert_eq!(j["status"], "down");
    assert_eq!(j["previous_status"], "up");
    assert_eq!(j["reason"], "missed");
    assert_eq!(
        j["monitor"]["id"],
        overdue_core::PublicRef::of(&id).to_string()
    );
    assert!(
        !down.body.contains(id.as_str()),
        "the ping code stays out of the payload"
    );
    assert_eq!(j["monitor"]["name"], "nightly <backup>");
    assert_eq!(j["monitor"]["slug"], "nightly");
    assert!(j["at"].is_string());
    assert!(down.header("idempotency-key").is_some());
    assert_eq!(down.header("content-type"), Some("application/json"));
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(rx.events(&id, "monitor.down").len(), 1, "exactly one down");
    let m = app.get_monitor(&id).await;
    assert_eq!(m["down_reason"], "missed");
    assert!(m["deadline"].is_null());

    // A ping brings it back up, notified.
    assert_eq!(app.ping(&id).await, 200);
    rx.wait_for(Duration::from_secs(3), |_| {
        rx.events(&id, "monitor.up").len() == 1
    })
    .await;

    // /fail: down at once, with the reason and the body.
    let resp = app
        .http
        .post(app.url(&format!("/ping/{id}/fail")))
        .body("disk full")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let m = app.get_monitor(&id).await;
    assert_eq!(m["status"], "down");
    assert_eq!(m["down_reason"], "failed");
    let got = rx
        .wait_for(Duration::from_secs(3), |_| {
            rx.events(&id, "monitor.down").len() == 2
        })
        .await;
    let fail = got
        .iter()
        .rev()
        .find(|r| r.json()["event"] == "monitor.down")
        .unwrap()
        .json();
    assert_eq!(fail["reason"], "failed");
    assert_eq!(fail["body"], "disk full");

    // Back up, then a start that never ends: hung after max_runtime.
    assert_eq!(app.ping(&id).await, 200);
    let (s, _) = app
        .api(
            "PATCH",
            &format!("/api/v1/monitors/{id}"),
            Some(json!({"period": "1h", "max_runtime": "1s"})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.ping(&format!("{id}/start")).await, 200);
    let m = app.get_monitor(&id).await;
    assert_eq!(m["state"], "running");
    let m = app.wait_status(&id, "down", Duration::from_secs(4)).await;
    assert_eq!(m["down_reason"], "hung");
    rx.wait_for(Duration::from_secs(3), |_| {
        rx.events(&id, "monitor.down").len() == 3
    })
    .await;
    let (_, runs) = app
        .api("GET", &format!("/api/v1/monitors/{id}/runs"), None)
        .await;
    assert_eq!(runs["runs"][0]["outcome"], "timeout");

    // A late end is recorded but does not reopen the closed run.
    assert_eq!(app.ping(&id).await, 200);
    let (_, runs) = app
        .api("GET", &format!("/api/v1/monitors/{id}/runs"), None)
        .await;
    assert_eq!(runs["runs"][0]["outcome"], "timeout");
    assert_eq!(runs["runs"].as_array().unwrap().len(), 1);

    // Every flip is in the history with its reason.
    let (_, flips) = app
        .api("GET", &format!("/api/v1/monitors/{id}/flips"), None)
        .await;
    let reasons: Vec<_> = flips["flips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["to"].as_str().unwrap().to_string(), f["reason"].clone()))
        .collect();
    assert_eq!(reasons.len(), 7, "{reasons:?}");
    assert_eq!(reasons[1], ("down".to_string(), json!("hung")));

    // The delivery log shows what was sent.
    let (_, log) = app
        .api(
            "GET",
            &format!("/api/v1/channels/{channel}/deliveries"),
            None,
        )
        .await;
    let log = log["deliveries"].as_array().unwrap();
    assert!(log.len() >= 5);
    assert!(log.iter().all(|d| d["status_code"] == 200));
    app.stop().await;
}
both!(core_loop, story);

async fn pause_resume(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let channel = app.webhook(&rx.url).await;
    let id = app
        .monitor(json!({"name": "p", "period": 1, "grace": 1, "channels": [channel]}))
        .await;
    assert_eq!(app.ping(&id).await, 200);
    let (s, m) = app
        .api("POST", &format!("/api/v1/monitors/{id}/pause"), None)
        .await;
    assert_eq!((s, m["status"].as_str()), (200, Some("paused")));
    // Paused: no deadline, nothing goes down.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(app.get_monitor(&id).await["status"], "paused");
    assert!(rx.all().is_empty());
    // Resume → new, then a ping brings it up without notifying.
    let (s, m) = app
        .api("POST", &format!("/api/v3/checks/{id}/resume"), None)
        .await;
    assert_eq!((s, m["status"].as_str()), (200, Some("new")));
    let (s, _) = app
        .api("POST", &format!("/api/v3/checks/{id}/resume"), None)
        .await;
    assert_eq!(s, 409, "resume of a monitor that is not paused");
    assert_eq!(app.ping(&id).await, 200);
    assert_eq!(app.get_monitor(&id).await["status"], "up");
    // manual_resume: a ping does not resume a paused monitor.
    app.api(
        "PATCH",
        &format!("/api/v1/monitors/{id}"),
        Some(json!({"manual_resume": true})),
    )
    .await;
    app.api("POST", &format!("/api/v1/monitors/{id}/pause"), None)
        .await;
    assert_eq!(app.ping(&id).await, 200);
    assert_eq!(app.get_monitor(&id).await["status"], "paused");
    assert!(rx.all().is_empty(), "pause and resume never notify");
    app.stop().await;
}
both!(pause_and_resume, pause_resume);

async fn test_notification(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let (s, c) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "webhook", "name": "tmpl", "url": format!("{}?n=$NAME", rx.url), "method": "PUT",
                        "headers": {"Content-Type": "application/json", "X-Event": "$EVENT"},
                        "body": "{\"text\": \"$NAME is $STATUS\", \"doc\": $JSON}"})),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let channel = c["id"].as_str().unwrap();
    let (s, _) = app
        .api("POST", &format!("/api/v1/channels/{channel}/test"), None)
        .await;
    assert_eq!(s, 200);
    let got = rx.wait_for(Duration::from_secs(3), |r| !r.is_empty()).await;
    assert_eq!(got[0].method, "PUT");
    assert!(
        got[0].path.contains("n=Test+notification"),
        "{}",
        got[0].path
    );
    assert_eq!(got[0].header("x-event"), Some("test"));
    let j = got[0].json();
    assert_eq!(j["text"], "Test notification for channel tmpl is test");
    assert_eq!(j["doc"]["event"], "test");
    // A test is in the channel's delivery log, not among the alerts.
    let (_, all) = app.api("GET", "/api/v1/alerts?status=all", None).await;
    assert_eq!(all["alerts"], json!([]), "{all}");
    let mut logged = json!(null);
    for _ in 0..50 {
        logged = app
            .api(
                "GET",
                &format!("/api/v1/channels/{channel}/deliveries"),
                None,
            )
            .await
            .1;
        if logged.to_string().contains("\"test\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(logged.to_string().contains("\"test\""), "{logged}");
    app.stop().await;
}
both!(channel_test_and_templates, test_notification);

/// Overdue watches itself: with a self-ping URL it pings that monitor every period
/// (here a receiver standing in for another Overdue).
async fn self_ping(backend: Backend) {
    let rx = Receiver::start().await;
    let url = crate::harness::fresh_database(backend);
    let target = format!("{}/ping-code-123", rx.url);
    let app = TestApp::spawn_on(&url, |s| {
        s.self_ping = Some((target.clone(), Duration::from_millis(300)));
    })
    .await;
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 2)
        .await;
    assert!(got
        .iter()
        .all(|r| r.method == "GET" && r.path.ends_with("/ping-code-123")));
    assert!(got[0]
        .headers
        .iter()
        .any(|(k, v)| k == "user-agent" && v.contains("self-ping")));
    app.stop().await;
}
both!(overdue_pings_another_monitor, self_ping);
