//! Problems (docs/behaviour.md, "Problems (per-unit errors)"): failing units reported by a
//! batch, one open problem per key,
//! repeats counted and not notified again, escalation, resolution by the next run, by
//! `/resolve`, by time and by hand, rejoin within 24 h, reopen after, the cap, the API
//! and bad input. Both databases, a real receiver.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, Receiver, TestApp};

/// POSTs `body` to `/ping/<path>` and returns the status and the JSON answer.
async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    post_raw(app, path, body.to_string()).await
}

async fn post_raw(app: &TestApp, path: &str, body: String) -> (u16, Value) {
    let r = app
        .http
        .post(app.url(&format!("/ping/{path}")))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The monitor's problems (`status` open, resolved or all), keyed by key.
async fn problems(app: &TestApp, monitor: &str, status: &str) -> Vec<Value> {
    let (s, list) = app
        .api(
            "GET",
            &format!("/api/v1/problems?monitor={monitor}&status={status}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{list}");
    list["problems"].as_array().unwrap().clone()
}

fn find<'a>(list: &'a [Value], key: &str) -> &'a Value {
    list.iter()
        .find(|p| p["key"] == key)
        .unwrap_or_else(|| panic!("no problem {key} in {list:?}"))
}

async fn settle(rx: &Receiver) {
    // Notifications leave within a second; wait a little longer to see none more.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let _ = rx;
}

