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
            EventKind::Test => "test",
        }
    }
}
