//! Bad input on every flow endpoint (docs/behaviour.md, "Flows (entity SLAs)"), on both
//! databases: a 4xx that says
//! what to fix in plain words (never serde's backticks), and nothing written — except
//! events, which are signals: what cannot be read is kept aside and answered 422.

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};

async fn flow_input_refused_in_words(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let spec = json!({"name": "orders", "stages": [{"name": "placed", "sla": "1h"}], "terminal": ["done"]});
    let (s, f) = app.api("POST", "/api/v1/flows", Some(spec)).await;
    assert_eq!(s, 201, "{f}");
    let (s, _) = app
        .api(
            "POST",
            "/api/v1/flows",
            Some(json!({"name": "other", "stages": [{"name": "a", "sla": 60}]})),
        )
        .await;
    assert_eq!(s, 201);
    let check = |s: u16, v: &Value, want_status: u16, want: &str, what: &str| {
        assert_eq!(s, want_status, "{what}: {v}");
        let msg = v["error"].as_str().unwrap_or_default();
        assert!(msg.contains(want), "{what}: {msg}");
        assert!(!msg.contains('`'), "{what}: {msg}");
    };
    for (body, want) in [
        (json!({"name": "x", "stages": {"name": "a"}}), "stages"),
        (
            json!({"name": "x", "stages": [{"name": "a", "sla": true}]}),
            "stages[0].sla",
        ),
        (
            json!({"name": "x", "stages": [{"name": "a", "sla": "1h"}], "terminal": "done"}),
            "terminal",
        ),
        (
            json!({"name": "x", "stages": [{"name": "a", "sla": "soon"}]}),
            "invalid duration \"soon\"",
        ),
        (
            json!({"name": "x", "stages": [{"name": "a", "sla": 60, "severity": "fatal"}]}),
            "stages[0].severity must be one of",
        ),
        (
            json!({"name": "x", "stages": [{"name": "a", "sla": 60, "aggregate": {"count": 5, "window": "10s"}}]}),
            "between 1 minute and 1 day",
        ),
        (
            json!({"name": "", "stages": [{"name": "a", "sla": 60}]}),
            "name must be 1-200 characters",
        ),
        (
            json!({"name": "x", "stages": [{"name": "a", "sla": 60}], "colour": "red"}),
            "unknown field \"colour\"",
        ),
    ] {
        let (s, v) = app.api("POST", "/api/v1/flows", Some(body.clone())).await;
        check(s, &v, 400, want, &body.to_string());
    }
    let (s, v) = app
        .api("PATCH", "/api/v1/flows/orders", Some(json!({"stgaes": []})))
        .await;
    check(s, &v, 400, "unknown field \"stgaes\"", "PATCH typo");
    let (s, v) = app
        .api(
            "PATCH",
            "/api/v1/flows/orders",
            Some(json!({"name": "Other"})),
        )
        .await;
    check(
        s,
        &v,
        409,
        "a flow with slug \"other\" already exists",
        "PATCH onto another's slug",
    );
    let (s, v) = app.api("GET", "/api/v1/flows/nope", None).await;
    check(s, &v, 404, "flow not found", "unknown flow");
    // Events.
    let raw = app
        .http
        .post(app.url("/api/v1/flows/orders/events"))
        .header("X-Api-Key", &app.api_key)
        .header("Content-Type", "application/json")
        .body("[{\"entity\": ")
        .send()
        .await
        .unwrap();
    // Events that cannot be read are kept aside and answered 422 in words.
    assert_eq!(raw.status(), 422);
    let v: Value = raw.json().await.unwrap();
    check(422, &v, 422, "the body is not JSON", "broken JSON");
    for (body, want) in [
        (
            json!([{"entity": true, "stage": "placed"}]),
            "events[0]: entity: true is not an id",
        ),
        (
            json!([{"entity": "1", "stage": "placed", "at": "yesterday"}]),
            "events[0]: at must be a time in RFC 3339 (e.g. 2026-01-01T10:00:00Z), got \"yesterday\"",
        ),
        (json!([{"entity": "1"}]), "events[0]: stage is missing"),
        (
            json!([{"entity": "a/b", "stage": "placed"}]),
            "entity \"a/b\" must be 1-128",
        ),
        (
            json!([{"entity": "x".repeat(129), "stage": "placed"}]),
            "must be 1-128",
        ),
        (json!("placed"), "send an event or a list of events"),
    ] {
        let (s, v) = app
            .api("POST", "/api/v1/flows/orders/events", Some(body.clone()))
            .await;
        check(s, &v, 422, want, &body.to_string());
    }
    let (s, v) = app
        .api("POST", "/api/v1/flows/nope/events", Some(json!([])))
        .await;
    check(s, &v, 404, "flow not found", "events of an unknown flow");
    let r = app
        .http
        .post(app.url(&format!("/flow/{}/orders/1/placed?at=noon", app.ping_key)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    check(422, &v, 422, "at must be a time in RFC 3339", "?at=noon");
    let r = app
        .http
        .delete(app.url(&format!("/flow/{}/orders/1/placed", app.ping_key)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405, "DELETE is not an event");
    let r = app
        .http
        .post(app.url("/flow/wrongkey/orders/1/placed"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "an unknown ping key finds no flow");
    let (s, v) = app
        .api("GET", "/api/v1/flows/orders/entities/1", None)
        .await;
    check(
        s,
        &v,
        404,
        "no such entity in this flow",
        "nothing was stored",
    );
    // Calendars.
    for (body, want) in [
        (json!({"name": "c", "tz": "UTC", "hours": ["mon"]}), "hours"),
        (
            json!({"name": "c", "tz": "UTC", "hours": {"mon": "08:00-18:00"}}),
            "hours.mon",
        ),
        (
            json!({"name": "c c", "tz": "UTC", "hours": {"mon": ["08:00-18:00"]}}),
            "calendar name \"c c\" must be",
        ),
        (
            json!({"tz": "UTC", "hours": {"mon": ["08:00-18:00"]}}),
            "missing field \"name\"",
        ),
    ] {
        let (s, v) = app
            .api("POST", "/api/v1/calendars", Some(body.clone()))
            .await;
        check(s, &v, 400, want, &body.to_string());
    }
    let (_, list) = app.api("GET", "/api/v1/calendars", None).await;
    assert_eq!(list["calendars"], json!([]), "nothing was created");
    app.stop().await;
}
both!(flow_input_refused_in_words, flow_input_refused_in_words);
