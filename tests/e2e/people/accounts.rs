//! Accounts: first-user setup, sign in / out, session cookies, CSRF, roles, and
//! `overdue user create`.

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};

/// A browser-like client: the session cookie and CSRF token it was given.
pub(crate) struct Session {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    s: Option<&Session>,
    csrf: bool,
    body: Option<Value>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut r = app.http.request(method.parse().unwrap(), app.url(path));
    if let Some(s) = s {
        r = r.header("Cookie", format!("overdue_session={}", s.cookie));
        if csrf {
            r = r.header("X-CSRF-Token", &s.csrf);
        }
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        headers,
    )
}

/// Signs in (or sets up) and returns the session; asserts the cookie's attributes.
pub(crate) async fn sign(
    app: &TestApp,
    path: &str,
    email: &str,
    password: &str,
    want: u16,
) -> Session {
    sign_json(
        app,
        path,
        json!({"email": email, "password": password}),
        want,
    )
    .await
}

/// Posts `body` to a route that starts a session, and returns the session.
/// The first account's setup (`/api/v1/auth/setup`) gets a fresh setup link's token
/// unless the body names one, as if read from `overdue serve`'s terminal.
/// A call with `who`'s session and its CSRF token: the status and the body.
pub(crate) async fn call(
    app: &TestApp,
    who: &Session,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let (s, b, _) = send(app, method, path, Some(who), true, body).await;
    (s, b)
}

/// A POST without a session: the status and the body.
pub(crate) async fn anon(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let (s, b, _) = send(app, "POST", path, None, false, Some(body)).await;
    (s, b)
}

pub(crate) async fn sign_json(app: &TestApp, path: &str, mut body: Value, want: u16) -> Session {
    if path == "/api/v1/auth/setup" && body.get("token").is_none() {
        body["token"] = setup_token(app).await.into();
    }
    let (status, body, headers) = send(app, "POST", path, None, false, Some(body)).await;
    assert_eq!(status, want, "{body}");
    let set = headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_string();
    assert!(set.starts_with("overdue_session=ods_"), "{set}");
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Lax"), "{set}");
    let cookie = set
        .trim_start_matches("overdue_session=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    Session {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().to_string(),
    }
}

/// A new setup link's token, as `overdue serve` makes one at start (`None` once the
/// instance has an account).
pub(crate) async fn setup_token(app: &TestApp) -> Option<String> {
    app.store
        .write(overdue_storage::people::accounts::setup_link)
        .await
        .unwrap()
}

/// Only the setup link makes the first account: a stranger without it, or with a made-up
/// token, is refused in words and makes nothing; the link works once.
async fn a_stranger_cannot_claim_the_instance(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let eve = |token: Option<&str>| {
        let mut b = json!({"email": "eve@example.com", "password": "long enough"});
        if let Some(t) = token {
            b["token"] = t.into();
        }
        b
    };
    for body in [
        eve(None),
        eve(Some("")),
        eve(Some("guessedguessedguessedguessed1234")),
    ] {
        let (s, b, _) = send(&app, "POST", "/api/v1/auth/setup", None, false, Some(body)).await;
        assert_eq!(s, 403, "{b}");
        assert!(b["error"].as_str().unwrap().contains("setup link"), "{b}");
    }
    let (_, st, _) = send(&app, "GET", "/api/v1/auth/status", None, false, None).await;
    assert_eq!(st["setup_needed"], true, "nothing was made: {st}");
    let token = setup_token(&app).await.unwrap();
    let ann = json!({"email": "ann@example.com", "password": "correct horse", "token": token});
    sign_json(&app, "/api/v1/auth/setup", ann.clone(), 201).await;
    // Spent: the same link again, or a new one, finds an instance set up.
    let (s, b, _) = send(&app, "POST", "/api/v1/auth/setup", None, false, Some(ann)).await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(
        setup_token(&app).await,
        None,
        "no link once an account exists"
    );
    app.stop().await;
}
both!(
    a_stranger_cannot_claim_the_instance,
    a_stranger_cannot_claim_the_instance
);

