//! Restarts: the outage rule, and kill -9 (20 times, at random moments) under load
//! losing no acknowledged ping.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::harness::{fresh_database, start_binary, Backend, Receiver, TestApp};

async fn outage(backend: Backend) {
    let db = fresh_database(backend);
    let app = TestApp::spawn_on(&db, |_| {}).await;
    let id = app
        .monitor(json!({"name": "o", "period": 1, "grace": 2}))
        .await;
    assert_eq!(app.ping(&id).await, 200);
    tokio::time::sleep(Duration::from_millis(1_100)).await; // one heartbeat
    app.stop().await;
    // The deadline (ping + 3 s) passes while Overdue is down.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let app = TestApp::spawn_on(&db, |_| {}).await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let m = app.get_monitor(&id).await;
    assert_eq!(
        m["status"], "up",
        "a deadline missed during the outage must get its grace again: {m}"
    );
    // …and goes down once the grace from start-up has passed.
    let m = app.wait_status(&id, "down", Duration::from_secs(4)).await;
    assert_eq!(m["down_reason"], "missed");
    app.stop().await;
}
both!(outage_rule, outage);

async fn get_json(http: &reqwest::Client, key: &str, url: &str) -> serde_json::Value {
    http.get(url)
        .header("X-Api-Key", key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn post_json(
    http: &reqwest::Client,
    key: &str,
    url: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    http.post(url)
        .header("X-Api-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Short webhook timeout (a 10 s claim lease) and retries, for the flips checked below.
const KILL_ENV: [(&str, &str); 3] = [
    ("OVERDUE_WEBHOOK_TIMEOUT", "2s"),
    ("OVERDUE_RETRY_BASE", "1s"),
    ("OVERDUE_WEBHOOK_ALLOW_PRIVATE", "true"),
];

async fn kill9(backend: Backend) {
    let db = fresh_database(backend);
    let (mut proc, out) = start_binary(&db, &KILL_ENV).await;
    let key = out
        .lines()
        .find(|l| l.contains("API key:"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap()
        .to_string();
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    for i in 0..4 {
        let r = post_json(
            &http,
            &key,
            &format!("{}/api/v1/monitors", proc.base),
            json!({"name": format!("k{i}")}),
        )
        .await;
        ids.push(r["uuid"].as_str().unwrap().to_string());
    }
    // Monitors that go down while the kills go on (deadlines 2..9 s after their one
    // ping), each with a webhook: no flip may be lost or made twice across the kills.
    let rx = Receiver::start().await;
    let ch = post_json(
        &http,
        &key,
        &format!("{}/api/v1/channels", proc.base),
        json!({"kind": "webhook", "name": "hook", "url": rx.url}),
    )
    .await;
    let mut flipping = Vec::new();
    for i in 0..8 {
        let r = post_json(
            &http,
            &key,
            &format!("{}/api/v1/monitors", proc.base),
            json!({"name": format!("f{i}"), "period": 1 + i, "grace": 1, "channels": [ch["id"]]}),
        )
        .await;
        let id = r["uuid"].as_str().unwrap().to_string();
        let s = http
            .get(format!("{}/ping/{id}", proc.base))
            .send()
            .await
            .unwrap();
        assert_eq!(s.status(), 200);
        flipping.push(id);
    }
    // Cumulative (sent, acknowledged) per monitor over all rounds.
    let mut acked: HashMap<String, (u64, u64)> = HashMap::new();
    for round in 0..20 {
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for w in 0..16 {
            let (http, base, id, stop) = (
                http.clone(),
                proc.base.clone(),
                ids[w % ids.len()].clone(),
                stop.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let (mut sent, mut acked) = (0u64, 0u64);
                while !stop.load(Ordering::Relaxed) {
                    sent += 1;
                    match http
                        .post(format!("{base}/ping/{id}"))
                        .body("x")
                        .send()
                        .await
                    {
                        Ok(r) if r.status() == 200 => acked += 1,
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                (id, sent, acked)
            }));
        }
        // A random moment: 150-650 ms into the load.
        tokio::time::sleep(Duration::from_millis(150 + rand::random::<u64>() % 500)).await;
        proc.child.kill().unwrap(); // SIGKILL
        let _ = proc.child.wait();
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let (id, s, a) = t.await.unwrap();
            let e = acked.entry(id).or_default();
            e.0 += s;
            e.1 += a;
        }
        let (p, _) = start_binary(&db, &KILL_ENV).await;
        proc = p;
        for (id, (sent, got)) in &acked {
            let m = get_json(&http, &key, &format!("{}/api/v3/checks/{id}", proc.base)).await;
            let n = m["n_pings"].as_u64().unwrap();
            assert!(
                n >= *got,
                "round {round}: monitor {id} has {n} pings, {got} were acknowledged"
            );
            assert!(
                n <= *sent,
                "round {round}: monitor {id} has {n} pings, only {sent} were sent"
            );
        }
        assert!(
            acked.values().map(|v| v.1).sum::<u64>() > 0,
            "no ping was acknowledged before the kill"
        );
    }
    // Every flipping monitor went down exactly once, and its notification arrived; a
    // repeat after a kill between sending and recording carries the same key.
    rx.wait_for(Duration::from_secs(40), |_| {
        flipping
            .iter()
            .all(|id| !rx.events(id, "monitor.down").is_empty())
    })
    .await;
    for id in &flipping {
        let flips = get_json(
            &http,
            &key,
            &format!("{}/api/v1/monitors/{id}/flips", proc.base),
        )
        .await;
        let flips = flips["flips"].as_array().unwrap();
        assert_eq!(flips.len(), 2, "monitor {id}: new→up, up→down: {flips:?}");
        assert_eq!(flips[0]["to"], "down", "{flips:?}");
        let keys: std::collections::HashSet<String> = rx
            .events(id, "monitor.down")
            .iter()
            .map(|r| r.header("idempotency-key").unwrap_or("").to_string())
            .collect();
        assert_eq!(keys.len(), 1, "monitor {id}: {keys:?}");
    }
    let received: usize = flipping
        .iter()
        .map(|id| rx.events(id, "monitor.down").len())
        .sum();
    eprintln!(
        "kill9: {} flips, {received} deliveries received (repeats carry the same key)",
        flipping.len()
    );
    let _ = proc.child.kill();
    let _ = proc.child.wait();
}
both!(kill9_loses_no_acknowledged_ping, kill9);
