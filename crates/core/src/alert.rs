//! Alerts (docs/behaviour.md, "Alerts"): every notifying condition is one alert, open →
//! acknowledged →
//! resolved, with a stable dedup key. Messages announce an alert's transitions; which
//! transition goes to which kind of channel, and what an acknowledgement may do, is
//! decided here.

use serde::{Deserialize, Serialize};

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertKind {
    /// A monitor's down episode: opened by the flip to down, resolved by the flip to up,
    /// a pause or a delete.
    Down,
    /// One problem occurrence (docs/behaviour.md, "Problems (per-unit errors)").
    Problem,
    /// A one-shot event (an overlapping run, a `warn` run): resolved at once.
    Event,
    /// A channel test: resolved at once.
    Test,
    /// A channel whose deliveries keep failing.
    Channel,
    /// A flow's entity past its stage's SLA (docs/behaviour.md, "Flows (entity SLAs)"):
    /// resolved when it moves on.
    Flow,
}

impl AlertKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Down => "down",
            AlertKind::Problem => "problem",
            AlertKind::Event => "event",
            AlertKind::Test => "test",
            AlertKind::Channel => "channel",
            AlertKind::Flow => "flow",
        }
    }

    /// Reads a wire name.
    pub fn parse(text: &str) -> Option<AlertKind> {
        [
            AlertKind::Down,
            AlertKind::Problem,
            AlertKind::Event,
            AlertKind::Test,
            AlertKind::Channel,
            AlertKind::Flow,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }

    /// One-shot alerts resolve as they open: sent once, never repeated, never paging.
    pub fn is_one_shot(self) -> bool {
        matches!(self, AlertKind::Event | AlertKind::Test)
    }
}

/// Where an alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    /// Nobody has acknowledged it yet.
    Open,
    /// Someone looks after it.
    Acknowledged,
    /// Over (the monitor recovered, the problem resolved, the monitor was paused or
    /// deleted, or it was a one-shot).
    Resolved,
}

impl AlertStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Open => "open",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Resolved => "resolved",
        }
    }

    /// Reads a wire name.
    pub fn parse(text: &str) -> Option<AlertStatus> {
        [
            AlertStatus::Open,
            AlertStatus::Acknowledged,
            AlertStatus::Resolved,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// What one message announces about its alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transition {
    /// The alert opened.
    Trigger,
    /// Open problems rose in severity.
    Escalate,
    /// The alert resolved.
    Resolve,
    /// Someone acknowledged it.
    Acknowledge,
    /// A one-shot alert (opened and resolved at once).
    Once,
    /// The daily digest of quiet problems (its own message kind, about no one alert).
    Digest,
    /// A reminder: the alert is still open and nobody acknowledged it (a route's
    /// `repeat_every`).
    Repeat,
}

impl Transition {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Trigger => "trigger",
            Transition::Escalate => "escalate",
            Transition::Resolve => "resolve",
            Transition::Acknowledge => "acknowledge",
            Transition::Once => "once",
            Transition::Digest => "digest",
            Transition::Repeat => "repeat",
        }
    }

    /// Whether a channel of this kind gets this transition. Paging channels
    /// (PagerDuty) keep their own incident per alert: they get what opens, raises,
    /// acknowledges and resolves it, never a one-shot or a digest (nothing to page
    /// about, and nothing would ever resolve the incident). An acknowledgement is
    /// news only to a paging channel (so its incident stops escalating); people on
    /// e-mail and chat are not told who clicked. Paging channels escalate and remind by
    /// themselves: no repeat.
    pub fn goes_to(self, paging: bool) -> bool {
        match self {
            Transition::Acknowledge => paging,
            Transition::Once | Transition::Digest | Transition::Repeat => !paging,
            Transition::Trigger | Transition::Escalate | Transition::Resolve => true,
        }
    }

    /// A message that carries an acknowledgement link: one that asks someone to act.
    pub fn wants_ack(self) -> bool {
        matches!(
            self,
            Transition::Trigger | Transition::Escalate | Transition::Repeat
        )
    }
}

/// Whether a channel kind pages someone (PagerDuty, Opsgenie): it keeps its own
/// incident per alert, escalates by itself, and gets no repeats or escalation from
/// Overdue.
pub fn is_paging(channel_kind: &str) -> bool {
    matches!(channel_kind, "pagerduty" | "opsgenie")
}

/// The result of acknowledging an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckDecision {
    /// It was open: it is acknowledged now.
    Acknowledge,
    /// Someone already did (who, answered as is).
    Already,
    /// It is resolved: nothing to acknowledge.
    Resolved,
}

/// What acknowledging an alert in `status` does.
pub fn acknowledge(status: AlertStatus) -> AckDecision {
    match status {
        AlertStatus::Open => AckDecision::Acknowledge,
        AlertStatus::Acknowledged => AckDecision::Already,
        AlertStatus::Resolved => AckDecision::Resolved,
    }
}

/// The longest dedup key a receiver accepts (PagerDuty's limit).
pub const MAX_DEDUP_KEY: usize = 255;

/// The dedup key of an alert: kind, the monitor's public reference (never its ping
/// code) and what makes this occurrence unique (the down episode's start, the problem
/// occurrence's id), at most [`MAX_DEDUP_KEY`] characters.
pub fn dedup_key(kind: AlertKind, monitor_ref: Option<&str>, unique: &str) -> String {
    let mut key = format!(
        "overdue/{}/{}/{}",
        kind.as_str(),
        monitor_ref.unwrap_or("-"),
        unique
    );
    if key.len() > MAX_DEDUP_KEY {
        let mut cut = MAX_DEDUP_KEY;
        while !key.is_char_boundary(cut) {
            cut -= 1;
        }
        key.truncate(cut);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledging_follows_the_status() {
        assert_eq!(acknowledge(AlertStatus::Open), AckDecision::Acknowledge);
        assert_eq!(acknowledge(AlertStatus::Acknowledged), AckDecision::Already);
        assert_eq!(acknowledge(AlertStatus::Resolved), AckDecision::Resolved);
    }

    #[test]
    fn paging_channels_get_incidents_only() {
        for t in [
            Transition::Trigger,
            Transition::Escalate,
            Transition::Resolve,
        ] {
            assert!(t.goes_to(true) && t.goes_to(false), "{t:?}");
        }
        assert!(Transition::Acknowledge.goes_to(true));
        assert!(!Transition::Acknowledge.goes_to(false));
        assert!(!Transition::Once.goes_to(true) && Transition::Once.goes_to(false));
        assert!(!Transition::Digest.goes_to(true));
        assert!(Transition::Trigger.wants_ack() && !Transition::Resolve.wants_ack());
    }

    #[test]
    fn kinds_and_keys() {
        assert_eq!(crate::EventKind::MonitorDown.opens(), Some(AlertKind::Down));
        assert_eq!(crate::EventKind::MonitorUp.opens(), None);
        assert!(AlertKind::Event.is_one_shot() && !AlertKind::Down.is_one_shot());
        assert_eq!(AlertKind::parse("problem"), Some(AlertKind::Problem));
        assert_eq!(
            AlertStatus::parse("acknowledged"),
            Some(AlertStatus::Acknowledged)
        );
        assert_eq!(
            dedup_key(AlertKind::Down, Some("abc"), "1700000000000"),
            "overdue/down/abc/1700000000000"
        );
        let long = dedup_key(AlertKind::Event, Some(&"é".repeat(300)), "x");
        assert!(long.len() <= MAX_DEDUP_KEY && long.starts_with("overdue/event/"));
    }
}
