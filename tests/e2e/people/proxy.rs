//! Sign-in through an authenticating proxy (issue 35, docs/security.md "Trusted
//! header"): the header names the person only when the request comes from a trusted
//! proxy; an address without an account gets one where the sign-up mode admits it.
//! Both databases.

use overdue_core::signup::Signup;
use serde_json::Value;

use crate::both;
use crate::harness::{fresh_database, Backend, TestApp};
use crate::people::accounts::send;

const HEADER: &str = "X-Forwarded-Email";

async fn start(backend: Backend, proxies: &str, header: Option<&str>) -> TestApp {
    let proxies = overdue_server::people::gate::parse_trusted(proxies).unwrap();
    let header = header.map(str::to_string);
    TestApp::spawn_on(&fresh_database(backend), move |s| {
        s.trusted_proxies = proxies;
        s.trusted_header = header;
        s.limits.signup = Signup::parse("example.com").unwrap();
    })
    .await
}

/// `POST /auth/proxy` with the header naming `who`: the status, the body and the
/// session cookie if one was set.
async fn through(app: &TestApp, who: Option<&str>) -> (u16, Value, Option<String>) {
    let mut r = app.http.post(app.url("/api/v1/auth/proxy"));
    if let Some(w) = who {
        r = r.header(HEADER, w);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body, cookie)
}

async fn proxy(backend: Backend) {
    let app = start(backend, "127.0.0.1/32", Some(HEADER)).await;
    overdue::create_user(&app.store, "ann@example.com", "correct horse", None, None)
        .await
        .unwrap();
    let (_, st, _) = send(&app, "GET", "/api/v1/auth/status", None, false, None).await;
    assert_eq!(st["trusted_header"], true, "{st}");

    let (s, me, cookie) = through(&app, Some("Ann@Example.com")).await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["email"], "ann@example.com");
    assert!(cookie.unwrap().starts_with("overdue_session=ods_"));
    let (s, b, _) = through(&app, None).await;
    assert_eq!(s, 401, "{b}");
    let (s, b, _) = through(&app, Some("not an address")).await;
    assert_eq!(s, 400, "{b}");
    // A new address the sign-up mode admits gets an account of its own; others not.
    let (s, me, _) = through(&app, Some("zoe@example.com")).await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["projects"][0]["name"], "My project", "{me}");
    assert_eq!(me["projects"][0]["role"], "owner", "{me}");
    let (s, b, _) = through(&app, Some("eve@other.org")).await;
    assert_eq!(s, 403, "{b}");
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .contains("no account for eve@other.org"),
        "{b}"
    );
    // The proxy's account has no password to guess.
    let (s, _, _) = send(
        &app,
        "POST",
        "/api/v1/auth/login",
        None,
        false,
        Some(serde_json::json!({"email": "zoe@example.com", "password": "!"})),
    )
    .await;
    assert_eq!(s, 401, "no password signs in, not even the stored mark");
    app.stop().await;

    // From an address that is not a trusted proxy, the header is not believed.
    let app = start(backend, "10.0.0.0/8", Some(HEADER)).await;
    let (s, b, cookie) = through(&app, Some("ann@example.com")).await;
    assert_eq!(s, 403, "{b}");
    assert!(
        b["error"].as_str().unwrap().contains("believed only from"),
        "{b}"
    );
    assert!(cookie.is_none());
    app.stop().await;

    // Not set up: nothing answers to it.
    let app = start(backend, "127.0.0.1/32", None).await;
    let (s, _, _) = through(&app, Some("ann@example.com")).await;
    assert_eq!(s, 404);
    app.stop().await;
}
both!(
    an_authenticating_proxy_signs_in_only_from_where_it_is_trusted,
    proxy
);
