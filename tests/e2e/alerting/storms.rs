//! Storms (docs/behaviour.md, "Storms") on both databases, with a real SMTP server and
//! real HTTP receivers, on the shifted clock: 100 monitors fail within a minute and
//! recover. Each e-mail recipient and the chat get at most three messages each way;
//! the pager and the webhook one event per alert. Each alert stays acknowledgeable
//! alone, and a gathered message's link acknowledges exactly the alerts it named.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{json, Value};

use crate::alerting::alerts::link;
use crate::both;
use crate::harness::smtp::{Mail, SmtpServer};
use crate::harness::{fresh_database, Backend, Received, Receiver, TestApp};

fn to<'a>(mails: &'a [Mail], who: &str) -> Vec<&'a Mail> {
    mails
        .iter()
        .filter(|m| m.to.iter().any(|t| t == who))
        .collect()
}

fn at<'a>(got: &'a [Received], path: &str) -> Vec<&'a Received> {
    got.iter().filter(|r| r.path.starts_with(path)).collect()
}

/// The pager's events of one action (`trigger`, `acknowledge`, `resolve`).
fn paged(got: &[Received], action: &str) -> usize {
    at(got, "/hook/pd")
        .iter()
        .filter(|r| r.json()["event_action"] == action)
        .count()
}

async fn alerts(app: &TestApp, query: &str) -> Vec<Value> {
    let (s, list) = app
        .api("GET", &format!("/api/v1/alerts?limit=500{query}"), None)
        .await;
    assert_eq!(s, 200, "{list}");
    list["alerts"].as_array().unwrap().clone()
}

async fn settings_are_checked(app: &TestApp) {
    // A new project gathers storms by default (the harness turns it off for stories
    // that count one message per alert).
    let other = app
        .store
        .write(|tx| overdue_storage::people::projects::create(tx, "other"))
        .await
        .unwrap();
    let row = app
        .store
        .read(move |c| overdue_storage::people::projects::get(c, &other.id))
        .await
        .unwrap();
    assert_eq!(
        row.storm(),
        Some(overdue_core::route::storm::Storm::DEFAULT)
    );
    let (_, p) = app.api("GET", "/api/v1/project", None).await;
    assert_eq!(p["storm"], Value::Null, "{p}");
    for (body, says) in [
        (json!({}), "nothing to change"),
        (json!({"storm": {"wait": "0s"}}), "storm.wait"),
        (
            json!({"storm": {"wait": "30s", "interval": "10s"}}),
            "storm.interval",
        ),
        (
            json!({"storm": {"wait": "30s", "every": 3}}),
            "unknown field",
        ),
        (json!({"storm": {"wait": "soon"}}), "storm.wait"),
    ] {
        let (s, e) = app.api("PATCH", "/api/v1/project", Some(body)).await;
        assert_eq!(s, 400, "{e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{says}: {e}");
    }
    let (s, p) = app
        .api(
            "PATCH",
            "/api/v1/project",
            Some(json!({"storm": {"wait": "30s"}})),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["storm"], json!({"wait": 30, "interval": 300}), "{p}");
    assert_eq!(p["tz"], Value::Null, "the zone is kept");
}

