//! Availability per monitor against a target (docs/behaviour.md, "Reports"): a known day
//! written under a shifted clock — a monitor down an hour and paused two, one down for
//! the day's last four hours and still down, one created at noon, one that never
//! pinged — and each figure asserted: uptime's definition over the day, the span still
//! open and the same span once counted, the target from the URL, the project's and the
//! default, the CSV equal to the JSON, bad targets answered in words.

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

async fn report(app: &TestApp, query: &str) -> Value {
    let (s, r) = app
        .api(
            "GET",
            &format!("/api/v1/reports/availability?{query}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{query}: {r}");
    r
}

/// The row of the monitor named `name`.
fn row<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {r}"))
}

/// Seconds down, give or take the second the test's own steps take.
fn about(v: &Value, secs: i64) {
    let n = v["down_s"].as_i64().unwrap();
    assert!((n - secs).abs() <= 1, "{secs} s down: {v}");
}

async fn day_against_the_target(backend: Backend) {
    let (app, shift) = TestApp::spawn_shifted(backend).await;
    let now = chrono::Utc::now().timestamp_millis();
    let t0 = (now.div_euclid(DAY) + 2) * DAY;
    app.jump(&shift, t0).await;
    let day = chrono::DateTime::from_timestamp_millis(t0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    let daily = |name: &str| json!({"name": name, "period": "1d", "grace": "1h"});
    let a = app.monitor(daily("steady")).await;
    let b = app.monitor(daily("broken")).await;
    let c = app.monitor(daily("silent")).await;
    assert_eq!(app.ping(&a).await, 200);
    assert_eq!(app.ping(&b).await, 200);
    // A: down from 02:00 to 03:00, paused from 10:00 to 12:00.
    app.jump(&shift, t0 + 2 * HOUR).await;
    assert_eq!(app.ping(&format!("{a}/fail")).await, 200);
    app.jump(&shift, t0 + 3 * HOUR).await;
    assert_eq!(app.ping(&a).await, 200);
    app.jump(&shift, t0 + 10 * HOUR).await;
    let (s, e) = app
        .api("POST", &format!("/api/v1/monitors/{a}/pause"), None)
        .await;
    assert_eq!(s, 200, "{e}");
    app.jump(&shift, t0 + 12 * HOUR).await;
    let (s, e) = app
        .api("POST", &format!("/api/v1/monitors/{a}/resume"), None)
        .await;
    assert_eq!(s, 200, "{e}");
    // D: created at noon, never down.
    let d = app.monitor(daily("young")).await;
    assert_eq!(app.ping(&d).await, 200);
    // B: down from 20:00, still down the next morning.
    app.jump(&shift, t0 + 20 * HOUR).await;
    assert_eq!(app.ping(&format!("{b}/fail")).await, 200);
    app.jump(&shift, t0 + DAY + 6 * HOUR).await;

    let q = format!("from={day}&to={day}");
    let r = report(&app, &q).await;
    assert_eq!(r["target"], 99.5, "the default: {r}");
    assert_eq!(r["span"]["from"], format!("{day}T00:00:00+00:00"));
    let names: Vec<&str> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["broken", "steady", "young", "silent"], "{r}");
    // B: the open span, 4 of 24 hours.
    let broken = row(&r, "broken");
    assert_eq!(broken["availability"], 83.333, "{broken}");
    about(broken, 4 * 3_600);
    assert_eq!(broken["met"], false);
    // A: an hour down of the 22 not paused.
    let steady = row(&r, "steady");
    assert_eq!(steady["availability"], 95.455, "{steady}");
    about(steady, 3_600);
    assert_eq!(
        steady["previous"],
        Value::Null,
        "it did not exist the day before"
    );
    // D: counted from its creation.
    assert_eq!(row(&r, "young")["availability"], 100.0);
    assert_eq!(row(&r, "young")["met"], true);
    let silent = row(&r, "silent");
    assert_eq!(
        (&silent["availability"], &silent["met"], &silent["down_s"]),
        (&Value::Null, &Value::Null, &json!(0)),
        "never pinged: {silent}"
    );
    assert_eq!((&r["counted"], &r["meeting"]), (&json!(3), &json!(1)));
    assert!(steady["link"].as_str().unwrap().starts_with("/monitors/"));
    assert_ne!(
        steady["monitor"],
        json!(a),
        "a public reference, never the id"
    );

    // B recovers: its span is counted now, and the day reads the same.
    assert_eq!(app.ping(&b).await, 200);
    let r = report(&app, &q).await;
    assert_eq!(row(&r, "broken")["availability"], 83.333, "{r}");
    about(row(&r, "broken"), 4 * 3_600);
    // The next day so far (six hours): B down all of them but the moments since it
    // recovered just now (0.001 % is 0.2 s: a loaded machine takes that between the
    // ping and the report).
    let next = report(&app, "period=1d").await;
    let since = row(&next, "broken")["availability"].as_f64().unwrap();
    assert!(since < 0.01, "down all six hours: {next}");
    assert_eq!(row(&next, "broken")["previous"], 83.333, "{next}");

    // A target in the URL, the project's, and the default again.
    let r = report(&app, &format!("{q}&target=80")).await;
    assert_eq!((&r["target"], &r["meeting"]), (&json!(80.0), &json!(3)));
    let (s, p) = app
        .api(
            "PATCH",
            "/api/v1/project",
            Some(json!({"availability_target": 95})),
        )
        .await;
    assert_eq!((s, &p["availability_target"]), (200, &json!(95.0)), "{p}");
    let r = report(&app, &q).await;
    assert_eq!((&r["target"], &r["meeting"]), (&json!(95.0), &json!(2)));
    for bad in [json!(0), json!(100.5), json!("high")] {
        let (s, e) = app
            .api(
                "PATCH",
                "/api/v1/project",
                Some(json!({"availability_target": bad})),
            )
            .await;
        assert_eq!(s, 400, "{bad}: {e}");
        assert!(
            e["error"].as_str().unwrap().contains("availability_target")
                || e["error"].as_str().unwrap().contains("availability target"),
            "{e}"
        );
    }
    let (s, p) = app
        .api(
            "PATCH",
            "/api/v1/project",
            Some(json!({"availability_target": null})),
        )
        .await;
    assert_eq!((s, &p["availability_target"]), (200, &Value::Null), "{p}");
    assert_eq!(report(&app, &q).await["target"], 99.5);
    for bad in ["target=abc", "target=0", "target=101"] {
        let (s, e) = app
            .api("GET", &format!("/api/v1/reports/availability?{bad}"), None)
            .await;
        assert_eq!(s, 400, "{bad}: {e}");
        assert!(e["error"].as_str().unwrap().contains("target"), "{e}");
    }

    // One monitor's scope; the CSV equal to the JSON.
    let one = report(
        &app,
        &format!("{q}&scope=monitor:{}", steady["monitor"].as_str().unwrap()),
    )
    .await;
    assert_eq!(one["rows"].as_array().unwrap().len(), 1, "{one}");
    let r = report(&app, &q).await;
    let text = app
        .http
        .get(app.url(&format!("/api/v1/reports/availability?{q}&format=csv")))
        .header("X-Api-Key", &app.api_key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        lines[0],
        [
            "monitor",
            "name",
            "availability_percent",
            "previous_percent",
            "down_seconds",
            "target_percent",
            "met",
            "link"
        ]
    );
    assert_eq!(lines.len(), 5, "{text}");
    for (line, m) in lines[1..].iter().zip(r["rows"].as_array().unwrap()) {
        assert_eq!(line[0], m["monitor"].as_str().unwrap());
        assert_eq!(line[1], m["name"].as_str().unwrap());
        let pct = |v: &Value| v.as_f64().map(|x| x.to_string()).unwrap_or_default();
        assert_eq!(line[2], pct(&m["availability"]), "{text}");
        assert_eq!(line[4], m["down_s"].to_string());
        assert_eq!(line[5], "99.5");
        assert_eq!(
            line[6],
            m["met"]
                .as_bool()
                .map(|b| b.to_string())
                .unwrap_or_default()
        );
    }
    let _ = c;
    app.stop().await;
}
both!(day_against_the_target, day_against_the_target);
