//! Pings, runs and flips of a monitor, newest first.

use diesel::prelude::*;

use crate::base::models::{FlipRow, PingRow, RunRow};
use crate::base::schema::{flips, pings, runs};
use crate::{AnyConnection, StoreError};

/// The latest pings of a monitor (callers check the project first).
pub fn pings(c: &mut AnyConnection, monitor: &str, limit: i64) -> Result<Vec<PingRow>, StoreError> {
    Ok(pings::table
        .filter(pings::monitor_id.eq(monitor))
        .order(pings::n.desc())
        .limit(limit)
        .select(PingRow::as_select())
        .load(c)?)
}

/// One ping by its per-monitor number.
pub fn ping(c: &mut AnyConnection, monitor: &str, n: i64) -> Result<PingRow, StoreError> {
    pings::table
        .filter(pings::monitor_id.eq(monitor))
        .filter(pings::n.eq(n))
        .select(PingRow::as_select())
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("ping"))
}

/// The latest runs of a monitor.
pub fn runs(c: &mut AnyConnection, monitor: &str, limit: i64) -> Result<Vec<RunRow>, StoreError> {
    Ok(runs::table
        .filter(runs::monitor_id.eq(monitor))
        .order(runs::id.desc())
        .limit(limit)
        .select(RunRow::as_select())
        .load(c)?)
}

/// Flips of a monitor in `[start, end]` (ms), newest first.
pub fn flips(
    c: &mut AnyConnection,
    monitor: &str,
    start: Option<i64>,
    end: Option<i64>,
    limit: i64,
) -> Result<Vec<FlipRow>, StoreError> {
    let mut q = flips::table
        .filter(flips::monitor_id.eq(monitor))
        .into_boxed();
    if let Some(s) = start {
        q = q.filter(flips::created_at.ge(s));
    }
    if let Some(e) = end {
        q = q.filter(flips::created_at.le(e));
    }
    Ok(q.order(flips::id.desc())
        .limit(limit)
        .select(FlipRow::as_select())
        .load(c)?)
}
