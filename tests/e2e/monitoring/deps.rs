//! Dependencies (docs/behaviour.md, "Dependencies, suppression, fan-in and chains"):
//! `after` arms an expectation on the upstream's success and a
//! dependent that does not ping in time goes down as `missed_after`; `on_failure_of`
//! expects a recovery job; while an upstream is down its downstream is suppressed (one
//! root cause, one alert); cycles are refused; deleting reports the dependents. Both
//! databases, a real receiver.

use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::harness::{Backend, TestApp};

async fn missed_after(backend: Backend) {
    let (app, rx, ch) = TestApp::spawn_with_receiver(backend).await;
    let a = app
        .monitor(
            json!({"name": "customers", "slug": "customers", "period": "1h", "channels": [ch]}),
        )
        .await;
    // B by slug and with no schedule of its own (the dependency alone); C by UUID and
    // with its own (far) schedule beside the dependency.
    let b = app
        .monitor(json!({"name": "invoices", "schedule": "none",
            "after": {"monitor": "customers", "within": 2}, "channels": [ch]}))
        .await;
    let c = app
        .monitor(json!({"name": "reports", "period": "1d",
            "after": [{"monitor": a, "within": "3s"}], "channels": [ch]}))
        .await;
    let m = app.get_monitor(&b).await;
    assert_eq!(m["schedule"], json!({"kind": "none"}), "{m}");
    assert_eq!(
        m["after"][0]["monitor"],
        overdue_core::PublicRef::of(&a).to_string(),
        "{m}"
    );
    assert_eq!(m["after"][0]["within"], 2);
    let up = app.get_monitor(&a).await;
    let names: Vec<&str> = up["dependents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{up}");
    // Nothing expected before A succeeds.
    assert!(app.get_monitor(&b).await["expected"].is_null());
    assert_eq!(app.ping(&a).await, 200);
    let m = app.get_monitor(&b).await;
    assert_eq!(
        m["expected"]["monitor"],
        overdue_core::PublicRef::of(&a).to_string(),
        "{m}"
    );
    assert_eq!(m["expected"]["kind"], "after");
    // C starts in time: satisfied. B never does: missed after customers.
    assert_eq!(app.ping(&format!("{c}/start")).await, 200);
    assert!(app.get_monitor(&c).await["expected"].is_null());
    let m = app.wait_status(&b, "down", Duration::from_secs(10)).await;
    assert_eq!(m["down_reason"], "missed_after");
    assert_eq!(m["down_detail"], "customers");
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&b, "monitor.down").is_empty()
    })
    .await;
    let ev = rx.events(&b, "monitor.down")[0].json();
    assert_eq!(
        (ev["reason"].clone(), ev["detail"].clone()),
        (json!("missed_after"), json!("customers"))
    );
    assert!(
        ev["text"]
            .as_str()
            .unwrap()
            .contains("missed_after: customers"),
        "{ev}"
    );
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        app.get_monitor(&c).await["state"],
        "running",
        "C was in time"
    );
    assert!(rx.events(&c, "monitor.down").is_empty());
    app.stop().await;
}
both!(dependent_missed_after_upstream, missed_after);

async fn one_alert(backend: Backend) {
    let (app, rx, ch) = TestApp::spawn_with_receiver(backend).await;
    let a = app
        .monitor(json!({"name": "extract", "period": "1h", "channels": [ch]}))
        .await;
    let b = app
        .monitor(json!({"name": "transform", "period": "1h",
            "after": {"monitor": a, "within": "1h"}, "channels": [ch]}))
        .await;
    let c = app
        .monitor(json!({"name": "load", "period": "1h",
            "after": {"monitor": b, "within": "1h"}, "channels": [ch]}))
        .await;
    let r = app
        .monitor(json!({"name": "extract-fallback", "period": "1d",
            "on_failure_of": {"monitor": a, "within": 2}, "channels": [ch]}))
        .await;
    for id in [&a, &b, &c, &r] {
        assert_eq!(app.ping(id).await, 200);
    }
    // A fails: A alerts; B and C (downstream, transitively) are suppressed.
    assert_eq!(app.ping(&format!("{a}/fail")).await, 200);
    for id in [&b, &c] {
        let m = app.get_monitor(id).await;
        assert_eq!(
            m["suppressed_by"]["monitor"],
            overdue_core::PublicRef::of(&a).to_string(),
            "{m}"
        );
        assert_eq!(m["suppressed_by"]["name"], "extract");
    }
    let (_, list) = app.api("GET", "/api/v1/monitors", None).await;
    let in_list = list["monitors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == overdue_core::PublicRef::of(&c).to_string())
        .unwrap()
        .clone();
    assert_eq!(in_list["suppressed_by"]["name"], "extract", "{in_list}");
    assert!(
        app.get_monitor(&r).await["suppressed_by"].is_null(),
        "A never suppresses its recovery"
    );
    // B and C fail too, because of A: their downs are muted.
    assert_eq!(app.ping(&format!("{b}/fail")).await, 200);
    assert_eq!(app.ping(&format!("{c}/1")).await, 200);
    assert_eq!(app.get_monitor(&c).await["status"], "down");
    // The recovery job is expected within 2 s of A's failure and does not come.
    assert_eq!(app.get_monitor(&r).await["expected"]["kind"], "on_failure");
    let m = app.wait_status(&r, "down", Duration::from_secs(10)).await;
    assert_eq!(m["down_reason"], "missed_after");
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&a, "monitor.down").is_empty() && !rx.events(&r, "monitor.down").is_empty()
    })
    .await;
    // A recovers. B is still down and nothing else holds it: suppression ends like a
    // silence — B's down is its own problem now and alerts. C stays held by B.
    assert_eq!(app.ping(&a).await, 200);
    assert!(app.get_monitor(&b).await["suppressed_by"].is_null());
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&a, "monitor.up").is_empty() && !rx.events(&b, "monitor.down").is_empty()
    })
    .await;
    assert!(
        rx.events(&c, "monitor.down").is_empty(),
        "C is still held by B"
    );
    // B recovers (its recovery alerts: its down did); C's held down goes out, then C
    // recovers.
    assert_eq!(app.ping(&b).await, 200);
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&b, "monitor.up").is_empty() && !rx.events(&c, "monitor.down").is_empty()
    })
    .await;
    assert_eq!(app.ping(&c).await, 200);
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&c, "monitor.up").is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    for id in [&b, &c] {
        assert_eq!(rx.events(id, "monitor.down").len(), 1, "one alert each");
        assert_eq!(rx.events(id, "monitor.up").len(), 1);
    }
    // Once A is fine, a failure of B is B's own: it alerts.
    assert_eq!(app.ping(&format!("{b}/fail")).await, 200);
    rx.wait_for(Duration::from_secs(10), |_| {
        rx.events(&b, "monitor.down").len() == 2
    })
    .await;
    app.stop().await;
}
both!(one_root_cause_one_alert, one_alert);