async fn story(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, st, _) = send(&app, "GET", "/api/v1/auth/status", None, false, None).await;
    assert_eq!((s, st["setup_needed"].clone()), (200, json!(true)));

    // Bad sign-up input: a 400 that says what to fix, and no account made.
    for (email, pw, says) in [
        ("not-an-address", "long enough", "e-mail"),
        ("ann@example.com", "short", "at least 8"),
    ] {
        let (s, b, _) = send(
            &app,
            "POST",
            "/api/v1/auth/setup",
            None,
            false,
            Some(json!({"email": email, "password": pw})),
        )
        .await;
        assert_eq!(s, 400, "{b}");
        assert!(b["error"].as_str().unwrap().contains(says), "{b}");
    }
    // A form post (what a cross-site page can send) is refused.
    let r = app
        .http
        .post(app.url("/api/v1/auth/setup"))
        .form(&[("email", "ann@example.com"), ("password", "long enough")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());

    let owner = sign(
        &app,
        "/api/v1/auth/setup",
        " Ann@Example.com",
        "correct horse",
        201,
    )
    .await;
    let (_, me, _) = send(&app, "GET", "/api/v1/auth/me", Some(&owner), false, None).await;
    assert_eq!(me["email"], "ann@example.com");
    assert_eq!(me["projects"][0]["role"], "owner");
    // Only once.
    let (s, _, _) = send(
        &app,
        "POST",
        "/api/v1/auth/setup",
        None,
        false,
        Some(json!({"email": "eve@example.com", "password": "long enough"})),
    )
    .await;
    assert_eq!(s, 409);
    // The password is stored as an argon2id hash.
    let hash = app
        .store
        .read(|c| {
            overdue_storage::people::accounts::find_by_email(c, "ann@example.com")
                .map(|u| u.unwrap().password_hash)
        })
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("correct horse"));

    // The session works for the API; changes need the CSRF token.
    let (s, _, _) = send(&app, "GET", "/api/v1/monitors", Some(&owner), false, None).await;
    assert_eq!(s, 200);
    let m = json!({"name": "nightly", "period": "1d"});
    let (s, b, _) = send(
        &app,
        "POST",
        "/api/v1/monitors",
        Some(&owner),
        false,
        Some(m.clone()),
    )
    .await;
    assert_eq!(s, 403, "{b}");
    assert!(b["error"].as_str().unwrap().contains("CSRF"), "{b}");
    let (s, b, _) = send(
        &app,
        "POST",
        "/api/v1/monitors",
        Some(&owner),
        true,
        Some(m),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    // Another project's id in X-Project: 404, as for an unknown one.
    let r = app
        .http
        .get(app.url("/api/v1/monitors"))
        .header("Cookie", format!("overdue_session={}", owner.cookie))
        .header("X-Project", uuid::Uuid::new_v4().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Sign-in: a wrong password and an unknown e-mail get the same answer.
    for (email, pw) in [
        ("ann@example.com", "wrong horse"),
        ("bob@example.com", "correct horse"),
    ] {
        let (s, b, _) = send(
            &app,
            "POST",
            "/api/v1/auth/login",
            None,
            false,
            Some(json!({"email": email, "password": pw})),
        )
        .await;
        assert_eq!(s, 401);
        assert_eq!(b["error"], "wrong e-mail or password");
    }
    let second = sign(
        &app,
        "/api/v1/auth/login",
        "ANN@example.com",
        "correct horse",
        200,
    )
    .await;
    // Sign-out ends that session only.
    let (s, _, _) = send(
        &app,
        "POST",
        "/api/v1/auth/logout",
        Some(&second),
        false,
        None,
    )
    .await;
    assert_eq!(s, 403, "sign-out needs the CSRF token too");
    let (s, _, _) = send(
        &app,
        "POST",
        "/api/v1/auth/logout",
        Some(&second),
        true,
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _, _) = send(&app, "GET", "/api/v1/monitors", Some(&second), false, None).await;
    assert_eq!(s, 401);
    let (s, _, _) = send(&app, "GET", "/api/v1/monitors", Some(&owner), false, None).await;
    assert_eq!(s, 200);

    // Users from the CLI, with roles enforced by the server.
    for (email, role) in [("vic@example.com", "viewer"), ("mo@example.com", "member")] {
        let u = overdue::create_user(
            &app.store,
            email,
            "long enough",
            overdue_core::Role::parse(role),
            None,
        )
        .await
        .unwrap();
        assert_eq!(u.role.as_str(), role);
    }
    let viewer = sign(
        &app,
        "/api/v1/auth/login",
        "vic@example.com",
        "long enough",
        200,
    )
    .await;
    let (s, _, _) = send(&app, "GET", "/api/v1/monitors", Some(&viewer), false, None).await;
    assert_eq!(s, 200);
    let m = json!({"name": "x"});
    let (s, _, _) = send(
        &app,
        "POST",
        "/api/v1/monitors",
        Some(&viewer),
        true,
        Some(m.clone()),
    )
    .await;
    assert_eq!(s, 403);
    let member = sign(
        &app,
        "/api/v1/auth/login",
        "mo@example.com",
        "long enough",
        200,
    )
    .await;
    let (s, _, _) = send(
        &app,
        "POST",
        "/api/v1/monitors",
        Some(&member),
        true,
        Some(m),
    )
    .await;
    assert_eq!(s, 201);
    let ch = json!({"kind": "webhook", "name": "h", "url": "https://example.com/h"});
    let (s, b, _) = send(
        &app,
        "POST",
        "/api/v1/channels",
        Some(&member),
        true,
        Some(ch.clone()),
    )
    .await;
    assert_eq!(s, 403, "members do not manage channels: {b}");
    let (s, b, _) = send(
        &app,
        "POST",
        "/api/v1/channels",
        Some(&owner),
        true,
        Some(ch),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    // A duplicate e-mail and a bad role name are refused with a clear message.
    let e = overdue::create_user(&app.store, "MO@example.com", "long enough", None, None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    app.stop().await;
}
both!(accounts_sessions_csrf_and_roles, story);

async fn team(backend: Backend) {
    let (app, owner) = with_owner(backend).await;

    // API keys: shown once, listed by prefix, revoked.
    let (s, k, _) = send(
        &app,
        "POST",
        "/api/v1/keys",
        Some(&owner),
        true,
        Some(json!({"name": "ci", "read_only": false})),
    )
    .await;
    assert_eq!(s, 201, "{k}");
    let key = k["key"].as_str().unwrap().to_string();
    let r = app
        .http
        .get(app.url("/api/v1/monitors"))
        .header("X-Api-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, list, _) = send(&app, "GET", "/api/v1/keys", Some(&owner), false, None).await;
    let listed = list["keys"].as_array().unwrap();
    assert!(listed.iter().all(|k| k.get("key").is_none()), "{list}");
    assert!(listed.iter().any(|x| x["prefix"] == key[..8]));
    let path = format!("/api/v1/keys/{}", k["id"].as_str().unwrap());
    let (s, _, _) = send(&app, "DELETE", &path, Some(&owner), true, None).await;
    assert_eq!(s, 204);
    let r = app
        .http
        .get(app.url("/api/v1/monitors"))
        .header("X-Api-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a revoked key still works");

    // An invitation: a link, taken once, giving the role it names.
    let (bob, token) = invited(&app, &owner, "bob@example.com", "viewer", "bob's secret").await;
    let (_, me, _) = send(&app, "GET", "/api/v1/auth/me", Some(&bob), false, None).await;
    assert_eq!(me["email"], "bob@example.com");
    assert_eq!(me["projects"][0]["role"], "viewer");
    let (s, _, _) = send(
        &app,
        "POST",
        "/api/v1/auth/accept",
        Some(&bob),
        true,
        Some(json!({ "token": token })),
    )
    .await;
    assert_eq!(s, 404, "an invitation works once");
    let m = json!({"name": "by bob"});
    let (s, _, _) = send(
        &app,
        "POST",
        "/api/v1/monitors",
        Some(&bob),
        true,
        Some(m.clone()),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _, _) = send(
        &app,
        "POST",
        "/api/v1/invitations",
        Some(&bob),
        true,
        Some(json!({"email": "eve@example.com", "role": "owner"})),
    )
    .await;
    assert_eq!(s, 403, "only owners invite");

    // Roles change; the last owner stays.
    let (_, members, _) = send(&app, "GET", "/api/v1/members", Some(&owner), false, None).await;
    let id_of = |email: &str| {
        members["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == email)
            .unwrap()["user_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (bob_id, ann_id) = (id_of("bob@example.com"), id_of("ann@example.com"));
    let role = |r: &str| Some(json!({ "role": r }));
    let (s, _, _) = send(
        &app,
        "PATCH",
        &format!("/api/v1/members/{bob_id}"),
        Some(&owner),
        true,
        role("member"),
    )
    .await;
    assert_eq!(s, 204);
    let (s, _, _) = send(&app, "POST", "/api/v1/monitors", Some(&bob), true, Some(m)).await;
    assert_eq!(s, 201);
    let (s, b, _) = send(
        &app,
        "PATCH",
        &format!("/api/v1/members/{ann_id}"),
        Some(&owner),
        true,
        role("admin"),
    )
    .await;
    assert_eq!(s, 409, "{b}");
    let (s, b, _) = send(
        &app,
        "PATCH",
        &format!("/api/v1/members/{bob_id}"),
        Some(&owner),
        true,
        role("boss"),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    let (s, _, _) = send(
        &app,
        "DELETE",
        &format!("/api/v1/members/{bob_id}"),
        Some(&owner),
        true,
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _, _) = send(&app, "GET", "/api/v1/monitors", Some(&bob), false, None).await;
    assert_eq!(s, 404, "a removed member has no project");
    app.stop().await;
}
both!(keys_members_and_invitations, team);

/// A server whose first account (ann, owner) is signed in.
pub(crate) async fn with_owner(backend: Backend) -> (TestApp, Session) {
    let app = TestApp::spawn(backend).await;
    let s = sign(
        &app,
        "/api/v1/auth/setup",
        "ann@example.com",
        "correct horse",
        201,
    )
    .await;
    (app, s)
}

/// Invites `email` with `role` as `owner`; the account is made as an administrator
/// would without an SMTP relay (`overdue user create`, no project), signs in and takes
/// the invitation. Returns the new member's session and the invitation's token.
pub(crate) async fn invited(
    app: &TestApp,
    owner: &Session,
    email: &str,
    role: &str,
    password: &str,
) -> (Session, String) {
    let token = invite_token(app, owner, email, role).await;
    account(app, email, password).await;
    let session = sign_json(
        app,
        "/api/v1/auth/login",
        json!({"email": email, "password": password}),
        200,
    )
    .await;
    let (s, b, _) = send(
        app,
        "POST",
        "/api/v1/auth/accept",
        Some(&session),
        true,
        Some(json!({ "token": token })),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    (session, token)
}

/// Invites `email` with `role` as `owner`; returns the link's token.
pub(crate) async fn invite_token(
    app: &TestApp,
    owner: &Session,
    email: &str,
    role: &str,
) -> String {
    let body = json!({"email": email, "role": role});
    let (s, inv, _) = send(
        app,
        "POST",
        "/api/v1/invitations",
        Some(owner),
        true,
        Some(body),
    )
    .await;
    assert_eq!(s, 201, "{inv}");
    inv["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

/// An account with no project, as `overdue user create` makes it.
pub(crate) async fn account(app: &TestApp, email: &str, password: &str) {
    let hash = overdue_storage::people::passwords::hash(password).unwrap();
    let email = email.to_string();
    app.store
        .write(move |tx| {
            overdue_storage::people::accounts::create_user(tx, &email, &hash)?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn projects(backend: Backend) {
    let (app, ann) = with_owner(backend).await;
    let (s, b, _) = send(
        &app,
        "POST",
        "/api/v1/projects",
        Some(&ann),
        true,
        Some(json!({"name": "  "})),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    let (s, p, _) = send(
        &app,
        "POST",
        "/api/v1/projects",
        Some(&ann),
        true,
        Some(json!({"name": "Billing"})),
    )
    .await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(p["role"], "owner");
    // Its keys in full, this once: they work, and are listed masked afterwards.
    let key = p["api_key"].as_str().unwrap().to_string();
    assert!(key.starts_with("odk_"), "{p}");
    assert!(
        p["read_only_key"].as_str().unwrap().starts_with("odr_"),
        "{p}"
    );
    let r = app
        .http
        .get(app.url("/api/v1/keys"))
        .header("X-Api-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let listed = r.text().await.unwrap();
    assert!(!listed.contains(&key), "a key listed in full: {listed}");
    let (_, me, _) = send(&app, "GET", "/api/v1/auth/me", Some(&ann), false, None).await;
    assert_eq!(me["projects"].as_array().unwrap().len(), 2);
    // Monitors made in one project are not seen from the other.
    let second = p["id"].as_str().unwrap().to_string();
    let r = app
        .http
        .post(app.url("/api/v1/monitors"))
        .header("Cookie", format!("overdue_session={}", ann.cookie))
        .header("X-CSRF-Token", &ann.csrf)
        .header("X-Project", &second)
        .json(&json!({"name": "invoices"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (_, first, _) = send(&app, "GET", "/api/v1/monitors", Some(&ann), false, None).await;
    assert!(first["monitors"].as_array().unwrap().is_empty(), "{first}");
    app.stop().await;
}
both!(projects_made_by_a_user_are_theirs, projects);

/// Guessing is limited: after 5 wrong passwords for an account from one address, sign-ins
/// to it from there are refused (429 with Retry-After) without checking the password,
/// even the right one; other accounts are not locked out.
async fn guessing(backend: Backend) {
    let (app, _) = with_owner(backend).await;
    let login = |email: &str, password: &str| json!({"email": email, "password": password});
    for _ in 0..5 {
        let (s, b, _) = send(
            &app,
            "POST",
            "/api/v1/auth/login",
            None,
            false,
            Some(login("ann@example.com", "guess")),
        )
        .await;
        assert_eq!(s, 401, "{b}");
    }
    let (s, b, h) = send(
        &app,
        "POST",
        "/api/v1/auth/login",
        None,
        false,
        Some(login("ann@example.com", "correct horse")),
    )
    .await;
    assert_eq!(s, 429, "{b}");
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .contains("too many failed sign-ins"),
        "{b}"
    );
    let wait: i64 = h
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((800..=901).contains(&wait), "{wait}");
    let (s, _, _) = send(
        &app,
        "POST",
        "/api/v1/auth/login",
        None,
        false,
        Some(login("bob@example.com", "guess")),
    )
    .await;
    assert_eq!(s, 401, "another account is not locked");
    app.stop().await;
}
both!(sign_in_guessing_is_limited, guessing);
