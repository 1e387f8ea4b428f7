//! Silences (docs/behaviour.md, "Routing") on both databases against a real HTTP receiver,
//! made and ended
//! from the CLI as a deploy script would: matching alerts are held, not sent; ending the
//! silence sends the ones still open at once and lists the ones that resolved inside it
//! in one summary; everything else is untouched. Bad input is refused field by field.

use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::harness::{Backend, Receiver, TestApp};

fn overdue(app: &TestApp, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_overdue"))
        .args(args)
        .env("OVERDUE_URL", &app.base)
        .env("OVERDUE_API_KEY", &app.api_key)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{args:?}: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

async fn silences_hold_and_release(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let (s, c) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "webhook", "name": "chat", "url": rx.url})),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let chat = c["id"].as_str().unwrap().to_string();
    let a = app
        .monitor(json!({"name": "db migrate", "period": "1d", "tags": "db", "channels": [chat]}))
        .await;
    let b = app
        .monitor(json!({"name": "db vacuum", "period": "1d", "tags": "db", "channels": [chat]}))
        .await;
    let other = app
        .monitor(json!({"name": "web", "period": "1d", "channels": [chat]}))
        .await;
    // A deploy script silences its monitors.
    let out = overdue(
        &app,
        &[
            "silence",
            "add",
            "--match",
            "tag=db",
            "--for",
            "1h",
            "--comment",
            "migration",
        ],
    );
    assert!(out.starts_with("silence "), "{out}");
    let id = out.split_whitespace().nth(1).unwrap().to_string();
    assert_eq!(app.ping(&format!("{a}/fail")).await, 200);
    assert_eq!(app.ping(&format!("{b}/fail")).await, 200);
    assert_eq!(app.ping(&b).await, 200);
    assert_eq!(app.ping(&format!("{other}/fail")).await, 200);
    rx.wait_for(Duration::from_secs(10), |all| !all.is_empty())
        .await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let got = rx.all();
    assert_eq!(
        got.len(),
        1,
        "only the unsilenced monitor: {:?}",
        got.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    assert_eq!(got[0].json()["monitor"]["name"], "web");
    // The monitors say so, the held alert too.
    assert!(app.get_monitor(&a).await["silenced_until"].is_string());
    assert!(app.get_monitor(&other).await["silenced_until"].is_null());
    let (_, list) = app.api("GET", "/api/v1/monitors", None).await;
    let silenced: Vec<&str> = list["monitors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["silenced_until"].is_string())
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(silenced.len(), 2, "{silenced:?}");
    let pa = overdue_core::PublicRef::of(&a).to_string();
    let (_, open) = app
        .api(
            "GET",
            &format!("/api/v1/alerts?status=open&monitor={pa}"),
            None,
        )
        .await;
    assert_eq!(open["alerts"][0]["held_by"], "silence", "{open}");
    assert!(open["alerts"][0]["held_until"].is_string(), "{open}");
    // Listed as active, with its author and comment.
    let (_, list) = app.api("GET", "/api/v1/silences?state=active", None).await;
    assert_eq!(list["silences"].as_array().unwrap().len(), 1, "{list}");
    let sil = &list["silences"][0];
    assert_eq!(sil["id"], id.as_str());
    assert_eq!(sil["comment"], "migration");
    assert_eq!(sil["match"], json!({"tags": ["db"]}));
    assert!(sil["author"].as_str().unwrap().starts_with("key "), "{sil}");
    let table = overdue(&app, &["silence", "list"]);
    assert!(table.contains(&id) && table.contains("active"), "{table}");
    // Ended early: the open alert goes out at once, the one that passed in a summary.
    let out = overdue(&app, &["silence", "end", &id]);
    assert!(out.contains("ended at"), "{out}");
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 3)
        .await;
    let down: Vec<_> = got
        .iter()
        .filter(|r| r.json()["monitor"]["name"] == "db migrate")
        .collect();
    assert_eq!(down.len(), 1, "{got:?}");
    assert_eq!(down[0].json()["event"], "monitor.down");
    let summary = got
        .iter()
        .find(|r| r.json()["event"] == "alerts.held")
        .expect("a summary")
        .json();
    assert_eq!(summary["problems"]["count"], 1);
    assert!(summary["problems"]["items"][0]["key"]
        .as_str()
        .unwrap()
        .contains("db vacuum"));
    assert_eq!(
        summary["text"],
        "1 alert opened and resolved while silence \"migration\" was on: DOWN: db vacuum — failed"
    );
    assert!(got
        .iter()
        .all(|r| r.json()["monitor"]["name"] != "db vacuum"));
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(rx.all().len(), 3, "nothing more");
    let (_, s1) = app
        .api("GET", &format!("/api/v1/silences/{id}"), None)
        .await;
    assert_eq!(s1["state"], "ended");
    let (s, e) = app
        .api("DELETE", &format!("/api/v1/silences/{id}"), None)
        .await;
    assert_eq!(s, 409, "{e}");
    app.stop().await;
}
both!(silences_hold_and_release, silences_hold_and_release);

