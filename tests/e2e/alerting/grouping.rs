//! A route's groups (docs/behaviour.md, "Routing") on both databases against a real HTTP
//! receiver: alerts of
//! one group key during `group_wait` go out as one message whose link acknowledges
//! them all; another key is its own message; an alert that resolved during the wait is
//! left out; paging channels still get one event per alert, under their page cap (the
//! alerts beyond it are one overflow incident); a resolution goes out at once.

use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::harness::{Backend, Received, Receiver, TestApp};

fn at<'a>(got: &'a [Received], path: &str) -> Vec<&'a Received> {
    got.iter().filter(|r| r.path.starts_with(path)).collect()
}

async fn groups_gather_alerts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let mut ids = Vec::new();
    for body in [
        json!({"kind": "webhook", "name": "chat", "url": format!("{}/chat", rx.url)}),
        json!({"kind": "opsgenie", "name": "pager", "api_key": "k", "url": format!("{}/og", rx.url)}),
    ] {
        let (s, c) = app.api("POST", "/api/v1/channels", Some(body)).await;
        assert_eq!(s, 201, "{c}");
        ids.push(c["id"].as_str().unwrap().to_string());
    }
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/routes",
            Some(json!({"name": "by team", "channels": ids, "group_by": "tag:team", "group_wait": 2})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(
        (
            r["group_by"].clone(),
            r["group_wait"].clone(),
            r["group_interval"].clone()
        ),
        (json!("tag:team"), json!(2), json!(2))
    );
    let mut m = Vec::new();
    for (name, tags) in [
        ("db1", "team:db prod"),
        ("db2", "team:db"),
        ("db3", "team:db"),
        ("web1", "team:web"),
    ] {
        m.push(
            app.monitor(json!({"name": name, "period": "1d", "tags": tags, "channels": []}))
                .await,
        );
    }
    for id in &m {
        assert_eq!(app.ping(&format!("{id}/fail")).await, 200);
    }
    // db3 recovers during the wait: nobody on the chat heard of it.
    assert_eq!(app.ping(&m[2]).await, 200);
    // The pager: one alert each at once (and db3 closed).
    let got = rx
        .wait_for(Duration::from_secs(10), |all| {
            at(all, "/hook/og/v2/alerts").len() >= 5
        })
        .await;
    let creates = got
        .iter()
        .filter(|r| r.path == "/hook/og/v2/alerts")
        .count();
    assert_eq!(creates, 4, "one event per alert");
    assert!(
        at(&got, "/hook/chat").is_empty(),
        "the chat waits for the group"
    );
    // After the wait: one message for team:db (db1, db2), one for web1 alone.
    let got = rx
        .wait_for(Duration::from_secs(10), |all| {
            at(all, "/hook/chat").len() >= 2
        })
        .await;
    let chat = at(&got, "/hook/chat");
    assert_eq!(chat.len(), 2, "{chat:?}");
    let group = chat
        .iter()
        .map(|r| r.json())
        .find(|j| j["event"] == "alerts.grouped")
        .expect("a grouped message");
    assert_eq!(group["monitor"]["name"], "team:db");
    assert_eq!(group["problems"]["count"], 2, "{group}");
    assert_eq!(group["alert"]["count"], 2);
    assert!(
        group["text"]
            .as_str()
            .unwrap()
            .starts_with("2 alerts in team:db: DOWN: db"),
        "{group}"
    );
    let single = chat
        .iter()
        .map(|r| r.json())
        .find(|j| j["event"] == "monitor.down")
        .unwrap();
    assert_eq!(single["monitor"]["name"], "web1");
    // Its link acknowledges both.
    let ack = group["alert"]["ack_url"].as_str().unwrap().to_string();
    let done = app.http.post(&ack).send().await.unwrap();
    assert_eq!(done.status(), 200);
    let (_, list) = app
        .api("GET", "/api/v1/alerts?status=acknowledged", None)
        .await;
    assert_eq!(list["alerts"].as_array().unwrap().len(), 2, "{list}");
    // A resolution goes out at once, to the chat that heard of it.
    let before = at(&rx.all(), "/hook/chat").len();
    assert_eq!(app.ping(&m[0]).await, 200);
    let got = rx
        .wait_for(Duration::from_secs(5), |all| {
            at(all, "/hook/chat").len() > before
        })
        .await;
    let up = at(&got, "/hook/chat").last().unwrap().json();
    assert_eq!(
        (up["event"].clone(), up["monitor"]["name"].clone()),
        (json!("monitor.up"), json!("db1"))
    );
    app.stop().await;
}
both!(groups_gather_alerts, groups_gather_alerts);

