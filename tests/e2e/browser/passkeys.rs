//! Passkeys in real Chromium with its virtual authenticator (WebDriver's WebAuthn
//! extension; docs/security.md, "Second factor"): added on the account page with ten
//! recovery codes shown once, asked after the password at sign-in and used there; a
//! ceremony's answer used twice is refused the second time; a password alone no longer
//! signs in; a reset link asks for it after the new password; a passkey counts for a
//! project that requires a second factor, and the last one cannot be removed while it
//! does; a recovery code stands in for it. Served under
//! `localhost` (a passkey belongs to a domain). Both databases; the pages at 1280 and
//! 375 px, light and dark, with axe.

use serde_json::{json, Value};

use crate::both;
use crate::browser::tour;
use crate::harness::smtp::SmtpServer;
use crate::harness::webdriver::{chromedriver, Browser};
use crate::harness::{fresh_database, Backend, TestApp};
use crate::people::accounts::{call, sign_json};

const LOGIN: &str = "/api/v1/auth/login";

async fn password_form(b: &Browser, app: &TestApp) {
    b.goto(&app.base).await;
    b.fill(&b.find("#email").await, "ann@example.com").await;
    b.fill(&b.find("#password").await, "correct horse").await;
    b.click(&b.find("#sign-submit").await).await;
}

