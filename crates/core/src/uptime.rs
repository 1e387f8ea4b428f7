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
    // The status at the window's start: the last change before it, else the first
    // change's status before, else new.
    let mut status = h
        .changes
        .iter()
        .rev()
        .find(|c| c.at <= start)
        .map(|c| c.to.clone())
        .or_else(|| h.changes.first().map(|c| c.from.clone()))
        .unwrap_or_else(|| "new".to_string());
    let (mut counted, mut down) = (0i64, 0i64);
    let mut at = start;
    let mut add = |from: i64, to: i64, status: &str| {
        let span = to - from - overlap(&h.outages, from, to);
        match status {
            "paused" => {}
            "down" => {
                counted += span;
                down += span;
            }
            _ => counted += span,
        }
    };
    for c in h.changes.iter().filter(|c| c.at > start && c.at <= now) {
        add(at, c.at, &status);
        at = c.at;
        status.clone_from(&c.to);
    }
    add(at, now, &status);
    (counted > 0).then(|| 100.0 * (counted - down) as f64 / counted as f64)
}

/// How much of `[from, to]` the intervals cover (they may overlap each other).
fn overlap(intervals: &[(i64, i64)], from: i64, to: i64) -> i64 {
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
