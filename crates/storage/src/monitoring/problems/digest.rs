//! The daily digest (docs/behaviour.md, "Problems (per-unit errors)"): `info` and
//! `warning` problems notify no one when they
//! open; once a day each monitor with such open problems sends one `problem.digest`
//! listing them. Sent once per day whatever the number of instances: the day is claimed
//! with a conditional update of `service_state` inside the digest's transaction.

use diesel::prelude::*;
use overdue_core::{EventKind, ProblemItem, ProblemsNote};

use super::{note, ProblemRow};
use crate::alerting::notices::enqueue_records;
use crate::base::schema::{problems, service_state};
use crate::base::tx::{lock_monitor, Tx};
use crate::StoreError;

const KEY: &str = "problems.digest_day";
const DAY_MS: i64 = 86_400_000;

/// Sends today's digest if `now` is past `hour` (UTC) and today's was not sent yet.
/// Returns `None` before the hour; else (monitors in the digest, notifications written),
/// (0, 0) when today's was already sent (by this or another instance).
pub fn send_if_due(tx: &mut Tx<'_>, hour: u32) -> Result<Option<(usize, usize)>, StoreError> {
    let now = tx.now();
    // The digest reads monitor rows for its payload and changes none of them.
    let today = now.0.div_euclid(DAY_MS);
    if now.0 - today * DAY_MS < i64::from(hour) * 3_600_000 {
        return Ok(None);
    }
    // Claim the day: only the transaction whose update (or insert) wins sends it.
    let claimed = diesel::update(
        service_state::table
            .filter(service_state::key.eq(KEY))
            .filter(service_state::value.lt(today)),
    )
    .set(service_state::value.eq(today))
    .execute(tx.c)?;
    if claimed == 0 {
        let exists: i64 = service_state::table
            .filter(service_state::key.eq(KEY))
            .count()
            .get_result(tx.c)?;
        if exists > 0 {
            return Ok(Some((0, 0)));
        }
        diesel::insert_into(service_state::table)
            .values((service_state::key.eq(KEY), service_state::value.eq(today)))
            .execute(tx.c)?;
    }
    let quiet = ["info", "warning"];
    let counts: Vec<(String, i64)> = problems::table
        .filter(problems::resolved_at.is_null())
        .filter(problems::severity.eq_any(quiet))
        .group_by(problems::monitor_id)
        .select((problems::monitor_id, diesel::dsl::count_star()))
        .load(tx.c)?;
    let (mut monitors, before) = (0, tx.fx.notifications);
    for (monitor, count) in counts {
        let Some(row) = lock_monitor(tx.c, &monitor)? else {
            continue;
        };
        let first: Vec<ProblemRow> = problems::table
            .filter(problems::monitor_id.eq(&monitor))
            .filter(problems::resolved_at.is_null())
            .filter(problems::severity.eq_any(quiet))
            .order((problems::severity.desc(), problems::last_seen_at.desc()))
            .limit(ProblemsNote::MAX_ITEMS as i64)
            .select(ProblemRow::as_select())
            .load(tx.c)?;
        let items: Vec<ProblemItem> = first.iter().map(ProblemRow::item).collect();
        if let Some(mut record) = note(&row, EventKind::ProblemDigest, items, now) {
            if let Some(p) = record.problems.as_mut() {
                p.count = count as u64;
            }
            enqueue_records(tx, &row, &[record])?;
            monitors += 1;
        }
    }
    Ok(Some((monitors, tx.fx.notifications - before)))
}
