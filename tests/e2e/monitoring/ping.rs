//! The ping protocol, table-driven: every URL form, method, status code, body limit.

use serde_json::json;

use crate::both;
use crate::harness::{Backend, TestApp};

async fn protocol(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app
        .monitor(json!({"name": "job", "slug": "job", "period": 3600, "grace": 60}))
        .await;
    let key = app.ping_key.clone();
    let rid = uuid::Uuid::new_v4();
    let unknown = uuid::Uuid::new_v4();
    // (method, path, expected status, expected body)
    let cases: Vec<(&str, String, u16, &str)> = vec![
        ("GET", format!("/ping/{id}"), 200, "OK"),
        ("POST", format!("/ping/{id}"), 200, "OK"),
        ("HEAD", format!("/ping/{id}"), 200, ""),
        ("PUT", format!("/ping/{id}"), 200, "OK"),
        ("GET", format!("/ping/{id}/start"), 200, "OK"),
        ("GET", format!("/ping/{id}/fail"), 200, "OK"),
        ("GET", format!("/ping/{id}/log"), 200, "OK"),
        ("GET", format!("/ping/{id}/warn"), 200, "OK"),
        ("GET", format!("/ping/{id}/0"), 200, "OK"),
        ("GET", format!("/ping/{id}/1"), 200, "OK"),
        ("GET", format!("/ping/{id}/255"), 200, "OK"),
        (
            "GET",
            format!("/ping/{id}/256"),
            400,
            "invalid url format: exit status must be 0-255",
        ),
        (
            "GET",
            format!("/ping/{id}/nope"),
            400,
            "invalid url format: unknown action",
        ),
        ("GET", format!("/ping/{id}/start?rid={rid}"), 200, "OK"),
        ("GET", format!("/ping/{id}?rid={rid}"), 200, "OK"),
        (
            "GET",
            format!("/ping/{id}?rid=not-a-uuid"),
            400,
            "invalid uuid format: rid must be a UUID",
        ),
        ("GET", format!("/ping/{unknown}"), 404, "not found"),
        ("GET", format!("/ping/{unknown}/start"), 404, "not found"),
        (
            "GET",
            "/ping/not-a-uuid".to_string(),
            400,
            "invalid url format: expected /ping/<uuid> or /ping/<ping_key>/<slug>",
        ),
        ("GET", format!("/ping/{key}/job"), 200, "OK"),
        ("GET", format!("/ping/{key}/job/start"), 200, "OK"),
        ("GET", format!("/ping/{key}/job/fail"), 200, "OK"),
        ("GET", format!("/ping/{key}/job/7"), 200, "OK"),
        (
            "GET",
            format!("/ping/{key}/job/999"),
            400,
            "invalid url format: exit status must be 0-255",
        ),
        (
            "GET",
            format!("/ping/{key}/Job"),
            400,
            "invalid url format: slug \"Job\" is invalid: use 1-100 lowercase letters, digits, '-' or '_'",
        ),
        ("GET", format!("/ping/{key}/missing"), 404, "not found"),
        (
            "GET",
            "/ping/wrongkey0000000000000/job".to_string(),
            404,
            "not found",
        ),
        ("GET", format!("/ping/{key}/fresh?create=1"), 201, "Created"),
        ("GET", format!("/ping/{key}/fresh?create=1"), 200, "OK"),
    ];
    for (method, path, status, body) in &cases {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let resp = app.http.request(m, app.url(path)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), *status, "{method} {path}");
        assert_eq!(
            resp.headers()["ping-body-limit"],
            "100000",
            "{method} {path}"
        );
        assert_eq!(resp.headers()["access-control-allow-origin"], "*");
        let text = resp.text().await.unwrap();
        assert_eq!(&text, body, "{method} {path}");
    }
    // Every 200/201 was stored: 25 pings on the two monitors.
    let stored: i64 = cases.iter().filter(|c| c.2 < 300).count() as i64;
    let (_, list) = app.api("GET", "/api/v3/checks/", None).await;
    let total: i64 = list["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["n_pings"].as_i64().unwrap())
        .sum();
    assert_eq!(total, stored);
    // The created monitor has Healthchecks' defaults: 1 day period, 1 hour grace.
    let (_, fresh) = app.api("GET", "/api/v3/checks/?slug=fresh", None).await;
    assert_eq!(fresh["checks"][0]["timeout"], 86_400);
    assert_eq!(fresh["checks"][0]["grace"], 3_600);

    // Pings are recorded with their details; exit status and rid kept.
    let (_, pings) = app
        .api(
            "GET",
            &format!("/api/v1/monitors/{id}/pings?limit=1000"),
            None,
        )
        .await;
    let pings = pings["pings"].as_array().unwrap().clone();
    assert!(pings
        .iter()
        .any(|p| p["exit_status"] == 255 && p["kind"] == "fail"));
    assert!(pings.iter().any(|p| p["rid"] == rid.to_string()
        && p["kind"] == "success"
        && p["duration"].is_number()));
    assert!(pings.iter().any(|p| p["method"] == "HEAD"));
    assert!(pings.iter().any(|p| p["kind"] == "log"));
    assert!(pings.iter().any(|p| p["kind"] == "warn"));
    app.stop().await;
}
both!(ping_protocol, protocol);

async fn bodies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.monitor(json!({"name": "b"})).await;
    // A body under the limit is stored whole.
    let resp = app
        .http
        .post(app.url(&format!("/ping/{id}")))
        .body("hello <b>world</b>")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("ping-body-truncated").is_none());
    // A body over the limit still counts, is truncated, and the response says so.
    let big = "x".repeat(150_000);
    let resp = app
        .http
        .post(app.url(&format!("/ping/{id}/fail")))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["ping-body-truncated"], "150000");
    let m = app.get_monitor(&id).await;
    assert_eq!(m["status"], "down");
    let (_, pings) = app
        .api("GET", &format!("/api/v1/monitors/{id}/pings"), None)
        .await;
    let p = &pings["pings"][0];
    assert_eq!(p["body"].as_str().unwrap().len(), 100_000);
    assert_eq!(p["body_size"], 150_000);
    assert_eq!(pings["pings"][1]["body"], "hello <b>world</b>");
    // The v3 body URL serves it back.
    let (_, v3) = app
        .api("GET", &format!("/api/v3/checks/{id}/pings/"), None)
        .await;
    let url = v3["pings"][1]["body_url"].as_str().unwrap().to_string();
    let body = app
        .http
        .get(url)
        .header("X-Api-Key", &app.api_key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "hello <b>world</b>");
    // A monitor that insists on POST stores GETs as ignored pings.
    let post_only = app.monitor(json!({"name": "p", "methods": "POST"})).await;
    assert_eq!(app.ping(&post_only).await, 200);
    let m = app.get_monitor(&post_only).await;
    assert_eq!(m["status"], "new");
    let (_, pings) = app
        .api("GET", &format!("/api/v1/monitors/{post_only}/pings"), None)
        .await;
    assert_eq!(pings["pings"][0]["kind"], "ign");
    app.stop().await;
}
both!(ping_bodies, bodies);
