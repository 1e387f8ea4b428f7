//! Flow alerts tell paging channels what monitor alerts tell them: a breach triggers
//! an incident, and acknowledging the breach in Overdue acknowledges that incident.

use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::harness::{Backend, Receiver, TestApp};

async fn acknowledging_a_breach_tells_paging(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let (s, pd) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "pagerduty", "name": "on call", "routing_key": "R0UTINGKEY0123456789abcdefABCDEF",
                        "url": format!("{}/pd", rx.url), "is_default": false})),
        )
        .await;
    assert_eq!(s, 201, "{pd}");
    let (s, f) = app
        .api(
            "POST",
            "/api/v1/flows",
            Some(json!({"name": "Orders", "stages": [{"name": "placed", "sla": 1, "severity": "critical"}],
                        "terminal": ["delivered"], "channels": [pd["id"]]})),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(json!([{"entity": "1001", "stage": "placed"}])),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let got = rx
        .wait_for(Duration::from_secs(10), |all| !all.is_empty())
        .await;
    let trigger = got[0].json();
    assert_eq!(trigger["event_action"], "trigger", "{trigger}");
    let key = trigger["dedup_key"].as_str().unwrap().to_string();
    let (_, open) = app.api("GET", "/api/v1/alerts?status=open", None).await;
    let id = open["alerts"][0]["id"]
        .as_i64()
        .expect("the breach's alert");
    let (s, a) = app
        .api("POST", &format!("/api/v1/alerts/{id}/acknowledge"), None)
        .await;
    assert_eq!(s, 200, "{a}");
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 2)
        .await;
    assert_eq!(
        got[1].json(),
        json!({"routing_key": "R0UTINGKEY0123456789abcdefABCDEF", "event_action": "acknowledge", "dedup_key": key})
    );
    // The entity moves on: the same incident resolves.
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(json!([{"entity": "1001", "stage": "delivered"}])),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 3)
        .await;
    let resolve = got[2].json();
    assert_eq!(resolve["event_action"], "resolve", "{resolve}");
    assert_eq!(resolve["dedup_key"], key.as_str());
    app.stop().await;
}
both!(
    acknowledging_a_breach_tells_paging,
    acknowledging_a_breach_tells_paging
);
