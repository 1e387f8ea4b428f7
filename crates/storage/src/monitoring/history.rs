//! Pings, runs and flips of a monitor, newest first; its uptime and days.

use std::collections::HashMap;

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

/// What uptime is computed from since `since` (ms): the monitor's creation, whether it
/// ever pinged, its flips since then and the one before, and Overdue's outages (index
/// ranges, never a scan).
fn history_since(
    c: &mut AnyConnection,
    monitor: &str,
    since: i64,
) -> Result<overdue_core::uptime::History, StoreError> {
    histories_since(c, &[monitor.to_string()], since)?
        .pop()
        .map(|(_, h)| h)
        .ok_or(StoreError::NotFound("monitor"))
}

/// [`history_since`] for several monitors at once (those that exist, in the order
/// asked): their rows, their flips since `since` and the outages in one read each, the
/// flip before `since` per monitor.
pub(crate) fn histories_since(
    c: &mut AnyConnection,
    ids: &[String],
    since: i64,
) -> Result<Vec<(String, overdue_core::uptime::History)>, StoreError> {
    use crate::base::schema::{monitors, service_outages};
    use overdue_core::uptime::{Change, History};
    let heads: HashMap<String, (i64, i64)> = monitors::table
        .filter(monitors::id.eq_any(ids))
        .select((monitors::id, monitors::created_at, monitors::n_pings))
        .load::<(String, i64, i64)>(c)?
        .into_iter()
        .map(|(id, created, n)| (id, (created, n)))
        .collect();
    let change = |r: FlipRow| Change {
        at: r.created_at,
        from: r.from_status,
        to: r.to_status,
    };
    let mut recent: HashMap<String, Vec<Change>> = HashMap::new();
    for r in flips::table
        .filter(flips::monitor_id.eq_any(ids))
        .filter(flips::created_at.gt(since))
        .order((flips::monitor_id, flips::created_at.asc()))
        .select(FlipRow::as_select())
        .load::<FlipRow>(c)?
    {
        recent
            .entry(r.monitor_id.clone())
            .or_default()
            .push(change(r));
    }
    let outages: Vec<(i64, i64)> = service_outages::table
        .filter(service_outages::ended_at.gt(since))
        .select((service_outages::started_at, service_outages::ended_at))
        .load(c)?;
    let mut out = Vec::new();
    for id in ids {
        let Some(&(created_at, n_pings)) = heads.get(id) else {
            continue;
        };
        let before: Option<FlipRow> = flips::table
            .filter(flips::monitor_id.eq(id))
            .filter(flips::created_at.le(since))
            .order(flips::created_at.desc())
            .select(FlipRow::as_select())
            .first(c)
            .optional()?;
        let changes = before
            .map(change)
            .into_iter()
            .chain(recent.remove(id).unwrap_or_default())
            .collect();
        out.push((
            id.clone(),
            History {
                created_at,
                pinged: n_pings > 0,
                changes,
                outages: outages.clone(),
            },
        ));
    }
    Ok(out)
}

/// The last `n` days (at most 400) of monitor `monitor` up to `now`, in the zone of
/// `project` (UTC until it has one): the zone, and each day's worst status and uptime
/// (docs/behaviour.md, "Uptime").
pub fn days(
    c: &mut AnyConnection,
    project: &str,
    monitor: &str,
    now: i64,
    n: usize,
) -> Result<(String, Vec<overdue_core::uptime::Day>), StoreError> {
    let n = n.min(400);
    let tz = zone_of(c, project)?;
    // From a day before the first, whatever the zone: the strip's first midnight is in it.
    let since = now - (n as i64 + 1) * 86_400_000;
    let h = history_since(c, monitor, since)?;
    let days = overdue_core::uptime::days(&h, now, &tz, n);
    Ok((tz, days))
}

/// Monitors as asked, each with its days.
pub type Strips = Vec<(String, Vec<overdue_core::uptime::Day>)>;

/// [`days`] of several monitors of `project` for the monitors list's strips, each named
/// as the caller names it (its id or public reference; at most 100, others of no
/// monitor of the project left out): the zone, and each monitor's days.
pub fn days_of_many(
    c: &mut AnyConnection,
    project: &str,
    asked: &[String],
    now: i64,
    n: usize,
) -> Result<(String, Strips), StoreError> {
    let n = n.min(400);
    let mut named = Vec::new();
    for text in asked.iter().take(100) {
        if let Some(id) = crate::monitoring::refs::resolve(c, project, text)? {
            named.push((text.clone(), id));
        }
    }
    let mut ids: Vec<String> = named.iter().map(|(_, id)| id.clone()).collect();
    ids.sort();
    ids.dedup();
    let tz = zone_of(c, project)?;
    let since = now - (n as i64 + 1) * 86_400_000;
    let histories: HashMap<String, overdue_core::uptime::History> =
        histories_since(c, &ids, since)?.into_iter().collect();
    let days = named
        .into_iter()
        .filter_map(|(text, id)| {
            let h = histories.get(&id)?;
            Some((text, overdue_core::uptime::days(h, now, &tz, n)))
        })
        .collect();
    Ok((tz, days))
}

/// The zone of `project`'s days (UTC until it has one).
fn zone_of(c: &mut AnyConnection, project: &str) -> Result<String, StoreError> {
    use crate::base::schema::projects;
    Ok(projects::table
        .find(project)
        .select(projects::tz)
        .first::<String>(c)
        .optional()?
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "UTC".into()))
}

/// A monitor's uptime over the last day, week and 30 days (docs/behaviour.md,
/// "Uptime"): `None` for a monitor that never pinged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uptimes {
    /// The last 24 hours.
    pub day: Option<f64>,
    /// The last 7 days.
    pub week: Option<f64>,
    /// The last 30 days.
    pub month: Option<f64>,
}

/// [`Uptimes`] of monitor `monitor` at `now`: its flips of the last 30 days and the
/// one before them, and Overdue's outages in that time (index ranges).
pub fn uptime(c: &mut AnyConnection, monitor: &str, now: i64) -> Result<Uptimes, StoreError> {
    use overdue_core::uptime::share;
    const DAY: i64 = 86_400_000;
    let h = history_since(c, monitor, now - 30 * DAY)?;
    Ok(Uptimes {
        day: share(&h, now, DAY),
        week: share(&h, now, 7 * DAY),
        month: share(&h, now, 30 * DAY),
    })
}
