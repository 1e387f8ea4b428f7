//! Availability per monitor against a target (docs/behaviour.md, "Reports"): uptime as
//! [`crate::uptime`] defines it — the share of the time a monitor existed, was not paused
//! and Overdue ran during which it was not down — over a report's period. It is read
//! from counters of time down and time paused (per 15-minute bucket, written by
//! [`spread`] when a span ends), the span still open, the monitor's creation and
//! Overdue's outages: never from its flips, so a year of 10,000 monitors stays a few
//! range reads.

use std::collections::HashMap;

use overdue_types::reports::{AvailabilityReport, AvailabilityRow, ReportSpan};

use super::{bucket_of, Metric, Period, Tally, BUCKET_MS};
use crate::uptime::{overlap, three_decimals as rounded};

/// The target when neither the report nor the project names one (percent).
pub const DEFAULT_TARGET: f64 = 99.5;

/// How far back a span's time is kept per bucket (days): a report covers at most 400
/// days, so a longer span's older part would never be read.
const KEPT_DAYS: i64 = 400;

/// The milliseconds of `[start, end)` falling in each 15-minute bucket, leaving out
/// `outages` (when no instance of Overdue ran), oldest bucket first; of a span longer
/// than 400 days, its last 400 days. Buckets with nothing left are left out.
pub fn spread(start: i64, end: i64, outages: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let start = start.max(end - KEPT_DAYS * 86_400_000);
    let mut out = Vec::new();
    let mut at = start;
    while at < end {
        let bucket = bucket_of(at);
        let until = (bucket + BUCKET_MS).min(end);
        let ms = until - at - overlap(outages, at, until);
        if ms > 0 {
            out.push((bucket, ms));
        }
        at = until;
    }
    out
}

/// Whether a status's time is counted when its span ends: `down` and `paused` are.
pub fn counted_status(status: &str) -> Option<Metric> {
    match status {
        "down" => Some(Metric::DownMs),
        "paused" => Some(Metric::PausedMs),
        _ => None,
    }
}

/// A monitor of the scope, as availability needs it.
#[derive(Debug, Clone)]
pub struct Watched {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// When it was created (ms).
    pub created_at: i64,
    /// Whether it ever pinged (without, it has no figure).
    pub pinged: bool,
    /// Its status now and since when (ms), when that is `down` or `paused`: a span not
    /// yet counted.
    pub open: Option<(String, i64)>,
}

/// Down and paused milliseconds of a period, per monitor.
#[derive(Debug, Default, Clone, Copy)]
struct Kept {
    down: i64,
    paused: i64,
}

fn kept(sums: &[Tally]) -> HashMap<&str, Kept> {
    let mut out: HashMap<&str, Kept> = HashMap::new();
    for t in sums {
        let e = out.entry(t.subject.as_str()).or_default();
        match Metric::parse(&t.metric) {
            Some(Metric::DownMs) => e.down += t.n,
            Some(Metric::PausedMs) => e.paused += t.n,
            _ => {}
        }
    }
    out
}

/// A monitor's availability over `[from, to)` at `now` (percent, and ms down); `None`
/// when it never pinged or nothing of the period counts.
fn figure(
    m: &Watched,
    k: Kept,
    from: i64,
    to: i64,
    now: i64,
    outages: &[(i64, i64)],
) -> Option<(f64, i64)> {
    let start = from.max(m.created_at);
    let end = to.min(now);
    if !m.pinged || start >= end {
        return None;
    }
    let (mut down, mut paused) = (k.down, k.paused);
    if let Some((status, since)) = &m.open {
        let s = (*since).max(start);
        if s < end {
            let ms = end - s - overlap(outages, s, end);
            match status.as_str() {
                "down" => down += ms,
                "paused" => paused += ms,
                _ => {}
            }
        }
    }
    let counted = end - start - overlap(outages, start, end) - paused;
    if counted <= 0 {
        return None;
    }
    let down = down.clamp(0, counted);
    Some((100.0 * (counted - down) as f64 / counted as f64, down))
}

/// Whether `x` meets `target`, forgiving the last bits of floating point (72 minutes
/// down of ten days is 99.5 %, met).
fn meets(x: f64, target: f64) -> bool {
    x >= target - 1e-9
}

