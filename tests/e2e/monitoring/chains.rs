//! Chains (docs/behaviour.md, "Dependencies, suppression, fan-in and chains"): members in
//! order with an end-to-end deadline; a chain run follows
//! its members, and one alert names where it stopped when the deadline passes. Both
//! databases, a real receiver.

use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::harness::{Backend, TestApp};

async fn chain_deadline(backend: Backend) {
    let (app, rx, ch) = TestApp::spawn_with_receiver(backend).await;
    let mut ids = Vec::new();
    for name in ["extract", "transform", "load"] {
        ids.push(
            app.monitor(json!({"name": name, "slug": name, "period": "1h", "channels": [ch]}))
                .await,
        );
    }
    let (status, chain) = app
        .api(
            "POST",
            "/api/v1/chains",
            Some(json!({"name": "nightly ETL",
            "members": ["extract", "transform", ids[2]], "within": 3, "channels": [ch]})),
        )
        .await;
    assert_eq!(status, 201, "{chain}");
    let chain_id = chain["id"].as_str().unwrap().to_string();
    assert_eq!(chain["within"], 3);
    assert_eq!(chain["members"][1]["name"], "transform");
    // A whole run: each member starts and succeeds; the chain run ends with the last.
    for id in &ids {
        assert_eq!(app.ping(&format!("{id}/start")).await, 200);
        assert_eq!(app.ping(id).await, 200);
    }
    let (_, list) = app.api("GET", "/api/v1/chains", None).await;
    let c = &list["chains"][0];
    assert_eq!(c["state"], "up", "{c}");
    let run = &c["last_run"];
    assert_eq!(run["outcome"], "success", "{run}");
    let steps: Vec<&str> = run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["extract", "transform", "load"]);
    // The next run stops at transform: the chain alerts once, naming it.
    assert_eq!(app.ping(&format!("{}/start", ids[0])).await, 200);
    assert_eq!(app.ping(&ids[0]).await, 200);
    assert_eq!(app.ping(&format!("{}/start", ids[1])).await, 200);
    let (_, list) = app.api("GET", "/api/v1/chains", None).await;
    assert_eq!(list["chains"][0]["at_member"], "transform");
    assert_eq!(list["chains"][0]["state"], "running");
    let m = app
        .wait_status(&chain_id, "down", Duration::from_secs(10))
        .await;
    assert_eq!(m["down_reason"], "chain_deadline");
    assert_eq!(m["down_detail"], "stopped at transform");
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&chain_id, "monitor.down").is_empty()
    })
    .await;
    let ev = rx.events(&chain_id, "monitor.down")[0].json();
    assert_eq!(ev["monitor"]["name"], "nightly ETL");
    assert_eq!(ev["reason"], "chain_deadline");
    assert_eq!(ev["detail"], "stopped at transform");
    let (_, list) = app.api("GET", "/api/v1/chains", None).await;
    assert_eq!(list["chains"][0]["down_detail"], "stopped at transform");
    for id in &ids {
        assert!(
            rx.events(id, "monitor.down").is_empty(),
            "members did nothing wrong"
        );
    }
    // The next complete run brings the chain back up (and says so).
    for id in &ids {
        assert_eq!(app.ping(&format!("{id}/start")).await, 200);
        assert_eq!(app.ping(id).await, 200);
    }
    assert_eq!(app.get_monitor(&chain_id).await["status"], "up");
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&chain_id, "monitor.up").is_empty()
    })
    .await;
    app.stop().await;
}
both!(chain_end_to_end_deadline, chain_deadline);

