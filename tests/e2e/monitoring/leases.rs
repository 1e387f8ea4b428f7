//! Exclusive leases (docs/behaviour.md, "Exclusive leases"): grant, contention with the
//! holder's run id, renewal by
//! the holder's pings, release by its run's end, expiry, unlock, bad input, and
//! `overdue exec --exclusive` between two real processes.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};

const A: &str = "0b6c7e54-1111-4c5b-9a0e-000000000001";
const B: &str = "0b6c7e54-2222-4c5b-9a0e-000000000002";

async fn call(app: &TestApp, path: &str) -> (u16, Value) {
    let r = app.http.post(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn story(backend: Backend) {
    // Leases expire by the clock of record: the story moves it instead of waiting.
    let (app, clock) = TestApp::spawn_shifted(backend).await;
    let pass = |ms: i64| clock.fetch_add(ms, Ordering::SeqCst);
    let id = app
        .monitor(json!({"name": "nightly", "period": "1h"}))
        .await;
    let lock = |rid: &str, ttl: &str| format!("/ping/{id}/lock?rid={rid}&ttl={ttl}");

    let (s, a) = call(&app, &lock(A, "60")).await;
    assert_eq!(
        (s, a["token"].clone(), a["rid"].clone()),
        (200, json!(1), json!(A))
    );
    let (s, b) = call(&app, &lock(B, "60")).await;
    assert_eq!((s, b["holder"].clone()), (409, json!(A)), "{b}");
    let (s, a2) = call(&app, &lock(A, "60")).await;
    assert_eq!(
        (s, a2["token"].clone()),
        (200, json!(1)),
        "the holder renews its own"
    );
    let (s, _) = call(&app, &format!("/ping/{id}/unlock?rid={B}")).await;
    assert_eq!(s, 409, "only the holder releases");
    // The holder's run ends: the lease is free, the next holder's token is larger.
    assert_eq!(app.ping(&format!("{id}/start?rid={A}")).await, 200);
    assert_eq!(app.ping(&format!("{id}?rid={A}")).await, 200);
    let (s, b) = call(&app, &lock(B, "2")).await;
    assert_eq!((s, b["token"].clone()), (200, json!(2)), "{b}");
    // The holder's log pings renew it past its ttl.
    pass(1_400);
    assert_eq!(app.ping(&format!("{id}/log?rid={B}")).await, 200);
    pass(1_000);
    let (s, _) = call(&app, &lock(A, "60")).await;
    assert_eq!(s, 409, "renewed by the log ping");
    // Unlock by the holder; then a ttl that runs out.
    let (s, _) = call(&app, &format!("/ping/{id}/unlock?rid={B}")).await;
    assert_eq!(s, 200);
    let (s, a) = call(&app, &lock(A, "1s")).await;
    assert_eq!((s, a["token"].clone()), (200, json!(3)));
    pass(1_200);
    let (s, _) = call(&app, &lock(B, "60")).await;
    assert_eq!(s, 200, "an expired lease is free");
    // Without a rid the lock gives one.
    let other = app.monitor(json!({"name": "other"})).await;
    let (s, g) = call(&app, &format!("/ping/{other}/lock?ttl=30")).await;
    assert_eq!(s, 200);
    assert!(uuid::Uuid::try_parse(g["rid"].as_str().unwrap()).is_ok());

    // Bad input: clear 4xx.
    let unknown = uuid::Uuid::new_v4();
    for (path, want, says) in [
        (format!("/ping/{id}/lock?rid={A}"), 400, "ttl is required"),
        (format!("/ping/{id}/lock?rid={A}&ttl=soon"), 400, "ttl"),
        (
            format!("/ping/{id}/lock?rid={A}&ttl=0"),
            400,
            "1 s to 7 days",
        ),
        (format!("/ping/{id}/lock?rid=nope&ttl=60"), 400, "rid"),
        (format!("/ping/{id}/unlock"), 400, "rid"),
        (format!("/ping/{unknown}/lock?ttl=60"), 404, "not found"),
    ] {
        let (s, b) = call(&app, &path).await;
        assert_eq!(s, want, "{path}: {b}");
        assert!(b["error"].as_str().unwrap().contains(says), "{path}: {b}");
    }
    let r = app
        .http
        .post(app.url(&format!("/ping/{}/nightly/lock?ttl=60", app.ping_key)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    app.stop().await;
}
both!(leases_grant_renew_release_expire, story);

#[tokio::test]
async fn exec_exclusive_between_two_processes() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let id = app
        .monitor(json!({"name": "exclusive", "period": "1h"}))
        .await;
    let exec = |script: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_overdue"))
            .args([
                "exec",
                &id,
                "--exclusive",
                "--lock-ttl",
                "1m",
                "--url",
                &app.base,
                "--",
            ])
            .args(["sh", "-c", script])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let first = exec("sleep 1.5; echo first done");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let second = exec("echo second ran").wait_with_output().unwrap();
    assert_eq!(second.status.code(), Some(75), "the second must not run");
    assert!(String::from_utf8_lossy(&second.stderr).contains("holds the lease"));
    assert!(!String::from_utf8_lossy(&second.stdout).contains("second ran"));
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0));
    // The first run's end released the lease: a third runs.
    let third = exec("echo third ran").wait_with_output().unwrap();
    assert_eq!(third.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&third.stdout).contains("third ran"));
    app.stop().await;
}
