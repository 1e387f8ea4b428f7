//! Delivering alerts: bad channel and alert input answered with what to fix, SMTP
//! credentials, two instances on one PostgreSQL sending each e-mail once, and a resend
//! after a crash between send and record carrying the same Message-ID.

use std::time::Duration;

use serde_json::{json, Value};

use crate::alerting::alerts::with_smtp;
use crate::both;
use crate::harness::smtp::SmtpServer;
use crate::harness::{fresh_database, start_binary, Backend, TestApp};

async fn bad_channel_and_alert_input(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = with_smtp(backend, &smtp).await;
    let cases = [
        (
            json!({"kind": "email", "name": "x", "to": ["not-an-address"]}),
            "\"not-an-address\" is not an e-mail address",
        ),
        (
            json!({"kind": "email", "name": "x", "to": []}),
            "at least one e-mail address",
        ),
        (json!({"kind": "email", "name": "x"}), "to is required"),
        (json!({"kind": "email", "name": "x", "to": "a@b.c"}), "to"),
        (
            json!({"kind": "pigeon", "name": "x"}),
            "supported kinds are email, slack, msteams, discord, telegram, mattermost, \
             pagerduty, opsgenie, ntfy, gotify, pushover, sms, elasticsearch, webhook",
        ),
        (
            json!({"kind": "telegram", "name": "x", "bot_token": "1:abc"}),
            "chat_id is required for a telegram channel",
        ),
        (
            json!({"kind": "telegram", "name": "x", "bot_token": "1:abc", "chat_id": 5, "topic": "general"}),
            "topic must be a whole number, got \"general\"",
        ),
        (
            json!({"kind": "telegram", "name": "x", "bot_token": "1:abc", "chat_id": 5, "topic": 0}),
            "topic must be between 1 and",
        ),
        (
            json!({"kind": "telegram", "name": "x", "bot_token": "1:abc", "chat": 5}),
            "field \"chat\" does not apply to a telegram channel: it takes bot_token, chat_id, topic, url",
        ),
        (
            json!({"kind": "ntfy", "name": "x", "topic": ["ops"]}),
            "topic of a ntfy channel must be text",
        ),
        (
            json!({"kind": "gotify", "name": "x", "token": "t"}),
            "url is required for a gotify channel",
        ),
        (
            json!({"kind": "pushover", "name": "x", "user_key": "u", "app_token": "a", "emergency": "loud"}),
            "emergency must be one of high, emergency, got \"loud\"",
        ),
        (
            json!({"kind": "pushover", "name": "x", "user_key": "u", "app_token": "a", "expire": 99999}),
            "expire must be between 30 and 10800, got 99999",
        ),
        (
            json!({"kind": "sms", "name": "x", "url": "https://sms.example.com/send", "to": "+1 555 0100"}),
            "to must be at most 32 letters, digits or signs, without spaces",
        ),
        (
            json!({"kind": "sms", "name": "x", "url": "https://sms.example.com/send", "to": "+15550100", "format": "xml"}),
            "format must be one of form, json",
        ),
        (
            json!({"kind": "webhook", "name": "x", "url": "https://h/x", "method": 5}),
            "method: invalid type: integer \"5\", expected a string",
        ),
        (
            json!({"kind": "pagerduty", "name": "x"}),
            "routing_key is required",
        ),
        (
            json!({"kind": "pagerduty", "name": "x", "routing_key": "has spaces in it"}),
            "routing_key must be",
        ),
        (
            json!({"kind": "slack", "name": "x", "url": "ftp://x/y"}),
            "url must start with http",
        ),
        (
            json!({"kind": "slack", "name": "x", "url": "https://h/x", "to": ["a@b.c"]}),
            "field \"to\" does not apply to a slack channel",
        ),
        (
            json!({"kind": "webhook", "name": "x", "url": "https://h/x", "routing_key": "k"}),
            "does not apply to a webhook channel",
        ),
    ];
    for (body, want) in cases {
        let (s, e) = app
            .api("POST", "/api/v1/channels", Some(body.clone()))
            .await;
        assert_eq!(s, 400, "{body} → {e}");
        let msg = e["error"].as_str().unwrap();
        assert!(msg.contains(want), "{body}: {msg:?} lacks {want:?}");
    }
    // E-mail needs a relay: a server without one says how to set it up.
    let plain = TestApp::spawn(backend).await;
    let (s, e) = plain
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "email", "name": "x", "to": ["a@example.com"]})),
        )
        .await;
    assert_eq!(s, 400);
    assert!(
        e["error"].as_str().unwrap().contains("OVERDUE_SMTP_URL"),
        "{e}"
    );
    plain.stop().await;
    // Chat and paging messages link back: they need the site URL people reach.
    let unnamed = TestApp::spawn_on(&fresh_database(backend), |s| s.site_url_given = false).await;
    let (s, e) = unnamed
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "slack", "name": "x", "url": "https://hooks.example.com/x"})),
        )
        .await;
    assert_eq!(s, 400);
    assert!(
        e["error"].as_str().unwrap().contains("OVERDUE_SITE_URL"),
        "{e}"
    );
    unnamed.stop().await;
    // The alerts API.
    for (q, want) in [
        ("?status=maybe", "use open, acknowledged, resolved or all"),
        ("?kind=x", "use down, problem"),
        ("?limit=0", "limit must be 1-1000"),
        ("?before=abc", "before must be an alert id"),
    ] {
        let (s, e) = app.api("GET", &format!("/api/v1/alerts{q}"), None).await;
        assert_eq!(s, 400, "{q}: {e}");
        assert!(e["error"].as_str().unwrap().contains(want), "{q}: {e}");
    }
    let (s, _) = app.api("GET", "/api/v1/alerts/999999", None).await;
    assert_eq!(s, 404);
    let (s, _) = app.api("GET", "/api/v1/alerts/x1", None).await;
    assert_eq!(s, 400);
    let (s, e) = app
        .api(
            "POST",
            "/api/v1/alerts/1/acknowledge",
            Some(json!({"nope": 1})),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("unknown field \"nope\""),
        "{e}"
    );
    let (s, _) = app
        .api_with(
            &app.read_only_key,
            "POST",
            "/api/v1/alerts/1/acknowledge",
            None,
        )
        .await;
    assert_eq!(s, 403);
    // Unknown and malformed acknowledgement links are a plain 404 page.
    for token in ["0123456789abcdef0123456789abcdef", "not-a-token"] {
        let r = app
            .http
            .get(app.url(&format!("/ack/{token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
    // A channel with messages still being delivered is not deleted.
    smtp.hold(3_000);
    let (_, ch) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "email", "name": "slow", "to": ["a@example.com"]})),
        )
        .await;
    let id = ch["id"].as_str().unwrap().to_string();
    let m = app.monitor(json!({"name": "m", "period": "1h"})).await;
    assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
    let mut refused = None;
    for _ in 0..40 {
        let (s, e) = app
            .api("DELETE", &format!("/api/v1/channels/{id}"), None)
            .await;
        if s == 409 {
            refused = Some(e);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let e = refused.expect("the delete was refused while a message was pending");
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("still being delivered"),
        "{e}"
    );
    smtp.hold(0);
    app.stop().await;
}
both!(bad_channel_and_alert_input, bad_channel_and_alert_input);

