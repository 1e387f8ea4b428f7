//! Storms (docs/behaviour.md, "Storms"): with no grouping of its own, a project gathers
//! the alerts that open (and resolve) together. The first message of a quiet project
//! goes out at once; the ones that follow within the project's `wait` (30 s by default)
//! reach each chat, e-mail, push and SMS channel as one message at the wait's end, and
//! while the storm lasts the next ones every `interval` (5 min by default). Paging
//! channels and machines (webhooks, queues, search indexes) keep one event per alert.

use serde::{Deserialize, Serialize};

use crate::{EventRecord, Timestamp};

/// A project's storm setting; `None` in the project means off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Storm {
    /// How long alerts after a quiet project's first are gathered (ms).
    pub wait_ms: i64,
    /// How long the next ones are gathered while the storm lasts (ms).
    pub interval_ms: i64,
}

impl Storm {
    /// The default of a new project: 30 s, then 5 min.
    pub const DEFAULT: Storm = Storm {
        wait_ms: 30_000,
        interval_ms: 300_000,
    };

    /// The longest wait and interval a project may set (a day).
    pub const MAX_MS: i64 = 86_400_000;

    /// The setting stored as two numbers (`wait_ms` 0: off).
    pub fn stored(wait_ms: i64, interval_ms: i64) -> Option<Storm> {
        (wait_ms > 0).then_some(Storm {
            wait_ms,
            interval_ms: interval_ms.max(wait_ms),
        })
    }

    /// Checks a setting from input (`interval` defaults to 5 min, or to the wait when
    /// longer); the error says what to fix.
    pub fn checked(wait_ms: i64, interval_ms: Option<i64>) -> Result<Storm, String> {
        if !(1_000..=Self::MAX_MS).contains(&wait_ms) {
            return Err("storm.wait must be between 1s and 24h".into());
        }
        let interval_ms = interval_ms.unwrap_or(Self::DEFAULT.interval_ms.max(wait_ms));
        if interval_ms < wait_ms || interval_ms > Self::MAX_MS {
            return Err("storm.interval must be at least storm.wait and at most 24h".into());
        }
        Ok(Storm {
            wait_ms,
            interval_ms,
        })
    }
}

/// Whether a channel kind gets a storm's gathered messages: people read chat, e-mail,
/// push and SMS; paging keeps an incident per alert, and machines (webhooks, queues,
/// search indexes) take every event.
pub fn gathers(channel_kind: &str) -> bool {
    matches!(
        channel_kind,
        "email"
            | "slack"
            | "msteams"
            | "discord"
            | "telegram"
            | "mattermost"
            | "ntfy"
            | "gotify"
            | "pushover"
            | "sms"
    )
}

/// Which way a storm goes: alerts opening, or resolving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// First messages of alerts.
    Down,
    /// Resolutions.
    Up,
}

impl Direction {
    /// As stored (`down`, `up`).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Down => "down",
            Direction::Up => "up",
        }
    }

    /// From the stored text.
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "down" => Some(Direction::Down),
            "up" => Some(Direction::Up),
            _ => None,
        }
    }
}

/// Where a project's storm stands, one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StormState {
    /// When its last message went out (ms).
    pub last_sent_at: i64,
    /// Gathered messages sent since the storm's first (0: only the first).
    pub batches: i32,
    /// When the gathered alerts go out, while some wait (ms).
    pub pending_until: Option<i64>,
}

/// What to do with a new message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Send it now: the project was quiet (it opens a storm).
    Now,
    /// Gather it with the others until then.
    Gather(Timestamp),
}

/// Decides a new message's fate from the storm's state. A quiet project (no message
/// within the current window) sends at once; otherwise the message joins the pending
/// gathering, or starts one due at the window's end: `wait` after the storm's first
/// message, `interval` after a gathered one.
pub fn admit(storm: Storm, state: Option<&StormState>, now: Timestamp) -> Admit {
    let Some(s) = state else {
        return Admit::Now;
    };
    if let Some(due) = s.pending_until {
        return Admit::Gather(Timestamp(due));
    }
    let window = if s.batches == 0 {
        storm.wait_ms
    } else {
        storm.interval_ms
    };
    let ends = s.last_sent_at.saturating_add(window);
    if now.0 < ends {
        Admit::Gather(Timestamp(ends))
    } else {
        Admit::Now
    }
}

