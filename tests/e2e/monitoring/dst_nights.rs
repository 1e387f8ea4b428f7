//! Cron and `OnCalendar` monitors through the 2027 DST nights with a shifted clock: each
//! job is pinged when its real scheduler runs it (Debian cron's runs in
//! `crates/core/tests/fixtures/cron_dst.json`, `systemd-analyze calendar`), and after
//! the night no monitor is late — it expects no run that did not come, so no alarm can
//! follow —, while a control that missed its run is (docs/behaviour.md, "Cron and DST").
//! The check reads the expectation, not a flip to down: a clock jump of more than a few
//! seconds counts as an outage, which moves the deadlines inside it to now + grace.

use std::sync::atomic::{AtomicI64, Ordering};

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};

/// Sets the server's clock to `at` (RFC 3339).
fn set_clock(shift: &AtomicI64, at: &str) {
    let target = chrono::DateTime::parse_from_rfc3339(at).unwrap();
    let real = chrono::Utc::now();
    shift.store(
        (target.with_timezone(&chrono::Utc) - real).num_milliseconds(),
        Ordering::SeqCst,
    );
}

/// Creates a schedule monitor (grace 5 minutes) and arms it with a first ping.
async fn armed(app: &TestApp, name: &str, cron: &str, tz: &str) -> String {
    let id = app
        .monitor(json!({"name": name, "cron": cron, "tz": tz, "grace": "5m"}))
        .await;
    assert_eq!(app.ping(&id).await, 200);
    id
}

/// The monitor's open and closed alerts.
async fn alerts(app: &TestApp, id: &str) -> Value {
    let public = overdue_core::PublicRef::of(id).to_string();
    let (s, a) = app
        .api("GET", &format!("/api/v1/alerts?monitor={public}"), None)
        .await;
    assert_eq!(s, 200, "{a}");
    a["alerts"].clone()
}

/// After the night: the control is late (its run was due and did not come), the others
/// expect nothing that did not come, and none has an alert.
async fn no_false_alarm(app: &TestApp, control: &str, quiet: &[(&str, &String)]) {
    let c = app.get_monitor(control).await;
    assert_eq!(c["state"], "late", "{c}");
    for (name, id) in quiet {
        let m = app.get_monitor(id).await;
        assert_eq!(
            (&m["status"], &m["state"]),
            (&json!("up"), &json!("up")),
            "{name}: {m}"
        );
        assert_eq!(alerts(app, id).await, json!([]), "{name}");
    }
}

/// Sets the clock to each time in turn and pings the monitors the scheduler ran then.
async fn runs(app: &TestApp, shift: &AtomicI64, steps: &[(&str, &[&String])]) {
    for (at, ran) in steps {
        set_clock(shift, at);
        for id in *ran {
            assert_eq!(app.ping(id).await, 200, "{at}");
        }
    }
}

