//! The audit log (issue 35, docs/security.md "Audit log"): each change through the API
//! is recorded in its own unit of work with who (a key's name, a user), what, which
//! object, the fields sent (secrets only as "changed") and the address; readable by
//! admins, paged, filtered, exported as NDJSON, pruned by age. Reads, refusals and
//! anonymous calls record nothing. Both databases.

use overdue_core::{Role, Timestamp};
use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};
use crate::people::accounts::{call, send, sign_json};

const SECRET_URL: &str = "https://hooks.example.com/T000/SECRETPATH";

async fn log(app: &TestApp, query: &str) -> Value {
    let (s, b) = app.api("GET", &format!("/api/v1/audit{query}"), None).await;
    assert_eq!(s, 200, "{b}");
    b
}

fn find<'a>(events: &'a [Value], actor: &str, action: &str, object: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["actor"] == actor && e["action"] == action && e["object"] == object)
        .unwrap_or_else(|| panic!("no {actor} {action} {object} in {events:#?}"))
}

async fn audit(backend: Backend) {
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
    let ann = sign_json(
        &app,
        "/api/v1/auth/login",
        json!({"email": "ann@example.com", "password": "correct horse"}),
        200,
    )
    .await;

    // Changes by the project's key ("test") and by Ann's session.
    let m = app.monitor(json!({"name": "backup"})).await;
    let (s, _) = app
        .api(
            "PATCH",
            &format!("/api/v1/monitors/{m}"),
            Some(json!({"name": "nightly backup"})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .api("POST", &format!("/api/v1/monitors/{m}/pause"), None)
        .await;
    assert_eq!(s, 200);
    let (s, ch) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "webhook", "name": "hook", "url": SECRET_URL})),
        )
        .await;
    assert_eq!(s, 201, "{ch}");
    let (s, _) = app
        .api("DELETE", &format!("/api/v1/monitors/{m}"), None)
        .await;
    assert_eq!(s, 200);
    let (s, k) = call(
        &app,
        &ann,
        "POST",
        "/api/v1/keys",
        Some(json!({"name": "ci"})),
    )
    .await;
    assert_eq!(s, 201, "{k}");
    let (s, b) = call(
        &app,
        &ann,
        "POST",
        "/api/v1/invitations",
        Some(json!({"email": "bob@example.com", "role": "member"})),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let (s, _) = call(
        &app,
        &ann,
        "POST",
        "/api/v1/auth/password",
        Some(json!({"current_password": "correct horse", "new_password": "battery staple"})),
    )
    .await;
    assert_eq!(s, 204);
    // Nothing recorded for reads, refusals and anonymous calls.
    let before = log(&app, "").await["events"].as_array().unwrap().len();
    app.api("GET", "/api/v1/monitors", None).await;
    let (s, _) = app
        .api_with(
            &app.read_only_key,
            "POST",
            "/api/v1/monitors",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = app
        .api("POST", "/api/v1/monitors", Some(json!({"name": 7})))
        .await;
    assert_eq!(s, 400);
    let (s, _, _) = send(
        &app,
        "POST",
        "/api/v1/auth/login",
        None,
        false,
        Some(json!({"email": "ann@example.com", "password": "wrong one!"})),
    )
    .await;
    assert_eq!(s, 401);
    assert_eq!(
        log(&app, "").await["events"].as_array().unwrap().len(),
        before
    );

    let page = log(&app, "").await;
    let raw = page.to_string();
    for secret in ["SECRETPATH", "correct horse", "battery staple"] {
        assert!(!raw.contains(secret), "{secret} in the log: {raw}");
    }
    let events = page["events"].as_array().unwrap();
    let made = find(events, "key default", "create", "monitors");
    assert_eq!(made["fields"]["name"], "backup");
    assert_eq!(made["address"], "127.0.0.1");
    assert!(
        Timestamp::parse_rfc3339(made["at"].as_str().unwrap()).is_some(),
        "{made}"
    );
    let changed = find(events, "key default", "change", "monitors");
    assert_eq!(changed["object_id"], m.as_str());
    assert_eq!(changed["fields"], json!({"name": "nightly backup"}));
    assert_eq!(
        find(events, "key default", "pause", "monitors")["object_id"],
        m.as_str()
    );
    assert_eq!(
        find(events, "key default", "delete", "monitors")["object_id"],
        m.as_str()
    );
    let hook = find(events, "key default", "create", "channels");
    assert_eq!(
        (&hook["fields"]["url"], &hook["fields"]["name"]),
        (&json!("changed"), &json!("hook"))
    );
    assert_eq!(
        find(events, "ann@example.com", "create", "keys")["fields"]["name"],
        "ci"
    );
    assert_eq!(
        find(events, "ann@example.com", "create", "invitations")["fields"]["email"],
        "bob@example.com"
    );
    let pw = find(events, "ann@example.com", "password change", "account");
    assert_eq!(pw["fields"], json!({}), "a password change says only that");
    find(events, "ann@example.com", "sign-in", "account");
    // The account made on the server's shell names the shell.
    let made_by_cli = find(events, "cli", "create", "users");
    assert_eq!(made_by_cli["fields"]["email"], "ann@example.com");
    assert_eq!(made_by_cli["address"], "local");
    // Newest first.
    let ids: Vec<i64> = events.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");

    // Filters, pages, the export.
    let mine = log(&app, "?actor=key%20default&object=monitors").await;
    assert_eq!(mine["events"].as_array().unwrap().len(), 4, "{mine}");
    let first = log(&app, "?limit=3").await;
    assert_eq!(first["events"].as_array().unwrap().len(), 3);
    let next = first["next"].as_i64().unwrap();
    let rest = log(&app, &format!("?limit=500&before={next}")).await;
    assert_eq!(rest["events"].as_array().unwrap().len() + 3, events.len());
    assert_eq!(rest["next"], Value::Null);
    let r = app
        .http
        .get(app.url("/api/v1/audit?format=ndjson"))
        .header("X-Api-Key", &app.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/x-ndjson");
    let text = r.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), events.len());
    assert_eq!(lines[0]["id"], events[0]["id"]);
    for (q, word) in [
        ("?format=xml", "ndjson"),
        ("?limit=0", "1 to 500"),
        ("?since=yesterday", "RFC 3339"),
        ("?colour=red", "colour"),
    ] {
        let (s, b) = app.api("GET", &format!("/api/v1/audit{q}"), None).await;
        assert_eq!(s, 400, "{q}: {b}");
        assert!(b["error"].as_str().unwrap().contains(word), "{q}: {b}");
    }
    // Admins and owners only.
    let (s, _) = app
        .api_with(&app.read_only_key, "GET", "/api/v1/audit", None)
        .await;
    assert_eq!(s, 403);

    // Another project sees none of it but its own (and its members' sign-ins).
    let (s, other) = call(
        &app,
        &ann,
        "POST",
        "/api/v1/projects",
        Some(json!({"name": "Other"})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, theirs) = app
        .api_with(
            other["api_key"].as_str().unwrap(),
            "GET",
            "/api/v1/audit",
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert!(
        theirs["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["object"] != "monitors" && e["actor"] != "key default"),
        "{theirs}"
    );

    // Kept for a while: records older than the horizon go.
    app.store
        .write(|tx| {
            let later = Timestamp(tx.now().0 + 1);
            overdue_storage::base::audit::prune(tx, later)
        })
        .await
        .unwrap();
    assert_eq!(log(&app, "").await["events"], json!([]));
    app.stop().await;
}
both!(the_audit_log_records_every_change_and_never_a_secret, audit);
