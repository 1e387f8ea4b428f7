//! Reports (docs/behaviour.md, "Reports"): a known history written under a shifted
//! clock — two down episodes (one a flap, one out of hours), an acknowledgement, unit
//! problems of two kinds — and every figure of every report asserted exactly: counts by
//! day, reason, severity and tag, p50/p90 as the bins define them, out of hours by the
//! project's calendar, the noisiest monitors, problems by unit kind; CSV equal to JSON;
//! bad asks answered in words.

use std::sync::atomic::Ordering;

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, Receiver, TestApp};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

async fn report(app: &TestApp, query: &str) -> Value {
    let (s, r) = app
        .api("GET", &format!("/api/v1/reports/{query}"), None)
        .await;
    assert_eq!(s, 200, "{query}: {r}");
    r
}

async fn csv(app: &TestApp, query: &str) -> Vec<Vec<String>> {
    let r = app
        .http
        .get(app.url(&format!("/api/v1/reports/{query}&format=csv")))
        .header("X-Api-Key", &app.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.text().await.unwrap();
    text.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

async fn post_ping(app: &TestApp, path: &str, body: Value) -> u16 {
    app.http
        .post(app.url(&format!("/ping/{path}")))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn every_figure(backend: Backend) {
    let (app, shift) = TestApp::spawn_shifted(backend).await;
    let rx = Receiver::start().await;
    let ch = app.webhook(&rx.url).await;
    // The project's zone and its working hours: Monday to Friday, 08:00-18:00 in Riga.
    let (s, p) = app
        .api(
            "PATCH",
            "/api/v1/project",
            Some(json!({"tz": "Europe/Riga"})),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let week: serde_json::Map<String, Value> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|d| (d.to_string(), json!(["08:00-18:00"])))
        .collect();
    let cal = json!({"name": "office", "tz": "Europe/Riga", "hours": week});
    let (s, c) = app.api("POST", "/api/v1/calendars", Some(cal)).await;
    assert_eq!(s, 201, "{c}");
    let (s, e) = app
        .api(
            "PATCH",
            "/api/v1/project",
            Some(json!({"calendar": "nowhere"})),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e["error"].as_str().unwrap().contains("no calendar named"),
        "{e}"
    );
    let (s, p) = app
        .api(
            "PATCH",
            "/api/v1/project",
            Some(json!({"calendar": "office"})),
        )
        .await;
    assert_eq!((s, &p["calendar"]), (200, &json!("office")), "{p}");

    // To the next Monday, 07:00 UTC (09:00 in Riga in winter, 10:00 in summer).
    let now = chrono::Utc::now().timestamp_millis();
    let days = now.div_euclid(DAY);
    // 1970-01-01 was a Thursday: Mondays are days ≡ 4 (mod 7).
    let monday = (days + (4 - days).rem_euclid(7)) * DAY + 7 * HOUR;
    let t0 = if monday <= now {
        monday + 7 * DAY
    } else {
        monday
    };
    shift.store(t0 - now, Ordering::SeqCst);
    let date = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .format("%Y-%m-%d")
            .to_string()
    };
    let (monday, tuesday) = (date(t0), date(t0 + DAY));

    let a = app
        .monitor(json!({"name": "nightly-a", "period": "1d", "grace": "1h",
                        "tags": "nightly billing", "channels": [ch]}))
        .await;
    let b = app
        .monitor(json!({"name": "shop-sync", "period": "1d", "grace": "1h", "channels": [ch]}))
        .await;
    assert_eq!(app.ping(&a).await, 200);
    assert_eq!(app.ping(&b).await, 200);
    // In working hours: A fails, is acknowledged 10 minutes later and recovers after
    // 30 (a flap).
    assert_eq!(app.ping(&format!("{a}/fail")).await, 200);
    shift.fetch_add(10 * MIN, Ordering::SeqCst);
    let (s, list) = app.api("GET", "/api/v1/alerts?status=open", None).await;
    assert_eq!(s, 200, "{list}");
    let alert = list["alerts"][0]["id"].as_i64().unwrap();
    let (s, acked) = app
        .api(
            "POST",
            &format!("/api/v1/alerts/{alert}/acknowledge"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 200, "{acked}");
    let who = acked["alert"]["acknowledged_by"]
        .as_str()
        .unwrap()
        .to_string();
    shift.fetch_add(20 * MIN, Ordering::SeqCst);
    assert_eq!(app.ping(&a).await, 200);
    // Out of hours (21:00 UTC): A fails again and recovers two hours later.
    shift.store(t0 + 14 * HOUR - now, Ordering::SeqCst);
    assert_eq!(app.ping(&format!("{a}/fail")).await, 200);
    shift.fetch_add(2 * HOUR, Ordering::SeqCst);
    assert_eq!(app.ping(&a).await, 200);
    // Tuesday 01:00 in Riga (23:00 UTC): B reports three units' problems; an hour later
    // one is resolved.
    let items = json!([
        {"key": "invoice:1", "severity": "error", "message": "VAT id missing"},
        {"key": "invoice:2", "severity": "error", "message": "unknown currency"},
        {"key": "customer:9", "severity": "warning", "message": "no e-mail"},
    ]);
    assert_eq!(post_ping(&app, &format!("{b}/problems"), items).await, 200);
    shift.fetch_add(HOUR, Ordering::SeqCst);
    assert_eq!(
        post_ping(&app, &format!("{b}/resolve"), json!(["invoice:1"])).await,
        200
    );
    shift.store(t0 + 3 * DAY - now, Ordering::SeqCst);

    let period = format!("from={monday}&to={tuesday}");
    // Alerts per local day, by reason, severity and tag.
    let r = report(&app, &format!("alerts?{period}")).await;
    assert_eq!(r["span"]["tz"], "Europe/Riga");
    assert_eq!(r["total"], 5, "{r}");
    assert_eq!(r["previous_total"], 0);
    assert_eq!(r["by_reason"], json!({"failed": 2, "problem": 3}));
    assert_eq!(r["by_severity"], json!({"error": 4, "warning": 1}));
    assert_eq!(
        r["by_tag"],
        json!({"nightly": 2, "billing": 2, "(none)": 3})
    );
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{r}");
    assert_eq!(
        (&rows[0]["date"], &rows[0]["total"]),
        (&json!(monday), &json!(2))
    );
    assert_eq!(
        (&rows[1]["date"], &rows[1]["total"]),
        (&json!(tuesday), &json!(3))
    );
    // The same as CSV: a header and a line per day, equal to the JSON.
    let lines = csv(&app, &format!("alerts?{period}")).await;
    assert_eq!(lines[0][..3], ["date", "total", "reason_missed"]);
    let col = |name: &str| lines[0].iter().position(|h| h == name).unwrap();
    assert_eq!(lines.len(), 3);
    for (line, row) in lines[1..].iter().zip(rows) {
        assert_eq!(line[0], row["date"].as_str().unwrap());
        assert_eq!(line[1], row["total"].to_string());
        for reason in ["failed", "problem"] {
            let n = row["by_reason"][reason].as_i64().unwrap_or(0);
            assert_eq!(line[col(&format!("reason_{reason}"))], n.to_string());
        }
        let n = row["by_severity"]["warning"].as_i64().unwrap_or(0);
        assert_eq!(line[col("severity_warning")], n.to_string());
    }
    // Scopes: a tag, a monitor (by its id).
    let r = report(&app, &format!("alerts?{period}&scope=tag:nightly")).await;
    assert_eq!(r["total"], 2, "{r}");
    let r = report(
        &app,
        &format!("alerts?{period}&scope=monitor:{b}&grain=week"),
    )
    .await;
    assert_eq!(
        (&r["total"], &r["grain"]),
        (&json!(3), &json!("week")),
        "{r}"
    );

    // Response times: the bins' upper bounds (600 s lies in the bin up to 608 s; 1,800,
    // 3,600 and 7,200 s in those up to 2,048, 4,096 and 8,192 s).
    let r = report(&app, &format!("response?{period}")).await;
    assert_eq!(
        r["acknowledge"]["now"],
        json!({"count": 1, "p50": 608, "p90": 608}),
        "{r}"
    );
    assert_eq!(
        r["resolve"]["now"],
        json!({"count": 3, "p50": 4096, "p90": 8192}),
        "{r}"
    );
    assert_eq!(r["resolve"]["previous"]["count"], 0);
    let lines = csv(&app, &format!("response?{period}")).await;
    assert_eq!(lines[2][..4], ["resolve", "3", "4096", "8192"]);

    // Out of hours by the office calendar: the second failure and the problems.
    let r = report(&app, &format!("out-of-hours?{period}")).await;
    assert_eq!(r["calendar"], "office");
    assert_eq!(
        (&r["alerts"], &r["alerts_out_of_hours"]),
        (&json!(5), &json!(4)),
        "{r}"
    );
    // Pages: two down messages and one for the problems (the warning notifies no one).
    assert_eq!(
        (&r["pages"], &r["pages_out_of_hours"]),
        (&json!(3), &json!(2)),
        "{r}"
    );
    assert_eq!(
        r["channels"],
        json!([{"channel": ch, "name": "hook", "pages": 3, "out_of_hours": 2}])
    );
    assert_eq!(
        r["people"],
        json!([{"who": who, "acknowledged": 1, "out_of_hours": 0}])
    );
    assert_eq!(r["held"]["count"], 0);

    // The noisiest: B (three alerts), then A (two, one of them a flap).
    let r = report(&app, &format!("noisiest?{period}")).await;
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{r}");
    assert_eq!(
        (&rows[0]["name"], &rows[0]["alerts"]),
        (&json!("shop-sync"), &json!(3))
    );
    assert_eq!(
        (&rows[1]["name"], &rows[1]["alerts"], &rows[1]["flaps"]),
        (&json!("nightly-a"), &json!(2), &json!(1))
    );
    assert!(rows[1]["advice"].as_str().unwrap().contains("flaps"), "{r}");
    // Named by their public reference, never the id (the ping URL's secret).
    let public = app.get_monitor(&a).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(rows[1]["monitor"], public.as_str());
    assert_eq!(rows[1]["link"], format!("/monitors/{public}"));
    assert!(!r.to_string().contains(&a), "{r}");

    // Problems by unit kind, and the oldest still open.
    let r = report(&app, &format!("units?{period}")).await;
    assert_eq!(
        r["rows"],
        json!([
            {"kind": "invoice", "failed": 2, "fixed": 1, "mean_fix": 3600},
            {"kind": "customer", "failed": 1, "fixed": 0, "mean_fix": null},
        ]),
        "{r}"
    );
    let keys: Vec<&str> = r["oldest_open"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["invoice:2", "customer:9"]);
    let lines = csv(&app, &format!("units?{period}")).await;
    assert_eq!(lines[1], ["invoice", "2", "1", "3600"]);
    assert_eq!(lines[2], ["customer", "1", "0", ""]);

    // Thursday: a flow's two orders placed, one shipped after 30 minutes. No breach is
    // waited for: a clock shifted by hours reads as Overdue's own outage to the
    // heartbeat, which moves due times past the gap (docs/behaviour.md, "Overdue's own
    // outages"); breaches' counting is the core's tests'.
    let flow = json!({"name": "orders", "stages": [{"name": "placed", "sla": "1h"},
                      {"name": "shipped", "sla": "1d"}], "terminal": ["delivered"]});
    let (s, f) = app.api("POST", "/api/v1/flows", Some(flow)).await;
    assert_eq!(s, 201, "{f}");
    let events = json!([{"entity": "o1", "stage": "placed"}, {"entity": "o2", "stage": "placed"}]);
    let (s, r) = app
        .api("POST", "/api/v1/flows/orders/events", Some(events))
        .await;
    assert_eq!(s, 200, "{r}");
    shift.fetch_add(30 * MIN, Ordering::SeqCst);
    let shipped = json!([{"entity": "o1", "stage": "shipped"}]);
    let (s, r) = app
        .api("POST", "/api/v1/flows/orders/events", Some(shipped))
        .await;
    assert_eq!(s, 200, "{r}");
    let r = report(&app, "flows?period=7d").await;
    let placed = &r["flows"][0]["stages"][0];
    assert_eq!(r["flows"][0]["name"], "orders", "{r}");
    // 1,800 s in stage lies in the bin up to 2,048 s.
    assert_eq!(
        (
            &placed["entered"],
            &placed["breached"],
            &placed["breach_rate"],
            &placed["p50"],
            &placed["p95"]
        ),
        (
            &json!(2),
            &json!(0),
            &json!(0.0),
            &json!(2048),
            &json!(2048)
        ),
        "{r}"
    );
    assert_eq!(r["flows"][0]["stages"][1]["entered"], 1, "{r}");
    // Breaches per day: each of the 7 local days, none breached.
    let days = r["flows"][0]["breaches"].as_array().unwrap();
    assert_eq!(days.len(), 7, "{r}");
    assert!(days.iter().all(|d| d["n"] == 0), "{r}");
    let lines = csv(&app, "flows?period=7d").await;
    assert_eq!(
        lines[1][..7],
        ["orders", "placed", "2", "0", "0", "2048", "2048"]
    );
    let r = report(&app, &format!("flows?period=7d&scope=monitor:{b}")).await;
    assert_eq!(r["flows"], json!([]), "a monitor's scope holds no flow");

    // The last 7 days hold them all.
    let r = report(&app, "alerts?period=7d").await;
    assert_eq!(r["total"], 5, "{r}");
    assert_eq!(r["rows"].as_array().unwrap().len(), 7);

    // Bad asks, in words.
    for (query, status, says) in [
        ("alerts?period=week", 400, "count of days"),
        ("alerts?month=2026-13", 400, "YYYY-MM"),
        ("alerts?period=7d&month=2026-11", 400, "give one of"),
        ("alerts?from=2026-11-01", 400, "both from and to"),
        ("alerts?scope=team:x", 400, "scope"),
        ("alerts?scope=monitor:nope", 404, "monitor not found"),
        ("alerts?grain=hour", 400, "neither day nor week"),
        ("alerts?format=xml", 400, "neither json nor csv"),
        ("alerts?colour=red", 400, "colour"),
        ("outages", 404, ""),
    ] {
        let (s, e) = app
            .api("GET", &format!("/api/v1/reports/{query}"), None)
            .await;
        assert_eq!(s, status, "{query}: {e}");
        if !says.is_empty() {
            assert!(e["error"].as_str().unwrap().contains(says), "{query}: {e}");
        }
    }
    app.stop().await;
}
both!(every_figure, every_figure);
