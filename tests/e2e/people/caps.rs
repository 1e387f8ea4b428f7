//! The operator's caps (issue 27, docs/security.md "Limits"): monitors per project on
//! every path that makes one (v1, v3, `?create=1`, chains), projects per user and who may
//! create them, invitations per inviter and hour, live streams per project. Each answer
//! names the limit. Both databases.

use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::harness::{fresh_database, Backend, TestApp};
use crate::people::accounts::{invited, send, sign_json, Session};

fn said(body: &serde_json::Value, what: &str) -> bool {
    body["error"].as_str().is_some_and(|e| e.contains(what))
}

async fn monitors(backend: Backend) {
    let app = TestApp::spawn_on(&fresh_database(backend), |s| {
        s.limits.caps.monitors_per_project = 3;
    })
    .await;
    let a = app.monitor(json!({"name": "a", "slug": "a"})).await;
    let b = app.monitor(json!({"name": "b", "slug": "b"})).await;
    app.monitor(json!({"name": "c"})).await;
    let (s, e) = app
        .api("POST", "/api/v1/monitors", Some(json!({"name": "d"})))
        .await;
    assert_eq!(s, 403, "{e}");
    assert!(said(&e, "monitors per project"), "{e}");
    let (s, e) = app
        .api("POST", "/api/v3/checks/", Some(json!({"name": "d"})))
        .await;
    assert_eq!(s, 403, "{e}");
    let (s, e) = app
        .api(
            "POST",
            "/api/v1/chains",
            Some(json!({"name": "ch", "members": [a, b], "within": "3h"})),
        )
        .await;
    assert_eq!(s, 403, "{e}");
    let r = app
        .http
        .post(app.url(&format!("/ping/{}/new-one?create=1", app.ping_key)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("monitors per project"));
    let (_, list) = app.api("GET", "/api/v1/monitors", None).await;
    assert_eq!(list["monitors"].as_array().unwrap().len(), 3);
    app.stop().await;
}
both!(monitors_per_project_on_every_path, monitors);

async fn projects(backend: Backend) {
    let app = TestApp::spawn_on(&fresh_database(backend), |s| {
        s.limits.caps.projects_per_user = 2;
    })
    .await;
    let ann = sign_json(
        &app,
        "/api/v1/auth/setup",
        json!({"email": "ann@example.com", "password": "ann password"}),
        201,
    )
    .await;
    let make = |who: &Session, name: &str| {
        let body = json!({ "name": name });
        let s = Session {
            cookie: who.cookie.clone(),
            csrf: who.csrf.clone(),
        };
        let app = &app;
        async move {
            let (st, b, _) =
                send(app, "POST", "/api/v1/projects", Some(&s), true, Some(body)).await;
            (st, b)
        }
    };
    // A member who owns nothing may not make projects (the default rule: owners).
    let (bob, _) = invited(&app, &ann, "bob@example.com", "member", "bob password").await;
    let (s, b) = make(&bob, "mine").await;
    assert_eq!(s, 403, "{b}");
    assert!(said(&b, "OVERDUE_PROJECT_CREATION"), "{b}");
    // An owner may, up to the cap (ann owns Default already).
    let (s, b) = make(&ann, "second").await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = make(&ann, "third").await;
    assert_eq!(s, 403, "{b}");
    assert!(said(&b, "projects per user"), "{b}");

    // Invitations: 20 an hour per inviter and project (bob's was the first).
    let mut last = (0, json!(null));
    for i in 0..20 {
        let body = json!({"email": format!("p{i}@example.com"), "role": "viewer"});
        let (s, b, _) = send(
            &app,
            "POST",
            "/api/v1/invitations",
            Some(&ann),
            true,
            Some(body),
        )
        .await;
        last = (s, b);
        if i < 19 {
            assert_eq!(s, 201, "{}", last.1);
        }
    }
    assert_eq!(last.0, 429, "{}", last.1);
    assert!(said(&last.1, "invitations per hour"), "{}", last.1);
    app.stop().await;

    let closed = TestApp::spawn_on(&fresh_database(backend), |s| {
        s.limits.project_creation = overdue_server::http::quota::ProjectCreation::Nobody;
    })
    .await;
    let ann = sign_json(
        &closed,
        "/api/v1/auth/setup",
        json!({"email": "ann@example.com", "password": "ann password"}),
        201,
    )
    .await;
    let (s, b, _) = send(
        &closed,
        "POST",
        "/api/v1/projects",
        Some(&ann),
        true,
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(s, 403, "{b}");
    closed.stop().await;
}
both!(projects_per_user_and_who_may_create_them, projects);

async fn streams(backend: Backend) {
    let app = TestApp::spawn_on(&fresh_database(backend), |s| s.limits.max_streams = 2).await;
    let open = || {
        app.http
            .get(app.url("/api/v1/events"))
            .header("X-Api-Key", &app.read_only_key)
            .send()
    };
    let first = open().await.unwrap();
    let second = open().await.unwrap();
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let third = open().await.unwrap();
    assert_eq!(third.status(), 429);
    assert!(third
        .text()
        .await
        .unwrap()
        .contains("live streams per project"));
    drop(first);
    // The server notices the closed stream when it next writes to it: a ping gives it
    // something to write. Poll until a place is free again.
    let id = app.monitor(json!({"name": "m", "period": "1h"})).await;
    let mut freed = false;
    for _ in 0..300 {
        app.ping(&id).await;
        let r = open().await.unwrap();
        if r.status() == 200 {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(freed, "a closed stream gives its place back");
    drop(second);
    app.stop().await;
}
both!(live_streams_per_project, streams);
