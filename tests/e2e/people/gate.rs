//! The sign-in gate (issue 27, docs/security.md "Sign-in limits" and "Invitations"):
//! taking an invitation checks no password and never tells whether an address has an
//! account; every password and token path shares one limit per address, reserved before
//! any hashing (parallel guesses included), counted in the database (two instances give
//! no extra guesses), and `X-Forwarded-For` is believed only from a trusted proxy.

use std::time::Duration;

use serde_json::{json, Value};

use crate::alerting::alerts::{link, with_smtp};
use crate::both;
use crate::harness::smtp::SmtpServer;
use crate::harness::{fresh_database, Backend, TestApp};
use crate::people::accounts::{account, invite_token, send, sign_json, Session};

const LOGIN: &str = "/api/v1/auth/login";
const ACCEPT: &str = "/api/v1/auth/accept";
const INFO: &str = "/api/v1/auth/invitation";

async fn owner(app: &TestApp) -> Session {
    let ann = json!({"email": "ann@example.com", "password": "ann password"});
    sign_json(app, "/api/v1/auth/setup", ann, 201).await
}

/// Invites `email` as a member; returns the link's token.
async fn invite(app: &TestApp, owner: &Session, email: &str) -> String {
    invite_token(app, owner, email, "member").await
}

async fn post(app: &TestApp, path: &str, who: Option<&Session>, body: Value) -> (u16, Value) {
    let (s, b, _) = send(app, "POST", path, who, who.is_some(), Some(body)).await;
    (s, b)
}

fn login(email: &str, password: &str) -> Value {
    json!({"email": email, "password": password})
}

/// The attack of the issue: an owner invites someone else's address and guesses its
/// password through the invitation. No password is taken there at all; the answers
/// are the same for an address with an account and one without.
async fn no_oracle(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ann = owner(&app).await;
    account(&app, "vic@example.com", "vic password").await;
    let vic_token = invite(&app, &ann, "vic@example.com").await;
    let new_token = invite(&app, &ann, "nobody@example.com").await;

    // The link's description says nothing about accounts.
    let (s, info) = post(&app, INFO, None, json!({ "token": vic_token })).await;
    assert_eq!(s, 200, "{info}");
    assert!(info.get("has_account").is_none(), "{info}");
    assert_eq!(info["for_you"], json!(false));

    // A password is no part of accepting: refused for its form, 40 times, never a 401.
    for _ in 0..3 {
        let body = json!({"token": vic_token, "password": "vic password"});
        let (s, b) = post(&app, ACCEPT, None, body).await;
        assert_eq!(s, 400, "{b}");
        assert!(b["error"].as_str().unwrap().contains("password"), "{b}");
    }
    // Without an SMTP relay an invitation makes no account; the answer is the same
    // whether the address has one or not.
    let (s1, b1) = post(&app, ACCEPT, None, json!({ "token": vic_token })).await;
    let (s2, b2) = post(&app, ACCEPT, None, json!({ "token": new_token })).await;
    assert_eq!((s1, s2), (409, 409), "{b1} {b2}");
    assert_eq!(b1, b2);
    assert!(
        b1["error"]
            .as_str()
            .unwrap()
            .contains("overdue user create"),
        "{b1}"
    );

    // The inviter cannot take it, signed in.
    let (s, b) = post(&app, ACCEPT, Some(&ann), json!({ "token": vic_token })).await;
    assert_eq!(s, 403, "{b}");
    assert!(
        b["error"].as_str().unwrap().contains("vic@example.com"),
        "{b}"
    );

    // The invitee signs in, is told it is for them, and joins without a password.
    let vic = sign_json(&app, LOGIN, login("vic@example.com", "vic password"), 200).await;
    let (_, info, _) = send(
        &app,
        "POST",
        INFO,
        Some(&vic),
        false,
        Some(json!({ "token": vic_token })),
    )
    .await;
    assert_eq!(info["for_you"], json!(true), "{info}");
    let (s, me) = post(&app, ACCEPT, Some(&vic), json!({ "token": vic_token })).await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["projects"][0]["role"], "member", "{me}");
    let (s, _) = post(&app, ACCEPT, Some(&vic), json!({ "token": vic_token })).await;
    assert_eq!(s, 404, "one link, one use");
    // Without the CSRF token a signed-in accept is refused.
    let other = invite(&app, &ann, "vic2@example.com").await;
    let (s, _, _) = send(
        &app,
        "POST",
        ACCEPT,
        Some(&vic),
        false,
        Some(json!({ "token": other })),
    )
    .await;
    assert_eq!(s, 403);
    app.stop().await;
}
both!(an_invitation_is_no_password_oracle, no_oracle);

