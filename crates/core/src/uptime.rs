//! Uptime, defined once (docs/behaviour.md, "Uptime"): the share of a window during which
//! a monitor was not down, counted from its creation, leaving out the time it was paused
//! and the time Overdue itself was not running. A monitor that never pinged has none.
//! The monitor page, the API and reports read this one definition.

/// A status change: when (ms), and the stored status it went to (`up`, `down`,
/// `paused`, `new`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// When it happened (ms).
    pub at: i64,
    /// The status before.
    pub from: String,
    /// The status after.
    pub to: String,
}

/// What the share is computed from.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// When the monitor was created (ms).
    pub created_at: i64,
    /// Whether it ever pinged: a monitor that never did has no uptime.
    pub pinged: bool,
    /// Its status changes, oldest first; the first may be before the window (it gives
    /// the status at the window's start).
    pub changes: Vec<Change>,
    /// Intervals (ms, start and end) when no instance of Overdue was running.
    pub outages: Vec<(i64, i64)>,
}

/// The share (0–100) of the `window_ms` before `now` during which the monitor was not
/// down, out of the time it existed, was not paused and Overdue was running. `None`: it
/// never pinged, or none of the window counts.
pub fn share(h: &History, now: i64, window_ms: i64) -> Option<f64> {
    if !h.pinged {
        return None;
    }
    let start = (now - window_ms).max(h.created_at);
    if start >= now {
        return None;
    }
    let t = tally(h, start, now);
    (t.counted > 0).then(|| 100.0 * (t.counted - t.down) as f64 / t.counted as f64)
}

/// Time in `[start, end)` by what it counts as (ms).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    /// Counted: not paused, Overdue running.
    counted: i64,
    /// Of it, down.
    down: i64,
    /// Paused (Overdue running).
    paused: i64,
}

/// Walks the statuses over `[start, end)`.
fn tally(h: &History, start: i64, end: i64) -> Tally {
    // The status at the start: the last change before it, else the first change's
    // status before, else new.
    let mut status = h
        .changes
        .iter()
        .rev()
        .find(|c| c.at <= start)
        .map(|c| c.to.clone())
        .or_else(|| h.changes.first().map(|c| c.from.clone()))
        .unwrap_or_else(|| "new".to_string());
    let mut t = Tally::default();
    let mut at = start;
    let mut add = |from: i64, to: i64, status: &str| {
        let span = to - from - overlap(&h.outages, from, to);
        match status {
            "paused" => t.paused += span,
            "down" => {
                t.counted += span;
                t.down += span;
            }
            _ => t.counted += span,
        }
    };
    for c in h.changes.iter().filter(|c| c.at > start && c.at <= end) {
        add(at, c.at, &status);
        at = c.at;
        status.clone_from(&c.to);
    }
    add(at, end, &status);
    t
}

/// One day of the status strip: its worst status and uptime.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    /// When it starts (ms; midnight in the zone asked for).
    pub start: i64,
    /// Its date in that zone (`2026-12-03`).
    pub date: String,
    /// `down` when it was down at all that day, else `up` when it counted, `paused`
    /// when it was only paused, `none` when it did not exist yet, never pinged, or the
    /// day is all Overdue's own outage.
    pub status: &'static str,
    /// The share (0–100) as [`share`] defines it, over that day.
    pub uptime: Option<f64>,
    /// How long it was down that day (ms).
    pub down_ms: i64,
}

/// A percentage to three decimals, as the API gives uptime (99.99949 reads 99.999).
pub fn three_decimals(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

impl From<Day> for overdue_types::UptimeDay {
    /// A day of a strip as the API gives it: uptime to three decimals, down in seconds.
    fn from(d: Day) -> Self {
        overdue_types::UptimeDay {
            date: d.date,
            status: d.status.to_string(),
            uptime: d.uptime.map(three_decimals),
            down: d.down_ms / 1000,
        }
    }
}

/// The last `n` days up to `now` in zone `tz` (an IANA name; UTC when unknown), oldest
/// first, today ending at `now`: the 90-day strip (docs/behaviour.md, "Uptime").
pub fn days(h: &History, now: i64, tz: &str, n: usize) -> Vec<Day> {
    let starts = day_starts(now, tz, n);
    let zone: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let date_of = |ms: i64| {
        use chrono::TimeZone;
        zone.timestamp_millis_opt(ms)
            .single()
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    starts
        .iter()
        .enumerate()
        .map(|(i, &start)| {
            let end = starts.get(i + 1).copied().unwrap_or(now).min(now);
            let from = start.max(h.created_at);
            if !h.pinged || from >= end {
                return Day {
                    start,
                    date: date_of(start),
                    status: "none",
                    uptime: None,
                    down_ms: 0,
                };
            }
            let t = tally(h, from, end);
            let status = if t.down > 0 {
                "down"
            } else if t.counted > 0 {
                "up"
            } else if t.paused > 0 {
                "paused"
            } else {
                "none"
            };
            Day {
                start,
                date: date_of(start),
                status,
                uptime: (t.counted > 0)
                    .then(|| 100.0 * (t.counted - t.down) as f64 / t.counted as f64),
                down_ms: t.down,
            }
        })
        .collect()
}

/// The local midnights starting the last `n` days up to `now` in `tz`, oldest first. A
/// midnight a DST change skips is the day's first instant that exists.
fn day_starts(now: i64, tz: &str, n: usize) -> Vec<i64> {
    use chrono::{Duration, TimeZone};
    let zone: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let Some(today) = zone
        .timestamp_millis_opt(now)
        .single()
        .map(|t| t.date_naive())
    else {
        return Vec::new();
    };
    (0..n as i64)
        .rev()
        .filter_map(|back| midnight(zone, today - Duration::days(back)))
        .collect()
}

/// The instant local day `date` begins in `zone` (ms): its midnight, or the first
/// instant after it when a DST change skips midnight.
pub(crate) fn midnight(zone: chrono_tz::Tz, date: chrono::NaiveDate) -> Option<i64> {
    use chrono::{Duration, LocalResult, TimeZone};
    let midnight = date.and_hms_opt(0, 0, 0)?;
    match zone.from_local_datetime(&midnight) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.timestamp_millis()),
        LocalResult::None => {
            let later = midnight + Duration::hours(1);
            zone.from_local_datetime(&later)
                .earliest()
                .map(|t| t.timestamp_millis())
        }
    }
}

