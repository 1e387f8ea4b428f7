//! Writes of report counters (`report_tallies`, docs/behaviour.md "Reports"): one upsert
//! per counter, adding to what another write (or another instance) counted in the same
//! bucket. In a burst of flips on PostgreSQL the counters wait with the job's other rows
//! ([`crate::base::later::Later`]) and go out as one `UNNEST` upsert, summed per key
//! first (one statement may not update a row twice) and in key order (two instances
//! lock rows in the same order).

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};

use overdue_core::report::rollup::also_counted;

use crate::base::schema::report_tallies;
use crate::{AnyConnection, StoreError};

/// A counter's key: project, bucket, subject, metric.
pub(crate) type Key = (String, i64, String, String);

/// Counters waiting, summed per key.
#[derive(Debug, Default)]
pub(crate) struct Tallies(BTreeMap<Key, i64>);

impl Tallies {
    /// Adds `n` to the counter `key` and to the counters it is also counted in.
    pub(crate) fn add(&mut self, key: Key, n: i64) {
        for k in with_rollups(key) {
            *self.0.entry(k).or_insert(0) += n;
        }
    }

    /// How many counters wait.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Writes them in one statement (none: no statement) and empties the list.
    pub(crate) fn write(&mut self, c: &mut diesel::PgConnection) -> Result<(), StoreError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let all = std::mem::take(&mut self.0);
        let (mut projects, mut buckets, mut subjects, mut metrics, mut ns) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for ((project, bucket, subject, metric), n) in all {
            projects.push(project);
            buckets.push(bucket);
            subjects.push(subject);
            metrics.push(metric);
            ns.push(n);
        }
        diesel::sql_query(
            "INSERT INTO report_tallies (project_id, bucket, subject, metric, n) \
             SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[]) \
             ON CONFLICT (project_id, bucket, subject, metric) \
             DO UPDATE SET n = report_tallies.n + EXCLUDED.n",
        )
        .bind::<Array<Text>, _>(&projects)
        .bind::<Array<BigInt>, _>(&buckets)
        .bind::<Array<Text>, _>(&subjects)
        .bind::<Array<Text>, _>(&metrics)
        .bind::<Array<BigInt>, _>(&ns)
        .execute(c)?;
        Ok(())
    }
}

/// `key` and the keys it is also counted in: the project's counter of its bucket and
/// its subject's month (`overdue_core::report::rollup`).
fn with_rollups(key: Key) -> impl Iterator<Item = Key> {
    let (project, bucket, subject, metric) = &key;
    let also = also_counted(subject, *bucket)
        .map(|keys| keys.map(|(s, b)| (project.clone(), b, s, metric.clone())));
    std::iter::once(key).chain(also.into_iter().flatten())
}

/// The statement cache key of the counter upsert.
struct UpsertId;

/// Adds `n` to the counter `key`, and to the counters it is also counted in, now.
pub(crate) fn upsert(c: &mut AnyConnection, key: &Key, n: i64) -> Result<(), StoreError> {
    for k in with_rollups(key.clone()) {
        upsert_one(c, &k, n)?;
    }
    Ok(())
}

/// Adds `n` to the counter `key` alone.
fn upsert_one(c: &mut AnyConnection, key: &Key, n: i64) -> Result<(), StoreError> {
    let (project, bucket, subject, metric) = key;
    let values = (
        report_tallies::project_id.eq(project),
        report_tallies::bucket.eq(*bucket),
        report_tallies::subject.eq(subject),
        report_tallies::metric.eq(metric),
        report_tallies::n.eq(n),
    );
    // One SQL text for every counter, prepared once per connection: a burst of flips
    // runs it once per alert (docs/benchmarks.md, "Session 27").
    crate::base::statements::on_inner!(c, |inner| {
        let q = diesel::insert_into(report_tallies::table)
            .values(values)
            .on_conflict((
                report_tallies::project_id,
                report_tallies::bucket,
                report_tallies::subject,
                report_tallies::metric,
            ))
            .do_update()
            .set(report_tallies::n.eq(report_tallies::n + n));
        crate::base::statements::fixed::<_, UpsertId>(q).execute(inner)
    })?;
    Ok(())
}
