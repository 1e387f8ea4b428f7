//! Writes of report counters (docs/behaviour.md "Reports", docs/architecture.md "Report
//! counters"): each counter of a subject kept three times — its own
//! (`report_tallies`), the project's of the same bucket (`report_project`) and the
//! subject's month (`report_months`), as `overdue_core::report::rollup::kept_in` says —
//! by one upsert each, adding to what another write (or another instance) counted. In a
//! burst of flips on PostgreSQL the counters wait with the job's other rows
//! ([`crate::base::later::Later`]) and go out as one `UNNEST` upsert per table, summed
//! per key first (one statement may not update a row twice) and in key order (two
//! instances lock rows in the same order).

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};
use overdue_core::report::rollup::{kept_in, Kept, PROJECT};

use crate::base::schema::{report_months, report_project, report_tallies};
use crate::{AnyConnection, StoreError};

/// A counter's key: project, bucket, subject, metric.
pub(crate) type Key = (String, i64, String, String);

/// Counters waiting, summed per table and key.
#[derive(Debug, Default)]
pub(crate) struct Tallies(BTreeMap<(Kept, Key), i64>);

impl Tallies {
    /// Adds `n` to the counter `key`, wherever it is kept.
    pub(crate) fn add(&mut self, key: Key, n: i64) {
        for k in kept(&key) {
            *self.0.entry(k).or_insert(0) += n;
        }
    }

    /// Writes them in one statement per table (none: no statement) and empties the list.
    pub(crate) fn write(&mut self, c: &mut diesel::PgConnection) -> Result<(), StoreError> {
        let all = std::mem::take(&mut self.0);
        for table in [Kept::Subject, Kept::Project, Kept::Month] {
            let (mut projects, mut buckets, mut subjects, mut metrics, mut ns) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for ((_, (project, bucket, subject, metric)), n) in
                all.iter().filter(|((k, _), _)| *k == table)
            {
                projects.push(project);
                buckets.push(*bucket);
                subjects.push(subject);
                metrics.push(metric);
                ns.push(*n);
            }
            if projects.is_empty() {
                continue;
            }
            if table == Kept::Project {
                diesel::sql_query(
                    "INSERT INTO report_project (project_id, bucket, metric, n) \
                     SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::bigint[]) \
                     ON CONFLICT (project_id, bucket, metric) \
                     DO UPDATE SET n = report_project.n + EXCLUDED.n",
                )
                .bind::<Array<Text>, _>(&projects)
                .bind::<Array<BigInt>, _>(&buckets)
                .bind::<Array<Text>, _>(&metrics)
                .bind::<Array<BigInt>, _>(&ns)
                .execute(c)?;
                continue;
            }
            let sql = if table == Kept::Month {
                "INSERT INTO report_months (project_id, month, subject, metric, n) \
                 SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[]) \
                 ON CONFLICT (project_id, month, subject, metric) \
                 DO UPDATE SET n = report_months.n + EXCLUDED.n"
            } else {
                "INSERT INTO report_tallies (project_id, bucket, subject, metric, n) \
                 SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[]) \
                 ON CONFLICT (project_id, bucket, subject, metric) \
                 DO UPDATE SET n = report_tallies.n + EXCLUDED.n"
            };
            diesel::sql_query(sql)
                .bind::<Array<Text>, _>(&projects)
                .bind::<Array<BigInt>, _>(&buckets)
                .bind::<Array<Text>, _>(&subjects)
                .bind::<Array<Text>, _>(&metrics)
                .bind::<Array<BigInt>, _>(&ns)
                .execute(c)?;
        }
        Ok(())
    }
}

impl Tallies {
    /// Writes them one upsert each, in key order, and empties the list (SQLite, where a
    /// statement is no round trip).
    pub(crate) fn write_each(&mut self, c: &mut AnyConnection) -> Result<(), StoreError> {
        for ((table, key), n) in std::mem::take(&mut self.0) {
            upsert_kept(c, table, key, n)?;
        }
        Ok(())
    }
}

/// Where the counter `key` is kept: each table with the key it has there (the project's
/// without a subject, the month's with the month's start).
fn kept(key: &Key) -> Vec<(Kept, Key)> {
    let (project, bucket, subject, metric) = key;
    kept_in(subject, *bucket)
        .into_iter()
        .map(|(table, b)| {
            let s = if table == Kept::Project {
                PROJECT.to_string()
            } else {
                subject.clone()
            };
            (table, (project.clone(), b, s, metric.clone()))
        })
        .collect()
}

/// The statement cache keys of the three upserts.
struct SubjectUpsert;
struct ProjectUpsert;
struct MonthUpsert;

/// Adds `n` to the counter `key` wherever it is kept, now. One SQL text per table,
/// prepared once per connection: a burst of flips runs them once per alert
/// (docs/benchmarks.md, "Session 27").
pub(crate) fn upsert(c: &mut AnyConnection, key: &Key, n: i64) -> Result<(), StoreError> {
    for (table, k) in kept(key) {
        upsert_kept(c, table, k, n)?;
    }
    Ok(())
}

/// Adds `n` to the counter `key` of `table` (a key as [`kept`] gives it).
fn upsert_kept(c: &mut AnyConnection, table: Kept, key: Key, n: i64) -> Result<(), StoreError> {
    use crate::base::statements::{fixed, on_inner};
    let (project, bucket, subject, metric) = key;
    {
        match table {
            Kept::Subject => on_inner!(c, |inner| {
                let q = diesel::insert_into(report_tallies::table)
                    .values((
                        report_tallies::project_id.eq(&project),
                        report_tallies::bucket.eq(bucket),
                        report_tallies::subject.eq(&subject),
                        report_tallies::metric.eq(&metric),
                        report_tallies::n.eq(n),
                    ))
                    .on_conflict((
                        report_tallies::project_id,
                        report_tallies::bucket,
                        report_tallies::subject,
                        report_tallies::metric,
                    ))
                    .do_update()
                    .set(report_tallies::n.eq(report_tallies::n + n));
                fixed::<_, SubjectUpsert>(q).execute(inner)
            }),
            Kept::Project => on_inner!(c, |inner| {
                let q = diesel::insert_into(report_project::table)
                    .values((
                        report_project::project_id.eq(&project),
                        report_project::bucket.eq(bucket),
                        report_project::metric.eq(&metric),
                        report_project::n.eq(n),
                    ))
                    .on_conflict((
                        report_project::project_id,
                        report_project::bucket,
                        report_project::metric,
                    ))
                    .do_update()
                    .set(report_project::n.eq(report_project::n + n));
                fixed::<_, ProjectUpsert>(q).execute(inner)
            }),
            Kept::Month => on_inner!(c, |inner| {
                let q = diesel::insert_into(report_months::table)
                    .values((
                        report_months::project_id.eq(&project),
                        report_months::month.eq(bucket),
                        report_months::subject.eq(&subject),
                        report_months::metric.eq(&metric),
                        report_months::n.eq(n),
                    ))
                    .on_conflict((
                        report_months::project_id,
                        report_months::month,
                        report_months::subject,
                        report_months::metric,
                    ))
                    .do_update()
                    .set(report_months::n.eq(report_months::n + n));
                fixed::<_, MonthUpsert>(q).execute(inner)
            }),
        }?;
    }
    Ok(())
}
