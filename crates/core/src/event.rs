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
