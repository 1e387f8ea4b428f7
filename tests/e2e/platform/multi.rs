//! Several `overdue serve` on one database. PostgreSQL: every deadline evaluated once, every
//! flip notified exactly once, even through a receiver that fails every second request.
//! SQLite: a second `serve` on the file takes pings but runs no scheduler.

use std::time::Duration;

use serde_json::json;

use crate::harness::{fresh_database, postgres_available, Backend, Receiver, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_notify_each_flip_once() {
    if postgres_available().is_none() {
        return;
    }
    let db = fresh_database(Backend::Postgres);
    // A short first retry: the receiver fails every second request, and backoff doubles.
    let fast = |s: &mut overdue::Settings| s.retry_base = Duration::from_millis(200);
    let a = TestApp::spawn_on(&db, fast).await;
    let b = TestApp::spawn_on(&db, fast).await;
    let rx = Receiver::start_failing(2).await;
    let channel = a.webhook(&rx.url).await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(
            a.monitor(
                json!({"name": format!("m{i}"), "period": 1, "grace": 1, "channels": [channel]}),
            )
            .await,
        );
    }
    for (i, id) in ids.iter().enumerate() {
        let app = if i % 2 == 0 { &a } else { &b };
        assert_eq!(app.ping(id).await, 200);
    }
    // All ten go down; each is delivered once despite failures and retries.
    rx.wait_for(Duration::from_secs(60), |_| {
        ids.iter()
            .all(|id| !rx.events(id, "monitor.down").is_empty())
    })
    .await;
    // Back up through the other instance.
    for (i, id) in ids.iter().enumerate() {
        let app = if i % 2 == 0 { &b } else { &a };
        assert_eq!(app.ping(id).await, 200);
    }
    rx.wait_for(Duration::from_secs(60), |_| {
        ids.iter().all(|id| !rx.events(id, "monitor.up").is_empty())
    })
    .await;
    // Stop the churn (a 1 h period), then the flips are final: every one must be
    // delivered exactly once.
    for id in &ids {
        let (s, _) = a
            .api(
                "PATCH",
                &format!("/api/v1/monitors/{id}"),
                Some(json!({"period": "1h"})),
            )
            .await;
        assert_eq!(s, 200);
    }
    let mut expected = Vec::new();
    for id in &ids {
        let (_, flips) = b
            .api("GET", &format!("/api/v1/monitors/{id}/flips"), None)
            .await;
        let flips = flips["flips"].as_array().unwrap().clone();
        let downs = flips.iter().filter(|f| f["to"] == "down").count();
        let ups = flips
            .iter()
            .filter(|f| f["from"] == "down" && f["to"] == "up")
            .count();
        expected.push((id.clone(), downs, ups));
    }
    let matches = |rx: &Receiver| {
        expected.iter().all(|(id, d, u)| {
            rx.events(id, "monitor.down").len() == *d && rx.events(id, "monitor.up").len() == *u
        })
    };
    rx.wait_for(Duration::from_secs(40), |_| matches(&rx)).await;
    // Long enough for a duplicate to show up, if there were one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for (id, d, u) in &expected {
        assert_eq!(rx.events(id, "monitor.down").len(), *d, "downs of {id}");
        assert_eq!(rx.events(id, "monitor.up").len(), *u, "ups of {id}");
    }
    // Every received delivery carries a distinct idempotency key.
    let keys: std::collections::HashSet<_> = rx
        .all()
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), rx.all().len());
    a.stop().await;
    b.stop().await;
}