/// Credentials reach the relay; without TLS they need an explicit `tls=none`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_credentials() {
    let smtp = SmtpServer::start_with(Some(("mailer", "s3cret")));
    let refused = overdue::ServeArgs {
        smtp_url: Some(format!("smtp://mailer:s3cret@{}", smtp.addr)),
        ..Default::default()
    }
    .resolve()
    .unwrap_err()
    .to_string();
    assert!(
        refused.contains("tls=none") && !refused.contains("s3cret"),
        "{refused}"
    );
    let url = format!("smtp://mailer:s3cret@{}?tls=none", smtp.addr);
    let app = TestApp::spawn_on(&fresh_database(Backend::Sqlite), move |s| {
        s.smtp = Some(overdue::config::Smtp {
            url,
            from: "overdue@example.com".into(),
        });
    })
    .await;
    let (_, ch) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "email", "name": "x", "to": ["a@example.com"]})),
        )
        .await;
    let id = ch["id"].as_str().unwrap();
    // The test answers with the delivery's result, not "queued".
    let (s, r) = app
        .api("POST", &format!("/api/v1/channels/{id}/test"), None)
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "sent", "{r}");
    assert_eq!(smtp.authenticated(), vec!["mailer".to_string()]);
    let mails = smtp.mails();
    assert_eq!(
        mails[0].subject(),
        "[Overdue] Test notification for channel x"
    );
    app.stop().await;
}

