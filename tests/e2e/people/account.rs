//! One's own account after sign-up (issue 19): changing the password (other sessions
//! end), signing out everywhere, "forgot password" through a real SMTP server, and
//! invitations listed, described (project, inviter) and revoked; account mail through
//! the outbox: retried while the relay refuses it, its link gone once sent.

use std::time::Duration;

use serde_json::{json, Value};

use crate::alerting::alerts::{link, with_smtp};
use crate::both;
use crate::harness::smtp::SmtpServer;
use crate::harness::{Backend, TestApp};
use crate::people::accounts::{send, sign_json, Session};

async fn me(app: &TestApp, s: &Session) -> u16 {
    send(app, "GET", "/api/v1/auth/me", Some(s), false, None)
        .await
        .0
}

async fn post(app: &TestApp, path: &str, s: Option<&Session>, body: Value) -> (u16, Value) {
    let (status, b, _) = send(app, "POST", path, s, s.is_some(), Some(body)).await;
    (status, b)
}

/// POSTs `body` and asserts the status and, when `says` is not empty, that the error
/// message contains it; returns the answer.
async fn expect(
    app: &TestApp,
    path: &str,
    s: Option<&Session>,
    body: Value,
    (status, says): (u16, &str),
) -> Value {
    let (got, b) = post(app, path, s, body).await;
    assert_eq!(got, status, "{path}: {b}");
    if !says.is_empty() {
        let text = b["error"].as_str().unwrap_or_default();
        assert!(text.contains(says), "{path}: {b}");
    }
    b
}