async fn lifecycle(backend: Backend) {
    let (app, rx, ch) = TestApp::spawn_with_receiver(backend).await;
    let m = app
        .monitor(json!({"name": "shop-sync", "period": "1h", "channels": [ch]}))
        .await;
    assert_eq!(app.ping(&format!("{m}/start")).await, 200);
    let (s, r) = post(
        &app,
        &format!("{m}/problems"),
        json!([
            {"key": "invoice:1", "severity": "error", "message": "VAT id missing",
             "details": {"customer": 7}},
            {"key": "invoice:2", "message": "unknown currency XYZ"},
            {"key": "invoice:3", "severity": "warning", "message": "rounded"},
        ]),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (r["opened"].clone(), r["open"].clone()),
        (json!(3), json!(3))
    );
    // One notification for the batch, naming the two that notify (warnings do not).
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&m, "problem.opened").is_empty()
    })
    .await;
    let ev = rx.events(&m, "problem.opened")[0].json();
    assert_eq!(ev["problems"]["count"], 2, "{ev}");
    let text = ev["text"].as_str().unwrap();
    assert!(
        text.starts_with("2 new problems in shop-sync: invoice:1 (error: VAT id missing)"),
        "{text}"
    );
    // The same units again: counted, no new mail; a rise to critical escalates.
    let (_, r) = post(&app, &format!("{m}/problems"), json!({"key": "invoice:1"})).await;
    assert_eq!(
        (r["repeated"].clone(), r["escalated"].clone()),
        (json!(1), json!(0))
    );
    let (_, r) = post(
        &app,
        &format!("{m}/problems"),
        json!({"key": "invoice:1", "severity": "critical", "message": "VAT id still missing"}),
    )
    .await;
    assert_eq!(r["escalated"], 1, "{r}");
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&m, "problem.escalated").is_empty()
    })
    .await;
    // The escalation message is about the alert, which took the new severity.
    let esc = rx.events(&m, "problem.escalated")[0].json();
    assert_eq!(esc["alert"]["transition"], "escalate");
    assert_eq!(esc["alert"]["severity"], "critical");
    let open = problems(&app, &m, "open").await;
    assert_eq!(open.len(), 3);
    // The run that reported them lists them (its only open run: no rid needed).
    let run = app.last_run(&m).await;
    let (_, one_run) = app
        .api("GET", &format!("/api/v1/runs/{}", run["id"]), None)
        .await;
    assert_eq!(
        one_run["problems"].as_array().unwrap().len(),
        3,
        "{one_run}"
    );
    let one = find(&open, "invoice:1");
    assert_eq!(
        (one["count"].clone(), one["severity"].clone()),
        (json!(3), json!("critical"))
    );
    assert_eq!(
        one["details"]["customer"], 7,
        "details kept when a repeat has none"
    );
    assert_eq!(app.get_monitor(&m).await["open_problems"], 3);
    // The run that reported them ends: nothing resolves (all seen during it).
    assert_eq!(app.ping(&m).await, 200);
    assert_eq!(problems(&app, &m, "open").await.len(), 3);
    // The next run reports invoice:2 only: 1 and 3 went through.
    assert_eq!(app.ping(&format!("{m}/start")).await, 200);
    post(&app, &format!("{m}/problems"), json!({"key": "invoice:2"})).await;
    assert_eq!(app.ping(&m).await, 200);
    let open = problems(&app, &m, "open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["key"], "invoice:2");
    let resolved = problems(&app, &m, "resolved").await;
    assert_eq!(find(&resolved, "invoice:1")["resolved_by"], "run");
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&m, "problem.resolved").is_empty()
    })
    .await;
    let ev = rx.events(&m, "problem.resolved")[0].json();
    // invoice:3 (a warning) never notified, so its resolution does not either.
    assert_eq!(ev["problems"]["count"], 1, "{ev}");
    assert_eq!(ev["problems"]["items"][0]["key"], "invoice:1");
    // Explicit resolution; unknown keys are named.
    let (s, r) = post(
        &app,
        &format!("{m}/resolve"),
        json!(["invoice:2", "invoice:9"]),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(r, json!({"resolved": 1, "not_open": ["invoice:9"]}));
    rx.wait_for(Duration::from_secs(10), |_| {
        rx.events(&m, "problem.resolved").len() == 2
    })
    .await;
    // Reported again within 24 h: the old occurrence opens again, quietly.
    let old_id = find(&resolved, "invoice:1")["id"].clone();
    let (_, r) = post(
        &app,
        &format!("{m}/problems"),
        json!({"key": "invoice:1", "severity": "critical"}),
    )
    .await;
    assert_eq!(r["rejoined"], 1, "{r}");
    let open = problems(&app, &m, "open").await;
    assert_eq!(find(&open, "invoice:1")["id"], old_id);
    // Resolved more than 24 h ago: a new occurrence, linked to the old, notified.
    let two = find(&problems(&app, &m, "resolved").await, "invoice:2")["id"]
        .as_i64()
        .unwrap();
    let day_ago = app.store.now().millis() - 25 * 3_600_000;
    app.store
        .write(move |tx| {
            use diesel::prelude::*;
            use overdue_storage::base::schema::problems::dsl as p;
            diesel::update(p::problems.find(two))
                .set(p::resolved_at.eq(Some(day_ago)))
                .execute(tx.conn())?;
            Ok(())
        })
        .await
        .unwrap();
    let (_, r) = post(&app, &format!("{m}/problems"), json!({"key": "invoice:2"})).await;
    assert_eq!(
        (r["opened"].clone(), r["reopened"].clone()),
        (json!(1), json!(1)),
        "{r}"
    );
    let open = problems(&app, &m, "open").await;
    assert_eq!(find(&open, "invoice:2")["previous_id"], two);
    rx.wait_for(Duration::from_secs(10), |_| {
        rx.events(&m, "problem.opened").len() == 2
    })
    .await;
    settle(&rx).await;
    assert_eq!(rx.events(&m, "problem.opened").len(), 2);
    assert_eq!(rx.events(&m, "problem.escalated").len(), 1);
    // Problems never touch the monitor's own state.
    assert_eq!(app.get_monitor(&m).await["status"], "up");
    app.stop().await;
}
both!(problems_lifecycle, lifecycle);

async fn policies(backend: Backend) {
    let (app, rx, ch) = TestApp::spawn_with_receiver(backend).await;
    let timed = app
        .monitor(json!({"name": "timed", "period": "1h", "channels": [ch],
                        "resolve_problems": "after 2s"}))
        .await;
    let manual = app
        .monitor(json!({"name": "manual", "period": "1h", "resolve_problems": "explicit"}))
        .await;
    assert_eq!(
        app.get_monitor(&timed).await["resolve_problems"],
        "after 2s"
    );
    post(&app, &format!("{timed}/problems"), json!({"key": "a"})).await;
    post(&app, &format!("{manual}/problems"), json!({"key": "b"})).await;
    // A job that pings only its end: two ends without a report resolve nothing on an
    // explicit monitor.
    assert_eq!(app.ping(&manual).await, 200);
    assert_eq!(app.ping(&manual).await, 200);
    assert_eq!(problems(&app, &manual, "open").await.len(), 1);
    // The timed one resolves by itself, and says so.
    rx.wait_for(Duration::from_secs(10), |_| {
        !rx.events(&timed, "problem.resolved").is_empty()
    })
    .await;
    let done = problems(&app, &timed, "resolved").await;
    assert_eq!(done[0]["resolved_by"], "expiry");
    // Bad policies are refused with what to write.
    for bad in ["sometimes", "after", "after 0s", "after soon"] {
        let (s, e) = app
            .api(
                "PATCH",
                &format!("/api/v1/monitors/{manual}"),
                Some(json!({"resolve_problems": bad})),
            )
            .await;
        assert_eq!(s, 400, "{bad}: {e}");
        assert!(e["error"].as_str().unwrap().contains("resolve"), "{e}");
    }
    app.stop().await;
}
both!(problems_resolution_policies, policies);

