//! Alerts and the channels teams use most (docs/behaviour.md, "Channels"): e-mail through
//! a real SMTP server
//! (parsed as a mail client would), Slack and PagerDuty against real HTTP receivers, the
//! alerts API, acknowledgement links, default channels, and what pause and delete do to
//! open alerts. Both databases.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both;
use crate::harness::smtp::{Mail, SmtpServer};
use crate::harness::{fresh_database, Backend, Receiver, TestApp};

/// A test server that sends e-mail through `smtp`.
pub async fn with_smtp(backend: Backend, smtp: &SmtpServer) -> TestApp {
    let url = smtp.url();
    TestApp::spawn_on(&fresh_database(backend), move |s| {
        s.smtp = Some(overdue::config::Smtp {
            url,
            from: "Overdue <overdue@example.com>".into(),
        });
    })
    .await
}

/// The first link in `text` that starts with `prefix`.
pub(crate) fn link(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no link {prefix} in {text}"));
    text[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>' || c == '|')
        .next()
        .unwrap()
        .to_string()
}

async fn alerts(app: &TestApp, query: &str) -> Vec<Value> {
    let (s, list) = app
        .api("GET", &format!("/api/v1/alerts{query}"), None)
        .await;
    assert_eq!(s, 200, "{list}");
    list["alerts"].as_array().unwrap().clone()
}

async fn wait_alert(app: &TestApp, id: i64, pred: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let (_, a) = app.api("GET", &format!("/api/v1/alerts/{id}"), None).await;
        if pred(&a) {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("alert {id} never reached the expected state");
}

fn to(mail: &Mail) -> String {
    mail.to.join(",")
}

async fn email_alert_lifecycle(backend: Backend) {
    let smtp = SmtpServer::start();
    smtp.refuse("bounce@");
    let app = with_smtp(backend, &smtp).await;
    let (s, ch) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "email", "name": "IT",
                        "to": ["ops@example.com", "bounce@example.com", "OPS@example.com"]})),
        )
        .await;
    assert_eq!(s, 201, "{ch}");
    // The project's first channel is a default; repeated addresses are dropped.
    assert_eq!(ch["is_default"], true);
    assert_eq!(
        ch["config"]["to"],
        json!(["ops@example.com", "bounce@example.com"])
    );
    let channel = ch["id"].as_str().unwrap().to_string();
    // A new monitor gets the default channel without naming it.
    let m = app
        .monitor(json!({"name": "DB <backup>", "period": "2s", "grace": "1s"}))
        .await;
    let shown = app.get_monitor(&m).await;
    assert_eq!(shown["channels"], json!([channel]), "{shown}");
    let public = shown["id"].as_str().unwrap().to_string();
    assert_eq!(app.ping(&m).await, 200);
    app.wait_status(&m, "down", Duration::from_secs(10)).await;
    let mails = smtp
        .wait_for(Duration::from_secs(10), |all| !all.is_empty())
        .await;
    let down = mails[0].clone();
    assert_eq!(to(&down), "ops@example.com");
    let subject = down.subject();
    assert!(
        subject.starts_with("[Overdue] DOWN: DB <backup> — missed (expected by ")
            && subject.ends_with(" UTC)"),
        "{subject}"
    );
    assert_eq!(
        down.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    let message_id = down.header("Message-ID").unwrap();
    assert!(message_id.starts_with("<overdue.alert-"), "{message_id}");
    assert!(down.header("From").unwrap().contains("overdue@example.com"));
    assert!(down.from.contains("overdue@example.com"), "{}", down.from);
    let text = down.text();
    for want in [
        "Monitor: DB <backup>",
        "Reason: missed",
        "Expected by: ",
        "Last ping: ",
        &format!("Open the monitor: {}/monitors/{public}", app.base),
    ] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
    let html = down.html();
    assert!(html.contains("DB &lt;backup&gt;"), "{html}");
    assert!(html.contains(&format!("href=\"{}/monitors/{public}\"", app.base)));
    let ack = link(&text, &format!("{}/ack/", app.base));
    assert!(html.contains(&ack), "the HTML part carries the same link");

    // The alert: open, with its messages; the refused address failed once, for good.
    let open = alerts(&app, "?status=open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    let alert = &open[0];
    assert_eq!(alert["kind"], "down");
    assert_eq!(alert["monitor"], public);
    assert_eq!(
        alert["severity"], "error",
        "a monitor's down alerts are errors by default"
    );
    assert!(alert["dedup_key"]
        .as_str()
        .unwrap()
        .starts_with(&format!("overdue/down/{public}/")));
    let id = alert["id"].as_i64().unwrap();
    let detail = wait_alert(&app, id, |a| {
        a["messages"]
            .as_array()
            .is_some_and(|m| m.len() == 2 && m.iter().all(|x| x["state"] != "pending"))
    })
    .await;
    let bounced = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["recipient"] == "bounce@example.com")
        .unwrap()
        .clone();
    assert_eq!(bounced["state"], "failed", "{bounced}");
    assert_eq!(bounced["attempts"], 1, "a 5xx is not retried");
    // Each attempt is listed with the message, with the SMTP server's answer.
    assert_eq!(bounced["deliveries"].as_array().unwrap().len(), 1);
    assert_eq!(bounced["deliveries"][0]["status_code"], 550, "{bounced}");
    let err = bounced["last_error"].as_str().unwrap();
    assert!(
        err.contains("refused") && err.contains("bounce@example.com"),
        "{err}"
    );

    // The link's page names the alert and acknowledges nothing (mail scanners open it).
    let page = app.http.get(&ack).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(
        page.headers()["referrer-policy"].to_str().unwrap(),
        "no-referrer"
    );
    let body = page.text().await.unwrap();
    assert!(body.contains("DOWN: DB &lt;backup&gt;") && body.contains("<form method=\"post\">"));
    assert_eq!(alerts(&app, "?status=open").await.len(), 1);
    // The button acknowledges, by the channel the link came through.
    let done = app.http.post(&ack).send().await.unwrap();
    assert_eq!(done.status(), 200);
    let body = done.text().await.unwrap();
    assert!(body.contains("ops@example.com (e-mail)"), "{body}");
    let (s, again) = app
        .api(
            "POST",
            &format!("/api/v1/alerts/{id}/acknowledge"),
            Some(json!({"note": "on it"})),
        )
        .await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["already"], true);
    assert_eq!(
        again["alert"]["acknowledged_by"],
        "ops@example.com (e-mail)"
    );
    assert_eq!(alerts(&app, "?status=acknowledged").await.len(), 1);

    // Recovery resolves it; the message answers the first one in its thread.
    assert_eq!(app.ping(&m).await, 200);
    let mails = smtp
        .wait_for(Duration::from_secs(10), |all| all.len() >= 2)
        .await;
    let up = &mails[1];
    assert_eq!(to(up), "ops@example.com");
    assert_eq!(up.subject(), format!("Re: {subject}"));
    assert_eq!(
        up.header("In-Reply-To").as_deref(),
        Some(message_id.as_str())
    );
    assert_eq!(
        up.header("References").as_deref(),
        Some(message_id.as_str())
    );
    assert!(up.text().contains("Resolved by: up"), "{}", up.text());
    assert!(
        !up.text().contains("/ack/"),
        "a resolution asks nothing of anyone"
    );
    let resolved = wait_alert(&app, id, |a| a["status"] == "resolved").await;
    assert_eq!(resolved["resolved_reason"], "up");
    assert_eq!(
        resolved["acknowledged_by"],
        again["alert"]["acknowledged_by"]
    );
    // Nothing left to acknowledge: the API says so, the link says so.
    let (s, e) = app
        .api("POST", &format!("/api/v1/alerts/{id}/acknowledge"), None)
        .await;
    assert_eq!(s, 409, "{e}");
    assert!(e["error"].as_str().unwrap().contains("resolved"), "{e}");
    let late = app
        .http
        .get(&ack)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(late.contains("nothing to acknowledge"), "{late}");
    // One message per recipient and transition.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(smtp.mails().len(), 2);
    app.stop().await;
}
both!(email_alert_lifecycle, email_alert_lifecycle);

