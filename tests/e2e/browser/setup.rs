//! Setting up without guesswork, in real Chromium (docs/behaviour.md, "Channels" and
//! "Routing"): a channel edited with its secrets kept, and asked again when its
//! destination moves; the route form's mistakes shown at their fields all at once
//! (nothing written), a saved route said in words and the form cleared; "test a route"
//! during quiet hours, with when the alert would be sent and each escalation step's
//! time — at 1280 and 375 px, light and dark, with axe.

use std::time::Duration;

use serde_json::json;

use crate::browser::{signed_in, tour};
use crate::harness::webdriver::{chromedriver, Browser};
use crate::harness::{Backend, Receiver, TestApp};

/// The value of the input `css`.
fn value_of(css: &str) -> String {
    format!("return document.querySelector('{css}').value")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_channel_edited() {
    let Some(driver) = chromedriver() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (first, second) = (Receiver::start().await, Receiver::start().await);
    let (s, made) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(
                json!({"kind": "webhook", "name": "Ops hook", "url": first.url,
                        "headers": {"Authorization": "Bearer first"}}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{made}");
    let id = made["id"].as_str().unwrap().to_string();
    // Signed in on the monitors list, which has a monitor.
    app.monitor(json!({"name": "nightly backup"})).await;
    let b = signed_in(&app, &driver).await;
    b.goto(&format!("{}/channels", app.base)).await;
    b.click(&b.find(".edit-channel").await).await;
    // The stored settings fill the form; secrets come masked.
    let url = b
        .until(&value_of("#edit-channel-field-url"), |v| {
            v.as_str().is_some_and(|v| !v.is_empty())
        })
        .await;
    assert!(
        url.as_str().unwrap().starts_with("http://127.0.0.1:"),
        "{url}"
    );
    assert!(!url.as_str().unwrap().contains(&first.url), "{url}");
    let headers = b.eval(&value_of("#edit-channel-field-headers")).await;
    assert!(
        headers.as_str().unwrap().starts_with("Authorization: ")
            && !headers.to_string().contains("Bearer first"),
        "{headers}"
    );
    // A new destination without the header again: refused, the header named.
    b.fill(&b.find("#edit-channel-name").await, "Ops hook (moved)")
        .await;
    b.fill(&b.find("#edit-channel-field-url").await, &second.url)
        .await;
    b.click(&b.find("#channel-save").await).await;
    b.wait_text("#channel-edit-error", 10, |t| {
        t == "The destination changed, so the stored Headers will not go with it: \
              type it again, or save again to drop it."
    })
    .await;
    let mut found = tour(&b, "channel-edit-asks-again").await;
    let (_, stored) = app.api("GET", "/api/v1/channels", None).await;
    assert_eq!(
        stored["channels"][0]["name"], "Ops hook",
        "nothing written: {stored}"
    );
    // Given again: saved, and a test reaches the new destination with the new header.
    b.fill(
        &b.find("#edit-channel-field-headers").await,
        "Authorization: Bearer second",
    )
    .await;
    b.click(&b.find("#channel-save").await).await;
    b.wait_text(".channel", 10, |t| {
        t.contains("Ops hook (moved)") && t.contains("Saved.")
    })
    .await;
    assert!(b.absent("#channel-edit").await);
    let (s, r) = app
        .api(
            "POST",
            &format!("/api/v1/channels/{id}/test"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let got = second
        .wait_for(Duration::from_secs(10), |r| !r.is_empty())
        .await;
    assert_eq!(got[0].method, "POST");
    assert!(
        got[0]
            .headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("authorization") && v == "Bearer second"),
        "{:?}",
        got[0].headers
    );
    assert!(first.all().is_empty(), "the old destination heard nothing");
    // A change that keeps the destination keeps the secrets untyped.
    b.click(&b.find(".edit-channel").await).await;
    b.until(&value_of("#edit-channel-field-url"), |v| {
        v.as_str().is_some_and(|v| !v.is_empty())
    })
    .await;
    b.eval(
        "const s = document.querySelector('#edit-channel-field-method'); s.value = 'PUT'; \
         s.dispatchEvent(new Event('change')); return true",
    )
    .await;
    b.click(&b.find("#channel-save").await).await;
    b.wait_text(".channel-summary", 10, |t| t.contains("Method: PUT"))
        .await;
    let (s, _) = app
        .api(
            "POST",
            &format!("/api/v1/channels/{id}/test"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 200);
    let got = second
        .wait_for(Duration::from_secs(10), |r| r.len() >= 2)
        .await;
    assert_eq!(got[1].method, "PUT");
    assert!(got[1]
        .headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("authorization") && v == "Bearer second"));
    found.extend(tour(&b, "channel-edited").await);
    assert!(found.is_empty(), "{found:#?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_route_form_with_mistakes_then_tested_in_quiet_hours() {
    let Some(driver) = chromedriver() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let rx = Receiver::start().await;
    for name in ["Primary", "Backup"] {
        let (s, r) = app
            .api(
                "POST",
                "/api/v1/channels",
                Some(json!({"kind": "webhook", "name": name, "url": rx.url, "is_default": false})),
            )
            .await;
        assert_eq!(s, 201, "{r}");
    }
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/monitors",
            Some(json!({"name": "nightly backup", "tags": ["team:db"]})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    overdue::create_user(&app.store, "ann@example.com", "correct horse", None, None)
        .await
        .unwrap();
    // The browser's clock reads UTC: "When" below is a UTC time.
    let b = Browser::start_in(&driver, 1280, Some("UTC")).await;
    b.goto(&app.base).await;
    b.fill(&b.find("#email").await, "ann@example.com").await;
    b.fill(&b.find("#password").await, "correct horse").await;
    b.click(&b.find("#sign-submit").await).await;
    b.find("#monitors").await;
    b.goto(&format!("{}/routes", app.base)).await;
    b.find("#route-channels input[type=checkbox]").await;
    b.find("#route-tags input[value='team:db']").await;

    // Mistakes: each at its field, all at once, in words; nothing is sent.
    b.fill(&b.find("#route-repeat").await, "half an hour").await;
    b.fill(&b.find("#route-quiet-from").await, "10pm").await;
    b.click(&b.find("#route-create").await).await;
    b.wait_text("#route-mistakes", 10, |t| {
        t == "5 things to fix, each shown at its field."
    })
    .await;
    for (field, said) in [
        ("#route-name-error", "Name: give the route a name"),
        (
            "#route-channels-error",
            "Send to: tick at least one channel",
        ),
        (
            "#route-repeat-error",
            "Remind every: \"half an hour\" is not a duration (use 90s, 15m, 2h or 1d)",
        ),
        (
            "#route-quiet-from-error",
            "Quiet hours: from is not a time of day (HH:MM, e.g. 22:00), got \"10pm\"",
        ),
        (
            "#route-quiet-to-error",
            "Quiet hours: until is missing (HH:MM, e.g. 07:00)",
        ),
    ] {
        b.wait_text(field, 5, |t| t == said).await;
    }
    let invalid = b
        .eval("return document.querySelector('#route-quiet-from').getAttribute('aria-invalid')")
        .await;
    assert_eq!(invalid, "true");
    let focused = b.eval("return document.activeElement.id").await;
    assert_eq!(focused, "route-name");
    let mut found = tour(&b, "route-form-mistakes").await;
    b.eval("document.getElementById('route-quiet-from').scrollIntoView({block: 'center'}); return true")
        .await;
    b.screenshot("route-form-mistakes-quiet").await;
    let (_, routes) = app.api("GET", "/api/v1/routes", None).await;
    assert_eq!(routes["routes"], json!([]), "nothing written");

    // Put right: saved, said in words, the form cleared.
    b.fill(&b.find("#route-name").await, "night pager").await;
    b.click(&b.find("#route-channels input[type=checkbox]").await)
        .await;
    b.click(&b.find("#route-kinds input[value=down]").await)
        .await;
    b.click(&b.find("#route-tags input[value='team:db']").await)
        .await;
    b.fill(&b.find("#route-repeat").await, "30m").await;
    b.fill(&b.find("#route-quiet-from").await, "22:00").await;
    b.fill(&b.find("#route-quiet-to").await, "07:00").await;
    b.fill(&b.find("#route-tz").await, "UTC").await;
    b.fill(&b.find("#route-escalate-after").await, "15m").await;
    b.eval(
        "const s = document.querySelector('#route-backup'); \
         s.value = [...s.options].find(o => o.text === 'Backup').value; \
         s.dispatchEvent(new Event('change')); return true",
    )
    .await;
    b.click(&b.find("#route-create").await).await;
    b.wait_text("#route-saved", 10, |t| t == "Route night pager saved.")
        .await;
    b.wait_text("#routes", 10, |t| {
        t.contains("kind down, tags team:db → Primary")
            && t.contains(
                "quiet 22:00–07:00 UTC (held, then sent) · reminds every 30 min · \
                 escalates after 15 min unacknowledged to Backup",
            )
    })
    .await;
    assert_eq!(b.eval(&value_of("#route-name")).await, "");
    assert_eq!(b.eval(&value_of("#route-repeat")).await, "");
    assert_eq!(b.eval(&value_of("#route-quiet-from")).await, "");
    let ticked = b
        .eval("return document.querySelectorAll('#route-form input[type=checkbox]:checked').length")
        .await;
    assert_eq!(ticked, 0, "the form is clear");
    assert!(b.absent("#route-mistakes:not(:empty)").await);
    let (_, routes) = app.api("GET", "/api/v1/routes", None).await;
    let route = &routes["routes"][0];
    assert_eq!(route["repeat_every"], 1800, "{route}");
    assert_eq!(route["quiet"]["from"], "22:00", "{route}");
    assert_eq!(route["escalate"][0]["after"], 900, "{route}");

    // Tested at 23:30, inside the quiet hours: held until 07:00, then escalated at 07:15.
    b.fill(&b.find("#test-monitor").await, "nightly backup")
        .await;
    b.eval(
        "const s = document.querySelector('#test-at'); s.value = '2026-12-07T23:30'; \
         s.dispatchEvent(new Event('input')); return true",
    )
    .await;
    b.click(&b.find("#test-run").await).await;
    let said = b
        .wait_text("#test-result", 10, |t| t.contains("Held by"))
        .await;
    assert!(
        said.contains("Held by the quiet hours of route night pager until")
            && said.contains("07:00")
            && said.contains("then sent if still open and unacknowledged"),
        "{said}"
    );
    assert!(
        said.contains("If nobody acknowledges: at")
            && said.contains("07:15")
            && said.contains("also Backup (route night pager)"),
        "{said}"
    );
    assert!(!said.contains("Sent now"), "{said}");
    b.eval("document.getElementById('route-test').scrollIntoView(); return true")
        .await;
    found.extend(tour(&b, "route-test-quiet").await);
    // At noon it is sent at once to Primary, and escalates at 12:15.
    b.eval(
        "const s = document.querySelector('#test-at'); s.value = '2026-12-07T12:00'; \
         s.dispatchEvent(new Event('input')); return true",
    )
    .await;
    b.click(&b.find("#test-run").await).await;
    let said = b
        .wait_text("#test-result", 10, |t| t.contains("Sent now"))
        .await;
    assert!(
        said.contains("Sent now to Primary (webhook, matched route night pager)")
            && said.contains("12:15"),
        "{said}"
    );
    assert!(found.is_empty(), "{found:#?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn help_is_searched() {
    let Some(driver) = chromedriver() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    // Signed in on the monitors list, which has a monitor.
    app.monitor(json!({"name": "nightly backup"})).await;
    let b = signed_in(&app, &driver).await;
    b.click(&b.find("a[href='/help']").await).await;
    // Getting started first, the API reference one click away.
    b.wait_text("#help-topics", 10, |t| {
        t.starts_with("Getting started") && t.contains("API reference")
    })
    .await;
    b.fill(&b.find("#help-search").await, "quiet hours").await;
    let said = b
        .wait_text("#help-results", 10, |t| {
            t.contains("pages") || t.contains("1 page")
        })
        .await;
    assert!(
        said.contains("Routes, quiet hours and escalation"),
        "{said}"
    );
    let first = b
        .eval("return document.querySelector('#help-results li a').textContent")
        .await;
    assert_eq!(first, "Routes, quiet hours and escalation");
    let mut found = tour(&b, "help-search").await;
    b.click(&b.find("#help-results li a").await).await;
    b.wait_text("#help-page", 10, |t| {
        t.contains("Quiet hours defer, never drop")
    })
    .await;
    // Words from inside a page find it; nothing found says so.
    b.goto(&format!("{}/help", app.base)).await;
    b.fill(&b.find("#help-search").await, "oncalendar weekdays")
        .await;
    b.wait_text("#help-results", 10, |t| {
        t.contains("Cron and OnCalendar cheat sheet")
    })
    .await;
    b.fill(&b.find("#help-search").await, "kubernetes").await;
    b.wait_text("#help-results", 10, |t| {
        t.contains("Nothing in the help mentions \"kubernetes\"")
    })
    .await;
    b.click(&b.find("a[href='/help/api']").await).await;
    b.wait_text("#api-ops", 15, |t| t.contains("/api/v1/monitors"))
        .await;
    b.goto(&format!("{}/help/nonsense", app.base)).await;
    b.wait_text("main", 10, |t| {
        t.contains("There is no help page called \"nonsense\".")
    })
    .await;
    found.extend(b.console_errors().await);
    assert!(found.is_empty(), "{found:#?}");
    app.stop().await;
}

/// Opens the first flow's edit form. The Flows page redraws its cards when a flow
/// changes (live), so a click can land on a card just replaced: clicked again until
/// the form is there.
async fn open_flow_edit(b: &Browser) {
    b.until(
        "const f = document.querySelector('#flow-edit'); \
         if (!f) document.querySelector('.edit-flow').click(); return !!f",
        |v| v == true,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flow_created_and_edited_in_the_form() {
    let Some(driver) = chromedriver() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    // Signed in on the monitors list, which has a monitor.
    app.monitor(json!({"name": "nightly backup"})).await;
    let b = signed_in(&app, &driver).await;
    b.goto(&format!("{}/flows", app.base)).await;
    b.find("#flows-empty").await;
    // A bad SLA is refused in the form's words; nothing is written.
    b.fill(&b.find("#flow-name").await, "orders").await;
    b.fill(&b.find("#stage-name-1").await, "placed").await;
    b.fill(&b.find("#stage-sla-1").await, "1s").await;
    b.click(&b.find("#flow-add-stage").await).await;
    b.fill(&b.find("#stage-name-2").await, "shipped").await;
    b.fill(&b.find("#stage-sla-2").await, "two days").await;
    b.fill(&b.find("#flow-terminal").await, "delivered, cancelled")
        .await;
    b.click(&b.find("#flow-save").await).await;
    let said = b
        .wait_text("#flow-error", 10, |t| t.contains("Stage 2, SLA"))
        .await;
    assert!(!said.contains("stages["), "{said}");
    b.wait_text("#stage-2-error", 5, |t| t.starts_with("Stage 2, SLA"))
        .await;
    assert!(b.absent("#stage-1-error").await);
    let (_, listed) = app.api("GET", "/api/v1/flows", None).await;
    assert_eq!(listed["flows"], json!([]), "nothing written");
    let mut found = tour(&b, "flow-form-refused").await;
    b.fill(&b.find("#stage-sla-2").await, "2d").await;
    b.click(&b.find("#flow-save").await).await;
    b.wait_text("#flows", 10, |t| {
        t.contains("orders") && t.contains("placed") && t.contains("shipped")
    })
    .await;
    assert_eq!(
        b.eval(&value_of("#flow-name")).await,
        "",
        "the form is clear"
    );
    let (_, flow) = app.api("GET", "/api/v1/flows/orders", None).await;
    assert_eq!(flow["stages"][0]["sla"], 1, "{flow}");
    assert_eq!(flow["stages"][1]["sla"], 172_800, "{flow}");
    assert_eq!(
        flow["terminal"],
        json!(["delivered", "cancelled"]),
        "{flow}"
    );
    // An entity stuck past its SLA: its breach row opens it.
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(json!([{"entity": "12345", "stage": "placed", "customer": "ACME"}])),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    b.wait_text("#flows .breaches", 20, |t| {
        t.contains("12345 stuck in placed")
    })
    .await;
    b.click(&b.find(".breach-entity").await).await;
    b.wait_text("#entity", 10, |t| {
        t.contains("12345 is in placed") && t.contains("breached")
    })
    .await;
    // The fields the event carried beyond entity and stage, kept as attributes.
    b.wait_text("#entity-attributes", 5, |t| {
        t.contains("customer") && t.contains("ACME")
    })
    .await;
    // From the Alerts page too.
    b.goto(&format!("{}/alerts", app.base)).await;
    b.click(&b.find("a.subject[href*='entity=12345']").await)
        .await;
    b.wait_text("#entity", 10, |t| t.contains("12345 is in placed"))
        .await;
    let chosen = b
        .eval("const s = document.querySelector('#entity-flow'); return s.options[s.selectedIndex].text")
        .await;
    assert_eq!(chosen, "orders");
    b.goto(&format!("{}/flows", app.base)).await;
    b.find(".edit-flow").await;
    // Edited: the stored values in the form; a stage renamed, a severity raised.
    open_flow_edit(&b).await;
    let name = b
        .until(&value_of("#flow-edit #stage-name-2"), |v| v == "shipped")
        .await;
    assert_eq!(name, "shipped");
    assert_eq!(b.eval(&value_of("#stage-sla-2")).await, "2d");
    assert!(b.absent("#flow-form").await, "one form at a time");
    b.fill(&b.find("#stage-name-2").await, "dispatched").await;
    b.eval(
        "const s = document.querySelector('#stage-severity-1'); s.value = 'critical'; \
         s.dispatchEvent(new Event('change')); return true",
    )
    .await;
    found.extend(tour(&b, "flow-form-edit").await);
    b.click(&b.find("#flow-save").await).await;
    b.wait_text("#flows", 10, |t| t.contains("dispatched"))
        .await;
    let (_, flow) = app.api("GET", "/api/v1/flows/orders", None).await;
    assert_eq!(flow["stages"][1]["name"], "dispatched", "{flow}");
    assert_eq!(flow["stages"][0]["severity"], "critical", "{flow}");
    assert_eq!(flow["stages"][1]["sla"], 172_800, "{flow}");
    // A mapping: the service's own messages, read where the form says.
    open_flow_edit(&b).await;
    b.until(&value_of("#flow-edit #stage-name-2"), |v| v == "dispatched")
        .await;
    b.eval("document.querySelector('#flow-edit details.mapping').open = true; return true")
        .await;
    b.fill(&b.find("#flow-map-entity").await, "/orderId").await;
    b.fill(&b.find("#flow-map-stage").await, "status").await;
    b.fill(&b.find("#flow-map-table").await, "Sent out = dispatched")
        .await;
    found.extend(tour(&b, "flow-form-mapping").await);
    b.click(&b.find("#flow-save").await).await;
    b.find("#flow-form").await;
    let (_, flow) = app.api("GET", "/api/v1/flows/orders", None).await;
    assert_eq!(
        flow["mapping"],
        json!({"entity": "/orderId", "stage": "status", "time_format": "auto",
               "stages": {"Sent out": "dispatched"}}),
        "{flow}"
    );
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(json!({"orderId": 12345, "status": "Sent out", "carrier": "DHL"})),
        )
        .await;
    assert_eq!((s, r["applied"].clone()), (200, json!(1)), "{r}");
    assert!(found.is_empty(), "{found:#?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn status_keys_on_the_monitor_page() {
    let Some(driver) = chromedriver() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let id = app.monitor(json!({"name": "nightly backup"})).await;
    let b = signed_in(&app, &driver).await;
    b.goto(&format!("{}/monitors/{id}", app.base)).await;
    b.click(&b.find("#status-keys-make").await).await;
    let said = b
        .wait_text("#status-keys ul", 10, |t| t.contains("Failure"))
        .await;
    let (_, keys) = app
        .api("GET", &format!("/api/v1/monitors/{id}/status-keys"), None)
        .await;
    for k in keys["keys"].as_array().unwrap() {
        assert!(said.contains(k["url"].as_str().unwrap()), "{said}");
    }
    let statuses = b
        .eval("return [...document.querySelectorAll('#status-keys li')].map(l => l.dataset.status).join(',')")
        .await;
    assert_eq!(statuses, "start,success,fail");
    b.eval("document.getElementById('status-keys').scrollIntoView(); return true")
        .await;
    let found = tour(&b, "status-keys").await;
    assert!(found.is_empty(), "{found:#?}");
    // A GET on the failure URL is a failure.
    let fail = keys["keys"][2]["url"].as_str().unwrap().to_string();
    assert_eq!(app.http.get(&fail).send().await.unwrap().status(), 200);
    b.wait_text("#monitor-status", 10, |t| t == "down").await;
    b.click(&b.find("#status-keys-revoke").await).await;
    b.find("#status-keys-make").await;
    assert_eq!(app.http.get(&fail).send().await.unwrap().status(), 404);
    app.stop().await;
}