async fn bad_silences_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let cases = [
        (
            json!({"match": {}, "for": "1h"}),
            "match must name what to silence",
        ),
        (
            json!({"match": {"tag": ["db"]}, "for": "1h"}),
            "match: unknown field \"tag\"",
        ),
        (json!({"match": {"tags": ["db"]}}), "a silence needs an end"),
        (
            json!({"match": {"tags": ["db"]}, "for": "1h", "ends_at": soon}),
            "either ends_at or for",
        ),
        (
            json!({"match": {"tags": ["db"]}, "ends_at": "tomorrow"}),
            "ends_at must be a time in RFC 3339",
        ),
        (
            json!({"match": {"tags": ["db"]}, "starts_at": soon, "ends_at": past}),
            "ends_at must be after starts_at",
        ),
        (
            json!({"match": {"tags": ["db"]}, "ends_at": past, "starts_at": (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339()}),
            "in the past",
        ),
        (
            json!({"match": {"tags": ["db"]}, "recurring": {"days": ["sun"], "tz": "Nowhere/Else"}}),
            "recurring.tz",
        ),
        (
            json!({"match": {"kinds": ["nap"]}, "for": "1h"}),
            "match.kinds: \"nap\"",
        ),
        (json!({"match": {"tags": ["db"]}, "for": "soon"}), "for"),
        (
            json!({"match": {"tags": ["db"]}, "for": "1h", "why": "x"}),
            "unknown field \"why\"",
        ),
    ];
    for (body, want) in cases {
        let (s, e) = app
            .api("POST", "/api/v1/silences", Some(body.clone()))
            .await;
        assert_eq!(s, 400, "{body} → {e}");
        let msg = e["error"].as_str().unwrap();
        assert!(msg.contains(want), "{body}: {msg:?} lacks {want:?}");
    }
    let (_, list) = app.api("GET", "/api/v1/silences", None).await;
    assert_eq!(list["silences"], json!([]), "nothing was written");
    // Accepted with a warning when it matches no monitor today; a weekly window too.
    let (s, w) = app
        .api(
            "POST",
            "/api/v1/silences",
            Some(json!({"match": {"tags": ["nothing-here"]}, "recurring": {"days": ["sun"], "from": "02:00", "to": "04:00", "tz": "Europe/Riga"}, "comment": "weekly maintenance"})),
        )
        .await;
    assert_eq!(s, 201, "{w}");
    assert!(w["warning"].as_str().unwrap().contains("no monitor"), "{w}");
    assert_eq!(w["recurring"]["tz"], "Europe/Riga");
    assert_eq!(w["ends_at"], serde_json::Value::Null);
    let (s, _) = app.api("GET", "/api/v1/silences?state=maybe", None).await;
    assert_eq!(s, 400);
    let (s, _) = app
        .api(
            "GET",
            "/api/v1/silences/0b5a2a37-4bb3-4d39-9c38-a4a3e8e1f1a1",
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = app
        .api_with(
            &app.read_only_key,
            "POST",
            "/api/v1/silences",
            Some(json!({"match": {"tags": ["db"]}, "for": "1h"})),
        )
        .await;
    assert_eq!(s, 403);
    app.stop().await;
}
both!(bad_silences_are_refused, bad_silences_are_refused);
