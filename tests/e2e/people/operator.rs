//! The instance's operators (issue 35, docs/security.md "Limits"): every project's
//! usage for the people OVERDUE_OPERATORS names (nobody else), and a project's own
//! limits standing for it instead of the instance's — monitors refused past it with the
//! reason, live streams refused past it — and back to the instance's with null; bad
//! input refused in words, nothing written. Both databases.

use serde_json::{json, Value};

use crate::both;
use crate::harness::{fresh_database, Backend, TestApp};
use crate::people::accounts::{call, sign, Session};

async fn monitor(app: &TestApp, name: &str) -> (u16, Value) {
    app.api("POST", "/api/v1/monitors", Some(json!({ "name": name })))
        .await
}

fn row<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

async fn usage(app: &TestApp, ops: &Session) -> Value {
    let (s, list) = call(app, ops, "GET", "/api/v1/operator/projects", None).await;
    assert_eq!(s, 200, "{list}");
    list
}

async fn operator_limits(backend: Backend) {
    let app = TestApp::spawn_on(&fresh_database(backend), |s| {
        s.limits.operators = vec!["ops@example.com".into()];
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
    let (_, me) = call(&app, &ann, "GET", "/api/v1/auth/me", None).await;
    assert_eq!(me["operator"], false, "{me}");
    let (_, me) = call(&app, &ops, "GET", "/api/v1/auth/me", None).await;
    assert_eq!(me["operator"], true, "{me}");
    let first = me["projects"][0].clone();
    let (id, name) = (
        first["id"].as_str().unwrap(),
        first["name"].as_str().unwrap(),
    );

    // Only operators see every project.
    let (s, b) = call(&app, &ann, "GET", "/api/v1/operator/projects", None).await;
    assert_eq!(s, 403, "{b}");
    assert!(
        b["error"].as_str().unwrap().contains("OVERDUE_OPERATORS"),
        "{b}"
    );
    monitor(&app, "one").await;
    let list = usage(&app, &ops).await;
    let p = row(&list, name);
    assert_eq!(
        (p["monitors"].as_i64(), p["members"].as_i64()),
        (Some(1), Some(2)),
        "{p}"
    );
    assert_eq!(p["owners"], json!(["ann@example.com"]), "{p}");
    assert_eq!(
        p["max_monitors"],
        json!({"own": null, "effective": 5000}),
        "{p}"
    );
    let s2 = row(&list, "Second");
    assert_eq!(
        (s2["monitors"].as_i64(), s2["members"].as_i64()),
        (Some(0), Some(1)),
        "{s2}"
    );

    // A project's own limit stands for it; the other keeps the instance's.
    let limits = format!("/api/v1/operator/projects/{id}/limits");
    let (s, b) = call(
        &app,
        &ops,
        "PUT",
        &limits,
        Some(json!({"max_monitors": 2, "max_streams": 1})),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let (s, _) = call(&app, &ann, "PUT", &limits, Some(json!({"max_monitors": 9}))).await;
    assert_eq!(s, 403, "a project's owner is no operator");
    assert_eq!(monitor(&app, "two").await.0, 201);
    let (s, b) = monitor(&app, "three").await;
    assert_eq!(s, 403, "{b}");
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .contains("the most allowed (2)"),
        "{b}"
    );
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .contains("this project's limit"),
        "{b}"
    );
    let list = usage(&app, &ops).await;
    assert_eq!(
        row(&list, name)["max_monitors"],
        json!({"own": 2, "effective": 2})
    );
    assert_eq!(row(&list, "Second")["max_monitors"]["own"], Value::Null);

    // One live stream for this project: the second is refused while the first is open.
    let stream = || {
        app.http
            .get(app.url("/api/v1/events"))
            .header("X-Api-Key", &app.api_key)
            .send()
    };
    let open = stream().await.unwrap();
    assert_eq!(open.status().as_u16(), 200);
    assert_eq!(stream().await.unwrap().status().as_u16(), 429);
    assert_eq!(row(&usage(&app, &ops).await, name)["streams_open"], 1);
    // A client that goes away gives its stream back: the server finds out when a
    // keep-alive write fails, the second after it left (10 s).
    drop(open);
    let gone = std::time::Instant::now();
    while row(&usage(&app, &ops).await, name)["streams_open"] != 0 {
        assert!(
            gone.elapsed().as_secs() < 30,
            "the stream was not given back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // Refused in words, nothing written.
    for (body, says) in [
        (
            json!({"max_monitors": -1}),
            "max_monitors: -1 must be from 0",
        ),
        (json!({"max_streams": 0}), "max_streams: 0 must be from 1"),
        (json!({"max_monitors": "lots"}), "max_monitors"),
        (json!({"monitors": 3}), "monitors"),
    ] {
        let (s, b) = call(&app, &ops, "PUT", &limits, Some(body.clone())).await;
        assert_eq!(s, 400, "{body}: {b}");
        assert!(b["error"].as_str().unwrap().contains(says), "{body}: {b}");
    }
    let unknown = "/api/v1/operator/projects/00000000-0000-4000-8000-000000000000/limits";
    let (s, b) = call(&app, &ops, "PUT", unknown, Some(json!({}))).await;
    assert_eq!(s, 404, "{b}");
    let (s, b) = call(
        &app,
        &ops,
        "PUT",
        "/api/v1/operator/projects/nope/limits",
        Some(json!({})),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(
        row(&usage(&app, &ops).await, name)["max_monitors"]["own"],
        2
    );

    // Back to the instance's: the third monitor is taken.
    let (s, b) = call(&app, &ops, "PUT", &limits, Some(json!({}))).await;
    assert_eq!(s, 204, "{b}");
    assert_eq!(monitor(&app, "three").await.0, 201);
    let (s, log) = app
        .api("GET", "/api/v1/audit?actor=ops@example.com", None)
        .await;
    assert_eq!(s, 200, "{log}");
    assert!(!log["events"].as_array().unwrap().is_empty(), "{log}");
    app.stop().await;
}
both!(
    operators_see_usage_and_set_a_projects_own_limits,
    operator_limits
);
