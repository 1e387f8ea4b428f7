//! Run rules (docs/behaviour.md, "States and runs"): failure tolerance (`down_after`,
//! `up_after`), `min_runtime`
//! (too-short runs) and `concurrency` (overlap events), with notifications to a real
//! receiver, on both databases.

use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::harness::{Backend, Receiver, TestApp};

async fn tolerance(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let ch = app.webhook(&rx.url).await;
    let id = app
        .monitor(json!({"name": "flaky", "period": "1h", "grace": "1h",
            "down_after": 3, "up_after": 2, "channels": [ch]}))
        .await;
    let m = app.get_monitor(&id).await;
    assert_eq!(
        (m["down_after"].clone(), m["up_after"].clone()),
        (json!(3), json!(2))
    );
    assert_eq!(app.ping(&id).await, 200);
    // Two failures in a row: still up, nothing sent.
    assert_eq!(app.ping(&format!("{id}/fail")).await, 200);
    assert_eq!(app.ping(&format!("{id}/1")).await, 200);
    assert_eq!(app.get_monitor(&id).await["status"], "up");
    // The third: down, one notification.
    assert_eq!(app.ping(&format!("{id}/fail")).await, 200);
    let got = rx
        .wait_for(Duration::from_secs(10), |_| {
            !rx.events(&id, "monitor.down").is_empty()
        })
        .await;
    assert_eq!(got.len(), 1, "only the third failure notifies");
    assert_eq!(rx.events(&id, "monitor.down")[0].json()["reason"], "failed");
    // up_after 2: one success is not enough.
    assert_eq!(app.ping(&id).await, 200);
    assert_eq!(app.get_monitor(&id).await["status"], "down");
    assert_eq!(app.ping(&format!("{id}/0")).await, 200);
    assert_eq!(app.get_monitor(&id).await["status"], "up");
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&id, "monitor.up").is_empty()
    })
    .await;
    app.stop().await;
}
both!(down_after_and_up_after, tolerance);

async fn short_and_overlap(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let ch = app.webhook(&rx.url).await;
    // A run that ends faster than min_runtime is a failure: too_short.
    let id = app
        .monitor(
            json!({"name": "etl", "period": "1h", "grace": "1h", "min_runtime": "30s",
            "channels": [ch]}),
        )
        .await;
    assert_eq!(app.get_monitor(&id).await["min_runtime"], 30);
    assert_eq!(app.ping(&format!("{id}/start")).await, 200);
    assert_eq!(app.ping(&id).await, 200);
    let m = app.get_monitor(&id).await;
    assert_eq!(
        (m["status"].clone(), m["down_reason"].clone()),
        (json!("down"), json!("too_short"))
    );
    let (_, runs) = app
        .api("GET", &format!("/api/v1/monitors/{id}/runs"), None)
        .await;
    assert_eq!(runs["runs"][0]["outcome"], "too_short", "{runs}");
    rx.wait_for(Duration::from_secs(10), |_| {
        rx.events(&id, "monitor.down")
            .first()
            .is_some_and(|r| r.json()["reason"] == "too_short")
    })
    .await;

    // concurrency 1: a second start while one runs is an overlap event, no status change.
    let id = app
        .monitor(
            json!({"name": "sync", "period": "1h", "grace": "1h", "concurrency": 1,
            "channels": [ch]}),
        )
        .await;
    assert_eq!(app.ping(&id).await, 200);
    assert_eq!(
        app.ping(&format!(
            "{id}/start?rid=6f1a3c1e-0000-4000-8000-000000000001"
        ))
        .await,
        200
    );
    assert_eq!(
        app.ping(&format!(
            "{id}/start?rid=6f1a3c1e-0000-4000-8000-000000000002"
        ))
        .await,
        200
    );
    let got = rx
        .wait_for(Duration::from_secs(10), |_| {
            !rx.events(&id, "run.overlapped").is_empty()
        })
        .await;
    let overlap = &rx.events(&id, "run.overlapped")[0];
    assert_eq!(overlap.json()["status"], "up");
    assert!(got.iter().all(|r| r.json()["monitor"]["id"]
        != overdue_core::PublicRef::of(&id).to_string()
        || r.json()["event"] == "run.overlapped"));
    assert_eq!(app.get_monitor(&id).await["status"], "up");
    // The same run's start repeated is no overlap.
    assert_eq!(
        app.ping(&format!(
            "{id}/start?rid=6f1a3c1e-0000-4000-8000-000000000002"
        ))
        .await,
        200
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.events(&id, "run.overlapped").len(), 1);
    app.stop().await;
}
both!(min_runtime_and_overlap, short_and_overlap);

async fn bad_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (body, says) in [
        (json!({"name": "x", "down_after": 0}), "down_after"),
        (json!({"name": "x", "up_after": 101}), "up_after"),
        (json!({"name": "x", "concurrency": 0}), "concurrency"),
        (json!({"name": "x", "concurrency": "one"}), "concurrency"),
        (
            json!({"name": "x", "grace": "1m", "min_runtime": "2m"}),
            "min_runtime",
        ),
        (json!({"name": "x", "min_runtime": "-5s"}), "min_runtime"),
    ] {
        let (s, b) = app
            .api("POST", "/api/v1/monitors", Some(body.clone()))
            .await;
        assert_eq!(s, 400, "{body}: {b}");
        assert!(b["error"].as_str().unwrap().contains(says), "{body}: {b}");
    }
    let (_, list) = app.api("GET", "/api/v1/monitors", None).await;
    assert!(
        list["monitors"].as_array().unwrap().is_empty(),
        "nothing was created"
    );
    // null removes a rule.
    let id = app
        .monitor(json!({"name": "y", "concurrency": 1, "min_runtime": 5}))
        .await;
    let (s, m) = app
        .api(
            "PATCH",
            &format!("/api/v1/monitors/{id}"),
            Some(json!({"concurrency": null, "min_runtime": null})),
        )
        .await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(
        (m["concurrency"].clone(), m["min_runtime"].clone()),
        (json!(null), json!(null))
    );
    app.stop().await;
}
both!(run_rules_refuse_bad_input, bad_rules);
