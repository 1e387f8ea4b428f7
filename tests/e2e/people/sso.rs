//! Single sign-on (issue 35, docs/security.md "Single sign-on") against a real OpenID
//! provider (oidc-provider from npm, run by Node.js), driven as a browser would: Overdue
//! sends the browser to the provider, the provider's own sign-in form is posted, the
//! provider sends it back. Linking by a checked address in a trusted domain only; new
//! accounts only with a checked address that a group, an invitation or the sign-up mode
//! admits; the group → role mapping made, changed and taken back at each sign-in
//! (memberships made by hand left alone); a second factor asked after the provider;
//! a forged or foreign answer refused; password sign-in turned off. Both databases.

use std::sync::Arc;

use overdue_server::people::oidc::{Sso, SsoSettings};
use overdue_storage::people::projects;
use serde_json::{json, Value};

use crate::both;
use crate::harness::oidc::{OidcProvider, SECRET};
use crate::harness::{free_port, fresh_database, Backend, TestApp};
use crate::people::accounts::{anon, call, invite_token, sign, Session};

const OWNER_PASSWORD: &str = "correct horse";

pub(crate) fn settings(issuer: &str) -> SsoSettings {
    SsoSettings {
        issuer: issuer.into(),
        client_id: "overdue".into(),
        client_secret: SECRET.into(),
        label: "Sign in with Acme".into(),
        domains: vec!["example.com".into()],
        scopes: vec!["groups".into()],
        groups_claim: "groups".into(),
        roles: overdue_core::sso::GroupRoles::parse_json(
            r#"[{"group": "ops", "project": "Payments", "role": "admin"},
                {"group": "dev", "project": "Payments", "role": "viewer"}]"#,
        )
        .unwrap(),
    }
}

pub(crate) async fn start(backend: Backend, issuer: &str, passwords: bool) -> TestApp {
    let sso = Arc::new(Sso::new(settings(issuer)).unwrap());
    TestApp::spawn_on(&fresh_database(backend), move |s| {
        s.sso = Some(sso);
        s.password_signin = passwords;
    })
    .await
}

/// Names the server's default project "Payments", the mapping's project.
pub(crate) async fn payments(app: &TestApp) {
    app.store
        .write(|tx| {
            let p = projects::any(tx.conn())?;
            let to = projects::SettingsChange {
                name: Some("Payments".into()),
                ..Default::default()
            };
            projects::change(tx, &p.id, &to)
        })
        .await
        .unwrap();
}

/// `GET /api/v1/auth/status`.
async fn status(app: &TestApp) -> Value {
    let r = app.http.get(app.url("/api/v1/auth/status")).send().await;
    r.unwrap().json().await.unwrap()
}

pub(crate) fn people(dan_groups: &[&str], gus_groups: &[&str]) -> Value {
    json!({
        "ann": {"email": "ann@example.com", "email_verified": true, "groups": ["dev"]},
        "mallory": {"email": "ann@example.com", "email_verified": false},
        "dan": {"email": "Dan@Example.com", "email_verified": true, "groups": dan_groups},
        "gus": {"email": "gus@example.com", "email_verified": true, "groups": gus_groups},
        "carol": {"email": "carol@elsewhere.org", "email_verified": true},
        "ivy": {"email": "ivy@example.org", "email_verified": true},
        "una": {"email": "una@example.com", "email_verified": false, "groups": ["ops"]},
    })
}

/// A browser: its own cookies for Overdue and the provider.
struct Browser {
    http: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
}

impl Browser {
    fn new() -> Browser {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser { http, jar }
    }

    /// The session this browser holds at `app`, with its CSRF token.
    async fn session(&self, app: &TestApp) -> Session {
        use reqwest::cookie::CookieStore;
        let url: reqwest::Url = app.url("/api/v1/auth/me").parse().unwrap();
        let cookies = self.jar.cookies(&url).unwrap();
        let cookie = cookies
            .to_str()
            .unwrap()
            .split("; ")
            .find_map(|c| c.strip_prefix("overdue_session="))
            .expect("a session cookie")
            .to_string();
        let me: Value = self
            .http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Session {
            cookie,
            csrf: me["csrf_token"].as_str().unwrap().to_string(),
        }
    }

