//! The page cap (docs/behaviour.md, "Channels"): a paging channel (PagerDuty, Opsgenie)
//! gets one incident per
//! alert, but an alert storm must not wake someone with hundreds of pages. Each paging
//! channel takes at most `page_limit` new incidents in [`WINDOW_MS`]; the alerts beyond
//! collapse into one overflow incident, opened by the first of them and resolved when
//! the last of them resolves. The channel's own incidents are unaffected.

use crate::event::{AlertNote, EventKind, EventRecord, ProblemItem, ProblemsNote};
use crate::time::Timestamp;
use crate::Transition;

/// New incidents a paging channel takes per window unless it says otherwise.
pub const DEFAULT_LIMIT: i64 = 20;

/// The window the cap counts in: ten minutes.
pub const WINDOW_MS: i64 = 10 * 60_000;

/// The cap of a paging channel from its stored settings (`page_limit`), at least 1.
pub fn limit_of(config: &str) -> i64 {
    serde_json::from_str::<serde_json::Value>(config)
        .ok()
        .and_then(|v| v.get("page_limit")?.as_i64())
        .unwrap_or(DEFAULT_LIMIT)
        .max(1)
}

/// Whether one more incident may open on a channel that opened `sent` in the window.
pub fn admits(sent: i64, limit: i64) -> bool {
    sent < limit
}

/// The dedup key of overflow incident `id` of `channel`.
pub fn overflow_key(channel: &str, id: i64) -> String {
    format!("overdue/overflow/{channel}/{id}")
}

/// The message that opens an overflow incident, from the first alert it stands for.
pub fn overflow_record(first: &EventRecord, key: &str, limit: i64, now: Timestamp) -> EventRecord {
    let severity = first
        .alert
        .as_ref()
        .map(|a| a.severity.clone())
        .unwrap_or_else(|| "error".into());
    let id = first.alert.as_ref().map(|a| a.id).unwrap_or_default();
    let mut monitor = first.monitor.clone();
    monitor.uuid = String::new();
    monitor.slug = None;
    monitor.name = "page cap".into();
    EventRecord {
        event: EventKind::Overflow,
        monitor,
        status: "down".into(),
        previous_status: "up".into(),
        reason: None,
        detail: Some(format!("{limit} in {} min", WINDOW_MS / 60_000)),
        at: now.to_rfc3339(),
        body: None,
        problems: Some(ProblemsNote {
            count: 1,
            items: vec![ProblemItem {
                key: first.headline(),
                severity: severity.clone(),
                message: String::new(),
                count: 1,
                details: None,
            }],
        }),
        alert: Some(AlertNote {
            id,
            dedup_key: key.to_string(),
            transition: Transition::Trigger,
            severity,
            count: 1,
            incidents: Vec::new(),
            thread: None,
            reason: None,
            ack_token: None,
            ack_url: None,
            opened_at: None,
            members: Vec::new(),
        }),
        expected: None,
        last_ping: None,
        expected_at: None,
        last_ping_at: None,
        run: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_reads_the_channel_setting_or_defaults() {
        assert_eq!(limit_of(r#"{"page_limit": 5}"#), 5);
        assert_eq!(limit_of(r#"{"routing_key": "x"}"#), DEFAULT_LIMIT);
        assert_eq!(limit_of("not json"), DEFAULT_LIMIT);
        assert_eq!(limit_of(r#"{"page_limit": 0}"#), 1);
    }

    #[test]
    fn the_cap_admits_up_to_the_limit() {
        assert!(admits(0, 1));
        assert!(admits(19, 20));
        assert!(!admits(20, 20));
    }

    #[test]
    fn the_overflow_names_the_first_alert_and_its_own_key() {
        let first: EventRecord = serde_json::from_value(serde_json::json!({
            "event": "monitor.down",
            "monitor": {"uuid": "u1", "name": "db-backup", "slug": "db-backup", "tags": [], "project": "p"},
            "status": "down", "previous_status": "up", "reason": "missed",
            "at": "2026-12-02T03:10:00Z", "body": null,
            "alert": {"id": 7, "dedup_key": "overdue/monitor/x/1", "transition": "trigger",
                      "severity": "critical", "count": 1, "incidents": []}
        }))
        .unwrap();
        let key = overflow_key("ch1", 3);
        let r = overflow_record(&first, &key, 20, Timestamp(0));
        let a = r.alert.as_ref().unwrap();
        assert_eq!(a.dedup_key, "overdue/overflow/ch1/3");
        assert_eq!(a.severity, "critical");
        assert_eq!(
            r.summary(),
            "Page cap reached (20 in 10 min): further alerts are one incident until they resolve; first: DOWN: db-backup — missed"
        );
    }
}
