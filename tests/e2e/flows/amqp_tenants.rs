//! A broker queue belongs to one project (issue 27, docs/behaviour.md "Flows (entity SLAs)"): another tenant's
//! flow of the same name never takes its events, and an instance of several projects
//! refuses to start without being told which one the queue feeds. One message of
//! 100,000 events is applied in short transactions: pings sent meanwhile are all
//! answered, none waits behind the whole message. Both databases.

use std::time::{Duration, Instant};

use lapin::options::{BasicPublishOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use serde_json::json;

use crate::harness::{fresh_database, Backend, TestApp};

const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const ORDERS: &str = r#"{"name": "orders", "stages": [{"name": "placed", "sla": "1d"}, {"name": "shipped", "sla": "1d"}]}"#;

async fn tenants(backend: Backend) {
    let ch = match Connection::connect(URL, ConnectionProperties::default()).await {
        Ok(c) => c.create_channel().await.unwrap(),
        Err(e) => {
            assert!(
                std::env::var("CI").is_err(),
                "RabbitMQ is needed in CI: {e}"
            );
            return;
        }
    };
    let queue = format!("overdue-tenants-{:x}", rand::random::<u64>());
    let temp = QueueDeclareOptions {
        auto_delete: true,
        ..QueueDeclareOptions::default()
    };
    ch.queue_declare(queue.as_str().into(), temp, FieldTable::default())
        .await
        .unwrap();
    let db = fresh_database(backend);
    let q = queue.clone();
    let app = TestApp::spawn_on(&db, move |s| s.amqp = Some((URL.into(), q))).await;
    let orders: serde_json::Value = serde_json::from_str(ORDERS).unwrap();
    let (s, f) = app.api("POST", "/api/v1/flows", Some(orders.clone())).await;
    assert_eq!(s, 201, "{f}");
    // Another tenant, with a flow of the same name, made after the start.
    let other = app
        .store
        .write(move |tx| overdue_storage::people::projects::create(tx, "other tenant"))
        .await
        .unwrap();
    let (s, f) = app
        .api_with(&other.api_key, "POST", "/api/v1/flows", Some(orders))
        .await;
    assert_eq!(s, 201, "{f}");

    // One message of 100,000 events, with pings all the while.
    let id = app.monitor(json!({"name": "steady", "period": "1h"})).await;
    let events: Vec<_> = (0..100_000)
        .map(|i| json!({"flow": "orders", "entity": format!("o{i}"), "stage": "placed"}))
        .collect();
    let body = serde_json::to_vec(&events).unwrap();
    ch.basic_publish(
        "".into(),
        queue.as_str().into(),
        BasicPublishOptions::default(),
        &body,
        BasicProperties::default(),
    )
    .await
    .unwrap()
    .await
    .unwrap();
    let started = Instant::now();
    let mut waits = Vec::new();
    loop {
        let t = Instant::now();
        assert_eq!(app.ping(&id).await, 200);
        waits.push(t.elapsed());
        let (s, e) = app
            .api("GET", "/api/v1/flows/orders/entities/o99999", None)
            .await;
        if s == 200 {
            assert_eq!(e["stage"], "placed", "{e}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "never applied"
        );
    }
    // Not a timing target (a debug build on a shared machine): the whole message took
    // longer than any ping waited, so pings were not queued behind it.
    waits.sort_unstable();
    let slowest = waits.last().copied().unwrap_or_default();
    let p99 = waits[(waits.len() * 99 / 100).min(waits.len() - 1)];
    eprintln!(
        "100,000 events in {:?}; {} pings meanwhile, p99 {p99:?}, slowest {slowest:?}",
        started.elapsed(),
        waits.len()
    );
    assert!(waits.len() > 1);
    assert!(
        slowest < started.elapsed() / 2,
        "a ping waited {slowest:?} of the message's {:?}",
        started.elapsed()
    );
    let (s, _) = app
        .api_with(
            &other.api_key,
            "GET",
            "/api/v1/flows/orders/entities/o1",
            None,
        )
        .await;
    assert_eq!(
        s, 404,
        "the other tenant's flow of the same name got nothing"
    );

    // Two projects and no OVERDUE_AMQP_PROJECT: refused at start, saying what to set.
    let e = overdue::amqp_project(&app.store, None).await.unwrap_err();
    assert!(e.to_string().contains("OVERDUE_AMQP_PROJECT"), "{e}");
    let mine = overdue::amqp_project(&app.store, Some("other tenant".into()))
        .await
        .unwrap();
    assert_ne!(mine, "");
    assert!(overdue::amqp_project(&app.store, Some("nobody".into()))
        .await
        .is_err());
    app.stop().await;
}
// Plain tests, outside the story budget: alone the story takes 20 s, but applying
// 100,000 events in a debug build took over 150 s in two full runs of session 32 while
// the browser stories held a core (docs/benchmarks.md, "The suite's time"). It waits on
// a condition (the last entity applied, 600 s at most), never a fixed time.
mod a_queue_feeds_one_project_in_short_transactions {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::tenants(crate::harness::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(()) = crate::harness::postgres_available() {
            super::tenants(crate::harness::Backend::Postgres).await;
        }
    }
}