async fn passkeys(backend: Backend) {
    let Some(driver) = chromedriver() else {
        return;
    };
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let issuer = format!("http://127.0.0.1:{}", crate::harness::free_port());
    let sso = std::sync::Arc::new(
        overdue_server::people::oidc::Sso::new(crate::people::sso::settings(&issuer)).unwrap(),
    );
    let app = TestApp::spawn_on(&fresh_database(backend), move |s| {
        s.sso = Some(sso);
        s.site_url = "http://localhost".into();
        s.smtp = Some(overdue::config::Smtp {
            url,
            from: "Overdue <overdue@example.com>".into(),
        });
    })
    .await;
    assert!(app.base.starts_with("http://localhost:"), "{}", app.base);
    let back = vec![app.url("/api/v1/auth/sso/callback")];
    let people = crate::people::sso::people(&[], &[]);
    let _provider = crate::harness::oidc::OidcProvider::start(&issuer, &back, &people, false);
    crate::people::sso::payments(&app).await;
    overdue::create_user(&app.store, "ann@example.com", "correct horse", None, None)
        .await
        .unwrap();
    let b = Browser::start(&driver, 1280).await;
    let authenticator = b.virtual_authenticator().await;

    // Signed in with the password alone, a passkey is added on the account page.
    password_form(&b, &app).await;
    b.find("#sign-out").await;
    b.goto(&app.url("/account")).await;
    b.find("#passkeys-none").await;
    let mut found = tour(&b, "account-passkeys-none").await;
    b.fill(&b.find("#passkey-name").await, "laptop").await;
    b.click(&b.find("#passkey-add").await).await;
    let codes = b
        .wait_text("#passkey-recovery-codes", 15, |t| {
            t.contains("shown this once")
        })
        .await;
    let name = b.wait_text(".passkey-name", 10, |t| !t.is_empty()).await;
    assert_eq!(name, "laptop");
    assert_eq!(b.authenticator_credentials(&authenticator).await.len(), 1);
    let recovery: Vec<String> = b
        .eval("return [...document.querySelectorAll('#passkey-recovery-codes code')].map(c => c.textContent)")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(recovery.len(), 10, "{codes}");
    found.extend(tour(&b, "account-passkeys").await);

    // Signing in again: after the password, the passkey.
    b.click(&b.find("#sign-out").await).await;
    password_form(&b, &app).await;
    b.find("#passkey-signin").await;
    b.find("#totp-code").await;
    found.extend(tour(&b, "signin-passkey").await);
    b.click(&b.find("#passkey-signin").await).await;
    b.wait_text(".who", 10, |t| t.contains("ann@")).await;

    // A ceremony's answer is used once: the same answer again is refused.
    let statuses = b
        .eval_async(
            "const done = arguments[arguments.length - 1];\
             (async () => {\
               const creds = {email: 'ann@example.com', password: 'correct horse'};\
               const post = (path, body) => fetch(path, {method: 'POST', \
                 headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});\
               const c = await (await post('/api/v1/auth/passkey/options', creds)).json();\
               const cred = await navigator.credentials.get({publicKey: \
                 PublicKeyCredential.parseRequestOptionsFromJSON(c.options.publicKey)});\
               const body = {...creds, passkey: {ceremony: c.ceremony, credential: cred.toJSON()}};\
               const first = await post('/api/v1/auth/login', body);\
               const again = await post('/api/v1/auth/login', body);\
               return [first.status, again.status];\
             })().then(done, e => done(String(e)));",
        )
        .await;
    assert_eq!(statuses, json!([200, 401]), "{statuses}");

    // A reset link honours it too: after the new password, the passkey.
    b.goto(&app.base).await;
    b.click(&b.find("#sign-out").await).await;
    b.find("#sign-submit").await;
    let (s, _) = crate::people::accounts::anon(
        &app,
        "/api/v1/auth/forgot",
        json!({"email": "ann@example.com"}),
    )
    .await;
    assert_eq!(s, 202);
    let subject = "Reset your Overdue password";
    let mails = smtp
        .wait_for(std::time::Duration::from_secs(10), |m| {
            m.iter().any(|m| m.subject() == subject)
        })
        .await;
    let mail = mails.iter().find(|m| m.subject() == subject).unwrap();
    let reset = crate::alerting::alerts::link(&mail.text(), &format!("{}/reset/", app.base));
    b.goto(&reset).await;
    b.fill(&b.find("#reset-password").await, "battery staple")
        .await;
    b.fill(&b.find("#reset-again").await, "battery staple")
        .await;
    b.click(&b.find("#reset-submit").await).await;
    b.find("#reset-passkey").await;
    found.extend(tour(&b, "reset-passkey").await);
    b.click(&b.find("#reset-passkey").await).await;
    b.wait_text(".who", 10, |t| t.contains("ann@")).await;

    // Single sign-on asks it after the provider, and the passkey finishes it.
    b.click(&b.find("#sign-out").await).await;
    b.click(&b.find("#sso-signin").await).await;
    b.fill(&b.find("input[name=login]").await, "ann").await;
    b.fill(&b.find("input[name=password]").await, "any").await;
    b.click(&b.find("button[type=submit]").await).await;
    b.find("#sso-passkey").await;
    // The provider's own page asked for a web font this machine cannot reach.
    let _ = b.console_errors().await;
    found.extend(tour(&b, "signin-sso-passkey").await);
    b.click(&b.find("#sso-passkey").await).await;
    b.wait_text(".who", 10, |t| t.contains("ann@")).await;
    drop(b);

    // The password alone is no longer enough; a recovery code stands in.
    let (s, r) = crate::people::accounts::anon(
        &app,
        LOGIN,
        json!({"email": "ann@example.com", "password": "battery staple"}),
    )
    .await;
    assert_eq!(s, 401, "{r}");
    assert!(
        r["error"].as_str().unwrap().contains("use your passkey"),
        "{r}"
    );
    let body = json!({"email": "ann@example.com", "password": "battery staple",
                      "code": recovery[0]});
    let ann = sign_json(&app, LOGIN, body, 200).await;
    let (s, list) = call(&app, &ann, "GET", "/api/v1/auth/passkeys", None).await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["available"], true);
    let keys = list["passkeys"].as_array().unwrap().clone();
    assert_eq!(keys.len(), 1, "{list}");
    assert_eq!(keys[0]["name"], "laptop");
    assert!(keys[0]["last_used_at"].is_string(), "{list}");
    let (_, me) = call(&app, &ann, "GET", "/api/v1/auth/me", None).await;
    assert_eq!(
        (&me["second_factor"], &me["authenticator_app"]),
        (&json!(true), &json!(false)),
        "{me}"
    );

    // A passkey counts for a project that requires a second factor; the last one
    // stays while it does.
    let (s, b) = call(
        &app,
        &ann,
        "PATCH",
        "/api/v1/project",
        Some(json!({"require_second_factor": true})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let one = format!("/api/v1/auth/passkeys/{}", keys[0]["id"].as_str().unwrap());
    let (s, b) = call(&app, &ann, "DELETE", &one, None).await;
    assert_eq!(s, 409, "{b}");
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .contains("require a second factor"),
        "{b}"
    );

    // Bad input, in words; nothing written.
    for (path, body, want) in [
        (
            "/api/v1/auth/passkeys",
            json!({"ceremony": "opk_nope", "name": "x", "credential": {}}),
            "credential",
        ),
        (
            "/api/v1/auth/passkeys",
            json!({"ceremony": "opk_nope", "name": "x", "credential": {}, "extra": 1}),
            "extra",
        ),
    ] {
        let (s, b) = call(&app, &ann, "POST", path, Some(body.clone())).await;
        assert_eq!(s, 400, "{body}: {b}");
        assert!(b["error"].as_str().unwrap().contains(want), "{body}: {b}");
    }
    let (s, b) = call(
        &app,
        &ann,
        "DELETE",
        "/api/v1/auth/passkeys/no%20such",
        None,
    )
    .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = call(&app, &ann, "DELETE", "/api/v1/auth/passkeys/bm9uZQ", None).await;
    assert_eq!(s, 404, "{b}");
    let (s, b) = crate::people::accounts::anon(
        &app,
        "/api/v1/auth/passkey/options",
        json!({"email": "ann@example.com", "password": "wrong horse"}),
    )
    .await;
    assert_eq!(s, 401, "{b}");
    let (s, b) = crate::people::accounts::anon(
        &app,
        "/api/v1/auth/passkey/options",
        json!({"email": "ann@example.com"}),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    assert!(b["error"].as_str().unwrap().contains("token"), "{b}");
    let (_, after) = call(&app, &ann, "GET", "/api/v1/auth/passkeys", None).await;
    assert_eq!(after["passkeys"].as_array().map(Vec::len), Some(1));
    assert!(found.is_empty(), "{found:#?}");
    app.stop().await;
}
// Plain tests, as the other browser stories: a story's time budget would count the wait
// for the suite's one browser (`harness::webdriver`), minutes while the others run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkeys_through_chromiums_virtual_authenticator_sqlite() {
    passkeys(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkeys_through_chromiums_virtual_authenticator_postgres() {
    if let Some(()) = crate::harness::postgres_available() {
        passkeys(Backend::Postgres).await;
    }
}

/// An instance reached by an IP address has no passkeys, and says why.
async fn unavailable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    overdue::create_user(&app.store, "ann@example.com", "correct horse", None, None)
        .await
        .unwrap();
    let ann = sign_json(
        &app,
        LOGIN,
        json!({"email": "ann@example.com", "password": "correct horse"}),
        200,
    )
    .await;
    let (s, list) = call(&app, &ann, "GET", "/api/v1/auth/passkeys", None).await;
    assert_eq!(
        (s, &list["available"]),
        (200, &Value::Bool(false)),
        "{list}"
    );
    let (s, b) = call(
        &app,
        &ann,
        "POST",
        "/api/v1/auth/passkeys/start",
        Some(json!({})),
    )
    .await;
    assert_eq!(s, 409, "{b}");
    assert!(
        b["error"].as_str().unwrap().contains("OVERDUE_SITE_URL"),
        "{b}"
    );
    app.stop().await;
}
both!(passkeys_need_a_host_name, unavailable);
