//! The dashboard in real headless Chromium, and the endpoints it relies on; the Alerts
//! page as a triage view.

pub(crate) mod dashboard;
pub(crate) mod dashboard_api;
pub(crate) mod glance;
pub(crate) mod list;
pub(crate) mod passkeys;
pub(crate) mod people;
pub(crate) mod reports;
pub(crate) mod senders;
pub(crate) mod setup;
pub(crate) mod sso;
pub(crate) mod status_page;
pub(crate) mod triage;

/// Seeds `n` monitors in one write: `job-0000`, `job-0001`, … (daily), tagged `team0`
/// to `team6` in turn.
pub(crate) async fn seed_monitors(app: &crate::harness::TestApp, n: usize) {
    app.store
        .write(move |tx| {
            let project = overdue_storage::people::projects::any(tx.conn())?;
            for i in 0..n {
                let mut s = overdue_storage::monitoring::monitors::MonitorSettings::from_slug(
                    &format!("job-{i:04}"),
                );
                s.tags = vec![format!("team{}", i % 7)];
                overdue_storage::monitoring::monitors::create(tx, &project.id, &s, None)?;
            }
            Ok(())
        })
        .await
        .unwrap();
}

/// A user, a browser signed in as them, on the monitors page.
pub(crate) async fn signed_in(
    app: &crate::harness::TestApp,
    driver: &str,
) -> crate::harness::webdriver::Browser {
    overdue::create_user(&app.store, "ann@example.com", "correct horse", None, None)
        .await
        .unwrap();
    let b = crate::harness::webdriver::Browser::start(driver, 1280).await;
    b.goto(&app.base).await;
    b.fill(&b.find("#email").await, "ann@example.com").await;
    b.fill(&b.find("#password").await, "correct horse").await;
    b.click(&b.find("#sign-submit").await).await;
    b.find("#monitors").await;
    b
}

/// Screenshots the page at 1280 and 375 px, light and dark, each checked with axe and
/// for console errors ([`glance::tour_page`]); returns what was found. Leaves the
/// window at 1280 px, light.
pub(crate) async fn tour(b: &crate::harness::webdriver::Browser, name: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (width, dark) in [(1280, false), (1280, true), (375, false), (375, true)] {
        b.resize(width, 900).await;
        b.dark(dark).await;
        let scheme = if dark { "dark" } else { "light" };
        found.extend(glance::tour_page(b, &format!("{name}-{width}-{scheme}")).await);
    }
    b.resize(1280, 900).await;
    b.dark(false).await;
    found
}
