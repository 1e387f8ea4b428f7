//! The figures of each report, from the counters of its period and the period before
//! (docs/behaviour.md, "Reports"). Pure: names, tags and calendars are handed in.

use std::collections::{BTreeMap, HashMap};

use overdue_types::reports::{
    AlertsReport, AlertsRow, NoisiestReport, NoisyMonitor, OpenUnit, OutOfHoursChannel,
    OutOfHoursPerson, OutOfHoursReport, Percentiles, ReportSpan, ResponseReport, Trend,
    UnitKindRow, UnitsReport,
};

use super::{row_date, row_dates, Metric, Period, Tally};
use crate::flow::stats::percentile;
use crate::flow::Calendar;

/// The counters of `p` (`previous`: of the period before), read.
fn within(tallies: &[Tally], p: Period, previous: bool) -> impl Iterator<Item = (&Tally, Metric)> {
    let (from, to) = if previous {
        (p.previous_from, p.from)
    } else {
        (p.from, p.to)
    };
    tallies
        .iter()
        .filter(move |t| t.bucket >= from && t.bucket < to)
        .filter_map(|t| Metric::parse(&t.metric).map(|m| (t, m)))
}

/// Alerts per day or week (`weeks`) by reason and severity from `tallies`, and by tag
/// from `per_subject`, each subject's sums over the period (`tags_of` a subject: its
/// monitor's tags now). Alerts of no subject (`tallies` counts more than `per_subject`)
/// are under "(none)".
pub fn alerts(
    tallies: &[Tally],
    per_subject: &[Tally],
    p: Period,
    span: ReportSpan,
    weeks: bool,
    tags_of: &dyn Fn(&str) -> Vec<String>,
) -> AlertsReport {
    let zone: chrono_tz::Tz = span.tz.parse().unwrap_or(chrono_tz::UTC);
    // Every day (or week) of the period has its row, also without alerts.
    let mut rows: BTreeMap<chrono::NaiveDate, AlertsRow> = row_dates(zone, p, weeks)
        .into_iter()
        .map(|d| (d, empty_row(d)))
        .collect();
    let (mut by_reason, mut by_severity, mut by_tag) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let mut total = 0;
    for (t, m) in within(tallies, p, false) {
        let Metric::Alert { reason, severity } = m else {
            continue;
        };
        total += t.n;
        *by_reason.entry(reason.clone()).or_insert(0) += t.n;
        *by_severity.entry(severity.clone()).or_insert(0) += t.n;
        if let Some(d) = row_date(zone, t.bucket, weeks) {
            let row = rows.entry(d).or_insert_with(|| empty_row(d));
            row.total += t.n;
            *row.by_reason.entry(reason).or_insert(0) += t.n;
            *row.by_severity.entry(severity).or_insert(0) += t.n;
        }
    }
    let mut tags: HashMap<&str, Vec<String>> = HashMap::new();
    let mut of_subjects = 0;
    for (t, m) in within(per_subject, p, false) {
        if !matches!(m, Metric::Alert { .. }) || t.subject.is_empty() {
            continue;
        }
        of_subjects += t.n;
        let subject_tags = tags
            .entry(&t.subject)
            .or_insert_with(|| tags_of(&t.subject));
        if subject_tags.is_empty() {
            *by_tag.entry("(none)".to_string()).or_insert(0) += t.n;
        }
        for tag in subject_tags.iter() {
            *by_tag.entry(tag.clone()).or_insert(0) += t.n;
        }
    }
    if total > of_subjects {
        *by_tag.entry("(none)".to_string()).or_insert(0) += total - of_subjects;
    }
    let previous_total = within(tallies, p, true)
        .filter(|(_, m)| matches!(m, Metric::Alert { .. }))
        .map(|(t, _)| t.n)
        .sum();
    AlertsReport {
        span,
        grain: if weeks { "week" } else { "day" }.into(),
        total,
        previous_total,
        by_reason,
        by_severity,
        by_tag,
        rows: rows.into_values().collect(),
    }
}

