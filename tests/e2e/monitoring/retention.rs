//! Retention: pings kept per monitor, history pruned by age.

use serde_json::json;

use crate::both;
use crate::harness::{fresh_database, Backend, TestApp};

async fn retention(backend: Backend) {
    let db = fresh_database(backend);
    let app = TestApp::spawn_on(&db, |s| s.keep_pings = 20).await;
    let id = app.monitor(json!({"name": "busy"})).await;
    for i in 0..55 {
        let path = if i % 5 == 0 {
            format!("{id}/start")
        } else {
            id.clone()
        };
        assert_eq!(app.ping(&path).await, 200);
    }
    let m = app.get_monitor(&id).await;
    assert_eq!(m["n_pings"], 55, "the count goes on");
    let (_, pings) = app
        .api(
            "GET",
            &format!("/api/v1/monitors/{id}/pings?limit=1000"),
            None,
        )
        .await;
    let pings = pings["pings"].as_array().unwrap();
    assert!(
        (20..30).contains(&pings.len()),
        "kept {} pings",
        pings.len()
    );
    assert_eq!(pings[0]["n"], 55, "the newest is kept");
    let (_, runs) = app
        .api(
            "GET",
            &format!("/api/v1/monitors/{id}/runs?limit=1000"),
            None,
        )
        .await;
    assert!(runs["runs"].as_array().unwrap().len() <= 21, "{runs}");

    // History older than the limit goes; newer stays. Resolved problems and alerts are
    // history; open ones stay however old.
    for (action, body) in [
        ("problems", serde_json::json!([{"key": "a"}, {"key": "b"}])),
        ("resolve", serde_json::json!(["a"])),
    ] {
        let r = app
            .http
            .post(app.url(&format!("/ping/{id}/{action}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    assert_eq!(app.ping(&format!("{id}/fail")).await, 200);
    let (_, flips) = app
        .api("GET", &format!("/api/v1/monitors/{id}/flips"), None)
        .await;
    assert_eq!(flips["flips"].as_array().unwrap().len(), 2);
    let past = overdue_core::Timestamp(app.store.now().millis() - 60_000);
    let n = app
        .store
        .write(move |c| overdue_storage::retention::prune_old(c, past))
        .await
        .unwrap();
    assert_eq!(n, 0);
    let future = overdue_core::Timestamp(app.store.now().millis() + 1_000);
    let n = app
        .store
        .write(move |c| overdue_storage::retention::prune_old(c, future))
        .await
        .unwrap();
    assert_eq!(n, 4, "two flips, the resolved problem and its alert");
    // The open alerts stay (problem b's, the down episode's).
    let (_, alerts) = app.api("GET", "/api/v1/alerts?status=all", None).await;
    let kinds: Vec<_> = alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].clone(), a["status"].clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (serde_json::json!("down"), serde_json::json!("open")),
            (serde_json::json!("problem"), serde_json::json!("open"))
        ],
        "{alerts}"
    );
    let (_, left) = app
        .api(
            "GET",
            &format!("/api/v1/problems?monitor={id}&status=all"),
            None,
        )
        .await;
    assert_eq!(left["problems"].as_array().unwrap().len(), 1);
    assert_eq!(left["problems"][0]["key"], "b");
    let (_, flips) = app
        .api("GET", &format!("/api/v1/monitors/{id}/flips"), None)
        .await;
    assert!(flips["flips"].as_array().unwrap().is_empty());
    app.stop().await;
}
both!(retention_keeps_the_database_bounded, retention);
