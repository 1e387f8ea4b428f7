//! The flows report (docs/behaviour.md, "Reports"): per stage, entries and breaches,
//! the breach rate and time in stage (p50, p95), against the period before, and the
//! flow's breaches per local day — from the counters flows keep as events happen
//! (`flow_stats`: entries and breaches per minute, time in stage per hour and bin).

use std::collections::BTreeMap;

use overdue_types::reports::{DayCount, FlowFigures, StageFigures};

use super::{row_date, row_dates, Period};
use crate::flow::stats::percentile;

/// One counter of a flow: its stage, metric (`entered`, `breached`, `t:<bin>`), bucket
/// and count.
pub type StageTally = (String, String, i64, i64);

/// A flow's figures from its counters, its stages in order; days in zone `tz`.
pub fn flow(
    id: &str,
    name: &str,
    stages: &[String],
    tallies: &[StageTally],
    p: Period,
    tz: &str,
) -> FlowFigures {
    let zone: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    #[derive(Default)]
    struct Acc {
        entered: [i64; 2],
        breached: [i64; 2],
        bins: [BTreeMap<i64, i64>; 2],
    }
    let mut per: BTreeMap<&str, Acc> = BTreeMap::new();
    // Every local day of the period, also without breaches.
    let mut days: BTreeMap<chrono::NaiveDate, i64> = row_dates(zone, p, false)
        .into_iter()
        .map(|d| (d, 0))
        .collect();
    for (stage, metric, bucket, n) in tallies {
        let i = if *bucket >= p.from && *bucket < p.to {
            0
        } else if *bucket >= p.previous_from && *bucket < p.from {
            1
        } else {
            continue;
        };
        let a = per.entry(stage.as_str()).or_default();
        match metric.as_str() {
            "entered" => a.entered[i] += n,
            "breached" => {
                a.breached[i] += n;
                if i == 0 {
                    if let Some(d) = row_date(zone, *bucket, false) {
                        *days.entry(d).or_insert(0) += n;
                    }
                }
            }
            m => {
                if let Some(b) = m.strip_prefix("t:").and_then(|b| b.parse::<i64>().ok()) {
                    *a.bins[i].entry(b).or_insert(0) += n;
                }
            }
        }
    }
    let secs = |bins: &BTreeMap<i64, i64>, q: f64| {
        let v: Vec<(i64, i64)> = bins.iter().map(|(b, n)| (*b, *n)).collect();
        percentile(&v, q).map(|ms| ms / 1_000)
    };
    let stages = stages
        .iter()
        .map(|s| {
            let a = per.remove(s.as_str()).unwrap_or_default();
            StageFigures {
                stage: s.clone(),
                entered: a.entered[0],
                breached: a.breached[0],
                breach_rate: (a.entered[0] > 0)
                    .then(|| (a.breached[0] as f64 * 1_000.0 / a.entered[0] as f64).round() / 10.0),
                p50: secs(&a.bins[0], 50.0),
                p95: secs(&a.bins[0], 95.0),
                previous_entered: a.entered[1],
                previous_breached: a.breached[1],
                previous_p50: secs(&a.bins[1], 50.0),
                previous_p95: secs(&a.bins[1], 95.0),
            }
        })
        .collect();
    FlowFigures {
        flow: id.to_string(),
        name: name.to_string(),
        stages,
        breaches: days
            .into_iter()
            .map(|(d, n)| DayCount {
                date: d.format("%Y-%m-%d").to_string(),
                n,
            })
            .collect(),
    }
}
