//! What senders send, in real Chromium (docs/behaviour.md, "What senders send"): the
//! Flows page shows a flow's push URL to a writer, and the events that could not be read
//! under "Kept aside" — why, from where, the raw message behind a disclosure — which a
//! writer dismisses; at 1280 and 375 px, light and dark, with axe.

use serde_json::json;

use crate::browser::{signed_in, tour};
use crate::harness::webdriver::chromedriver;
use crate::harness::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_kept_aside_are_shown_and_dismissed() {
    let Some(driver) = chromedriver() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (s, f) = app
        .api(
            "POST",
            "/api/v1/flows",
            Some(json!({
                "name": "orders",
                "stages": [{"name": "placed", "sla": "1h"}, {"name": "authorized", "sla": "4h"}],
                "terminal": ["delivered"],
                "mapping": {"entity": "/orderId", "stage": "status"}
            })),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(json!([
                {"orderId": 1, "status": "Placed"},
                {"orderId": 2, "status": "Vanished", "customer": "ACME"},
                {"status": "placed"}
            ])),
        )
        .await;
    assert_eq!(s, 422, "{r}");
    // Signed in on the monitors list, which has a monitor.
    app.monitor(json!({"name": "nightly export"})).await;
    let b = signed_in(&app, &driver).await;
    b.goto(&format!("{}/flows", app.base)).await;
    let push = b.wait_text(".push-url", 15, |t| t.contains("/push/")).await;
    assert!(push.contains("?token="), "{push}");
    let said = b
        .wait_text("#kept-aside", 15, |t| t.contains("2 event(s)"))
        .await;
    assert!(
        said.contains("status: \"Vanished\" is no stage of this flow"),
        "{said}"
    );
    assert!(said.contains("no entity at /orderId"), "{said}");
    // The raw message is behind a disclosure, as it came.
    b.eval("document.querySelector('#kept-aside details').open = true; return ''")
        .await;
    let raw = b
        .wait_text("#kept-aside .kept-raw", 10, |t| !t.is_empty())
        .await;
    assert_eq!(raw, r#"{"status":"placed"}"#, "newest first");
    b.eval("document.getElementById('kept-aside').scrollIntoView({block: 'start', behavior: 'instant'}); return ''")
        .await;
    let found = tour(&b, "flows-kept-aside").await;
    b.click(&b.find("#kept-aside .dismiss-kept").await).await;
    b.wait_text("#kept-aside", 10, |t| t.contains("1 event(s)"))
        .await;
    let (_, left) = app.api("GET", "/api/v1/kept-aside", None).await;
    assert_eq!(left["count"], 1, "{left}");
    assert!(found.is_empty(), "{found:#?}");
    app.stop().await;
}
