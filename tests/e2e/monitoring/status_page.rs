//! Public status pages (docs/behaviour.md, "Status pages"): a page over a tag with one
//! monitor renamed, read without any credential as JSON and as HTML — the names as
//! exposed, statuses, 90-day strips, the incident now — and nothing else of the
//! project (no id, reference, tag, other monitor or replaced name); one monitor hidden;
//! bad settings refused in words; a deleted page's link gone.

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};

async fn status_page_shows_what_the_owner_exposes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let backup = app
        .monitor(json!({"name": "db-backup", "tags": "public", "period": "1d"}))
        .await;
    let billing = app
        .monitor(json!({"name": "billing-sync-internal", "tags": "public nightly", "period": "1d"}))
        .await;
    let secret = app
        .monitor(json!({"name": "secret-job", "period": "1d"}))
        .await;
    for m in [&backup, &billing, &secret] {
        assert_eq!(app.ping(m).await, 200);
    }
    assert_eq!(app.ping(&format!("{billing}/fail")).await, 200);

    // Refused in words.
    for (body, says) in [
        (json!({"scope": "project"}), "title is required"),
        (json!({"title": ""}), "title must be 1 to 100"),
        (
            json!({"title": "x", "scope": "team:x"}),
            "neither project nor tag",
        ),
        (
            json!({"title": "x", "aliases": {"nope": "N"}}),
            "aliases: no monitor",
        ),
        (
            json!({"title": "x", "aliases": {billing.clone(): ""}}),
            "1 to 100 characters",
        ),
        (json!({"title": "x", "colour": "red"}), "colour"),
    ] {
        let (s, e) = app
            .api("POST", "/api/v1/status-pages", Some(body.clone()))
            .await;
        assert_eq!(s, 400, "{body}: {e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{body}: {e}");
    }
    let (s, page) = app
        .api(
            "POST",
            "/api/v1/status-pages",
            Some(json!({"title": "Acme status", "scope": "tag:public",
                        "aliases": {billing.clone(): "Billing"}})),
        )
        .await;
    assert_eq!(s, 201, "{page}");
    let public_billing = overdue_core::PublicRef::of(&billing).to_string();
    assert_eq!(
        page["aliases"],
        json!({public_billing.clone(): "Billing"}),
        "{page}"
    );
    let (url, json_url) = (
        page["url"].as_str().unwrap().to_string(),
        page["json_url"].as_str().unwrap().to_string(),
    );
    assert!(url.starts_with(&format!("{}/status/", app.base)), "{page}");

    // Read with no credential at all.
    let anon = reqwest::Client::new();
    let r = anon.get(&json_url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    for leak in [
        backup.as_str(),
        billing.as_str(),
        secret.as_str(),
        public_billing.as_str(),
        "billing-sync-internal",
        "secret-job",
        "nightly",
        app.ping_key.as_str(),
    ] {
        assert!(!text.contains(leak), "{leak} on the public page: {text}");
    }
    let p: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (&p["title"], &p["overall"]),
        (&json!("Acme status"), &json!("incident"))
    );
    let names: Vec<&str> = p["monitors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Billing", "db-backup"], "{p}");
    assert_eq!(p["monitors"][0]["status"], "down");
    assert_eq!(p["monitors"][1]["status"], "up");
    let days = p["monitors"][0]["days"].as_array().unwrap();
    assert_eq!(days.len(), 90);
    assert_eq!(days[89]["status"], "down", "{p}");
    assert_eq!(days[0]["status"], "none", "before it existed");
    assert_eq!(p["incidents"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["incidents"][0]["name"], "Billing");

    // The same as HTML: no script, the strips with each day's words.
    let r = anon.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let html = r.text().await.unwrap();
    assert!(html.contains("<h1>Acme status</h1>"), "{html}");
    assert!(html.contains("1 incident now"), "{html}");
    assert!(
        html.contains("<strong>Billing</strong> is down since"),
        "{html}"
    );
    assert_eq!(
        html.matches("<rect ").count(),
        180,
        "90 days of two monitors"
    );
    assert!(
        html.contains("aria-label=\"Billing: downtime on 1 of the last 90 days"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(
        !html.contains("secret-job") && !html.contains(&billing),
        "{html}"
    );

    // One hidden; the incident over; a wrong key and a deleted page are plain 404s.
    let id = page["id"].as_str().unwrap();
    let (s, changed) = app
        .api(
            "PATCH",
            &format!("/api/v1/status-pages/{id}"),
            Some(json!({"hidden": [backup.clone()]})),
        )
        .await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(changed["aliases"], page["aliases"], "kept");
    assert_eq!(app.ping(&billing).await, 200);
    let p: Value = anon
        .get(&json_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p["monitors"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["overall"], "operational", "{p}");
    let html = anon.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("All systems operational"), "{html}");
    let (s, list) = app.api("GET", "/api/v1/status-pages", None).await;
    assert_eq!(
        (s, list["status_pages"].as_array().unwrap().len()),
        (200, 1)
    );
    let wrong = format!("{}/status/aaaaaaaaaaaaaaaaaaaaaaaa", app.base);
    assert_eq!(anon.get(&wrong).send().await.unwrap().status(), 404);
    let (s, _) = app
        .api("DELETE", &format!("/api/v1/status-pages/{id}"), None)
        .await;
    assert_eq!(s, 204);
    assert_eq!(anon.get(&url).send().await.unwrap().status(), 404);
    app.stop().await;
}
both!(
    status_page_shows_what_the_owner_exposes,
    status_page_shows_what_the_owner_exposes
);
