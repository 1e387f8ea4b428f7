//! The Alerts page as a triage view (docs/behaviour.md, "The Alerts page") in real
//! Chromium with 300 alerts: at least 20 lines on a 1280×900 screen, a monitor's 40
//! problems folded into one line that opens, filters kept in the URL (and read back
//! from it), "acknowledge all shown", a selection acknowledged and problems resolved,
//! the Alerts badge counting lines; screenshots and axe-core at 1280 and 375 px, light
//! and dark, nothing sideways on a phone.

use serde_json::json;

use crate::harness::webdriver::{chromedriver, Browser};
use crate::harness::{Backend, TestApp};

/// The exact count of the Alerts link's badge.
const NAV_COUNT: &str = "const c = document.querySelector(\"a.nav-link[href='/alerts'] .count\"); return c && c.dataset.count";

const ROWS: &str = "return document.querySelectorAll('#alerts > li').length";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_hundred_alerts_triaged() {
    let Some(driver) = chromedriver() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    // 260 monitors down (200 tagged db, 60 web) and 40 problems of one batch.
    for i in 0..260 {
        let tags = if i < 200 { "db" } else { "web" };
        let id = app
            .monitor(json!({"name": format!("job-{i:03}"), "period": "1d", "tags": tags, "channels": []}))
            .await;
        assert_eq!(app.ping(&format!("{id}/fail")).await, 200);
    }
    let shop = app
        .monitor(json!({"name": "shop-sync", "period": "1d", "tags": "etl", "channels": []}))
        .await;
    assert_eq!(app.ping(&format!("{shop}/start")).await, 200);
    let batch: Vec<_> = (0..40)
        .map(|i| json!({"key": format!("invoice:{i}"), "message": "VAT id missing"}))
        .collect();
    let r = app
        .http
        .post(app.url(&format!("/ping/{shop}/problems")))
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, sum) = app.api("GET", "/api/v1/summary", None).await;
    assert_eq!(sum["open_alerts"], 300, "{sum}");
    assert_eq!(sum["open_alert_rows"], 261, "{sum}");

    overdue::create_user(&app.store, "ann@example.com", "correct horse", None, None)
        .await
        .unwrap();
    let b = Browser::start(&driver, 1280).await;
    b.resize(1280, 900).await;
    b.goto(&app.base).await;
    b.fill(&b.find("#email").await, "ann@example.com").await;
    b.fill(&b.find("#password").await, "correct horse").await;
    b.click(&b.find("#sign-submit").await).await;
    b.find("#monitors").await;
    // The badge counts the lines of the Alerts page, not the alerts.
    // The badge says "99+" past 99; it keeps the exact count for screen readers.
    b.until(NAV_COUNT, |v| v.as_str() == Some("261")).await;
    assert_eq!(
        b.eval("return document.querySelector(\"a.nav-link[href='/alerts'] .count\").textContent")
            .await,
        "99+261 open"
    );

    b.goto(&format!("{}/alerts", app.base)).await;
    b.until(ROWS, |v| v.as_i64() == Some(261)).await;
    b.wait_text("#alert-count", 10, |t| {
        t.starts_with("261 rows, 300 alerts")
    })
    .await;
    b.screenshot("alerts-triage-1280-light").await;
    // At least 20 whole lines on the screen.
    let visible = b
        .eval(
            "return [...document.querySelectorAll('#alerts > li')].filter(li => { \
             const r = li.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }).length",
        )
        .await;
    assert!(visible.as_i64().unwrap() >= 20, "{visible} lines fit");
    // shop-sync's 40 problems are one line, which opens to list them.
    let fold = "#alerts > li.folded[data-count='40']";
    b.wait_text(fold, 10, |t| {
        t.contains("40 problems") && t.contains("shop-sync")
    })
    .await;
    b.click(&b.find(&format!("{fold} button.fold")).await).await;
    b.until(
        &format!("return document.querySelectorAll(\"{fold} .fold-list > li\").length"),
        |v| v.as_i64() == Some(40),
    )
    .await;
    assert_eq!(
        b.eval(&format!(
            "return document.querySelector(\"{fold} button.fold\").getAttribute('aria-expanded')"
        ))
        .await,
        "true"
    );
    b.screenshot("alerts-triage-folded").await;

    // A filter is a URL, and a URL is a filter.
    b.eval("const s = document.getElementById('f-tag'); s.value = 'web'; s.dispatchEvent(new Event('change', {bubbles: true})); return 1")
        .await;
    b.until("return location.search", |v| {
        v.as_str().unwrap_or_default().contains("tag=web")
    })
    .await;
    b.until(ROWS, |v| v.as_i64() == Some(60)).await;
    b.goto(&format!("{}/alerts?status=open&kind=problem", app.base))
        .await;
    b.until(ROWS, |v| v.as_i64() == Some(1)).await;
    b.wait_text("#f-kind summary", 10, |t| t == "Kind: problem")
        .await;

    // Acknowledge all shown: the 60 web monitors, and only them.
    b.goto(&format!(
        "{}/alerts?status=open&tag=web&sort=name",
        app.base
    ))
    .await;
    b.until(ROWS, |v| v.as_i64() == Some(60)).await;
    let first = b
        .eval("return document.querySelector('#alerts > li .subject').textContent")
        .await;
    assert_eq!(first, "job-200", "sorted by name");
    b.wait_text("#ack-all", 10, |t| t == "Acknowledge all shown (60)")
        .await;
    b.click(&b.find("#ack-all").await).await;
    b.wait_text("#alerts-said", 10, |t| t == "Acknowledged 60.")
        .await;
    b.until(ROWS, |v| v.as_i64() == Some(0)).await;
    let (_, acked) = app
        .api("GET", "/api/v1/alerts?status=acknowledged&limit=1000", None)
        .await;
    assert_eq!(acked["alerts"].as_array().unwrap().len(), 60);

    // A selection: two db lines and the problems' fold; resolving keeps the downs.
    b.goto(&format!(
        "{}/alerts?status=open&kind=down,problem&tag=db,etl",
        app.base
    ))
    .await;
    b.until(ROWS, |v| v.as_i64() == Some(201)).await;
    for css in [
        "#alerts > li.folded .pick input",
        "#alerts > li:nth-child(2) .pick input",
        "#alerts > li:nth-child(3) .pick input",
    ] {
        b.click(&b.find(css).await).await;
    }
    b.wait_text("#resolve-selected", 10, |t| t == "Resolve selected (42)")
        .await;
    b.click(&b.find("#resolve-selected").await).await;
    b.wait_text("#alerts-said", 10, |t| {
        t.starts_with("Resolved 40.") && t.contains("2 left open")
    })
    .await;
    b.until(ROWS, |v| v.as_i64() == Some(200)).await;
    b.click(&b.find("#alerts > li:nth-child(1) .pick input").await)
        .await;
    b.click(&b.find("#ack-selected").await).await;
    b.wait_text("#alerts-said", 10, |t| t == "Acknowledged 1.")
        .await;
    b.until(ROWS, |v| v.as_i64() == Some(199)).await;
    // The badge says "99+" past 99; it keeps the exact count for screen readers.
    b.until(NAV_COUNT, |v| v.as_str() == Some("199")).await;
    assert_eq!(
        b.eval("return document.querySelector(\"a.nav-link[href='/alerts'] .count\").textContent")
            .await,
        "99+199 open"
    );

    // Every width and theme: lines that read, nothing sideways, axe finds nothing.
    let mut violations = Vec::new();
    for (width, dark) in [(1280, false), (1280, true), (375, false), (375, true)] {
        b.resize(width, 900).await;
        b.dark(dark).await;
        b.goto(&format!("{}/alerts?status=all", app.base)).await;
        b.until(ROWS, |v| v.as_i64().unwrap_or(0) >= 200).await;
        let theme = if dark { "dark" } else { "light" };
        let shot = format!("alerts-triage-all-{width}-{theme}");
        b.screenshot(&shot).await;
        violations.extend(b.axe().await.into_iter().map(|v| format!("{shot}: {v}")));
        violations.extend(
            b.console_errors()
                .await
                .into_iter()
                .map(|e| format!("{shot}: console: {e}")),
        );
        let wide = b
            .eval("return document.documentElement.scrollWidth - window.innerWidth")
            .await;
        if wide.as_i64().unwrap_or(0) > 0 {
            violations.push(format!("{shot}: scrolls sideways by {wide} px"));
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    app.stop().await;
}
