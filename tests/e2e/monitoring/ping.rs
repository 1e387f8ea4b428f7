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

/// Pings of many monitors at once, some of them flipping: each one stored with its own
/// number in order, each monitor's count, last ping and status true, each flip
/// recorded. On PostgreSQL the writer batches them (docs/architecture.md, "Writes on
/// PostgreSQL"): a batch mixes pings that wait with pings that flip.
async fn concurrent_pings_in_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(
            app.monitor(
                json!({"name": format!("m{i}"), "period": 3600, "grace": 60, "channels": []}),
            )
            .await,
        );
    }
    // Each monitor: 40 pings in order; the first four fail at the 21st and recover.
    let sent = |i: usize, k: usize| if i < 4 && k == 20 { "fail" } else { "success" };
    let mut tasks = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let (http, base, id) = (app.http.clone(), app.url("/ping/"), id.clone());
        tasks.push(tokio::spawn(async move {
            for k in 0..40 {
                let path = match sent(i, k) {
                    "fail" => format!("{base}{id}/fail"),
                    _ => format!("{base}{id}"),
                };
                let r = http.get(path).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 200);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    for (i, id) in ids.iter().enumerate() {
        let m = app.get_monitor(id).await;
        assert_eq!(m["n_pings"], 40, "{m}");
        assert_eq!(m["status"], "up", "{m}");
        assert!(m["last_ping"].is_string(), "{m}");
        let (_, p) = app
            .api(
                "GET",
                &format!("/api/v1/monitors/{id}/pings?limit=100"),
                None,
            )
            .await;
        let mut got: Vec<(i64, String)> = p["pings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["n"].as_i64().unwrap(),
                    x["kind"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        got.sort();
        let want: Vec<(i64, String)> = (0..40)
            .map(|k| (k as i64 + 1, sent(i, k).to_string()))
            .collect();
        assert_eq!(got, want, "monitor {i}");
        let (_, f) = app
            .api("GET", &format!("/api/v1/monitors/{id}/flips"), None)
            .await;
        let flips: Vec<(String, String)> = f["flips"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["from"].as_str().unwrap().into(),
                    x["to"].as_str().unwrap().into(),
                )
            })
            .collect();
        let downs = flips.iter().filter(|(_, to)| to == "down").count();
        assert_eq!(downs, usize::from(i < 4), "monitor {i}: {flips:?}");
    }
    app.stop().await;
}
both!(concurrent_pings_in_order, concurrent_pings_in_order);
