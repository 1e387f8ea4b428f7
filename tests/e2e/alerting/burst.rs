//! A burst of deadlines: hundreds of monitors due in the same instant each go down once,
//! with one message that names its own alert, a link that acknowledges it, and a
//! recovery that resolves it. On PostgreSQL a deadline job writes these rows at its end,
//! one statement per table, with alert ids taken from the sequence beforehand
//! (docs/architecture.md, "A burst of flips"): more monitors than one block of ids and
//! one job of the scheduler.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, Received, TestApp};

/// More than a block of alert ids (256) and a scheduler job (200).
const N: usize = 300;

async fn a_burst_of_misses(backend: Backend) {
    let (app, rx, ch) = TestApp::spawn_with_receiver(backend).await;
    let mut ids = Vec::with_capacity(N);
    for i in 0..N {
        ids.push(
            app.monitor(
                json!({"name": format!("job{i}"), "period": "5s", "grace": "1s", "channels": [ch]}),
            )
            .await,
        );
    }
    // Pinged together, so all fall due within a few hundred milliseconds: one burst
    // (a new monitor waits for its first ping).
    let pings = futures_util::future::join_all(ids.iter().map(|m| app.ping(m))).await;
    assert!(pings.iter().all(|s| *s == 200), "{pings:?}");
    let is_down = |r: &Received| r.json()["event"] == "monitor.down";
    rx.wait_for(Duration::from_secs(60), |all| {
        all.iter().filter(|r| is_down(r)).count() >= N
    })
    .await;
    app.settled().await;
    let downs: Vec<Value> = rx
        .all()
        .iter()
        .filter(|r| is_down(r))
        .map(|r| r.json())
        .collect();
    assert_eq!(downs.len(), N, "one message per monitor, none twice");
    let monitors: HashSet<&str> = downs
        .iter()
        .map(|d| d["monitor"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(monitors.len(), N, "every monitor told once");
    let alert_ids: HashSet<i64> = downs
        .iter()
        .map(|d| d["alert"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(alert_ids.len(), N, "each message names its own alert");
    for d in &downs {
        assert_eq!(d["alert"]["transition"], "trigger", "{d}");
        assert!(d["alert"]["ack_url"].as_str().is_some(), "{d}");
        assert_eq!(d["reason"], "missed", "{d}");
    }
    // The alerts are stored under the ids their messages name.
    let (s, list) = app
        .api(
            "GET",
            "/api/v1/alerts?limit=500&kind=down&status=open",
            None,
        )
        .await;
    assert_eq!(s, 200, "{list}");
    let stored: HashSet<i64> = list["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(stored, alert_ids);
    // A link acknowledges its alert (its token was stored with it).
    let by_monitor: HashMap<String, &Value> = downs
        .iter()
        .map(|d| (d["monitor"]["id"].as_str().unwrap().to_string(), d))
        .collect();
    let first = &downs[0];
    let ack = first["alert"]["ack_url"].as_str().unwrap();
    let done = app.http.post(ack).send().await.unwrap();
    assert_eq!(done.status(), 200);
    let (_, list) = app
        .api(
            "GET",
            "/api/v1/alerts?limit=500&kind=down&status=acknowledged",
            None,
        )
        .await;
    let acked: Vec<i64> = list["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(acked, vec![first["alert"]["id"].as_i64().unwrap()]);
    // Each monitor's history has its flip; a recovery resolves the alert its down named.
    for m in [&ids[0], &ids[N / 2], &ids[N - 1]] {
        let (_, f) = app
            .api("GET", &format!("/api/v1/monitors/{m}/flips"), None)
            .await;
        let went_down = f["flips"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["from"] == "up" && x["to"] == "down");
        assert!(went_down, "{f}");
        assert_eq!(app.ping(m).await, 200);
        rx.wait_for(Duration::from_secs(20), |_| {
            !rx.events(m, "monitor.up").is_empty()
        })
        .await;
        let up = rx.events(m, "monitor.up")[0].json();
        assert_eq!(up["alert"]["transition"], "resolve", "{up}");
        let public = overdue_core::PublicRef::of(m).to_string();
        assert_eq!(
            up["alert"]["id"], by_monitor[&public]["alert"]["id"],
            "the recovery names the down's alert"
        );
    }
    app.stop().await;
}
both!(a_burst_of_deadlines, a_burst_of_misses);
