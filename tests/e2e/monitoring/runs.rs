//! Runs in depth (docs/behaviour.md, "Steps, progress, stalls and reports"): a run hung in
//! a named step, a stall while the total
//! runtime is still allowed, progress with percent and ETA, completion reports (warn,
//! max_failed, malformed), the run log with its cap and live tail; on both databases,
//! with notifications to a real receiver.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};

const RID: &str = "0b7e3c1e-0000-4000-8000-0000000000aa";

impl TestApp {
    /// Sends `body` to `/ping/<path>` with POST and a content type; status and text.
    pub async fn post_ping(&self, path: &str, body: &str, json: bool) -> (u16, String) {
        let mut req = self
            .http
            .post(self.url(&format!("/ping/{path}")))
            .body(body.to_string());
        if json {
            req = req.header("Content-Type", "application/json");
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap())
    }

    /// A GET with the read-write key, as text.
    pub async fn api_text(&self, path: &str) -> (u16, String) {
        let resp = self
            .http
            .get(self.url(path))
            .header("X-Api-Key", &self.api_key)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap())
    }

    /// The latest run of a monitor.
    pub async fn last_run(&self, id: &str) -> Value {
        let (status, runs) = self
            .api("GET", &format!("/api/v1/monitors/{id}/runs"), None)
            .await;
        assert_eq!(status, 200, "{runs}");
        runs["runs"][0].clone()
    }
}

async fn hung_in_step(backend: Backend) {
    let (app, rx, ch) = TestApp::spawn_with_receiver(backend).await;
    let id = app
        .monitor(
            json!({"name": "etl", "period": "1h", "grace": "1h", "max_runtime": "1h",
            "steps": [{"name": "extract", "max": "2s"}, {"name": "load"}],
            "channels": [ch]}),
        )
        .await;
    let m = app.get_monitor(&id).await;
    assert_eq!(
        m["steps"],
        json!([{"name": "extract", "max": 2}, {"name": "load", "max": null}])
    );
    // A step this monitor does not declare is refused, and nothing is recorded.
    let before = app.get_monitor(&id).await["n_pings"].clone();
    let (status, text) = app
        .post_ping(&format!("{id}/step/transform"), "", false)
        .await;
    assert_eq!(status, 400);
    assert!(text.contains("unknown step \"transform\""), "{text}");
    assert!(text.contains("extract, load"), "{text}");
    assert_eq!(app.get_monitor(&id).await["n_pings"], before);
    // A step with no run open starts one in it; the step overruns its 2 s.
    assert_eq!(app.ping(&format!("{id}/step/extract")).await, 200);
    let run = app.last_run(&id).await;
    assert_eq!(run["steps"][0]["name"], "extract");
    assert_eq!(run["steps"][0]["current"], true);
    assert_eq!(run["steps"][0]["max"], 2);
    let m = app.wait_status(&id, "down", Duration::from_secs(10)).await;
    assert_eq!(m["down_reason"], "hung");
    assert_eq!(m["down_detail"], "extract");
    let got = rx
        .wait_for(Duration::from_secs(10), |_| {
            !rx.events(&id, "monitor.down").is_empty()
        })
        .await;
    let ev = rx.events(&id, "monitor.down")[0].json();
    assert_eq!(
        (ev["reason"].clone(), ev["detail"].clone()),
        (json!("hung"), json!("extract"))
    );
    assert_eq!(got.len(), 1);
    let run = app.last_run(&id).await;
    assert_eq!(run["outcome"], "timeout");
    let (_, flips) = app
        .api("GET", &format!("/api/v1/monitors/{id}/flips"), None)
        .await;
    assert_eq!(flips["flips"][0]["detail"], "extract", "{flips}");

    // A run that moves on in time is fine: extract, then load (no limit), then success.
    assert_eq!(app.ping(&format!("{id}/start?rid={RID}")).await, 200);
    assert_eq!(app.ping(&format!("{id}/step/extract?rid={RID}")).await, 200);
    assert_eq!(
        app.ping(&format!("{id}/log?rid={RID}&step=load")).await,
        200
    );
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let open = app.last_run(&id).await;
    assert!(open["ended_at"].is_null(), "{open}");
    assert_eq!(open["steps"][1]["current"], true, "{open}");
    assert_eq!(app.ping(&format!("{id}?rid={RID}")).await, 200);
    let run = app.last_run(&id).await;
    assert_eq!(run["outcome"], "success");
    let names: Vec<&str> = run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["extract", "load"]);
    assert!(
        run["steps"][1]["duration"].as_f64().unwrap() >= 2.0,
        "{run}"
    );
    assert_eq!(app.get_monitor(&id).await["status"], "up");
    app.stop().await;
}
both!(run_hung_in_a_named_step, hung_in_step);