async fn a_storm_is_one_incident(backend: Backend) {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let shift = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let app = TestApp::spawn_shifted_on(
        &fresh_database(backend),
        move |s| {
            s.smtp = Some(overdue::config::Smtp {
                url,
                from: "Overdue <overdue@example.com>".into(),
            });
        },
        shift.clone(),
    )
    .await;
    settings_are_checked(&app).await;
    let rx = Receiver::start().await;
    let mut ch = Vec::new();
    for body in [
        json!({"kind": "email", "name": "ops", "to": ["ann@example.com", "bob@example.com"]}),
        json!({"kind": "discord", "name": "chat", "url": format!("{}/chat/1/t0k3n", rx.url)}),
        json!({"kind": "pagerduty", "name": "pd", "routing_key": "k", "page_limit": 500,
                "url": format!("{}/pd", rx.url)}),
        json!({"kind": "webhook", "name": "hook", "url": format!("{}/hook/machine", rx.url)}),
    ] {
        let (s, c) = app.api("POST", "/api/v1/channels", Some(body)).await;
        assert_eq!(s, 201, "{c}");
        ch.push(c["id"].as_str().unwrap().to_string());
    }
    let mut m = Vec::new();
    for i in 0..100 {
        let (name, tags) = if i < 60 {
            (format!("db{i}"), "db prod")
        } else {
            (format!("web{i}"), "web prod")
        };
        m.push(
            app.monitor(json!({"name": name, "period": "1d", "tags": tags, "channels": ch}))
                .await,
        );
    }
    for id in &m {
        assert_eq!(app.ping(&format!("{id}/fail")).await, 200);
    }
    // At once: the storm's first alert to people, every alert to the pager and the
    // webhook.
    let got = rx
        .wait_for(Duration::from_secs(20), |all| {
            paged(all, "trigger") >= 100 && at(all, "/hook/hook").len() >= 100
        })
        .await;
    let mails = smtp
        .wait_for(Duration::from_secs(10), |all| all.len() >= 2)
        .await;
    assert_eq!(mails.len(), 2, "the first alert, to each recipient");
    assert!(
        mails[0].subject().contains("] DOWN: db0"),
        "{}",
        mails[0].subject()
    );
    assert_eq!(
        at(&got, "/hook/chat").len(),
        1,
        "the first alert in the chat"
    );
    // The window ends: one message each for the other 99.
    app.settled().await;
    shift.fetch_add(31_000, Ordering::SeqCst);
    let mails = smtp
        .wait_for(Duration::from_secs(20), |all| all.len() >= 4)
        .await;
    let got = rx
        .wait_for(Duration::from_secs(10), |all| {
            at(all, "/hook/chat").len() >= 2
        })
        .await;
    let ann = to(&mails, "ann@example.com");
    assert_eq!(ann.len(), 2);
    let subject = ann[1].subject();
    assert_eq!(subject, "[Overdue] 99 alerts in Default");
    let text = ann[1].text().replace("\r\n", "\n");
    assert!(
        text.contains("What: 99 monitors tagged `prod` went down"),
        "{text}"
    );
    assert!(text.contains("DOWN: db1 — failed"), "{text}");
    assert!(text.contains("Acknowledge all 99"), "{text}");
    let chat = at(&got, "/hook/chat")[1].json();
    assert!(chat.to_string().contains("99 alerts in Default"), "{chat}");
    // Each alert can still be acknowledged alone.
    let open = alerts(&app, "&status=open").await;
    assert_eq!(open.len(), 100);
    let alone = open
        .iter()
        .find(|a| a["summary"].as_str().unwrap().contains("web99"))
        .expect("web99's alert");
    let (s, a) = app
        .api(
            "POST",
            &format!("/api/v1/alerts/{}/acknowledge", alone["id"]),
            None,
        )
        .await;
    assert_eq!(s, 200, "{a}");
    // A monitor that fails after the message is not in it.
    let late = app
        .monitor(json!({"name": "late", "period": "1d", "tags": "web", "channels": ch}))
        .await;
    assert_eq!(app.ping(&format!("{late}/fail")).await, 200);
    let ack = link(&text, &format!("{}/ack/", app.base));
    let bobs = bob_link(&mails);
    assert_ne!(ack, bobs, "each recipient has their own link");
    let done = app.http.post(&ack).send().await.unwrap();
    assert_eq!(done.status(), 200);
    let acked = alerts(&app, "&status=acknowledged").await;
    assert_eq!(acked.len(), 99, "the 98 left open that it named, and web99");
    assert!(acked
        .iter()
        .any(|a| a["acknowledged_by"] == "ann@example.com (e-mail)"));
    let open = alerts(&app, "&status=open").await;
    let mut names: Vec<&str> = open
        .iter()
        .map(|a| a["summary"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].contains("db0") && names[1].contains("late"),
        "{names:?}"
    );
    // The pager heard of each acknowledgement.
    rx.wait_for(Duration::from_secs(10), |all| {
        paged(all, "acknowledge") >= 99
    })
    .await;
    // The late one goes out at the next window's end: the third message.
    app.settled().await;
    shift.fetch_add(300_000, Ordering::SeqCst);
    let mails = smtp
        .wait_for(Duration::from_secs(20), |all| all.len() >= 6)
        .await;
    let ann = to(&mails, "ann@example.com");
    assert!(
        ann[2].subject().contains("] DOWN: late"),
        "{}",
        ann[2].subject()
    );
    // They recover: the first resolution at once, the others together.
    for id in m.iter().chain([&late]) {
        assert_eq!(app.ping(id).await, 200);
    }
    smtp.wait_for(Duration::from_secs(20), |all| all.len() >= 8)
        .await;
    app.settled().await;
    shift.fetch_add(31_000, Ordering::SeqCst);
    let mails = smtp
        .wait_for(Duration::from_secs(20), |all| all.len() >= 10)
        .await;
    let ann = to(&mails, "ann@example.com");
    assert!(ann[3].text().starts_with("UP: db0"), "{}", ann[3].text());
    assert_eq!(ann[4].subject(), "[Overdue] 100 alerts resolved in Default");
    let text = ann[4].text();
    assert!(
        text.contains("What: 99 of 100 monitors tagged `prod` recovered"),
        "{text}"
    );
    let got = rx
        .wait_for(Duration::from_secs(10), |all| {
            at(all, "/hook/chat").len() >= 5
                && paged(all, "resolve") >= 101
                && at(all, "/hook/hook").len() >= 202
        })
        .await;
    // Nothing more is on its way: three messages down and two up for each person.
    app.settled().await;
    let got_now = rx.all();
    assert_eq!(
        at(&got_now, "/hook/hook").len(),
        202,
        "the webhook: every event"
    );
    assert_eq!(
        at(&got_now, "/hook/chat").len(),
        5,
        "{:?}",
        at(&got, "/hook/chat")
    );
    let triggers: Vec<String> = at(&got_now, "/hook/pd")
        .iter()
        .map(|r| r.json())
        .filter(|j| j["event_action"] == "trigger")
        .map(|j| format!("{} {}", j["dedup_key"], j["payload"]["summary"]))
        .collect();
    assert_eq!(triggers.len(), 101, "one page per alert: {triggers:#?}");
    assert_eq!(smtp.mails().len(), 10);
    for who in ["ann@example.com", "bob@example.com"] {
        assert_eq!(to(&smtp.mails(), who).len(), 5, "{who}");
    }
    app.stop().await;
}
both!(a_storm_is_one_incident, a_storm_is_one_incident);

fn bob_link(mails: &[Mail]) -> String {
    let bob = to(mails, "bob@example.com");
    let text = bob[1].text().replace("\r\n", "\n");
    let start = text.find("/ack/").expect("bob's link");
    let end = text[start..]
        .find(|c: char| c.is_whitespace())
        .map_or(text.len(), |e| start + e);
    text[..end].to_string()
}