async fn passwords(backend: Backend) {
    const PW: &str = "/api/v1/auth/password";
    const LOGIN: &str = "/api/v1/auth/login";
    let smtp = SmtpServer::start();
    let app = with_smtp(backend, &smtp).await;
    let (s, st, _) = send(&app, "GET", "/api/v1/auth/status", None, false, None).await;
    assert_eq!((s, st["password_reset"].clone()), (200, json!(true)));
    // No session cookie came with it: the dashboard will not ask who is signed in.
    assert_eq!(st["session"], json!(false));
    let ann = |pw: &str| json!({"email": "ann@example.com", "password": pw});
    let laptop = sign_json(&app, "/api/v1/auth/setup", ann("first password"), 201).await;
    let phone = sign_json(&app, LOGIN, ann("first password"), 200).await;

    // A wrong current password, a short new one, a missing field, no CSRF token: refused
    // with what to fix; nothing changes.
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let lap = Some(&laptop);
    expect(
        &app,
        PW,
        lap,
        change("wrong one", "second password"),
        (400, "current_password is wrong"),
    )
    .await;
    expect(
        &app,
        PW,
        lap,
        change("first password", "short"),
        (400, "at least 8"),
    )
    .await;
    expect(
        &app,
        PW,
        lap,
        json!({"current_password": "x"}),
        (400, "new_password"),
    )
    .await;
    let (s, _, _) = send(
        &app,
        "POST",
        PW,
        lap,
        false,
        Some(change("first password", "second password")),
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(me(&app, &phone).await, 200, "nothing changed yet");

    // Changed: this session goes on, the other one ends, the new password signs in.
    expect(
        &app,
        PW,
        lap,
        change("first password", "second password"),
        (204, ""),
    )
    .await;
    assert_eq!(
        (me(&app, &laptop).await, me(&app, &phone).await),
        (200, 401)
    );
    expect(&app, LOGIN, None, ann("first password"), (401, "")).await;
    let phone = sign_json(&app, LOGIN, ann("second password"), 200).await;

    // Sign out everywhere: both sessions end.
    expect(
        &app,
        "/api/v1/auth/logout-everywhere",
        Some(&phone),
        json!(null),
        (204, ""),
    )
    .await;
    assert_eq!(
        (me(&app, &laptop).await, me(&app, &phone).await),
        (401, 401)
    );

    // Forgot: the same answer for an unknown address (and no mail for it).
    const FORGOT: &str = "/api/v1/auth/forgot";
    let unknown = expect(
        &app,
        FORGOT,
        None,
        json!({"email": "nobody@example.com"}),
        (202, ""),
    )
    .await;
    let known = expect(
        &app,
        FORGOT,
        None,
        json!({"email": " ANN@example.com "}),
        (202, ""),
    )
    .await;
    assert_eq!(unknown, known);
    expect(
        &app,
        FORGOT,
        None,
        json!({"email": "no address"}),
        (400, "not an e-mail"),
    )
    .await;
    let mails = smtp
        .wait_for(Duration::from_secs(10), |m| !m.is_empty())
        .await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.to, vec!["ann@example.com".to_string()]);
    assert_eq!(mail.subject(), "Reset your Overdue password");
    assert_eq!(
        mail.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    let url = link(&mail.text(), &format!("{}/reset/", app.base));
    let token = url.rsplit('/').next().unwrap().to_string();
    assert!(token.starts_with("odr_"), "{url}");
    // Asking again within a minute sends nothing new.
    expect(
        &app,
        FORGOT,
        None,
        json!({"email": "ann@example.com"}),
        (202, ""),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.mails().len(), 1);

    // The link: a short password is refused and the link stays usable; then it signs in
    // with the new password, once.
    const RESET: &str = "/api/v1/auth/reset";
    let reset = |token: &str, pw: &str| json!({"token": token, "password": pw});
    expect(
        &app,
        RESET,
        None,
        reset(&token, "short"),
        (400, "at least 8"),
    )
    .await;
    let fresh = sign_json(&app, RESET, reset(&token, "third password"), 200).await;
    assert_eq!(me(&app, &fresh).await, 200);
    expect(
        &app,
        RESET,
        None,
        reset(&token, "fourth password"),
        (404, "reset link"),
    )
    .await;
    expect(&app, LOGIN, None, ann("second password"), (401, "")).await;
    sign_json(&app, LOGIN, ann("third password"), 200).await;
    expect(
        &app,
        RESET,
        None,
        reset("odr_made_up", "fourth password"),
        (404, "reset link"),
    )
    .await;
    app.stop().await;

    // Without an SMTP relay the page says whom to ask.
    let plain = TestApp::spawn(backend).await;
    let (_, st, _) = send(&plain, "GET", "/api/v1/auth/status", None, false, None).await;
    assert_eq!(st["password_reset"], json!(false));
    expect(
        &plain,
        FORGOT,
        None,
        json!({"email": "ann@example.com"}),
        (409, "ask an administrator"),
    )
    .await;
    plain.stop().await;
}
both!(passwords_change_and_reset_by_email, passwords);

async fn invitations(backend: Backend) {
    const INVITE: &str = "/api/v1/invitations";
    const INFO: &str = "/api/v1/auth/invitation";
    let app = TestApp::spawn(backend).await;
    let ann = json!({"email": "ann@example.com", "password": "ann password"});
    let owner = sign_json(&app, "/api/v1/auth/setup", ann, 201).await;
    let invite = |email: &str| json!({"email": email, "role": "member"});
    let bob = expect(
        &app,
        INVITE,
        Some(&owner),
        invite("bob@example.com"),
        (201, ""),
    )
    .await;
    let eve = expect(
        &app,
        INVITE,
        Some(&owner),
        invite("eve@example.com"),
        (201, ""),
    )
    .await;
    assert_eq!(
        bob["emailed"],
        json!(false),
        "no SMTP relay: the owner sends the link"
    );
    let token_of =
        |v: &Value| json!({"token": v["url"].as_str().unwrap().rsplit('/').next().unwrap()});
    let pending = |s: &Session| {
        let s = Session {
            cookie: s.cookie.clone(),
            csrf: s.csrf.clone(),
        };
        let app = &app;
        async move {
            let (status, list, _) = send(app, "GET", INVITE, Some(&s), false, None).await;
            (status, list)
        }
    };

    // Listed for the owner with who invited; never the link.
    let (s, list) = pending(&owner).await;
    assert_eq!(s, 200);
    let rows = list["invitations"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let row = rows
        .iter()
        .find(|r| r["email"] == "bob@example.com")
        .unwrap();
    assert_eq!(row["id"], bob["id"]);
    assert_eq!(
        (row["role"].as_str(), row["invited_by"].as_str()),
        (Some("member"), Some("ann@example.com"))
    );
    assert!(!list
        .to_string()
        .contains(token_of(&bob)["token"].as_str().unwrap()));

    // The link says what it is for.
    let info = expect(&app, INFO, None, token_of(&bob), (200, "")).await;
    assert_eq!(info["email"], "bob@example.com");
    assert_eq!(info["invited_by"], "ann@example.com");
    assert_eq!(info["role"], "member");
    assert_eq!(info["for_you"], json!(false));
    assert!(info.get("has_account").is_none(), "{info}");
    assert!(
        info["project"].as_str().is_some_and(|p| !p.is_empty()),
        "{info}"
    );

    // Revoked: gone from the list, the link no longer works; twice is a 404.
    let path = format!("{INVITE}/{}", eve["id"].as_str().unwrap());
    let (s, _, _) = send(&app, "DELETE", &path, Some(&owner), true, None).await;
    assert_eq!(s, 204);
    let (s, _, _) = send(&app, "DELETE", &path, Some(&owner), true, None).await;
    assert_eq!(s, 404);
    expect(&app, INFO, None, token_of(&eve), (404, "revoked")).await;
    expect(&app, "/api/v1/auth/accept", None, token_of(&eve), (404, "")).await;
    let (s, b, _) = send(
        &app,
        "DELETE",
        &format!("{INVITE}/not-a-uuid"),
        Some(&owner),
        true,
        None,
    )
    .await;
    assert_eq!(s, 400, "{b}");

    // Taken: no longer pending; its member cannot see invitations.
    crate::people::accounts::account(&app, "bob@example.com", "bob password").await;
    let bob_s = sign_json(
        &app,
        "/api/v1/auth/login",
        json!({"email": "bob@example.com", "password": "bob password"}),
        200,
    )
    .await;
    expect(
        &app,
        "/api/v1/auth/accept",
        Some(&bob_s),
        token_of(&bob),
        (200, ""),
    )
    .await;
    assert_eq!(pending(&owner).await.1["invitations"], json!([]));
    assert_eq!(pending(&bob_s).await.0, 403);
    // Keys act as admins: inviting is for owners.
    let (s, k) = app
        .api("POST", INVITE, Some(invite("kim@example.com")))
        .await;
    assert_eq!(s, 403, "{k}");
    app.stop().await;
}
both!(invitations_listed_described_and_revoked, invitations);

/// Account mail goes through the outbox (docs/security.md, "Account mail"): a reset
/// mail the relay refuses is retried until it goes, and once sent the stored row keeps
/// who it went to and when, never the link.
async fn account_mail(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = with_smtp(backend, &smtp).await;
    let ann = json!({"email": "ann@example.com", "password": "first password"});
    sign_json(&app, "/api/v1/auth/setup", ann, 201).await;
    smtp.refuse("ann@example.com");
    expect(
        &app,
        "/api/v1/auth/forgot",
        None,
        json!({"email": "ann@example.com"}),
        (202, ""),
    )
    .await;
    let rows = |store: overdue_storage::Store| async move {
        store
            .read(|c| overdue_storage::base::outbox::mail_to(c, "ann@example.com"))
            .await
            .unwrap()
    };
    // Refused: recorded on its row, still pending, and no channel's log shows it.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let refused = loop {
        let r = rows(app.store.clone()).await;
        if r.first().is_some_and(|r| r.attempts >= 1) {
            break r;
        }
        assert!(std::time::Instant::now() < deadline, "no attempt: {r:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].state, "pending");
    assert!(refused[0].last_error.is_some());
    assert_eq!(refused[0].channel_id, None);
    assert!(smtp.mails().is_empty());
    // The relay takes it again: the retry delivers the mail, and its link works.
    smtp.accept("ann@example.com");
    let mails = smtp
        .wait_for(Duration::from_secs(15), |m| !m.is_empty())
        .await;
    assert_eq!(mails.len(), 1);
    let url = link(&mails[0].text(), &format!("{}/reset/", app.base));
    let token = url.rsplit('/').next().unwrap().to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let sent = loop {
        let r = rows(app.store.clone()).await;
        if r[0].state == "sent" {
            break r;
        }
        assert!(std::time::Instant::now() < deadline, "not recorded: {r:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(sent[0].attempts >= 2, "{sent:?}");
    assert!(!sent[0].payload.contains(&token), "{}", sent[0].payload);
    assert!(sent[0].payload.contains("ann@example.com"));
    let body = json!({"token": token, "password": "second password"});
    sign_json(&app, "/api/v1/auth/reset", body, 200).await;
    app.stop().await;
}
both!(account_mail_is_retried_and_forgets_its_link, account_mail);
