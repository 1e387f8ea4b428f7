//! Events in the envelopes clouds and platforms send (docs/behaviour.md, "What senders
//! send"), on both databases: CloudEvents 1.0 over HTTP in structured, binary and
//! batched mode (with `data` and `data_base64`), built as the specification's examples
//! show, and a Google Pub/Sub push as its documentation shows it, to the push URL with
//! its token. A message id seen before is applied once; what cannot be read is kept
//! aside — a push still acknowledged — listed with its raw message and dismissed.

use base64::Engine;
use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, TestApp};

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::STANDARD.encode(v.to_string())
}

/// Posts `body` as it is with `headers`.
async fn post(app: &TestApp, url: &str, headers: &[(&str, &str)], body: String) -> (u16, Value) {
    let mut r = app.http.post(url).body(body);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let r = r.send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn stage(app: &TestApp, id: &str) -> Value {
    let (_, e) = app
        .api("GET", &format!("/api/v1/flows/orders/entities/{id}"), None)
        .await;
    e
}

async fn cloud_events_and_pubsub_pushes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, f) = app
        .api(
            "POST",
            "/api/v1/flows",
            Some(json!({
                "name": "orders",
                "stages": [{"name": "placed", "sla": "1h"}, {"name": "authorized", "sla": "1h"}],
                "terminal": ["delivered"],
                "mapping": {"entity": "/orderId", "stage": "status"}
            })),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    let events = app.url("/api/v1/flows/orders/events");
    let key = app.api_key.clone();

    // Structured mode: one event, its time from the envelope.
    let structured = json!({
        "specversion": "1.0", "type": "com.example.order.status", "source": "/shop/orders",
        "id": "A234-1234-1234", "time": "2026-04-05T17:31:00Z",
        "datacontenttype": "application/json",
        "data": {"orderId": 1, "status": "Placed", "customer": "ACME"}
    });
    let ce_json = [
        ("X-Api-Key", key.as_str()),
        ("Content-Type", "application/cloudevents+json"),
    ];
    let (s, r) = post(&app, &events, &ce_json, structured.to_string()).await;
    assert_eq!((s, r["stored"].clone()), (200, json!(1)), "{r}");
    let one = stage(&app, "1").await;
    assert_eq!(one["entered_at"], "2026-04-05T17:31:00+00:00", "{one}");
    assert_eq!(one["attributes"], json!({"customer": "ACME"}));
    // The same event again (same source and id): applied once.
    let (s, r) = post(&app, &events, &ce_json, structured.to_string()).await;
    assert_eq!(
        (s, r["stored"].clone(), r["duplicates"].clone()),
        (200, json!(0), json!(1)),
        "{r}"
    );
    assert_eq!(
        stage(&app, "1").await["history"].as_array().unwrap().len(),
        1
    );

    // Binary mode: the body is the data, the attributes are ce-* headers.
    let binary = [
        ("X-Api-Key", key.as_str()),
        ("Content-Type", "application/json"),
        ("ce-specversion", "1.0"),
        ("ce-type", "com.example.order.status"),
        ("ce-source", "/shop/orders"),
        ("ce-id", "B-1"),
        ("ce-time", "2026-04-05T18:00:00Z"),
    ];
    let (s, r) = post(
        &app,
        &events,
        &binary,
        json!({"orderId": 2, "status": "authorized"}).to_string(),
    )
    .await;
    assert_eq!((s, r["applied"].clone()), (200, json!(1)), "{r}");
    assert_eq!(stage(&app, "2").await["stage"], "authorized");

    // Batched mode: data and data_base64; one that cannot be read is kept aside.
    let batch = json!([
        {"specversion": "1.0", "type": "t", "source": "/shop/orders", "id": "C-1",
         "data": {"orderId": 3, "status": "placed"}},
        {"specversion": "1.0", "type": "t", "source": "/shop/orders", "id": "C-2",
         "data_base64": b64(&json!({"orderId": 4, "status": "placed"}))},
        {"specversion": "1.0", "type": "t", "source": "/shop/orders", "id": "C-3",
         "data": {"orderId": 5, "status": "Vanished"}}
    ]);
    let ce_batch = [
        ("X-Api-Key", key.as_str()),
        ("Content-Type", "application/cloudevents-batch+json"),
    ];
    let (s, r) = post(&app, &events, &ce_batch, batch.to_string()).await;
    assert_eq!(s, 422, "{r}");
    assert_eq!(
        (r["stored"].clone(), r["kept_aside"].clone()),
        (json!(2), json!(1)),
        "{r}"
    );
    assert!(
        r["problems"][0]
            .as_str()
            .unwrap()
            .starts_with("events[2]: status: \"Vanished\""),
        "{r}"
    );
    assert_eq!(stage(&app, "4").await["stage"], "placed");

    // A Pub/Sub push, to the push URL its subscription is given.
    let (_, f) = app.api("GET", "/api/v1/flows/orders", None).await;
    let push = f["push_url"]
        .as_str()
        .expect("writers see the push URL")
        .to_string();
    assert!(push.contains("?token="), "{push}");
    let (_, ro) = app
        .api_with(&app.read_only_key, "GET", "/api/v1/flows/orders", None)
        .await;
    assert!(
        ro["push_url"].is_null(),
        "a viewer never sees the token: {ro}"
    );
    let envelope = |data: String, id: &str| {
        json!({
            "message": {
                "attributes": {"key": "value"},
                "data": data,
                "messageId": id, "message_id": id,
                "publishTime": "2026-04-05T19:00:00.000Z", "publish_time": "2026-04-05T19:00:00.000Z"
            },
            "subscription": "projects/myproject/subscriptions/mysubscription"
        })
        .to_string()
    };
    let json_type = [("Content-Type", "application/json")];
    let msg = envelope(
        b64(&json!({"orderId": 6, "status": "placed"})),
        "2070443601311540",
    );
    let (s, r) = post(&app, &push, &json_type, msg.clone()).await;
    assert_eq!((s, r["stored"].clone()), (200, json!(1)), "{r}");
    assert_eq!(
        stage(&app, "6").await["entered_at"],
        "2026-04-05T19:00:00+00:00"
    );
    let (s, r) = post(&app, &push, &json_type, msg.clone()).await;
    assert_eq!(
        (s, r["duplicates"].clone()),
        (200, json!(1)),
        "redelivered: {r}"
    );
    // Unreadable data is acknowledged (else Pub/Sub redelivers it for days) and kept.
    let junk = envelope("bm90IGpzb24=".into(), "2070443601311541");
    let (s, r) = post(&app, &push, &json_type, junk).await;
    assert_eq!((s, r["kept_aside"].clone()), (200, json!(1)), "{r}");
    // The token is the credential: a wrong one, none, or another project's URL.
    let wrong = push.replace("?token=", "?token=x");
    let (s, r) = post(&app, &wrong, &json_type, msg.clone()).await;
    assert_eq!(s, 403, "{r}");
    assert!(r["error"].as_str().unwrap().contains("token"), "{r}");
    let bare = push.split('?').next().unwrap().to_string();
    assert_eq!(post(&app, &bare, &json_type, msg.clone()).await.0, 403);
    let (_, project) = app.api("GET", "/api/v1/project", None).await;
    let pid = project["id"].as_str().unwrap_or_default().to_string();
    let stranger = push.replace(&pid, "00000000-0000-0000-0000-000000000000");
    assert_eq!(post(&app, &stranger, &json_type, msg.clone()).await.0, 403);
    let nope = push.replace("/orders?", "/nope?");
    assert_eq!(post(&app, &nope, &json_type, msg).await.0, 404);

    // Kept aside: newest first, with the raw message; viewers read, writers dismiss.
    let (s, list) = app
        .api_with(
            &app.read_only_key,
            "GET",
            "/api/v1/kept-aside?flow=orders",
            None,
        )
        .await;
    assert_eq!((s, list["count"].clone()), (200, json!(2)), "{list}");
    let newest = &list["items"][0];
    assert_eq!(newest["source"], "push");
    assert!(
        newest["reason"]
            .as_str()
            .unwrap()
            .contains("message.data is not JSON"),
        "{newest}"
    );
    assert!(
        newest["raw"].as_str().unwrap().contains("2070443601311541"),
        "{newest}"
    );
    assert_eq!(list["items"][1]["source"], "http");
    let id = newest["id"].as_i64().unwrap();
    let path = format!("/api/v1/kept-aside/{id}");
    let (s, _) = app
        .api_with(&app.read_only_key, "DELETE", &path, None)
        .await;
    assert_eq!(s, 403, "a viewer never writes");
    let (s, _) = app.api("DELETE", &path, None).await;
    assert_eq!(s, 204);
    let (s, _) = app.api("DELETE", &path, None).await;
    assert_eq!(s, 404);
    let (s, e) = app.api("DELETE", "/api/v1/kept-aside/x1", None).await;
    assert_eq!(s, 400, "{e}");
    let (s, e) = app.api("GET", "/api/v1/kept-aside?limit=0", None).await;
    assert_eq!(s, 400, "{e}");
    let (_, left) = app.api("GET", "/api/v1/kept-aside", None).await;
    assert_eq!(left["count"], 1, "{left}");
    // An empty body is kept aside too; a body over the limit is refused whole (413),
    // saying the limit, and nothing of it is kept.
    let (s, r) = post(&app, &events, &[("X-Api-Key", key.as_str())], String::new()).await;
    assert_eq!(s, 422, "{r}");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("the body is not JSON"),
        "{r}"
    );
    let huge = "x".repeat(2 * 1024 * 1024 + 1);
    let (s, r) = post(&app, &push.replace("/nope?", "/orders?"), &json_type, huge).await;
    assert_eq!(s, 413, "{r}");
    assert!(r["error"].as_str().unwrap().contains("over 2 MB"), "{r}");
    let (_, left) = app.api("GET", "/api/v1/kept-aside", None).await;
    assert_eq!(left["count"], 2, "{left}");
    // A sender that sends nothing readable cannot fill the disk: a project keeps the
    // newest 10,000, the oldest giving way.
    let junk: Vec<Value> = (0..10_000)
        .map(|i| json!({"entity": format!("j{i}"), "stage": "nowhere"}))
        .collect();
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(Value::Array(junk)),
        )
        .await;
    assert_eq!((s, r["kept_aside"].clone()), (422, json!(10_000)));
    let last = json!([{"entity": "newest", "stage": "nowhere"}]);
    let (s, _) = app
        .api("POST", "/api/v1/flows/orders/events", Some(last))
        .await;
    assert_eq!(s, 422);
    let (_, capped) = app.api("GET", "/api/v1/kept-aside?limit=1", None).await;
    assert_eq!(capped["count"], 10_000, "{}", capped["count"]);
    assert!(capped["items"][0]["raw"]
        .as_str()
        .unwrap()
        .contains("newest"));
    app.stop().await;
}
both!(
    cloud_events_and_pubsub_pushes,
    cloud_events_and_pubsub_pushes
);

