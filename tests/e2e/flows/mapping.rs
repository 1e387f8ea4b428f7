//! Flows that read the events services already publish (docs/behaviour.md, "Flows
//! (entity SLAs)", "Mappings"), on both databases: an order service's own message moves
//! order 12345 to `authorized`, the breach names it, the fields not mapped are kept as
//! the entity's attributes (its page, the NDJSON export); a mapping is configuration,
//! checked strictly; a message it cannot map is refused naming the path and the value.

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};

async fn mapped_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let flow = json!({
        "name": "orders",
        "stages": [{"name": "placed", "sla": "1h"}, {"name": "authorized", "sla": 1}],
        "terminal": ["delivered"],
        "mapping": {"entity": "/orderId", "stage": "status", "at": "timestamp",
                    "time_format": "epoch_millis", "stages": {"Shipped out": "delivered"}}
    });
    let (s, f) = app.api("POST", "/api/v1/flows", Some(flow)).await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(f["mapping"]["entity"], "/orderId", "{f}");
    // The service's message as it publishes it, extra fields and all.
    let now_ms = chrono::Utc::now().timestamp_millis();
    let msg = json!({"orderId": 12345, "status": "Authorized", "timestamp": now_ms,
                     "whatEver": "foo", "customer": "ACME", "amount": 99.5});
    let (s, r) = app
        .api("POST", "/api/v1/flows/orders/events", Some(msg))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["applied"], 1, "{r}");
    let (s, e) = app
        .api("GET", "/api/v1/flows/orders/entities/12345", None)
        .await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["stage"], "authorized", "{e}");
    assert_eq!(
        e["attributes"],
        json!({"amount": 99.5, "customer": "ACME", "whatEver": "foo"}),
        "{e}"
    );
    // Its SLA of one second passes: the breach names the order.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let (_, open) = app
            .api("GET", "/api/v1/alerts?status=open&kind=flow", None)
            .await;
        let summaries: Vec<String> = open["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["summary"].as_str().unwrap_or_default().to_string())
            .collect();
        if summaries
            .iter()
            .any(|s| s.contains("12345 stuck in authorized"))
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no breach: {summaries:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The export carries the attributes, for a dashboard that filters by customer.
    let r = app
        .http
        .get(app.url("/api/v1/flows/orders/events.ndjson"))
        .header("X-Api-Key", &app.api_key)
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    let line: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(line["entity"], "12345", "{text}");
    assert_eq!(line["attributes"]["customer"], "ACME", "{text}");
    // The table maps a value; matching is case-insensitive; a batch of several.
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(json!([
                {"orderId": "A-7", "status": "PLACED", "timestamp": now_ms},
                {"orderId": 12345, "status": "Shipped out", "timestamp": now_ms + 1}
            ])),
        )
        .await;
    assert_eq!((s, r["stored"].clone()), (200, json!(2)), "{r}");
    let (_, e) = app
        .api("GET", "/api/v1/flows/orders/entities/12345", None)
        .await;
    assert_eq!(e["stage"], "delivered", "{e}");
    // What cannot be mapped is kept aside and answered 422, naming the path and the
    // value; nothing of it moves an entity.
    for (msg, says) in [
        (
            json!({"status": "placed"}),
            "events[0]: no entity at /orderId",
        ),
        (
            json!({"orderId": 1, "status": "Lost"}),
            "events[0]: status: \"Lost\" is no stage of this flow",
        ),
        (
            json!({"orderId": 1, "status": "placed", "timestamp": "soon"}),
            "events[0]: timestamp:",
        ),
    ] {
        let (s, v) = app
            .api("POST", "/api/v1/flows/orders/events", Some(msg.clone()))
            .await;
        assert_eq!(s, 422, "{msg}: {v}");
        assert!(v["error"].as_str().unwrap().contains(says), "{msg}: {v}");
        assert_eq!(v["kept_aside"], 1, "{v}");
    }
    // A mapping is configuration: checked strictly, in words.
    for (mapping, says) in [
        (
            json!({"entity": "/id", "stage": "s", "colour": 1}),
            "mapping: unknown field \"colour\"",
        ),
        (json!({"entity": "a..b", "stage": "s"}), "mapping.entity"),
        (
            json!({"entity": "id", "stage": "s", "stages": {"X": "nope"}}),
            "mapping.stages: \"X\" maps to \"nope\", which is not a stage of this flow",
        ),
        (
            json!({"entity": "id", "stage": "s", "time_format": "ticks"}),
            "mapping",
        ),
    ] {
        let (s, v) = app
            .api(
                "PATCH",
                "/api/v1/flows/orders",
                Some(json!({"mapping": mapping.clone()})),
            )
            .await;
        assert_eq!(s, 400, "{mapping}: {v}");
        assert!(
            v["error"].as_str().unwrap().contains(says),
            "{mapping}: {v}"
        );
    }
    // Removed with null: the flow takes its own form again, numbers as ids included,
    // other fields kept as attributes.
    let (s, f) = app
        .api(
            "PATCH",
            "/api/v1/flows/orders",
            Some(json!({"mapping": null})),
        )
        .await;
    assert_eq!((s, f["mapping"].clone()), (200, Value::Null), "{f}");
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(json!([{"entity": 777, "stage": "placed", "channel": "web"}])),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let (_, e) = app
        .api("GET", "/api/v1/flows/orders/entities/777", None)
        .await;
    assert_eq!(e["attributes"], json!({"channel": "web"}), "{e}");
    app.stop().await;
}
both!(flows_read_what_services_publish, mapped_events);
