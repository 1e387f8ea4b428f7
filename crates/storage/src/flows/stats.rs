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

/// What a flow's view needs besides its row.
#[derive(Debug, Clone)]
pub struct Overview {
    /// Per stage: entities in it, breached.
    pub counts: Vec<(String, i64, i64)>,
    /// Its channels.
    pub channels: Vec<String>,
    /// Per stage index: time in it (p50, p95; seconds) over the last 24 h, then over
    /// the 24 h before.
    pub times: Vec<[Option<i64>; 4]>,
}

/// The overview of `row` at `now`: counts per stage, channels, times in stage.
pub fn overview(
    c: &mut AnyConnection,
    row: &super::FlowRow,
    now: Timestamp,
) -> Result<Overview, StoreError> {
    use overdue_core::flow::stats::percentile;
    let mut times = Vec::new();
    const DAY: i64 = 86_400_000;
    // Hour buckets: the current hour counts in "the last 24 h".
    let next_hour = now.0 - now.0.rem_euclid(3_600_000) + 3_600_000;
    for s in row.def().stages {
        let today = time_in_stage(c, &row.id, &s.name, next_hour - DAY, next_hour)?;
        let before = time_in_stage(c, &row.id, &s.name, next_hour - 2 * DAY, next_hour - DAY)?;
        let p = |bins: &[(i64, i64)], q: f64| percentile(bins, q).map(|ms| ms / 1_000);
        times.push([
            p(&today, 50.0),
            p(&today, 95.0),
            p(&before, 50.0),
            p(&before, 95.0),
        ]);
    }
    Ok(Overview {
        counts: stage_counts(c, &row.id)?,
        channels: super::channels_of(c, &row.id)?,
        times,
    })
}

/// The project's ping key (flow event URLs are made of it).
fn ping_key(c: &mut AnyConnection, project: &str) -> Result<String, StoreError> {
    use crate::base::schema::projects;
    projects::table
        .find(project)
        .select(projects::ping_key)
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("project"))
}

/// A flow of `project` (slug or id) as the API shows it: its row, its overview at `now`
/// and the project's ping key.
pub fn view(
    c: &mut AnyConnection,
    project: &str,
    flow: &str,
    now: Timestamp,
) -> Result<(super::FlowRow, Overview, String), StoreError> {
    let row = super::get(c, project, flow)?;
    let overview = overview(c, &row, now)?;
    Ok((row, overview, ping_key(c, project)?))
}

/// Every flow of `project` as the API lists them, with the project's ping key.
#[allow(clippy::type_complexity)]
pub fn view_all(
    c: &mut AnyConnection,
    project: &str,
    now: Timestamp,
) -> Result<(Vec<(super::FlowRow, Overview)>, String), StoreError> {
    let mut out = Vec::new();
    for row in super::list(c, project)? {
        let o = overview(c, &row, now)?;
        out.push((row, o));
    }
    Ok((out, ping_key(c, project)?))
}

/// A flow of `project` with its channels (what a change starts from).
pub fn with_channels(
    c: &mut AnyConnection,
    project: &str,
    flow: &str,
) -> Result<(super::FlowRow, Vec<String>), StoreError> {
    let row = super::get(c, project, flow)?;
    let channels = super::channels_of(c, &row.id)?;
    Ok((row, channels))
}