async fn chain_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut uuids = Vec::new();
    for name in ["a", "b"] {
        uuids.push(
            app.monitor(json!({"name": name, "slug": name, "period": "1h"}))
                .await,
        );
    }
    let (status, chain) = app
        .api(
            "POST",
            "/api/v1/chains",
            Some(json!({"name": "by six",
            "members": ["a", "b"], "finish_by": "06:00", "tz": "Europe/Riga"})),
        )
        .await;
    assert_eq!(status, 201, "{chain}");
    assert_eq!(
        (chain["finish_by"].clone(), chain["tz"].clone()),
        (json!("06:00"), json!("Europe/Riga"))
    );
    assert!(chain["within"].is_null());
    let id = chain["id"].as_str().unwrap();
    let (status, err) = app
        .api(
            "PATCH",
            &format!("/api/v1/monitors/{id}"),
            Some(json!({"period": "1h"})),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    assert!(err["error"].as_str().unwrap().contains("is a chain"));
    for (body, want) in [
        (
            json!({"name": "x", "members": ["a"], "within": 60}),
            "2 to 50",
        ),
        (
            json!({"name": "x", "members": ["a", "nope"], "within": 60}),
            "members[1]: no monitor \"nope\"",
        ),
        (
            json!({"name": "x", "members": ["a", "a"], "within": 60}),
            "already in the chain",
        ),
        (
            json!({"name": "x", "members": ["a", "b"]}),
            "give the chain's deadline",
        ),
        (
            json!({"name": "x", "members": ["a", "b"], "finish_by": "25:00"}),
            "HH:MM",
        ),
        (
            json!({"name": "x", "members": ["a", "b"], "finish_by": "06:00", "tz": "Mars/Base"}),
            "invalid timezone",
        ),
        (
            json!({"name": "", "members": ["a", "b"], "within": 60}),
            "name must be",
        ),
        (
            json!({"name": "x", "members": "a", "within": 60}),
            "members",
        ),
    ] {
        let (status, err) = app.api("POST", "/api/v1/chains", Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {err}");
        assert!(
            err["error"].as_str().unwrap_or_default().contains(want),
            "{body}: {err}"
        );
    }
    let (_, list) = app.api("GET", "/api/v1/chains", None).await;
    assert_eq!(
        list["chains"].as_array().unwrap().len(),
        1,
        "refusals wrote nothing"
    );
    // Replaced: the same checks, nothing written by a refusal, then the new values.
    let path = format!("/api/v1/chains/{id}");
    for (body, want) in [
        (
            json!({"name": "x", "members": ["a"], "within": 60}),
            "2 to 50",
        ),
        (
            json!({"name": "x", "members": ["a", "b"], "finish_by": "25:00"}),
            "HH:MM",
        ),
        (
            json!({"name": "x", "members": ["a", "b"], "within": 60, "colour": "red"}),
            "colour",
        ),
    ] {
        let (status, err) = app.api("PUT", &path, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {err}");
        assert!(
            err["error"].as_str().unwrap_or_default().contains(want),
            "{body}: {err}"
        );
    }
    let (status, one) = app.api("GET", &path, None).await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["name"], "by six", "{one}");
    let (status, changed) = app
        .api(
            "PUT",
            &path,
            Some(
                json!({"name": "by seven", "members": ["b", "a"], "within": "2h",
                        "finish_by": "07:00", "tz": "Asia/Tokyo"}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let (_, one) = app.api("GET", &path, None).await;
    assert_eq!(one, changed);
    assert_eq!(one["name"], "by seven");
    let order: Vec<&str> = one["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["b", "a"]);
    assert_eq!(one["within"], 7200);
    assert_eq!(
        (one["finish_by"].clone(), one["tz"].clone()),
        (json!("07:00"), json!("Asia/Tokyo"))
    );
    // A monitor that is not a chain, or no monitor at all, is no chain.
    let member = &uuids[0];
    for p in [
        format!("/api/v1/chains/{member}"),
        "/api/v1/chains/00000000-0000-4000-8000-000000000000".to_string(),
    ] {
        let (status, err) = app.api("GET", &p, None).await;
        assert_eq!(status, 404, "{p}: {err}");
        let (status, err) = app
            .api(
                "PUT",
                &p,
                Some(json!({"name": "x", "members": ["a", "b"], "within": 60})),
            )
            .await;
        assert_eq!(status, 404, "{p}: {err}");
    }
    app.stop().await;
}
both!(chain_input_is_checked, chain_input);
