//! Instants as milliseconds since the Unix epoch: portable across both databases.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::Dur;

/// An instant, in milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Milliseconds since the epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// This instant plus a duration (saturating: far-future values stay representable).
    pub fn plus(self, d: Dur) -> Timestamp {
        Timestamp(self.0.saturating_add(d.millis()))
    }

    /// The milliseconds from `earlier` to `self` (negative if `earlier` is later).
    pub fn since(self, earlier: Timestamp) -> i64 {
        self.0 - earlier.0
    }

    /// As a chrono UTC date-time.
    pub fn to_utc(self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// From a chrono date-time in any zone.
    pub fn from_datetime<Z: TimeZone>(dt: &DateTime<Z>) -> Timestamp {
        Timestamp(dt.timestamp_millis())
    }

    /// RFC 3339 text with second precision and a `+00:00` offset, as Healthchecks prints it.
    pub fn to_rfc3339(self) -> String {
        self.to_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}