async fn slack_and_pagerduty(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let (s, slack) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "slack", "name": "ops chat", "url": format!("{}/slack/T0/B0/secret123456", rx.url)})),
        )
        .await;
    assert_eq!(s, 201, "{slack}");
    assert!(!slack["config"]["url"]
        .as_str()
        .unwrap()
        .contains("secret123456"));
    let (s, pd) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "pagerduty", "name": "on call", "routing_key": "R0UTINGKEY0123456789abcdefABCDEF",
                        "url": format!("{}/pd", rx.url)})),
        )
        .await;
    assert_eq!(s, 201, "{pd}");
    assert_eq!(pd["config"]["routing_key"], "••••••CDEF");
    // The second channel is not a default unless asked.
    assert_eq!(pd["is_default"], false);
    let (slack_id, pd_id) = (slack["id"].as_str().unwrap(), pd["id"].as_str().unwrap());
    // The v3 mirror names the kinds as Healthchecks does.
    let (_, v3) = app.api("GET", "/api/v3/channels/", None).await;
    let kinds: Vec<_> = v3["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].clone())
        .collect();
    assert_eq!(kinds, vec![json!("slack"), json!("pd")], "{v3}");
    let m = app
        .monitor(
            json!({"name": "sync <!channel> & co", "period": "1h", "severity": "critical",
                        "channels": [slack_id, pd_id]}),
        )
        .await;
    let public = overdue_core::PublicRef::of(&m).to_string();
    assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 2)
        .await;
    let slack_msg = got
        .iter()
        .find(|r| r.path.starts_with("/hook/slack"))
        .unwrap();
    let pd_msg = got.iter().find(|r| r.path == "/hook/pd").unwrap();
    assert!(slack_msg.header("idempotency-key").is_some());
    let j = slack_msg.json();
    assert_eq!(j["text"], "DOWN: sync &lt;!channel&gt; &amp; co — failed");
    let blocks = j["blocks"].as_array().unwrap();
    assert!(blocks.len() <= 50);
    assert_eq!(blocks[0]["type"], "section");
    assert_eq!(
        blocks[0]["text"]["text"],
        format!(
            "*<{}/monitors/{public}|DOWN: sync &lt;!channel&gt; &amp; co — failed>*",
            app.base
        )
    );
    let facts = blocks[1]["text"]["text"].as_str().unwrap();
    assert!(facts.contains("*Reason:* failed"), "{facts}");
    let context = blocks.last().unwrap();
    assert_eq!(context["type"], "context");
    let ack = context["elements"][0]["text"].as_str().unwrap();
    assert!(
        ack.contains(&format!("<{}/ack/", app.base)) && ack.contains("|Acknowledge>"),
        "{ack}"
    );
    for b in blocks {
        if let Some(t) = b["text"]["text"].as_str() {
            assert!(t.chars().count() <= 3_000);
        }
    }
    let p = pd_msg.json();
    assert_eq!(p["routing_key"], "R0UTINGKEY0123456789abcdefABCDEF");
    assert_eq!(p["event_action"], "trigger");
    let key = p["dedup_key"].as_str().unwrap().to_string();
    assert!(key.starts_with(&format!("overdue/down/{public}/")) && key.len() <= 255);
    assert_eq!(
        p["payload"]["summary"],
        "DOWN: sync <!channel> & co — failed"
    );
    assert_eq!(p["payload"]["severity"], "critical");
    assert_eq!(p["payload"]["source"], "overdue: sync <!channel> & co");
    assert_eq!(p["payload"]["class"], "monitor.down");
    assert_eq!(p["payload"]["custom_details"]["reason"], "failed");
    assert!(p["payload"]["timestamp"]
        .as_str()
        .unwrap()
        .ends_with("+00:00"));
    assert_eq!(
        p["links"][0]["href"],
        format!("{}/monitors/{public}", app.base)
    );
    // Acknowledged in Overdue: PagerDuty hears it (its incident stops escalating), the
    // chat does not.
    let id = alerts(&app, "?status=open").await[0]["id"]
        .as_i64()
        .unwrap();
    let (s, a) = app
        .api("POST", &format!("/api/v1/alerts/{id}/acknowledge"), None)
        .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["alert"]["acknowledged_by"], "key default");
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 3)
        .await;
    let ackd = got[2].json();
    assert_eq!(got[2].path, "/hook/pd");
    assert_eq!(
        ackd,
        json!({"routing_key": "R0UTINGKEY0123456789abcdefABCDEF", "event_action": "acknowledge", "dedup_key": key})
    );
    // Recovery: PagerDuty resolves the same incident; the chat hears "UP".
    assert_eq!(app.ping(&m).await, 200);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 5)
        .await;
    let resolve = got
        .iter()
        .skip(3)
        .find(|r| r.path == "/hook/pd")
        .unwrap()
        .json();
    assert_eq!(resolve["event_action"], "resolve");
    assert_eq!(resolve["dedup_key"], key.as_str());
    let up = got
        .iter()
        .skip(3)
        .find(|r| r.path.starts_with("/hook/slack"))
        .unwrap()
        .json();
    assert_eq!(up["text"], "UP: sync &lt;!channel&gt; &amp; co");
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(rx.all().len(), 5, "no repeats");
    app.stop().await;
}
both!(slack_and_pagerduty, slack_and_pagerduty);

