//! Problems as the API lists and changes them: filters, acknowledge, assign, note,
//! ticket, mute, resolve, and per-monitor handling times.

use diesel::prelude::*;

use super::{close, ProblemRow};
use crate::base::schema::{monitors, problems};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// Which problems to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// One monitor's only.
    pub monitor: Option<String>,
    /// These severities only (empty: all).
    pub severities: Vec<String>,
    /// `Some(true)`: open only; `Some(false)`: resolved only; `None`: both.
    pub open: Option<bool>,
    /// First seen at or before this (ms): older than an age.
    pub seen_before: Option<i64>,
    /// Ids below this (paging, newest first).
    pub before: Option<i64>,
    /// Most rows.
    pub limit: i64,
}

/// Problems of `project` matching `f`, newest first, each with its monitor's name.
pub fn list(
    c: &mut AnyConnection,
    project: &str,
    f: &Filter,
) -> Result<Vec<(ProblemRow, String)>, StoreError> {
    let mut q = problems::table
        .inner_join(monitors::table.on(monitors::id.eq(problems::monitor_id)))
        .filter(problems::project_id.eq(project))
        .into_boxed();
    if let Some(m) = &f.monitor {
        q = q.filter(problems::monitor_id.eq(m.clone()));
    }
    if !f.severities.is_empty() {
        q = q.filter(problems::severity.eq_any(f.severities.clone()));
    }
    match f.open {
        Some(true) => q = q.filter(problems::resolved_at.is_null()),
        Some(false) => q = q.filter(problems::resolved_at.is_not_null()),
        None => {}
    }
    if let Some(t) = f.seen_before {
        q = q.filter(problems::first_seen_at.le(t));
    }
    if let Some(b) = f.before {
        q = q.filter(problems::id.lt(b));
    }
    Ok(q.order(problems::id.desc())
        .limit(f.limit)
        .select((ProblemRow::as_select(), monitors::name))
        .load(c)?)
}

/// One problem of `project`, with its monitor's name.
pub fn get(
    c: &mut AnyConnection,
    project: &str,
    id: i64,
) -> Result<(ProblemRow, String), StoreError> {
    problems::table
        .inner_join(monitors::table.on(monitors::id.eq(problems::monitor_id)))
        .filter(problems::project_id.eq(project))
        .filter(problems::id.eq(id))
        .select((ProblemRow::as_select(), monitors::name))
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("problem"))
}

/// A change made by a user.
#[derive(Debug, Clone)]
pub enum Update {
    /// Acknowledge (kept if already acknowledged).
    Acknowledge,
    /// Resolve now (notifies if its opening did).
    Resolve,
    /// Set (inner `None`: clear) what is given.
    Fields {
        /// Who looks after it.
        assignee: Option<Option<String>>,
        /// A note.
        note: Option<Option<String>>,
        /// A ticket.
        ticket: Option<Option<String>>,
        /// Escalations muted until (ms).
        muted_until: Option<Option<i64>>,
    },
}

/// Applies `change` by user `by` to problem `id` of `project` ([`update`]) and returns
/// the problem as it is now, with its monitor's name: the API's one call.
pub fn change(
    tx: &mut Tx<'_>,
    project: &str,
    id: i64,
    change: Update,
    by: &str,
) -> Result<(ProblemRow, String), StoreError> {
    update(tx, project, id, change, by)?;
    get(tx.conn(), project, id)
}

/// Applies `change` by user `by` to problem `id` of `project`; returns notifications
/// written.
pub fn update(
    tx: &mut Tx<'_>,
    project: &str,
    id: i64,
    change: Update,
    by: &str,
) -> Result<usize, StoreError> {
    let now = tx.now();
    let (row, _) = get(tx.conn(), project, id)?;
    if matches!(change, Update::Acknowledge) {
        // One notion: acknowledging the problem acknowledges its alert (and tells the
        // paging channels), as acknowledging the alert acknowledges the problem.
        if let Some(alert) = crate::alerting::alerts::of_problem(tx.conn(), id)? {
            if alert.status() == overdue_core::AlertStatus::Open {
                let before = tx.fx.notifications;
                crate::alerting::acks::acknowledge(tx, project, alert.id, by, None)?;
                return Ok(tx.fx.notifications - before);
            }
        }
    }
    let c = &mut *tx.c;
    let target = problems::table.find(id);
    match change {
        Update::Acknowledge => {
            if row.acknowledged_at.is_none() {
                diesel::update(target)
                    .set((
                        problems::acknowledged_at.eq(Some(now.0)),
                        problems::acknowledged_by.eq(Some(by)),
                    ))
                    .execute(c)?;
            }
            Ok(0)
        }
        Update::Resolve => {
            if row.resolved_at.is_some() {
                return Err(StoreError::Conflict(
                    "the problem is already resolved".into(),
                ));
            }
            let monitor = tx
                .lock_monitor(&row.monitor_id)?
                .ok_or(StoreError::NotFound("monitor"))?;
            let before = tx.fx.notifications;
            close(tx, &monitor, vec![row], by)?;
            Ok(tx.fx.notifications - before)
        }
        Update::Fields {
            assignee,
            note,
            ticket,
            muted_until,
        } => {
            // One statement per field given: few fields, and each keeps its own type.
            if let Some(v) = assignee {
                diesel::update(target)
                    .set(problems::assignee.eq(v))
                    .execute(c)?;
            }
            if let Some(v) = note {
                diesel::update(target)
                    .set(problems::note.eq(v))
                    .execute(c)?;
            }
            if let Some(v) = ticket {
                diesel::update(target)
                    .set(problems::ticket.eq(v))
                    .execute(c)?;
            }
            if let Some(v) = muted_until {
                diesel::update(target)
                    .set(problems::muted_until.eq(v))
                    .execute(c)?;
            }
            Ok(0)
        }
    }
}

