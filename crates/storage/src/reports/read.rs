//! Reading report counters (docs/architecture.md, "Report counters"): a scope's
//! 15-minute counters (`report_project` for the whole project, `report_tallies` for
//! its subjects), their sums per metric over each half of a report's span, and sums
//! per subject over the period from whole months (`report_months`) and the period's
//! edges. Each is one range of its table's primary key. The sums are the database's (`GROUP BY`): a year of a
//! project's counters is never carried into the server row by row.

use std::collections::HashMap;

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use overdue_core::report::rollup::{cut, PROJECT};
use overdue_core::report::{Period, Tally};

use crate::base::schema::{report_months, report_project, report_tallies};
use crate::{AnyConnection, StoreError};

/// A sum of counters, as the database gives it.
fn summed() -> diesel::expression::SqlLiteral<BigInt> {
    sql::<BigInt>("CAST(SUM(n) AS BIGINT)")
}

/// `column` starting with one of the four patterns of [`patterns`] (`prefix%`), for
/// each table's metric column.
macro_rules! like4 {
    ($column:path, $like:expr) => {
        $column
            .like(&$like[0])
            .or($column.like(&$like[1]))
            .or($column.like(&$like[2]))
            .or($column.like(&$like[3]))
    };
}

/// Four `LIKE` patterns for `prefixes` (at most four; the first repeated where fewer
/// are asked: one SQL text). None for no prefix.
fn patterns(prefixes: &[&str]) -> Option<[String; 4]> {
    let first = prefixes.first()?;
    Some([0, 1, 2, 3].map(|i| format!("{}%", prefixes.get(i).unwrap_or(first))))
}

/// The 15-minute counters of `[previous_from, to)` whose metric starts with one of
/// `prefixes`, of these subjects (`None`: the project's own counters, of no subject).
pub(super) fn read(
    c: &mut AnyConnection,
    project: &str,
    subjects: Option<&[String]>,
    p: Period,
    prefixes: &[&str],
) -> Result<Vec<Tally>, StoreError> {
    let Some(like) = patterns(prefixes) else {
        return Ok(Vec::new());
    };
    let rows: Vec<(String, i64, String, i64)> = match subjects {
        None => report_project::table
            .filter(report_project::project_id.eq(project))
            .filter(report_project::bucket.ge(p.previous_from))
            .filter(report_project::bucket.lt(p.to))
            .filter(like4!(report_project::metric, like))
            .select((
                report_project::bucket,
                report_project::metric,
                report_project::n,
            ))
            .load::<(i64, String, i64)>(c)?
            .into_iter()
            .map(|(b, m, n)| (PROJECT.to_string(), b, m, n))
            .collect(),
        Some(s) => report_tallies::table
            .filter(report_tallies::project_id.eq(project))
            .filter(report_tallies::bucket.ge(p.previous_from))
            .filter(report_tallies::bucket.lt(p.to))
            .filter(report_tallies::subject.eq_any(s))
            .filter(like4!(report_tallies::metric, like))
            .select((
                report_tallies::subject,
                report_tallies::bucket,
                report_tallies::metric,
                report_tallies::n,
            ))
            .load(c)?,
    };
    Ok(rows
        .into_iter()
        .map(|(subject, bucket, metric, n)| Tally {
            subject,
            bucket,
            metric,
            n,
        })
        .collect())
}

/// Sums per metric of the period and of the period before (each a counter of no
/// subject in the first bucket of its half), for reports without days.
pub(super) fn halves(
    c: &mut AnyConnection,
    project: &str,
    subjects: Option<&[String]>,
    p: Period,
    prefixes: &[&str],
) -> Result<Vec<Tally>, StoreError> {
    let Some(like) = patterns(prefixes) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (from, to) in [(p.previous_from, p.from), (p.from, p.to)] {
        let rows: Vec<(String, i64)> = match subjects {
            None => report_project::table
                .filter(report_project::project_id.eq(project))
                .filter(report_project::bucket.ge(from))
                .filter(report_project::bucket.lt(to))
                .filter(like4!(report_project::metric, like))
                .group_by(report_project::metric)
                .select((report_project::metric, summed()))
                .load(c)?,
            Some(s) => report_tallies::table
                .filter(report_tallies::project_id.eq(project))
                .filter(report_tallies::bucket.ge(from))
                .filter(report_tallies::bucket.lt(to))
                .filter(report_tallies::subject.eq_any(s))
                .filter(like4!(report_tallies::metric, like))
                .group_by(report_tallies::metric)
                .select((report_tallies::metric, summed()))
                .load(c)?,
        };
        out.extend(rows.into_iter().map(|(metric, n)| Tally {
            subject: PROJECT.to_string(),
            bucket: from,
            metric,
            n,
        }));
    }
    Ok(out)
}

/// Sums per subject and metric over the period (each a counter in its first bucket):
/// whole UTC months from the monthly counters, the edges from 15-minute ones. Of these
/// subjects (`None`: every monitor and flow of the project).
pub(super) fn per_subject(
    c: &mut AnyConnection,
    project: &str,
    subjects: Option<&[String]>,
    p: Period,
    prefixes: &[&str],
) -> Result<Vec<Tally>, StoreError> {
    let Some(like) = patterns(prefixes) else {
        return Ok(Vec::new());
    };
    let part = cut(p.from, p.to);
    let mut sums: HashMap<(String, String), i64> = HashMap::new();
    if let Some((start, end)) = part.months {
        let q = report_months::table
            .filter(report_months::project_id.eq(project))
            .filter(report_months::month.ge(start))
            .filter(report_months::month.lt(end))
            .filter(like4!(report_months::metric, like))
            .group_by((report_months::subject, report_months::metric))
            .select((report_months::subject, report_months::metric, summed()));
        let rows: Vec<(String, String, i64)> = match subjects {
            Some(s) => q.filter(report_months::subject.eq_any(s)).load(c)?,
            None => q.load(c)?,
        };
        for (subject, metric, n) in rows {
            *sums.entry((subject, metric)).or_insert(0) += n;
        }
    }
    for (from, to) in part.edges {
        let q = report_tallies::table
            .filter(report_tallies::project_id.eq(project))
            .filter(report_tallies::bucket.ge(from))
            .filter(report_tallies::bucket.lt(to))
            .filter(like4!(report_tallies::metric, like))
            .group_by((report_tallies::subject, report_tallies::metric))
            .select((report_tallies::subject, report_tallies::metric, summed()));
        let rows: Vec<(String, String, i64)> = match subjects {
            Some(s) => q.filter(report_tallies::subject.eq_any(s)).load(c)?,
            None => q.load(c)?,
        };
        for (subject, metric, n) in rows {
            *sums.entry((subject, metric)).or_insert(0) += n;
        }
    }
    Ok(sums
        .into_iter()
        .map(|((subject, metric), n)| Tally {
            subject,
            bucket: p.from,
            metric,
            n,
        })
        .collect())
}