fn empty_row(d: chrono::NaiveDate) -> AlertsRow {
    AlertsRow {
        date: d.format("%Y-%m-%d").to_string(),
        total: 0,
        by_reason: BTreeMap::new(),
        by_severity: BTreeMap::new(),
    }
}

/// Percentiles of the binned durations `pick` finds (seconds).
fn percentiles(
    tallies: &[Tally],
    p: Period,
    previous: bool,
    pick: impl Fn(&Metric) -> Option<i64>,
) -> Percentiles {
    let mut bins: BTreeMap<i64, i64> = BTreeMap::new();
    for (t, m) in within(tallies, p, previous) {
        if let Some(b) = pick(&m) {
            *bins.entry(b).or_insert(0) += t.n;
        }
    }
    let bins: Vec<(i64, i64)> = bins.into_iter().collect();
    Percentiles {
        count: bins.iter().map(|(_, n)| n).sum(),
        p50: percentile(&bins, 50.0).map(|ms| ms / 1_000),
        p90: percentile(&bins, 90.0).map(|ms| ms / 1_000),
    }
}

fn trend(tallies: &[Tally], p: Period, pick: impl Fn(&Metric) -> Option<i64> + Copy) -> Trend {
    Trend {
        now: percentiles(tallies, p, false, pick),
        previous: percentiles(tallies, p, true, pick),
    }
}

/// Time to acknowledge and to resolve, with the period before.
pub fn response(tallies: &[Tally], p: Period, span: ReportSpan) -> ResponseReport {
    ResponseReport {
        span,
        acknowledge: trend(tallies, p, |m| match m {
            Metric::Ack(b) => Some(*b),
            _ => None,
        }),
        resolve: trend(tallies, p, |m| match m {
            Metric::Fix(b) => Some(*b),
            _ => None,
        }),
    }
}

/// Alerts, pages, acknowledgements and held messages outside the working hours of
/// `calendar` (its name and definition; `None`: every hour is working). A counter's
/// bucket is out of hours when its first minute is.
pub fn out_of_hours(
    tallies: &[Tally],
    p: Period,
    span: ReportSpan,
    calendar: Option<(&str, &Calendar)>,
    channel_name: &dyn Fn(&str) -> Option<String>,
) -> OutOfHoursReport {
    let out = |bucket: i64| calendar.is_some_and(|(_, c)| !c.is_working(bucket));
    let mut r = OutOfHoursReport {
        span,
        calendar: calendar.map(|(name, _)| name.to_string()),
        alerts: 0,
        alerts_out_of_hours: 0,
        pages: 0,
        pages_out_of_hours: 0,
        channels: Vec::new(),
        people: Vec::new(),
        held: percentiles(tallies, p, false, |m| match m {
            Metric::Held(b) => Some(*b),
            _ => None,
        }),
        held_out_of_hours: 0,
    };
    let mut channels: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut people: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (t, m) in within(tallies, p, false) {
        let o = i64::from(out(t.bucket)) * t.n;
        match m {
            Metric::Alert { .. } => {
                r.alerts += t.n;
                r.alerts_out_of_hours += o;
            }
            Metric::Page(c) => {
                r.pages += t.n;
                r.pages_out_of_hours += o;
                let e = channels.entry(c).or_default();
                e.0 += t.n;
                e.1 += o;
            }
            Metric::AckBy(who) => {
                let e = people.entry(who).or_default();
                e.0 += t.n;
                e.1 += o;
            }
            Metric::Held(_) => r.held_out_of_hours += o,
            _ => {}
        }
    }
    r.channels = channels
        .into_iter()
        .map(|(channel, (pages, out))| OutOfHoursChannel {
            name: channel_name(&channel),
            channel,
            pages,
            out_of_hours: out,
        })
        .collect();
    r.channels
        .sort_by(|a, b| b.pages.cmp(&a.pages).then(a.channel.cmp(&b.channel)));
    r.people = people
        .into_iter()
        .map(|(who, (acknowledged, out))| OutOfHoursPerson {
            who,
            acknowledged,
            out_of_hours: out,
        })
        .collect();
    r.people
        .sort_by(|a, b| b.acknowledged.cmp(&a.acknowledged).then(a.who.cmp(&b.who)));
    r
}