/// Two instances on one PostgreSQL: each e-mail is sent once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_send_each_email_once() {
    if crate::harness::postgres_available().is_none() {
        return;
    }
    let smtp = SmtpServer::start();
    let db = fresh_database(Backend::Postgres);
    let mk = |db: String, url: String| async move {
        TestApp::spawn_on(&db, move |s| {
            s.smtp = Some(overdue::config::Smtp {
                url,
                from: "overdue@example.com".into(),
            });
        })
        .await
    };
    let a = mk(db.clone(), smtp.url()).await;
    let b = mk(db.clone(), smtp.url()).await;
    let (s, _) = a
        .api(
            "POST",
            "/api/v1/channels",
            Some(
                json!({"kind": "email", "name": "x", "to": ["ops@example.com", "dev@example.com"]}),
            ),
        )
        .await;
    assert_eq!(s, 201);
    let mut ids = Vec::new();
    for i in 0..10 {
        let app = if i % 2 == 0 { &a } else { &b };
        let m = app
            .monitor(json!({"name": format!("m{i}"), "period": "1h"}))
            .await;
        assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
        ids.push(m);
    }
    smtp.wait_for(Duration::from_secs(20), |all| all.len() >= 20)
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mails = smtp.mails();
    assert_eq!(mails.len(), 20, "one per monitor and recipient");
    let mut ids: Vec<String> = mails
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    a.stop().await;
    b.stop().await;
}

