//! The dashboard for daily use, in real Chromium (in New York's time zone): true at a
//! glance (late turns on its own, times local with their zone, the tab's title and
//! icon count what is down, the navigation counts and marks), the list's sorting and
//! filters in the URL, bulk actions, a complete monitor page, the run's failure body —
//! then a tour of every page at 1280 and 375 px, light and dark: a screenshot each,
//! axe-core finds no serious or critical WCAG violation, nothing scrolls sideways on a
//! phone, and the console stays free of errors.

use std::time::Duration;

use serde_json::json;

use crate::harness::webdriver::{chromedriver, Browser};
use crate::harness::{Backend, Receiver, TestApp};

/// Sets up monitors in every state: new (cron in Riga), up with a 2 s period (turns
/// late on the open page), down by a failure with a body, paused.
async fn monitors(app: &TestApp) -> (String, String, String, Receiver) {
    let backup = app
        .monitor(json!({"name": "DB backup", "cron": "30 2 * * *", "tz": "Europe/Riga", "grace": "1h", "tags": "prod db"}))
        .await;
    let shop = app
        .monitor(json!({"name": "Shop sync", "period": "2s", "grace": "1h", "tags": "shop"}))
        .await;
    // A webhook on the invoices: its failure is delivered, and the channels page's
    // notification log has a row (a card on a phone).
    let receiver = Receiver::start().await;
    let hook = app.webhook(&receiver.url).await;
    let invoices = app
        .monitor(
            json!({"name": "Invoices", "period": "1h", "slug": "invoices", "channels": [hook]}),
        )
        .await;
    let paused = app
        .monitor(json!({"name": "Old report", "period": "1d"}))
        .await;
    assert_eq!(app.ping(&shop).await, 200);
    assert_eq!(app.ping(&format!("{invoices}/start")).await, 200);
    let r = app
        .http
        .post(app.url(&format!("/ping/{invoices}/fail")))
        .body("disk full on /backup")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (s, _) = app
        .api("POST", &format!("/api/v1/monitors/{paused}/pause"), None)
        .await;
    assert_eq!(s, 200);
    (backup, shop, invoices, receiver)
}

