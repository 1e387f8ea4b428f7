//! A public status page in real Chromium (docs/behaviour.md, "Status pages"), opened
//! with no session: an incident, two strips with each day's words, at 1280 and 375 px,
//! light and dark, with axe.

use serde_json::json;

use crate::browser::tour;
use crate::harness::webdriver::{chromedriver, Browser};
use crate::harness::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_public_status_page() {
    let Some(driver) = chromedriver() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let api = app
        .monitor(json!({"name": "public api probe", "period": "1h"}))
        .await;
    let export = app
        .monitor(json!({"name": "nightly export", "period": "1d"}))
        .await;
    for m in [&api, &export] {
        assert_eq!(app.ping(m).await, 200);
    }
    assert_eq!(app.ping(&format!("{export}/fail")).await, 200);
    let (s, page) = app
        .api(
            "POST",
            "/api/v1/status-pages",
            Some(json!({"title": "Acme status", "aliases": {api.clone(): "API"}})),
        )
        .await;
    assert_eq!(s, 201, "{page}");
    let b = Browser::start(&driver, 1280).await;
    b.goto(page["url"].as_str().unwrap()).await;
    let head = b.wait_text("h1", 10, |t| t == "Acme status").await;
    assert_eq!(head, "Acme status");
    let overall = b.text(&b.find(".overall").await).await;
    assert_eq!(overall, "1 incident now");
    let label = b
        .eval("return document.querySelectorAll('svg.strip')[1].getAttribute('aria-label')")
        .await;
    assert!(
        label
            .as_str()
            .unwrap()
            .starts_with("nightly export: downtime on 1 of the last 90 days"),
        "{label}"
    );
    let found = tour(&b, "status-page").await;
    assert!(found.is_empty(), "{found:#?}");
    app.stop().await;
}
