//! The Rust client's run guard and `overdue ping`, against a real server.

use serde_json::json;

use crate::both;
use crate::harness::{Backend, TestApp};

async fn guard(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.monitor(json!({"name": "etl", "period": "1h"})).await;
    let (base, mid) = (app.base.clone(), id.clone());
    // A run that logs and succeeds.
    tokio::task::spawn_blocking(move || {
        let c = overdue_client::Client::new(&base)?;
        let run = c.run(&mid)?;
        run.log("exported 12 rows")?;
        run.success()
    })
    .await
    .unwrap()
    .unwrap();
    let m = app.get_monitor(&id).await;
    assert_eq!(m["status"], "up");
    let (_, runs) = app
        .api("GET", &format!("/api/v1/monitors/{id}/runs"), None)
        .await;
    assert_eq!(runs["runs"][0]["outcome"], "success", "{runs}");
    assert!(runs["runs"][0]["rid"].is_string());
    let (_, pings) = app
        .api("GET", &format!("/api/v1/monitors/{id}/pings"), None)
        .await;
    assert!(
        pings["pings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "log" && p["body"] == "exported 12 rows"),
        "{pings}"
    );
    // A job that panics: the guard ends its run as failed.
    let (base, mid) = (app.base.clone(), id.clone());
    let crashed = tokio::task::spawn_blocking(move || {
        let c = overdue_client::Client::new(&base).unwrap();
        let _run = c.run(&mid).unwrap();
        panic!("the job crashed");
    })
    .await;
    assert!(crashed.is_err());
    let m = app.get_monitor(&id).await;
    assert_eq!(
        (m["status"].clone(), m["down_reason"].clone()),
        (json!("down"), json!("failed"))
    );
    // Unreachable and bad input are errors, not panics.
    let closed = format!("http://127.0.0.1:{}", crate::harness::free_port());
    let e = tokio::task::spawn_blocking(move || {
        overdue_client::Client::new(&closed)
            .unwrap()
            .ping("x", overdue_client::Signal::Success, None, None)
            .unwrap_err()
            .to_string()
    })
    .await
    .unwrap();
    assert!(e.contains("could not be reached"), "{e}");
    assert!(overdue_client::Client::new("ftp://x").is_err());
    app.stop().await;
}
both!(client_run_guard, guard);

#[tokio::test]
async fn overdue_ping_command() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let id = app.monitor(json!({"name": "cli", "period": "1h"})).await;
    let run = |args: Vec<String>| {
        std::process::Command::new(env!("CARGO_BIN_EXE_overdue"))
            .arg("ping")
            .args(args)
            .env("OVERDUE_URL", &app.base)
            .output()
            .unwrap()
    };
    let rid = uuid::Uuid::new_v4().to_string();
    let out = run(vec![
        id.clone(),
        "start".into(),
        "--rid".into(),
        rid.clone(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(vec![
        id.clone(),
        "--rid".into(),
        rid.clone(),
        "--body".into(),
        "done".into(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = app.get_monitor(&id).await;
    assert_eq!(m["status"], "up");
    assert!(m["last_duration"].is_number(), "{m}");
    // Clear errors, non-zero exit.
    for (args, says) in [
        (vec![id.clone(), "finished".into()], "use success, start"),
        (vec![uuid::Uuid::new_v4().to_string()], "404"),
        (
            vec![id.clone(), "--rid".into(), "nope".into()],
            "not a UUID",
        ),
    ] {
        let out = run(args);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
    }
    app.stop().await;
}
