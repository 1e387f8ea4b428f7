//! The second factor (issue 35, docs/security.md "Second factor"): TOTP set up with a
//! code, ten recovery codes once, codes and recovery codes each taken once; sign-in and
//! password reset ask for it; an owner requires one of a project's members (sessions
//! refused until they have one, keys unaffected); turning it off. Both databases, a
//! real SMTP server for the reset link.

use std::time::Duration;

use overdue_core::second_factor::code_at;
use overdue_core::{Role, Timestamp};
use serde_json::{json, Value};

use crate::alerting::alerts::{link, with_smtp};
use crate::both;
use crate::harness::smtp::SmtpServer;
use crate::harness::{Backend, TestApp};
use crate::people::accounts::{anon, call, sign_json, Session};

const LOGIN: &str = "/api/v1/auth/login";

fn creds(email: &str, code: Option<String>) -> Value {
    let mut v = json!({"email": email, "password": "correct horse"});
    if let Some(c) = code {
        v["code"] = c.into();
    }
    v
}

/// Sets up a second factor for `who`; returns the secret, the recovery codes and the
/// code that turned it on (spent).
pub(crate) async fn enrol(app: &TestApp, who: &Session) -> (String, Vec<String>, String) {
    let (s, st) = call(app, who, "POST", "/api/v1/auth/totp/start", None).await;
    assert_eq!(s, 200, "{st}");
    let secret = st["secret"].as_str().unwrap().to_string();
    assert!(
        st["url"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Overdue:"),
        "{st}"
    );
    assert!(st["qr_path"].as_str().unwrap().starts_with('M'));
    let now = app.store.now();
    let code = code_at(&secret, now).unwrap();
    let (s, r) = call(
        app,
        who,
        "POST",
        "/api/v1/auth/totp/confirm",
        Some(json!({"code": code.clone()})),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let codes: Vec<String> = r["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    (secret, codes, code)
}

async fn second_factor(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = with_smtp(backend, &smtp).await;
    for (email, role) in [
        ("ann@example.com", Role::Owner),
        ("bob@example.com", Role::Member),
    ] {
        overdue::create_user(&app.store, email, "correct horse", Some(role), None)
            .await
            .unwrap();
    }
    let ann = sign_json(&app, LOGIN, creds("ann@example.com", None), 200).await;
    let ann_elsewhere = sign_json(&app, LOGIN, creds("ann@example.com", None), 200).await;

    // Requiring one without having one would lock the owner out.
    let (s, b) = call(
        &app,
        &ann,
        "PATCH",
        "/api/v1/project",
        Some(json!({"require_second_factor": true})),
    )
    .await;
    assert_eq!(s, 409, "{b}");
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .contains("your own second factor first"),
        "{b}"
    );

    // Setting it up: a wrong code is refused, the current one turns it on.
    let (s, _) = call(&app, &ann, "POST", "/api/v1/auth/totp/start", None).await;
    assert_eq!(s, 200);
    let (s, b) = call(
        &app,
        &ann,
        "POST",
        "/api/v1/auth/totp/confirm",
        Some(json!({"code": "12"})),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    let (secret, codes, used) = enrol(&app, &ann).await;
    assert_eq!(codes.len(), 10);
    let (_, me) = call(&app, &ann, "GET", "/api/v1/auth/me", None).await;
    assert_eq!(
        (&me["second_factor"], &me["recovery_codes_left"]),
        (&json!(true), &json!(10)),
        "{me}"
    );
    let (s, _) = call(&app, &ann_elsewhere, "GET", "/api/v1/auth/me", None).await;
    assert_eq!(s, 401, "the other session ended");

    // Signing in asks for it; each code signs in once.
    let (s, b) = anon(&app, LOGIN, creds("ann@example.com", None)).await;
    assert_eq!(s, 401, "{b}");
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .starts_with("second factor: enter"),
        "{b}"
    );
    let (s, b) = anon(&app, LOGIN, creds("ann@example.com", Some(used))).await;
    assert_eq!(s, 401, "the code that turned it on was spent: {b}");
    assert!(
        b["error"].as_str().unwrap().contains("wrong or was used"),
        "{b}"
    );
    let next = code_at(&secret, Timestamp(app.store.now().0 + 30_000)).unwrap();
    sign_json(&app, LOGIN, creds("ann@example.com", Some(next)), 200).await;
    sign_json(
        &app,
        LOGIN,
        creds("ann@example.com", Some(codes[0].to_uppercase())),
        200,
    )
    .await;
    let (s, _) = anon(
        &app,
        LOGIN,
        creds("ann@example.com", Some(codes[0].clone())),
    )
    .await;
    assert_eq!(s, 401, "a recovery code works once");
    let (s, _) = anon(
        &app,
        LOGIN,
        json!({"email": "ann@example.com", "password": "wrong horse", "code": codes[1]}),
    )
    .await;
    assert_eq!(s, 401);
    let (_, me) = call(&app, &ann, "GET", "/api/v1/auth/me", None).await;
    assert_eq!(me["recovery_codes_left"], 9, "{me}");

    // The owner requires it: Bob's session is refused until he has one; keys are not.
    let (s, b) = call(
        &app,
        &ann,
        "PATCH",
        "/api/v1/project",
        Some(json!({"require_second_factor": true})),
    )
    .await;
    assert_eq!((s, &b["require_second_factor"]), (200, &json!(true)), "{b}");
    let (s, _) = app
        .api(
            "PATCH",
            "/api/v1/project",
            Some(json!({"require_second_factor": false})),
        )
        .await;
    assert_eq!(s, 403, "a key is no owner");
    let bob = sign_json(&app, LOGIN, creds("bob@example.com", None), 200).await;
    let (s, b) = call(&app, &bob, "GET", "/api/v1/monitors", None).await;
    assert_eq!(s, 403, "{b}");
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .starts_with("enrol a second factor"),
        "{b}"
    );
    let (_, me) = call(&app, &bob, "GET", "/api/v1/auth/me", None).await;
    assert_eq!(me["projects"][0]["requires_second_factor"], true, "{me}");
    let (s, _) = app.api("GET", "/api/v1/monitors", None).await;
    assert_eq!(s, 200);
    let (_, bob_codes, _) = enrol(&app, &bob).await;
    let (s, _) = call(&app, &bob, "GET", "/api/v1/monitors", None).await;
    assert_eq!(s, 200, "with one he is in");
    let (s, b) = call(
        &app,
        &bob,
        "POST",
        "/api/v1/auth/totp/disable",
        Some(json!({"code": bob_codes[0]})),
    )
    .await;
    assert_eq!(s, 409, "not while a project requires it: {b}");
    call(
        &app,
        &ann,
        "PATCH",
        "/api/v1/project",
        Some(json!({"require_second_factor": false})),
    )
    .await;
    let (s, b) = call(
        &app,
        &bob,
        "POST",
        "/api/v1/auth/totp/disable",
        Some(json!({"code": "nonsense"})),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    let (s, _) = call(
        &app,
        &bob,
        "POST",
        "/api/v1/auth/totp/disable",
        Some(json!({"code": bob_codes[0]})),
    )
    .await;
    assert_eq!(s, 204);
    sign_json(&app, LOGIN, creds("bob@example.com", None), 200).await;

    // A reset link alone does not get past it; the link is kept until the code comes.
    let (s, _) = anon(
        &app,
        "/api/v1/auth/forgot",
        json!({"email": "ann@example.com"}),
    )
    .await;
    assert_eq!(s, 202);
    let mails = smtp
        .wait_for(Duration::from_secs(10), |m| {
            m.iter()
                .any(|m| m.subject() == "Reset your Overdue password")
        })
        .await;
    let mail = mails
        .iter()
        .find(|m| m.subject() == "Reset your Overdue password")
        .unwrap();
    let token = link(&mail.text(), &format!("{}/reset/", app.base))
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let (s, b) = anon(
        &app,
        "/api/v1/auth/reset",
        json!({"token": token, "password": "battery staple"}),
    )
    .await;
    assert_eq!(s, 401, "{b}");
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .starts_with("second factor: enter"),
        "{b}"
    );
    let (s, _) = anon(
        &app,
        "/api/v1/auth/reset",
        json!({"token": token, "password": "battery staple", "code": "000000"}),
    )
    .await;
    assert_eq!(s, 401);
    let (s, b) = anon(
        &app,
        "/api/v1/auth/reset",
        json!({"token": token, "password": "battery staple", "code": codes[2]}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, _) = anon(
        &app,
        LOGIN,
        json!({"email": "ann@example.com", "password": "battery staple", "code": codes[3]}),
    )
    .await;
    assert_eq!(s, 200);
    app.stop().await;
}
both!(
    a_second_factor_guards_sign_in_reset_and_projects,
    second_factor
);
