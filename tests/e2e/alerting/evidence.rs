//! Messages carry their evidence (docs/behaviour.md, "Channels"): a `/fail` whose body
//! held the job's error sends that body in the mail and in the webhook; a monitor whose
//! only ping was that `/fail` names it as its last ping (not "never"); a webhook's
//! times are RFC 3339 beside the words people read; each recipient of an e-mail channel
//! has their own acknowledgement link, so the one who acknowledged is named; a run
//! that ended with an exit status says it, and how long the run took.

use std::time::Duration;

use serde_json::json;

use crate::alerting::alerts::{link, with_smtp};
use crate::both;
use crate::harness::smtp::SmtpServer;
use crate::harness::{Backend, Receiver};

const RSYNC: &str = "rsync: [sender] write error: Broken pipe (32)\nrsync error: error in socket IO (code 12) at io.c(848) [sender=3.2.7]";

async fn a_failure_mails_its_output(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = with_smtp(backend, &smtp).await;
    let rx = Receiver::start().await;
    let (s, mail) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "email", "name": "IT", "to": ["ops@example.com"]})),
        )
        .await;
    assert_eq!(s, 201, "{mail}");
    let hook = app.webhook(&format!("{}/hook", rx.url)).await;
    let m = app
        .monitor(json!({"name": "nightly rsync", "period": "1h", "channels": [mail["id"], hook]}))
        .await;
    let r = app
        .http
        .post(app.url(&format!("/ping/{m}/fail")))
        .body(RSYNC)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mails = smtp
        .wait_for(Duration::from_secs(10), |all| !all.is_empty())
        .await;
    let text = mails[0].text().replace("\r\n", "\n");
    assert!(text.contains("Reason: failed"), "{text}");
    assert!(text.contains("Project: Default"), "{text}");
    assert!(!text.contains("Last ping: never"), "{text}");
    // To the second, with how long before the event it was.
    let last = text
        .lines()
        .find_map(|l| l.strip_prefix("Last ping: "))
        .expect("a last ping");
    assert!(
        last.len() == "2026-12-05 01:37:23 UTC (just now)".len()
            && last.ends_with(" UTC (just now)"),
        "{last}"
    );
    assert!(text.contains("The ping's body:\n  rsync: [sender] write error: Broken pipe (32)\n  rsync error: error in socket IO"), "{text}");
    let html = mails[0].html();
    assert!(html.contains("<h3>The ping's body</h3><pre"), "{html}");
    let got = rx
        .wait_for(Duration::from_secs(10), |all| !all.is_empty())
        .await;
    let j = got[0].json();
    assert_eq!(j["event"], "monitor.down", "{j}");
    assert_eq!(j["body"], RSYNC);
    assert_eq!(j["monitor"]["project_name"], "Default");
    let at = j["last_ping_at"].as_str().expect("last_ping_at");
    let parsed = chrono::DateTime::parse_from_rfc3339(at).expect("RFC 3339");
    assert!((chrono::Utc::now() - parsed.with_timezone(&chrono::Utc)).num_seconds() < 60);
    assert!(
        j["last_ping"].as_str().is_some_and(|s| s.ends_with("UTC")),
        "{j}"
    );
    assert_eq!(j["at"].as_str().map(|s| s.len() >= 20), Some(true));
    let opened = j["alert"]["opened_at"].as_str().expect("alert.opened_at");
    assert!(
        chrono::DateTime::parse_from_rfc3339(opened).is_ok(),
        "{opened}"
    );
    // The recovery says how long it was down.
    assert_eq!(app.ping(&m).await, 200);
    let mails = smtp
        .wait_for(Duration::from_secs(10), |all| all.len() >= 2)
        .await;
    let up = mails[1].text().replace("\r\n", "\n");
    assert!(up.starts_with("UP: nightly rsync"), "{up}");
    let down_for = up
        .lines()
        .find_map(|l| l.strip_prefix("Down for: "))
        .expect("how long it was down");
    assert!(down_for.ends_with(" s"), "{down_for}");

    // A run that ended with an exit status: the mail and the webhook say it, and how
    // long the run took.
    let b = app
        .monitor(json!({"name": "backup", "period": "1h", "channels": [mail["id"], hook]}))
        .await;
    assert_eq!(app.ping(&format!("{b}/start")).await, 200);
    assert_eq!(app.ping(&format!("{b}/23")).await, 200);
    let mails = smtp
        .wait_for(Duration::from_secs(10), |all| all.len() >= 3)
        .await;
    let down = mails[2].text().replace("\r\n", "\n");
    assert!(down.starts_with("DOWN: backup"), "{down}");
    assert!(down.contains("Exit status: 23\nRun took: 0 s"), "{down}");
    let got = rx
        .wait_for(Duration::from_secs(10), |all| {
            all.iter().any(|r| r.json()["monitor"]["name"] == "backup")
        })
        .await;
    let j = got
        .iter()
        .map(|r| r.json())
        .find(|j| j["monitor"]["name"] == "backup")
        .unwrap();
    assert_eq!(j["run"]["exit_status"], 23, "{j}");
    assert!(
        j["run"]["duration_ms"].as_i64().is_some_and(|d| d >= 0),
        "{j}"
    );
    app.stop().await;
}
both!(a_failure_mails_its_output, a_failure_mails_its_output);