async fn api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let m = app
        .monitor(json!({"name": "crm", "slug": "crm", "period": "1h"}))
        .await;
    // The slug form, as for pings.
    // With a rid, the units belong to that run (even with another run open).
    let rid = "5e0f0000-0000-4000-8000-00000000000a";
    assert_eq!(app.ping(&format!("{m}/start?rid={rid}")).await, 200);
    assert_eq!(
        app.ping(&format!(
            "{m}/start?rid=5e0f0000-0000-4000-8000-00000000000b"
        ))
        .await,
        200
    );
    let (s, _) = post(
        &app,
        &format!("{m}/problems?rid={rid}"),
        json!({"key": "in-run", "severity": "info"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, e) = post(&app, &format!("{m}/problems?rid=nope"), json!({"key": "x"})).await;
    assert_eq!(s, 400, "{e}");
    let (_, runs) = app
        .api("GET", &format!("/api/v1/monitors/{m}/runs"), None)
        .await;
    let with_rid = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rid"] == rid)
        .unwrap()
        .clone();
    let (_, one_run) = app
        .api("GET", &format!("/api/v1/runs/{}", with_rid["id"]), None)
        .await;
    assert_eq!(one_run["problems"][0]["key"], "in-run", "{one_run}");
    app.api(
        "POST",
        &format!("/api/v1/problems/{}/resolve", one_run["problems"][0]["id"]),
        None,
    )
    .await;
    let (s, r) = post(
        &app,
        &format!("{}/crm/problems", app.ping_key),
        json!([{"key": "customer:1", "severity": "error"}, {"key": "customer:2", "severity": "info"}]),
    )
    .await;
    assert_eq!((s, r["opened"].clone()), (200, json!(2)), "{r}");
    let list = problems(&app, &m, "open").await;
    let id = find(&list, "customer:1")["id"].as_i64().unwrap();
    let (s, p) = app
        .api("POST", &format!("/api/v1/problems/{id}/acknowledge"), None)
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        (p["status"].clone(), p["acknowledged_by"].clone()),
        (json!("acknowledged"), json!("key default"))
    );
    let (s, p) = app
        .api(
            "PATCH",
            &format!("/api/v1/problems/{id}"),
            Some(json!({"assignee": "ana", "note": "customer asked", "ticket": "CRM-42", "mute_for": "4h"})),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        (
            p["assignee"].clone(),
            p["ticket"].clone(),
            p["status"].clone()
        ),
        (json!("ana"), json!("CRM-42"), json!("muted"))
    );
    let (s, p) = app
        .api(
            "PATCH",
            &format!("/api/v1/problems/{id}"),
            Some(json!({"mute_for": null, "note": null})),
        )
        .await;
    assert_eq!(
        (s, p["note"].clone(), p["status"].clone()),
        (200, Value::Null, json!("acknowledged"))
    );
    // Filters.
    let (_, l) = app.api("GET", "/api/v1/problems?severity=info", None).await;
    assert_eq!(l["problems"].as_array().unwrap().len(), 1);
    let (_, l) = app.api("GET", "/api/v1/problems?older_than=1h", None).await;
    assert_eq!(l["problems"].as_array().unwrap().len(), 0);
    // Viewers read, never write.
    let ro = app.read_only_key.clone();
    let (s, _) = app
        .api_with(&ro, "GET", &format!("/api/v1/problems/{id}"), None)
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .api_with(&ro, "POST", &format!("/api/v1/problems/{id}/resolve"), None)
        .await;
    assert_eq!(s, 403);
    let (s, p) = app
        .api("POST", &format!("/api/v1/problems/{id}/resolve"), None)
        .await;
    assert_eq!(
        (s, p["status"].clone(), p["resolved_by"].clone()),
        (200, json!("resolved"), json!("key default"))
    );
    let (s, _) = app
        .api("POST", &format!("/api/v1/problems/{id}/resolve"), None)
        .await;
    assert_eq!(s, 409, "already resolved");
    let (s, st) = app.api("GET", "/api/v1/problems/stats", None).await;
    assert_eq!(s, 200);
    // Resolved: customer:1 and the unit of the run above.
    let crm = &st["monitors"][0];
    assert_eq!(
        (crm["open"].clone(), crm["resolved"].clone()),
        (json!([1, 0, 0, 0]), json!(2)),
        "{st}"
    );
    assert!(crm["mean_time_to_resolve"].as_f64().unwrap() >= 0.0);
    // Another project sees none of it.
    let other = app
        .store
        .write(move |c| overdue_storage::people::projects::create(c, "other"))
        .await
        .unwrap();
    let k = other.api_key.as_str();
    let (_, l) = app
        .api_with(k, "GET", "/api/v1/problems?status=all", None)
        .await;
    assert_eq!(l["problems"], json!([]));
    for (method, path) in [
        ("GET", format!("/api/v1/problems/{id}")),
        ("PATCH", format!("/api/v1/problems/{id}")),
        ("POST", format!("/api/v1/problems/{id}/acknowledge")),
        ("POST", format!("/api/v1/problems/{id}/resolve")),
    ] {
        let (s, body) = app.api_with(k, method, &path, Some(json!({}))).await;
        assert_eq!(s, 404, "{method} {path}: {body}");
    }
    // Deleting the monitor deletes its problems.
    let (s, _) = app
        .api("DELETE", &format!("/api/v1/monitors/{m}"), None)
        .await;
    assert_eq!(s, 200);
    let (_, l) = app.api("GET", "/api/v1/problems?status=all", None).await;
    assert_eq!(l["problems"], json!([]));
    app.stop().await;
}
both!(problems_api, api);

