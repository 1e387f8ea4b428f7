//! Flows (docs/behaviour.md, "Flows (entity SLAs)") on both databases against a real HTTP
//! receiver: a flow made through
//! the API, events by the curl URL and in batches, stage order moving entities (`at`
//! only stamps), a breach per entity and stage sent when its SLA passes and resolved
//! when it moves on, terminal stages final, bad definitions refused with a 400 naming
//! the field, events that cannot be read kept aside and answered 422.

pub(crate) mod amqp;
pub(crate) mod amqp_ha;
pub(crate) mod amqp_restart;
pub(crate) mod amqp_tenants;
pub(crate) mod amqp_topic;
pub(crate) mod clients;
pub(crate) mod envelopes;
pub(crate) mod export;
pub(crate) mod input;
pub(crate) mod mapping;
pub(crate) mod paging;

use std::time::Duration;

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, Receiver, TestApp};

async fn post_url(app: &TestApp, url: &str) -> (u16, Value) {
    let r = app.http.post(url).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn flows_breach_and_recover(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let (s, ch) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "webhook", "name": "ops", "url": format!("{}/ops", rx.url), "is_default": false})),
        )
        .await;
    assert_eq!(s, 201, "{ch}");
    let spec = json!({"name": "Orders", "stages": [{"name": "placed", "sla": 2},
                       {"name": "authorized", "sla": "1h", "severity": "critical"}],
                      "terminal": ["delivered", "cancelled"], "channels": [ch["id"]], "tags": "team:shop"});
    let (s, f) = app.api("POST", "/api/v1/flows", Some(spec.clone())).await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(f["slug"], "orders");
    assert_eq!(
        f["stages"][1],
        json!({"name": "authorized", "sla": 3600, "severity": "critical", "calendar": null, "aggregate": null, "p50": null, "p95": null, "p50_before": null, "p95_before": null, "entities": 0, "breached": 0})
    );
    let url = f["event_url"].as_str().unwrap().to_string();
    assert!(url.ends_with("/orders/<entity>/<stage>"), "{url}");
    let event =
        |entity: &str, stage: &str| url.replace("<entity>", entity).replace("<stage>", stage);
    // Bad definitions and events: a 400 that says what to fix.
    for (body, says) in [
        (
            json!({"name": "x", "stages": []}),
            "stages: give at least one stage",
        ),
        (
            json!({"name": "x", "stages": [{"name": "a", "sla": 0}]}),
            "stages[0].sla must be between 1 second",
        ),
        (
            json!({"name": "x", "stages": [{"name": "a", "sla": 5}], "terminal": ["a"]}),
            "stage \"a\" is named twice",
        ),
        (
            json!({"name": "x", "stages": [{"name": "a", "sla": 5, "sla_ms": 1}]}),
            "stages[0]: unknown field \"sla_ms\": the accepted fields are name, sla, severity",
        ),
    ] {
        let (s, e) = app.api("POST", "/api/v1/flows", Some(body)).await;
        assert_eq!(s, 400, "{e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{e}");
    }
    let (s, e) = app.api("POST", "/api/v1/flows", Some(spec)).await;
    assert_eq!(s, 409, "{e}");
    // Events that cannot be read are kept aside (never lost for their form) and
    // answered 422 in words; what could be read is stored.
    let (s, e) = post_url(&app, &event("1001", "lost")).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(
        e["problems"][0],
        "stage \"lost\" is not a stage of this flow; its stages are: placed, authorized, delivered, cancelled"
    );
    assert!(e["error"].as_str().unwrap().contains("kept aside"), "{e}");
    let (s, e) = post_url(
        &app,
        &format!("{}?at=2099-01-01T00:00:00Z", event("1001", "placed")),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert!(
        e["error"].as_str().unwrap().contains("in the future"),
        "{e}"
    );
    let (s, e) = post_url(&app, &event("1001", "placed").replace("/orders/", "/nope/")).await;
    assert_eq!(s, 404, "{e}");
    let (s, e) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(json!([{"entity": "9", "stage": "delivered"}, {"entity": "9", "stage": "weird"}])),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(
        (e["stored"].clone(), e["kept_aside"].clone()),
        (json!(1), json!(1)),
        "{e}"
    );
    assert!(
        e["problems"][0]
            .as_str()
            .unwrap()
            .starts_with("events[1]: stage \"weird\""),
        "{e}"
    );
    let (s, nine) = app
        .api("GET", "/api/v1/flows/orders/entities/9", None)
        .await;
    assert_eq!(
        (s, nine["stage"].clone()),
        (200, json!("delivered")),
        "the readable event was stored: {nine}"
    );
    let (_, aside) = app.api("GET", "/api/v1/kept-aside?flow=orders", None).await;
    assert_eq!(aside["count"], 3, "{aside}");
    assert_eq!(
        aside["items"][0]["raw"],
        json!({"entity": "9", "stage": "weird"}).to_string()
    );
    assert_eq!(aside["items"][0]["flow"], "orders");
    assert!(
        aside["items"][2]["raw"]
            .as_str()
            .unwrap()
            .ends_with("/orders/1001/lost"),
        "{aside}"
    );
    let many: Vec<Value> = (0..10_001)
        .map(|i| json!({"entity": i.to_string(), "stage": "placed"}))
        .collect();
    let (s, e) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(Value::Array(many)),
        )
        .await;
    assert_eq!(s, 413, "{e}");

    // Events: by the URL and in a batch.
    let (s, r) = post_url(&app, &event("1001", "placed")).await;
    assert_eq!((s, r), (200, json!({"stored": 1, "applied": true})));
    let (s, r) = app
        .api("POST", "/api/v1/flows/orders/events",
             Some(json!([{"entity": "1002", "stage": "placed"}, {"entity": "1003", "stage": "authorized"},
                         {"entity": "1003", "stage": "placed"}])))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        r,
        json!({"stored": 3, "applied": 2}),
        "an earlier stage does not move it back"
    );
    // Two breaches in placed after 2 s; 1003 has an hour in authorized.
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 2)
        .await;
    let mut keys: Vec<String> = Vec::new();
    for r in &got {
        let j = r.json();
        assert_eq!(j["event"], "flow.breached", "{j}");
        assert_eq!(j["monitor"]["name"], "Orders");
        assert_eq!(j["monitor"]["tags"], json!(["team:shop"]));
        assert_eq!(j["alert"]["transition"], "trigger");
        let item = &j["problems"]["items"][0];
        let key = item["key"].as_str().unwrap().to_string();
        let entity = key.split(' ').next().unwrap().to_string();
        assert!(
            item["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{entity} stuck in placed for ")),
            "{j}"
        );
        assert_eq!(item["severity"], "error");
        keys.push(key);
    }
    keys.sort();
    assert_eq!(keys, ["1001 in placed", "1002 in placed"]);
    let (_, open) = app.api("GET", "/api/v1/alerts?status=open", None).await;
    let open = open["alerts"].as_array().unwrap().clone();
    assert_eq!(open.len(), 2, "{open:?}");
    assert!(
        open.iter()
            .all(|a| a["kind"] == "flow" && a["flow"] == f["id"]),
        "{open:?}"
    );
    assert!(
        open.iter().any(|a| a["summary"]
            .as_str()
            .unwrap()
            .starts_with("Orders: 1001 stuck in placed for")),
        "{open:?}"
    );
    let (_, now) = app.api("GET", "/api/v1/flows/orders", None).await;
    assert_eq!(
        (
            now["stages"][0]["entities"].clone(),
            now["stages"][0]["breached"].clone()
        ),
        (json!(2), json!(2))
    );
    assert_eq!(now["stages"][1]["entities"], 1);

    // 1001 moves on: its breach resolves. 1002 is cancelled: final.
    let (s, _) = post_url(&app, &event("1001", "authorized")).await;
    assert_eq!(s, 200);
    let (s, _) = post_url(&app, &event("1002", "cancelled")).await;
    assert_eq!(s, 200);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 4)
        .await;
    let recovered: Vec<Value> = got[2..].iter().map(|r| r.json()).collect();
    for j in &recovered {
        assert_eq!(j["event"], "flow.recovered", "{j}");
        assert_eq!(j["alert"]["transition"], "resolve");
    }
    let (s, r) = post_url(&app, &event("1002", "authorized")).await;
    assert_eq!(
        (s, r),
        (200, json!({"stored": 1, "applied": false})),
        "a terminal stage is final"
    );
    let (s, e) = app
        .api("GET", "/api/v1/flows/orders/entities/1002", None)
        .await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["stage"], "cancelled");
    assert!(e["finished_at"].is_string());
    let stages: Vec<&str> = e["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["placed", "cancelled", "authorized"]);
    let (_, open) = app.api("GET", "/api/v1/alerts?status=open", None).await;
    assert_eq!(open["alerts"], json!([]));

    // A changed SLA applies to entities entering from then on; delete removes it all.
    let (s, p) = app
        .api("PATCH", "/api/v1/flows/orders", Some(json!({"stages": [{"name": "placed", "sla": "1h"}, {"name": "authorized", "sla": "2h"}]})))
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["stages"][1]["sla"], 7200);
    assert_eq!(p["terminal"], json!(["delivered", "cancelled"]));
    let (s, _) = app.api("DELETE", "/api/v1/flows/orders", None).await;
    assert_eq!(s, 204);
    let (s, _) = app.api("GET", "/api/v1/flows/orders", None).await;
    assert_eq!(s, 404);
    app.stop().await;
}
both!(flows_breach_and_recover, flows_breach_and_recover);

