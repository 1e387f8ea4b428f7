//! The dashboard's people pages in real Chromium (issue 19): the Team page shows each
//! role only what it may use and says why; invitations are listed and revoked; a
//! refused role change puts the control back; the invitation page names the project
//! and the inviter; the account page changes the password and signs out everywhere;
//! "forgot password" goes through a real SMTP server and back.

use std::time::Duration;

use overdue_core::Role;

use crate::alerting::alerts::{link, with_smtp};
use crate::harness::smtp::SmtpServer;
use crate::harness::webdriver::{chromedriver, Browser};
use crate::harness::{Backend, TestApp};

async fn sign_in(b: &Browser, app: &TestApp, email: &str, password: &str) {
    b.goto(&app.base).await;
    b.fill(&b.find("#email").await, email).await;
    b.fill(&b.find("#password").await, password).await;
    b.click(&b.find("#sign-submit").await).await;
    b.find("#sign-out").await;
}

async fn sign_out(b: &Browser) {
    b.click(&b.find("#sign-out").await).await;
    b.find("#sign-submit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn team_roles_invitations_and_account() {
    let Some(driver) = chromedriver() else {
        return;
    };
    let smtp = SmtpServer::start();
    let app = with_smtp(Backend::Sqlite, &smtp).await;
    for (email, role) in [
        ("ann@example.com", Role::Owner),
        ("adam@example.com", Role::Admin),
        ("vic@example.com", Role::Viewer),
    ] {
        overdue::create_user(&app.store, email, "correct horse", Some(role), None)
            .await
            .unwrap();
    }
    let b = Browser::start(&driver, 1280).await;
    sign_in(&b, &app, "ann@example.com", "correct horse").await;

    // An owner invites, sees the invitation pending with who made it, revokes it.
    b.goto(&app.url("/team")).await;
    b.find("#no-invitations").await;
    b.fill(&b.find("#invite-email").await, "bob@example.com")
        .await;
    b.click(&b.find("#invite").await).await;
    b.wait_text("#invitations", 10, |t| {
        t.contains("bob@example.com") && t.contains("ann@example.com")
    })
    .await;
    let first = b
        .wait_text("#invite-link", 5, |t| t.contains("/invite/"))
        .await;
    b.click(
        &b.find("button[aria-label='Revoke the invitation of bob@example.com']")
            .await,
    )
    .await;
    b.find("#no-invitations").await;
    b.fill(&b.find("#invite-email").await, "bob@example.com")
        .await;
    b.click(&b.find("#invite").await).await;
    let url = b
        .wait_text("#invite-link", 5, |t| t.contains("/invite/") && t != first)
        .await;
    // With an SMTP relay the link is e-mailed too, naming who invites to what.
    b.wait_text("#invite-sent", 5, |t| t.starts_with("Sent by e-mail"))
        .await;
    let mails = smtp
        .wait_for(Duration::from_secs(10), |m| {
            m.iter().any(|m| m.text().contains(url.as_str()))
        })
        .await;
    let mail = mails
        .iter()
        .find(|m| m.text().contains(url.as_str()))
        .unwrap();
    assert_eq!(mail.to, vec!["bob@example.com".to_string()]);
    assert_eq!(mail.subject(), "Join \"Default\" on Overdue");
    assert!(
        mail.text().starts_with(
            "ann@example.com invites you to the Overdue project \"Default\" as member."
        ),
        "{}",
        mail.text()
    );
    // Roles in words; a role change is asked for first, then said saved; one cancelled
    // puts the control back.
    let roles = b.text(&b.find("#roles-help").await).await;
    assert!(roles.contains("What each role may do"), "{roles}");
    let pick = |who: &str, role: &str| {
        format!(
            "const s = document.querySelector(\"select[aria-label='Role of {who}']\"); \
             s.value = '{role}'; s.dispatchEvent(new Event('change'));"
        )
    };
    b.eval(&pick("vic@example.com", "member")).await;
    let asked = b
        .wait_text("#role-confirm", 10, |t| {
            t.contains("Make vic@example.com a member?")
        })
        .await;
    assert!(asked.contains("A member also creates"), "{asked}");
    b.screenshot("people-role-confirm").await;
    b.click(&b.find("#role-confirm-no").await).await;
    assert!(b.absent("#role-confirm").await);
    assert_eq!(
        b.eval(
            "return document.querySelector(\"select[aria-label='Role of vic@example.com']\").value"
        )
        .await,
        "viewer"
    );
    b.eval(&pick("vic@example.com", "member")).await;
    b.click(&b.find("#role-confirm-yes").await).await;
    b.wait_text("#role-saved", 10, |t| {
        t == "Saved: vic@example.com is now member."
    })
    .await;
    // The last owner cannot step down: refused, and the control shows "owner" again.
    b.eval(&pick("ann@example.com", "viewer")).await;
    b.click(&b.find("#role-confirm-yes").await).await;
    b.wait_text("#team-error", 10, |t| t.contains("needs an owner"))
        .await;
    assert_eq!(
        b.eval(
            "return document.querySelector(\"select[aria-label='Role of ann@example.com']\").value"
        )
        .await,
        "owner"
    );
    b.screenshot("people-team-owner").await;

    // The account page: a wrong current password is refused, then the change works.
    b.click(&b.find("#account-link").await).await;
    b.wait_text("#account-email", 10, |t| t == "ann@example.com")
        .await;
    b.fill(&b.find("#current-password").await, "wrong horse")
        .await;
    b.fill(&b.find("#new-password").await, "battery staple")
        .await;
    b.fill(&b.find("#new-password-again").await, "battery staple")
        .await;
    b.click(&b.find("#change-password").await).await;
    b.wait_text("main .error", 10, |t| {
        t.contains("current_password is wrong")
    })
    .await;
    b.fill(&b.find("#current-password").await, "correct horse")
        .await;
    b.click(&b.find("#change-password").await).await;
    b.wait_text("#password-done", 10, |t| t.starts_with("Password changed"))
        .await;
    b.screenshot("people-account").await;
    // Sign out everywhere ends this session too.
    b.click(&b.find("#sign-out-everywhere").await).await;
    b.find("#sign-submit").await;

    // The invitation page says who invites whom to what; joining signs in.
    b.goto(&url).await;
    let what = b
        .wait_text("#invite-what", 10, |t| t.contains("invites"))
        .await;
    assert!(
        what.starts_with("ann@example.com invites bob@example.com to ")
            && what.ends_with(" as member."),
        "{what}"
    );
    b.screenshot("people-invite").await;
    // A newcomer asks for a link to the invited address; it lets them choose a password.
    b.click(&b.find("#invite-ask").await).await;
    b.wait_text("#invite-asked", 10, |t| t.contains("bob@example.com"))
        .await;
    let subject = "Confirm your address to join \"Default\"";
    let mails = smtp
        .wait_for(Duration::from_secs(10), |m| {
            m.iter().any(|m| m.subject() == subject)
        })
        .await;
    let mail = mails.iter().find(|m| m.subject() == subject).unwrap();
    assert_eq!(mail.to, vec!["bob@example.com".to_string()]);
    let join = link(&mail.text(), &format!("{}/join/", app.base));
    b.goto(&join).await;
    b.fill(&b.find("#join-password").await, "bob password")
        .await;
    b.fill(&b.find("#join-again").await, "bob password").await;
    b.screenshot("people-join").await;
    b.click(&b.find("#join-submit").await).await;
    b.find("#sign-out").await;
    sign_out(&b).await;

    // An admin: keys yes, roles and invitations no — said, not refused after a click.
    sign_in(&b, &app, "adam@example.com", "correct horse").await;
    b.goto(&app.url("/team")).await;
    b.wait_text("#owner-only", 10, |t| t.contains("Only owners"))
        .await;
    b.find("#create-key").await;
    b.wait_text("#members", 10, |t| t.contains("bob@example.com"))
        .await;
    assert_eq!(
        b.eval(
            "return document.querySelectorAll('#members select, #members button, #invite').length"
        )
        .await,
        0
    );
    sign_out(&b).await;
    // A viewer: no keys either.
    sign_in(&b, &app, "vic@example.com", "correct horse").await;
    b.goto(&app.url("/team")).await;
    b.wait_text("#keys-admin-only", 10, |t| t.contains("admins and owners"))
        .await;
    assert!(b.absent("#create-key").await);
    b.screenshot("people-team-viewer").await;
    sign_out(&b).await;

    // Forgot password: the link in the e-mail sets a new one and signs in.
    b.click(&b.find("#forgot-link").await).await;
    b.fill(&b.find("#forgot-email").await, "ann@example.com")
        .await;
    b.click(&b.find("#forgot-submit").await).await;
    b.wait_text("#forgot-sent", 10, |t| t.contains("on its way"))
        .await;
    let subject = "Reset your Overdue password";
    let mails = smtp
        .wait_for(Duration::from_secs(10), |m| {
            m.iter().any(|m| m.subject() == subject)
        })
        .await;
    let mail = mails.iter().find(|m| m.subject() == subject).unwrap();
    let reset = link(&mail.text(), &format!("{}/reset/", app.base));
    b.goto(&reset).await;
    b.fill(&b.find("#reset-password").await, "new horse!").await;
    b.fill(&b.find("#reset-again").await, "new horse!").await;
    b.screenshot("people-reset").await;
    b.click(&b.find("#reset-submit").await).await;
    b.find("#sign-out").await;
    sign_out(&b).await;
    sign_in(&b, &app, "ann@example.com", "new horse!").await;

    // A new project: said made and open, its keys in full this once.
    b.goto(&app.url("/team")).await;
    b.fill(&b.find("#project-name").await, "Billing").await;
    b.click(&b.find("#create-project").await).await;
    let made = b
        .wait_text("#project-made", 10, |t| t.contains("is made, and open now"))
        .await;
    assert!(made.contains("\u{201c}Billing\u{201d}"), "{made}");
    let key = b.text(&b.find("#made-key").await).await;
    assert!(key.starts_with("odk_") && !key.contains('…'), "{key}");
    let r = app
        .http
        .get(app.url("/api/v1/monitors"))
        .header("X-Api-Key", key.trim())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the key shown works");
    b.screenshot("people-project-made").await;
    // The owner renames it, then deletes it: asked first, naming what goes.
    b.fill(&b.find("#rename-project").await, "Billing EU").await;
    b.click(&b.find("#rename-submit").await).await;
    b.wait_text("#project-admin-said", 10, |t| t.contains("Billing EU"))
        .await;
    b.wait_text("#project", 10, |t| t.contains("Billing EU"))
        .await;
    b.click(&b.find("#delete-project").await).await;
    let q = b
        .wait_text("#delete-question", 10, |t| t.contains("Billing EU"))
        .await;
    assert!(q.contains("0 monitors") && q.contains("2 API keys"), "{q}");
    assert_eq!(
        b.eval("return document.querySelector('#delete-submit').disabled")
            .await,
        true
    );
    b.fill(&b.find("#delete-name").await, "Billing EU").await;
    b.screenshot("people-project-delete").await;
    b.click(&b.find("#delete-submit").await).await;
    b.wait_text("#project-admin-said", 10, |t| t.contains("is deleted"))
        .await;
    let left = b.text(&b.find("#project").await).await;
    assert!(
        !left.contains("Billing") && left.contains("Default"),
        "{left}"
    );
    // The audit log: who changed what in the project left open.
    b.click(&b.find("#audit-link").await).await;
    b.wait_text("#audit", 10, |t| {
        t.contains("invitations") && t.contains("sign-in")
    })
    .await;
    b.screenshot("people-audit").await;
    let v = b.axe().await;
    assert!(v.is_empty(), "{v:?}");
    b.resize(375, 800).await;
    b.screenshot("people-audit-375").await;
    b.resize(1280, 900).await;
    // The overview of one's projects, from the Team page.
    b.goto(&app.url("/team")).await;
    b.click(&b.find("#projects-link").await).await;
    b.wait_text("#projects-overview", 10, |t| {
        t.contains("Default") && t.contains("owner")
    })
    .await;
    b.screenshot("people-projects").await;
    b.resize(375, 800).await;
    b.screenshot("people-projects-375").await;
    b.resize(1280, 900).await;
    // A second factor: the QR code and secret, a code from the "app", the recovery
    // codes once; signing in then asks for a code.
    b.goto(&app.url("/account")).await;
    b.click(&b.find("#totp-start").await).await;
    b.find("#totp-qr").await;
    let secret = b.text(&b.find("#totp-secret").await).await;
    b.screenshot("people-second-factor-setup").await;
    let code = overdue_core::second_factor::code_at(secret.trim(), app.store.now()).unwrap();
    b.fill(&b.find("#totp-confirm-code").await, &code).await;
    b.click(&b.find("#totp-confirm").await).await;
    let codes = b
        .wait_text("#recovery-codes", 10, |t| t.contains("shown this once"))
        .await;
    b.wait_text("#second-factor-on", 10, |t| {
        t.contains("10 recovery codes left")
    })
    .await;
    b.screenshot("people-second-factor-codes").await;
    let v = b.axe().await;
    assert!(v.is_empty(), "{v:?}");
    b.resize(375, 800).await;
    b.screenshot("people-second-factor-codes-375").await;
    b.resize(1280, 900).await;
    sign_out(&b).await;
    b.fill(&b.find("#email").await, "ann@example.com").await;
    b.fill(&b.find("#password").await, "new horse!").await;
    b.click(&b.find("#sign-submit").await).await;
    b.find("#totp-code").await;
    let recovery = codes
        .split_whitespace()
        .find(|w| w.len() == 11 && w.as_bytes()[5] == b'-')
        .unwrap()
        .to_string();
    b.fill(&b.find("#totp-code").await, &recovery).await;
    b.screenshot("people-sign-in-code").await;
    b.click(&b.find("#sign-submit").await).await;
    b.find("#sign-out").await;
    sign_out(&b).await;
    // Signed out, the page says how a newcomer gets an account: by invitation here.
    b.wait_text("#signup-mode", 10, |t| t.contains("by invitation"))
        .await;
    assert!(b.absent("#signup-link").await);
    app.stop().await;
    signing_up(&b, &smtp).await;
}

/// Where the operator opens sign-up to a domain: the sign-in page says so, `/signup`
/// mails a link, the link makes the account with a project of its own.
async fn signing_up(b: &Browser, smtp: &SmtpServer) {
    let url = smtp.url();
    let app = TestApp::spawn_on(&crate::harness::fresh_database(Backend::Sqlite), move |s| {
        s.smtp = Some(overdue::config::Smtp {
            url,
            from: "Overdue <overdue@example.com>".into(),
        });
        s.limits.signup = overdue_core::signup::Signup::parse("example.com").unwrap();
    })
    .await;
    overdue::create_user(&app.store, "ann@example.com", "correct horse", None, None)
        .await
        .unwrap();
    b.goto(&app.base).await;
    b.wait_text("#signup-mode", 10, |t| {
        t.contains("Addresses at example.com")
    })
    .await;
    b.screenshot("people-sign-in-signup").await;
    b.resize(375, 800).await;
    b.screenshot("people-sign-in-signup-375").await;
    b.resize(1280, 900).await;
    b.click(&b.find("#signup-link").await).await;
    b.wait_text("#signup-who", 10, |t| t.contains("example.com"))
        .await;
    b.fill(&b.find("#signup-email").await, "eve@other.org")
        .await;
    b.click(&b.find("#signup-submit").await).await;
    b.wait_text("[role=alert]", 10, |t| t.contains("example.com only"))
        .await;
    b.fill(&b.find("#signup-email").await, "zoe@example.com")
        .await;
    b.click(&b.find("#signup-submit").await).await;
    b.wait_text("#signup-sent", 10, |t| t.contains("zoe@example.com"))
        .await;
    b.screenshot("people-signup").await;
    let v = b.axe().await;
    assert!(v.is_empty(), "{v:?}");
    let subject = "Confirm your address for Overdue";
    let mails = smtp
        .wait_for(Duration::from_secs(10), |m| {
            m.iter().any(|m| m.subject() == subject)
        })
        .await;
    let mail = mails.iter().find(|m| m.subject() == subject).unwrap();
    b.goto(&link(&mail.text(), &format!("{}/join/", app.base)))
        .await;
    b.fill(&b.find("#join-password").await, "zoe's horse").await;
    b.fill(&b.find("#join-again").await, "zoe's horse").await;
    b.click(&b.find("#join-submit").await).await;
    b.find("#sign-out").await;
    b.goto(&app.url("/team")).await;
    b.wait_text("#project", 10, |t| t.contains("My project (owner)"))
        .await;
    app.stop().await;
}
