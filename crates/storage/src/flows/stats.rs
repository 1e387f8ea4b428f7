//! Per stage counters by time bucket (`flow_stats`): entries and breaches per minute
//! for aggregates, time in stage per hour and bin for percentiles. Bumped in the
//! transaction of the events or breaches they count; read as sums over a few rows.

use std::collections::BTreeMap;

use diesel::prelude::*;
use overdue_core::flow::stats::{bin_of, Stats};
use overdue_core::Timestamp;

use crate::base::schema::flow_stats;
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// The bucket of counts of now (entities in a stage, breached ones), not per time:
/// kept by every change, never pruned.
pub(crate) const NOW_BUCKET: i64 = i64::MAX;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;

/// Counts gathered in one write, added at its end (one statement per counter).
#[derive(Debug, Default)]
pub(crate) struct Bumps(BTreeMap<(String, String, String, i64), i64>);

impl Bumps {
    fn add(&mut self, flow: &str, stage: &str, metric: String, bucket: i64) {
        self.add_n(flow, stage, metric, bucket, 1);
    }

    fn add_n(&mut self, flow: &str, stage: &str, metric: String, bucket: i64, n: i64) {
        *self
            .0
            .entry((flow.into(), stage.into(), metric, bucket))
            .or_default() += n;
    }

    /// `n` entities more (or fewer) are in `stage` now.
    pub(crate) fn open(&mut self, flow: &str, stage: &str, n: i64) {
        self.add_n(flow, stage, "open".into(), NOW_BUCKET, n);
    }

    /// `n` breached entities more (or fewer) are in `stage` now.
    pub(crate) fn breached_now(&mut self, flow: &str, stage: &str, n: i64) {
        self.add_n(flow, stage, "breached_now".into(), NOW_BUCKET, n);
    }

    /// An entity entered `stage` now.
    pub(crate) fn entered(&mut self, flow: &str, stage: &str, now: Timestamp) {
        self.add(
            flow,
            stage,
            "entered".into(),
            now.0 - now.0.rem_euclid(MINUTE),
        );
    }

    /// An entity breached in `stage` now.
    pub(crate) fn breached(&mut self, flow: &str, stage: &str, now: Timestamp) {
        self.add(
            flow,
            stage,
            "breached".into(),
            now.0 - now.0.rem_euclid(MINUTE),
        );
    }

    /// An entity left `stage` after `ms` in it.
    pub(crate) fn left(&mut self, flow: &str, stage: &str, ms: i64, now: Timestamp) {
        let metric = format!("t:{}", bin_of(ms));
        self.add(flow, stage, metric, now.0 - now.0.rem_euclid(HOUR));
    }

    /// Adds them: PostgreSQL upserts (two instances may count the same bucket at
    /// once); SQLite's one writer updates, else inserts. Every counted change is a
    /// change of its flow for the live view.
    pub(crate) fn write(self, tx: &mut Tx<'_>) -> Result<(), StoreError> {
        for ((flow, stage, metric, bucket), n) in self.0 {
            if n == 0 {
                continue;
            }
            tx.flow_changed(&flow);
            let c = tx.conn();
            let key = (
                flow_stats::flow_id.eq(&flow),
                flow_stats::stage.eq(&stage),
                flow_stats::metric.eq(&metric),
                flow_stats::bucket.eq(bucket),
                flow_stats::n.eq(n),
            );
            match c {
                AnyConnection::Postgresql(pg) => {
                    diesel::insert_into(flow_stats::table)
                        .values(key)
                        .on_conflict((
                            flow_stats::flow_id,
                            flow_stats::stage,
                            flow_stats::metric,
                            flow_stats::bucket,
                        ))
                        .do_update()
                        .set(flow_stats::n.eq(flow_stats::n + n))
                        .execute(pg)?;
                }
                AnyConnection::Sqlite(lite) => {
                    let done =
                        diesel::update(flow_stats::table.find((&flow, &stage, &metric, bucket)))
                            .set(flow_stats::n.eq(flow_stats::n + n))
                            .execute(lite)?;
                    if done == 0 {
                        diesel::insert_into(flow_stats::table)
                            .values(key)
                            .execute(lite)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The sum of `metric` since `since` (a few bucket rows, added here: SQL's sum of a
/// bigint is a numeric on PostgreSQL).
fn sum(
    c: &mut AnyConnection,
    flow: &str,
    stage: &str,
    metric: &str,
    since: i64,
) -> Result<i64, StoreError> {
    let ns: Vec<i64> = flow_stats::table
        .filter(flow_stats::flow_id.eq(flow))
        .filter(flow_stats::stage.eq(stage))
        .filter(flow_stats::metric.eq(metric))
        .filter(flow_stats::bucket.ge(since))
        .select(flow_stats::n)
        .load(c)?;
    Ok(ns.into_iter().sum())
}

/// Entries and breaches of a stage in the minutes since `since`.
pub(crate) fn window(
    c: &mut AnyConnection,
    flow: &str,
    stage: &str,
    since: i64,
) -> Result<Stats, StoreError> {
    let since = since - since.rem_euclid(MINUTE);
    Ok(Stats {
        breached: sum(c, flow, stage, "breached", since)?,
        entered: sum(c, flow, stage, "entered", since)?,
    })
}

/// Time in a stage of entities that left it from `since` until `until` (hours),
/// binned (bin, count).
pub fn time_in_stage(
    c: &mut AnyConnection,
    flow: &str,
    stage: &str,
    since: i64,
    until: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let since = since - since.rem_euclid(HOUR);
    let until = until - until.rem_euclid(HOUR);
    let rows: Vec<(String, i64)> = flow_stats::table
        .filter(flow_stats::flow_id.eq(flow))
        .filter(flow_stats::stage.eq(stage))
        .filter(flow_stats::metric.like("t:%"))
        .filter(flow_stats::bucket.ge(since))
        .filter(flow_stats::bucket.lt(until))
        .select((flow_stats::metric, flow_stats::n))
        .load(c)?;
    let mut bins: BTreeMap<i64, i64> = BTreeMap::new();
    for (metric, n) in rows {
        if let Some(b) = metric.strip_prefix("t:").and_then(|b| b.parse().ok()) {
            *bins.entry(b).or_default() += n;
        }
    }
    Ok(bins.into_iter().collect())
}

/// Per stage of a flow: entities in it now and how many of them are breached (the
/// counts every change keeps; constant cost whatever the number of entities).
pub fn stage_counts(
    c: &mut AnyConnection,
    flow: &str,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let rows: Vec<(String, String, i64)> = flow_stats::table
        .filter(flow_stats::flow_id.eq(flow))
        .filter(flow_stats::bucket.eq(NOW_BUCKET))
        .select((flow_stats::stage, flow_stats::metric, flow_stats::n))
        .load(c)?;
    let mut out: Vec<(String, i64, i64)> = Vec::new();
    for (stage, metric, n) in rows {
        let i = match out.iter().position(|(s, _, _)| *s == stage) {
            Some(i) => i,
            None => {
                out.push((stage, 0, 0));
                out.len() - 1
            }
        };
        match metric.as_str() {
            "open" => out[i].1 += n,
            "breached_now" => out[i].2 += n,
            _ => {}
        }
    }
    Ok(out)
}
