//! NUL and other control characters (issue 27): configuration refuses them with a 400
//! naming the field; signals (problem keys and messages, a run's fail body, progress
//! messages) are stored with U+FFFD instead and answered 2xx, the replaced field named
//! in `Overdue-Replaced`. No 5xx on either database (PostgreSQL stores no NUL in text).

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};

async fn controls(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.monitor(json!({"name": "ok", "period": "1h"})).await;
    let channel = app.webhook("http://127.0.0.1:9/h").await;
    let nul = "bad\u{0}name";
    let cases: Vec<(&str, String, Value, &str)> = vec![
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": nul}),
            "name",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": "a\r\nb"}),
            "name",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": "inv\u{202E}fdp.exe"}),
            "name",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": ""}),
            "name",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": "   "}),
            "name",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": null}),
            "name",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": "x", "tags": ["a\u{0}"]}),
            "tags",
        ),
        (
            "POST",
            "/api/v1/monitors".into(),
            json!({"name": "x", "description": "d\u{0}"}),
            "description",
        ),
        (
            "PATCH",
            format!("/api/v1/monitors/{id}"),
            json!({"name": nul}),
            "name",
        ),
        (
            "POST",
            "/api/v3/checks/".into(),
            json!({"name": nul}),
            "name",
        ),
        (
            "POST",
            "/api/v3/checks/".into(),
            json!({"name": null}),
            "name",
        ),
        (
            "POST",
            "/api/v1/channels".into(),
            json!({"kind": "webhook", "name": nul, "url": "http://127.0.0.1:9/"}),
            "name",
        ),
        (
            "POST",
            "/api/v1/routes".into(),
            json!({"name": nul, "channels": [channel]}),
            "name",
        ),
        (
            "POST",
            "/api/v1/routes".into(),
            json!({"name": "r", "channels": [channel], "match": {"tags": ["t\u{0}"]}}),
            "match.tags",
        ),
        (
            "POST",
            "/api/v1/silences".into(),
            json!({"match": {"tags": ["x"]}, "for": "1h", "comment": "c\u{0}"}),
            "comment",
        ),
        (
            "POST",
            "/api/v1/chains".into(),
            json!({"name": nul, "members": [id.clone(), id.clone()]}),
            "name",
        ),
        (
            "POST",
            "/api/v1/flows".into(),
            json!({"name": nul, "stages": [{"name": "placed", "sla": "1h"}]}),
            "name",
        ),
        (
            "POST",
            "/api/v1/flows".into(),
            json!({"name": "f", "tags": "a\u{0}b", "stages": [{"name": "placed", "sla": "1h"}]}),
            "tags",
        ),
        ("POST", "/api/v1/keys".into(), json!({"name": nul}), "name"),
    ];
    for (method, path, body, field) in &cases {
        let (s, b) = app.api(method, path, Some(body.clone())).await;
        assert_eq!(s, 400, "{method} {path} {body}: {b}");
        let msg = b["error"].as_str().unwrap_or_default();
        assert!(
            msg.contains(field),
            "{method} {path}: {msg:?} lacks {field:?}"
        );
    }
    let (_, list) = app.api("GET", "/api/v1/monitors", None).await;
    assert_eq!(
        list["monitors"].as_array().unwrap().len(),
        1,
        "nothing half-written"
    );

    // Signals: stored, the characters replaced, the field named.
    let r = app
        .http
        .post(app.url(&format!("/ping/{id}/problems")))
        .header("Content-Type", "application/json")
        .body(r#"[{"key": "inv\u0000oice:1", "message": "VAT\u0000 missing"}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()
            .get("overdue-replaced")
            .and_then(|v| v.to_str().ok()),
        Some("key, message")
    );
    let (_, problems) = app.api("GET", "/api/v1/problems", None).await;
    let p = &problems["problems"][0];
    assert_eq!(p["key"], "inv\u{FFFD}oice:1", "{problems}");
    assert_eq!(p["message"], "VAT\u{FFFD} missing");
    let r = app
        .http
        .post(app.url(&format!("/ping/{id}/resolve")))
        .header("Content-Type", "application/json")
        .body(r#"["inv\u0000oice:1"]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the same key resolves it");

    assert_eq!(app.ping(&format!("{id}/start")).await, 200);
    let s = app
        .http
        .post(app.url(&format!(
            "/ping/{id}/progress?done=1&total=2&msg=half%00way"
        )))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s, 200);
    let r = app
        .http
        .post(app.url(&format!("/ping/{id}/fail")))
        .body("rsync error\u{0}: code 23")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, runs) = app
        .api("GET", &format!("/api/v1/monitors/{id}/runs"), None)
        .await;
    assert_eq!(runs["runs"][0]["outcome"], "fail", "{runs}");
    assert_eq!(
        runs["runs"][0]["progress"]["msg"], "half\u{FFFD}way",
        "{runs}"
    );
    let run = runs["runs"][0]["id"].as_i64().unwrap();
    let (s, one) = app.api("GET", &format!("/api/v1/runs/{run}"), None).await;
    assert_eq!(s, 200, "{one}");
    assert!(
        one["end_body"]
            .as_str()
            .is_some_and(|b| b.starts_with("rsync error")),
        "{one}"
    );
    app.stop().await;
}
both!(
    control_characters_refused_in_names_replaced_in_signals,
    controls
);
