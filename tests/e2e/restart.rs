//! Restarts: the outage rule, and kill -9 (20 times, at random moments) under load
//! losing no acknowledged ping.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::harness::{fresh_database, Backend, TestApp};

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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Proc {
    child: Child,
    base: String,
}

/// Starts the real binary and waits until it answers; returns its stdout's first lines.
async fn start_binary(db: &str) -> (Proc, String) {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_overdue"))
        .arg("serve")
        .env("DATABASE_URL", db)
        .env("OVERDUE_LISTEN", format!("127.0.0.1:{port}"))
        .env("OVERDUE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = http.get(format!("{base}/health/ready")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut out = String::new();
    if let Some(stdout) = child.stdout.take() {
        use std::io::{BufRead, BufReader};
        let mut lines = BufReader::new(stdout).lines();
        while let Some(Ok(line)) = lines.next() {
            let last = line.starts_with("Overdue is listening");
            out.push_str(&line);
            out.push('\n');
            if last {
                break;
            }
        }
    }
    (Proc { child, base }, out)
}

async fn kill9(backend: Backend) {
    let db = fresh_database(backend);
    let (mut proc, out) = start_binary(&db).await;
    let key = out
        .lines()
        .find(|l| l.contains("API key:"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap()
        .to_string();
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    for i in 0..4 {
        let r: serde_json::Value = http
            .post(format!("{}/api/v1/monitors", proc.base))
            .header("X-Api-Key", &key)
            .json(&json!({"name": format!("k{i}")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(r["id"].as_str().unwrap().to_string());
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
        let (p, _) = start_binary(&db).await;
        proc = p;
        for (id, (sent, got)) in &acked {
            let m: serde_json::Value = http
                .get(format!("{}/api/v3/checks/{id}", proc.base))
                .header("X-Api-Key", &key)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
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
    let _ = proc.child.kill();
    let _ = proc.child.wait();
}
both!(kill9_loses_no_acknowledged_ping, kill9);
