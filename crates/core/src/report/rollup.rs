//! The counters kept beside a subject's own (docs/architecture.md, "Report counters"):
//! the whole project's, per 15-minute bucket, and the subject's per UTC month, each in
//! a key range of its own. A report over the project reads the project's counters (at
//! most one per bucket and metric, whatever the number of monitors); sums per monitor
//! over a long period read whole months, and 15-minute counters only at the period's
//! edges.

use chrono::{Datelike, NaiveDate};

/// The subject of counters about no monitor or flow (a failing channel, a page per
/// channel): kept for the project only.
pub const PROJECT: &str = "";

/// Where a counter is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kept {
    /// The subject's own, per 15-minute bucket.
    Subject,
    /// The whole project's, per 15-minute bucket and metric.
    Project,
    /// The subject's, per UTC month.
    Month,
}

/// The start (ms, UTC) of the UTC month `ms` falls in.
pub fn month_of(ms: i64) -> i64 {
    let Some(at) = chrono::DateTime::from_timestamp_millis(ms) else {
        return ms;
    };
    NaiveDate::from_ymd_opt(at.year(), at.month(), 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp_millis())
        .unwrap_or(ms)
}

/// The start of the UTC month after the one `ms` falls in.
fn next_month(ms: i64) -> i64 {
    // 32 days after a month's start is always in the next month.
    month_of(month_of(ms) + 32 * 86_400_000)
}

/// Where a counter of `subject` in `bucket` is kept, with the bucket it is kept in
/// there: the subject's own, the project's of the same bucket, the subject's month. A
/// counter about no subject is kept for the project only.
pub fn kept_in(subject: &str, bucket: i64) -> Vec<(Kept, i64)> {
    if subject == PROJECT {
        return vec![(Kept::Project, bucket)];
    }
    vec![
        (Kept::Subject, bucket),
        (Kept::Project, bucket),
        (Kept::Month, month_of(bucket)),
    ]
}

/// A period `[from, to)` cut for sums per subject: the whole UTC months inside it
/// (`[start, end)`, read from monthly counters) and the edges around them (read from
/// 15-minute counters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    /// Whole months: the first one's start and the last one's end.
    pub months: Option<(i64, i64)>,
    /// The rest of the period, at most two ranges.
    pub edges: Vec<(i64, i64)>,
}

/// Cuts `[from, to)` into whole UTC months and edges.
pub fn cut(from: i64, to: i64) -> Cut {
    let start = if month_of(from) == from {
        from
    } else {
        next_month(from)
    };
    let end = month_of(to);
    if start >= end {
        return Cut {
            months: None,
            edges: if from < to { vec![(from, to)] } else { vec![] },
        };
    }
    let edges = [(from, start), (end, to)]
        .into_iter()
        .filter(|(a, b)| a < b)
        .collect();
    Cut {
        months: Some((start, end)),
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn months_start_at_utc_midnight_of_the_first() {
        assert_eq!(
            month_of(ms("2026-02-28T23:45:00Z")),
            ms("2026-02-01T00:00:00Z")
        );
        assert_eq!(
            month_of(ms("2026-03-01T00:00:00Z")),
            ms("2026-03-01T00:00:00Z")
        );
        assert_eq!(
            next_month(ms("2026-12-31T23:45:00Z")),
            ms("2027-01-01T00:00:00Z")
        );
    }

    #[test]
    fn a_subjects_counter_is_also_the_projects_and_its_months() {
        let b = ms("2026-11-30T22:15:00Z");
        assert_eq!(
            kept_in("mon1", b),
            vec![
                (Kept::Subject, b),
                (Kept::Project, b),
                (Kept::Month, ms("2026-11-01T00:00:00Z"))
            ]
        );
        assert_eq!(kept_in("", b), vec![(Kept::Project, b)]);
    }

    #[test]
    fn a_period_is_cut_into_whole_months_and_edges() {
        // A year in Tokyo: edges before the first whole month and after the last.
        let c = cut(ms("2025-12-07T15:00:00Z"), ms("2026-12-07T15:00:00Z"));
        assert_eq!(
            c.months,
            Some((ms("2026-01-01T00:00:00Z"), ms("2026-12-01T00:00:00Z")))
        );
        assert_eq!(
            c.edges,
            vec![
                (ms("2025-12-07T15:00:00Z"), ms("2026-01-01T00:00:00Z")),
                (ms("2026-12-01T00:00:00Z"), ms("2026-12-07T15:00:00Z")),
            ]
        );
        // A UTC month exactly: one month, no edge.
        let c = cut(ms("2026-11-01T00:00:00Z"), ms("2026-12-01T00:00:00Z"));
        assert_eq!(c.edges, vec![]);
        assert_eq!(
            c.months,
            Some((ms("2026-11-01T00:00:00Z"), ms("2026-12-01T00:00:00Z")))
        );
        // A week inside a month: all edge.
        let (a, b) = (ms("2026-11-03T00:00:00Z"), ms("2026-11-10T00:00:00Z"));
        assert_eq!(
            cut(a, b),
            Cut {
                months: None,
                edges: vec![(a, b)]
            }
        );
        // Two weeks across a month's start: no whole month, one edge.
        let (a, b) = (ms("2026-10-25T00:00:00Z"), ms("2026-11-08T00:00:00Z"));
        assert_eq!(cut(a, b).edges, vec![(a, b)]);
        assert_eq!(cut(b, b).edges, vec![]);
    }
}