/// A missed deadline: the webhook says when the ping was expected, as a timestamp.
async fn a_miss_says_when_as_a_timestamp(backend: Backend) {
    let (app, rx, ch) = crate::harness::TestApp::spawn_with_receiver(backend).await;
    // The project's zone: times of monitors without their own are shown in it.
    let (s, p) = app.api("GET", "/api/v1/project", None).await;
    assert_eq!((s, &p["tz"]), (200, &json!(null)), "{p}");
    for (body, says) in [
        (json!({"tz": "Mars/Base"}), "invalid timezone \"Mars/Base\""),
        (json!({"tz": "UTC", "zone": "x"}), "unknown field"),
        (json!({"tz": 3}), "tz"),
    ] {
        let (s, e) = app.api("PATCH", "/api/v1/project", Some(body)).await;
        assert_eq!(s, 400, "{e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{e}");
    }
    let (s, p) = app
        .api(
            "PATCH",
            "/api/v1/project",
            Some(json!({"tz": "Europe/Riga"})),
        )
        .await;
    assert_eq!((s, &p["tz"]), (200, &json!("Europe/Riga")), "{p}");
    let m = app
        .monitor(json!({"name": "quick", "period": "1s", "grace": "1s", "channels": [ch]}))
        .await;
    assert_eq!(app.ping(&m).await, 200);
    let got = rx
        .wait_for(Duration::from_secs(15), |all| !all.is_empty())
        .await;
    let j = got[0].json();
    assert_eq!(j["reason"], "missed", "{j}");
    let expected = j["expected_at"].as_str().expect("expected_at");
    let last = j["last_ping_at"].as_str().expect("last_ping_at");
    let expected = chrono::DateTime::parse_from_rfc3339(expected).unwrap();
    let last = chrono::DateTime::parse_from_rfc3339(last).unwrap();
    assert_eq!(
        (expected - last).num_milliseconds().div_euclid(1000),
        1,
        "{j}"
    );
    for field in ["expected", "last_ping"] {
        assert!(
            j[field]
                .as_str()
                .is_some_and(|t| t.ends_with(" Europe/Riga")),
            "{field} in the project's zone: {j}"
        );
    }
    app.stop().await;
}
both!(
    a_miss_says_when_as_a_timestamp,
    a_miss_says_when_as_a_timestamp
);

/// The acknowledgement page a link shows (GET changes nothing).
async fn page_of(app: &crate::harness::TestApp, link: &str) -> String {
    app.http
        .get(link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Two recipients of one e-mail channel: each link is its recipient's own; the second
/// one's page names the first as the one who acknowledged. The page follows the colour
/// scheme and links to the monitor and the alerts.
async fn each_recipient_has_their_own_link(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = with_smtp(backend, &smtp).await;
    let (s, mail) = app
        .api(
            "POST",
            "/api/v1/channels",
            Some(json!({"kind": "email", "name": "IT", "to": ["ann@example.com", "bob@example.com"]})),
        )
        .await;
    assert_eq!(s, 201, "{mail}");
    let m = app
        .monitor(json!({"name": "payroll", "period": "1h", "channels": [mail["id"]]}))
        .await;
    assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
    let mails = smtp
        .wait_for(Duration::from_secs(10), |all| all.len() >= 2)
        .await;
    let link_of = |who: &str| {
        let mail = mails
            .iter()
            .find(|x| x.to.iter().any(|t| t.contains(who)))
            .unwrap_or_else(|| panic!("a mail to {who}"));
        link(&mail.text(), &format!("{}/ack/", app.base))
    };
    let (ann, bob) = (link_of("ann@"), link_of("bob@"));
    assert_ne!(ann, bob, "each recipient has their own link");
    let page = page_of(&app, &ann).await;
    assert!(page.contains("prefers-color-scheme: dark"), "{page}");
    let public = app.get_monitor(&m).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        page.contains(&format!("href=\"/monitors/{public}\"")),
        "{page}"
    );
    assert!(page.contains("href=\"/alerts\""), "{page}");
    let done = app.http.post(&ann).send().await.unwrap();
    assert_eq!(done.status(), 200);
    let body = done.text().await.unwrap();
    assert!(
        body.contains("acknowledged by <strong>ann@example.com (e-mail)</strong>"),
        "{body}"
    );
    let page = page_of(&app, &bob).await;
    assert!(
        page.contains("Already acknowledged by <strong>ann@example.com (e-mail)</strong>"),
        "{page}"
    );
    app.stop().await;
}
both!(
    each_recipient_has_their_own_link,
    each_recipient_has_their_own_link
);
