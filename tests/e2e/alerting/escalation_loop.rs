//! Escalation that starts over (docs/behaviour.md, "Routing"), on both databases against
//! real HTTP
//! receivers: after the last step the steps run again, timed from it, reminding the
//! backups, until someone acknowledges; a loop without steps is a 400.

use std::time::Duration;

use serde_json::json;

use crate::alerting::escalation::{about, count, hook, open_alert};
use crate::both;
use crate::harness::{Backend, Receiver, TestApp};

async fn escalation_starts_over(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let chat = hook(&app, &rx, "chat").await;
    let first = hook(&app, &rx, "first").await;
    let second = hook(&app, &rx, "second").await;
    let (s, e) = app
        .api(
            "POST",
            "/api/v1/routes",
            Some(json!({"name": "r", "channels": [chat], "escalate_loop": true})),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(
        e["error"],
        "escalate_loop: give escalation steps (escalate) to start over"
    );
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/routes",
            Some(json!({"name": "round robin", "channels": [chat], "escalate_loop": true,
                        "escalate": [{"after": 1, "channels": [first]}, {"after": 2, "channels": [second]}]})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["escalate_loop"], true);
    let m = app
        .monitor(json!({"name": "nightly", "period": "1h"}))
        .await;
    assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
    // Round one at 1 s and 2 s (first messages), round two at 3 s and 4 s (reminders).
    let got = rx
        .wait_for(Duration::from_secs(15), |all| {
            count(&about(all, "nightly"), "second", "repeat") >= 1
        })
        .await;
    let seen = about(&got, "nightly");
    assert_eq!(count(&seen, "first", "trigger"), 1, "{seen:?}");
    assert_eq!(count(&seen, "second", "trigger"), 1, "{seen:?}");
    assert!(count(&seen, "first", "repeat") >= 1, "{seen:?}");
    assert_eq!(count(&seen, "chat", "trigger"), 1, "{seen:?}");
    // The order: first, second, then first again.
    let order: Vec<&str> = seen
        .iter()
        .filter(|(p, _, _)| p != "chat")
        .map(|(p, _, _)| p.as_str())
        .collect();
    assert_eq!(
        &order[..4],
        ["first", "second", "first", "second"],
        "{seen:?}"
    );
    // Acknowledged: the rounds stop.
    let id = open_alert(&app, &m).await;
    let (s, _) = app
        .api("POST", &format!("/api/v1/alerts/{id}/acknowledge"), None)
        .await;
    assert_eq!(s, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rx.all().len();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(rx.all().len(), before, "no more rounds");
    app.stop().await;
}
both!(escalation_starts_over, escalation_starts_over);