/// With an SMTP relay, accepting signed out mails the invited address: a newcomer's
/// link lets them choose a password (the account exists only then), someone with an
/// account is told to sign in. The answer is the same for both.
async fn confirmed(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = with_smtp(backend, &smtp).await;
    let ann = owner(&app).await;
    account(&app, "vic@example.com", "vic password").await;
    let vic_token = invite(&app, &ann, "vic@example.com").await;
    let new_token = invite(&app, &ann, "new@example.com").await;
    let (s1, b1) = post(&app, ACCEPT, None, json!({ "token": vic_token })).await;
    let (s2, b2) = post(&app, ACCEPT, None, json!({ "token": new_token })).await;
    assert_eq!((s1, s2), (202, 202), "{b1} {b2}");
    let shape = |b: &Value, who: &str| b["message"].as_str().unwrap().replace(who, "X");
    assert_eq!(shape(&b1, "vic@example.com"), shape(&b2, "new@example.com"));
    let mails = smtp
        .wait_for(Duration::from_secs(10), |m| {
            m.iter()
                .filter(|m| !m.subject().starts_with("Join \"Default\" on"))
                .count()
                >= 1
                && m.iter().any(|m| {
                    m.to == ["vic@example.com"] && m.text().contains("already has an account")
                })
        })
        .await;
    let to_new: Vec<_> = mails
        .iter()
        .filter(|m| m.to == ["new@example.com"])
        .collect();
    let confirm = to_new
        .iter()
        .find(|m| m.subject() == "Confirm your address to join \"Default\"")
        .expect("a confirmation for the newcomer");
    let to_vic = mails
        .iter()
        .find(|m| m.to == ["vic@example.com"] && m.text().contains("already has an account"))
        .unwrap();
    assert!(!to_vic.text().contains("/join/"), "{}", to_vic.text());
    let join = link(&confirm.text(), &format!("{}/join/", app.base));
    let token = join.rsplit('/').next().unwrap().to_string();

    // No account before the link is used.
    let (s, _) = post(&app, LOGIN, None, login("new@example.com", "new password")).await;
    assert_eq!(s, 401);
    let (s, b) = post(
        &app,
        "/api/v1/auth/join",
        None,
        json!({"token": token, "password": "short"}),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = post(
        &app,
        "/api/v1/auth/join",
        None,
        json!({"token": "odc_wrong", "password": "new password"}),
    )
    .await;
    assert_eq!(s, 404, "{b}");
    let new = sign_json(
        &app,
        "/api/v1/auth/join",
        json!({"token": token, "password": "new password"}),
        200,
    )
    .await;
    let (_, me, _) = send(&app, "GET", "/api/v1/auth/me", Some(&new), false, None).await;
    assert_eq!(me["email"], "new@example.com");
    assert_eq!(me["projects"][0]["role"], "member", "{me}");
    let (s, _) = post(
        &app,
        "/api/v1/auth/join",
        None,
        json!({"token": token, "password": "new password"}),
    )
    .await;
    assert_eq!(s, 404, "a confirmation link works once");
    let (s, _) = post(&app, ACCEPT, None, json!({ "token": new_token })).await;
    assert_eq!(s, 404, "the invitation is used");
    app.stop().await;
}
both!(newcomers_confirm_their_address_by_mail, confirmed);

/// 40 parallel wrong sign-ins against a limit of 5: exactly 5 are checked. The address
/// limit is shared by every password and token path (reset links here), and the right
/// password is refused while the account is locked from this address.
async fn parallel(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    owner(&app).await;
    let guesses = (0..40).map(|i| {
        let (http, url) = (app.http.clone(), app.url(LOGIN));
        async move {
            let r = http
                .post(url)
                .json(&login("ann@example.com", &format!("guess {i}")))
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }
    });
    let mut got = futures_util::future::join_all(guesses).await;
    got.sort_unstable();
    assert_eq!(got.iter().filter(|s| **s == 401).count(), 5, "{got:?}");
    assert_eq!(got.iter().filter(|s| **s == 429).count(), 35, "{got:?}");
    let (s, _) = post(&app, LOGIN, None, login("ann@example.com", "ann password")).await;
    assert_eq!(s, 429, "locked from here, even with the right password");

    // 15 more failures of any kind from this address fill its limit of 20.
    let mut wrong = 0;
    loop {
        let body = json!({"token": format!("odr_bogus{wrong}"), "password": "long enough"});
        let (s, b) = post(&app, "/api/v1/auth/reset", None, body).await;
        if s == 429 {
            assert!(b["error"].as_str().unwrap().contains("try again in"), "{b}");
            break;
        }
        assert_eq!(s, 404, "{b}");
        wrong += 1;
        assert!(wrong <= 20, "never limited");
    }
    assert_eq!(wrong, 15);
    let (s, _) = post(&app, LOGIN, None, login("bob@example.com", "whatever")).await;
    assert_eq!(s, 429, "the address is limited on every path");
    let (s, _) = post(&app, ACCEPT, None, json!({"token": "odi_x"})).await;
    assert_eq!(s, 429);
    app.stop().await;
}
both!(parallel_guesses_are_reserved_before_checking, parallel);

/// Changing one's password checks the current one through the same limit.
async fn change(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ann = owner(&app).await;
    let body =
        |current: &str| json!({"current_password": current, "new_password": "next password"});
    for _ in 0..5 {
        let (s, b) = post(&app, "/api/v1/auth/password", Some(&ann), body("wrong")).await;
        assert_eq!(s, 400, "{b}");
    }
    let (s, b) = post(
        &app,
        "/api/v1/auth/password",
        Some(&ann),
        body("ann password"),
    )
    .await;
    assert_eq!(s, 429, "{b}");
    app.stop().await;
}
both!(a_stolen_session_cannot_guess_the_password, change);

async fn wrong_with(app: &TestApp, forwarded: impl AsRef<str>) -> u16 {
    app.http
        .post(app.url(LOGIN))
        .header("X-Forwarded-For", forwarded.as_ref())
        .json(&login("ann@example.com", "guess"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// `X-Forwarded-For` from an untrusted peer is ignored (a new address per guess does
/// not help); from a trusted proxy it is walked from the right, so the entry a client
/// wrote itself is never believed. Pings record the address by the same rule.
async fn proxies(backend: Backend) {
    let plain = TestApp::spawn(backend).await;
    owner(&plain).await;
    let got: Vec<u16> =
        futures_util::future::join_all((0..6).map(|i| wrong_with(&plain, format!("10.9.0.{i}"))))
            .await;
    assert_eq!(got.iter().filter(|s| **s == 429).count(), 1, "{got:?}");
    let id = plain.monitor(json!({"name": "m"})).await;
    plain
        .http
        .get(plain.url(&format!("/ping/{id}")))
        .header("X-Forwarded-For", "1.2.3.4")
        .send()
        .await
        .unwrap();
    let (_, pings) = plain
        .api("GET", &format!("/api/v1/monitors/{id}/pings"), None)
        .await;
    assert_eq!(pings["pings"][0]["remote_addr"], "127.0.0.1", "{pings}");
    plain.stop().await;

    let proxied = TestApp::spawn_on(&fresh_database(backend), |s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    owner(&proxied).await;
    for i in 0..5 {
        assert_eq!(
            wrong_with(&proxied, &format!("6.6.6.{i}, 203.0.113.9")).await,
            401
        );
    }
    assert_eq!(wrong_with(&proxied, "6.6.6.77, 203.0.113.9").await, 429);
    assert_eq!(
        wrong_with(&proxied, "203.0.113.10").await,
        401,
        "another client"
    );
    assert_eq!(wrong_with(&proxied, "2001:db8:1:2::5").await, 401);
    for _ in 0..4 {
        wrong_with(&proxied, "2001:db8:1:2::6").await;
    }
    assert_eq!(
        wrong_with(&proxied, "2001:db8:1:2:ffff::1").await,
        429,
        "IPv6 counts by /64"
    );
    let id = proxied.monitor(json!({"name": "m"})).await;
    proxied
        .http
        .get(proxied.url(&format!("/ping/{id}")))
        .header("X-Forwarded-For", "1.2.3.4, 203.0.113.9")
        .send()
        .await
        .unwrap();
    let (_, pings) = proxied
        .api("GET", &format!("/api/v1/monitors/{id}/pings"), None)
        .await;
    assert_eq!(pings["pings"][0]["remote_addr"], "203.0.113.9", "{pings}");
    proxied.stop().await;
}
both!(forwarded_addresses_only_from_trusted_proxies, proxies);

/// Two instances on one database share the count: 3 guesses on one and 2 on the other
/// use up the 5.
async fn instances(backend: Backend) {
    let db = fresh_database(backend);
    let a = TestApp::spawn_on(&db, |_| {}).await;
    let b = TestApp::spawn_on(&db, |_| {}).await;
    owner(&a).await;
    for app in [&a, &a, &a, &b, &b] {
        let (s, _) = post(app, LOGIN, None, login("ann@example.com", "guess")).await;
        assert_eq!(s, 401);
    }
    let (s, _) = post(&a, LOGIN, None, login("ann@example.com", "guess")).await;
    assert_eq!(s, 429, "the count is shared");
    let (s, _) = post(&b, LOGIN, None, login("ann@example.com", "guess")).await;
    assert_eq!(s, 429);
    b.stop().await;
    a.stop().await;
}
both!(instances_share_one_count, instances);

/// Setting up a set-up instance is refused before any hashing, and a reset link is
/// looked up before the new password is hashed.
async fn cheap_refusals(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    owner(&app).await;
    let again = json!({"email": "eve@example.com", "password": "eve password"});
    let (s, b) = post(&app, "/api/v1/auth/setup", None, again).await;
    assert_eq!(s, 409, "{b}");
    let flood = (0..30).map(|i| {
        let (http, url) = (app.http.clone(), app.url("/api/v1/auth/setup"));
        async move {
            let body = json!({"email": format!("e{i}@example.com"), "password": "long enough"});
            http.post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let got = futures_util::future::join_all(flood).await;
    assert!(got.iter().all(|s| *s == 409), "{got:?}");
    app.stop().await;
}
both!(
    anonymous_requests_cost_no_hashing_once_refused,
    cheap_refusals
);

/// A flood of sign-ins from many addresses (behind a trusted proxy, so no address limit
/// stops them) meets the hashing bound: at most 2 hashes run and 16 wait; the rest are
/// answered 429 at once instead of piling up argon2's memory.
async fn flood(backend: Backend) {
    let app = TestApp::spawn_on(&fresh_database(backend), |s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    owner(&app).await;
    let guesses = (0..80).map(|i| {
        let (http, url) = (app.http.clone(), app.url(LOGIN));
        async move {
            let r = http
                .post(url)
                .header("X-Forwarded-For", format!("198.51.100.{i}"))
                .json(&login(&format!("u{i}@example.com"), "guess"))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or_default();
            (status, body)
        }
    });
    let got = futures_util::future::join_all(guesses).await;
    let busy = got.iter().filter(|(s, _)| *s == 429).count();
    assert!(
        got.iter().all(|(s, b)| *s == 401
            || (*s == 429
                && b["error"]
                    .as_str()
                    .unwrap()
                    .contains("busy checking passwords"))),
        "{got:?}"
    );
    assert!(busy > 0, "80 at once never met the bound");
    app.stop().await;
}
both!(password_hashing_is_bounded, flood);
