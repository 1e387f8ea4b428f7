//! Three `overdue serve` processes on one PostgreSQL; one is killed (SIGKILL) while it
//! holds notifications it claimed: the others take them over when its lease expires,
//! every deadline is evaluated once, and every flip is delivered.

use std::collections::HashSet;
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use overdue_storage::DbUrl;
use serde_json::{json, Value};

use crate::harness::{fresh_database, postgres_available, start_binary, Backend, Receiver};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(db: &str, sql: &str, arg: &str) -> i64 {
    let mut c = DbUrl::parse(db).unwrap().connect().unwrap();
    diesel::sql_query(sql)
        .bind::<Text, _>(arg)
        .get_result::<Count>(&mut c)
        .unwrap()
        .n
}

fn line_value(out: &str, prefix: &str) -> String {
    out.lines()
        .find_map(|l| l.trim().strip_prefix(prefix))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no {prefix:?} in the start-up output:\n{out}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_instance_work_is_taken_over() {
    if postgres_available().is_none() {
        return;
    }
    let db = fresh_database(Backend::Postgres);
    // A 2 s webhook timeout gives a 10 s claim lease.
    let env = [
        ("OVERDUE_WEBHOOK_TIMEOUT", "2s"),
        ("OVERDUE_RETRY_BASE", "1s"),
        ("OVERDUE_WEBHOOK_ALLOW_PRIVATE", "true"),
    ];
    let (mut a, out_a) = start_binary(&db, &env).await;
    let key = line_value(&out_a, "API key:");
    let victim = line_value(&out_a, "Instance id:");
    let (mut b, _) = start_binary(&db, &env).await;
    let (mut c, _) = start_binary(&db, &env).await;
    let http = reqwest::Client::new();
    let api = |base: &str, path: &str, body: Value| {
        http.post(format!("{base}{path}"))
            .header("X-Api-Key", &key)
            .json(&body)
            .send()
    };
    let rx = Receiver::start().await;
    rx.hold(true);
    let ch: Value = api(
        &b.base,
        "/api/v1/channels",
        json!({"name": "hook", "kind": "webhook", "url": rx.url}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let channel = ch["id"].as_str().unwrap().to_string();
    let bases = [a.base.clone(), b.base.clone(), c.base.clone()];
    let mut ids = Vec::new();
    for i in 0..12 {
        let m: Value = api(
            &bases[i % 3],
            "/api/v1/monitors",
            json!({"name": format!("t{i}"), "period": 1, "grace": 1, "channels": [channel]}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let id = m["uuid"].as_str().unwrap().to_string();
        let r = http
            .get(format!("{}/ping/{id}", bases[(i + 1) % 3]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        ids.push(id);
    }
    // The deadlines pass; the receiver hangs, so the instances hold their claims. Wait
    // until the victim holds some, then kill it.
    let held_sql = "SELECT count(*) AS n FROM outbox WHERE locked_by = $1 AND state = 'pending'";
    let mut held = 0;
    for _ in 0..200 {
        held = count(&db, held_sql, &victim);
        if held > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(held > 0, "the victim never claimed a notification");
    a.child.kill().unwrap();
    let _ = a.child.wait();
    rx.hold(false);
    // Taken over after the lease (10 s) and delivered (retries 1 s, 2 s, … apart).
    rx.wait_for(Duration::from_secs(40), |_| {
        ids.iter()
            .all(|id| !rx.events(id, "monitor.down").is_empty())
    })
    .await;
    // The victim's entries are sent by a survivor once its lease expired (the victim
    // may have reached the receiver before it died: such a repeat has the same key).
    let unsent = "SELECT count(*) AS n FROM outbox WHERE state <> $1";
    for _ in 0..400 {
        if count(&db, unsent, "sent") == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for id in &ids {
        // Each deadline was evaluated once: one flip to down per monitor...
        let downs = count(
            &db,
            "SELECT count(*) AS n FROM flips WHERE monitor_id = $1 AND to_status = 'down'",
            id,
        );
        assert_eq!(downs, 1, "monitor {id}: {downs} down flips");
        // ...and it reached the receiver; any repeat carries the same Idempotency-Key.
        let got = rx.events(id, "monitor.down");
        let keys: HashSet<_> = got
            .iter()
            .map(|r| r.header("idempotency-key").unwrap_or("").to_string())
            .collect();
        assert_eq!(keys.len(), 1, "monitor {id}: {} distinct keys", keys.len());
    }
    // What the victim held was re-claimed by a survivor and sent.
    let still_victims = count(
        &db,
        "SELECT count(*) AS n FROM outbox WHERE locked_by = $1",
        &victim,
    );
    assert_eq!(
        still_victims, 0,
        "entries held by the killed instance remain"
    );
    let left = count(&db, unsent, "sent");
    assert_eq!(left, 0, "{left} notifications not sent");
    for p in [&mut b, &mut c] {
        let _ = p.child.kill();
        let _ = p.child.wait();
    }
}
