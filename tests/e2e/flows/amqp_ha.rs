//! Flow events from RabbitMQ under trouble (docs/behaviour.md, "Flows (entity SLAs)"), on
//! PostgreSQL: two instances
//! consume one queue, one is killed (-9) with messages taken and not acknowledged, and
//! the broker drops the survivor's connection: every event is applied, none twice —
//! each entity ends where its events say, with at most one applied event per stage.

use std::process::Command;
use std::time::Duration;

use diesel::prelude::*;
use lapin::options::{BasicPublishOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use serde_json::json;

use crate::harness::{fresh_database, start_binary, Backend, TestApp};

const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// Closes the broker's connections named `name` (as a broker restart would): whether
/// one was closed, or `None` without rabbitmqctl (said on stderr).
fn drop_connections(name: &str) -> Option<bool> {
    let Ok(out) = Command::new("rabbitmqctl")
        .args(["-q", "list_connections", "pid", "client_properties"])
        .output()
    else {
        eprintln!("rabbitmqctl not found: the connection drop is not exercised");
        return None;
    };
    if !out.status.success() {
        eprintln!("rabbitmqctl cannot list connections here: the connection drop is not exercised");
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut closed = false;
    for line in text.lines().filter(|l| l.contains(name)) {
        if let Some(pid) = line.split_whitespace().next() {
            let ok = Command::new("rabbitmqctl")
                .args(["-q", "close_connection", pid, "test: broker drop"])
                .status()
                .is_ok_and(|s| s.success());
            closed |= ok;
        }
    }
    Some(closed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_a_kill_and_a_drop() {
    let Ok(conn) = Connection::connect(URL, ConnectionProperties::default()).await else {
        assert!(std::env::var("CI").is_err(), "RabbitMQ is needed in CI");
        return;
    };
    let ch = conn.create_channel().await.unwrap();
    let n: u64 = rand::random();
    let queue = format!("overdue-ha-{n:x}");
    ch.queue_declare(
        queue.as_str().into(),
        QueueDeclareOptions::durable(),
        FieldTable::default(),
    )
    .await
    .unwrap();
    let db = fresh_database(Backend::Postgres);
    let env = [
        ("OVERDUE_AMQP_URL", URL),
        ("OVERDUE_AMQP_QUEUE", queue.as_str()),
    ];
    let (mut a, out) = start_binary(&db, &env).await;
    let key = out
        .lines()
        .find(|l| l.contains("API key:"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap()
        .to_string();
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/api/v1/flows", a.base))
        .header("X-Api-Key", &key)
        .json(&json!({"name": "orders", "stages": [{"name": "placed", "sla": "1h"}, {"name": "shipped", "sla": "1h"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let q = queue.clone();
    let b = TestApp::spawn_on(&db, move |s| s.amqp = Some((URL.into(), q))).await;
    // 1,000 entities placed then shipped: 2,000 messages shared by the two consumers.
    let publish = |body: String| {
        let ch = ch.clone();
        let queue = queue.clone();
        async move {
            ch.basic_publish(
                "".into(),
                queue.as_str().into(),
                BasicPublishOptions::default(),
                body.as_bytes(),
                BasicProperties::default(),
            )
            .await
            .unwrap()
            .await
            .unwrap();
        }
    };
    for stage in ["placed", "shipped"] {
        for i in 0..1_000 {
            publish(format!(
                r#"{{"flow": "orders", "entity": "m{i}", "stage": "{stage}"}}"#
            ))
            .await;
        }
        if stage == "placed" {
            // A is killed while it holds messages it has not acknowledged.
            tokio::time::sleep(Duration::from_millis(30)).await;
            a.child.kill().unwrap();
            let _ = a.child.wait();
        }
    }
    // The broker drops the survivor's connection (as a restart would): it reconnects.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let dropped = drop_connections(&format!("overdue flow events {queue}"));
    assert_ne!(
        dropped,
        Some(false),
        "the consumer's connection was found and closed"
    );
    for i in 0..100 {
        publish(format!(
            r#"{{"flow": "orders", "entity": "late{i}", "stage": "placed"}}"#
        ))
        .await;
    }
    let mut c = overdue_storage::DbUrl::parse(&db)
        .unwrap()
        .connect()
        .unwrap();
    use overdue_storage::base::schema::{flow_entities, flow_events};
    let mut done = false;
    for _ in 0..300 {
        let shipped: i64 = flow_entities::table
            .filter(flow_entities::stage.eq("shipped"))
            .count()
            .get_result(&mut c)
            .unwrap();
        let late: i64 = flow_entities::table
            .filter(flow_entities::entity.like("late%"))
            .count()
            .get_result(&mut c)
            .unwrap();
        if shipped == 1_000 && late == 100 {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        done,
        "every event applied (dropped connection exercised: {dropped:?})"
    );
    // None twice: per entity at most one applied event per stage.
    let applied: Vec<(String, String)> = flow_events::table
        .filter(flow_events::applied.eq(true))
        .select((flow_events::entity, flow_events::stage))
        .load(&mut c)
        .unwrap();
    let mut seen = std::collections::HashSet::new();
    for pair in &applied {
        assert!(seen.insert(pair.clone()), "{pair:?} applied twice");
    }
    let metrics = b
        .http
        .get(b.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("overdue_amqp_connected 1"), "{metrics}");
    b.stop().await;
    ch.queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await
        .unwrap();
}