async fn bad_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let m = app.monitor(json!({"name": "batch", "period": "1h"})).await;
    let path = format!("{m}/problems");
    // A report is a signal: what cannot be a unit's problem is kept as a log line on
    // the monitor and answered 422 in words; the rest is read liberally and stored.
    for (body, says) in [
        ("[{\"key\": \"a\"", "must be JSON"),
        ("[]", "no problems"),
        ("\"invoice:1\"", "array of problems"),
        ("[{\"key\": \"overdue:overflow\"}]", "reserved"),
    ] {
        let (s, e) = post_raw(&app, &path, body.into()).await;
        assert_eq!(s, 422, "{body}: {e}");
        let error = e["error"].as_str().unwrap();
        assert!(
            error.contains(says) && error.contains("kept as a log line"),
            "{body}: {e}"
        );
    }
    assert!(problems(&app, &m, "all").await.is_empty());
    let (_, pings) = app
        .api("GET", &format!("/api/v1/monitors/{m}/pings"), None)
        .await;
    let logged: Vec<&str> = pings["pings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["body"].as_str().unwrap_or_default())
        .collect();
    assert!(
        logged.contains(&"[{\"key\": \"a\""),
        "the broken report is kept: {pings}"
    );
    // Part of a report unreadable: the rest is stored, the answer says what was not.
    let (s, e) = post_raw(
        &app,
        &path,
        "[{\"key\": \"a\"}, {\"message\": \"x\"}]".into(),
    )
    .await;
    assert_eq!((s, e["opened"].clone()), (422, json!(1)), "{e}");
    assert!(
        e["unread"][0]
            .as_str()
            .unwrap()
            .starts_with("problem 1: key is required"),
        "{e}"
    );
    // Other names, spellings and fields: read, and said.
    let r = app
        .http
        .post(app.url(&format!("/ping/{path}")))
        .json(&json!([
            {"id": "b", "level": "FATAL", "error": "disk full", "colour": 1},
            {"key": "c", "severity": "urgent", "details": [1]}
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["overdue-extra-fields"], "colour");
    let e: Value = r.json().await.unwrap();
    assert_eq!(
        e["notes"][0],
        "problem 1: severity \"urgent\" read as error (use info, warning, error or critical)",
        "{e}"
    );
    let all = problems(&app, &m, "all").await;
    let b = all.iter().find(|p| p["key"] == "b").unwrap();
    assert_eq!(
        (b["severity"].clone(), b["message"].clone()),
        (json!("critical"), json!("disk full")),
        "{b}"
    );
    assert_eq!(b["details"], json!({"colour": 1}), "{b}");
    let c = all.iter().find(|p| p["key"] == "c").unwrap();
    assert_eq!(c["details"], json!({"value": [1]}), "{c}");
    let (s, _) = post(&app, &format!("{m}/resolve"), json!({"keys": "a"})).await;
    assert_eq!(s, 400);
    let r = app
        .http
        .get(app.url(&format!("/ping/{path}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let (s, _) = post(
        &app,
        "5e0f0000-0000-4000-8000-000000000001/problems",
        json!({"key": "a"}),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = post(
        &app,
        &format!("{}/nope/problems", app.ping_key),
        json!({"key": "a"}),
    )
    .await;
    assert_eq!(s, 404);
    let big = format!("[{}]", vec!["{\"key\": \"k\", \"message\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"; 12_000].join(","));
    let (s, e) = post_raw(&app, &path, big).await;
    assert_eq!(s, 413, "{e}");
    for q in [
        "severity=fatal",
        "status=closed",
        "older_than=soon",
        "limit=0",
        "monitor=x",
        "before=x",
    ] {
        let (s, e) = app.api("GET", &format!("/api/v1/problems?{q}"), None).await;
        assert_eq!(s, 400, "{q}: {e}");
    }
    let (s, _) = app.api("GET", "/api/v1/problems/abc", None).await;
    assert_eq!(s, 400);
    let (s, _) = app.api("GET", "/api/v1/problems/999", None).await;
    assert_eq!(s, 404);
    let (s, e) = app
        .api(
            "PATCH",
            "/api/v1/problems/1",
            Some(json!({"mute_for": "forever"})),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    app.stop().await;
}
both!(problems_bad_input, bad_input);

async fn cap(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let m = app.monitor(json!({"name": "bulk", "period": "1h"})).await;
    let many: Vec<Value> = (0..10_000)
        .map(|i| json!({"key": format!("row:{i}"), "severity": "warning"}))
        .collect();
    let started = std::time::Instant::now();
    let (s, r) = post(&app, &format!("{m}/problems"), Value::Array(many)).await;
    eprintln!("10,000 problems in one report: {:?}", started.elapsed());
    assert_eq!((s, r["opened"].clone()), (200, json!(10_000)), "{r}");
    let (s, r) = post(
        &app,
        &format!("{m}/problems"),
        json!([{"key": "row:1"}, {"key": "new:1"}, {"key": "new:2"}]),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        (r["repeated"].clone(), r["dropped"].clone()),
        (json!(1), json!(2)),
        "{r}"
    );
    let (_, l) = app
        .api(
            "GET",
            &format!("/api/v1/problems?monitor={m}&limit=1"),
            None,
        )
        .await;
    let overflow = &l["problems"][0];
    assert_eq!(overflow["overflow"], true, "{l}");
    assert_eq!(overflow["count"], 2);
    assert!(overflow["message"]
        .as_str()
        .unwrap()
        .starts_with("2 more problems not listed"));
    app.stop().await;
}
both!(problems_cap, cap);

async fn digest(backend: Backend) {
    let db = crate::harness::fresh_database(backend);
    let app = TestApp::spawn_on(&db, |_| {}).await;
    let rx = Receiver::start().await;
    let ch = app.webhook(&rx.url).await;
    let m = app
        .monitor(json!({"name": "nightly", "period": "1h", "channels": [ch]}))
        .await;
    let quiet = app
        .monitor(json!({"name": "quiet", "period": "1h", "channels": [ch]}))
        .await;
    post(
        &app,
        &format!("{m}/problems"),
        json!([{"key": "a", "severity": "warning", "message": "rounded"},
               {"key": "b", "severity": "info"}, {"key": "c", "severity": "error"}]),
    )
    .await;
    app.stop().await;
    // The digest hour has come (00 UTC): the next start sends it, once.
    for _ in 0..2 {
        let app = TestApp::spawn_on(&db, |s| s.digest_hour = Some(0)).await;
        rx.wait_for(Duration::from_secs(10), |_| {
            !rx.events(&m, "problem.digest").is_empty()
        })
        .await;
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        app.stop().await;
    }
    let sent = rx.events(&m, "problem.digest");
    assert_eq!(sent.len(), 1, "once a day");
    let ev = sent[0].json();
    assert_eq!(ev["problems"]["count"], 2, "{ev}");
    assert!(
        ev["text"].as_str().unwrap().starts_with(
            "daily digest: 2 open problems in nightly: a (warning: rounded), b (info)"
        ),
        "{ev}"
    );
    assert!(rx.events(&quiet, "problem.digest").is_empty());
}
both!(problems_daily_digest, digest);