async fn grouped_problems_and_links(backend: Backend) {
    let (app, rx, ch) = TestApp::spawn_with_receiver(backend).await;
    let m = app
        .monitor(json!({"name": "shop-sync", "period": "1h", "channels": [ch]}))
        .await;
    let report = |body: Value| {
        let (app, m) = (&app, m.clone());
        async move {
            let r = app
                .http
                .post(app.url(&format!("/ping/{m}/problems")))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
    };
    report(json!([
        {"key": "invoice:1", "message": "VAT id missing", "details": {"customer": "ACME", "total": 120.5}},
        {"key": "invoice:2", "message": "unknown currency"},
        {"key": "invoice:3", "message": "no address"},
        {"key": "invoice:4", "severity": "warning", "message": "rounded"},
    ]))
    .await;
    let got = rx
        .wait_for(Duration::from_secs(10), |all| !all.is_empty())
        .await;
    let j = got[0].json();
    assert_eq!(j["event"], "problem.opened");
    // One message for three alerts (the warning is an alert that notifies no one).
    assert_eq!(j["alert"]["count"], 3);
    assert_eq!(j["alert"]["transition"], "trigger");
    // The job's data travels with the problem (the batch owner's invoice number).
    let details = j["problems"]["items"][0]["details"].as_str().unwrap();
    assert!(details.contains("ACME"), "{details}");
    let ack = j["alert"]["ack_url"].as_str().unwrap().to_string();
    assert!(ack.starts_with(&format!("{}/ack/", app.base)));
    assert!(
        !got[0].body.contains("ack_token"),
        "the token travels in the link only"
    );
    let open = alerts(&app, "?kind=problem&status=open").await;
    assert_eq!(open.len(), 4, "{open:?}");
    let page = app
        .http
        .get(&ack)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Acknowledge all 3"), "{page}");
    let done = app.http.post(&ack).send().await.unwrap();
    assert_eq!(done.status(), 200);
    assert!(done
        .text()
        .await
        .unwrap()
        .contains("3 alerts are acknowledged"));
    // One notion: the problems are acknowledged too.
    let (_, probs) = app
        .api("GET", &format!("/api/v1/problems?monitor={m}"), None)
        .await;
    let acked: Vec<_> = probs["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["acknowledged_at"].is_string())
        .collect();
    assert_eq!(acked.len(), 3, "{probs}");
    // And the other way: acknowledging the warning problem acknowledges its alert.
    let warning = probs["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "invoice:4")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (s, _) = app
        .api(
            "POST",
            &format!("/api/v1/problems/{warning}/acknowledge"),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        alerts(&app, "?kind=problem&status=acknowledged")
            .await
            .len(),
        4
    );
    // Resolved, then reported again within 24 h: the alert opens again, no message.
    let r = app
        .http
        .post(app.url(&format!("/ping/{m}/resolve")))
        .json(&json!(["invoice:1"]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    rx.wait_for(Duration::from_secs(10), |all| all.len() >= 2)
        .await;
    let resolved = rx.all()[1].json();
    assert_eq!(resolved["event"], "problem.resolved");
    assert_eq!(resolved["alert"]["transition"], "resolve");
    assert_eq!(resolved["alert"]["reason"], "report");
    assert_eq!(alerts(&app, "?kind=problem&status=resolved").await.len(), 1);
    report(json!([{"key": "invoice:1", "message": "VAT id missing"}])).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(rx.all().len(), 2, "a rejoin sends nothing");
    assert_eq!(alerts(&app, "?kind=problem&status=resolved").await.len(), 0);
    app.stop().await;
}
both!(grouped_problems_and_links, grouped_problems_and_links);

async fn pause_and_delete_resolve_alerts(backend: Backend) {
    let (app, rx, ch) = TestApp::spawn_with_receiver(backend).await;
    let a = app
        .monitor(json!({"name": "a", "period": "1h", "channels": [ch]}))
        .await;
    let b = app
        .monitor(json!({"name": "b", "period": "1h", "channels": [ch]}))
        .await;
    for m in [&a, &b] {
        assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
    }
    rx.wait_for(Duration::from_secs(10), |all| all.len() >= 2)
        .await;
    let (s, _) = app
        .api("POST", &format!("/api/v1/monitors/{a}/pause"), None)
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .api("DELETE", &format!("/api/v1/monitors/{b}"), None)
        .await;
    assert_eq!(s, 200);
    rx.wait_for(Duration::from_secs(10), |all| all.len() >= 4)
        .await;
    let paused = &rx.events(&a, "monitor.paused")[0].json();
    assert_eq!(paused["alert"]["transition"], "resolve");
    assert_eq!(paused["alert"]["reason"], "paused");
    // It says who paused it: here the project's API key.
    let by = paused["detail"].as_str().unwrap_or_default();
    assert!(by.starts_with("key "), "{paused}");
    let deleted = &rx.events(&b, "monitor.deleted")[0].json();
    assert_eq!(deleted["alert"]["reason"], "deleted");
    let all = alerts(&app, "?status=all&kind=down").await;
    let reasons: Vec<_> = all.iter().map(|x| x["resolved_reason"].clone()).collect();
    assert_eq!(
        reasons,
        vec![json!("deleted"), json!("paused")],
        "history kept"
    );
    assert!(alerts(&app, "?status=open").await.is_empty());
    app.stop().await;
}
both!(
    pause_and_delete_resolve_alerts,
    pause_and_delete_resolve_alerts
);

/// Several alerts acknowledged at once (the Alerts page's bulk action): open ones are
/// acknowledged, the others named as they were; an id of no alert of the project
/// writes nothing; an empty or oversize list is refused in words.
async fn bulk_acknowledge(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut m = Vec::new();
    for name in ["a", "b", "c", "d"] {
        let id = app
            .monitor(json!({"name": name, "period": "1d", "channels": []}))
            .await;
        assert_eq!(app.ping(&format!("{id}/fail")).await, 200);
        m.push(id);
    }
    let mut ids = Vec::new();
    for id in &m {
        let public = overdue_core::PublicRef::of(id).to_string();
        let open = alerts(&app, &format!("?status=open&monitor={public}")).await;
        ids.push(open[0]["id"].as_i64().unwrap());
    }
    let bulk = |body: Value| app.api("POST", "/api/v1/alerts/acknowledge", Some(body));
    for (body, says) in [
        (json!({"ids": []}), "ids must list 1 to 1000 alerts"),
        (
            json!({"ids": vec![1; 1_001]}),
            "ids must list 1 to 1000 alerts",
        ),
        (json!({"ids": [ids[0]], "who": "me"}), "unknown field"),
        (json!({"ids": "all"}), "ids"),
    ] {
        let (s, e) = bulk(body).await;
        assert_eq!(s, 400, "{e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{says}: {e}");
    }
    // An id of no alert here: a 404, and nothing is acknowledged.
    let (s, e) = bulk(json!({"ids": [ids[0], 999_999]})).await;
    assert_eq!(s, 404, "{e}");
    assert_eq!(alerts(&app, "?status=open").await.len(), 4);
    let (s, r) = bulk(json!({"ids": [ids[0], ids[1]], "note": "on it"})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r, json!({"acknowledged": 2, "already": [], "resolved": []}));
    // d recovers: nothing left to acknowledge there.
    assert_eq!(app.ping(&m[3]).await, 200);
    let (s, r) = bulk(json!({"ids": [ids[0], ids[2], ids[3]]})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        r,
        json!({"acknowledged": 1, "already": [ids[0]], "resolved": [ids[3]]})
    );
    let acked = alerts(&app, "?status=acknowledged").await;
    assert_eq!(acked.len(), 3);
    // Filtered by severity (down alerts are errors by default).
    assert_eq!(alerts(&app, "?severity=error,critical").await.len(), 4);
    assert!(alerts(&app, "?severity=warning").await.is_empty());
    let (s, e) = app.api("GET", "/api/v1/alerts?severity=loud", None).await;
    assert_eq!(s, 400, "{e}");
    assert!(e["error"]
        .as_str()
        .unwrap()
        .contains("critical, error, warning or info"));
    assert!(acked.iter().any(|a| a["note"] == "on it"), "{acked:?}");
    app.stop().await;
}
both!(bulk_acknowledge, bulk_acknowledge);