/// The sentence that says what a gathered message is about: "12 of 14 monitors tagged
/// `db` went down within 40 s". A tag is named when at least half of them share it
/// (the most shared one).
pub fn summary(records: &[&EventRecord], direction: Direction) -> String {
    let n = records.len();
    let monitors = records.iter().all(|r| {
        matches!(
            r.event,
            crate::EventKind::MonitorDown | crate::EventKind::MonitorUp
        )
    });
    let (noun, verb) = match (monitors, direction) {
        (true, Direction::Down) => ("monitors", "went down"),
        (true, Direction::Up) => ("monitors", "recovered"),
        (false, Direction::Down) => ("alerts", "opened"),
        (false, Direction::Up) => ("alerts", "resolved"),
    };
    let mut tags: Vec<(&str, usize)> = Vec::new();
    for r in records {
        let mut own: Vec<&str> = r.monitor.tags.iter().map(String::as_str).collect();
        own.sort_unstable();
        own.dedup();
        for t in own {
            match tags.iter_mut().find(|(x, _)| *x == t) {
                Some((_, c)) => *c += 1,
                None => tags.push((t, 1)),
            }
        }
    }
    // The most shared tag, the first in name order among equals.
    tags.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let who = match tags.first() {
        Some((tag, c)) if *c == n && n > 1 => format!("{n} {noun} tagged `{tag}`"),
        Some((tag, c)) if *c * 2 >= n && *c > 1 => format!("{c} of {n} {noun} tagged `{tag}`"),
        _ if n == 1 => format!("1 {}", noun.trim_end_matches('s')),
        _ => format!("{n} {noun}"),
    };
    let times: Vec<Timestamp> = records
        .iter()
        .filter_map(|r| Timestamp::parse_rfc3339(&r.at))
        .collect();
    let spread = match (times.iter().min(), times.iter().max()) {
        (Some(a), Some(b)) if n > 1 && b.since(*a) >= 1_000 => {
            format!(" within {}", crate::time::span(b.since(*a)))
        }
        _ if n > 1 => " together".to_string(),
        _ => String::new(),
    };
    format!("{who} {verb}{spread}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventKind, MonitorRef};

    fn rec(name: &str, tags: &[&str], at: &str, event: EventKind) -> EventRecord {
        EventRecord {
            event,
            monitor: MonitorRef {
                uuid: name.into(),
                name: name.into(),
                slug: None,
                tags: tags.iter().map(|t| t.to_string()).collect(),
                project: "p".into(),
                project_name: None,
            },
            status: "down".into(),
            previous_status: "up".into(),
            reason: Some("failed".into()),
            detail: None,
            at: at.into(),
            body: None,
            problems: None,
            alert: None,
            expected: None,
            last_ping: None,
            expected_at: None,
            last_ping_at: None,
            run: None,
        }
    }

    const S: Storm = Storm::DEFAULT;

    #[test]
    fn a_quiet_project_sends_at_once() {
        assert_eq!(admit(S, None, Timestamp(1_000)), Admit::Now);
        let long_ago = StormState {
            last_sent_at: 0,
            batches: 3,
            pending_until: None,
        };
        assert_eq!(admit(S, Some(&long_ago), Timestamp(300_000)), Admit::Now);
    }

    #[test]
    fn the_first_window_is_the_wait_then_the_interval() {
        let opened = StormState {
            last_sent_at: 10_000,
            batches: 0,
            pending_until: None,
        };
        assert_eq!(
            admit(S, Some(&opened), Timestamp(15_000)),
            Admit::Gather(Timestamp(40_000))
        );
        // After the wait, a new message is a new storm's first.
        assert_eq!(admit(S, Some(&opened), Timestamp(40_000)), Admit::Now);
        let storming = StormState {
            batches: 1,
            ..opened
        };
        assert_eq!(
            admit(S, Some(&storming), Timestamp(45_000)),
            Admit::Gather(Timestamp(310_000))
        );
        // A pending gathering is joined, whatever the clock says.
        let pending = StormState {
            pending_until: Some(40_000),
            ..opened
        };
        assert_eq!(
            admit(S, Some(&pending), Timestamp(41_000)),
            Admit::Gather(Timestamp(40_000))
        );
    }

    #[test]
    fn settings_are_checked_in_words() {
        assert_eq!(Storm::checked(30_000, None), Ok(S));
        assert_eq!(
            Storm::checked(600_000, None).map(|s| s.interval_ms),
            Ok(600_000)
        );
        assert!(Storm::checked(500, None)
            .unwrap_err()
            .contains("storm.wait"));
        assert!(Storm::checked(30_000, Some(1_000))
            .unwrap_err()
            .contains("storm.interval"));
        assert_eq!(Storm::stored(0, 300_000), None);
        assert_eq!(Storm::stored(30_000, 300_000), Some(S));
    }

    #[test]
    fn summaries_name_the_shared_tag_and_the_spread() {
        let down = EventKind::MonitorDown;
        let mut all = Vec::new();
        for i in 0..12 {
            all.push(rec(
                &format!("db{i}"),
                &["db", "prod"],
                "2026-12-05T10:00:00Z",
                down,
            ));
        }
        all.push(rec("web", &["web"], "2026-12-05T10:00:20Z", down));
        all.push(rec("mail", &[], "2026-12-05T10:00:40Z", down));
        let refs: Vec<&EventRecord> = all.iter().collect();
        assert_eq!(
            summary(&refs, Direction::Down),
            "12 of 14 monitors tagged `db` went down within 40 s"
        );
        assert_eq!(
            summary(&refs[..3], Direction::Up),
            "3 monitors tagged `db` recovered together"
        );
        let mixed = [
            rec("a", &[], "2026-12-05T10:00:00Z", EventKind::FlowBreached),
            rec("b", &[], "2026-12-05T10:01:00Z", down),
        ];
        let refs: Vec<&EventRecord> = mixed.iter().collect();
        assert_eq!(
            summary(&refs, Direction::Down),
            "2 alerts opened within 1 min"
        );
        assert!(gathers("email") && gathers("sms") && !gathers("webhook"));
        assert!(!gathers("pagerduty"));
    }
}
