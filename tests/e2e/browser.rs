//! The dashboard in real headless Chromium: sign up, create a monitor, watch a ping turn
//! it up without a reload, pause it, a channel with a test notification, a ping body
//! with markup shown as text, sign out, and a phone-sized screen. Screenshots go to
//! `target/screenshots/`.

use std::time::Duration;

use crate::harness::{Backend, Receiver, TestApp};
use crate::webdriver::{chromedriver, Browser};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dashboard_story() {
    let Some(driver) = chromedriver() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let b = Browser::start(&driver, 1280).await;
    b.goto(&app.base).await;

    // First visit: the setup form.
    b.wait_text("h1", 10, |t| t.contains("Welcome")).await;
    b.screenshot("setup").await;
    b.fill(&b.find("#email").await, "ann@example.com").await;
    b.fill(&b.find("#password").await, "short").await;
    b.click(&b.find("#sign-submit").await).await;
    b.wait_text("[role=alert]", 5, |t| t.contains("at least 8"))
        .await;
    b.fill(&b.find("#password").await, "correct horse").await;
    b.click(&b.find("#sign-submit").await).await;
    b.wait_text("h1", 10, |t| t == "Monitors").await;

    // Create a monitor through the form (a bad period first: the server's message).
    b.click(&b.find("#new-monitor").await).await;
    b.fill(&b.find("#name").await, "Nightly backup").await;
    b.fill(&b.find("#tags").await, "prod db").await;
    b.fill(&b.find("#period").await, "5 parsecs").await;
    b.click(&b.find("#save").await).await;
    b.wait_text("#form-error", 5, |t| t.contains("period"))
        .await;
    b.screenshot("monitor-form").await;
    b.fill(&b.find("#period").await, "1h").await;
    b.click(&b.find("#save").await).await;
    b.wait_text("#monitor-name", 10, |t| t == "Nightly backup")
        .await;
    let path = b.eval("return location.pathname").await;
    let id = path
        .as_str()
        .unwrap()
        .trim_start_matches("/monitors/")
        .to_string();

    // The list shows it as new; a ping (with markup in its body) turns it up live.
    b.goto(&app.base).await;
    let status = format!("tr[data-id='{id}'] .status");
    b.wait_text(&status, 10, |t| t == "new").await;
    let payload = r#"<script>window.__x=1</script><img src=x onerror="window.__x=2">"#;
    let r = app
        .http
        .post(app.url(&format!("/ping/{id}")))
        .body(payload)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    b.wait_text(&status, 10, |t| t == "up").await;
    b.screenshot("monitors").await;

    // Detail: the body is text, nothing of it ran.
    b.goto(&format!("{}/monitors/{id}", app.base)).await;
    b.wait_text("#pings", 10, |t| {
        t.contains("<script>window.__x=1</script>")
    })
    .await;
    assert!(
        b.absent("#pings img").await,
        "markup from a ping body became an element"
    );
    assert_eq!(b.eval("return window.__x === undefined").await, true);
    b.screenshot("monitor-detail").await;

    // Pause from the detail page.
    b.click(&b.find("#pause").await).await;
    b.wait_text("#monitor-status", 10, |t| t == "paused").await;

    // A webhook channel and a test notification to a real receiver.
    let rx = Receiver::start().await;
    b.goto(&format!("{}/channels", app.base)).await;
    b.fill(&b.find("#channel-name").await, "Ops hook").await;
    b.fill(&b.find("#channel-url").await, &rx.url).await;
    b.click(&b.find("#channel-create").await).await;
    let test = b.find(".channel-test").await;
    b.click(&test).await;
    rx.wait_for(Duration::from_secs(15), |all| !all.is_empty())
        .await;
    b.wait_text(".deliveries", 15, |t| t.contains("200")).await;
    b.screenshot("channels").await;

    // Sign out: the pages are behind the sign-in form again.
    b.click(&b.find("#sign-out").await).await;
    b.wait_text("h1", 10, |t| t == "Sign in").await;
    b.goto(&format!("{}/monitors/{id}", app.base)).await;
    b.wait_text("h1", 10, |t| t == "Sign in").await;
    assert!(b.absent("#monitor-name").await);

    // A phone: sign in again at 375 px; nothing wider than the screen.
    b.resize(375, 800).await;
    b.fill(&b.find("#email").await, "ann@example.com").await;
    b.fill(&b.find("#password").await, "correct horse").await;
    b.click(&b.find("#sign-submit").await).await;
    // Signed in again, the deep link shows the monitor it pointed to.
    b.wait_text("#monitor-status", 10, |t| t == "paused").await;
    let fits = "return document.documentElement.scrollWidth <= window.innerWidth";
    b.screenshot("monitor-detail-phone").await;
    assert_eq!(
        b.eval(fits).await,
        true,
        "the detail page scrolls sideways at 375 px"
    );
    b.goto(&app.base).await;
    b.wait_text(&status, 10, |t| t == "paused").await;
    b.screenshot("monitors-phone").await;
    assert_eq!(
        b.eval(fits).await,
        true,
        "the monitors page scrolls sideways at 375 px"
    );
    app.stop().await;
}