/// A key pair made by openssl: the private key's PEM and its public key as a JWK.
fn key_pair(dir: &std::path::Path, kid: &str) -> (Vec<u8>, Value) {
    let pem = dir.join(format!("{kid}.pem"));
    let made = std::process::Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&pem)
        .arg("2048")
        .output()
        .expect("openssl is needed for this test");
    assert!(made.status.success(), "{made:?}");
    let modulus = std::process::Command::new("openssl")
        .args(["rsa", "-noout", "-modulus", "-in"])
        .arg(&pem)
        .output()
        .unwrap();
    let text = String::from_utf8(modulus.stdout).unwrap();
    let hex = text.trim().trim_start_matches("Modulus=");
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let jwk = json!({"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": n, "e": "AQAB"});
    (std::fs::read(&pem).unwrap(), jwk)
}

/// A token as a push subscription signs it.
fn token(pem: &[u8], kid: &str, aud: &str, exp_in: i64) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid.into());
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"aud": aud, "iss": "https://accounts.google.com", "iat": now,
                        "exp": now + exp_in, "email": "pusher@example.iam.gserviceaccount.com",
                        "email_verified": true});
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem).unwrap();
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

/// With a JWKS configured, a push must carry a token signed by one of its keys, for
/// the configured audience and not expired; a rotated key is read from the file again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_with_a_signed_token() {
    let n: u64 = rand::random();
    let dir = std::env::temp_dir().join(format!("overdue-jwks-{n:x}"));
    std::fs::create_dir_all(&dir).unwrap();
    let (pem1, jwk1) = key_pair(&dir, "k1");
    let (pem2, jwk2) = key_pair(&dir, "k2");
    let jwks = dir.join("jwks.json");
    std::fs::write(&jwks, json!({"keys": [jwk1.clone()]}).to_string()).unwrap();
    let aud = "https://overdue.example/push";
    let check = overdue_server::flows::jwt::PushJwt::new(jwks.clone(), aud.into()).unwrap();
    let db = crate::harness::fresh_database(Backend::Sqlite);
    let app = TestApp::spawn_on(&db, move |s| s.push_jwt = Some(std::sync::Arc::new(check))).await;
    let (s, f) = app
        .api(
            "POST",
            "/api/v1/flows",
            Some(json!({"name": "orders", "stages": [{"name": "placed", "sla": "1h"}]})),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    let push = f["push_url"].as_str().unwrap().to_string();
    let body = |id: &str| {
        json!({"message": {"data": b64(&json!({"entity": id, "stage": "placed"})), "messageId": id},
               "subscription": "projects/p/subscriptions/s"})
        .to_string()
    };
    let with = |t: String| format!("Bearer {t}");
    let json_type = ("Content-Type", "application/json");
    let (s, _) = post(&app, &push, &[json_type], body("a")).await;
    assert_eq!(s, 401, "no token");
    for (bad, what) in [
        (
            token(&pem1, "k1", "https://elsewhere.example", 600),
            "another audience",
        ),
        (token(&pem1, "k1", aud, -600), "expired"),
        (token(&pem2, "k1", aud, 600), "signed by another key"),
        (token(&pem2, "k3", aud, 600), "a key nobody has"),
        ("not.a.jwt".into(), "not a JWT"),
    ] {
        let auth = with(bad);
        let (s, r) = post(
            &app,
            &push,
            &[json_type, ("Authorization", &auth)],
            body("a"),
        )
        .await;
        assert_eq!(s, 401, "{what}: {r}");
    }
    assert_eq!(
        stage(&app, "a").await["stage"],
        Value::Null,
        "nothing stored"
    );
    let auth = with(token(&pem1, "k1", aud, 600));
    let (s, r) = post(
        &app,
        &push,
        &[json_type, ("Authorization", &auth)],
        body("a"),
    )
    .await;
    assert_eq!((s, r["stored"].clone()), (200, json!(1)), "{r}");
    // The provider rotates its keys: the file is replaced, and read again.
    std::fs::write(&jwks, json!({"keys": [jwk2]}).to_string()).unwrap();
    let auth = with(token(&pem2, "k2", aud, 600));
    let (s, r) = post(
        &app,
        &push,
        &[json_type, ("Authorization", &auth)],
        body("b"),
    )
    .await;
    assert_eq!((s, r["stored"].clone()), (200, json!(1)), "{r}");
    app.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