/// The public reference a page URL uses for monitor `uuid`.
fn public(uuid: &str) -> String {
    overdue_core::PublicRef::of(uuid).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn true_at_a_glance_and_every_page_accessible() {
    let Some(driver) = chromedriver() else {
        return;
    };
    // Ann is one of the instance's operators: the Operator page is in the tour.
    let app = TestApp::spawn_on(&crate::harness::fresh_database(Backend::Sqlite), |s| {
        s.limits.operators = vec!["ann@example.com".into()];
    })
    .await;
    let (backup, shop, invoices, _receiver) = monitors(&app).await;
    overdue::create_user(&app.store, "ann@example.com", "correct horse", None, None)
        .await
        .unwrap();
    let b = Browser::start_in(&driver, 1280, Some("America/New_York")).await;
    b.goto(&app.base).await;
    b.dark(false).await;
    let mut violations = tour_page(&b, "sign-in").await;
    // A visitor without a session is not asked who they are: no 401 in the console.
    b.find("#email").await;
    let asked = b
        .eval("return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/auth/')).map(e => e.name.split('/api/v1')[1]).join(',')")
        .await;
    assert!(
        asked
            .as_str()
            .is_some_and(|a| a.starts_with("/auth/status") && !a.contains("/auth/me")),
        "{asked}"
    );
    b.fill(&b.find("#email").await, "ann@example.com").await;
    b.fill(&b.find("#password").await, "correct horse").await;
    b.click(&b.find("#sign-submit").await).await;
    b.find("#monitors").await;

    // The tab: "(1 down) Monitors · Overdue", a red icon with the count; the nav
    // counts the open alert and marks the current page.
    let title = wait_eval(&b, "return document.title", |v| v.contains("(1 down)")).await;
    assert!(title.ends_with("Monitors · Overdue"), "{title}");
    assert_eq!(
        b.eval("return document.getElementById('favicon').dataset.down")
            .await,
        "1"
    );
    b.wait_text("a.nav-link[href='/alerts'] .count", 10, |t| {
        t.starts_with('1')
    })
    .await;
    assert_eq!(
        b.eval(
            "return document.querySelector('a.nav-link[aria-current=page]').getAttribute('href')"
        )
        .await,
        "/"
    );

    // The list: the down reason, nobody notified, local times with their zone.
    let row = |id: &str| format!("tr[data-id='{}']", public(id));
    b.wait_text(&format!("{} .down-reason", row(&invoices)), 10, |t| {
        t.contains("failed")
    })
    .await;
    // A down monitor still names its next expected run in the list.
    b.wait_text(&format!("{} td.next-due", row(&invoices)), 5, |t| {
        !t.is_empty()
    })
    .await;
    b.wait_text(&format!("{} .nobody", row(&shop)), 5, |t| {
        t == "nobody is notified"
    })
    .await;
    assert!(b.absent(&format!("{} .nobody", row(&invoices))).await);
    let hover = b
        .eval(&format!(
            "return document.querySelector(\"{} td.last-ping time\").title",
            row(&shop)
        ))
        .await;
    assert!(hover.as_str().unwrap().contains("EST"), "{hover}");
    // Late on its own: the 2 s period passes, no event arrives, the badge turns.
    b.wait_text(&format!("{} .status", row(&shop)), 10, |t| {
        t.contains("late")
    })
    .await;
    // Each row's 90-day strip: today has the failure, said in its label.
    let label = wait_eval(
        &b,
        &format!(
            "let s = document.querySelector(\"{} svg.mini-strip\"); return s ? s.getAttribute('aria-label') : ''",
            row(&invoices)
        ),
        |t| t.starts_with("Downtime on 1 of the last 90 days"),
    )
    .await;
    assert!(label.contains("down"), "{label}");
    let cells = b
        .eval(&format!(
            "return document.querySelectorAll(\"{} svg.mini-strip rect.cell\").length",
            row(&invoices)
        ))
        .await;
    assert_eq!(cells, 90);
    b.screenshot("glance-monitors").await;

    // Sorting and filters live in the URL; the back button undoes them.
    b.click(&b.find("th[data-col=name] button").await).await;
    wait_eval(&b, "return location.search", |s| s == "?sort=name").await;
    b.wait_text("#monitors tbody tr:first-child td.name a", 5, |t| {
        t == "DB backup"
    })
    .await;
    b.click(&b.find("th[data-col=name] button").await).await;
    wait_eval(&b, "return location.search", |s| s == "?sort=name&dir=desc").await;
    b.wait_text("#monitors tbody tr:first-child td.name a", 5, |t| {
        t == "Shop sync"
    })
    .await;
    assert_eq!(
        b.eval("return document.querySelector('th[data-col=name]').getAttribute('aria-sort')")
            .await,
        "descending"
    );
    b.eval("history.back()").await;
    wait_eval(&b, "return location.search", |s| s == "?sort=name").await;
    b.fill(&b.find("#filter-text").await, "shop").await;
    wait_eval(&b, "return location.search", |s| s.contains("q=shop")).await;
    b.wait_text("#list-count", 5, |t| t.starts_with("1 of 1 matching"))
        .await;
    // A shared URL opens the same view.
    b.goto(&format!("{}/?status=down", app.base)).await;
    b.wait_text("#list-count", 10, |t| t.starts_with("1 of 1 matching"))
        .await;
    b.wait_text("#filter-states summary", 5, |t| t == "Status: down")
        .await;
    assert_eq!(
        b.eval("return document.querySelector('#filter-states input[value=down]').checked")
            .await,
        true
    );

    // Bulk: pause two, tag them, resume them.
    b.goto(&app.base).await;
    b.find(&format!("{} input.pick", row(&backup))).await;
    for id in [&backup, &shop] {
        b.click(&b.find(&format!("{} input.pick", row(id))).await)
            .await;
    }
    b.wait_text("#bulk-count", 5, |t| t == "2 selected").await;
    b.click(&b.find("#bulk-pause").await).await;
    b.wait_text("#bulk-outcome", 10, |t| t.contains("2 monitors paused"))
        .await;
    for id in [&backup, &shop] {
        assert_eq!(app.get_monitor(id).await["status"], "paused");
    }
    b.fill(&b.find("#bulk-tag").await, "nightly").await;
    b.click(&b.find("#bulk-tag-add").await).await;
    b.wait_text("#bulk-outcome", 10, |t| t.contains("2 monitors tagged"))
        .await;
    let tags = app.get_monitor(&backup).await["tags"].clone();
    assert_eq!(tags, json!(["prod", "db", "nightly"]));
    b.screenshot("glance-bulk").await;
    b.click(&b.find("#bulk-resume").await).await;
    b.wait_text("#bulk-outcome", 10, |t| t.contains("2 monitors resumed"))
        .await;
    assert_eq!(app.get_monitor(&backup).await["status"], "new");

    // The monitor page: schedule in words, next expected ping in Riga's zone, the
    // empty pings table saying how to send one, ping URLs with copy buttons that say
    // they copied, five snippets.
    b.goto(&format!("{}/monitors/{}", app.base, public(&backup)))
        .await;
    // New: nothing is due yet, but the schedule's next run is said (in Riga's zone).
    b.wait_text("#next-expected", 10, |t| {
        t.contains("02:30") && t.contains("GMT+2") && t.contains("watched from its first ping")
    })
    .await;
    b.wait_text("#no-pings", 5, |t| t.contains("curl -fsS"))
        .await;
    assert_eq!(app.ping(&backup).await, 200);
    b.goto(&format!("{}/monitors/{}", app.base, public(&backup)))
        .await;
    b.wait_text("#schedule-words", 10, |t| {
        t.contains("every day at 02:30 (Europe/Riga)")
    })
    .await;
    // In the monitor's own zone (en-US names Riga's zone by its offset).
    b.wait_text("#next-expected", 5, |t| {
        t.contains("02:30") && t.contains("GMT+2")
    })
    .await;
    b.click(&b.find("#copy-ping-url").await).await;
    b.wait_text("#copy-ping-url", 5, |t| t.contains("Copied"))
        .await;
    let snippets = b
        .eval("return [...document.querySelectorAll('#snippets details')].map(d => d.dataset.snippet).join(',')")
        .await;
    assert_eq!(snippets, "crontab,start + fail,overdue exec,Python,Rust");
    // The crontab line is the monitor's own schedule, with its zone said.
    let crontab = b
        .eval(
            "return document.querySelector('#snippets details[data-snippet=crontab]').textContent",
        )
        .await;
    let crontab = crontab.as_str().unwrap_or_default();
    assert!(
        crontab.contains("Europe/Riga") && crontab.contains("\n30 2 * * * /usr/local/bin/job.sh"),
        "{crontab}"
    );
    b.screenshot("glance-monitor").await;
    // An empty form is refused with what it lacks; nothing is saved. A cron schedule
    // is said in words as it is typed.
    b.goto(&format!("{}/monitors/new", app.base)).await;
    b.click(&b.find("#save").await).await;
    b.wait_text("#form-error", 5, |t| t.contains("Give the monitor a name"))
        .await;
    let (_, all) = app.api("GET", "/api/v1/monitors", None).await;
    assert_eq!(all["monitors"].as_array().unwrap().len(), 4);
    b.fill(&b.find("#name").await, "Weekly report").await;
    let kind = b.find("#kind").await;
    b.click(&kind).await;
    b.eval("const k = document.getElementById('kind'); k.value = 'cron'; k.dispatchEvent(new Event('change'));")
        .await;
    b.fill(&b.find("#cron").await, "0 9 * * 1-5").await;
    b.wait_text("#cron-words", 10, |t| t == "Monday to Friday at 09:00")
        .await;
    // Previewed from a DST night: cron runs the 02:30 job at the change, 03:00 CEST.
    b.fill(&b.find("#tz").await, "Europe/Berlin").await;
    b.fill(&b.find("#cron").await, "30 2 * * *").await;
    b.eval("const d = document.getElementById('preview-from'); d.value = '2027-03-28'; d.dispatchEvent(new Event('input'));")
        .await;
    b.wait_text("#cron-preview li", 10, |t| {
        t.contains("28") && t.contains("03:00")
    })
    .await;
    b.eval("document.getElementById('cron-preview').scrollIntoView({block: 'center', behavior: 'instant'});")
        .await;
    b.screenshot("glance-form-cron").await;
    // A wrong expression is said in words next to it; a wrong zone next to the zone.
    b.fill(&b.find("#cron").await, "0 25 * * *").await;
    b.wait_text("#cron-error", 10, |t| {
        t.contains("the hour (2nd field) takes 0 to 23, not 25")
    })
    .await;
    assert_eq!(b.text(&b.find("#tz-error").await).await, "");
    assert_eq!(
        b.eval("return document.getElementById('cron').getAttribute('aria-invalid')")
            .await,
        "true"
    );
    b.fill(&b.find("#cron").await, "30 2 * * *").await;
    b.fill(&b.find("#tz").await, "Europe/Atlantis").await;
    b.wait_text("#tz-error", 10, |t| t.contains("timezone"))
        .await;
    b.wait_text("#cron-error", 5, str::is_empty).await;
    b.fill(&b.find("#tz").await, "Europe/Berlin").await;
    b.wait_text("#tz-error", 10, str::is_empty).await;
    // How problems resolve is a choice; "after" asks for the time.
    b.eval("const k = document.getElementById('resolve_problems'); k.value = 'after'; k.dispatchEvent(new Event('change'));")
        .await;
    let after = b.find("#resolve_after").await;
    assert_eq!(
        b.eval("return document.getElementById('resolve_after').value")
            .await,
        "2h"
    );
    // It sits in the folded "Run rules": unfolded to type in it, as a person would.
    b.eval("const d = document.getElementById('resolve_after').closest('details'); if (d) d.open = true;")
        .await;
    b.fill(&after, "30m").await;
    b.click(&b.find("#save").await).await;
    let mut saved = serde_json::Value::Null;
    for _ in 0..100 {
        let (_, all) = app.api("GET", "/api/v1/monitors", None).await;
        if let Some(m) = all["monitors"]
            .as_array()
            .and_then(|l| l.iter().find(|m| m["name"] == "Weekly report"))
        {
            saved = m.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(saved["resolve_problems"], "after 30m", "{saved}");
    assert_eq!(saved["schedule"]["tz"], "Europe/Berlin", "{saved}");
    // A down monitor says why; its run shows what the failure said.
    b.goto(&format!("{}/monitors/{}", app.base, public(&invoices)))
        .await;
    b.wait_text("#down-reason", 10, |t| t.contains("failed"))
        .await;
    // Its next run is still expected: the failed ping's time plus the hour.
    b.wait_text("#next-expected", 5, |t| {
        t.contains("(in 59 min)") || t.contains("(in 1 h)")
    })
    .await;
    b.wait_text("#slug-url", 5, |t| t.ends_with("/invoices"))
        .await;
    // The 90-day strip: today is the day it failed, said in words too.
    b.wait_text("#strip-words", 10, |t| {
        t.starts_with("Downtime on 1 of the last 90 days")
    })
    .await;
    let cells = b
        .eval("return document.querySelectorAll('#uptime-strip rect.cell').length")
        .await;
    assert_eq!(cells, 90);
    for width in [1280, 375] {
        b.resize(width, 900).await;
        b.eval("document.getElementById('uptime-strip').scrollIntoView({block: 'center', behavior: 'instant'});")
            .await;
        b.screenshot(&format!("glance-strip-{width}")).await;
    }
    b.resize(1280, 900).await;
    // One run is one bar at the newest end, its date said in text under the chart.
    b.wait_text("#chart-range", 10, |t| t.starts_with("1 run, "))
        .await;
    let x = b
        .eval("return Number(document.querySelector('#durations rect').getAttribute('x'))")
        .await;
    assert!(x.as_f64().is_some_and(|x| x > 450.0), "{x}");
    // The median and the 95th percentile are lines over the bars, said in text too.
    let levels = b
        .wait_text("#chart-levels", 5, |t| t.contains("median"))
        .await;
    assert!(
        levels.contains("95th percentile") && !levels.contains("max runtime"),
        "{levels}"
    );
    let lines = b
        .eval("return document.querySelectorAll('#durations line.level').length")
        .await;
    assert_eq!(lines, 2, "median and 95th percentile");
    for width in [1280, 375] {
        b.resize(width, 900).await;
        b.eval("document.getElementById('durations').scrollIntoView({block: 'center', behavior: 'instant'});")
            .await;
        b.screenshot(&format!("glance-chart-{width}")).await;
    }
    // The status over time: a span per state on one axis, the totals said in words.
    let totals = b
        .wait_text("#timeline-totals", 10, |t| t.contains("down"))
        .await;
    assert!(totals.starts_with("Since "), "{totals}");
    let spans = b
        .eval("return document.querySelectorAll('#status-timeline rect.span.t-down').length")
        .await;
    assert!(spans.as_i64().is_some_and(|n| n >= 1), "{spans}");
    for width in [1280, 375] {
        b.resize(width, 900).await;
        b.eval("document.getElementById('status-timeline').scrollIntoView({block: 'center', behavior: 'instant'});")
            .await;
        b.screenshot(&format!("glance-timeline-{width}")).await;
    }
    b.resize(1280, 900).await;
    b.click(&b.find("#runs a").await).await;
    b.wait_text("#end-body", 10, |t| t == "disk full on /backup")
        .await;
    let run_path = b.eval("return location.pathname").await;
    b.screenshot("glance-run").await;
    // A running monitor says since when, and when it would count as hung.
    let import = app
        .monitor(json!({"name": "Import", "period": "1h", "max_runtime": "30m"}))
        .await;
    assert_eq!(app.ping(&format!("{import}/start")).await, 200);
    b.goto(&format!("{}/monitors/{}", app.base, public(&import)))
        .await;
    b.wait_text("#running", 10, |t| {
        t.starts_with("running ") && t.contains(" s · hung in 29 min")
    })
    .await;

    // Problems for the tour's problems page (a long key, details): they open
    // alerts of their own, so only now.
    let r = app
        .http
        .post(app.url(&format!("/ping/{shop}/problems")))
        .json(&json!([
            {"key": "customer:eu-west/0001-2345-6789-abcdef", "severity": "critical", "message": "address rejected", "details": {"field": "zip", "value": "LV-1010"}},
            {"key": "invoice:42", "severity": "warning", "message": "rounded"},
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Every page, both widths, both themes.
    let db = public(&backup);
    let pages = [
        ("monitors", "/".to_string()),
        ("monitor-new", "/monitors/new".into()),
        ("monitor", format!("/monitors/{db}")),
        ("monitor-edit", format!("/monitors/{db}/edit")),
        ("run", run_path.as_str().unwrap_or("/").to_string()),
        ("alerts", "/alerts".into()),
        ("problems", "/problems".into()),
        ("chains", "/chains".into()),
        ("flows", "/flows".into()),
        ("channels", "/channels".into()),
        ("routes", "/routes".into()),
        ("silences", "/silences".into()),
        ("team", "/team".into()),
        ("audit", "/audit".into()),
        ("projects", "/projects".into()),
        ("operator", "/operator".into()),
        ("account", "/account".into()),
        ("help", "/help".into()),
        ("help-api", "/help/api".into()),
        ("help-start", "/help/getting-started".into()),
        ("help-cron", "/help/cron".into()),
    ];
    for (width, dark) in [(1280, false), (1280, true), (375, false), (375, true)] {
        b.resize(width, 900).await;
        b.dark(dark).await;
        for (name, path) in &pages {
            b.goto(&format!("{}{path}", app.base)).await;
            b.find("main h1").await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let theme = if dark { "dark" } else { "light" };
            let shot = format!("tour-{name}-{width}-{theme}");
            violations.extend(tour_page(&b, &shot).await);
            if width == 375 {
                let wide = b
                    .eval("return document.documentElement.scrollWidth - window.innerWidth")
                    .await;
                if wide.as_i64().unwrap_or(0) > 0 {
                    violations.push(format!("{shot}: scrolls sideways by {wide} px"));
                }
            }
        }
    }
    // On a phone the navigation is a menu.
    b.resize(375, 900).await;
    b.goto(&app.base).await;
    b.find("#monitors").await;
    assert_eq!(
        b.eval("return getComputedStyle(document.getElementById('nav')).display")
            .await,
        "none"
    );
    b.click(&b.find("button.menu-toggle").await).await;
    wait_eval(
        &b,
        "return getComputedStyle(document.getElementById('nav')).display",
        |d| d == "flex",
    )
    .await;
    b.screenshot("tour-menu-375-light").await;
    b.click(&b.find("#nav a[href='/alerts']").await).await;
    b.find("ul.alerts, #alerts").await;
    assert_eq!(
        b.eval("return getComputedStyle(document.getElementById('nav')).display")
            .await,
        "none"
    );

    assert!(violations.is_empty(), "{}", violations.join("\n"));
    app.stop().await;
}

/// Screenshot, axe-core and the console for the page on screen.
pub(crate) async fn tour_page(b: &Browser, name: &str) -> Vec<String> {
    b.screenshot(name).await;
    let mut found: Vec<String> = b
        .axe()
        .await
        .into_iter()
        .map(|v| format!("{name}: {v}"))
        .collect();
    found.extend(
        b.console_errors()
            .await
            .into_iter()
            .map(|e| format!("{name}: console: {e}")),
    );
    found
}

/// Waits up to 10 s for a script's string answer to satisfy `pred`; returns it.
async fn wait_eval(b: &Browser, script: &str, pred: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        let v = b.eval(script).await;
        last = v.as_str().unwrap_or_default().to_string();
        if pred(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{script}: never matched; last {last:?}");
}
