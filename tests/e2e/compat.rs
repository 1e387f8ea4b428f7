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
