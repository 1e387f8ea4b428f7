//! What the dashboard relies on besides the CRUD API: the embedded app and its headers,
//! the cron preview, and the live stream of changed monitors.

use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::harness::{Backend, TestApp};

async fn pages_and_preview(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // The app, for the root and for deep links, with a strict CSP; APIs stay JSON.
    for path in ["/", "/monitors/abc", "/channels"] {
        let r = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(r.headers()["x-frame-options"], "DENY");
        assert!(r.text().await.unwrap().contains("<!doctype html>"));
    }
    // Files go out gzipped (compressed at build time) to browsers that take it.
    let wasm = "/pkg/overdue-frontend_bg.wasm";
    let plain = app.http.get(app.url(wasm)).send().await.unwrap();
    assert_eq!(plain.headers()["content-type"], "application/wasm");
    let plain_len = plain.bytes().await.unwrap().len();
    let gz = app
        .http
        .get(app.url(wasm))
        .header("Accept-Encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let gz_len = gz.bytes().await.unwrap().len();
    assert!(gz_len * 2 < plain_len, "gzip {gz_len} vs {plain_len} bytes");
    eprintln!("dashboard wasm: {plain_len} bytes, {gz_len} gzipped");
    let r = app.http.get(app.url("/api/v1/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("no such endpoint"));

    // Cron preview: five times in the zone's offset, increasing; clear 400s.
    let (s, p) = app
        .api(
            "GET",
            "/api/v1/schedule/preview?cron=0%203%20*%20*%20*&tz=Europe/Riga",
            None,
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let next: Vec<String> = serde_json::from_value(p["next"].clone()).unwrap();
    assert_eq!(next.len(), 5);
    assert!(next.iter().all(|t| t.contains("T03:00:00+0")), "{next:?}");
    assert!(next.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(p["words"], "every day at 03:00");
    // From a given moment: the DST nights (docs/behaviour.md, "Cron and DST").
    for (cron, from, first) in [
        // A fixed-time job in the spring gap runs at the change.
        (
            "30%202%20*%20*%20*",
            "2027-03-27T12:00:00Z",
            "2027-03-28T03:00:00+02:00",
        ),
        // A wildcard job has nothing in the gap: the next 28 March.
        (
            "*/20%202%2028%203%20*",
            "2027-03-27T12:00:00Z",
            "2028-03-28T02:00:00+02:00",
        ),
        // OnCalendar skips the gap too.
        (
            "*-03-28%2002:30:00",
            "2027-03-27T12:00:00Z",
            "2028-03-28T02:30:00+02:00",
        ),
        // And the 29th of February.
        (
            "0%209%2029%202%20*",
            "2027-03-01T00:00:00%2B01:00",
            "2028-02-29T09:00:00+01:00",
        ),
    ] {
        let q = format!("cron={cron}&tz=Europe/Berlin&from={from}");
        let (s, p) = app
            .api("GET", &format!("/api/v1/schedule/preview?{q}"), None)
            .await;
        assert_eq!(s, 200, "{q}: {p}");
        assert_eq!(p["next"][0], first, "{q}: {p}");
    }
    for (q, says) in [
        ("cron=61%20*%20*%20*%20*", "cron"),
        ("cron=0%203%20*%20*%20*&tz=Mars/Olympus", "Mars/Olympus"),
        (
            "cron=0%203%20*%20*%20*&from=yesterday",
            "a day (2027-03-28)",
        ),
    ] {
        let (s, b) = app
            .api("GET", &format!("/api/v1/schedule/preview?{q}"), None)
            .await;
        assert_eq!(s, 400, "{q}: {b}");
        assert!(b["error"].as_str().unwrap().contains(says), "{b}");
    }
    let r = app
        .http
        .get(app.url("/api/v1/schedule/preview?cron=*"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the preview needs a key or a session");
    app.stop().await;
}
both!(dashboard_pages_and_cron_preview, pages_and_preview);

/// Opens `/api/v1/events` and reads its greeting.
async fn open_stream(app: &TestApp) -> reqwest::Response {
    let mut r = app
        .http
        .get(app.url("/api/v1/events"))
        .header("X-Api-Key", &app.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let first = r.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).starts_with(": connected"));
    r
}

async fn live_stream(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app
        .monitor(json!({"name": "streamed", "period": "1h"}))
        .await;
    let mut r = open_stream(&app).await;
    assert_eq!(app.ping(&id).await, 200);
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains("data: ") {
        let chunk = tokio::time::timeout_at(deadline, r.chunk())
            .await
            .expect("no event within 10 s")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let line = seen.lines().find(|l| l.starts_with("data: ")).unwrap();
    let m: serde_json::Value = serde_json::from_str(&line["data: ".len()..]).unwrap();
    assert_eq!(m["id"], overdue_core::PublicRef::of(&id).to_string());
    assert_eq!(m["status"], "up");
    assert_eq!(m["n_pings"], 1);
    drop(r);
    app.stop().await;
}
both!(live_stream_sends_changed_monitors, live_stream);

/// Reads the event stream until a `data:` line names monitor `id` with `status`.
async fn next_event_of(r: &mut reqwest::Response, id: &str, status: &str) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut seen = String::new();
    loop {
        for line in seen.lines().filter(|l| l.starts_with("data: ")) {
            let v: serde_json::Value = serde_json::from_str(&line["data: ".len()..]).unwrap();
            let list = v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]);
            if let Some(m) = list.into_iter().find(|m| {
                m["id"] == overdue_core::PublicRef::of(id).to_string() && m["status"] == status
            }) {
                return m;
            }
        }
        let chunk = tokio::time::timeout_at(deadline, r.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {status} event for {id} within 10 s: {seen}"))
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// A change made through the API (pause, resume, edit) reaches an open live view like a
/// ping does: every write publishes its effects after commit.
async fn api_changes_stream(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app
        .monitor(json!({"name": "switched", "period": "1h"}))
        .await;
    let mut r = open_stream(&app).await;
    let (s, _) = app
        .api("POST", &format!("/api/v1/monitors/{id}/pause"), None)
        .await;
    assert_eq!(s, 200);
    next_event_of(&mut r, &id, "paused").await;
    let (s, _) = app
        .api("POST", &format!("/api/v1/monitors/{id}/resume"), None)
        .await;
    assert_eq!(s, 200);
    next_event_of(&mut r, &id, "new").await;
    let (s, _) = app
        .api(
            "PATCH",
            &format!("/api/v1/monitors/{id}"),
            Some(json!({"name": "renamed"})),
        )
        .await;
    assert_eq!(s, 200);
    let m = next_event_of(&mut r, &id, "new").await;
    assert_eq!(m["name"], "renamed");
    drop(r);
    app.stop().await;
}
both!(api_changes_reach_the_live_stream, api_changes_stream);

/// Reads the event stream until an `event: flow` names `slug`.
async fn next_flow_event(r: &mut reqwest::Response, slug: &str) {
    let want = format!("event: flow\ndata: {}", json!({ "flow": slug }));
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(&want) {
        let chunk = tokio::time::timeout_at(deadline, r.chunk())
            .await
            .unwrap_or_else(|_| panic!("no flow event for {slug} within 10 s: {seen}"))
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// The Flows page is live: the stream names a flow when an event moves one of its
/// entities and again when one of them breaches (the scheduler's write, no request).
async fn live_flows(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, f) = app
        .api(
            "POST",
            "/api/v1/flows",
            Some(json!({"name": "Orders", "stages": [{"name": "placed", "sla": 1}], "terminal": ["done"]})),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    let mut r = open_stream(&app).await;
    let (s, b) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(json!([{"entity": "1", "stage": "placed"}])),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    next_flow_event(&mut r, "orders").await;
    // The breach a second later is a change of the flow too.
    next_flow_event(&mut r, "orders").await;
    let (_, f) = app.api("GET", "/api/v1/flows/orders", None).await;
    assert_eq!(f["stages"][0]["breached"], 1, "{f}");
    drop(r);
    app.stop().await;
}
both!(live_stream_names_changed_flows, live_flows);

/// `GET /api/v1/summary`: monitors by shown status, open alerts and problems — what
/// the dashboard's title, icon and navigation count.
async fn summary(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, empty) = app.api("GET", "/api/v1/summary", None).await;
    assert_eq!(s, 200, "{empty}");
    assert_eq!(empty["total"], 0);
    let up = app.monitor(json!({"name": "up", "period": "1h"})).await;
    let late = app
        .monitor(json!({"name": "late", "period": "1s", "grace": "1h"}))
        .await;
    let down = app.monitor(json!({"name": "down", "period": "1h"})).await;
    let running = app
        .monitor(json!({"name": "running", "period": "1h"}))
        .await;
    app.monitor(json!({"name": "new", "period": "1h"})).await;
    let paused = app.monitor(json!({"name": "paused", "period": "1h"})).await;
    for path in [up, late, format!("{down}/fail"), format!("{running}/start")] {
        assert_eq!(app.ping(&path).await, 200);
    }
    app.api("POST", &format!("/api/v1/monitors/{paused}/pause"), None)
        .await;
    let r = app
        .http
        .post(app.url(&format!("/ping/{down}/problems")))
        .json(&json!({"key": "invoice:1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The 1 s monitor turns late once its due time passes: poll for it.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let sum = loop {
        let (s, sum) = app.api("GET", "/api/v1/summary", None).await;
        assert_eq!(s, 200, "{sum}");
        if sum["late"] == 1 || std::time::Instant::now() > deadline {
            break sum;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for (k, n) in [
        ("total", 6),
        ("up", 1),
        ("late", 1),
        ("down", 1),
        ("running", 1),
        ("new", 1),
        ("paused", 1),
        ("acknowledged_alerts", 0),
        ("open_problems", 1),
    ] {
        assert_eq!(sum[k], n, "{k}: {sum}");
    }
    // The down monitor's alert (and the problem's, when problems alert).
    assert!(sum["open_alerts"].as_i64().unwrap() >= 1, "{sum}");
    app.stop().await;
}
both!(summary_counts_what_the_dashboard_shows, summary);
