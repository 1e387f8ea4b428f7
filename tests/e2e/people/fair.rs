//! Fair sharing (issue 35, docs/security.md "Limits"): channels and flows per project,
//! the instance's and a project's own; signals per second per project — a flooding
//! project gets 429 with `Retry-After` on pings, heartbeats and flow events while another
//! project's pings pass, a request larger than the project may ever send at once is a
//! 413 saying how many to send, and the operator's raised rate lets it through at once.
//! Both databases.

use serde_json::{json, Value};

use crate::both;
use crate::harness::{fresh_database, Backend, TestApp};
use crate::people::accounts::{call, sign};

fn said(body: &Value, what: &str) -> bool {
    body["error"]
        .as_str()
        .or(body.as_str())
        .is_some_and(|e| e.contains(what))
}

async fn fair(backend: Backend) {
    let app = TestApp::spawn_on(&fresh_database(backend), |s| {
        s.limits.operators = vec!["ops@example.com".into()];
        s.limits.caps.channels_per_project = 2;
        s.limits.caps.flows_per_project = 1;
        s.limits.max_events_per_second = 1;
    })
    .await;
    for email in ["ann@example.com", "ops@example.com"] {
        overdue::create_user(&app.store, email, "correct horse", None, None)
            .await
            .unwrap();
    }
    let login = "/api/v1/auth/login";
    let ann = sign(&app, login, "ann@example.com", "correct horse", 200).await;
    let ops = sign(&app, login, "ops@example.com", "correct horse", 200).await;
    let (s, second) = call(
        &app,
        &ann,
        "POST",
        "/api/v1/projects",
        Some(json!({"name": "Second"})),
    )
    .await;
    assert_eq!(s, 201, "{second}");
    let other_key = second["api_key"].as_str().unwrap().to_string();
    let (_, me) = call(&app, &ops, "GET", "/api/v1/auth/me", None).await;
    let id = me["projects"][0]["id"].as_str().unwrap().to_string();

    // Channels and flows: the instance's limit, named in the refusal.
    let hook = |n: &str| json!({"kind": "webhook", "name": n, "url": "http://127.0.0.1:9/x"});
    for n in ["a", "b"] {
        let (s, b) = app.api("POST", "/api/v1/channels", Some(hook(n))).await;
        assert_eq!(s, 201, "{b}");
    }
    let (s, b) = app.api("POST", "/api/v1/channels", Some(hook("c"))).await;
    assert_eq!(s, 403, "{b}");
    assert!(said(&b, "channels per project"), "{b}");
    assert!(said(&b, "OVERDUE_MAX_CHANNELS"), "{b}");
    let flow = |n: &str| json!({"name": n, "stages": [{"name": "placed", "sla": "1h"}]});
    let (s, b) = app.api("POST", "/api/v1/flows", Some(flow("orders"))).await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = app
        .api("POST", "/api/v1/flows", Some(flow("refunds")))
        .await;
    assert_eq!(s, 403, "{b}");
    assert!(said(&b, "flows per project"), "{b}");
    // The other project has its own count.
    let (s, b) = app
        .api_with(&other_key, "POST", "/api/v1/flows", Some(flow("refunds")))
        .await;
    assert_eq!(s, 201, "{b}");

    // A project's own limits stand for it.
    let limits = format!("/api/v1/operator/projects/{id}/limits");
    let (s, b) = call(
        &app,
        &ops,
        "PUT",
        &limits,
        Some(json!({"max_channels": 3, "max_flows": 2})),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let (s, b) = app.api("POST", "/api/v1/channels", Some(hook("c"))).await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = app.api("POST", "/api/v1/channels", Some(hook("d"))).await;
    assert_eq!(s, 403, "{b}");
    assert!(said(&b, "this project's limit"), "{b}");
    let (s, b) = app
        .api("POST", "/api/v1/flows", Some(flow("refunds")))
        .await;
    assert_eq!(s, 201, "{b}");

    // Signals: one a second, ten at once. The first ten pass whatever the pace; a
    // flood is refused with the wait, before anything is stored.
    let mine = app.monitor(json!({"name": "mine", "period": "1h"})).await;
    let (s, theirs) = app
        .api_with(
            &other_key,
            "POST",
            "/api/v1/monitors",
            Some(json!({"name": "theirs", "period": "1h"})),
        )
        .await;
    assert_eq!(s, 201, "{theirs}");
    let theirs = theirs["uuid"].as_str().unwrap().to_string();
    let started = std::time::Instant::now();
    let mut passed = 0;
    let refused = loop {
        let r = app
            .http
            .get(app.url(&format!("/ping/{mine}")))
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            break r;
        }
        assert_eq!(r.status(), 200);
        passed += 1;
        assert!(passed <= 10 + started.elapsed().as_secs() + 1, "{passed}");
    };
    assert!(passed >= 10, "a full bucket passes ten at once: {passed}");
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
    let text = refused.text().await.unwrap();
    assert!(text.contains("signals per second"), "{text}");
    // The same project's heartbeats, slug pings and flow events share the bucket: sent
    // at once (each refusal is held half a second, in which the bucket gains half a
    // signal).
    let single = json!([{"entity": "o1", "stage": "placed"}]);
    let (hb, slug, event) = tokio::join!(
        app.http
            .post(app.url(&format!("/api/v1/heartbeat/{mine}")))
            .send(),
        app.http
            .get(app.url(&format!("/ping/{}/mine", app.ping_key)))
            .send(),
        app.api("POST", "/api/v1/flows/orders/events", Some(single)),
    );
    assert_eq!(hb.unwrap().status(), 429);
    assert_eq!(slug.unwrap().status(), 429);
    assert_eq!(event.0, 429, "{}", event.1);
    // Another project's pings pass.
    for _ in 0..5 {
        assert_eq!(app.ping(&theirs).await, 200);
    }
    // More events in one request than the project may ever send at once: 413 with the
    // number to send.
    let many: Vec<Value> = (0..11)
        .map(|i| json!({"entity": format!("o{i}"), "stage": "placed"}))
        .collect();
    let (s, b) = app
        .api("POST", "/api/v1/flows/orders/events", Some(json!(many)))
        .await;
    assert_eq!(s, 413, "{b}");
    assert!(said(&b, "send at most 10 per request"), "{b}");
    // Nothing refused was stored.
    let (_, pings) = app
        .api("GET", &format!("/api/v1/monitors/{mine}/pings"), None)
        .await;
    let stored = pings["pings"].as_array().map_or(0, Vec::len) as u64;
    assert!(stored <= passed, "{stored} stored, {passed} answered 200");

    // The operator raises the rate: this instance takes it at once.
    let (s, b) = call(
        &app,
        &ops,
        "PUT",
        &limits,
        Some(json!({"max_channels": 3, "max_flows": 2, "max_events_per_second": 1000})),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let mut ok = 0;
    for _ in 0..200 {
        if app.ping(&mine).await == 200 {
            ok += 1;
        }
        if ok == 20 {
            break;
        }
    }
    assert_eq!(ok, 20, "the raised rate lets pings through");
    let (s, list) = call(&app, &ops, "GET", "/api/v1/operator/projects", None).await;
    assert_eq!(s, 200, "{list}");
    let row = list["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        row["max_events_per_second"],
        json!({"own": 1000, "effective": 1000}),
        "{row}"
    );
    assert_eq!(row["max_channels"], json!({"own": 3, "effective": 3}));
    assert_eq!(row["max_flows"], json!({"own": 2, "effective": 2}));
    assert!(row["signals_refused"].as_i64().unwrap() >= 14, "{row}");
    let other = list["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Second")
        .unwrap()
        .clone();
    assert_eq!(other["signals_refused"], 0, "{other}");
    assert_eq!(
        other["max_events_per_second"],
        json!({"own": null, "effective": 1})
    );

    // Refused in words.
    for (body, says) in [
        (
            json!({"max_events_per_second": 0}),
            "max_events_per_second: 0 must be from 1",
        ),
        (
            json!({"max_channels": -1}),
            "max_channels: -1 must be from 0",
        ),
        (json!({"max_flows": "many"}), "max_flows"),
    ] {
        let (s, b) = call(&app, &ops, "PUT", &limits, Some(body.clone())).await;
        assert_eq!(s, 400, "{body}: {b}");
        assert!(said(&b, says), "{body}: {b}");
    }
    app.stop().await;
}
both!(channels_flows_and_signals_per_project, fair);
