//! Projects as objects (issue 35, docs/behaviour.md "Projects"): renamed by an owner,
//! handed over to a member, deleted with a confirmation that names what goes — and then
//! nothing of it answers: keys, ping URLs, members' access, rows. Another project is
//! untouched. Both databases.

use diesel::prelude::*;
use overdue_core::Role;
use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};
use crate::people::accounts::{call, sign_json};

fn sign_in(email: &str) -> Value {
    json!({"email": email, "password": "correct horse"})
}

/// Rows of `table` whose `column` is `value` (a count through the store).
async fn rows(app: &TestApp, sql: &'static str, value: String) -> i64 {
    app.store
        .read(move |c| {
            #[derive(QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let q = diesel::sql_query(sql).bind::<diesel::sql_types::Text, _>(value);
            let n: N = q.get_result(c)?;
            Ok(n.n)
        })
        .await
        .unwrap()
}

async fn lifecycle(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (email, role) in [
        ("ann@example.com", Role::Owner),
        ("bob@example.com", Role::Member),
    ] {
        overdue::create_user(&app.store, email, "correct horse", Some(role), None)
            .await
            .unwrap();
    }
    let ann = sign_json(&app, "/api/v1/auth/login", sign_in("ann@example.com"), 200).await;
    let bob = sign_json(&app, "/api/v1/auth/login", sign_in("bob@example.com"), 200).await;
    let a = app.monitor(json!({"name": "backup"})).await;
    app.monitor(json!({"name": "invoices"})).await;
    app.webhook("https://hooks.example.com/x").await;
    assert_eq!(app.ping(&a).await, 200);

    // Renaming is the owner's: not an admin key's, not a member's; a blank name is refused.
    let (s, b) = app
        .api("PATCH", "/api/v1/project", Some(json!({"name": "Billing"})))
        .await;
    assert_eq!(s, 403, "{b}");
    assert!(b["error"].as_str().unwrap().contains("owner"), "{b}");
    let (s, _) = call(
        &app,
        &bob,
        "PATCH",
        "/api/v1/project",
        Some(json!({"name": "Billing"})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, b) = call(
        &app,
        &ann,
        "PATCH",
        "/api/v1/project",
        Some(json!({"name": " "})),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = call(
        &app,
        &ann,
        "PATCH",
        "/api/v1/project",
        Some(json!({"name": "Billing"})),
    )
    .await;
    assert_eq!((s, &b["name"]), (200, &json!("Billing")), "{b}");

    // What it holds, for every role.
    let (s, c) = call(&app, &bob, "GET", "/api/v1/project/contents", None).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(
        (&c["name"], &c["monitors"], &c["channels"], &c["members"]),
        (&json!("Billing"), &json!(2), &json!(1), &json!(2)),
        "{c}"
    );
    assert!(
        c["words"]
            .as_str()
            .unwrap()
            .starts_with("2 monitors, 1 channel"),
        "{c}"
    );

    // Handing over: to a member only, not to oneself, not by a key.
    let (s, b) = app
        .api(
            "POST",
            "/api/v1/project/transfer",
            Some(json!({"to": "bob@example.com"})),
        )
        .await;
    assert_eq!(s, 403, "{b}");
    let (s, b) = call(
        &app,
        &ann,
        "POST",
        "/api/v1/project/transfer",
        Some(json!({"to": "zed@example.com"})),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    assert!(b["error"].as_str().unwrap().contains("not a member"), "{b}");
    let (s, b) = call(
        &app,
        &ann,
        "POST",
        "/api/v1/project/transfer",
        Some(json!({"to": "ann@example.com"})),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = call(
        &app,
        &ann,
        "POST",
        "/api/v1/project/transfer",
        Some(json!({"to": "Bob@Example.com"})),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let role = |me: &Value| me["projects"][0]["role"].clone();
    let (_, me) = call(&app, &ann, "GET", "/api/v1/auth/me", None).await;
    assert_eq!(role(&me), "admin", "{me}");
    let (_, me) = call(&app, &bob, "GET", "/api/v1/auth/me", None).await;
    assert_eq!(role(&me), "owner", "{me}");

    // Bob has a second project of his own, which must outlive the first.
    let (s, other) = call(
        &app,
        &bob,
        "POST",
        "/api/v1/projects",
        Some(json!({"name": "Other"})),
    )
    .await;
    assert_eq!(s, 201, "{other}");
    let other_key = other["api_key"].as_str().unwrap().to_string();
    let (s, m) = app
        .api_with(
            &other_key,
            "POST",
            "/api/v1/monitors",
            Some(json!({"name": "kept"})),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    let kept = m["uuid"].as_str().unwrap().to_string();

    // Deleting: the owner's session only, and only with the name typed again.
    let (s, _) = call(
        &app,
        &ann,
        "DELETE",
        "/api/v1/project",
        Some(json!({"confirm": "Billing"})),
    )
    .await;
    assert_eq!(s, 403, "an admin now");
    let (s, _) = app
        .api(
            "DELETE",
            "/api/v1/project",
            Some(json!({"confirm": "Billing"})),
        )
        .await;
    assert_eq!(s, 403, "a key");
    let (s, b) = call(
        &app,
        &bob,
        "DELETE",
        "/api/v1/project",
        Some(json!({"confirm": "billing"})),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    let e = b["error"].as_str().unwrap();
    assert!(
        e.contains("2 monitors, 1 channel") && e.contains("\"Billing\""),
        "{e}"
    );
    let (s, b) = call(&app, &bob, "DELETE", "/api/v1/project", Some(json!({}))).await;
    assert_eq!(s, 400, "{b}");
    let project = c["id"].as_str().unwrap().to_string();
    assert!(
        rows(
            &app,
            "SELECT count(*) AS n FROM pings WHERE monitor_id = $1",
            a.clone()
        )
        .await
            > 0
    );
    let (s, gone) = call(
        &app,
        &bob,
        "DELETE",
        "/api/v1/project",
        Some(json!({"confirm": "Billing"})),
    )
    .await;
    assert_eq!(s, 200, "{gone}");
    assert_eq!(gone["monitors"], 2, "{gone}");

    // Nothing of it answers any more; nothing of it is left.
    let (s, _) = app.api("GET", "/api/v1/monitors", None).await;
    assert_eq!(s, 401, "its keys went with it");
    assert_eq!(app.ping(&a).await, 404, "its ping URLs too");
    let (_, me) = call(&app, &ann, "GET", "/api/v1/auth/me", None).await;
    assert_eq!(me["projects"], json!([]), "{me}");
    let (_, me) = call(&app, &bob, "GET", "/api/v1/auth/me", None).await;
    assert_eq!(me["projects"].as_array().unwrap().len(), 1, "{me}");
    for sql in [
        "SELECT count(*) AS n FROM monitors WHERE project_id = $1",
        "SELECT count(*) AS n FROM channels WHERE project_id = $1",
        "SELECT count(*) AS n FROM api_keys WHERE project_id = $1",
        "SELECT count(*) AS n FROM memberships WHERE project_id = $1",
        "SELECT count(*) AS n FROM projects WHERE id = $1",
    ] {
        assert_eq!(rows(&app, sql, project.clone()).await, 0, "{sql}");
    }
    assert_eq!(
        rows(
            &app,
            "SELECT count(*) AS n FROM pings WHERE monitor_id = $1",
            a.clone()
        )
        .await,
        0
    );
    // The other project works as before.
    assert_eq!(app.ping(&kept).await, 200);
    let (s, list) = app
        .api_with(&other_key, "GET", "/api/v1/monitors", None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(list["monitors"].as_array().unwrap().len(), 1, "{list}");
    app.stop().await;
}
both!(a_project_is_renamed_handed_over_and_deleted, lifecycle);

/// The overview of one's projects counts what needs attention in each, now.
async fn overview(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    overdue::create_user(
        &app.store,
        "ann@example.com",
        "correct horse",
        Some(Role::Owner),
        None,
    )
    .await
    .unwrap();
    let ann = sign_json(&app, "/api/v1/auth/login", sign_in("ann@example.com"), 200).await;
    let a = app.monitor(json!({"name": "backup"})).await;
    app.monitor(json!({"name": "invoices"})).await;
    let (s, _) = call(
        &app,
        &ann,
        "POST",
        "/api/v1/projects",
        Some(json!({"name": "Quiet"})),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(app.ping(&format!("{a}/fail")).await, 200);
    let (s, o) = call(&app, &ann, "GET", "/api/v1/projects", None).await;
    assert_eq!(s, 200, "{o}");
    let list = o["projects"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{o}");
    let default = &list[0];
    assert_eq!(
        (
            &default["name"],
            &default["role"],
            &default["monitors"],
            &default["down"],
            &default["late"]
        ),
        (
            &json!("Default"),
            &json!("owner"),
            &json!(2),
            &json!(1),
            &json!(0)
        ),
        "{o}"
    );
    assert_eq!(default["open_alerts"], 1, "{o}");
    assert_eq!(
        (&list[1]["name"], &list[1]["monitors"]),
        (&json!("Quiet"), &json!(0))
    );
    // A key is no person: it has no projects to list.
    let (s, _) = app.api("GET", "/api/v1/projects", None).await;
    assert_eq!(s, 401);
    app.stop().await;
}
both!(the_overview_counts_each_project_now, overview);
