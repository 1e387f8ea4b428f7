//! The Alerts page's reads and bulk actions (docs/behaviour.md, "The Alerts page") on
//! both databases: filters by kind (several), tag, channel and hold, each refused in
//! words when wrong; the names of what alerts are about; the open-row count that the
//! Alerts badge shows (a monitor's problems are one row); resolving problems by hand
//! in bulk while down episodes are kept.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};

async fn alerts(app: &TestApp, query: &str) -> Vec<Value> {
    let (s, list) = app
        .api("GET", &format!("/api/v1/alerts{query}"), None)
        .await;
    assert_eq!(s, 200, "{query}: {list}");
    list["alerts"].as_array().unwrap().clone()
}

fn names(list: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = list
        .iter()
        .map(|a| {
            format!(
                "{}:{}",
                a["kind"].as_str().unwrap(),
                a["monitor_name"].as_str().unwrap_or("-")
            )
        })
        .collect();
    v.sort();
    v
}

async fn filters_and_bulk_resolve(backend: Backend) {
    let (app, rx, ch) = TestApp::spawn_with_receiver(backend).await;
    let mut m = std::collections::HashMap::new();
    for (name, tags, channels) in [
        ("db-main", "db", json!([ch])),
        ("db-quiet", "db", json!([ch])),
        ("web", "web", json!([])),
        ("shop-sync", "etl", json!([ch])),
    ] {
        let id = app
            .monitor(json!({"name": name, "period": "1d", "tags": tags, "channels": channels}))
            .await;
        m.insert(name, id);
    }
    let (s, sil) = app
        .api(
            "POST",
            "/api/v1/silences",
            Some(json!({"match": {"monitors": ["db-quiet"]}, "for": "1h"})),
        )
        .await;
    assert_eq!(s, 201, "{sil}");
    for name in ["db-main", "db-quiet", "web"] {
        assert_eq!(app.ping(&format!("{}/fail", m[name])).await, 200);
    }
    let shop = &m["shop-sync"];
    assert_eq!(app.ping(&format!("{shop}/start")).await, 200);
    let r = app
        .http
        .post(app.url(&format!("/ping/{shop}/problems")))
        .header("Content-Type", "application/json")
        .body(
            json!([
                {"key": "invoice:1", "message": "VAT id missing"},
                {"key": "invoice:2", "message": "unknown currency"},
                {"key": "invoice:3", "message": "rounded"},
            ])
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // db-main's alert and the problems reach the receiver; db-quiet's is held.
    rx.wait_for(Duration::from_secs(10), |all| all.len() >= 2)
        .await;
    app.settled().await;

    let all = alerts(&app, "?status=open").await;
    assert_eq!(
        names(&all),
        [
            "down:db-main",
            "down:db-quiet",
            "down:web",
            "problem:shop-sync",
            "problem:shop-sync",
            "problem:shop-sync"
        ]
    );
    // Several kinds at once; a wrong one is named with the ones there are.
    assert_eq!(alerts(&app, "?kind=down,problem").await.len(), 6);
    assert_eq!(alerts(&app, "?kind=problem").await.len(), 3);
    let (s, e) = app.api("GET", "/api/v1/alerts?kind=down,dawn", None).await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e["error"].as_str().unwrap().contains("kind \"dawn\""),
        "{e}"
    );
    // By tag: any of several.
    assert_eq!(
        names(&alerts(&app, "?tag=db").await),
        ["down:db-main", "down:db-quiet"]
    );
    assert_eq!(alerts(&app, "?tag=web,etl").await.len(), 4);
    assert!(alerts(&app, "?tag=nosuch").await.is_empty());
    // By channel: what it was told of (web has no channel, db-quiet is held).
    assert_eq!(
        names(&alerts(&app, &format!("?channel={ch}")).await),
        [
            "down:db-main",
            "problem:shop-sync",
            "problem:shop-sync",
            "problem:shop-sync"
        ]
    );
    let other = "00000000-0000-4000-8000-000000000000";
    let (s, e) = app
        .api("GET", &format!("/api/v1/alerts?channel={other}"), None)
        .await;
    assert_eq!(s, 404, "{e}");
    let (s, e) = app.api("GET", "/api/v1/alerts?channel=chat", None).await;
    assert_eq!(s, 400, "{e}");
    assert!(e["error"].as_str().unwrap().contains("UUID"), "{e}");
    // Held by quiet hours or a silence.
    let held = alerts(&app, "?held=true").await;
    assert_eq!(names(&held), ["down:db-quiet"]);
    assert_eq!(held[0]["held_by"], "silence");
    assert_eq!(alerts(&app, "?held=false").await.len(), 6);
    let (s, e) = app.api("GET", "/api/v1/alerts?held=yes", None).await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e["error"].as_str().unwrap().contains("true or false"),
        "{e}"
    );

    // The Alerts badge counts rows: three down episodes and shop-sync's problems.
    let (_, summary) = app.api("GET", "/api/v1/summary", None).await;
    assert_eq!(summary["open_alerts"], 6, "{summary}");
    assert_eq!(summary["open_alert_rows"], 4, "{summary}");

    // Bulk resolution: problems resolve (with their problems), down episodes are kept.
    let ids: Vec<i64> = all.iter().map(|a| a["id"].as_i64().unwrap()).collect();
    let problem_ids: Vec<i64> = all
        .iter()
        .filter(|a| a["kind"] == "problem")
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    let down_ids: Vec<i64> = all
        .iter()
        .filter(|a| a["kind"] == "down")
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    let bulk = |body: Value| app.api("POST", "/api/v1/alerts/resolve", Some(body));
    let (s, e) = bulk(json!({"ids": [ids[0], 999_999]})).await;
    assert_eq!(s, 404, "{e}");
    let (s, e) = bulk(json!({"ids": [], "note": "x"})).await;
    assert_eq!(s, 400, "{e}");
    let (s, r) = bulk(json!({"ids": [problem_ids[0]]})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r, json!({"resolved": 1, "already": [], "kept": []}));
    let (s, r) = bulk(json!({"ids": ids})).await;
    assert_eq!(s, 200, "{r}");
    let mut kept = down_ids.clone();
    kept.sort_unstable();
    assert_eq!(
        r,
        json!({"resolved": 2, "already": [problem_ids[0]], "kept": kept})
    );
    let (_, open) = app
        .api(
            "GET",
            &format!("/api/v1/problems?monitor={shop}&status=open"),
            None,
        )
        .await;
    assert_eq!(open["problems"].as_array().unwrap().len(), 0, "{open}");
    assert_eq!(alerts(&app, "?status=open").await.len(), 3);
    let (_, summary) = app.api("GET", "/api/v1/summary", None).await;
    assert_eq!(summary["open_alert_rows"], 3, "{summary}");
    app.stop().await;
}
both!(filters_and_bulk_resolve, filters_and_bulk_resolve);
