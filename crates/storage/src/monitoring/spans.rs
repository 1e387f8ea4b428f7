//! Time down and time paused, counted for reports when the span ends (docs/behaviour.md,
//! "Reports", availability): the flip out of `down` or `paused` adds the span's
//! milliseconds to its monitor's counters, per 15-minute bucket, leaving out Overdue's
//! own outages — in the unit of work of the flip. A span still open is read from the
//! monitor's status and its last flip when a report asks.

use diesel::prelude::*;
use overdue_core::report::availability::{counted_status, spread};
use overdue_core::Status;

use crate::base::models::MonitorRow;
use crate::base::schema::{flips, monitors, service_outages};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// Counts the span of status `from` that monitor `id` leaves now (nothing for a status
/// whose time is not counted). Called before the flip is written.
pub(crate) fn ended(
    tx: &mut Tx<'_>,
    id: &str,
    row: Option<&MonitorRow>,
    from: Status,
) -> Result<(), StoreError> {
    let Some(metric) = counted_status(from.as_str()) else {
        return Ok(());
    };
    let now = tx.now().0;
    // The flip into it: one the job has not written yet, else the stored one, else the
    // monitor's creation (flips are pruned with the rest of the history).
    let waiting = tx.later().and_then(|(_, later)| {
        let f = &later.flips;
        f.monitor_id
            .iter()
            .rposition(|m| m == id)
            .map(|i| f.created_at[i])
    });
    let since = match waiting {
        Some(at) => Some(at),
        None => flips::table
            .filter(flips::monitor_id.eq(id))
            .order((flips::created_at.desc(), flips::id.desc()))
            .select(flips::created_at)
            .first::<i64>(tx.c)
            .optional()?,
    };
    let (project, created_at) = match row {
        Some(r) => (r.project_id.clone(), r.created_at),
        None => monitors::table
            .find(id)
            .select((monitors::project_id, monitors::created_at))
            .first::<(String, i64)>(tx.c)?,
    };
    let since = since.unwrap_or(created_at);
    if since >= now {
        return Ok(());
    }
    let outages = outages_between(tx.c, since, now)?;
    let key = metric.key();
    tx.tally_many(
        spread(since, now, &outages)
            .into_iter()
            .map(|(bucket, ms)| ((project.clone(), bucket, id.to_string(), key.clone()), ms)),
    )
}

/// Overdue's outages overlapping `[from, to)` (ms).
pub(crate) fn outages_between(
    c: &mut AnyConnection,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    Ok(service_outages::table
        .filter(service_outages::ended_at.gt(from))
        .filter(service_outages::started_at.lt(to))
        .select((service_outages::started_at, service_outages::ended_at))
        .load(c)?)
}

/// Monitors of `project` that are down or paused now, with the status and when it
/// began (their last flip, else their creation): spans not counted yet.
pub(crate) fn open_spans(
    c: &mut AnyConnection,
    project: &str,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    let open: Vec<(String, String, i64)> = monitors::table
        .filter(monitors::project_id.eq(project))
        .filter(monitors::status.eq_any(["down", "paused"]))
        .select((monitors::id, monitors::status, monitors::created_at))
        .load(c)?;
    let mut out = Vec::with_capacity(open.len());
    for (id, status, created_at) in open {
        let since: Option<i64> = flips::table
            .filter(flips::monitor_id.eq(&id))
            .order((flips::created_at.desc(), flips::id.desc()))
            .select(flips::created_at)
            .first(c)
            .optional()?;
        out.push((id, status, since.unwrap_or(created_at)));
    }
    Ok(out)
}
