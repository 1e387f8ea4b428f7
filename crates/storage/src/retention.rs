//! Retention, so the database does not grow without end: pings and finished runs are
//! kept per monitor (trimmed by the writer as pings arrive), flips, delivery attempts,
//! finished notifications, resolved problems and resolved alerts (with their
//! acknowledgement links) by age (pruned in small batches in the background).

use diesel::prelude::*;
use overdue_core::Timestamp;

use crate::base::schema::{ack_tokens, alerts, deliveries, flips, outbox, pings, problems, runs};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// Rows deleted per statement by [`prune_old`], so no transaction holds locks long.
pub const PRUNE_BATCH: i64 = 5_000;

/// Drops pings of `monitor` numbered up to `upto`, and its finished runs older than
/// the newest `keep` runs.
pub fn trim_monitor(
    c: &mut AnyConnection,
    monitor: &str,
    upto: i64,
    keep: i64,
) -> Result<(), StoreError> {
    diesel::delete(
        pings::table
            .filter(pings::monitor_id.eq(monitor))
            .filter(pings::n.le(upto)),
    )
    .execute(c)?;
    let cutoff: Option<i64> = runs::table
        .filter(runs::monitor_id.eq(monitor))
        .order(runs::id.desc())
        .select(runs::id)
        .offset(keep)
        .limit(1)
        .get_result(c)
        .optional()?;
    if let Some(cut) = cutoff {
        let old: Vec<i64> = runs::table
            .filter(runs::monitor_id.eq(monitor))
            .filter(runs::id.le(cut))
            .filter(runs::ended_at.is_not_null())
            .select(runs::id)
            .load(c)?;
        crate::monitoring::runs::delete_logs(c, &old)?;
        diesel::delete(
            runs::table
                .filter(runs::monitor_id.eq(monitor))
                .filter(runs::id.le(cut))
                .filter(runs::ended_at.is_not_null()),
        )
        .execute(c)?;
    }
    Ok(())
}

/// Deletes at most [`PRUNE_BATCH`] rows of each kind older than `before`; returns how
/// many went, so the caller can repeat while there is more.
pub fn prune_old(tx: &mut Tx<'_>, before: Timestamp) -> Result<usize, StoreError> {
    let c = tx.conn();
    let old_flips: Vec<i64> = flips::table
        .filter(flips::created_at.lt(before.0))
        .select(flips::id)
        .limit(PRUNE_BATCH)
        .load(c)?;
    let mut n = diesel::delete(flips::table.filter(flips::id.eq_any(&old_flips))).execute(c)?;
    let old_attempts: Vec<i64> = deliveries::table
        .filter(deliveries::attempted_at.lt(before.0))
        .select(deliveries::id)
        .limit(PRUNE_BATCH)
        .load(c)?;
    n += diesel::delete(deliveries::table.filter(deliveries::id.eq_any(&old_attempts)))
        .execute(c)?;
    let old_done: Vec<i64> = outbox::table
        .filter(outbox::state.ne("pending"))
        .filter(outbox::created_at.lt(before.0))
        .select(outbox::id)
        .limit(PRUNE_BATCH)
        .load(c)?;
    n += diesel::delete(outbox::table.filter(outbox::id.eq_any(&old_done))).execute(c)?;
    // Problems resolved before the horizon (index `problems_resolved`); open ones stay
    // however old.
    let old_problems: Vec<i64> = problems::table
        .filter(problems::resolved_at.lt(before.0))
        .select(problems::id)
        .limit(PRUNE_BATCH)
        .load(c)?;
    n += diesel::delete(problems::table.filter(problems::id.eq_any(&old_problems))).execute(c)?;
    // Alerts resolved before the horizon, with their acknowledgement links (index
    // `alerts_resolved`); open and acknowledged ones stay however old.
    let old_alerts: Vec<i64> = alerts::table
        .filter(alerts::resolved_at.lt(before.0))
        .select(alerts::id)
        .limit(PRUNE_BATCH)
        .load(c)?;
    n += diesel::delete(ack_tokens::table.filter(ack_tokens::alert_id.eq_any(&old_alerts)))
        .execute(c)?;
    // Who heard of them inside a storm's gathered message (its primary key leads with
    // the alert).
    use crate::base::schema::storm_members;
    n += diesel::delete(storm_members::table.filter(storm_members::alert_id.eq_any(&old_alerts)))
        .execute(c)?;
    n += diesel::delete(alerts::table.filter(alerts::id.eq_any(&old_alerts))).execute(c)?;
    // Overdue's own outages older than the history they explain (index
    // `service_outages_ended`; a handful of rows).
    use crate::base::schema::service_outages;
    n += diesel::delete(service_outages::table.filter(service_outages::ended_at.lt(before.0)))
        .execute(tx.conn())?;
    let now = tx.now();
    n += crate::flows::prune(tx.conn(), now, PRUNE_BATCH)?;
    Ok(n)
}
