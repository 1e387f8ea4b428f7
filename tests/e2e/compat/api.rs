//! The v3 mirror and /api/v1: CRUD, keys, project isolation.

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};

async fn v3(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ch = app.webhook("http://127.0.0.1:9/hook").await;
    // Create with Healthchecks fields; periods from 1 s; channels "*" assigns all.
    let (s, c) = app
        .api("POST", "/api/v3/checks/", Some(json!({"name": "backup", "slug": "backup", "tags": "prod db", "timeout": 1, "grace": 5, "channels": "*"})))
        .await;
    assert_eq!(s, 201, "{c}");
    for field in [
        "name",
        "slug",
        "grace",
        "n_pings",
        "status",
        "manual_resume",
        "uuid",
        "ping_url",
        "update_url",
        "pause_url",
        "resume_url",
    ] {
        assert!(c.get(field).is_some(), "missing {field}: {c}");
    }
    assert_eq!(c["timeout"], 1);
    assert_eq!(c["status"], "new");
    assert_eq!(c["channels"], ch.as_str());
    assert_eq!(c["tags"], "prod db");
    let uuid = c["uuid"].as_str().unwrap().to_string();
    assert!(c["ping_url"].as_str().unwrap().ends_with(&uuid));

    // unique: the same name returns the existing check (200), updated.
    let (s, again) = app
        .api(
            "POST",
            "/api/v3/checks/",
            Some(json!({"name": "backup", "grace": 7, "unique": ["name"]})),
        )
        .await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["uuid"], uuid.as_str());
    assert_eq!(again["grace"], 7);
    // By tags (not narrowed in SQL): the same check; another name is a new one.
    let (s, by_tags) = app
        .api(
            "POST",
            "/api/v3/checks/",
            Some(json!({"name": "backup", "tags": "prod db", "grace": 8, "unique": ["tags"]})),
        )
        .await;
    assert_eq!((s, &by_tags["uuid"]), (200, &json!(uuid)), "{by_tags}");
    let (s, other) = app
        .api(
            "POST",
            "/api/v3/checks/",
            Some(json!({"name": "backup 2", "unique": ["name"]})),
        )
        .await;
    assert_eq!(s, 201, "{other}");
    assert_ne!(other["uuid"], uuid.as_str());
    let gone = format!("/api/v3/checks/{}", other["uuid"].as_str().unwrap());
    assert_eq!(app.api("DELETE", &gone, None).await.0, 200);

    // Cron check.
    let (s, cron) = app
        .api(
            "POST",
            "/api/v3/checks/",
            Some(json!({"name": "c", "schedule": "0 5 * * *", "tz": "Europe/Riga", "grace": 60})),
        )
        .await;
    assert_eq!(s, 201, "{cron}");
    assert_eq!(cron["schedule"], "0 5 * * *");
    assert_eq!(cron["tz"], "Europe/Riga");
    assert!(cron.get("timeout").is_none());

    // List, filtered by tag (all must match) and slug.
    let (_, list) = app.api("GET", "/api/v3/checks/", None).await;
    assert_eq!(list["checks"].as_array().unwrap().len(), 2);
    let (_, tagged) = app
        .api("GET", "/api/v3/checks/?tag=prod&tag=db", None)
        .await;
    assert_eq!(tagged["checks"].as_array().unwrap().len(), 1);
    let (_, none) = app
        .api("GET", "/api/v3/checks/?tag=prod&tag=web", None)
        .await;
    assert_eq!(none["checks"].as_array().unwrap().len(), 0);

    // Ping, then get with n_pings and status.
    assert_eq!(app.ping(&uuid).await, 200);
    let (s, got) = app
        .api("GET", &format!("/api/v3/checks/{uuid}"), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(got["n_pings"], 1);
    assert_eq!(got["status"], "up");
    assert!(got["last_ping"].is_string());
    assert!(got["next_ping"].is_string());

    // Update (partial).
    let (s, upd) = app
        .api(
            "POST",
            &format!("/api/v3/checks/{uuid}"),
            Some(json!({"desc": "nightly", "channels": ""})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(upd["desc"], "nightly");
    assert_eq!(upd["channels"], "");
    assert_eq!(upd["name"], "backup");

    // Pings and flips.
    let (_, pings) = app
        .api("GET", &format!("/api/v3/checks/{uuid}/pings/"), None)
        .await;
    assert_eq!(pings["pings"][0]["type"], "success");
    assert_eq!(pings["pings"][0]["n"], 1);
    let (_, flips) = app
        .api("GET", &format!("/api/v3/checks/{uuid}/flips/"), None)
        .await;
    assert_eq!(flips[0]["up"], 1);
    let (s, _) = app
        .api(
            "GET",
            &format!("/api/v3/checks/{uuid}/flips/?seconds=abc"),
            None,
        )
        .await;
    assert_eq!(s, 400);

    // Pause; channels list.
    let (s, p) = app
        .api("POST", &format!("/api/v3/checks/{uuid}/pause"), None)
        .await;
    assert_eq!((s, p["status"].as_str()), (200, Some("paused")));
    let (_, chans) = app.api("GET", "/api/v3/channels/", None).await;
    assert_eq!(chans["channels"][0]["kind"], "webhook");

    // Read-only key: reads without secrets, writes refused.
    let (s, ro) = app
        .api_with(&app.read_only_key, "GET", "/api/v3/checks/", None)
        .await;
    assert_eq!(s, 200);
    let first = &ro["checks"][0];
    assert!(first.get("uuid").is_none() && first.get("ping_url").is_none());
    assert!(first["unique_key"].is_string());
    // One check by its unique_key, as Healthchecks allows read-only keys to.
    let key = first["unique_key"].as_str().unwrap();
    let (s, one) = app
        .api_with(
            &app.read_only_key,
            "GET",
            &format!("/api/v3/checks/{key}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{one}");
    assert_eq!(one["unique_key"], first["unique_key"]);
    assert!(
        one.get("uuid").is_none() && one.get("ping_url").is_none(),
        "{one}"
    );
    let (s, _) = app
        .api_with(
            &app.read_only_key,
            "GET",
            "/api/v3/checks/0123456789abcdef0123456789abcdef01234567",
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = app
        .api_with(
            &app.read_only_key,
            "POST",
            "/api/v3/checks/",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(s, 403);

    // Delete.
    let (s, _) = app
        .api("DELETE", &format!("/api/v3/checks/{uuid}"), None)
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .api("GET", &format!("/api/v3/checks/{uuid}"), None)
        .await;
    assert_eq!(s, 404);
    assert_eq!(app.ping(&uuid).await, 404);

    // The key in the JSON body, as some Healthchecks clients send it.
    let post = |path: &str, body: Value| {
        let req = app
            .http
            .post(app.url(path))
            .header("Content-Type", "application/json")
            .body(body.to_string());
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, c) = post(
        "/api/v3/checks/",
        json!({"api_key": app.api_key, "name": "keyed", "timeout": 3600}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let keyed = c["ping_url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let (s, _) = post(
        &format!("/api/v3/checks/{keyed}/pause"),
        json!({"api_key": app.api_key}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, e) = post(
        "/api/v3/checks/",
        json!({"api_key": "odk_wrong", "name": "x"}),
    )
    .await;
    assert_eq!((s, e["error"].as_str()), (401, Some("wrong api key")));
    let (s, _) = post(
        "/api/v3/checks/",
        json!({"api_key": app.read_only_key, "name": "x"}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = post("/api/v3/checks/", json!({"name": "no key"})).await;
    assert_eq!(s, 401);
    app.stop().await;
}
both!(v3_mirror, v3);

async fn isolation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let other = app
        .store
        .write(move |c| overdue_storage::people::projects::create(c, "other"))
        .await
        .unwrap();
    let mine = app.monitor(json!({"name": "mine"})).await;
    let ch = app.webhook("http://127.0.0.1:9/h").await;
    // Wrong and missing keys.
    let (s, e) = app
        .api_with("odk_wrong", "GET", "/api/v3/checks/", None)
        .await;
    assert_eq!((s, e["error"].as_str()), (401, Some("wrong api key")));
    let r = app
        .http
        .get(app.url("/api/v1/monitors"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The other project's key sees nothing of ours, by any route.
    let k = other.api_key.as_str();
    let (_, list) = app.api_with(k, "GET", "/api/v3/checks/", None).await;
    assert_eq!(list["checks"].as_array().unwrap().len(), 0);
    for (method, path) in [
        ("GET", format!("/api/v3/checks/{mine}")),
        ("POST", format!("/api/v3/checks/{mine}")),
        ("DELETE", format!("/api/v3/checks/{mine}")),
        ("POST", format!("/api/v3/checks/{mine}/pause")),
        ("GET", format!("/api/v3/checks/{mine}/pings/")),
        ("GET", format!("/api/v3/checks/{mine}/flips/")),
        ("GET", format!("/api/v1/monitors/{mine}")),
        ("PATCH", format!("/api/v1/monitors/{mine}")),
        ("GET", format!("/api/v1/monitors/{mine}/pings")),
        ("GET", format!("/api/v1/monitors/{mine}/runs")),
        ("DELETE", format!("/api/v1/channels/{ch}")),
        ("GET", format!("/api/v1/channels/{ch}/deliveries")),
    ] {
        let (s, body) = app.api_with(k, method, &path, Some(json!({}))).await;
        assert!(s == 404 || s == 403, "{method} {path}: {s} {body}");
        assert!(!body.to_string().contains("mine"), "{body}");
    }
    // Assigning our channel to their monitor is refused.
    let theirs = {
        let (s, m) = app
            .api_with(
                k,
                "POST",
                "/api/v1/monitors",
                Some(json!({"name": "theirs"})),
            )
            .await;
        assert_eq!(s, 201);
        m["uuid"].as_str().unwrap().to_string()
    };
    let (s, _) = app
        .api_with(
            k,
            "PUT",
            &format!("/api/v1/monitors/{theirs}/channels"),
            Some(json!({"channels": [ch]})),
        )
        .await;
    assert_eq!(s, 400);
    // Our monitor is untouched.
    assert_eq!(app.get_monitor(&mine).await["name"], "mine");
    app.stop().await;
}
both!(project_isolation, isolation);

/// Badges: public status images per tag, for all monitors, per monitor slug; JSON and
/// shields formats; the badge key reveals nothing else.
async fn badges(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = app
        .monitor(
            json!({"name": "db <backup>", "slug": "db", "tags": ["prod", "db"], "period": "1h"}),
        )
        .await;
    app.monitor(json!({"name": "web", "tags": ["prod"], "period": "1h"}))
        .await;
    let (s, b) = app.api("GET", "/api/v1/badges", None).await;
    assert_eq!(s, 200, "{b}");
    let key = b["key"].as_str().unwrap().to_string();
    assert_eq!(b["tags"].as_array().unwrap().len(), 2, "{b}");
    assert_eq!(b["monitors"][0]["slug"], "db");
    let get = |path: String| {
        let req = app.http.get(app.url(&path));
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let ctype = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            (status, ctype, r.text().await.unwrap())
        }
    };
    let (s, ctype, svg) = get(format!("/badge/{key}/prod.svg")).await;
    assert_eq!((s, ctype.starts_with("image/svg+xml")), (200, true));
    assert!(
        svg.contains(">prod</text>") && svg.contains(">up</text>"),
        "{svg}"
    );
    // One monitor fails: the tag's badge and the monitor's say so; the other tag's too.
    assert_eq!(app.ping(&format!("{db}/fail")).await, 200);
    let (_, _, j) = get(format!("/badge/{key}/prod.json")).await;
    let j: Value = serde_json::from_str(&j).unwrap();
    assert_eq!(
        j,
        json!({"status": "down", "total": 2, "grace": 0, "down": 1})
    );
    let (_, _, sh) = get(format!("/badge/{key}/*.shields")).await;
    let sh: Value = serde_json::from_str(&sh).unwrap();
    assert_eq!(
        (sh["message"].clone(), sh["color"].clone()),
        (json!("down"), json!("critical"))
    );
    let (s, _, svg) = get(format!("/badge/{key}/monitor/db.svg")).await;
    assert_eq!(s, 200);
    assert!(
        svg.contains("db &lt;backup&gt;") && !svg.contains("<backup>"),
        "{svg}"
    );
    let m = app.get_monitor(&db).await;
    assert!(m["badge_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/badge/{key}/monitor/db.svg")));
    let (_, c) = app.api("GET", &format!("/api/v3/checks/{db}"), None).await;
    assert_eq!(c["badge_url"], m["badge_url"]);
    // Unknown key, tag, slug or format: 404 saying which.
    for (path, says) in [
        ("/badge/nokey/prod.svg".to_string(), "badge key"),
        (format!("/badge/{key}/staging.svg"), "tag"),
        (format!("/badge/{key}/monitor/nope.svg"), "slug"),
        (format!("/badge/{key}/prod.png"), ".svg, .json or .shields"),
    ] {
        let (s, _, body) = get(path.clone()).await;
        assert_eq!(s, 404, "{path}");
        assert!(body.contains(says), "{path}: {body}");
    }
    // The badge key pings nothing.
    assert_eq!(app.ping(&format!("{key}/db")).await, 404);
    app.stop().await;
}
both!(status_badges, badges);

/// Prometheus: `/metrics` (the service, aggregates only) and `/projects/<id>/metrics`
/// (one project's monitors, for a key of that project only).
async fn metrics(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = app
        .monitor(json!({"name": "db \"main\"", "tags": ["prod"], "period": "1h"}))
        .await;
    app.monitor(json!({"name": "web", "tags": ["prod"], "period": "1h"}))
        .await;
    assert_eq!(app.ping(&format!("{db}/fail")).await, 200);
    let get = |path: String, header: Option<(&'static str, String)>| {
        let mut req = app.http.get(app.url(&path));
        if let Some((k, v)) = header {
            req = req.header(k, v);
        }
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (s, m) = get("/metrics".into(), None).await;
    assert_eq!(s, 200);
    for line in [
        "overdue_database_up 1",
        "overdue_pings_stored_total 1",
        "overdue_outbox_pending 0",
    ] {
        assert!(m.contains(line), "{line} in {m}");
    }
    assert!(!m.contains("db"), "no tenant data on /metrics: {m}");
    let project = app
        .store
        .read(overdue_storage::people::projects::any)
        .await
        .unwrap()
        .id;
    let path = format!("/projects/{project}/metrics");
    let ro = app.read_only_key.clone();
    let (s, m) = get(path.clone(), Some(("X-Api-Key", ro.clone()))).await;
    assert_eq!(s, 200, "{m}");
    assert!(
        m.contains(
            "overdue_monitor_up{name=\"db \\\"main\\\"\",slug=\"\",tags=\"prod\",unique_key=\""
        ),
        "{m}"
    );
    assert!(m.contains("overdue_tag_up{tag=\"prod\"} 0"), "{m}");
    assert!(m.contains("overdue_monitors_down_total 1"), "{m}");
    assert!(
        !m.contains(&db),
        "the UUID (ping secret) is not a label: {m}"
    );
    let (s, m2) = get(format!("{path}/{ro}"), None).await;
    assert_eq!((s, m2.lines().count()), (200, m.lines().count()));
    let (s, _) = get(
        path.clone(),
        Some(("Authorization", format!("Bearer {ro}"))),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = get(path.clone(), None).await;
    assert_eq!(s, 401);
    let (s, _) = get(format!("{path}/odr_wrong"), None).await;
    assert_eq!(s, 404);
    let other = app
        .store
        .write(move |c| overdue_storage::people::projects::create(c, "other"))
        .await
        .unwrap();
    let (s, body) = get(format!("{path}/{}", other.read_only_key), None).await;
    assert_eq!(s, 404, "{body}");
    app.stop().await;
}
both!(prometheus_metrics, metrics);
