//! The monitors list at 1,000 monitors, in real Chromium (docs/behaviour.md, "The
//! monitors list"): at least 25 one-line rows on a 1280x900 screen, counts per state
//! that filter, several tags and states at once from the URL, every monitor reachable
//! through pages, cards that keep the schedule and the next expected time on a phone,
//! a top bar on one line whatever the counts — at 1280 and 375 px, light and dark, with
//! axe.

use crate::harness::webdriver::{chromedriver, Browser};
use crate::harness::{Backend, TestApp};

const ALL: usize = 1_000;
const DOWN: usize = 120;
const PAUSED: usize = 5;

/// Rows of the list wholly inside the window.
const ROWS_ON_SCREEN: &str = "return [...document.querySelectorAll('#monitors tbody tr')].filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length";

/// Sizes the window so that the page itself (the viewport) is `width` x `height`.
async fn viewport(b: &Browser, width: u32, height: u32) {
    b.resize(width, height).await;
    let chrome = b
        .eval("return window.outerHeight - window.innerHeight")
        .await
        .as_u64()
        .unwrap_or(0);
    b.resize(width, height + chrome as u32).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_monitors() {
    let Some(driver) = chromedriver() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    crate::browser::seed_monitors(&app, ALL).await;
    let (_, listed) = app.api("GET", "/api/v1/monitors", None).await;
    let mut monitors: Vec<(String, String)> = listed["monitors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["uuid"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    monitors.sort();
    // 120 down (more alerts than the bar's badge shows), 5 paused, the rest new.
    for (_, uuid) in &monitors[..DOWN] {
        assert_eq!(app.ping(&format!("{uuid}/fail")).await, 200);
    }
    for (_, uuid) in &monitors[DOWN..DOWN + PAUSED] {
        let (s, _) = app
            .api("POST", &format!("/api/v1/monitors/{uuid}/pause"), None)
            .await;
        assert_eq!(s, 200);
    }
    let new = ALL - DOWN - PAUSED;
    overdue::create_user(&app.store, "ann@example.com", "correct horse", None, None)
        .await
        .unwrap();
    let b = Browser::start(&driver, 1280).await;
    viewport(&b, 1280, 900).await;
    b.goto(&app.base).await;
    b.fill(&b.find("#email").await, "ann@example.com").await;
    b.fill(&b.find("#password").await, "correct horse").await;
    b.click(&b.find("#sign-submit").await).await;
    b.find("#monitors").await;
    b.dark(false).await;

    // Counts per state, worst first; a page of 100 one-line rows, 25 or more on screen.
    let counts = format!("{DOWN} down · {new} new · {PAUSED} paused");
    b.wait_text("#state-counts", 10, |t| t == counts).await;
    b.wait_text("#list-count", 10, |t| t == "1–100 of 1000 monitors")
        .await;
    let on_screen = b.eval(ROWS_ON_SCREEN).await.as_i64().unwrap_or(0);
    assert!(on_screen >= 25, "{on_screen} rows on a 1280x900 screen");
    // The bar keeps one line: its links, project, address and "99+" share a top.
    b.wait_text("a.nav-link[href='/alerts'] .count", 10, |t| {
        t.starts_with("99+")
    })
    .await;
    let tops = b
        .eval("const h = document.querySelector('header.top'); return [h.getBoundingClientRect().height, [...h.querySelectorAll('nav a, .who > *, .brand')].map(e => Math.round(e.getBoundingClientRect().top)).filter((t, i, a) => a.indexOf(t) === i).length]")
        .await;
    assert!(
        tops[0].as_f64().unwrap() < 64.0,
        "the top bar wrapped: {tops}"
    );
    b.screenshot("list-1000-first-page").await;

    // A count opens that state alone.
    b.click(&b.find("#state-counts a[data-state=down]").await)
        .await;
    b.until("return location.search", |v| v == "?status=down")
        .await;
    b.wait_text("#list-count", 10, |t| {
        t == format!("1–100 of {DOWN} matching (1000 in all)")
    })
    .await;
    assert_eq!(
        b.eval("return document.querySelector('#state-counts a[data-state=down]').getAttribute('aria-current')")
            .await,
        "true"
    );

    // Several tags and states from a shared URL: any of the tags, any of the states.
    let want = monitors
        .iter()
        .enumerate()
        .filter(|(i, (name, _))| {
            let n: usize = name[4..].parse().unwrap();
            (n % 7 == 1 || n % 7 == 2) && *i >= DOWN
        })
        .count();
    b.goto(&format!("{}/?tag=team1,team2&status=new,paused", app.base))
        .await;
    assert!(want > 100, "{want}");
    b.wait_text("#list-count", 10, |t| {
        t == format!("1–100 of {want} matching (1000 in all)")
    })
    .await;
    b.wait_text("#filter-tags summary", 5, |t| t == "Tags: team1, team2")
        .await;
    b.wait_text("#filter-states summary", 5, |t| t == "Status: new, paused")
        .await;
    // Every row shown has one of the tags.
    let tags = b
        .eval("return [...document.querySelectorAll('#monitors tbody td.name .tag')].map(t => t.textContent).filter((t, i, a) => a.indexOf(t) === i).sort().join(',')")
        .await;
    assert_eq!(tags, "team1,team2");
    // A third tag ticked in the menu goes into the URL.
    b.click(&b.find("#filter-tags summary").await).await;
    b.click(&b.find("#filter-tags input[value=team3]").await)
        .await;
    b.until("return location.search", |v| {
        v.as_str()
            .is_some_and(|s| s.contains("tag=team1%2Cteam2%2Cteam3"))
    })
    .await;
    b.screenshot("list-1000-filtered").await;

    // The last monitor is reachable through the pages, by name.
    b.goto(&format!("{}/?sort=name", app.base)).await;
    b.wait_text("#list-count", 10, |t| t == "1–100 of 1000 monitors")
        .await;
    b.click(&b.find("#pages a[aria-label='Page 10']").await)
        .await;
    b.until("return location.search", |v| v == "?sort=name&page=10")
        .await;
    b.wait_text("#list-count", 10, |t| t == "901–1000 of 1000 monitors")
        .await;
    b.wait_text("#monitors tbody tr:last-child td.name a", 5, |t| {
        t == "job-0999"
    })
    .await;
    // Next from page 9 is page 10; there is no next after the last.
    b.goto(&format!("{}/?sort=name&page=9", app.base)).await;
    b.wait_text("#monitors tbody tr:first-child td.name a", 10, |t| {
        t == "job-0800"
    })
    .await;
    b.click(&b.find("#next-page").await).await;
    b.wait_text("#monitors tbody tr:first-child td.name a", 10, |t| {
        t == "job-0900"
    })
    .await;
    assert!(b.absent("#next-page").await);

    // Both widths, both themes: axe, the console, nothing sideways on a phone; the
    // phone's cards keep the schedule and the next expected time.
    let mut violations = Vec::new();
    for (width, dark) in [(1280, false), (1280, true), (375, false), (375, true)] {
        viewport(&b, width, 900).await;
        b.dark(dark).await;
        b.goto(&format!("{}/?status=down,new", app.base)).await;
        b.wait_text("#list-count", 10, |t| t.starts_with("1–100 of"))
            .await;
        let theme = if dark { "dark" } else { "light" };
        let shot = format!("list-1000-{width}-{theme}");
        violations.extend(crate::browser::glance::tour_page(&b, &shot).await);
        if width == 375 {
            let wide = b
                .eval("return document.documentElement.scrollWidth - window.innerWidth")
                .await;
            if wide.as_i64().unwrap_or(0) > 0 {
                violations.push(format!("{shot}: scrolls sideways by {wide} px"));
            }
            let kept = b
                .eval("const r = document.querySelector('#monitors tbody tr'); return ['td.schedule', 'td.next-due'].map(s => getComputedStyle(r.querySelector(s)).display).join(',')")
                .await;
            assert_eq!(kept, "block,block", "{shot}");
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    app.stop().await;
}