    /// Signs in at `app` as the provider's account `who`: Overdue's start, the
    /// provider's form, and back. Where Overdue sends the browser in the end.
    async fn sign_in(&self, app: &TestApp, who: &str) -> String {
        let callback = app.url("/api/v1/auth/sso/callback");
        let mut at = app.url("/api/v1/auth/sso/start");
        for _ in 0..12 {
            let resp = self.http.get(&at).send().await.unwrap();
            let status = resp.status().as_u16();
            if status == 200 && at.contains("/interaction/") {
                let page = resp.text().await.unwrap();
                assert!(page.contains("name=\"login\""), "{page}");
                let posted = self
                    .http
                    .post(&at)
                    .form(&[("prompt", "login"), ("login", who), ("password", "x")])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(posted.status().as_u16(), 303);
                at = next(&at, &posted);
                continue;
            }
            assert!(
                matches!(status, 302 | 303),
                "{status} at {at}: {}",
                resp.text().await.unwrap()
            );
            let to = next(&at, &resp);
            if at.starts_with(&callback) {
                return to.trim_start_matches(&app.base).to_string();
            }
            at = to;
        }
        panic!("the sign-in went round in circles")
    }
}

/// The absolute URL a redirect points to.
fn next(from: &str, resp: &reqwest::Response) -> String {
    let to = resp.headers()["location"].to_str().unwrap();
    reqwest::Url::parse(from)
        .unwrap()
        .join(to)
        .unwrap()
        .to_string()
}

/// The reason on the sign-in page a refused sign-in is sent to.
fn refusal(location: &str) -> String {
    let url = reqwest::Url::parse("http://x")
        .unwrap()
        .join(location)
        .unwrap();
    assert_eq!(url.path(), "/signin", "{location}");
    url.query_pairs()
        .find(|(k, _)| k == "sso_error")
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| panic!("no reason in {location}"))
}

async fn me(app: &TestApp, b: &Browser) -> Value {
    let s = b.session(app).await;
    let (st, me) = call(app, &s, "GET", "/api/v1/auth/me", None).await;
    assert_eq!(st, 200, "{me}");
    me
}

