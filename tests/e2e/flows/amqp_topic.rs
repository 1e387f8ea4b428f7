//! Subscribing where a service already publishes (docs/behaviour.md, "What senders
//! send"), on a RabbitMQ node of the test's own so it can be restarted: the operator
//! binds Overdue's queue to the shop's existing topic exchange with two routing
//! patterns, each feeding a flow through its mapping. The order service's messages go
//! out as they are (extra fields, epoch milliseconds, a message id property); an
//! unknown status is kept aside; the same message id sent again — also after the
//! broker restarted — is applied once; the order's breach names it. On SQLite: the
//! broker's side does not depend on the database (the mapped reading is covered on
//! both databases over HTTP).

use std::time::Duration;

use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions};
use lapin::types::FieldTable;
use lapin::Confirmation;
use lapin::{BasicProperties, ExchangeKind};
use serde_json::{json, Value};

use super::amqp_restart::{connect, open_breaches, text, within, Broker};
use crate::harness::{fresh_database, Backend, TestApp};

const EXCHANGE: &str = "shop.events";

/// Publishes `body` to the shop's exchange with `key` and, when given, a message id,
/// and waits for the broker's confirm that it was routed to a queue and stored. A
/// binding Overdue just made can take a moment to route on the broker (an unroutable
/// message comes back `NO_ROUTE`): the same message is published again until it routes,
/// so the story never waits for a message the broker dropped.
async fn publish(url: &str, key: &str, body: Value, id: Option<&str>) {
    let conn = connect(url)
        .await
        .expect("the test's broker takes a connection");
    let ch = within("a channel", conn.create_channel()).await.unwrap();
    within(
        "publisher confirms",
        ch.confirm_select(ConfirmSelectOptions::default()),
    )
    .await
    .unwrap();
    let mut props = BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into());
    if let Some(id) = id {
        props = props.with_message_id(id.into());
    }
    let payload = body.to_string();
    let mut confirmed = None;
    for _ in 0..100 {
        let published = ch.basic_publish(
            EXCHANGE.into(),
            key.into(),
            BasicPublishOptions {
                mandatory: true,
                ..BasicPublishOptions::default()
            },
            payload.as_bytes(),
            props.clone(),
        );
        let c = within("a publish", async {
            published.await.unwrap().await.unwrap()
        })
        .await;
        if matches!(c, Confirmation::Ack(None)) {
            let _ = within("closing", conn.close(200, "published".into())).await;
            return;
        }
        confirmed = Some(c);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the broker never routed {key} in 10 s: {confirmed:?}");
}

/// The shop's exchange, as the shop declared it long before Overdue came.
async fn declare_exchange(url: &str) {
    let conn = connect(url).await.expect("a connection");
    let ch = within("a channel", conn.create_channel()).await.unwrap();
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    within(
        "declaring the exchange",
        ch.exchange_declare(
            EXCHANGE.into(),
            ExchangeKind::Topic,
            durable,
            FieldTable::default(),
        ),
    )
    .await
    .unwrap();
    let _ = within("closing", conn.close(200, "declared".into())).await;
}

async fn entity(app: &TestApp, flow: &str, id: &str) -> Option<Value> {
    let (s, e) = app
        .api("GET", &format!("/api/v1/flows/{flow}/entities/{id}"), None)
        .await;
    (s == 200).then_some(e)
}