/// A stage whose SLA counts a business calendar's working time: today a holiday, so an
/// hour's SLA from now ends at 01:00 tomorrow; bad calendars and unknown names refused;
/// a calendar in use cannot be deleted.
async fn business_calendars(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let at = chrono::Utc::now() - chrono::Duration::minutes(1);
    let today = at.format("%Y-%m-%d").to_string();
    let all_day: serde_json::Map<String, Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| (d.to_string(), json!(["00:00-24:00"])))
        .collect();
    let cal = json!({"tz": "UTC", "hours": all_day, "holidays": [today]});
    let mut named = cal.clone();
    named["name"] = json!("office");
    let (s, c) = app
        .api("POST", "/api/v1/calendars", Some(named.clone()))
        .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["holidays"], json!([today]));
    let (s, e) = app.api("POST", "/api/v1/calendars", Some(named)).await;
    assert_eq!(s, 409, "{e}");
    let (s, _) = app.api("PUT", "/api/v1/calendars/office", Some(cal)).await;
    assert_eq!(s, 200, "replaced");
    let other = json!({"tz": "UTC", "hours": {"mon": ["08:00-18:00"]}});
    let (s, _) = app.api("PUT", "/api/v1/calendars/other", Some(other)).await;
    assert_eq!(s, 404, "PUT replaces; POST creates");
    for (body, says) in [
        (
            json!({"tz": "Mars/Base", "hours": {"mon": ["08:00-18:00"]}}),
            "tz: \"Mars/Base\" is not an IANA time zone",
        ),
        (
            json!({"tz": "UTC", "hours": {"mon": ["18:00-08:00"]}}),
            "hours.mon: \"18:00-08:00\" is not a span",
        ),
        (
            json!({"tz": "UTC", "hours": {}}),
            "hours: give at least one working span",
        ),
        (
            json!({"tz": "UTC", "hours": {"mon": ["08:00-18:00"]}, "holidays": ["24.12."]}),
            "holidays: \"24.12.\" is not a date",
        ),
    ] {
        let mut body = body;
        body["name"] = json!("bad");
        let (s, e) = app.api("POST", "/api/v1/calendars", Some(body)).await;
        assert_eq!(s, 400, "{e}");
        assert!(e["error"].as_str().unwrap().starts_with(says), "{e}");
    }
    let (s, e) = app
        .api("POST", "/api/v1/flows", Some(json!({"name": "tickets", "stages": [{"name": "open", "sla": "1h", "calendar": "nope"}]})))
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .starts_with("stages[0].calendar: no calendar \"nope\""),
        "{e}"
    );
    let (s, f) = app
        .api("POST", "/api/v1/flows", Some(json!({"name": "tickets", "stages": [{"name": "open", "sla": "1h", "calendar": "office"}]})))
        .await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(f["stages"][0]["calendar"], "office");
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/flows/tickets/events",
            Some(json!([{"entity": "t1", "stage": "open", "at": at.to_rfc3339()}])),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let (_, e) = app
        .api("GET", "/api/v1/flows/tickets/entities/t1", None)
        .await;
    let tomorrow = (at + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(e["due_at"], format!("{tomorrow}T01:00:00+00:00"), "{e}");
    let (s, e) = app.api("DELETE", "/api/v1/calendars/office", None).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(
        e["error"],
        "calendar \"office\" is used by flow \"tickets\"; change its stages first"
    );
    let (_, list) = app.api("GET", "/api/v1/calendars", None).await;
    assert_eq!(list["calendars"][0]["name"], "office");
    app.stop().await;
}
both!(business_calendars, business_calendars);

