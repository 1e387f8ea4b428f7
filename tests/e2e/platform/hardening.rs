//! Security and input hardening (issue 13): preflights are not pings, slow bodies time
//! out and store nothing, only canonical UUIDs name monitors, a ping's real size is
//! reported, and the small refusals name what to fix.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both;
use crate::harness::{Backend, TestApp};

/// `OPTIONS /ping/<uuid>/fail` with `Origin` and `Access-Control-Request-Method` is a
/// browser asking whether it may ping: answered as a preflight, never stored.
async fn preflight(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.monitor(json!({"name": "cors", "period": "1h"})).await;
    let r = app
        .http
        .request(
            reqwest::Method::OPTIONS,
            app.url(&format!("/ping/{id}/fail")),
        )
        .header("Origin", "https://example.com")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(r.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));
    let m = app.get_monitor(&id).await;
    assert_eq!(m["status"], "new", "{m}");
    assert_eq!(m["n_pings"], 0, "{m}");
    // The ping itself, from the same page, counts.
    assert_eq!(app.ping(&format!("{id}/fail")).await, 200);
    assert_eq!(app.get_monitor(&id).await["status"], "down");
    app.stop().await;
}
both!(cors_preflight_is_not_a_ping, preflight);

/// Sends `head` and then `body` on a raw connection and returns what the server
/// answers within `wait` (the status line first).
async fn raw(app: &TestApp, head: &str, body: &[u8], wait: Duration) -> String {
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let until = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(until, s.read(&mut buf)).await {
            Ok(Ok(0)) | Err(_) | Ok(Err(_)) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A body that declares 100 bytes and sends 3 is answered 408 once the body timeout
/// passes, and nothing of it is stored — on pings and on the API alike.
async fn slow_bodies(backend: Backend) {
    let url = crate::harness::fresh_database(backend);
    let app = TestApp::spawn_on(&url, |s| s.body_timeout = Duration::from_secs(1)).await;
    let id = app.monitor(json!({"name": "slow", "period": "1h"})).await;
    let started = std::time::Instant::now();
    let head = format!("POST /ping/{id}/fail HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
    let answer = raw(&app, &head, b"abc", Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive in time"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "answered after the timeout, not never"
    );
    let m = app.get_monitor(&id).await;
    assert_eq!(m["status"], "new", "a timed-out ping is not stored: {m}");
    assert_eq!(m["n_pings"], 0, "{m}");
    let head = format!(
        "POST /api/v1/monitors HTTP/1.1\r\nHost: x\r\nX-Api-Key: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
        app.api_key
    );
    let answer = raw(&app, &head, b"{\"na", Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let (_, v) = app.api("GET", "/api/v1/monitors", None).await;
    assert_eq!(v["monitors"].as_array().map(Vec::len), Some(1), "{v}");
    let head =
        format!("POST /ping/{id}/problems HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
    let answer = raw(&app, &head, b"[{", Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    app.stop().await;
}
both!(slow_bodies_time_out_and_store_nothing, slow_bodies);

/// Only the canonical UUID names a monitor in a ping URL (Healthchecks answers 404 to
/// the other spellings); a bigger-than-drained body reports its real size; a timezone
/// is checked with a period too; a repeated upstream is a 400 naming the field.
async fn small_ones(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app
        .monitor(json!({"name": "up", "slug": "up", "period": "1h"}))
        .await;
    let u = uuid::Uuid::parse_str(&id).unwrap();
    for other in [
        u.simple().to_string(),
        format!("{{{id}}}"),
        format!("urn:uuid:{id}"),
    ] {
        let (s, text) = app.post_ping(&other, "", false).await;
        assert_eq!(s, 404, "/ping/{other}: {text}");
    }
    assert_eq!(app.get_monitor(&id).await["n_pings"], 0);
    // The management API's paths follow the same rule: one UUID form.
    let ch = app.webhook("https://example.com/hook").await;
    let c = uuid::Uuid::parse_str(&ch).unwrap();
    for other in [c.simple().to_string(), format!("urn:uuid:{ch}")] {
        let (s, b) = app
            .api(
                "PATCH",
                &format!("/api/v1/channels/{other}"),
                Some(json!({"name": "hook"})),
            )
            .await;
        assert_eq!(s, 400, "{other}: {b}");
        assert!(
            b["error"].as_str().unwrap().contains("expected a UUID"),
            "{b}"
        );
    }
    let (s, b) = app
        .api(
            "PATCH",
            &format!("/api/v1/channels/{}", ch.to_uppercase()),
            Some(json!({"name": "hook"})),
        )
        .await;
    assert_eq!(s, 200, "either case: {b}");
    let upper = id.to_uppercase();
    let (s, _) = app.post_ping(&upper, "", false).await;
    assert_eq!(s, 200, "either case of the canonical form");

    let big = vec![b'x'; 70 * 1024 * 1024];
    let r = app
        .http
        .post(app.url(&format!("/ping/{id}/log")))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["ping-body-truncated"],
        (70 * 1024 * 1024).to_string()
    );

    let (s, v) = app
        .api(
            "POST",
            "/api/v1/monitors",
            Some(json!({"name": "x", "period": "1h", "tz": "Mars/Olympus"})),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("Mars/Olympus"), "{v}");

    let (s, v) = app
        .api(
            "POST",
            "/api/v1/monitors",
            Some(json!({"name": "down", "schedule": "none",
                "after": [{"monitor": "up", "within": "1h"}, {"monitor": id, "within": "2h"}]})),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    let msg = v["error"].as_str().unwrap();
    assert!(
        msg.contains("after[1].monitor") && msg.contains("twice"),
        "{msg}"
    );
    assert!(
        !msg.contains("UNIQUE") && !msg.contains("constraint"),
        "{msg}"
    );
    app.stop().await;
}
both!(small_refusals_name_what_to_fix, small_ones);

/// Channel settings are for admins, their secrets masked even then; a read-only key sees
/// what a channel is and whether it works. A change that sends the masked values back
/// keeps the stored secrets (the receiver still gets the token), and no delivery error
/// repeats the URL.
async fn channel_secrets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = crate::harness::Receiver::start().await;
    let url = format!("{}/secret-token-98765", rx.url.trim_end_matches('/'));
    let (s, ch) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "webhook", "name": "ops", "url": url,
                "headers": {"Authorization": "Bearer s3cret-value"}})),
        )
        .await;
    assert_eq!(s, 201, "{ch}");
    let id = ch["id"].as_str().unwrap().to_string();
    let shown = ch.to_string();
    assert!(
        !shown.contains("secret-token") && !shown.contains("s3cret"),
        "{shown}"
    );
    assert_eq!(ch["config"]["headers"]["Authorization"], "••••••", "{ch}");
    let masked_url = ch["config"]["url"].as_str().unwrap().to_string();
    assert!(
        masked_url.ends_with("8765") && masked_url.contains("127.0.0.1"),
        "{masked_url}"
    );

    let (s, list) = app
        .api_with(&app.read_only_key, "GET", "/api/v1/channels", None)
        .await;
    assert_eq!(s, 200);
    let text = list.to_string();
    assert!(
        !text.contains("secret-token") && !text.contains("s3cret"),
        "{text}"
    );
    let one = &list["channels"][0];
    assert_eq!(one["name"], "ops");
    assert_eq!(one["kind"], "webhook");
    assert!(one["config"].is_null(), "{one}");
    let (s, _) = app
        .api_with(
            &app.read_only_key,
            "PATCH",
            &format!("/api/v1/channels/{id}"),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(s, 403);

    // Send back what GET showed, with a new name: the secrets stay.
    let (s, admin) = app.api("GET", "/api/v1/channels", None).await;
    assert_eq!(s, 200);
    let cfg = admin["channels"][0]["config"].clone();
    let (s, patched) = app
        .api(
            "PATCH",
            &format!("/api/v1/channels/{id}"),
            Some(json!({"name": "ops-renamed", "url": cfg["url"], "headers": cfg["headers"]})),
        )
        .await;
    assert_eq!(s, 200, "{patched}");
    assert_eq!(patched["name"], "ops-renamed");
    let (s, _) = app
        .api("POST", &format!("/api/v1/channels/{id}/test"), None)
        .await;
    assert_eq!(s, 200);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| !all.is_empty())
        .await;
    assert_eq!(got[0].path, "/hook/secret-token-98765");
    assert!(
        got[0]
            .headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("authorization") && v == "Bearer s3cret-value"),
        "{:?}",
        got[0].headers
    );
    let (s, v) = app
        .api(
            "PATCH",
            &format!("/api/v1/channels/{id}"),
            Some(json!({"colour": "red"})),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    // A failing delivery's error names no URL.
    let (s, dead) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "webhook", "name": "dead",
                "url": "http://127.0.0.1:9/hook/other-token-55555"})),
        )
        .await;
    assert_eq!(s, 201, "{dead}");
    let dead = dead["id"].as_str().unwrap().to_string();
    // The test answers with its first attempt's result, in plain words, without the URL.
    let (s, r) = app
        .api("POST", &format!("/api/v1/channels/{dead}/test"), None)
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "failed", "{r}");
    assert_eq!(r["results"][0]["state"], "retrying", "{r}");
    let err = r["error"].as_str().unwrap();
    assert!(
        err.contains("onnect") && !err.contains("other-token"),
        "{err}"
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (_, d) = app
            .api_with(
                &app.read_only_key,
                "GET",
                &format!("/api/v1/channels/{dead}/deliveries"),
                None,
            )
            .await;
        if let Some(first) = d["deliveries"].as_array().and_then(|a| a.first()) {
            let text = first.to_string();
            assert!(!text.contains("other-token"), "{text}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no delivery attempt recorded"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, list) = app.api("GET", "/api/v1/channels", None).await;
    let health: Vec<_> = list["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["health"].clone())
        .collect();
    assert_eq!(health, vec![json!("ok"), json!("failing")], "{list}");
    app.stop().await;
}
both!(channel_secrets_are_masked_and_kept, channel_secrets);

/// A read-only key (or a viewer) reads monitors by their public reference and never
/// sees a ping code: not in monitors, runs, chains, problems, stats or the live view.
/// Read-write keys see `uuid` and `ping_url`; both the reference and the UUID name the
/// monitor in API paths.
async fn no_ping_codes_for_readers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app
        .monitor(json!({"name": "secret", "slug": "secret", "period": "1h"}))
        .await;
    let other = app
        .monitor(json!({"name": "after", "schedule": "none",
            "after": {"monitor": "secret", "within": "1h"}}))
        .await;
    let rid = uuid::Uuid::new_v4();
    assert_eq!(app.ping(&format!("{code}/start?rid={rid}")).await, 200);
    let (s, _) = app
        .post_ping(
            &format!("{code}/problems?rid={rid}"),
            r#"{"key": "k:1", "message": "bad"}"#,
            true,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.ping(&format!("{code}?rid={rid}")).await, 200);
    let (s, _) = app
        .api(
            "POST",
            "/api/v1/chains",
            Some(json!({"name": "pipe", "members": ["secret", other], "within": "1h"})),
        )
        .await;
    assert_eq!(s, 201);
    let public = overdue_core::PublicRef::of(&code).to_string();

    let (s, list) = app
        .api_with(&app.read_only_key, "GET", "/api/v1/monitors", None)
        .await;
    assert_eq!(s, 200);
    let m = list["monitors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "secret")
        .unwrap()
        .clone();
    assert_eq!(m["id"], public.as_str());
    assert!(
        m.get("uuid").is_none() && m.get("ping_url").is_none(),
        "{m}"
    );
    let run = app.last_run(&code).await;
    let run_id = run["id"].as_i64().unwrap();
    for path in [
        "/api/v1/monitors".to_string(),
        format!("/api/v1/monitors/{public}"),
        format!("/api/v1/monitors/{public}/runs"),
        format!("/api/v1/monitors/{public}/pings"),
        format!("/api/v1/monitors/{public}/flips"),
        format!("/api/v1/runs/{run_id}"),
        "/api/v1/chains".to_string(),
        "/api/v1/problems".to_string(),
        format!("/api/v1/problems?monitor={public}"),
        "/api/v1/problems/stats".to_string(),
    ] {
        let (s, v) = app.api_with(&app.read_only_key, "GET", &path, None).await;
        assert_eq!(s, 200, "{path}: {v}");
        let text = v.to_string();
        assert!(
            !text.contains(&code) && !text.contains(&other),
            "{path} shows a ping code: {text}"
        );
    }
    // The reference is no ping URL.
    let (s, _) = app.post_ping(&format!("{public}/fail"), "", false).await;
    assert_eq!(s, 404);
    // Writers see the code, and both names work in paths.
    let (s, w) = app
        .api("GET", &format!("/api/v1/monitors/{public}"), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(w["uuid"], code.as_str());
    assert!(w["ping_url"].as_str().unwrap().ends_with(&code));
    let (s, w) = app
        .api("GET", &format!("/api/v1/monitors/{code}"), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(w["id"], public.as_str());
    // The v3 mirror's unique_key is the same reference.
    let (_, v3) = app
        .api_with(&app.read_only_key, "GET", "/api/v3/checks/", None)
        .await;
    let keys: Vec<_> = v3["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["unique_key"].clone())
        .collect();
    assert!(keys.contains(&json!(public)), "{keys:?}");
    app.stop().await;
}
both!(readers_never_see_ping_codes, no_ping_codes_for_readers);