async fn stall(backend: Backend) {
    let (app, rx, ch) = TestApp::spawn_with_receiver(backend).await;
    let id = app
        .monitor(json!({"name": "crawler", "period": "1h", "grace": "1h",
            "max_runtime": "1h", "stall_timeout": 2, "channels": [ch]}))
        .await;
    assert_eq!(app.get_monitor(&id).await["stall_timeout"], 2);
    assert_eq!(app.ping(&format!("{id}/start")).await, 200);
    // Progress keeps it alive past its stall timeout.
    for done in [10, 20, 30] {
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        let path = format!("{id}/progress?done={done}&total=120&msg=pages");
        assert_eq!(app.ping(&path).await, 200);
    }
    let m = app.get_monitor(&id).await;
    assert_eq!(m["status"], "new", "{m}");
    assert_eq!(m["state"], "running");
    let run = app.last_run(&id).await;
    let p = &run["progress"];
    assert_eq!(
        (p["done"].clone(), p["total"].clone()),
        (json!(30), json!(120))
    );
    assert_eq!(p["percent"], 25);
    assert_eq!(p["msg"], "pages");
    assert!(p["eta"].is_string(), "{run}");
    // Progress pings belong to the run, not to the ping history.
    assert_eq!(m["n_pings"], 1);
    // Then nothing: stalled, while max_runtime (1 h) still allows the run.
    let m = app.wait_status(&id, "down", Duration::from_secs(10)).await;
    assert_eq!(m["down_reason"], "stalled");
    rx.wait_for(Duration::from_secs(10), |_| {
        rx.events(&id, "monitor.down")
            .first()
            .is_some_and(|r| r.json()["reason"] == "stalled")
    })
    .await;
    assert_eq!(app.last_run(&id).await["outcome"], "stalled");
    app.stop().await;
}
both!(stall_while_runtime_is_allowed, stall);

