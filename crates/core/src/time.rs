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
    /// unknown), to the second: `"2026-12-02 03:10:00 Europe/Riga"`, or
    /// `"03:10:00 Europe/Riga"` with `time_only` (a 10-second heartbeat's deadline needs
    /// its seconds).
    pub fn local_text(self, tz: Option<&str>, time_only: bool) -> String {
        let zone: chrono_tz::Tz = tz.and_then(|t| t.parse().ok()).unwrap_or(chrono_tz::UTC);
        let local = self.to_utc().with_timezone(&zone);
        let pattern = if time_only {
            "%H:%M:%S"
        } else {
            "%Y-%m-%d %H:%M:%S"
        };
        format!("{} {}", local.format(pattern), zone.name())
    }

    /// Parses RFC 3339 text (what [`Timestamp::to_rfc3339`] writes).
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| Timestamp::from_datetime(&t))
    }
}

/// How long before `now` `then` was, for people: `"12 s ago"`, `"3 min ago"`,
/// `"2 h 5 min ago"`, `"3 days ago"`; `"just now"` under a second, `"in 5 min"` when
/// `then` is later.
pub fn ago(then: Timestamp, now: Timestamp) -> String {
    let ms = now.since(then);
    let words = span(ms.abs());
    match ms {
        ms if ms.abs() < 1_000 => "just now".to_string(),
        ms if ms < 0 => format!("in {words}"),
        _ => format!("{words} ago"),
    }
}

/// A span for people (see [`overdue_types::span`]): one wording everywhere.
pub use overdue_types::span;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_text_in_the_monitors_zone() {
        // 2026-12-02T01:10:00Z is 03:10 in Riga (UTC+2 in winter).
        let t = Timestamp(1_764_637_800_000);
        assert_eq!(
            t.local_text(Some("Europe/Riga"), true),
            "03:10:00 Europe/Riga"
        );
        assert_eq!(t.local_text(None, false), "2025-12-02 01:10:00 UTC");
        assert_eq!(t.local_text(Some("Nowhere/Else"), true), "01:10:00 UTC");
        assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t));
    }

    #[test]
    fn spans_and_ago_for_people() {
        let now = Timestamp(1_764_637_800_000);
        let before = |s: i64| Timestamp(now.0 - s * 1_000);
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(before(12), now), "12 s ago");
        assert_eq!(ago(before(43 * 60 + 5), now), "43 min ago");
        assert_eq!(ago(before(2 * 3_600 + 5 * 60), now), "2 h 5 min ago");
        assert_eq!(ago(before(3_600), now), "1 h ago");
        assert_eq!(ago(before(86_400 + 4 * 3_600), now), "1 day 4 h ago");
        assert_eq!(ago(before(3 * 86_400), now), "3 days ago");
        assert_eq!(ago(before(-300), now), "in 5 min");
    }
}