/// A paging channel with `page_limit` 2 on a grouped route: two alerts page one each,
/// the next three are one overflow incident (acknowledging one of them tells the pager
/// nothing), resolved when the last of the three resolves; a bad cap is a 400.
async fn page_cap_collapses_the_overflow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let (s, e) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "pagerduty", "name": "pd", "routing_key": "k", "page_limit": 0})),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(e["error"].as_str().unwrap().contains("page_limit"), "{e}");
    let (s, pd) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(
                json!({"kind": "pagerduty", "name": "pd", "routing_key": "k", "page_limit": 2,
                        "url": format!("{}/pd", rx.url)}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{pd}");
    assert_eq!(pd["config"]["page_limit"], 2);
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/routes",
            Some(
                json!({"name": "all", "channels": [pd["id"]], "group_by": "all", "group_wait": 1}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let mut m = Vec::new();
    for i in 0..5 {
        let id = app
            .monitor(json!({"name": format!("job{i}"), "period": "1d", "channels": []}))
            .await;
        m.push(id);
    }
    for id in &m {
        assert_eq!(app.ping(&format!("{id}/fail")).await, 200);
    }
    rx.wait_for(Duration::from_secs(10), |all| all.len() >= 3)
        .await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let got: Vec<serde_json::Value> = rx.all().iter().map(|r| r.json()).collect();
    assert_eq!(got.len(), 3, "two pages and one overflow: {got:?}");
    let keys: Vec<&str> = got
        .iter()
        .map(|j| j["dedup_key"].as_str().unwrap())
        .collect();
    assert!(keys[0].starts_with("overdue/down/") && keys[1].starts_with("overdue/down/"));
    let overflow = keys[2].to_string();
    assert!(
        overflow.starts_with(&format!("overdue/overflow/{}/", pd["id"].as_str().unwrap())),
        "{overflow}"
    );
    assert_eq!(got[2]["event_action"], "trigger");
    assert_eq!(got[2]["payload"]["class"], "alerts.overflow");
    assert_eq!(
        got[2]["payload"]["summary"],
        "Page cap reached (2 in 10 min): further alerts are one incident until they resolve; first: DOWN: job2 — failed"
    );
    assert!(
        got[2]["links"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["text"] != "Acknowledge in Overdue"),
        "no link acknowledges them all"
    );
    // Acknowledging an alert in the overflow tells the pager nothing.
    let (_, open) = app
        .api(
            "GET",
            &format!("/api/v1/alerts?status=open&monitor={}", m[3]),
            None,
        )
        .await;
    let job3 = &open["alerts"][0];
    let (s, a) = app
        .api(
            "POST",
            &format!("/api/v1/alerts/{}/acknowledge", job3["id"]),
            None,
        )
        .await;
    assert_eq!(s, 200, "{a}");
    // Two of the three recover: the overflow stays open.
    assert_eq!(app.ping(&m[2]).await, 200);
    assert_eq!(app.ping(&m[3]).await, 200);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        rx.all().len(),
        3,
        "{:?}",
        rx.all().iter().map(|r| r.json()).collect::<Vec<_>>()
    );
    // The last one: the overflow resolves.
    assert_eq!(app.ping(&m[4]).await, 200);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 4)
        .await;
    assert_eq!(
        got[3].json(),
        json!({"routing_key": "k", "event_action": "resolve", "dedup_key": overflow})
    );
    // A paged alert resolves its own incident (the two pages may have arrived in
    // either order: the key names the monitor's public reference).
    assert_eq!(app.ping(&m[0]).await, 200);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 5)
        .await;
    let first = app.get_monitor(&m[0]).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resolved = got[4].json();
    let key = resolved["dedup_key"].as_str().unwrap_or_default();
    assert!(
        keys[..2].contains(&key) && key.starts_with(&format!("overdue/down/{first}/")),
        "{resolved}"
    );
    assert_eq!(resolved["event_action"], "resolve");
    app.stop().await;
}

both!(
    page_cap_collapses_the_overflow,
    page_cap_collapses_the_overflow
);
