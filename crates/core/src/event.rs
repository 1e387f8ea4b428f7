//! Events: state changes that may notify (SPEC §1). More kinds arrive with runs,
//! problems and flows; routing matches on [`EventKind`].

use serde::{Deserialize, Serialize};

/// The kind of a notifying event, as written in payloads (`"monitor.down"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    /// A monitor's stored status became `down`.
    #[serde(rename = "monitor.down")]
    MonitorDown,
    /// A monitor went from `down` back to `up`.
    #[serde(rename = "monitor.up")]
    MonitorUp,
    /// A run started while `concurrency` runs were already open (no status change).
    #[serde(rename = "run.overlapped")]
    RunOverlapped,
    /// A run ended with warnings on a monitor with `notify_warn` (no status change).
    #[serde(rename = "run.warn")]
    RunWarned,
    /// Problems opened (new units, or reopened after more than 24 h), grouped per report.
    #[serde(rename = "problem.opened")]
    ProblemOpened,
    /// Open problems whose severity rose past what was notified.
    #[serde(rename = "problem.escalated")]
    ProblemEscalated,
    /// Notified problems that resolved, grouped per change.
    #[serde(rename = "problem.resolved")]
    ProblemResolved,
    /// Once a day, per monitor: its open `info` and `warning` problems (which notify no
    /// one when they open).
    #[serde(rename = "problem.digest")]
    ProblemDigest,
    /// A test notification sent by a user.
    #[serde(rename = "test")]
    Test,
}

impl EventKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::MonitorDown => "monitor.down",
            EventKind::MonitorUp => "monitor.up",
            EventKind::RunOverlapped => "run.overlapped",
            EventKind::RunWarned => "run.warn",
            EventKind::ProblemOpened => "problem.opened",
            EventKind::ProblemEscalated => "problem.escalated",
            EventKind::ProblemResolved => "problem.resolved",
            EventKind::ProblemDigest => "problem.digest",
            EventKind::Test => "test",
        }
    }
}

/// What a notification is about: written to the outbox in the transaction of the change,
/// rendered per channel at delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// The kind (`monitor.down`, `monitor.up`).
    pub event: EventKind,
    /// The monitor concerned.
    pub monitor: MonitorRef,
    /// The new stored status (`"down"`, `"up"`).
    pub status: String,
    /// The status before.
    pub previous_status: String,
    /// Why it went down (`missed`, `failed`, `hung`), when it did.
    pub reason: Option<String>,
    /// More about the reason: the step a run hung in, or a report's failed count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When the change happened (RFC 3339, UTC).
    pub at: String,
    /// The body of the ping that caused the change, if any (truncated to 10 KB).
    pub body: Option<String>,
    /// For `problem.*` events: the problems concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problems: Option<ProblemsNote>,
}

/// The problems of one `problem.*` notification: many at once make one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemsNote {
    /// How many problems the event concerns.
    pub count: u64,
    /// The first of them (at most [`ProblemsNote::MAX_ITEMS`]).
    pub items: Vec<ProblemItem>,
}

impl ProblemsNote {
    /// Problems named in one notification; the rest are counted.
    pub const MAX_ITEMS: usize = 20;
}

/// One problem inside a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemItem {
    /// The unit's key.
    pub key: String,
    /// Its severity.
    pub severity: String,
    /// Its latest message.
    pub message: String,
    /// How many times it was reported.
    pub count: i64,
}

/// The identity of a monitor inside an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorRef {
    /// Its UUID.
    pub uuid: String,
    /// Its name.
    pub name: String,
    /// Its slug, if it has one.
    pub slug: Option<String>,
    /// Its tags.
    pub tags: Vec<String>,
    /// Its project's id.
    pub project: String,
}
