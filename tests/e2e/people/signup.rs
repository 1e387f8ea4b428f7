//! Sign-up modes (issue 35, docs/security.md "Sign-up"): invitation only by default,
//! open, or open to listed e-mail domains; an account exists only once its mailed link
//! is used (a real SMTP server), the answer never tells whether an address has an
//! account, and a link mailed while sign-up was open is refused once the operator
//! closed it.

use std::time::Duration;

use overdue_core::signup::Signup;
use serde_json::{json, Value};

use crate::alerting::alerts::link;
use crate::both;
use crate::harness::smtp::SmtpServer;
use crate::harness::{fresh_database, Backend, TestApp};
use crate::people::accounts::{anon, send, sign_json};

const SIGNUP: &str = "/api/v1/auth/signup";
const JOIN: &str = "/api/v1/auth/join";

async fn start(db: &str, smtp: &SmtpServer, mode: Signup) -> TestApp {
    let url = smtp.url();
    TestApp::spawn_on(db, move |s| {
        s.smtp = Some(overdue::config::Smtp {
            url,
            from: "Overdue <overdue@example.com>".into(),
        });
        s.limits.signup = mode;
    })
    .await
}

async fn status(app: &TestApp) -> Value {
    let (s, b, _) = send(app, "GET", "/api/v1/auth/status", None, false, None).await;
    assert_eq!(s, 200, "{b}");
    b
}

/// The token of the join link mailed to `to`.
async fn join_token(app: &TestApp, smtp: &SmtpServer, to: &str) -> String {
    let mails = smtp
        .wait_for(Duration::from_secs(10), |m| {
            m.iter()
                .any(|m| m.to == [to] && m.subject() == "Confirm your address for Overdue")
        })
        .await;
    let mail = mails
        .iter()
        .find(|m| m.to == [to] && m.subject() == "Confirm your address for Overdue")
        .unwrap();
    let url = link(&mail.text(), &format!("{}/join/", app.base));
    url.rsplit('/').next().unwrap().to_string()
}

async fn domains(backend: Backend) {
    let smtp = SmtpServer::start();
    let db = fresh_database(backend);
    let mode = Signup::parse("example.com").unwrap();
    let app = start(&db, &smtp, mode).await;
    let st = status(&app).await;
    assert_eq!(
        (&st["signup"], &st["signup_domains"]),
        (&json!("domains"), &json!(["example.com"]))
    );

    // Refused in words, before anything is mailed or charged.
    let (s, b) = anon(&app, SIGNUP, json!({"email": "eve@other.org"})).await;
    assert_eq!(s, 403, "{b}");
    assert!(
        b["error"].as_str().unwrap().contains("example.com only"),
        "{b}"
    );
    let (s, b) = anon(&app, SIGNUP, json!({"email": "eve@mail.example.com"})).await;
    assert_eq!(s, 403, "a subdomain is not the domain: {b}");
    let (s, b) = anon(&app, SIGNUP, json!({"email": "not an address"})).await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = anon(
        &app,
        SIGNUP,
        json!({"email": "a@example.com", "role": "owner"}),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    assert!(b["error"].as_str().unwrap().contains("role"), "{b}");

    // The owner exists; asking for their address and a new one answers alike.
    let ann = json!({"email": "ann@example.com", "password": "ann password"});
    sign_json(&app, "/api/v1/auth/setup", ann, 201).await;
    let (s1, b1) = anon(&app, SIGNUP, json!({"email": "Ann@Example.com"})).await;
    let (s2, b2) = anon(&app, SIGNUP, json!({"email": "new@example.com"})).await;
    assert_eq!((s1, s2), (202, 202), "{b1} {b2}");
    let shape = |b: &Value, who: &str| b["message"].as_str().unwrap().replace(who, "X");
    assert_eq!(shape(&b1, "ann@example.com"), shape(&b2, "new@example.com"));
    let token = join_token(&app, &smtp, "new@example.com").await;
    let mails = smtp
        .wait_for(Duration::from_secs(10), |m| {
            m.iter().any(|m| m.to == ["ann@example.com"])
        })
        .await;
    let to_ann = mails.iter().find(|m| m.to == ["ann@example.com"]).unwrap();
    assert_eq!(to_ann.subject(), "You already have an Overdue account");
    assert!(!to_ann.text().contains("/join/"), "{}", to_ann.text());
    assert!(to_ann.text().contains("/forgot"), "{}", to_ann.text());

    // No account until the link is used; then one, with a project of its own.
    let login = json!({"email": "new@example.com", "password": "new password"});
    let (s, _) = anon(&app, "/api/v1/auth/login", login.clone()).await;
    assert_eq!(s, 401);
    let new = sign_json(
        &app,
        JOIN,
        json!({"token": token, "password": "new password"}),
        200,
    )
    .await;
    let (_, me, _) = send(&app, "GET", "/api/v1/auth/me", Some(&new), false, None).await;
    assert_eq!(me["email"], "new@example.com");
    assert_eq!(me["projects"].as_array().unwrap().len(), 1, "{me}");
    assert_eq!(me["projects"][0]["name"], "My project", "{me}");
    assert_eq!(me["projects"][0]["role"], "owner", "{me}");
    let (s, _) = anon(
        &app,
        JOIN,
        json!({"token": token, "password": "new password"}),
    )
    .await;
    assert_eq!(s, 404, "a link works once");

    // A link mailed while sign-up was open is refused once it is closed.
    let (s, _) = anon(&app, SIGNUP, json!({"email": "late@example.com"})).await;
    assert_eq!(s, 202);
    let late = join_token(&app, &smtp, "late@example.com").await;
    app.stop().await;
    let app = start(&db, &smtp, Signup::Invitation).await;
    assert_eq!(status(&app).await["signup"], "invitation");
    let (s, b) = anon(&app, SIGNUP, json!({"email": "other@example.com"})).await;
    assert_eq!(s, 403, "{b}");
    assert!(
        b["error"].as_str().unwrap().contains("invitation only"),
        "{b}"
    );
    let (s, b) = anon(
        &app,
        JOIN,
        json!({"token": late, "password": "late password"}),
    )
    .await;
    assert_eq!(s, 403, "{b}");
    assert!(
        b["error"].as_str().unwrap().contains("invitation only"),
        "{b}"
    );
    let login = json!({"email": "late@example.com", "password": "late password"});
    let (s, _) = anon(&app, "/api/v1/auth/login", login).await;
    assert_eq!(s, 401, "no account was made");
    app.stop().await;

    // Open: any address.
    let app = start(&db, &smtp, Signup::Open).await;
    assert_eq!(status(&app).await["signup"], "open");
    let (s, b) = anon(&app, SIGNUP, json!({"email": "zoe@elsewhere.org"})).await;
    assert_eq!(s, 202, "{b}");
    let zoe = join_token(&app, &smtp, "zoe@elsewhere.org").await;
    sign_json(
        &app,
        JOIN,
        json!({"token": zoe, "password": "zoe password"}),
        200,
    )
    .await;
    app.stop().await;
}
both!(sign_up_by_mode_with_a_confirmed_address, domains);
