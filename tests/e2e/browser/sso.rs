//! Single sign-on in real Chromium (docs/security.md, "Single sign-on"): the provider's
//! button on the sign-in page, the provider's own form (oidc-provider's), and back on
//! the monitors signed in; a refusal said on the sign-in page; with password sign-in
//! off, the button alone; a second factor's code asked after the provider. At 1280 and
//! 375 px, light and dark, with axe.

use crate::browser::tour;
use crate::harness::oidc::OidcProvider;
use crate::harness::webdriver::{chromedriver, Browser};
use crate::harness::{free_port, Backend};
use crate::people::sso::{payments, people, start};

/// Clicks the provider's button and signs in on the provider's form as `who`.
async fn through_provider(b: &Browser, who: &str) {
    b.click(&b.find("#sso-signin").await).await;
    b.fill(&b.find("input[name=login]").await, who).await;
    b.fill(&b.find("input[name=password]").await, "any").await;
    b.click(&b.find("button[type=submit]").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn single_sign_on_in_chromium() {
    let Some(driver) = chromedriver() else {
        return;
    };
    let issuer = format!("http://127.0.0.1:{}", free_port());
    let app = start(Backend::Sqlite, &issuer, true).await;
    let other = format!("http://127.0.0.1:{}", free_port());
    let closed = start(Backend::Sqlite, &other, false).await;
    let back = |a: &crate::harness::TestApp| vec![a.url("/api/v1/auth/sso/callback")];
    let _provider = OidcProvider::start(&issuer, &back(&app), &people(&["ops"], &[]), false);
    let _provider_2 = OidcProvider::start(&other, &back(&closed), &people(&[], &[]), false);
    // The mapping gives group "ops" the role admin in "Payments".
    payments(&app).await;
    overdue::create_user(&app.store, "ann@example.com", "correct horse", None, None)
        .await
        .unwrap();

    let b = Browser::start(&driver, 1280).await;
    b.goto(&app.base).await;
    let label = b.wait_text("#sso-signin", 10, |t| !t.is_empty()).await;
    assert_eq!(label, "Sign in with Acme");
    b.find("#sign-submit").await;
    let mut found = tour(&b, "signin-sso").await;
    through_provider(&b, "dan").await;
    b.find("#sign-out").await;
    let project = b.wait_text("#project", 10, |t| !t.is_empty()).await;
    assert_eq!(project.trim(), "Payments (admin)");
    let who = b.wait_text(".who", 10, |t| t.contains("dan@")).await;
    assert!(who.contains("dan@"), "{who}");

    // Someone nothing admits is told why, on the sign-in page (a browser of their
    // own: the provider remembers dan in the first; one browser runs at a time).
    drop(b);
    let b2 = Browser::start(&driver, 1280).await;
    b2.goto(&app.base).await;
    through_provider(&b2, "carol").await;
    let why = b2.wait_text("#sso-error", 10, |t| !t.is_empty()).await;
    assert!(why.contains("neither a group nor an invitation"), "{why}");
    // The provider's own page asked for a web font this machine cannot reach: its
    // console lines are the provider's, not Overdue's.
    let _ = b2.console_errors().await;
    found.extend(tour(&b2, "signin-sso-refused").await);

    // Without passwords, the button alone.
    drop(b2);
    overdue::create_user(
        &closed.store,
        "ann@example.com",
        "correct horse",
        None,
        None,
    )
    .await
    .unwrap();
    let b3 = Browser::start(&driver, 1280).await;
    b3.goto(&closed.base).await;
    b3.find("#sso-signin").await;
    let hidden = b3
        .until(
            "return document.querySelector('#sign-submit').closest('form').hidden",
            |v| v.as_bool() == Some(true),
        )
        .await;
    assert_eq!(hidden, true);
    assert!(b3.absent("#forgot-link").await);
    let note = b3.wait_text("#signup-mode", 10, |t| !t.is_empty()).await;
    assert!(note.contains("company account"), "{note}");
    found.extend(tour(&b3, "signin-sso-only").await);

    // A second factor on the account: its code is asked after the provider.
    drop(b3);
    let ann = crate::people::accounts::sign(
        &app,
        "/api/v1/auth/login",
        "ann@example.com",
        "correct horse",
        200,
    )
    .await;
    let (_, recovery, _) = crate::people::second_factor::enrol(&app, &ann).await;
    let b4 = Browser::start(&driver, 1280).await;
    b4.goto(&app.base).await;
    through_provider(&b4, "ann").await;
    b4.find("#sso-code").await;
    let _ = b4.console_errors().await;
    found.extend(tour(&b4, "signin-sso-code").await);
    b4.fill(&b4.find("#sso-code").await, &recovery[0]).await;
    b4.click(&b4.find("#sso-code-submit").await).await;
    b4.wait_text(".who", 10, |t| t.contains("ann@")).await;
    assert!(found.is_empty(), "{found:#?}");
    app.stop().await;
    closed.stop().await;
}