/// Counts of one monitor for the noisiest list.
#[derive(Default)]
struct Noise {
    alerts: i64,
    flaps: i64,
    reminders: i64,
    reasons: BTreeMap<String, i64>,
}

/// The ten monitors with the most alerts (then flaps, then reminders) in the period,
/// named by their public reference.
pub fn noisiest(
    tallies: &[Tally],
    p: Period,
    span: ReportSpan,
    name_of: &dyn Fn(&str) -> Option<String>,
) -> NoisiestReport {
    let mut per: HashMap<&str, Noise> = HashMap::new();
    for (t, m) in within(tallies, p, false) {
        if t.subject.is_empty() || t.subject.starts_with("flow:") {
            continue;
        }
        let e = per.entry(&t.subject).or_default();
        match m {
            Metric::Alert { reason, .. } => {
                e.alerts += t.n;
                *e.reasons.entry(reason).or_insert(0) += t.n;
            }
            Metric::Flap => e.flaps += t.n,
            Metric::Reminder => e.reminders += t.n,
            _ => {}
        }
    }
    let mut list: Vec<(&str, Noise)> = per
        .into_iter()
        .filter(|(_, n)| n.alerts + n.flaps + n.reminders > 0)
        .collect();
    list.sort_by(|a, b| {
        (b.1.alerts, b.1.flaps, b.1.reminders)
            .cmp(&(a.1.alerts, a.1.flaps, a.1.reminders))
            .then(a.0.cmp(b.0))
    });
    list.truncate(10);
    let rows = list
        .into_iter()
        .map(|(id, n)| {
            // The public reference, never the id: the id is the ping URL's secret.
            let public = String::from(crate::PublicRef::of(id));
            NoisyMonitor {
                link: format!("/monitors/{public}"),
                monitor: public,
                name: name_of(id),
                alerts: n.alerts,
                flaps: n.flaps,
                reminders: n.reminders,
                advice: advice(&n),
            }
        })
        .collect();
    NoisiestReport { span, rows }
}

/// What to change, from what makes a monitor noisy.
fn advice(n: &Noise) -> String {
    let top = n
        .reasons
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(r, _)| r.as_str());
    if n.flaps * 2 >= n.alerts && n.flaps > 0 {
        return "It flaps (down and up within an hour): raise down_after or the grace.".into();
    }
    if n.reminders > n.alerts {
        return "Reminders repeat: acknowledge its alerts, or lengthen the route's repeat.".into();
    }
    match top {
        Some("missed") => {
            "Mostly missed: check its schedule and grace against when the job really runs.".into()
        }
        Some("failed") => {
            "Mostly failed: fix the job, or set down_after to tolerate single failures.".into()
        }
        Some("hung" | "step" | "stall") => {
            "Runs hang: raise max_runtime or the step limits, or find what blocks the job.".into()
        }
        Some("too_short") => {
            "Runs end too fast: check min_runtime against what the job does.".into()
        }
        Some("problem") => "Many unit problems: see the problems report by unit kind.".into(),
        _ => "Review its settings and routes.".into(),
    }
}

/// Problems by unit kind; `oldest` the ten oldest still open (read by storage).
pub fn units(tallies: &[Tally], p: Period, span: ReportSpan, oldest: Vec<OpenUnit>) -> UnitsReport {
    let mut per: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for (t, m) in within(tallies, p, false) {
        match m {
            Metric::Unit(k) => per.entry(k).or_default().0 += t.n,
            Metric::UnitFixed(k) => per.entry(k).or_default().1 += t.n,
            Metric::UnitFixMs(k) => per.entry(k).or_default().2 += t.n,
            _ => {}
        }
    }
    let mut rows: Vec<UnitKindRow> = per
        .into_iter()
        .map(|(kind, (failed, fixed, ms))| UnitKindRow {
            kind,
            failed,
            fixed,
            mean_fix: (fixed > 0).then(|| ms / fixed / 1_000),
        })
        .collect();
    rows.sort_by(|a, b| b.failed.cmp(&a.failed).then(a.kind.cmp(&b.kind)));
    UnitsReport {
        span,
        rows,
        oldest_open: oldest,
    }
}