async fn graph_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app
        .monitor(json!({"name": "A", "slug": "a", "period": "1h"}))
        .await;
    let b = app
        .monitor(json!({"name": "B", "slug": "b", "period": "1h", "after": {"monitor": "a", "within": "1h"}}))
        .await;
    let c = app
        .monitor(json!({"name": "C", "period": "1h", "after": {"monitor": "b", "within": "1h"}}))
        .await;
    for (id, body, want) in [
        (
            &a,
            json!({"after": {"monitor": c, "within": "1h"}}),
            "would make a cycle: A → B → C → A",
        ),
        (
            &a,
            json!({"on_failure_of": {"monitor": "b", "within": "1h"}}),
            "would make a cycle: A → B → A",
        ),
        (
            &a,
            json!({"after": {"monitor": "a", "within": "1h"}}),
            "would make a cycle: A → A",
        ),
        (
            &a,
            json!({"after": {"monitor": "nope", "within": "1h"}}),
            "after[0].monitor: no monitor \"nope\"",
        ),
        (
            &a,
            json!({"after": {"monitor": "b", "within": "0s"}}),
            "after[0].within",
        ),
        (&a, json!({"after": {"monitor": "b"}}), "after"),
        (
            &a,
            json!({"schedule": "weekly"}),
            "the only value is \"none\"",
        ),
        (
            &a,
            json!({"schedule": "none", "period": "1h"}),
            "give one or the other",
        ),
    ] {
        let (status, err) = app
            .api(
                "PATCH",
                &format!("/api/v1/monitors/{id}"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, 400, "{body}: {err}");
        let text = err["error"].as_str().unwrap_or_default();
        assert!(text.contains(want), "{body}: {err}");
    }
    assert!(
        app.get_monitor(&a).await["after"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing written"
    );
    // A refused creation writes nothing either.
    let (status, _) = app
        .api(
            "POST",
            "/api/v1/monitors",
            Some(json!({"name": "D", "slug": "d",
            "after": {"monitor": "nope", "within": 5}})),
        )
        .await;
    assert_eq!(status, 400);
    let (_, list) = app.api("GET", "/api/v1/monitors", None).await;
    assert_eq!(list["monitors"].as_array().unwrap().len(), 3);
    // on_failure_of kept when only after changes; [] removes.
    let (status, m) = app
        .api(
            "PATCH",
            &format!("/api/v1/monitors/{c}"),
            Some(json!({"on_failure_of": {"monitor": "a", "within": 60}})),
        )
        .await;
    assert_eq!(status, 200, "{m}");
    let (_, m) = app
        .api(
            "PATCH",
            &format!("/api/v1/monitors/{c}"),
            Some(json!({"after": []})),
        )
        .await;
    assert!(m["after"].as_array().unwrap().is_empty());
    assert_eq!(m["on_failure_of"][0]["name"], "A");
    // Deleting a monitor others depend on says which lost it.
    let (status, gone) = app
        .api("DELETE", &format!("/api/v1/monitors/{a}"), None)
        .await;
    assert_eq!(status, 200);
    let mut lost: Vec<&str> = gone["dependents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    lost.sort();
    assert_eq!(lost, ["B", "C"], "{gone}");
    assert!(app.get_monitor(&b).await["after"]
        .as_array()
        .unwrap()
        .is_empty());
    app.stop().await;
}
both!(dependency_graph_rules, graph_rules);