/// The availability report: each monitor's figure over the period and the period before
/// (`sums` and `before`: its down and paused counters of each, as per-subject sums),
/// against `target`, the lowest first.
#[allow(clippy::too_many_arguments)]
pub fn availability(
    monitors: &[Watched],
    sums: &[Tally],
    before: &[Tally],
    outages: &[(i64, i64)],
    p: Period,
    now: i64,
    span: ReportSpan,
    target: f64,
) -> AvailabilityReport {
    let (now_kept, before_kept) = (kept(sums), kept(before));
    let mut rows: Vec<(Option<f64>, AvailabilityRow)> = monitors
        .iter()
        .map(|m| {
            let k = now_kept.get(m.id.as_str()).copied().unwrap_or_default();
            let fig = figure(m, k, p.from, p.to, now, outages);
            // The period before ended at `from`: its open span is counted up to there.
            let b = before_kept.get(m.id.as_str()).copied().unwrap_or_default();
            let previous = figure(m, b, p.previous_from, p.from, now, outages);
            let public = String::from(crate::PublicRef::of(&m.id));
            (
                fig.map(|f| f.0),
                AvailabilityRow {
                    link: format!("/monitors/{public}"),
                    monitor: public,
                    name: m.name.clone(),
                    availability: fig.map(|f| rounded(f.0)),
                    previous: previous.map(|f| rounded(f.0)),
                    down_s: fig.map_or(0, |f| f.1 / 1000),
                    met: fig.map(|f| meets(f.0, target)),
                },
            )
        })
        .collect();
    rows.sort_by(|a, b| match (a.0, b.0) {
        (Some(x), Some(y)) => x.total_cmp(&y).then(a.1.name.cmp(&b.1.name)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.1.name.cmp(&b.1.name),
    });
    let counted = rows.iter().filter(|r| r.0.is_some()).count() as i64;
    let meeting = rows.iter().filter(|r| r.1.met == Some(true)).count() as i64;
    AvailabilityReport {
        span,
        target,
        counted,
        meeting,
        rows: rows.into_iter().map(|r| r.1).collect(),
    }
}

/// A target as asked in a URL (`"99.9"`, `"99.9%"`), checked as [`checked_target`].
pub fn target(text: &str) -> Result<f64, String> {
    text.trim()
        .trim_end_matches('%')
        .parse::<f64>()
        .map_err(|_| format!("target {text:?} is not a percentage such as 99.5"))
        .and_then(checked_target)
}

/// A target: a percentage above 0 and at most 100, kept to a thousandth, or what to
/// fix.
pub fn checked_target(t: f64) -> Result<f64, String> {
    if t.is_finite() && t > 0.0 && t <= 100.0 {
        Ok((t * 1000.0).round() / 1000.0)
    } else {
        Err(format!(
            "availability target {t} is not a percentage above 0 and at most 100, such as 99.5"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const DAY: i64 = 86_400_000;

    fn span() -> ReportSpan {
        ReportSpan {
            from: String::new(),
            to: String::new(),
            previous_from: String::new(),
            scope: "project".into(),
            tz: "UTC".into(),
        }
    }

    fn tally(subject: &str, metric: Metric, n: i64) -> Tally {
        Tally {
            subject: subject.into(),
            bucket: 0,
            metric: metric.key(),
            n,
        }
    }

    fn watched(id: &str, created_at: i64, open: Option<(&str, i64)>) -> Watched {
        Watched {
            id: id.into(),
            name: id.into(),
            created_at,
            pinged: true,
            open: open.map(|(s, t)| (s.into(), t)),
        }
    }

    /// A span is cut at bucket edges, outages left out.
    #[test]
    fn a_span_spreads_over_its_buckets() {
        let s = spread(10 * MIN, 40 * MIN, &[]);
        assert_eq!(
            s,
            vec![(0, 5 * MIN), (15 * MIN, 15 * MIN), (30 * MIN, 10 * MIN)]
        );
        let s = spread(10 * MIN, 40 * MIN, &[(14 * MIN, 31 * MIN)]);
        assert_eq!(s, vec![(0, 4 * MIN), (30 * MIN, 9 * MIN)]);
        assert!(spread(5, 5, &[]).is_empty());
        // A span of two years keeps its last 400 days.
        let long = spread(0, 800 * DAY, &[]);
        assert_eq!(long.len() as i64, 400 * DAY / BUCKET_MS);
        assert_eq!(long[0].0, 400 * DAY);
    }

    /// Counters, the open span, creation, pauses and outages, as uptime counts them.
    #[test]
    fn each_monitor_against_the_target() {
        let p = Period {
            from: 10 * DAY,
            to: 20 * DAY,
            previous_from: 0,
        };
        let now = 20 * DAY;
        let monitors = vec![
            // Down 72 minutes of ten days: 99.5 %, met exactly.
            watched("steady", 0, None),
            // Created halfway, down for the last day still: 80 % of its five days.
            watched("young", 15 * DAY, Some(("down", 19 * DAY))),
            // Paused five days, down one hour of the other five: the hour over five days.
            watched("paused", 0, None),
            // Never pinged: no figure, listed last.
            Watched {
                pinged: false,
                ..watched("silent", 0, None)
            },
        ];
        let sums = vec![
            tally("steady", Metric::DownMs, 72 * MIN),
            tally("paused", Metric::PausedMs, 5 * DAY),
            tally("paused", Metric::DownMs, 60 * MIN),
        ];
        let before = vec![tally("steady", Metric::DownMs, DAY)];
        let r = availability(&monitors, &sums, &before, &[], p, now, span(), 99.5);
        let names: Vec<&str> = r.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["young", "paused", "steady", "silent"]);
        assert_eq!(r.rows[0].availability, Some(80.0));
        assert_eq!(r.rows[0].down_s, 86_400);
        assert_eq!(r.rows[0].previous, None, "it did not exist before");
        assert_eq!(r.rows[1].availability, Some(99.167));
        assert_eq!(r.rows[2].availability, Some(99.5));
        assert_eq!(r.rows[2].met, Some(true));
        assert_eq!(r.rows[2].previous, Some(90.0));
        assert_eq!(r.rows[3].availability, None);
        assert_eq!(r.rows[3].met, None);
        assert_eq!((r.counted, r.meeting), (3, 1));
        assert!(r.rows[0].link.starts_with("/monitors/"));
        assert_ne!(r.rows[0].monitor, "young", "a public reference, not the id");
        // An outage of the whole last day is neither down nor counted.
        let r = availability(
            &monitors[1..2],
            &[],
            &[],
            &[(19 * DAY, 20 * DAY)],
            p,
            now,
            span(),
            99.5,
        );
        assert_eq!(r.rows[0].availability, Some(100.0));
        assert_eq!(r.rows[0].down_s, 0);
    }

    #[test]
    fn targets_in_words() {
        assert_eq!(target("99.9"), Ok(99.9));
        assert_eq!(target(" 95% "), Ok(95.0));
        assert!(target("0").is_err());
        assert!(target("101").unwrap_err().contains("at most 100"));
        assert!(target("NaN").is_err());
    }
}
