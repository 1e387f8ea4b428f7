//! The Reports page in real Chromium (docs/behaviour.md, "Reports"): a short history —
//! two monitors down, one acknowledged, unit problems — shown as headline figures, the
//! alerts chart with its figures in words, availability against the target, the
//! noisiest monitors linking to their page,
//! out of hours and units; the period and tag change what it shows; a CSV link downloads
//! with the session alone. At 1280 and 375 px, light and dark, with axe.

use serde_json::json;

use crate::browser::{signed_in, tour};
use crate::harness::webdriver::chromedriver;
use crate::harness::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_reports_page() {
    let Some(driver) = chromedriver() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let a = app
        .monitor(json!({"name": "nightly export", "tags": "nightly"}))
        .await;
    let b2 = app.monitor(json!({"name": "shop sync"})).await;
    for m in [&a, &b2] {
        assert_eq!(app.ping(m).await, 200);
        assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
    }
    let (_, list) = app.api("GET", "/api/v1/alerts?status=open", None).await;
    let id = list["alerts"][0]["id"].as_i64().unwrap();
    let (s, _) = app
        .api(
            "POST",
            &format!("/api/v1/alerts/{id}/acknowledge"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.ping(&a).await, 200);
    let r = app
        .http
        .post(app.url(&format!("/ping/{b2}/problems")))
        .header("Content-Type", "application/json")
        .body(json!([{"key": "invoice:7", "message": "VAT id missing"}]).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let flow = json!({"name": "orders", "stages": [{"name": "placed", "sla": "1h"},
                      {"name": "shipped", "sla": "1d"}], "terminal": ["delivered"]});
    let (s, _) = app.api("POST", "/api/v1/flows", Some(flow)).await;
    assert_eq!(s, 201);
    let events = json!([{"entity": "o1", "stage": "placed"}, {"entity": "o2", "stage": "placed"},
                        {"entity": "o1", "stage": "shipped"}]);
    let (s, _) = app
        .api("POST", "/api/v1/flows/orders/events", Some(events))
        .await;
    assert_eq!(s, 200);

    let b = signed_in(&app, &driver).await;
    b.goto(&format!("{}/reports", app.base)).await;
    let head = b
        .wait_text("#report-headline", 15, |t| t.contains("Alerts"))
        .await;
    assert!(
        head.contains("3 — 3 more than the period before (0)"),
        "{head}"
    );
    assert!(head.contains("no calendar set"), "{head}");
    let label = b
        .until(
            "return document.getElementById('alerts-chart')?.getAttribute('aria-label') || ''",
            |v| v.as_str().is_some_and(|s| s.contains("in all")),
        )
        .await;
    assert!(
        label.as_str().unwrap().contains("Alerts per day"),
        "{label}"
    );
    b.eval("document.querySelector('#report-alerts details').open = true; return ''")
        .await;
    let figures = b
        .wait_text("#alerts-figures", 10, |t| t.contains("3 alerts"))
        .await;
    assert!(figures.contains("failed 2, unit problem 1"), "{figures}");
    let noisy = b.text(&b.find("#report-noisiest").await).await;
    assert!(
        noisy.contains("shop sync") && noisy.contains("nightly export"),
        "{noisy}"
    );
    let href = b
        .eval("return document.querySelector('#report-noisiest a').getAttribute('href')")
        .await;
    assert!(href.as_str().unwrap().starts_with("/monitors/"), "{href}");
    let flows = b.text(&b.find("#report-flows").await).await;
    assert!(flows.contains("placed · 2 entered, 0 breached"), "{flows}");
    assert!(
        flows.contains("Breaches per day (count). No breaches from"),
        "{flows}"
    );
    // Availability: the monitor still down is under the default target.
    assert!(head.contains("Availability"), "{head}");
    let avail = b.text(&b.find("#report-availability").await).await;
    assert!(
        avail.contains("under the target of 99.5 %") && avail.contains("shop sync"),
        "{avail}"
    );
    let units = b.text(&b.find("#report-units").await).await;
    assert!(
        units.contains("invoice") && units.contains("invoice:7"),
        "{units}"
    );
    // The CSV link downloads with the session's cookie and its project.
    let csv = b
        .eval("return fetch(document.querySelector('#report-alerts a[download]').href).then(r => r.text())")
        .await;
    let csv = csv.as_str().unwrap();
    assert!(csv.starts_with("date,total,reason_missed"), "{csv}");
    assert_eq!(csv.lines().count(), 31, "a line per day of 30: {csv}");
    let mut found = tour(&b, "reports").await;
    b.eval("document.getElementById('report-availability').scrollIntoView({block: 'start', behavior: 'instant'}); return ''")
        .await;
    found.extend(tour(&b, "reports-tables").await);
    b.eval("document.getElementById('report-flows').scrollIntoView({block: 'start', behavior: 'instant'}); return ''")
        .await;
    found.extend(tour(&b, "reports-flows").await);
    // A tag narrows it; seven days give seven bars.
    b.eval("const t = document.getElementById('report-tag'); t.value = 'nightly'; t.dispatchEvent(new Event('change')); return ''")
        .await;
    b.wait_text("#report-headline", 15, |t| t.contains("1 — 1 more"))
        .await;
    b.eval("const s = document.getElementById('report-period'); s.value = '7d'; s.dispatchEvent(new Event('change')); return ''")
        .await;
    b.until(
        "return document.querySelectorAll('#alerts-chart g.day').length",
        |v| v.as_i64() == Some(7),
    )
    .await;
    assert!(found.is_empty(), "{found:#?}");
    app.stop().await;
}
