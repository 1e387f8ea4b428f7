use base64::Engine;
use serde_json::json;

use super::*;

fn def(mapped: bool) -> FlowDef {
    let mut d: FlowDef = serde_json::from_value(json!({
        "stages": [{"name": "placed", "sla_ms": 3_600_000, "severity": "error"},
                   {"name": "authorized", "sla_ms": 3_600_000, "severity": "error"}],
        "terminal": ["delivered"]
    }))
    .unwrap();
    if mapped {
        d.mapping = Some(
            serde_json::from_value(json!({"entity": "/orderId", "stage": "status",
                                          "at": "timestamp"}))
            .unwrap(),
        );
    }
    d
}

const NOW: i64 = 1_800_000_000_000;

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn plain_events_one_or_a_list() {
    let (form, items) = envelope(Some("application/json"), &[], br#"[{"a": 1}, {"b": 2}]"#);
    assert_eq!(form, Form::Plain);
    assert_eq!(items.unwrap().len(), 2);
    let (_, one) = envelope(None, &[], br#"{"entity": "1", "stage": "placed"}"#);
    assert_eq!(one.unwrap().len(), 1);
    let (_, broken) = envelope(None, &[], b"{nope");
    let un = broken.unwrap_err();
    assert!(
        un.reason.starts_with("the body is not JSON"),
        "{}",
        un.reason
    );
    assert_eq!(un.raw, "{nope");
    assert!(envelope(None, &[], b"42").1.is_err());
}

/// As the CloudEvents 1.0 JSON format shows a structured event, with JSON data and with
/// data_base64.
#[test]
fn cloudevents_structured_and_batched() {
    let ev = json!({
        "specversion": "1.0", "type": "com.example.order.status", "source": "/orders",
        "id": "A234-1234-1234", "time": "2026-04-05T17:31:00Z",
        "datacontenttype": "application/json",
        "data": {"orderId": 12345, "status": "Authorized"}
    });
    let (form, items) = envelope(
        Some("application/cloudevents+json; charset=utf-8"),
        &[],
        ev.to_string().as_bytes(),
    );
    assert_eq!(form, Form::CloudEvents);
    let item = items.unwrap().remove(0).unwrap();
    assert_eq!(item.data["orderId"], 12345);
    assert_eq!(item.at, Some(1_775_410_260_000));
    assert_eq!(item.id.as_deref(), Some("/orders A234-1234-1234"));
    let based = json!({"specversion": "1.0", "type": "t", "source": "s", "id": "2",
                       "data_base64": b64(r#"{"orderId": 7, "status": "placed"}"#)});
    let batch = json!([ev, based, {"specversion": "1.0", "id": "3", "source": "s", "type": "t"}]);
    let (_, items) = envelope(
        Some("application/cloudevents-batch+json"),
        &[],
        batch.to_string().as_bytes(),
    );
    let items = items.unwrap();
    assert_eq!(items[1].as_ref().unwrap().data["orderId"], 7);
    let none = items[2].as_ref().unwrap_err();
    assert!(none.reason.contains("no data"), "{}", none.reason);
    assert!(none.raw.contains("\"id\":\"3\""));
}

#[test]
fn cloudevents_binary_mode() {
    let ce = [
        ("specversion".to_string(), "1.0".to_string()),
        ("id".into(), "9".into()),
        ("source".into(), "/orders".into()),
        ("time".into(), "2026-04-05T17:31:00Z".into()),
    ];
    let (form, items) = envelope(
        Some("application/json"),
        &ce,
        br#"{"orderId": 1, "status": "placed"}"#,
    );
    assert_eq!(form, Form::CloudEvents);
    let item = items.unwrap().remove(0).unwrap();
    assert_eq!(item.id.as_deref(), Some("/orders 9"));
    assert_eq!(item.at, Some(1_775_410_260_000));
    let (_, bad) = envelope(Some("text/plain"), &ce, b"hello");
    assert!(bad.unwrap_err().reason.contains("not JSON"));
}

/// As Google's push subscription documentation shows the request body.
#[test]
fn pubsub_push() {
    let body = json!({
        "message": {
            "attributes": {"key": "value"},
            "data": b64(r#"{"orderId": 12345, "status": "Authorized"}"#),
            "messageId": "2070443601311540",
            "message_id": "2070443601311540",
            "publishTime": "2021-02-26T19:13:55.749Z",
            "publish_time": "2021-02-26T19:13:55.749Z"
        },
        "subscription": "projects/myproject/subscriptions/mysubscription"
    });
    let (form, items) = envelope(Some("application/json"), &[], body.to_string().as_bytes());
    assert_eq!(form, Form::PubSub);
    let item = items.unwrap().remove(0).unwrap();
    assert_eq!(item.id.as_deref(), Some("2070443601311540"));
    assert_eq!(item.at, Some(1_614_366_835_749));
    assert_eq!(item.data["status"], "Authorized");
    let junk = json!({"message": {"data": "!!!"}, "subscription": "s"});
    let (_, items) = envelope(None, &[], junk.to_string().as_bytes());
    let un = items.unwrap().remove(0).unwrap_err();
    assert!(un.reason.contains("not base64"), "{}", un.reason);
}

#[test]
fn lists_in_a_message_get_ids_of_their_own() {
    let item = Item {
        data: json!([{"a": 1}, {"a": 2}]),
        at: Some(5),
        id: Some("m".into()),
    };
    let got = events_of(item);
    assert_eq!(got[0].2.as_deref(), Some("m#0"));
    assert_eq!(got[1].2.as_deref(), Some("m#1"));
    assert_eq!(got[1].1, Some(5));
}

#[test]
fn events_are_read_and_checked() {
    let own = event(
        &def(false),
        &json!({"entity": 12345, "stage": "placed", "flow": "orders",
                                           "customer": "ACME"}),
        None,
        NOW,
    )
    .unwrap();
    assert_eq!(own.entity, "12345");
    assert_eq!(own.at, None);
    assert_eq!(own.attributes.as_deref(), Some(r#"{"customer":"ACME"}"#));
    let mapped = event(
        &def(true),
        &json!({"orderId": 1, "status": "AUTHORIZED"}),
        Some(7),
        NOW,
    )
    .unwrap();
    assert_eq!(
        (mapped.stage.as_str(), mapped.at),
        ("authorized", Some(7)),
        "the envelope's time"
    );
    for (d, v, says) in [
        (
            def(false),
            json!({"entity": "1", "stage": "lost"}),
            "not a stage of this flow",
        ),
        (
            def(false),
            json!({"entity": "a b", "stage": "placed"}),
            "entity",
        ),
        (
            def(false),
            json!({"entity": "1", "stage": "placed", "at": "2099-01-01T00:00:00Z"}),
            "future",
        ),
        (
            def(false),
            json!({"entity": "1", "stage": "placed", "at": "soon"}),
            "RFC 3339",
        ),
        (
            def(true),
            json!({"orderId": 1, "status": "Lost"}),
            "no stage of this flow",
        ),
        (def(false), json!("text"), "an event is an object"),
    ] {
        let err = event(&d, &v, None, NOW).unwrap_err();
        assert!(err.contains(says), "{v}: {err}");
    }
}

#[test]
fn flows_are_named_by_a_field() {
    assert_eq!(
        flow_named(&json!({"flow": "orders"}), "flow").as_deref(),
        Some("orders")
    );
    assert_eq!(
        flow_named(&json!({"meta": {"kind": "x"}}), "/meta/kind").as_deref(),
        Some("x")
    );
    assert_eq!(flow_named(&json!({"flow": 1}), "flow"), None);
}

#[test]
fn topic_patterns() {
    for (p, k, yes) in [
        ("orders.*", "orders.created", true),
        ("orders.*", "orders.created.eu", false),
        ("orders.#", "orders", true),
        ("orders.#", "orders.a.b", true),
        ("#", "anything.at.all", true),
        ("*.status", "orders.status", true),
        ("orders", "orders", true),
        ("orders", "payments", false),
        ("#.eu", "orders.created.eu", true),
        ("#.eu", "orders.created.us", false),
    ] {
        assert_eq!(topic_matches(p, k), yes, "{p} {k}");
    }
}
