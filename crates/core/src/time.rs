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

impl Timestamp {
    /// Wall-clock text for people in the zone `tz` (an IANA name; UTC when absent or
    /// unknown): `"2026-12-02 03:10 Europe/Riga"`, or `"03:10 Europe/Riga"` with
    /// `time_only`.
    pub fn local_text(self, tz: Option<&str>, time_only: bool) -> String {
        let zone: chrono_tz::Tz = tz.and_then(|t| t.parse().ok()).unwrap_or(chrono_tz::UTC);
        let local = self.to_utc().with_timezone(&zone);
        let pattern = if time_only { "%H:%M" } else { "%Y-%m-%d %H:%M" };
        format!("{} {}", local.format(pattern), zone.name())
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_text_in_the_monitors_zone() {
        // 2026-12-02T01:10:00Z is 03:10 in Riga (UTC+2 in winter).
        let t = Timestamp(1_764_637_800_000);
        assert_eq!(t.local_text(Some("Europe/Riga"), true), "03:10 Europe/Riga");
        assert_eq!(t.local_text(None, false), "2025-12-02 01:10 UTC");
        assert_eq!(t.local_text(Some("Nowhere/Else"), true), "01:10 UTC");
    }
}