async fn reports(backend: Backend) {
    let (app, rx, ch) = TestApp::spawn_with_receiver(backend).await;
    let loud = app
        .monitor(json!({"name": "import", "period": "1h", "grace": "1h",
            "notify_warn": true, "max_failed": 5, "channels": [ch]}))
        .await;
    let quiet = app
        .monitor(json!({"name": "export", "period": "1h", "grace": "1h", "channels": [ch]}))
        .await;
    let report = json!({"status": "warning", "warnings": ["3 rows skipped"],
        "counts": {"processed": 1200, "failed": 3}, "log": "done"});
    for id in [&loud, &quiet] {
        assert_eq!(app.ping(&format!("{id}/start")).await, 200);
        let (status, _) = app
            .post_ping(&format!("{id}/warn"), &report.to_string(), true)
            .await;
        assert_eq!(status, 200);
        let m = app.get_monitor(id).await;
        assert_eq!(
            (m["status"].clone(), m["warnings"].clone()),
            (json!("up"), json!(true))
        );
        let run = app.last_run(id).await;
        assert_eq!(run["outcome"], "warn");
        assert_eq!(run["report"]["counts"]["processed"], 1200);
        assert_eq!(run["report"]["warnings"][0], "3 rows skipped");
        // The run's own view says the same.
        let (_, one) = app
            .api("GET", &format!("/api/v1/runs/{}", run["id"]), None)
            .await;
        assert_eq!(one["report"], run["report"]);
    }
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&loud, "run.warn").is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        rx.events(&quiet, "run.warn").is_empty(),
        "warn notifies only when asked"
    );

    // A success whose report counts more failed units than max_failed is a failure.
    let (status, _) = app
        .post_ping(
            &loud,
            r#"{"counts": {"processed": 100, "failed": 9}}"#,
            false,
        )
        .await;
    assert_eq!(status, 200);
    let m = app.get_monitor(&loud).await;
    assert_eq!(
        (m["status"].clone(), m["down_reason"].clone()),
        (json!("down"), json!("failed"))
    );
    assert_eq!(m["down_detail"], "9 units failed (max_failed 5)");

    // A malformed report: the ping counts (a success here), the answer says what to fix.
    let (status, text) = app
        .post_ping(&loud, r#"{"counts": {"processed": -1}}"#, true)
        .await;
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("ping recorded as success"), "{text}");
    assert!(text.contains("counts.processed"), "{text}");
    assert_eq!(app.get_monitor(&loud).await["status"], "up");
    let (status, text) = app.post_ping(&loud, "{not json", true).await;
    assert_eq!(status, 422, "{text}");
    // Healthchecks scripts that post other JSON keep working: it is just a body.
    let (status, _) = app.post_ping(&quiet, r#"{"rows": 5}"#, true).await;
    assert_eq!(status, 200);
    assert!(app.has_ping(&quiet, "success", r#"{"rows": 5}"#).await);
    app.stop().await;
}
both!(completion_reports, reports);

async fn live_log(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app
        .monitor(json!({"name": "backup", "period": "1h", "grace": "1h"}))
        .await;
    assert_eq!(app.ping(&format!("{id}/start?rid={RID}")).await, 200);
    let run_id = app.last_run(&id).await["id"].as_i64().unwrap();
    // A follower connected before the output arrives gets it as it comes.
    let follow = app
        .http
        .get(app.url(&format!("/api/v1/runs/{run_id}/log?follow=1")))
        .header("X-Api-Key", &app.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(follow.status(), 200);
    let reader = tokio::spawn(async move { follow.text().await.unwrap() });
    let events = app
        .http
        .get(app.url(&format!("/api/v1/runs/{run_id}/log/events")))
        .header("X-Api-Key", &app.api_key)
        .send()
        .await
        .unwrap();
    let sse = tokio::spawn(async move { events.text().await.unwrap() });
    for line in ["one\n", "two\n", "three\n"] {
        let (status, _) = app
            .post_ping(&format!("{id}/log?rid={RID}"), line, false)
            .await;
        assert_eq!(status, 200);
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let (_, now) = app.api_text(&format!("/api/v1/runs/{run_id}/log")).await;
    assert_eq!(now, "one\ntwo\nthree\n");
    assert_eq!(app.ping(&format!("{id}?rid={RID}")).await, 200);
    let followed = tokio::time::timeout(Duration::from_secs(10), reader)
        .await
        .expect("the follower ends with the run")
        .unwrap();
    assert_eq!(followed, "one\ntwo\nthree\n");
    let sse = tokio::time::timeout(Duration::from_secs(10), sse)
        .await
        .unwrap()
        .unwrap();
    assert!(sse.contains("event: chunk\ndata: \"one\\n"), "{sse}");
    assert!(sse.ends_with("event: end\ndata: \"success\"\n\n"), "{sse}");
    // Log lines of a run do not push pings out of the history.
    assert_eq!(app.get_monitor(&id).await["n_pings"], 2);

    // The cap: 1.2 MB in 100 KB chunks keeps the head and the tail, drops the middle.
    assert_eq!(app.ping(&format!("{id}/start")).await, 200);
    let run_id = app.last_run(&id).await["id"].as_i64().unwrap();
    for i in 0..12u8 {
        let chunk = String::from_utf8(vec![b'a' + i; 100_000]).unwrap();
        let (status, _) = app.post_ping(&format!("{id}/log"), &chunk, false).await;
        assert_eq!(status, 200);
    }
    let (_, run) = app
        .api("GET", &format!("/api/v1/runs/{run_id}"), None)
        .await;
    assert_eq!(run["log_dropped"], 200_000, "{run}");
    assert_eq!(run["log_bytes"], 1_000_000, "{run}");
    let (_, text) = app.api_text(&format!("/api/v1/runs/{run_id}/log")).await;
    assert!(text.starts_with("aaaa"));
    assert!(text.contains("200000 bytes of log dropped"));
    assert!(text.ends_with("llll"));
    assert!(
        !text.contains("ffff") && !text.contains("gggg"),
        "chunks 6 and 7 were dropped"
    );
    app.stop().await;
}
both!(run_log_and_live_tail, live_log);

async fn bad_run_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app
        .monitor(json!({"name": "b", "period": "1h", "grace": "1h"}))
        .await;
    assert_eq!(app.ping(&format!("{id}/start")).await, 200);
    for (path, want) in [
        ("progress?done=-1&total=10", "done must be a whole number"),
        ("progress?done=11&total=10", "must not exceed total"),
        ("progress?done=x", "done must be a whole number"),
        ("progress", "progress needs done=N"),
        ("step", "expected /ping/<uuid>/step/<name>"),
        ("step/a%20b", "step name \"a b\" is invalid"),
        ("start?step=bad%2Fname", "is invalid"),
    ] {
        let (status, text) = app.post_ping(&format!("{id}/{path}"), "", false).await;
        assert_eq!(status, 400, "{path}: {text}");
        assert!(text.contains(want), "{path}: {text}");
    }
    assert_eq!(app.get_monitor(&id).await["n_pings"], 1, "nothing recorded");
    for (body, want) in [
        (json!({"steps": [{"name": "a b"}]}), "steps[0]: step name"),
        (
            json!({"steps": [{"name": "a"}, {"name": "a"}]}),
            "declared twice",
        ),
        (
            json!({"steps": [{"name": "a", "max": "0s"}]}),
            "steps[0].max",
        ),
        (json!({"stall_timeout": "soon"}), "stall_timeout"),
        (json!({"max_failed_ratio": 2}), "between 0 and 1"),
        (json!({"max_failed": -1}), "max_failed"),
    ] {
        let (status, err) = app
            .api(
                "PATCH",
                &format!("/api/v1/monitors/{id}"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, 400, "{body}: {err}");
        assert!(err.to_string().contains(want), "{body}: {err}");
    }
    for path in [
        "/api/v1/runs/999999",
        "/api/v1/runs/abc",
        "/api/v1/runs/999999/log",
    ] {
        let (status, _) = app.api("GET", path, None).await;
        assert_eq!(status, 404, "{path}");
    }
    app.stop().await;
}
both!(bad_run_input_is_refused, bad_run_input);

/// Reports as tools write them (docs/behaviour.md, "Pings"): a real `pytest
/// --junitxml` report posted to the exit-status URL, and a batch engine's
/// `X-Batch-Complete-Status` header beside or instead of the URL's verb.
async fn tool_reports(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app
        .monitor(json!({"name": "invoice tests", "period": "1h", "grace": "1h"}))
        .await;
    // pytest, run for real: one test passes, one fails, one is skipped.
    let dir = std::env::temp_dir().join(format!("overdue-junit-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("test_invoices.py"),
        "import pytest\n\n\ndef test_totals():\n    assert 2 + 2 == 4\n\n\n\
         def test_vat():\n    assert 19 == 21\n\n\n\
         @pytest.mark.skip(reason=\"not ready\")\ndef test_later():\n    pass\n",
    )
    .unwrap();
    let out = tokio::process::Command::new("python3")
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--junitxml=report.xml",
            "test_invoices.py",
        ])
        .current_dir(&dir)
        .output()
        .await
        .unwrap();
    let exit = out.status.code().unwrap();
    assert_eq!(exit, 1, "{}", String::from_utf8_lossy(&out.stdout));
    let xml = std::fs::read_to_string(dir.join("report.xml")).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(app.ping(&format!("{id}/start")).await, 200);
    let (status, said) = app.post_ping(&format!("{id}/{exit}"), &xml, false).await;
    assert_eq!((status, said.as_str()), (200, "OK"));
    assert_eq!(app.get_monitor(&id).await["status"], "down");
    let run = app.last_run(&id).await;
    assert_eq!(run["outcome"], "fail", "{run}");
    let report = &run["report"];
    assert_eq!(report["counts"]["tests"], 3, "{report}");
    assert_eq!(report["counts"]["failures"], 1, "{report}");
    assert_eq!(report["counts"]["skipped"], 1, "{report}");
    assert_eq!(report["counts"]["failed"], 1, "{report}");
    assert!(
        report["errors"][0]
            .as_str()
            .unwrap()
            .starts_with("test_invoices.test_vat: "),
        "{report}"
    );
    assert_eq!(
        report["warnings"][0], "test_invoices.test_later skipped: not ready",
        "{report}"
    );
    // The batch engine's header decides a plain ping; a verb in the URL decides over it.
    let batch = |path: String, header: &'static str| {
        let req = app
            .http
            .post(app.url(&format!("/ping/{path}")))
            .header("X-Batch-Complete-Status", header);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    for (path, header, outcome, state) in [
        (id.clone(), "success-with-warning", "warn", "up"),
        (id.clone(), "fail", "fail", "down"),
        (id.clone(), "success", "success", "up"),
        (format!("{id}/fail"), "success", "fail", "down"),
        (format!("{id}/0"), "fail", "success", "up"),
    ] {
        assert_eq!(app.ping(&format!("{id}/start")).await, 200);
        assert_eq!(
            batch(path.clone(), header).await,
            (200, "OK".into()),
            "{path} {header}"
        );
        assert_eq!(
            app.last_run(&id).await["outcome"],
            outcome,
            "{path} {header}"
        );
        assert_eq!(
            app.get_monitor(&id).await["status"],
            state,
            "{path} {header}"
        );
    }
    // One it cannot read: the ping counts as its URL says, and the answer says why.
    let (status, said) = batch(id.clone(), "maybe").await;
    assert_eq!(status, 422, "{said}");
    assert!(said.contains("X-Batch-Complete-Status \"maybe\""), "{said}");
    assert_eq!(app.get_monitor(&id).await["status"], "up");
    app.stop().await;
}
both!(reports_as_tools_write_them, tool_reports);