/// Two `serve` on one SQLite file: the second takes pings but runs no scheduler, and
/// each writer sees the other's commits (the first's cached rows are dropped when the
/// file changed under it).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn second_serve_on_one_sqlite_file_runs_no_scheduler() {
    let db = fresh_database(Backend::Sqlite);
    let a = TestApp::spawn_on(&db, |_| {}).await;
    let b = TestApp::spawn_on(&db, |_| {}).await;
    let id = b
        .monitor(json!({"name": "shared", "period": 1, "grace": 1}))
        .await;
    // Pings alternate between the two processes' writers; every one is counted.
    for i in 0..6 {
        let app = if i % 2 == 0 { &a } else { &b };
        assert_eq!(app.ping(&id).await, 200);
    }
    assert_eq!(a.get_monitor(&id).await["n_pings"], 6);
    assert_eq!(b.get_monitor(&id).await["n_pings"], 6);
    // The first instance's scheduler flips it (deadline: 2 s after the last ping).
    let m = b.wait_status(&id, "down", Duration::from_secs(5)).await;
    assert_eq!(m["down_reason"], "missed");
    // A ping through either brings it up; its count includes all of them.
    assert_eq!(a.ping(&id).await, 200);
    assert_eq!(b.ping(&id).await, 200);
    assert_eq!(a.get_monitor(&id).await["n_pings"], 8);
    // Without the first, nothing evaluates deadlines: the second has no scheduler.
    a.stop().await;
    assert_eq!(b.ping(&id).await, 200);
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let m = b.get_monitor(&id).await;
    assert_eq!(m["status"], "up", "the second instance must not flip: {m}");
    assert_eq!(m["n_pings"], 9);
    b.stop().await;
}

/// Several instances on one PostgreSQL: a page served by one sees a ping taken by the
/// other within about a second (the writer announces its commit with `pg_notify`; each
/// instance relays the others' announcements to its live stream).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn live_view_shows_other_instances_changes() {
    let Some((a, b, id)) = two_instances().await else {
        return;
    };
    let mut stream = b
        .http
        .get(b.url("/api/v1/events"))
        .header("X-Api-Key", &a.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    stream.chunk().await.unwrap();
    let sent = tokio::time::Instant::now();
    assert_eq!(a.ping(&id).await, 200);
    let mut seen = String::new();
    while !seen.contains("data: ") {
        let chunk = tokio::time::timeout_at(sent + Duration::from_secs(5), stream.chunk())
            .await
            .expect("instance B never told of A's ping")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let took = sent.elapsed();
    let line = seen.lines().find(|l| l.starts_with("data: ")).unwrap();
    let m: serde_json::Value = serde_json::from_str(&line["data: ".len()..]).unwrap();
    assert_eq!(m["id"], overdue_core::PublicRef::of(&id).to_string());
    assert_eq!(m["status"], "up");
    assert!(took < Duration::from_millis(1_500), "took {took:?}");
    eprintln!("another instance's ping reached this stream in {took:?}");
    drop(stream);
    a.stop().await;
    b.stop().await;
}

/// Two instances on one fresh PostgreSQL database and a monitor made through the first
/// (`None` without PostgreSQL).
async fn two_instances() -> Option<(TestApp, TestApp, String)> {
    postgres_available()?;
    let db = fresh_database(Backend::Postgres);
    let a = TestApp::spawn_on(&db, |_| {}).await;
    let b = TestApp::spawn_on(&db, |_| {}).await;
    let id = a
        .monitor(json!({"name": "elsewhere", "period": "1h"}))
        .await;
    Some((a, b, id))
}

/// The same in Chromium: a page served by instance B shows a ping taken by instance A
/// (the row's badge turns from new to up) without a reload, within about a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_page_on_one_instance_shows_a_ping_on_another() {
    let Some(driver) = crate::harness::webdriver::chromedriver() else {
        return;
    };
    let Some((a, b, id)) = two_instances().await else {
        return;
    };
    overdue::create_user(&a.store, "ann@example.com", "correct horse", None, None)
        .await
        .unwrap();
    let browser = crate::harness::webdriver::Browser::start(&driver, 1280).await;
    browser.goto(&b.base).await;
    browser
        .fill(&browser.find("#email").await, "ann@example.com")
        .await;
    browser
        .fill(&browser.find("#password").await, "correct horse")
        .await;
    browser.click(&browser.find("#sign-submit").await).await;
    let status = format!("tr[data-id='{}'] .status", overdue_core::PublicRef::of(&id));
    browser.wait_text(&status, 10, |t| t.contains("new")).await;
    // Let the page's stream open before the ping.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = std::time::Instant::now();
    assert_eq!(a.ping(&id).await, 200);
    browser.wait_text(&status, 5, |t| t.contains("up")).await;
    let took = sent.elapsed();
    eprintln!("a ping on instance A showed on B's page in {took:?}");
    assert!(took < Duration::from_millis(2_500), "took {took:?}");
    browser.screenshot("multi-live").await;
    a.stop().await;
    b.stop().await;
}