async fn dst_nights(backend: Backend) {
    let (app, shift) = TestApp::spawn_shifted(backend).await;
    let berlin = "Europe/Berlin";

    // Berlin, 28 March 2027: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
    set_clock(&shift, "2027-03-27T23:50:00Z");
    let fixed = armed(&app, "fixed in the gap", "30 2 * * *", berlin).await;
    let both = armed(&app, "two in the gap", "0,30 2 * * *", berlin).await;
    let wild = armed(&app, "wildcard in the gap", "*/20 2 28 3 *", berlin).await;
    let timer = armed(&app, "timer in the gap", "*-*-* 02:30:00", berlin).await;
    let control = armed(&app, "control", "15 1 * * *", "UTC").await;
    // Cron runs both fixed jobs at the change; nothing else runs.
    runs(&app, &shift, &[("2027-03-28T01:00:30Z", &[&fixed, &both])]).await;
    set_clock(&shift, "2027-03-28T01:40:00Z");
    let quiet = [
        ("fixed", &fixed),
        ("both", &both),
        ("wild", &wild),
        ("timer", &timer),
    ];
    no_false_alarm(&app, &control, &quiet).await;
    // The next runs: tomorrow's 02:30 CEST; the wildcard's next 28 March.
    let next = |m: &Value| m["next_due"].as_str().unwrap_or_default().to_string();
    assert!(next(&app.get_monitor(&fixed).await).starts_with("2027-03-29T00:30:00"));
    assert!(next(&app.get_monitor(&wild).await).starts_with("2028-03-28T00:00:00"));

    // Santiago, 5 September 2027: midnight (-04) becomes 01:00 (-03) at 04:00 UTC.
    let santiago = "America/Santiago";
    set_clock(&shift, "2027-09-05T03:30:00Z");
    let midnight = armed(&app, "midnight", "0 0 * * *", santiago).await;
    let daily = armed(&app, "daily timer", "daily", santiago).await;
    let control = armed(&app, "control santiago", "20 4 * * *", "UTC").await;
    runs(&app, &shift, &[("2027-09-05T04:00:30Z", &[&midnight])]).await;
    set_clock(&shift, "2027-09-05T04:40:00Z");
    no_false_alarm(
        &app,
        &control,
        &[("midnight", &midnight), ("daily", &daily)],
    )
    .await;

    // Lord Howe, 3 October 2027: 02:00 (+10:30) becomes 02:30 (+11) at 15:30 UTC.
    let lord_howe = "Australia/Lord_Howe";
    set_clock(&shift, "2027-10-02T15:10:00Z");
    let fixed = armed(&app, "fixed lord howe", "15 2 * * *", lord_howe).await;
    let wild = armed(&app, "wild lord howe", "*/10 2 * * *", lord_howe).await;
    let control = armed(&app, "control lord howe", "0 16 * * *", "UTC").await;
    let steps: [(&str, &[&String]); 3] = [
        ("2027-10-02T15:30:30Z", &[&fixed, &wild]),
        ("2027-10-02T15:40:30Z", &[&wild]),
        ("2027-10-02T15:50:30Z", &[&wild]),
    ];
    runs(&app, &shift, &steps).await;
    set_clock(&shift, "2027-10-02T16:20:00Z");
    no_false_alarm(&app, &control, &[("fixed", &fixed), ("wild", &wild)]).await;

    // Berlin, 31 October 2027: 03:00 CEST becomes 02:00 CET at 01:00 UTC; 02:xx twice.
    set_clock(&shift, "2027-10-30T23:50:00Z");
    let fixed = armed(&app, "fixed repeated", "30 2 * * *", berlin).await;
    let wild = armed(&app, "wild repeated", "*/30 2 * * *", berlin).await;
    let first_only = armed(&app, "wild, first pass only", "*/30 2 * * *", berlin).await;
    let timer = armed(&app, "timer repeated", "*-*-* 02:30:00", berlin).await;
    let control = armed(&app, "control autumn", "50 1 * * *", "UTC").await;
    let steps: [(&str, &[&String]); 4] = [
        ("2027-10-31T00:00:30Z", &[&wild, &first_only]),
        (
            "2027-10-31T00:30:30Z",
            &[&wild, &first_only, &fixed, &timer],
        ),
        ("2027-10-31T01:00:30Z", &[&wild]),
        ("2027-10-31T01:30:30Z", &[&wild]),
    ];
    runs(&app, &shift, &steps).await;
    set_clock(&shift, "2027-10-31T02:10:00Z");
    let quiet = [("fixed", &fixed), ("wild", &wild), ("timer", &timer)];
    no_false_alarm(&app, &control, &quiet).await;
    // A wildcard job runs in the second pass too: missing it is noticed.
    let m = app.get_monitor(&first_only).await;
    assert_eq!(m["state"], "late", "{m}");
    let due = m["next_due"].as_str().unwrap();
    assert!(due.starts_with("2027-10-31T01:00:00"), "{m}");
    app.stop().await;
}
both!(dst_nights, dst_nights);