/// How much of `[from, to]` the intervals cover (they may overlap each other).
pub(crate) fn overlap(intervals: &[(i64, i64)], from: i64, to: i64) -> i64 {
    let mut parts: Vec<(i64, i64)> = intervals
        .iter()
        .map(|&(s, e)| (s.max(from), e.min(to)))
        .filter(|(s, e)| s < e)
        .collect();
    parts.sort_unstable();
    let (mut total, mut reach) = (0, from);
    for (s, e) in parts {
        let s = s.max(reach);
        if e > s {
            total += e - s;
            reach = e;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const DAY: i64 = 86_400_000;

    fn change(at: i64, from: &str, to: &str) -> Change {
        Change {
            at,
            from: from.into(),
            to: to.into(),
        }
    }

    /// Five minutes old, down for three of them: 40 %, not 99.94 % of a day.
    #[test]
    fn counts_from_creation() {
        let now = 10 * DAY;
        let h = History {
            created_at: now - 5 * MIN,
            pinged: true,
            changes: vec![
                change(now - 5 * MIN, "new", "up"),
                change(now - 4 * MIN, "up", "down"),
                change(now - MIN, "down", "up"),
            ],
            outages: vec![],
        };
        let s = share(&h, now, DAY).unwrap();
        assert!((s - 40.0).abs() < 1e-9, "{s}");
    }

    /// Days in the zone asked for: down at all is a red day; before creation none.
    #[test]
    fn days_in_a_zone() {
        // 2026-12-07T12:00:00Z; in Riga (UTC+2) days start at 22:00 UTC.
        let now = 1_796_644_800_000;
        let riga_midnight = 1_796_594_400_000; // 2026-12-06T22:00:00Z
        let h = History {
            created_at: riga_midnight - DAY - 6 * 3_600_000,
            pinged: true,
            changes: vec![
                change(riga_midnight - DAY - 6 * 3_600_000, "new", "up"),
                change(riga_midnight - 2 * 3_600_000, "up", "down"),
                change(riga_midnight - 3_600_000, "down", "up"),
                change(riga_midnight + 3_600_000, "up", "paused"),
            ],
            outages: vec![],
        };
        let d = days(&h, now, "Europe/Riga", 4);
        assert_eq!(d.len(), 4);
        assert_eq!(d[3].start, riga_midnight);
        assert_eq!(d[3].date, "2026-12-07");
        assert_eq!(d[2].start, riga_midnight - DAY);
        let statuses: Vec<&str> = d.iter().map(|d| d.status).collect();
        assert_eq!(statuses, ["none", "up", "down", "up"]);
        assert_eq!(d[2].down_ms, 3_600_000);
        assert!((d[2].uptime.unwrap() - 100.0 * 23.0 / 24.0).abs() < 1e-9);
        // Today: one hour up, then paused: all counted time up.
        assert_eq!(d[3].uptime, Some(100.0));
        assert_eq!(
            days(&h, now, "Nowhere/Else", 1)[0].start,
            1_796_601_600_000,
            "UTC"
        );
        let never = History { pinged: false, ..h };
        assert!(days(&never, now, "UTC", 3)
            .iter()
            .all(|d| d.status == "none"));
    }

    #[test]
    fn never_pinged_has_none() {
        let h = History {
            created_at: 0,
            pinged: false,
            ..History::default()
        };
        assert_eq!(share(&h, DAY, DAY), None);
    }

    /// Paused time and Overdue's own outages count neither way.
    #[test]
    fn paused_and_outages_are_left_out() {
        let now = 10 * DAY;
        let h = History {
            created_at: 0,
            pinged: true,
            changes: vec![
                change(now - 2 * DAY, "new", "up"),
                // Down for 6 h, of which 2 h Overdue was not running.
                change(now - 20 * 3_600_000, "up", "down"),
                change(now - 14 * 3_600_000, "down", "up"),
                // Paused for 4 h.
                change(now - 8 * 3_600_000, "up", "paused"),
                change(now - 4 * 3_600_000, "paused", "up"),
            ],
            outages: vec![(now - 16 * 3_600_000, now - 14 * 3_600_000)],
        };
        // Counted: 24 h − 4 h paused − 2 h outage = 18 h; down 4 h.
        let s = share(&h, now, DAY).unwrap();
        assert!((s - 100.0 * 14.0 / 18.0).abs() < 1e-9, "{s}");
        // Overlapping outages count once.
        let mut twice = h.clone();
        twice
            .outages
            .push((now - 15 * 3_600_000, now - 14 * 3_600_000));
        assert_eq!(share(&twice, now, DAY), share(&h, now, DAY));
    }

    /// The status at the window's start comes from the last change before it.
    #[test]
    fn down_since_before_the_window() {
        let now = 40 * DAY;
        let h = History {
            created_at: 0,
            pinged: true,
            changes: vec![change(now - 35 * DAY, "up", "down")],
            outages: vec![],
        };
        assert_eq!(share(&h, now, DAY), Some(0.0));
        assert_eq!(share(&h, now, 30 * DAY), Some(0.0));
    }
}