/// Resolves by hand the problem alerts among `ids` of `project` (the Alerts page's bulk
/// action), each with its problem; returns (resolved, already resolved, kept: the
/// ones that end by themselves). An id of no alert of the project writes nothing.
pub fn resolve_alerts(
    tx: &mut Tx<'_>,
    project: &str,
    ids: &[i64],
    by: &str,
) -> Result<(u64, Vec<i64>, Vec<i64>), StoreError> {
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        rows.push(crate::alerting::alerts::get(tx.conn(), project, *id)?);
    }
    let (mut resolved, mut already, mut kept) = (0, Vec::new(), Vec::new());
    for alert in rows {
        if alert.status() == overdue_core::AlertStatus::Resolved {
            already.push(alert.id);
            continue;
        }
        let Some(problem) = alert.problem_id else {
            kept.push(alert.id);
            continue;
        };
        let (row, _) = get(tx.conn(), project, problem)?;
        if row.resolved_at.is_some() {
            already.push(alert.id);
            continue;
        }
        let monitor = tx
            .lock_monitor(&row.monitor_id)?
            .ok_or(StoreError::NotFound("monitor"))?;
        close(tx, &monitor, vec![row], by)?;
        resolved += 1;
    }
    Ok((resolved, already, kept))
}

/// One monitor's problems and handling times.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// The monitor.
    pub monitor_id: String,
    /// Its name.
    pub monitor_name: String,
    /// Open problems by severity (info, warning, error, critical).
    pub open: [i64; 4],
    /// Occurrences resolved in the window.
    pub resolved: i64,
    /// Mean seconds to acknowledge.
    pub mean_time_to_acknowledge: Option<f64>,
    /// Mean seconds to resolve.
    pub mean_time_to_resolve: Option<f64>,
}

/// Per monitor of `project`: open problems by severity, and over occurrences first
/// seen since `since`: how many resolved, mean time to acknowledge and to resolve (s).
pub fn stats(c: &mut AnyConnection, project: &str, since: i64) -> Result<Vec<Stats>, StoreError> {
    let open: Vec<(String, String, i64)> = problems::table
        .filter(problems::project_id.eq(project))
        .filter(problems::resolved_at.is_null())
        .group_by((problems::monitor_id, problems::severity))
        .select((
            problems::monitor_id,
            problems::severity,
            diesel::dsl::count_star(),
        ))
        .load(c)?;
    let recent: Vec<(String, i64, Option<i64>, Option<i64>)> = problems::table
        .filter(problems::project_id.eq(project))
        .filter(problems::first_seen_at.ge(since))
        .filter(
            problems::resolved_at
                .is_not_null()
                .or(problems::acknowledged_at.is_not_null()),
        )
        .select((
            problems::monitor_id,
            problems::first_seen_at,
            problems::acknowledged_at,
            problems::resolved_at,
        ))
        .load(c)?;
    let names: Vec<(String, String)> = monitors::table
        .filter(monitors::project_id.eq(project))
        .select((monitors::id, monitors::name))
        .load(c)?;
    #[derive(Default)]
    struct Acc {
        open: [i64; 4],
        resolved: i64,
        ack: (f64, u32),
        res: (f64, u32),
    }
    let mut acc: std::collections::BTreeMap<String, Acc> = Default::default();
    for (m, sev, n) in open {
        let i = match overdue_core::Severity::parse(&sev) {
            Some(s) => s as usize,
            None => continue,
        };
        acc.entry(m).or_default().open[i] += n;
    }
    for (m, first, ack, res) in recent {
        let a = acc.entry(m).or_default();
        if let Some(t) = ack {
            a.ack.0 += (t - first) as f64 / 1_000.0;
            a.ack.1 += 1;
        }
        if let Some(t) = res {
            a.resolved += 1;
            a.res.0 += (t - first) as f64 / 1_000.0;
            a.res.1 += 1;
        }
    }
    let mean = |(sum, n): (f64, u32)| (n > 0).then(|| sum / f64::from(n));
    Ok(names
        .into_iter()
        .filter_map(|(id, name)| {
            let a = acc.remove(&id)?;
            Some(Stats {
                monitor_id: id,
                monitor_name: name,
                open: a.open,
                resolved: a.resolved,
                mean_time_to_acknowledge: mean(a.ack),
                mean_time_to_resolve: mean(a.res),
            })
        })
        .collect())
}
