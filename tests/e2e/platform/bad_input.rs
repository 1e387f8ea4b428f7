//! Bad input: every 4xx says what to fix; nothing panics, nothing answers 500, nothing
//! is half-written.

use serde_json::json;

use crate::both;
use crate::harness::{Backend, TestApp};

async fn refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.monitor(json!({"name": "ok"})).await;
    let unknown = uuid::Uuid::new_v4();
    // (method, path, body, status, a fragment the message must contain)
    let cases: Vec<(&str, String, serde_json::Value, u16, &str)> = vec![
        (
            "GET",
            format!("/api/v1/monitors/{unknown}"),
            json!(null),
            404,
            "monitor not found",
        ),
        (
            "GET",
            "/api/v1/monitors/not-a-uuid".into(),
            json!(null),
            400,
            "malformed monitor id",
        ),
        (
            "GET",
            "/api/v3/checks/not-a-uuid".into(),
            json!(null),
            400,
            "malformed check id",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": "x", "cron": "61 * * * *"}),
            400,
            "invalid cron expression",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": "x", "cron": "0 5 * * *", "tz": "Mars/Base"}),
            400,
            "invalid timezone",
        ),
        (
            "POST",
            "/api/v3/checks/".into(),
            json!({"name": "x", "schedule": "bogus"}),
            400,
            "invalid cron expression",
        ),
        (
            "POST",
            "/api/v3/checks/".into(),
            json!({"name": "x", "timeout": 0}),
            400,
            "period must be between 1 second and 365 days",
        ),
        (
            "POST",
            "/api/v3/checks/".into(),
            json!({"name": "x", "grace": 40000000}),
            400,
            "grace must be between",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": "x", "period": "5 parsecs"}),
            400,
            "invalid duration",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": "x", "period": 10, "cron": "* * * * *"}),
            400,
            "either period",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": "x", "slug": "Bad Slug"}),
            400,
            "slug",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": "x", "methods": "GET"}),
            400,
            "methods",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": 5}),
            400,
            "name: invalid type",
        ),
        (
            "POST",
            "/api/v3/checks/".into(),
            json!({"name": "x", "timeout": "soon"}),
            400,
            "timeout: invalid type",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": "x", "channels": [unknown.to_string()]}),
            400,
            "unknown channel",
        ),
        (
            "POST",
            "/api/v3/checks/".into(),
            json!({"name": "x", "channels": "nope"}),
            400,
            "invalid channel identifier",
        ),
        (
            "POST",
            "/api/v3/checks/".into(),
            json!({"name": "x", "unique": ["color"]}),
            400,
            "unique",
        ),
        (
            "POST",
            "/api/v1/channels".into(),
            json!({"kind": "carrier-pigeon", "name": "x"}),
            400,
            "unknown channel kind",
        ),
        (
            "POST",
            "/api/v1/channels".into(),
            json!({"kind": "webhook", "name": "x"}),
            400,
            "url is required",
        ),
        (
            "POST",
            "/api/v1/channels".into(),
            json!({"kind": "webhook", "name": "x", "url": "ftp://a"}),
            400,
            "http",
        ),
        (
            "POST",
            "/api/v1/channels".into(),
            json!({"kind": "webhook", "name": "x", "url": "http://a", "method": "BREW"}),
            400,
            "method",
        ),
        (
            "PATCH",
            format!("/api/v1/monitors/{id}"),
            json!({"grace": -5}),
            400,
            "grace",
        ),
        (
            "GET",
            format!("/api/v1/monitors/{id}/pings?limit=0"),
            json!(null),
            400,
            "limit",
        ),
        (
            "GET",
            format!("/api/v1/monitors/{id}/pings?limit=x"),
            json!(null),
            400,
            "invalid query",
        ),
        (
            "GET",
            "/api/v1/nothing".into(),
            json!(null),
            404,
            "no such endpoint",
        ),
    ];
    for (method, path, body, status, fragment) in &cases {
        let b = (!body.is_null()).then(|| body.clone());
        let (s, resp) = app.api(method, path, b).await;
        assert_eq!(s, *status, "{method} {path} {body}: {resp}");
        let msg = resp["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message: {resp}"));
        assert!(
            msg.contains(fragment),
            "{method} {path}: {msg:?} lacks {fragment:?}"
        );
    }
    // Broken JSON and oversize bodies.
    let (s, e) = app.api_raw("POST", "/api/v1/monitors", "{\"name\": ").await;
    assert_eq!(s, 400);
    assert!(e["error"].as_str().unwrap().contains("invalid JSON"), "{e}");
    let (s, e) = app
        .api_raw(
            "POST",
            "/api/v1/monitors",
            &format!("{{\"name\": \"{}\"}}", "x".repeat(300_000)),
        )
        .await;
    assert_eq!(s, 413, "as documented: {e}");
    assert!(e["error"].as_str().unwrap().contains("limit"), "{e}");
    let (s, _) = app
        .api_raw(
            "POST",
            "/api/v1/monitors",
            &format!("{{\"name\": \"{}\"}}", "x".repeat(300)),
        )
        .await;
    assert_eq!(s, 400, "names are capped at 200 characters");
    // Nothing was half-written: still exactly the one monitor, unchanged.
    let (_, list) = app.api("GET", "/api/v1/monitors", None).await;
    let list = list["monitors"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["grace"], 3_600);
    // A failed update that names a bad channel leaves the settings as they were.
    let (s, _) = app
        .api(
            "PATCH",
            &format!("/api/v1/monitors/{id}"),
            Some(json!({"grace": 10, "channels": ["nope"]})),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(app.get_monitor(&id).await["grace"], 3_600);
    // A second monitor with the same slug: 409.
    app.monitor(json!({"name": "a", "slug": "same"})).await;
    let (s, e) = app
        .api(
            "POST",
            "/api/v1/monitors",
            Some(json!({"name": "b", "slug": "same"})),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    // Webhooks to private addresses are refused unless allowed.
    app.stop().await;
}
both!(bad_input_is_refused, refused);

async fn private_webhooks(backend: Backend) {
    let url = crate::harness::fresh_database(backend);
    let app = TestApp::spawn_on(&url, |s| s.webhook_allow_private = false).await;
    for target in [
        "http://127.0.0.1:8080/x",
        "http://localhost/x",
        "http://10.0.0.1/x",
        "http://169.254.169.254/latest",
        "http://[::1]/x",
        // IPv4 inside IPv6: compatible, translated, NAT64, 6to4.
        "http://[::127.0.0.1]/x",
        "http://[::ffff:0:7f00:1]/x",
        "http://[64:ff9b::7f00:1]/x",
        "http://[64:ff9b::a9fe:a9fe]/latest",
        "http://[2002:7f00:1::1]/x",
    ] {
        // The webhook and every preset with a URL: one guard.
        for body in [
            json!({"kind": "webhook", "name": "x", "url": target}),
            json!({"kind": "slack", "name": "x", "url": target}),
            json!({"kind": "msteams", "name": "x", "url": target}),
            json!({"kind": "discord", "name": "x", "url": target}),
            json!({"kind": "mattermost", "name": "x", "url": target}),
            json!({"kind": "telegram", "name": "x", "bot_token": "1:a", "chat_id": 1, "url": target}),
            json!({"kind": "ntfy", "name": "x", "topic": "t", "url": target}),
            json!({"kind": "gotify", "name": "x", "token": "t", "url": target}),
            json!({"kind": "pushover", "name": "x", "user_key": "u", "app_token": "a", "url": target}),
            json!({"kind": "opsgenie", "name": "x", "api_key": "k", "url": target}),
            json!({"kind": "pagerduty", "name": "x", "routing_key": "k", "url": target}),
            json!({"kind": "sms", "name": "x", "to": "+15550100", "url": target}),
        ] {
            let (s, e) = app
                .api("POST", "/api/v1/channels", Some(body.clone()))
                .await;
            assert_eq!(s, 400, "{body}");
            assert!(
                e["error"]
                    .as_str()
                    .unwrap()
                    .contains("OVERDUE_WEBHOOK_ALLOW_PRIVATE"),
                "{body}: {e}"
            );
        }
    }
    app.stop().await;
}
both!(private_webhooks_refused, private_webhooks);

/// One parser per value: a rid is a canonical UUID (either case) on `/ping`, `/lock`
/// and `/problems` alike — another spelling is refused on all three; a slug follows the
/// API's rule on `?create=1` too (1-100 characters), so a ping cannot create what the
/// API would refuse.
async fn one_rule_per_value(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.monitor(json!({"name": "rids", "period": "1h"})).await;
    let rid = uuid::Uuid::new_v4();
    let simple = rid.simple().to_string();
    for path in [
        format!("{id}/start?rid={simple}"),
        format!("{id}/lock?ttl=60&rid={simple}"),
        format!("{id}/problems?rid={simple}"),
    ] {
        let (s, text) = app.post_ping(&path, r#"{"key": "k"}"#, false).await;
        assert_eq!(s, 400, "{path}: {text}");
        assert!(text.contains("rid must be a UUID"), "{path}: {text}");
    }
    let upper = rid.hyphenated().to_string().to_uppercase();
    let (s, text) = app
        .post_ping(&format!("{id}/start?rid={upper}"), "", false)
        .await;
    assert_eq!(s, 200, "{text}");
    let (s, text) = app.post_ping(&format!("{id}?rid={rid}"), "", false).await;
    assert_eq!(s, 200, "{text}");
    let m = app.get_monitor(&id).await;
    assert_eq!(m["status"], "up", "{m}");
    assert_eq!(
        m["state"], "up",
        "the lowercase rid ended the uppercase run: {m}"
    );
    let key = app.ping_key.clone();
    let long = "a".repeat(30_000);
    let (s, text) = app
        .post_ping(&format!("{key}/{long}?create=1"), "", false)
        .await;
    assert_eq!(s, 400, "{}", &text[..text.len().min(200)]);
    assert!(text.contains("1-100"), "{}", &text[..text.len().min(200)]);
    assert!(
        text.len() < 300,
        "the refusal does not echo 30,000 characters"
    );
    let (s, _) = app
        .post_ping(&format!("{key}/{}?create=1", "b".repeat(100)), "", false)
        .await;
    assert_eq!(s, 201);
    let (s, v) = app.api("GET", "/api/v1/monitors", None).await;
    assert_eq!(s, 200);
    assert_eq!(v["monitors"].as_array().map(Vec::len), Some(2), "{v}");
    app.stop().await;
}
both!(one_rule_per_value_on_every_path, one_rule_per_value);

/// `/api/v1` bodies refuse unknown fields, naming the field and the accepted ones (a
/// typo no longer answers 200 and drops the setting); wrong shapes name the accepted
/// shapes, never serde's internals. The v3 mirror ignores unknown fields, as
/// Healthchecks does.
async fn unknown_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.monitor(json!({"name": "strict", "period": "1h"})).await;
    let cases = [
        (
            json!({"name": "x", "grcae": "10m"}),
            "unknown field \"grcae\": the accepted fields are",
        ),
        (
            json!({"name": "x", "steps": [{"name": "a", "max_duration": "1m"}]}),
            "steps[0]: unknown field \"max_duration\"",
        ),
        (
            json!({"name": "x", "after": {"monitor": "strict", "wihtin": "1h"}}),
            "unknown field \"wihtin\"",
        ),
        (json!({"name": "x", "after": 5}), "give {\"monitor\""),
        (
            json!({"name": "x", "grace": true}),
            "grace: give whole seconds",
        ),
        (
            json!({"name": "x", "tags": {"a": 1}}),
            "tags: give a list of words",
        ),
    ];
    for (body, want) in cases {
        let (s, v) = app
            .api("POST", "/api/v1/monitors", Some(body.clone()))
            .await;
        assert_eq!(s, 400, "{body}: {v}");
        let msg = v["error"].as_str().unwrap_or_default();
        assert!(msg.contains(want), "{body}: {msg}");
        assert!(
            !msg.contains("untagged") && !msg.contains('`'),
            "{body}: {msg}"
        );
        let (s, v) = app
            .api(
                "PATCH",
                &format!("/api/v1/monitors/{id}"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, 400, "PATCH {body}: {v}");
    }
    let (s, v) = app.api("GET", "/api/v1/monitors", None).await;
    assert_eq!(s, 200);
    assert_eq!(
        v["monitors"].as_array().map(Vec::len),
        Some(1),
        "nothing was created: {v}"
    );
    // The v3 mirror keeps Healthchecks' leniency.
    let (s, v) = app
        .api(
            "POST",
            "/api/v3/checks/",
            Some(json!({"name": "lenient", "timeout": 60, "whatever": 1})),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    app.stop().await;
}
both!(unknown_fields_refused_on_v1, unknown_fields);
