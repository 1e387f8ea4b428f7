//! Flows into an existing Elasticsearch/OpenSearch dashboard (docs/behaviour.md, "Flows
//! (entity SLAs)"), on both
//! databases: a breach posted to a real HTTP receiver as `_bulk` NDJSON by the
//! Elasticsearch channel, and the flow's events and breaches read back as NDJSON.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, Receiver, TestApp};

async fn flows_export_as_ndjson(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let (s, ch) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(
                json!({"kind": "elasticsearch", "name": "es", "url": format!("{}/_bulk", rx.url),
                        "index": "orders-sla", "api_key": "c2VjcmV0OmtleQ==", "is_default": false}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{ch}");
    assert_eq!(ch["config"]["api_key"], "••••••eQ==", "the key is masked");
    let (s, f) = app
        .api(
            "POST",
            "/api/v1/flows",
            Some(json!({"name": "orders", "channels": [ch["id"]], "stages": [{"name": "placed", "sla": 1, "severity": "critical"}]})),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    let since = chrono::Utc::now().to_rfc3339();
    let (s, _) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(json!([{"entity": "o1", "stage": "placed"}, {"entity": "o1", "stage": "placed"}])),
        )
        .await;
    assert_eq!(s, 200);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| !all.is_empty())
        .await;
    let r = &got[0];
    assert_eq!(r.path, "/hook/_bulk");
    assert_eq!(r.header("content-type"), Some("application/x-ndjson"));
    assert_eq!(r.header("authorization"), Some("ApiKey c2VjcmV0OmtleQ=="));
    let lines: Vec<Value> = r
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", r.body);
    assert!(r.body.ends_with('\n'), "_bulk needs a final newline");
    assert_eq!(lines[0], json!({"index": {"_index": "orders-sla"}}));
    let doc = &lines[1];
    assert_eq!(doc["event"], "flow.breached");
    assert_eq!(doc["transition"], "trigger");
    assert_eq!(doc["severity"], "critical");
    assert_eq!(doc["name"], "orders");
    assert_eq!(doc["slug"], "orders");
    assert_eq!(doc["problems"][0]["key"], "o1 in placed");
    assert!(
        doc["summary"]
            .as_str()
            .unwrap()
            .starts_with("orders: o1 stuck in placed for"),
        "{doc}"
    );
    assert!(doc["@timestamp"].is_string());
    // Read back: the two events (the second did not move it) and the breach.
    let url = app.url(&format!(
        "/api/v1/flows/orders/events.ndjson?since={}",
        urlencode(&since)
    ));
    let res = app
        .http
        .get(url)
        .header("X-Api-Key", &app.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/x-ndjson");
    let text = res.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(
        (
            lines[0]["type"].clone(),
            lines[0]["entity"].clone(),
            lines[0]["applied"].clone()
        ),
        (json!("event"), json!("o1"), json!(true))
    );
    assert_eq!(lines[1]["applied"], false);
    assert_eq!(lines[2]["type"], "breach");
    assert_eq!(lines[2]["status"], "open");
    // Paged: one line, and where the next page starts.
    let url = app.url(&format!(
        "/api/v1/flows/orders/events.ndjson?since={}&limit=1",
        urlencode(&since)
    ));
    let res = app
        .http
        .get(url)
        .header("X-Api-Key", &app.api_key)
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("x-next-since").is_some());
    let (s, e) = app
        .api(
            "GET",
            "/api/v1/flows/orders/events.ndjson?since=yesterday",
            None,
        )
        .await;
    assert_eq!(s, 400, "{e}");
    // Deleting the flow ends its open breach aloud.
    let (s, _) = app.api("DELETE", "/api/v1/flows/orders", None).await;
    assert_eq!(s, 204);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 2)
        .await;
    let doc: Value = serde_json::from_str(got[1].body.lines().nth(1).unwrap()).unwrap();
    assert_eq!(doc["event"], "flow.recovered", "{doc}");
    assert_eq!(doc["transition"], "resolve");
    assert_eq!(doc["problems"][0]["message"], "the flow was deleted");
    app.stop().await;
}
both!(flows_export_as_ndjson, flows_export_as_ndjson);

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}