/// The role `me` has in the project named `name`, if any.
fn role_in(me: &Value, name: &str) -> Option<String> {
    me["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .map(|p| p["role"].as_str().unwrap().to_string())
}

async fn single_sign_on(backend: Backend) {
    // Two servers, two providers: one answers the claims from its userinfo endpoint
    // (its default), the other puts them in the ID token.
    let issuer = format!("http://127.0.0.1:{}", free_port());
    let app = start(backend, &issuer, true).await;
    let in_token = format!("http://127.0.0.1:{}", free_port());
    let closed = start(backend, &in_token, false).await;
    let back = |a: &TestApp| vec![a.url("/api/v1/auth/sso/callback")];
    let provider = OidcProvider::start(&issuer, &back(&app), &people(&["ops"], &[]), false);
    let provider_2 = OidcProvider::start(&in_token, &back(&closed), &people(&["ops"], &[]), true);

    let ann = sign(
        &app,
        "/api/v1/auth/setup",
        "ann@example.com",
        OWNER_PASSWORD,
        201,
    )
    .await;
    let (s, p) = call(
        &app,
        &ann,
        "POST",
        "/api/v1/projects",
        Some(json!({"name": "Payments"})),
    )
    .await;
    assert_eq!(s, 201, "{p}");
    let st = status(&app).await;
    assert_eq!(st["sso"], "Sign in with Acme", "{st}");
    assert_eq!(st["password_signin"], true, "{st}");

    // A group gives a newcomer an account and the mapped role, and no project of
    // their own; the address is stored lower-cased.
    let dan = Browser::new();
    assert_eq!(dan.sign_in(&app, "dan").await, "/");
    let m = me(&app, &dan).await;
    assert_eq!(m["email"], "dan@example.com");
    assert_eq!(role_in(&m, "Payments").as_deref(), Some("admin"), "{m}");
    assert_eq!(m["projects"].as_array().unwrap().len(), 1, "{m}");
    // Their groups change at the provider: the role follows at the next sign-in, and
    // goes when no group gives one.
    provider.set_people(&people(&["dev"], &[]));
    let dan = Browser::new();
    assert_eq!(dan.sign_in(&app, "dan").await, "/");
    assert_eq!(
        role_in(&me(&app, &dan).await, "Payments").as_deref(),
        Some("viewer")
    );
    provider.set_people(&people(&[], &[]));
    let dan = Browser::new();
    assert_eq!(dan.sign_in(&app, "dan").await, "/");
    assert_eq!(role_in(&me(&app, &dan).await, "Payments"), None);

    // An invitation to the address the provider checked is taken at sign-in (no
    // project of their own then either).
    invite_token(&app, &ann, "gus@example.com", "member").await;
    let (s, b) = call(&app, &ann, "POST", "/api/v1/auth/logout", None).await;
    assert_eq!(s, 204, "{b}");
    let gus = Browser::new();
    assert_eq!(gus.sign_in(&app, "gus").await, "/");
    let m = me(&app, &gus).await;
    let projects = m["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "{m}");
    assert_eq!(projects[0]["role"], "member", "{m}");
    provider.set_people(&people(&[], &["ops"]));
    let gus = Browser::new();
    gus.sign_in(&app, "gus").await;
    let m = me(&app, &gus).await;
    assert_eq!(role_in(&m, "Payments").as_deref(), Some("admin"), "{m}");

    // Refused, each with the reason on the sign-in page.
    for (who, says) in [
        ("carol", "neither a group nor an invitation"),
        ("ivy", "not trusted for that domain"),
        ("una", "did not confirm"),
    ] {
        if who == "ivy" {
            crate::people::accounts::account(&app, "ivy@example.org", OWNER_PASSWORD).await;
        }
        let b = Browser::new();
        let why = refusal(&b.sign_in(&app, who).await);
        assert!(why.contains(says), "{who}: {why}");
    }

    // The owner's own address, checked and in the trusted domain, is linked to their
    // account; another subject naming the same address unchecked is not. Her group
    // would make her a viewer of Payments: a membership made by hand (she made the
    // project) is hers, not the mapping's.
    let b = Browser::new();
    let why = refusal(&b.sign_in(&app, "mallory").await);
    assert!(why.contains("did not confirm"), "{why}");
    let ann_b = Browser::new();
    assert_eq!(ann_b.sign_in(&app, "ann").await, "/");
    let m = me(&app, &ann_b).await;
    assert_eq!(m["email"], "ann@example.com");
    assert_eq!(role_in(&m, "Payments").as_deref(), Some("owner"), "{m}");

    // A second factor is asked after the provider, and its code ends the sign-in.
    let ann_s = ann_b.session(&app).await;
    let (_, recovery, _) = crate::people::second_factor::enrol(&app, &ann_s).await;
    let b = Browser::new();
    assert_eq!(b.sign_in(&app, "ann").await, "/signin?second_factor=sso");
    let finish = app.url("/api/v1/auth/sso/finish");
    let wrong = b
        .http
        .post(&finish)
        .json(&json!({"code": "000000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let stranger = Browser::new();
    let r = stranger
        .http
        .post(&finish)
        .json(&json!({"code": "123456"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        401,
        "no sign-in waits in another browser"
    );
    let ok = b
        .http
        .post(&finish)
        .json(&json!({"code": recovery[0]}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(me(&app, &b).await["email"], "ann@example.com");

    // An answer this browser did not start, or from another provider, signs nobody in.
    let b = Browser::new();
    let forged = b
        .http
        .get(app.url("/api/v1/auth/sso/callback?code=abc&state=xyz"))
        .send()
        .await
        .unwrap();
    let why = refusal(forged.headers()["location"].to_str().unwrap());
    assert!(why.contains("not started in this browser"), "{why}");
    let r = b
        .http
        .get(app.url("/api/v1/auth/sso/callback?error=access_denied&error_description=no"))
        .send()
        .await
        .unwrap();
    assert!(refusal(r.headers()["location"].to_str().unwrap()).contains("refused"));

    // The audit log has the sign-ins through the provider.
    let (s, log) = call(
        &app,
        &ann_s,
        "GET",
        "/api/v1/audit?actor=ann@example.com",
        None,
    )
    .await;
    assert_eq!(s, 200, "{log}");
    let sign_ins = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "sign-in")
        .count();
    assert!(sign_ins >= 2, "{log}");

    // With password sign-in off, every password path says to use the provider, and
    // the provider still signs in.
    let st = status(&closed).await;
    assert_eq!(st["password_signin"], false, "{st}");
    for (path, body) in [
        (
            "/api/v1/auth/login",
            json!({"email": "ann@example.com", "password": OWNER_PASSWORD}),
        ),
        ("/api/v1/auth/signup", json!({"email": "zed@example.com"})),
        ("/api/v1/auth/forgot", json!({"email": "ann@example.com"})),
        (
            "/api/v1/auth/reset",
            json!({"token": "x", "password": "a long new password"}),
        ),
        (
            "/api/v1/auth/join",
            json!({"token": "x", "password": "a long new password"}),
        ),
    ] {
        let (s, b) = anon(&closed, path, body).await;
        assert_eq!(s, 403, "{path}: {b}");
        assert!(
            b["error"].as_str().unwrap().contains("Sign in with Acme"),
            "{path}: {b}"
        );
    }
    overdue::create_user(&closed.store, "ann@example.com", OWNER_PASSWORD, None, None)
        .await
        .unwrap();
    let b = Browser::new();
    assert_eq!(b.sign_in(&closed, "ann").await, "/");
    // The groups read from the ID token give their role too.
    payments(&closed).await;
    let dan = Browser::new();
    assert_eq!(dan.sign_in(&closed, "dan").await, "/");
    assert_eq!(
        role_in(&me(&closed, &dan).await, "Payments").as_deref(),
        Some("admin")
    );

    drop((provider, provider_2));
    app.stop().await;
    closed.stop().await;
}
both!(single_sign_on, single_sign_on);
