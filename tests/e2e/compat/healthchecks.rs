//! What clients written for Healthchecks send, taken as Healthchecks takes it (issue
//! 18): `timeout` with `schedule` makes a cron check, a JSON body with a form content
//! type is read as JSON, `/api/v3/badges/` lists the badge URLs with two and three
//! states.

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};

async fn healthchecks_clients(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Both timeout and schedule: the schedule wins, the timeout is ignored.
    let (s, c) = app
        .api(
            "POST",
            "/api/v3/checks/",
            Some(json!({"name": "nightly", "tags": "prod", "timeout": 3600, "schedule": "30 2 * * *", "tz": "Europe/Riga", "grace": 600})),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["schedule"], "30 2 * * *", "{c}");
    assert_eq!(c["tz"], "Europe/Riga");
    assert!(
        c.get("timeout").is_none(),
        "a cron check has no timeout: {c}"
    );
    let uuid = c["uuid"].as_str().unwrap().to_string();
    // An update with only a timeout makes it a simple check again.
    let (s, c) = app
        .api(
            "POST",
            &format!("/api/v3/checks/{uuid}"),
            Some(json!({"timeout": 7200})),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["timeout"], 7200, "{c}");

    // Healthchecks' own docs: `curl --data '{…}'` sends a form content type.
    let r = app
        .http
        .post(app.url("/api/v3/checks/"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            r#"{{"api_key": "{}", "name": "form typed", "timeout": 60}}"#,
            app.api_key
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["name"], "form typed");
    // Without a content type at all, too; a body that is not JSON is still a 400.
    let r = app
        .http
        .post(app.url("/api/v3/checks/"))
        .header("X-Api-Key", &app.api_key)
        .body(r#"{"name": "untyped"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .http
        .post(app.url("/api/v3/checks/"))
        .header("X-Api-Key", &app.api_key)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("name=backup&timeout=60")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let b: Value = r.json().await.unwrap();
    assert!(b["error"].as_str().unwrap().contains("JSON"), "{b}");
    // /api/v1 keeps asking for the JSON content type.
    let r = app
        .http
        .post(app.url("/api/v1/monitors"))
        .header("X-Api-Key", &app.api_key)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(r#"{"name": "v1 form"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let b: Value = r.json().await.unwrap();
    assert!(
        b["error"].as_str().unwrap().contains("application/json"),
        "{b}"
    );

    // The status endpoint (no key), as Healthchecks'.
    let r = app
        .http
        .get(app.url("/api/v3/status/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "OK");

    // Badges: "*" and every tag, two states (late shown as up) and three.
    let (s, b) = app.api("GET", "/api/v3/badges/", None).await;
    assert_eq!(s, 200, "{b}");
    let badges = b["badges"].as_object().unwrap();
    let mut names: Vec<&String> = badges.keys().collect();
    names.sort();
    assert_eq!(names, ["*", "prod"]);
    let prod = &badges["prod"];
    for f in ["svg", "svg3", "json", "json3", "shields", "shields3"] {
        assert!(prod[f].as_str().unwrap().starts_with("http"), "{f}: {prod}");
    }
    assert!(prod["svg"]
        .as_str()
        .unwrap()
        .ends_with("/prod.svg?states=2"));
    assert!(prod["json3"].as_str().unwrap().ends_with("/prod.json"));
    let (s, ro) = app
        .api_with(&app.read_only_key, "GET", "/api/v3/badges/", None)
        .await;
    assert_eq!((s, &ro), (200, &b), "a read-only key lists badges too");
    // A late monitor: late on the three-state badge, up on the two-state one.
    let (s, late) = app
        .api(
            "POST",
            "/api/v3/checks/",
            Some(json!({"name": "late one", "tags": "edge", "timeout": 1, "grace": 3600})),
        )
        .await;
    assert_eq!(s, 201, "{late}");
    let lu = late["uuid"].as_str().unwrap().to_string();
    assert_eq!(app.ping(&lu).await, 200);
    for _ in 0..100 {
        if app.get_monitor(&lu).await["state"] == "late" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (_, b) = app.api("GET", "/api/v3/badges/", None).await;
    let get = |url: String| {
        let req = app.http.get(url);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let three = get(b["badges"]["edge"]["json3"].as_str().unwrap().into()).await;
    let two = get(b["badges"]["edge"]["json"].as_str().unwrap().into()).await;
    assert_eq!(three["status"], "late", "{three}");
    assert_eq!(two["status"], "up", "{two}");
    app.stop().await;
}
both!(healthchecks_clients_unchanged, healthchecks_clients);

/// `POST /api/v1/heartbeat/<uuid>`: one URL, the status in the body, answered like the
/// ping URLs.
async fn json_heartbeat(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app
        .monitor(json!({"name": "one url", "period": "1h"}))
        .await;
    let url = app.url(&format!("/api/v1/heartbeat/{id}"));
    let post = |body: String| {
        let req = app
            .http
            .post(&url)
            .header("Content-Type", "application/json")
            .body(body);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let rid = "5d9e2a4c-7f31-4c5b-9a0e-2f6d8c1b3a77";
    for body in [
        json!({"status": "start", "rid": rid, "message": "nightly export"}),
        json!({"status": "step", "rid": rid, "step": "extract"}),
        json!({"status": "progress", "rid": rid, "done": 5, "total": 10, "message": "rows"}),
        json!({"status": "log", "rid": rid, "message": "exported 12 rows"}),
        json!({"status": "success", "rid": rid, "counts": {"processed": 12}, "warnings": ["2 rows had no date"]}),
    ] {
        assert_eq!(post(body.to_string()).await, (200, "OK".into()), "{body}");
    }
    let m = app.get_monitor(&id).await;
    assert_eq!(m["status"], "up");
    let (_, runs) = app
        .api("GET", &format!("/api/v1/monitors/{id}/runs"), None)
        .await;
    let run = &runs["runs"][0];
    assert_eq!(run["outcome"], "success", "{runs}");
    assert_eq!(run["rid"], rid);
    assert_eq!(run["steps"][0]["name"], "extract");
    assert_eq!(run["progress"]["percent"], 50);
    assert_eq!(run["report"]["counts"]["processed"], 12);
    assert_eq!(run["report"]["warnings"][0], "2 rows had no date");
    assert!(app.has_ping(&id, "start", "nightly export").await);
    // Inside a run, a log line goes to the run's log.
    let (_, log) = app
        .api_text(&format!("/api/v1/runs/{}/log", run["id"]))
        .await;
    assert!(log.contains("exported 12 rows"), "{log}");
    // A failure with its message: down, the message kept as the ping's body.
    assert_eq!(
        post(json!({"status": "fail", "message": "disk full"}).to_string()).await,
        (200, "OK".into())
    );
    assert_eq!(app.get_monitor(&id).await["status"], "down");
    assert!(app.has_ping(&id, "fail", "disk full").await);
    // Taken liberally (docs/behaviour.md, "Pings"): common spellings of a status; a
    // field it does not know is kept with the ping and named in a header.
    assert_eq!(
        post(json!({"status": "ok"}).to_string()).await,
        (200, "OK".into())
    );
    assert_eq!(app.get_monitor(&id).await["status"], "up");
    let r = app
        .http
        .post(&url)
        .json(
            &json!({"status": "Failed", "message": "disk full", "whatEver": "foo", "host": "db1"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["overdue-extra-fields"], "host, whatEver");
    assert_eq!(app.get_monitor(&id).await["status"], "down");
    assert!(
        app.has_ping(
            &id,
            "fail",
            "disk full\n\nOther fields: {\"host\":\"db1\",\"whatEver\":\"foo\"}"
        )
        .await
    );
    // An empty body, a GET and a HEAD are a success, as on the ping URLs.
    let fail = || post(json!({"status": "fail"}).to_string());
    for body in ["", "  \n"] {
        assert_eq!(fail().await.0, 200);
        assert_eq!(post(body.to_string()).await, (200, "OK".into()), "{body:?}");
        assert_eq!(app.get_monitor(&id).await["status"], "up", "{body:?}");
    }
    for method in [reqwest::Method::GET, reqwest::Method::HEAD] {
        assert_eq!(fail().await.0, 200);
        let r = app.http.request(method.clone(), &url).send().await.unwrap();
        assert_eq!(r.status(), 200, "{method}");
        assert_eq!(app.get_monitor(&id).await["status"], "up", "{method}");
    }
    assert_eq!(fail().await.0, 200);
    // What it cannot understand is kept as a log line and answered 422 in plain words:
    // never an outcome (the monitor stays down).
    for (body, says) in [
        (
            json!({"status": "finished-ish"}).to_string(),
            "start, success, warn, fail",
        ),
        (json!({"message": "no status"}).to_string(), "no status"),
        (
            json!({"status": "success", "rid": "x"}).to_string(),
            "rid must be a UUID",
        ),
        (
            json!({"status": "start", "done": 3}).to_string(),
            "done and total go with",
        ),
        (
            json!({"status": "log", "counts": {"a": 1}}).to_string(),
            "completion report",
        ),
        (json!({"status": "step"}).to_string(), "names the step"),
        (
            json!({"status": "progress", "done": 11, "total": 10}).to_string(),
            "must not exceed",
        ),
        (
            json!({"status": "success", "done": "many"}).to_string(),
            "done",
        ),
        ("{not json".to_string(), "not a JSON object"),
        ("[1, 2]".to_string(), "not a JSON object"),
    ] {
        let before = app.get_monitor(&id).await["n_pings"].as_i64().unwrap();
        let (s, text) = post(body.clone()).await;
        assert_eq!(s, 422, "{body}: {text}");
        assert!(
            text.starts_with("kept as a log line, not as an outcome: "),
            "{body}: {text}"
        );
        assert!(text.contains(says), "{body}: {text}");
        let m = app.get_monitor(&id).await;
        assert_eq!(m["n_pings"].as_i64().unwrap(), before + 1, "{body}: kept");
        assert_eq!(m["status"], "down", "{body}: no outcome");
        assert!(
            app.has_ping(&id, "log", &body).await,
            "{body}: kept as sent"
        );
    }
    // Unknown monitor: 404 as for /ping/<uuid>; too large: 413.
    let r = app
        .http
        .post(app.url("/api/v1/heartbeat/00000000-0000-4000-8000-000000000000"))
        .body(r#"{"status": "success"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let huge = json!({"status": "log", "message": "x".repeat(200_000)}).to_string();
    assert_eq!(post(huge).await.0, 413);
    app.stop().await;
}
both!(json_heartbeat_form, json_heartbeat);

/// The heartbeat scripts the usual articles show, run as they are: `curl -m 10` GETs,
/// and a Python function posting `{"status", "message"}` with `requests` and
/// `raise_for_status()`. Every call succeeds; the monitor shows what was sent.
async fn article_scripts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app
        .monitor(json!({"name": "nightly export", "period": "1d"}))
        .await;
    let url = app.url(&format!("/api/v1/heartbeat/{id}"));
    let run = |program: &'static str, args: Vec<String>| async move {
        let out = tokio::process::Command::new(program)
            .args(&args)
            .output()
            .await
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let said = run(
        "curl",
        vec!["-fsS".into(), "-m".into(), "10".into(), url.clone()],
    )
    .await;
    assert_eq!(said, "OK");
    assert_eq!(app.get_monitor(&id).await["status"], "up");
    let script = r#"
import sys
import requests

URL = sys.argv[1]

def heartbeat(status, message):
    response = requests.post(URL, json={"status": status, "message": message}, timeout=10)
    response.raise_for_status()

heartbeat("start", "nightly export starting")
heartbeat("success", "exported 12 rows")
heartbeat("fail", "disk full")
"#;
    run("python3", vec!["-c".into(), script.into(), url.clone()]).await;
    for (kind, body) in [
        ("start", "nightly export starting"),
        ("success", "exported 12 rows"),
        ("fail", "disk full"),
    ] {
        assert!(app.has_ping(&id, kind, body).await, "{kind}: {body}");
    }
    assert_eq!(app.get_monitor(&id).await["status"], "down");

    // One key per status, each a URL a plain `curl -m 10` GET records.
    let path = format!("/api/v1/monitors/{id}/status-keys");
    let (s, none) = app.api("GET", &path, None).await;
    assert_eq!((s, none), (200, json!({"keys": []})));
    let (s, made) = app.api("POST", &path, None).await;
    assert_eq!(s, 200, "{made}");
    let urls: Vec<(String, String)> = made["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let (status, key) = (k["status"].as_str().unwrap(), k["key"].as_str().unwrap());
            assert!(key.starts_with(&format!("{status}_")), "{k}");
            assert_eq!(
                k["url"],
                app.url(&format!("/api/v1/heartbeat/{key}")),
                "{k}"
            );
            (status.to_string(), k["url"].as_str().unwrap().to_string())
        })
        .collect();
    let statuses: Vec<&str> = urls.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(statuses, ["start", "success", "fail"]);
    let (_, listed) = app.api("GET", &path, None).await;
    assert_eq!(listed, made);
    for (status, url) in &urls {
        let said = run(
            "curl",
            vec!["-fsS".into(), "-m".into(), "10".into(), url.clone()],
        )
        .await;
        assert_eq!(said, "OK", "{status}");
        match status.as_str() {
            "success" => assert_eq!(app.get_monitor(&id).await["status"], "up"),
            "fail" => assert_eq!(app.get_monitor(&id).await["status"], "down"),
            _ => {}
        }
    }
    let (_, runs) = app
        .api("GET", &format!("/api/v1/monitors/{id}/runs"), None)
        .await;
    assert_eq!(
        runs["runs"][1]["outcome"], "success",
        "start, then success: {runs}"
    );
    // Replaced: the old keys name nothing; revoked: neither do the new ones.
    let (_, again) = app.api("POST", &path, None).await;
    let old = app.http.get(&urls[1].1).send().await.unwrap();
    assert_eq!(old.status(), 404);
    let new_url = again["keys"][1]["url"].as_str().unwrap().to_string();
    assert_eq!(app.http.get(&new_url).send().await.unwrap().status(), 200);
    let (s, _) = app.api("DELETE", &path, None).await;
    assert_eq!(s, 204);
    assert_eq!(app.http.get(&new_url).send().await.unwrap().status(), 404);
    // A deleted monitor's keys go with it.
    let (_, again) = app.api("POST", &path, None).await;
    let kept = again["keys"][0]["url"].as_str().unwrap().to_string();
    let (s, _) = app
        .api("DELETE", &format!("/api/v1/monitors/{id}"), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.http.get(&kept).send().await.unwrap().status(), 404);
    app.stop().await;
}
both!(
    heartbeat_scripts_as_the_articles_write_them,
    article_scripts
);

/// systemd timer users write `OnCalendar` events: taken as `schedule` by the v3 mirror,
/// as `cron` by `/api/v1`, in the form's preview; refusals say what to write.
async fn oncalendar(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, c) = app
        .api(
            "POST",
            "/api/v3/checks/",
            Some(json!({"name": "timer", "schedule": "Mon..Fri *-*-* 02:30:00", "tz": "Europe/Riga"})),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["schedule"], "Mon..Fri *-*-* 02:30:00");
    let (s, m) = app
        .api(
            "POST",
            "/api/v1/monitors",
            Some(json!({"name": "weekly timer", "cron": "weekly", "tz": "UTC", "grace": "1h"})),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(m["schedule"]["cron"], "weekly");
    // After a ping, it is next due on a Monday at 00:00 UTC.
    let uuid = m["uuid"].as_str().unwrap().to_string();
    assert_eq!(app.ping(&uuid).await, 200);
    let m = app.get_monitor(&uuid).await;
    let next = m["next_due"].as_str().unwrap();
    let t = chrono::DateTime::parse_from_rfc3339(next).unwrap();
    use chrono::{Datelike, Timelike};
    assert_eq!(
        (t.weekday(), t.hour(), t.minute()),
        (chrono::Weekday::Mon, 0, 0),
        "{m}"
    );
    let (s, p) = app
        .api(
            "GET",
            "/api/v1/schedule/preview?cron=Sat%2CSun%2010%3A15&tz=UTC",
            None,
        )
        .await;
    assert_eq!(s, 200, "{p}");
    for t in p["next"].as_array().unwrap() {
        let t = chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap()).unwrap();
        assert!(
            matches!(t.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun)
                && (t.hour(), t.minute()) == (10, 15),
            "{p}"
        );
    }
    for (body, says) in [
        (
            json!({"name": "x", "cron": "2026-12-24 18:00"}),
            "does not repeat",
        ),
        (json!({"name": "x", "cron": "Mon 02:30 Europe/Riga"}), "tz"),
        (
            json!({"name": "x", "cron": "Funday 02:30"}),
            "not a weekday",
        ),
    ] {
        let (s, b) = app
            .api("POST", "/api/v1/monitors", Some(body.clone()))
            .await;
        assert_eq!(s, 400, "{body}: {b}");
        assert!(b["error"].as_str().unwrap().contains(says), "{body}: {b}");
    }
    app.stop().await;
}
both!(oncalendar_schedules, oncalendar);