async fn wait_for(app: &TestApp, flow: &str, id: &str, stage: &str) -> Value {
    for _ in 0..600 {
        if let Some(e) = entity(app, flow, id).await {
            if e["stage"] == stage {
                return e;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{flow} {id} never reached {stage}: {:?}",
        entity(app, flow, id).await
    );
}

async fn connected(app: &TestApp) {
    for _ in 0..600 {
        if text(app, "/metrics")
            .await
            .1
            .contains("overdue_amqp_connected 1")
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Overdue never connected to the test's broker");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_order_service_on_a_topic_exchange() {
    let Some(mut broker) = Broker::new() else {
        return;
    };
    broker.start().await;
    let url = broker.url();
    declare_exchange(&url).await;
    let db = fresh_database(Backend::Sqlite);
    let consumer = url.clone();
    let app = TestApp::spawn_on(&db, move |s| {
        s.amqp = Some((consumer, "overdue.shop".to_string()));
        s.amqp_binding.exchange = Some(EXCHANGE.into());
        s.amqp_binding.bindings =
            overdue::config::parse_bindings("orders.#=orders,payments.*=payments").unwrap();
    })
    .await;
    for body in [
        json!({"name": "orders", "stages": [{"name": "placed", "sla": "1h"}, {"name": "authorized", "sla": 2}, {"name": "shipped", "sla": "1d"}], "terminal": ["delivered"],
               "mapping": {"entity": "/orderId", "stage": "status", "at": "timestamp", "time_format": "epoch_millis"}}),
        json!({"name": "payments", "stages": [{"name": "pending", "sla": "1h"}, {"name": "captured", "sla": "1d"}], "terminal": ["settled"],
               "mapping": {"entity": "paymentId", "stage": "state"}}),
    ] {
        let (s, f) = app.api("POST", "/api/v1/flows", Some(body)).await;
        assert_eq!(s, 201, "{f}");
    }
    connected(&app).await;

    // The order service's message, published as it is.
    let order = json!({ "orderId": 12345, "status": "Authorized", "timestamp": 1610118449538_i64, "whatEver": "foo" });
    publish(&url, "orders.status.eu", order.clone(), Some("m-1")).await;
    publish(&url, "orders.status.eu", order.clone(), Some("m-1")).await;
    publish(
        &url,
        "payments.card",
        json!({"paymentId": "p-1", "state": "CAPTURED", "amount": 99.5}),
        Some("p-m-1"),
    )
    .await;
    publish(
        &url,
        "orders.status.eu",
        json!({"orderId": 777, "status": "Lost"}),
        Some("m-2"),
    )
    .await;
    let o = wait_for(&app, "orders", "12345", "authorized").await;
    assert_eq!(o["entered_at"], "2021-01-08T15:07:29+00:00", "{o}");
    assert_eq!(o["attributes"], json!({"whatEver": "foo"}));
    let p = wait_for(&app, "payments", "p-1", "captured").await;
    assert_eq!(p["attributes"], json!({"amount": 99.5}));
    // Kept aside: the unknown status, with its raw message, on the orders flow.
    let mut aside = Value::Null;
    for _ in 0..100 {
        aside = app.api("GET", "/api/v1/kept-aside", None).await.1;
        if aside["count"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(aside["count"], 1, "{aside}");
    assert_eq!(aside["items"][0]["flow"], "orders");
    assert_eq!(aside["items"][0]["source"], "amqp");
    assert!(
        aside["items"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("\"Lost\" is no stage"),
        "{aside}"
    );
    assert_eq!(
        aside["items"][0]["raw"],
        json!({"orderId": 777, "status": "Lost"}).to_string()
    );
    // The order's breach names it (its time says it entered authorized in 2021).
    let mut breached = Vec::new();
    for _ in 0..100 {
        breached = open_breaches(&app).await;
        if !breached.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        breached
            .iter()
            .any(|b| b.contains("12345 stuck in authorized")),
        "{breached:?}"
    );

    // The broker restarts on the same data: the durable queue keeps its bindings.
    broker.stop().await;
    broker.start().await;
    connected(&app).await;
    publish(&url, "orders.status.eu", order.clone(), Some("m-1")).await;
    publish(
        &url,
        "orders.status.eu",
        json!({"orderId": 12345, "status": "Shipped"}),
        Some("m-3"),
    )
    .await;
    publish(
        &url,
        "payments.card",
        json!({"paymentId": "p-1", "state": "settled"}),
        None,
    )
    .await;
    wait_for(&app, "payments", "p-1", "settled").await;
    let o = wait_for(&app, "orders", "12345", "shipped").await;
    let stages: Vec<&str> = o["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        ["authorized", "shipped"],
        "m-1 applied once, before and after the restart: {o}"
    );
    // Moving on resolves the breach (no time in the body: it shipped on arrival).
    let stuck = |open: &[String]| open.iter().any(|b| b.contains("12345 stuck in authorized"));
    for _ in 0..100 {
        if !stuck(&open_breaches(&app).await) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let open = open_breaches(&app).await;
    assert!(!stuck(&open), "shipped resolves it: {open:?}");
    app.stop().await;
    broker.stop().await;
}