/// SIGKILL after the SMTP server got a message and before the sender recorded it: the
/// restarted instance sends it again (after the dead claim's lease) with the same
/// Message-ID, so the resend is recognisable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_after_a_crash_keeps_the_message_id() {
    let smtp = SmtpServer::start();
    let db = fresh_database(Backend::Sqlite);
    let url = smtp.url();
    // A 1 s timeout makes the shortest claim lease (10 s).
    let env = [
        // Links in messages need the site URL (any will do here).
        ("OVERDUE_SITE_URL", "http://overdue.test"),
        ("OVERDUE_SMTP_URL", url.as_str()),
        ("OVERDUE_EMAIL_FROM", "overdue@example.com"),
        ("OVERDUE_WEBHOOK_TIMEOUT", "1s"),
        ("OVERDUE_RETRY_BASE", "1s"),
    ];
    let (mut first, out) = start_binary(&db, &env).await;
    let key = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("API key:"))
        .map(|k| k.trim().to_string())
        .unwrap_or_else(|| panic!("no API key in {out}"));
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{}{path}", first.base))
            .header("X-Api-Key", &key)
            .json(&body)
            .send()
    };
    let r = post(
        "/api/v1/channels",
        json!({"kind": "email", "name": "ops", "to": ["ops@example.com"]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let m: Value = post("/api/v1/monitors", json!({"name": "db", "period": "1h"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = m["uuid"].as_str().unwrap().to_string();
    // The server receives the message and does not answer: the sender cannot record it.
    smtp.hold(60_000);
    let r = http
        .get(format!("{}/ping/{code}/fail", first.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    smtp.wait_for(Duration::from_secs(10), |all| all.len() == 1)
        .await;
    first.child.kill().unwrap();
    let _ = first.child.wait();
    smtp.hold(0);
    let (mut second, _) = start_binary(&db, &env).await;
    let mails = smtp
        .wait_for(Duration::from_secs(30), |all| all.len() >= 2)
        .await;
    let ids: Vec<String> = mails
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    assert_eq!(ids[0], ids[1], "the resend carries the same Message-ID");
    assert_eq!(mails[0].subject(), mails[1].subject());
    second.child.kill().unwrap();
    let _ = second.child.wait();
}

/// A channel whose deliveries keep failing raises its own alert on the project's
/// fallback channel (never on itself), shows as failing, and recovers by delivering.
async fn failing_channel_alerts_the_fallback(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fallback = crate::harness::Receiver::start().await;
    let (s, fb) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(
                json!({"kind": "webhook", "name": "fallback", "url": fallback.url,
                        "is_fallback": true, "is_default": false}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{fb}");
    assert_eq!(fb["is_fallback"], true);
    let (s, dead) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "webhook", "name": "dead", "url": "http://127.0.0.1:9/hook"})),
        )
        .await;
    assert_eq!(s, 201, "{dead}");
    let dead = dead["id"].as_str().unwrap().to_string();
    for i in 0..5 {
        let m = app
            .monitor(json!({"name": format!("m{i}"), "period": "1h", "channels": [dead]}))
            .await;
        assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
    }
    let got = fallback
        .wait_for(Duration::from_secs(15), |all| !all.is_empty())
        .await;
    let j = got[0].json();
    assert_eq!(j["event"], "channel.failing");
    assert_eq!(j["alert"]["transition"], "trigger");
    let headline = j["headline"].as_str().unwrap();
    assert!(
        headline.starts_with("CHANNEL FAILING: dead — 5 deliveries failed in a row"),
        "{headline}"
    );
    let (_, list) = app.api("GET", "/api/v1/channels", None).await;
    let shown = list["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == dead.as_str())
        .unwrap()
        .clone();
    assert_eq!(shown["health"], "failing");
    let (_, open) = app
        .api("GET", "/api/v1/alerts?kind=channel&status=open", None)
        .await;
    assert_eq!(open["alerts"].as_array().unwrap().len(), 1, "{open}");
    // The fallback cannot go while it is the fallback.
    let fb_id = fb["id"].as_str().unwrap();
    let (s, e) = app
        .api("DELETE", &format!("/api/v1/channels/{fb_id}"), None)
        .await;
    assert_eq!(s, 409);
    assert!(e["error"].as_str().unwrap().contains("fallback"), "{e}");
    // Pointed at a working receiver, the retries deliver and the alert resolves.
    let fixed = crate::harness::Receiver::start().await;
    let (s, _) = app
        .api(
            "PATCH",
            &format!("/api/v1/channels/{dead}"),
            Some(json!({"url": fixed.url})),
        )
        .await;
    assert_eq!(s, 200);
    fixed
        .wait_for(Duration::from_secs(20), |all| !all.is_empty())
        .await;
    let got = fallback
        .wait_for(Duration::from_secs(10), |all| all.len() >= 2)
        .await;
    let j = got[1].json();
    assert_eq!(j["event"], "channel.recovered");
    assert_eq!(j["alert"]["transition"], "resolve");
    let (_, open) = app
        .api("GET", "/api/v1/alerts?kind=channel&status=open", None)
        .await;
    assert!(open["alerts"].as_array().unwrap().is_empty(), "{open}");
    app.stop().await;
}
both!(
    failing_channel_alerts_the_fallback,
    failing_channel_alerts_the_fallback
);

/// New monitors get the project's default channels, however they are created; an
/// explicit list replaces them.
async fn defaults_reach_every_way_of_creating(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.webhook("http://127.0.0.1:9/a").await;
    let (s, other) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "webhook", "name": "b", "url": "http://127.0.0.1:9/b"})),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(other["is_default"], false, "only the first is a default");
    let other = other["id"].as_str().unwrap().to_string();
    let (s, _) = app
        .api(
            "POST",
            "/api/v3/checks/",
            Some(json!({"name": "from-v3", "timeout": 3600})),
        )
        .await;
    assert_eq!(s, 201);
    let r = app
        .http
        .get(app.url(&format!("/ping/{}/auto-made?create=1", app.ping_key)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    app.monitor(json!({"name": "from-v1", "period": "1h"}))
        .await;
    app.monitor(json!({"name": "explicit", "period": "1h", "channels": [other]}))
        .await;
    let (_, list) = app.api("GET", "/api/v1/monitors", None).await;
    let channels_of = |name: &str| {
        list["monitors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {list}"))["channels"]
            .clone()
    };
    for name in ["from-v3", "auto-made", "from-v1"] {
        assert_eq!(channels_of(name), json!([first]), "{name}");
    }
    assert_eq!(channels_of("explicit"), json!([other]));
    app.stop().await;
}
both!(
    defaults_reach_every_way_of_creating,
    defaults_reach_every_way_of_creating
);
