//! A stored secret never follows a changed destination (issue 27, docs/security.md): a
//! PATCH that moves a channel (its URL's scheme, host, port or path, or a server field)
//! drops every secret it does not send anew. Required ones must be given again (400
//! naming them); optional ones are gone, and a Test to the new host carries none of them.
//! A change of the query alone moves nothing. Both databases.

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, Receiver, TestApp};

const SECRETS: [&str; 9] = [
    "123456:ABC-def_GHIjklMNO",
    "R0UT1NGKEY0123456789abcdefABCDEF",
    "eb243592-faa2-4ba2-a551-1afdf565c889",
    "tk_abcdefghijklmnop",
    "AbCdEf123456789",
    "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
    "ApiKeyForElastic0123456789",
    "Bearer hook-s3cret-0123456789",
    "authtoken0123456789",
];

async fn patch(app: &TestApp, id: &str, body: Value) -> (u16, Value) {
    app.api("PATCH", &format!("/api/v1/channels/{id}"), Some(body))
        .await
}

async fn moved(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let home = Receiver::start().await;
    let evil = Receiver::start().await;
    let (h, e) = (home.url.clone(), evil.url.clone());
    let s = SECRETS;
    let required = [
        (
            json!({"kind": "telegram", "name": "tg", "bot_token": s[0], "chat_id": "42", "url": format!("{h}/tg")}),
            "bot_token",
        ),
        (
            json!({"kind": "pagerduty", "name": "pd", "routing_key": s[1], "url": format!("{h}/pd")}),
            "routing_key",
        ),
        (
            json!({"kind": "opsgenie", "name": "og", "api_key": s[2], "url": format!("{h}/og")}),
            "api_key",
        ),
        (
            json!({"kind": "gotify", "name": "go", "token": s[4], "url": format!("{h}/gotify")}),
            "token",
        ),
        (
            json!({"kind": "pushover", "name": "po", "user_key": s[5], "app_token": s[5], "url": format!("{h}/po")}),
            "user_key",
        ),
    ];
    for (body, field) in required {
        let (st, c) = app.api("POST", "/api/v1/channels", Some(body)).await;
        assert_eq!(st, 201, "{c}");
        let id = c["id"].as_str().unwrap();
        let (st, b) = patch(&app, id, json!({"url": format!("{e}/x")})).await;
        assert_eq!(st, 400, "{b}");
        let msg = b["error"].as_str().unwrap();
        assert!(msg.contains(field) && msg.contains("again"), "{msg}");
        // Sending the mask back is no new value either.
        let masked = c["config"][field].clone();
        let (st, _) = patch(&app, id, json!({"url": format!("{e}/x"), field: masked})).await;
        assert_eq!(st, 400);
        // Unchanged destination: the mask keeps the stored secret.
        let (st, b) = patch(
            &app,
            id,
            json!({"name": "renamed", field: c["config"][field]}),
        )
        .await;
        assert_eq!(st, 200, "{b}");
    }

    let optional = [
        json!({"kind": "ntfy", "name": "ntfy", "topic": "ops", "token": s[3], "url": format!("{h}/ntfy")}),
        json!({"kind": "elasticsearch", "name": "es", "api_key": s[6], "url": format!("{h}/es/_bulk")}),
        json!({"kind": "webhook", "name": "hook", "headers": {"Authorization": s[7]}, "url": format!("{h}/hook")}),
        json!({"kind": "sms", "name": "sms", "to": "+15550100", "username": "AC01", "password": s[8], "url": format!("{h}/sms")}),
    ];
    for body in optional {
        let (st, c) = app.api("POST", "/api/v1/channels", Some(body)).await;
        assert_eq!(st, 201, "{c}");
        let id = c["id"].as_str().unwrap();
        let (st, b) = patch(&app, id, json!({"url": format!("{e}/moved")})).await;
        assert_eq!(st, 200, "{b}");
        let (st, b) = app
            .api("POST", &format!("/api/v1/channels/{id}/test"), None)
            .await;
        assert!(st < 500, "{b}");
    }
    evil.wait_for(std::time::Duration::from_secs(10), |got| got.len() >= 4)
        .await;
    for r in evil.all() {
        let seen = format!("{} {:?} {}", r.path, r.headers, r.body);
        for secret in SECRETS {
            assert!(!seen.contains(secret), "{secret} followed the URL: {seen}");
        }
        // SMS keeps its user name (not a secret): "Basic AC01:" with no password.
        let auth = r.header("authorization").unwrap_or_default();
        assert!(auth.is_empty() || auth == "Basic QUMwMTo=", "{seen}");
    }

    // The query alone moves nothing: the header stays and reaches the same host.
    let body = json!({"kind": "webhook", "name": "q", "headers": {"Authorization": s[7]}, "url": format!("{h}/q?a=1")});
    let (_, c) = app.api("POST", "/api/v1/channels", Some(body)).await;
    let id = c["id"].as_str().unwrap();
    let (st, b) = patch(&app, id, json!({"url": format!("{h}/q?a=2")})).await;
    assert_eq!(st, 200, "{b}");
    app.api("POST", &format!("/api/v1/channels/{id}/test"), None)
        .await;
    let got = home
        .wait_for(std::time::Duration::from_secs(10), |got| {
            got.iter().any(|r| r.path.contains("/q"))
        })
        .await;
    let q = got.iter().find(|r| r.path.contains("/q")).unwrap();
    assert_eq!(q.header("authorization"), Some(s[7]));
    app.stop().await;
}
both!(a_secret_never_follows_a_moved_channel, moved);
