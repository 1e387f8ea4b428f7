//! Flow events from the RabbitMQ on this machine (docs/behaviour.md, "Flows (entity
//! SLAs)"), on both databases: one
//! event or a list per message, `at` from the body or the message's timestamp, stored
//! then acknowledged; malformed messages kept aside (listed with their raw text) and
//! rejected without requeue into the queue's dead-letter queue, counted on `/metrics`; a redelivered event harmless; a breach
//! of a consumed entity alerts like one sent over HTTP.

use std::time::Duration;

use lapin::options::{BasicGetOptions, BasicPublishOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use serde_json::{json, Value};

use crate::both;
use crate::harness::{fresh_database, Backend, TestApp};

const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

async fn broker() -> Option<Channel> {
    match Connection::connect(URL, ConnectionProperties::default()).await {
        Ok(c) => Some(c.create_channel().await.unwrap()),
        Err(e) => {
            assert!(
                std::env::var("CI").is_err(),
                "RabbitMQ is needed in CI: {e}"
            );
            eprintln!("skipped: no RabbitMQ at {URL}: {e}");
            None
        }
    }
}

async fn publish(ch: &Channel, queue: &str, body: &[u8], props: BasicProperties) {
    ch.basic_publish(
        "".into(),
        queue.into(),
        BasicPublishOptions::default(),
        body,
        props,
    )
    .await
    .unwrap()
    .await
    .unwrap();
}

async fn entity(app: &TestApp, id: &str) -> Option<Value> {
    let (s, e) = app
        .api("GET", &format!("/api/v1/flows/orders/entities/{id}"), None)
        .await;
    (s == 200).then_some(e)
}

async fn wait_entity(app: &TestApp, id: &str, pred: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        if let Some(e) = entity(app, id).await {
            if pred(&e) {
                return e;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("entity {id} never got there: {:?}", entity(app, id).await);
}

async fn consumes_flow_events(backend: Backend) {
    let Some(ch) = broker().await else { return };
    let n: u64 = rand::random();
    let (queue, dead) = (
        format!("overdue-test-{n:x}"),
        format!("overdue-test-{n:x}-dead"),
    );
    let temp = QueueDeclareOptions {
        auto_delete: true,
        ..QueueDeclareOptions::default()
    };
    ch.queue_declare(dead.as_str().into(), temp, FieldTable::default())
        .await
        .unwrap();
    // An existing queue with a dead-letter exchange: used as it is.
    let mut args = FieldTable::default();
    args.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString("".into()),
    );
    args.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(dead.as_str().into()),
    );
    ch.queue_declare(queue.as_str().into(), temp, args)
        .await
        .unwrap();

    let db = fresh_database(backend);
    let q = queue.clone();
    let app = TestApp::spawn_on(&db, move |s| s.amqp = Some((URL.into(), q))).await;
    let (s, f) = app
        .api("POST", "/api/v1/flows", Some(json!({"name": "orders", "stages": [{"name": "placed", "sla": 2}, {"name": "shipped", "sla": "1d"}], "terminal": ["delivered"]})))
        .await;
    assert_eq!(s, 201, "{f}");

    publish(
        &ch,
        &queue,
        br#"{"flow": "orders", "entity": "a1", "stage": "placed"}"#,
        BasicProperties::default(),
    )
    .await;
    let sent = chrono::Utc::now().timestamp() as u64 - 60;
    publish(
        &ch,
        &queue,
        br#"[{"flow": "orders", "entity": "a2", "stage": "shipped"}, {"flow": "orders", "entity": "a3", "stage": "delivered", "at": "2026-01-01T00:00:00Z"}]"#,
        BasicProperties::default().with_timestamp(sent),
    )
    .await;
    publish(&ch, &queue, b"{not json", BasicProperties::default()).await;
    publish(
        &ch,
        &queue,
        br#"{"flow": "orders", "entity": "a4", "stage": "lost"}"#,
        BasicProperties::default(),
    )
    .await;
    // A redelivery (the same event again) changes nothing.
    publish(
        &ch,
        &queue,
        br#"{"flow": "orders", "entity": "a1", "stage": "placed"}"#,
        BasicProperties::default(),
    )
    .await;

    let a1 = wait_entity(&app, "a1", |e| e["history"].as_array().unwrap().len() == 2).await;
    assert_eq!(a1["stage"], "placed");
    assert_eq!(a1["history"][1]["applied"], false);
    let a2 = wait_entity(&app, "a2", |_| true).await;
    let entered = chrono::DateTime::parse_from_rfc3339(a2["entered_at"].as_str().unwrap()).unwrap();
    assert_eq!(
        entered.timestamp() as u64,
        sent,
        "the message's timestamp is the event's time"
    );
    let a3 = wait_entity(&app, "a3", |_| true).await;
    assert_eq!(a3["entered_at"], "2026-01-01T00:00:00+00:00");
    assert!(a3["finished_at"].is_string());
    assert!(
        entity(&app, "a4").await.is_none(),
        "a refused message leaves nothing"
    );
    // The malformed two went to the dead-letter queue, not back to the queue.
    let mut dead_bodies = Vec::new();
    for _ in 0..50 {
        if let Some(m) = ch
            .basic_get(dead.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap()
        {
            dead_bodies.push(String::from_utf8_lossy(&m.delivery.data).to_string());
            if dead_bodies.len() == 2 {
                break;
            }
        } else {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    dead_bodies.sort();
    assert_eq!(
        dead_bodies,
        [
            r#"{"flow": "orders", "entity": "a4", "stage": "lost"}"#,
            "{not json"
        ]
    );
    // Both are kept aside with their raw text: the unknown stage on its flow, the
    // unreadable one on none.
    let (_, aside) = app.api("GET", "/api/v1/kept-aside", None).await;
    assert_eq!(aside["count"], 2, "{aside}");
    let mut kept: Vec<(Value, String)> = aside["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["flow"].clone(), i["raw"].as_str().unwrap().to_string()))
        .collect();
    kept.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        kept,
        [
            (
                json!("orders"),
                r#"{"entity":"a4","flow":"orders","stage":"lost"}"#.to_string()
            ),
            (Value::Null, "{not json".to_string())
        ]
    );
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("overdue_amqp_connected 1"), "{metrics}");
    assert!(
        metrics.contains("overdue_amqp_messages_total{result=\"stored\"} 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("overdue_amqp_messages_total{result=\"rejected\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("overdue_amqp_kept_aside_total 2"),
        "{metrics}"
    );
    // a1 breaches 2 s after it was placed, as over HTTP.
    let mut breached = false;
    for _ in 0..60 {
        let (_, open) = app.api("GET", "/api/v1/alerts?status=open", None).await;
        if open["alerts"].as_array().unwrap().iter().any(|a| {
            a["kind"] == "flow"
                && a["summary"]
                    .as_str()
                    .unwrap()
                    .starts_with("orders: a1 stuck in placed")
        }) {
            breached = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(breached, "a1's breach opened");
    app.stop().await;
    ch.queue_delete(queue.as_str().into(), Default::default())
        .await
        .unwrap();
}
both!(consumes_flow_events, consumes_flow_events);

/// Events may still sit in the broker's queue: a breach waits until the queue is
/// known to be applied up to its time. Here the broker cannot be reached, the last
/// time the queue was seen drained is a minute ago, and an entity's SLA passes: no
/// breach, and readiness (about the database) says the broker is away; once the queue
/// is known drained up to now, the breach opens.
async fn breaches_wait_for_the_broker(backend: Backend) {
    let db = fresh_database(backend);
    let app = TestApp::spawn_on(&db, |s| {
        s.amqp = Some((
            "amqp://guest:guest@127.0.0.1:1/%2f".into(),
            "nowhere".into(),
        ))
    })
    .await;
    let minute_ago = overdue_core::Timestamp(app.store.now().0 - 60_000);
    app.store
        .write(move |tx| overdue_storage::base::service::caught_up(tx.conn(), minute_ago))
        .await
        .unwrap();
    let (s, f) = app
        .api(
            "POST",
            "/api/v1/flows",
            Some(json!({"name": "orders", "stages": [{"name": "placed", "sla": 1}]})),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    let (s, _) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(json!([{"entity": "w1", "stage": "placed"}])),
        )
        .await;
    assert_eq!(s, 200);
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let (_, open) = app.api("GET", "/api/v1/alerts?status=open", None).await;
    assert_eq!(
        open["alerts"],
        json!([]),
        "the breach waits for the backlog"
    );
    let ready = app.http.get(app.url("/health/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert!(ready
        .text()
        .await
        .unwrap()
        .contains("flow events broker: disconnected"));
    let now = app.store.now();
    app.store
        .write(move |tx| overdue_storage::base::service::caught_up(tx.conn(), now))
        .await
        .unwrap();
    let mut opened = false;
    for _ in 0..50 {
        let (_, open) = app.api("GET", "/api/v1/alerts?status=open", None).await;
        if open["alerts"].as_array().unwrap().len() == 1 {
            opened = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(opened, "the breach opens once the queue is known drained");
    app.stop().await;
}
both!(breaches_wait_for_the_broker, breaches_wait_for_the_broker);