/// A stage's aggregate: more than 2 breaches within a minute make one alert for the
/// stage and silence the single ones; time in stage is reported as p50/p95; the
/// aggregate resolves after a whole minute under its threshold (a test clock).
async fn stage_aggregates(backend: Backend) {
    let (app, shift) = TestApp::spawn_shifted(backend).await;
    let rx = Receiver::start().await;
    let (s, ch) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "webhook", "name": "ops", "url": format!("{}/ops", rx.url), "is_default": false})),
        )
        .await;
    assert_eq!(s, 201, "{ch}");
    let (s, f) = app
        .api(
            "POST",
            "/api/v1/flows",
            Some(json!({"name": "bulk", "channels": [ch["id"]], "stages": [
                {"name": "placed", "sla": 1, "aggregate": {"count": 2, "window": "1m"}},
                {"name": "packed", "sla": "1h"}]})),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(
        f["stages"][0]["aggregate"],
        json!({"count": 2, "percent": null, "window": 60})
    );
    let (s, e) = app
        .api("POST", "/api/v1/flows", Some(json!({"name": "x", "stages": [{"name": "a", "sla": 1, "aggregate": {"window": "1m"}}]})))
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .starts_with("stages[0].aggregate: give count"),
        "{e}"
    );
    let batch: Vec<Value> = (1..=4)
        .map(|i| json!({"entity": format!("b{i}"), "stage": "placed"}))
        .collect();
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/flows/bulk/events",
            Some(Value::Array(batch)),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    rx.wait_for(Duration::from_secs(10), |all| all.len() >= 3)
        .await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let got: Vec<Value> = rx.all().iter().map(|r| r.json()).collect();
    assert_eq!(
        got.len(),
        3,
        "two singles, then the aggregate speaks for the rest: {got:?}"
    );
    let keys: Vec<&str> = got
        .iter()
        .map(|j| j["problems"]["items"][0]["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys[2], "placed (aggregate)", "{keys:?}");
    assert_eq!(
        got[2]["problems"]["items"][0]["message"],
        "3 breached in placed in the last 1m (more than 2 in 1m)"
    );
    let (_, open) = app.api("GET", "/api/v1/alerts?status=open", None).await;
    assert_eq!(
        open["alerts"].as_array().unwrap().len(),
        5,
        "the singles stay listed"
    );
    // They move on: the two that were sent resolve aloud, the silent two quietly.
    let batch: Vec<Value> = (1..=4)
        .map(|i| json!({"entity": format!("b{i}"), "stage": "packed"}))
        .collect();
    let (s, _) = app
        .api(
            "POST",
            "/api/v1/flows/bulk/events",
            Some(Value::Array(batch)),
        )
        .await;
    assert_eq!(s, 200);
    rx.wait_for(Duration::from_secs(10), |all| all.len() >= 5)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        rx.all().len(),
        5,
        "{:?}",
        rx.all().iter().map(|r| r.json()).collect::<Vec<_>>()
    );
    let (_, f) = app.api("GET", "/api/v1/flows/bulk", None).await;
    let p50 = f["stages"][0]["p50"].as_i64().unwrap();
    assert!((1..=4).contains(&p50), "{f}");
    assert!(f["stages"][0]["p95"].as_i64().unwrap() >= p50);
    assert_eq!(f["stages"][1]["entities"], 4);
    // A whole window under the threshold (the clock moved on): the aggregate resolves.
    let step = |ms: i64| shift.fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    step(120_000);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    step(120_000);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 6)
        .await;
    let last = got[5].json();
    assert_eq!(last["event"], "flow.recovered", "{last}");
    assert_eq!(last["problems"]["items"][0]["key"], "placed (aggregate)");
    // A day later the times become the day before's: the trend.
    step(25 * 3_600_000);
    let (_, g) = app.api("GET", "/api/v1/flows/bulk", None).await;
    assert_eq!(g["stages"][0]["p50"], Value::Null, "{g}");
    assert_eq!(g["stages"][0]["p50_before"], p50, "{g}");
    app.stop().await;
}
both!(stage_aggregates, stage_aggregates);
