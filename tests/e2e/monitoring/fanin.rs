//! Fan-out / fan-in (docs/behaviour.md, "Dependencies, suppression, fan-in and chains"): a
//! `start` with `children=N`; children ping with
//! `parent=<rid>` (to the same or another monitor); the parent run succeeds when its
//! children did, fails beyond `max_failed_children`, and is `incomplete` at its max
//! runtime with children missing. Both databases, a real receiver.

use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::harness::{Backend, TestApp};

fn rid(n: u32) -> String {
    format!("5e0f0000-0000-4000-8000-{n:012}")
}

async fn forty_children(backend: Backend) {
    let (app, rx, ch) = TestApp::spawn_with_receiver(backend).await;
    let parent = app
        .monitor(
            json!({"name": "nightly", "period": "1h", "grace": "1h", "max_runtime": "4s",
            "channels": [ch]}),
        )
        .await;
    let worker = app
        .monitor(json!({"name": "worker", "period": "1h", "channels": [ch]}))
        .await;
    let r = rid(1);
    assert_eq!(
        app.ping(&format!("{parent}/start?rid={r}&children=40"))
            .await,
        200
    );
    // 37 of 40 children end: most on the worker monitor, some on the parent's own.
    for i in 0..37u32 {
        let target = if i % 4 == 0 { &parent } else { &worker };
        let path = format!("{target}?parent={r}&rid={}", rid(100 + i));
        assert_eq!(app.ping(&path).await, 200, "{path}");
    }
    // A child that retries its end (same rid) is logged again but counted once.
    assert_eq!(
        app.ping(&format!("{worker}?parent={r}&rid={}", rid(101)))
            .await,
        200
    );
    let w = app.get_monitor(&worker).await;
    assert_eq!(
        w["status"], "new",
        "a child's ping does not flip the monitor it hits"
    );
    assert_eq!(w["n_pings"], 28);
    let run = app.last_run(&parent).await;
    let (_, one) = app
        .api("GET", &format!("/api/v1/runs/{}", run["id"]), None)
        .await;
    let c = &one["children"];
    assert_eq!(
        (c["expected"].clone(), c["ok"].clone(), c["missing"].clone()),
        (json!(40), json!(37), json!(3)),
        "{one}"
    );
    assert_eq!(c["list"].as_array().unwrap().len(), 37);
    assert_eq!(c["list"][1]["name"], "worker");
    // Its max runtime passes with 3 missing: incomplete, one alert saying how many.
    let m = app
        .wait_status(&parent, "down", Duration::from_secs(10))
        .await;
    assert_eq!(m["down_reason"], "incomplete");
    assert_eq!(m["down_detail"], "3 of 40 children missing");
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&parent, "monitor.down").is_empty()
    })
    .await;
    let ev = rx.events(&parent, "monitor.down")[0].json();
    assert_eq!(ev["detail"], "3 of 40 children missing");
    assert_eq!(app.last_run(&parent).await["outcome"], "incomplete");
    assert!(rx.events(&worker, "monitor.down").is_empty());
    app.stop().await;
}
both!(fan_in_with_missing_children, forty_children);

async fn failed_children(backend: Backend) {
    let (app, rx, ch) = TestApp::spawn_with_receiver(backend).await;
    let worker = app.monitor(json!({"name": "worker", "period": "1h"})).await;
    let mut parents = Vec::new();
    for name in ["within", "beyond"] {
        let id = app
            .monitor(json!({"name": name, "period": "1h", "grace": "1h",
                "max_failed_children": 1, "channels": [ch]}))
            .await;
        assert_eq!(app.get_monitor(&id).await["max_failed_children"], 1);
        parents.push(id);
    }
    // One failure of three, within the tolerance: the run succeeds with its children.
    let (r1, r2) = (rid(1), rid(2));
    assert_eq!(
        app.ping(&format!("{}/start?rid={r1}&children=3", parents[0]))
            .await,
        200
    );
    // The parent's own success waits for its children.
    assert_eq!(app.ping(&format!("{}?rid={r1}", parents[0])).await, 200);
    assert_eq!(app.get_monitor(&parents[0]).await["state"], "running");
    for sig in ["fail", "0", ""] {
        let path = format!("{worker}/{sig}?parent={r1}");
        assert_eq!(
            app.ping(path.trim_end_matches('/').replace("/?", "?").as_str())
                .await,
            200
        );
    }
    let m = app.get_monitor(&parents[0]).await;
    assert_eq!(m["status"], "up", "{m}");
    assert_eq!(app.last_run(&parents[0]).await["outcome"], "success");
    // Two failures of three, beyond it: the run fails at the second.
    assert_eq!(
        app.ping(&format!("{}/start?rid={r2}&children=3", parents[1]))
            .await,
        200
    );
    assert_eq!(app.ping(&format!("{worker}/fail?parent={r2}")).await, 200);
    assert_eq!(app.get_monitor(&parents[1]).await["state"], "running");
    assert_eq!(app.ping(&format!("{worker}/1?parent={r2}")).await, 200);
    let m = app.get_monitor(&parents[1]).await;
    assert_eq!(
        (m["status"].clone(), m["down_reason"].clone()),
        (json!("down"), json!("failed"))
    );
    assert_eq!(m["down_detail"], "2 of 3 children failed");
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&parents[1], "monitor.down").is_empty()
    })
    .await;
    assert!(rx.events(&parents[0], "monitor.down").is_empty());
    // Bad input.
    for (path, want) in [
        (
            format!("{worker}/start?children=0"),
            "children must be a number of 1 to 100000",
        ),
        (format!("{worker}/start?children=x"), "children must be"),
        (format!("{worker}?children=3"), "children= goes with /start"),
        (
            format!("{worker}?parent=nope"),
            "parent must be the parent run's rid",
        ),
    ] {
        let (status, text) = app.post_ping(&path, "", false).await;
        assert_eq!(status, 400, "{path}: {text}");
        assert!(text.contains(want), "{path}: {text}");
    }
    let (status, err) = app
        .api(
            "PATCH",
            &format!("/api/v1/monitors/{worker}"),
            Some(json!({"max_failed_children": 100001})),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    app.stop().await;
}
both!(
    children_failing_within_and_beyond_the_limit,
    failed_children
);
