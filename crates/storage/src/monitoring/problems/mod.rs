//! Problems (docs/behaviour.md, "Problems (per-unit errors)"): failing units of a monitor.
//! A report opens, repeats, rejoins or
//! escalates each unit's problem (the core decides which); runs, `/resolve` and time
//! resolve them. Notifications are grouped: one event per report (or resolution) and
//! kind, naming the first problems and counting the rest.

mod digest;
mod query;
mod report;

use diesel::prelude::*;
use overdue_core::problem::{Known, Severity};
use overdue_core::report::Metric;
use overdue_core::MonitorId;
use overdue_core::{
    AlertNote, EventKind, EventRecord, ProblemItem, ProblemsNote, Timestamp, Transition,
};

use crate::alerting::notices::{enqueue_records, monitor_ref};
use crate::base::models::MonitorRow;
use crate::base::schema::problems;
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

pub use digest::send_if_due as send_digest_if_due;
pub use query::{change, get, list, resolve_alerts, stats, update, Filter, Stats, Update};
pub use report::{report, ReportOutcome};

/// A problem as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = problems)]
pub struct ProblemRow {
    /// Row id.
    pub id: i64,
    /// Project.
    pub project_id: String,
    /// Monitor.
    pub monitor_id: String,
    /// The unit.
    pub key: String,
    /// Latest severity.
    pub severity: String,
    /// Highest severity notified in this occurrence.
    pub notified: Option<String>,
    /// Latest message.
    pub message: String,
    /// Latest details (JSON).
    pub details: Option<String>,
    /// Reports in this occurrence.
    pub count: i64,
    /// First reported (ms).
    pub first_seen_at: i64,
    /// Last reported (ms).
    pub last_seen_at: i64,
    /// Resolved (ms); `None` while open.
    pub resolved_at: Option<i64>,
    /// `run`, `report`, `expiry`, or a user's e-mail.
    pub resolved_by: Option<String>,
    /// When it resolves by time.
    pub resolve_at: Option<i64>,
    /// The occurrence it reopens.
    pub previous_id: Option<i64>,
    /// Acknowledged (ms).
    pub acknowledged_at: Option<i64>,
    /// By whom.
    pub acknowledged_by: Option<String>,
    /// Who looks after it.
    pub assignee: Option<String>,
    /// A note.
    pub note: Option<String>,
    /// A ticket.
    pub ticket: Option<String>,
    /// Escalations muted until (ms).
    pub muted_until: Option<i64>,
    /// The run that last reported it.
    pub run_id: Option<i64>,
    /// Counts what the cap dropped.
    pub overflow: bool,
}

impl ProblemRow {
    fn known(&self) -> Known {
        Known {
            resolved_at: self.resolved_at.map(Timestamp),
            notified: self.notified.as_deref().and_then(Severity::parse),
            muted_until: self.muted_until.map(Timestamp),
        }
    }

    fn item(&self) -> ProblemItem {
        ProblemItem {
            key: self.key.clone(),
            severity: self.severity.clone(),
            message: self.message.clone(),
            count: self.count,
            details: self.details.clone(),
        }
    }

    /// Its resolution notifies: its opening did, and it is not muted.
    fn resolution_notifies(&self, now: Timestamp) -> bool {
        self.notified.is_some() && self.muted_until.is_none_or(|m| m <= now.0)
    }
}

/// One grouped event about `items` (none when empty).
fn note(
    row: &MonitorRow,
    kind: EventKind,
    items: Vec<ProblemItem>,
    now: Timestamp,
) -> Option<EventRecord> {
    if items.is_empty() {
        return None;
    }
    let status = row.status.clone();
    Some(EventRecord {
        event: kind,
        monitor: monitor_ref(row),
        previous_status: status.clone(),
        status,
        reason: None,
        detail: None,
        at: now.to_rfc3339(),
        body: None,
        alert: None,
        expected: None,
        last_ping: None,
        expected_at: None,
        last_ping_at: None,
        problems: Some(ProblemsNote {
            count: items.len() as u64,
            items: items.into_iter().take(ProblemsNote::MAX_ITEMS).collect(),
        }),
        run: None,
    })
}

/// The record with the alert note it announces.
fn with_alert(record: Option<EventRecord>, alert: Option<AlertNote>) -> Option<EventRecord> {
    record.map(|mut r| {
        r.alert = alert;
        r
    })
}

/// Resolves these open problems (already loaded, all of monitor `row`), by `by`, and
/// notifies those whose opening was notified, as one event. Returns how many.
fn close(
    tx: &mut Tx<'_>,
    row: &MonitorRow,
    open: Vec<ProblemRow>,
    by: &str,
) -> Result<u64, StoreError> {
    let now = tx.now();
    let ids: Vec<i64> = open.iter().map(|p| p.id).collect();
    for chunk in ids.chunks(500) {
        diesel::update(problems::table.filter(problems::id.eq_any(chunk)))
            .set((
                problems::resolved_at.eq(Some(now.0)),
                problems::resolved_by.eq(Some(by)),
                problems::resolve_at.eq(None::<i64>),
            ))
            .execute(tx.c)?;
    }
    let resolved = crate::alerting::alerts::resolve_problems(tx.c, &ids, by, now)?;
    for p in open.iter().filter(|p| !p.overflow) {
        let kind = overdue_core::report::unit_kind(&p.key);
        let took = now.0 - p.first_seen_at;
        let (project, c) = (&row.project_id, &mut *tx.c);
        crate::alerting::tallies::count(
            c,
            project,
            &row.id,
            now,
            Metric::UnitFixed(kind.clone()),
            1,
        )?;
        crate::alerting::tallies::count(c, project, &row.id, now, Metric::UnitFixMs(kind), took)?;
    }
    let notifying: Vec<&ProblemRow> = open.iter().filter(|p| p.resolution_notifies(now)).collect();
    let lead = notifying
        .iter()
        .find_map(|p| resolved.iter().find(|a| a.problem_id == Some(p.id)));
    let alert = match lead {
        Some(a) => {
            let mut n = a.note(Transition::Resolve, notifying.len() as u64);
            n.reason = Some(by.to_string());
            n.incidents = crate::alerting::alerts::closed_groups(tx.c, &resolved)?;
            Some(n)
        }
        None => None,
    };
    let notified: Vec<ProblemItem> = notifying.into_iter().map(ProblemRow::item).collect();
    if let Some(record) = with_alert(note(row, EventKind::ProblemResolved, notified, now), alert) {
        enqueue_records(tx, row, &[record])?;
    }
    Ok(ids.len() as u64)
}

/// `/resolve`: resolves the open problems of these keys. Returns (resolved, keys that
/// had none open, notifications written); `None`: no such monitor.
pub fn resolve_keys(
    tx: &mut Tx<'_>,
    id: &MonitorId,
    keys: &[String],
    by: &str,
) -> Result<Option<(u64, Vec<String>, usize)>, StoreError> {
    let id = &id.to_string();
    let Some(row) = tx.lock_monitor(id)? else {
        return Ok(None);
    };
    let c = &mut *tx.c;
    let mut found = Vec::new();
    let mut not_open = Vec::new();
    for key in keys {
        let open: Option<ProblemRow> = problems::table
            .filter(problems::monitor_id.eq(id))
            .filter(problems::key.eq(key))
            .filter(problems::resolved_at.is_null())
            .select(ProblemRow::as_select())
            .first(c)
            .optional()?;
        match open {
            Some(p) if !found.iter().any(|f: &ProblemRow| f.id == p.id) => found.push(p),
            Some(_) => {}
            None => not_open.push(key.clone()),
        }
    }
    let before = tx.fx.notifications;
    let n = close(tx, &row, found, by)?;
    Ok(Some((n, not_open, tx.fx.notifications - before)))
}

/// Whether monitor `id` has open problems (an index probe).
pub(crate) fn has_open(c: &mut AnyConnection, id: &str) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(
        problems::table
            .filter(problems::monitor_id.eq(id))
            .filter(problems::resolved_at.is_null()),
    ))
    .get_result(c)?)
}

/// `on_next_run`: a run of monitor `id` ended well at `now`; its open problems last
/// seen before `cutoff` (not re-reported by this run) resolve. Called by the writer
/// inside the ping's transaction (the monitor row is already locked). Returns whether
/// open problems remain.
pub(crate) fn resolve_by_run(
    tx: &mut Tx<'_>,
    id: &str,
    row: Option<&MonitorRow>,
    cutoff: Timestamp,
) -> Result<bool, StoreError> {
    // The partial index `problems_open_seen`: a monitor without open problems costs
    // one index probe.
    let stale: Vec<ProblemRow> = problems::table
        .filter(problems::monitor_id.eq(id))
        .filter(problems::resolved_at.is_null())
        .filter(problems::last_seen_at.lt(cutoff.0))
        .select(ProblemRow::as_select())
        .load(tx.c)?;
    if stale.is_empty() {
        // Open ones may remain (reported during this run): keep asking.
        return Ok(true);
    }
    let row = crate::alerting::notices::given_or_locked(tx.c, id, row)?;
    close(tx, &row, stale, "run")?;
    has_open(tx.c, id)
}

/// `after <duration>` monitors: resolves problems whose time came (an index range on
/// `resolve_at`, at most `limit`). Returns (resolved, notifications written).
pub fn expire_due(tx: &mut Tx<'_>, limit: i64) -> Result<(u64, usize), StoreError> {
    let now = tx.now();
    let due: Vec<ProblemRow> = problems::table
        .filter(problems::resolve_at.le(now.0))
        .filter(problems::resolved_at.is_null())
        .order(problems::resolve_at.asc())
        .limit(limit)
        .select(ProblemRow::as_select())
        .load(tx.conn())?;
    let mut by_monitor: std::collections::BTreeMap<String, Vec<ProblemRow>> = Default::default();
    for p in due {
        by_monitor.entry(p.monitor_id.clone()).or_default().push(p);
    }
    let (mut n, before) = (0, tx.fx.notifications);
    for (id, rows) in by_monitor {
        let Some(row) = tx.lock_monitor(&id)? else {
            continue;
        };
        n += close(tx, &row, rows, "expiry")?;
    }
    Ok((n, tx.fx.notifications - before))
}

/// Problems last reported by run `run_id` (for the run view), at most `limit`.
pub fn of_run(
    c: &mut AnyConnection,
    run_id: i64,
    limit: i64,
) -> Result<Vec<ProblemRow>, StoreError> {
    Ok(problems::table
        .filter(problems::run_id.eq(run_id))
        .order(problems::id.asc())
        .limit(limit)
        .select(ProblemRow::as_select())
        .load(c)?)
}

/// Open problems of each of these monitors (for lists).
pub fn open_counts(
    c: &mut AnyConnection,
    ids: &[String],
) -> Result<std::collections::HashMap<String, i64>, StoreError> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, i64)> = problems::table
            .filter(problems::monitor_id.eq_any(chunk))
            .filter(problems::resolved_at.is_null())
            .group_by(problems::monitor_id)
            .select((problems::monitor_id, diesel::dsl::count_star()))
            .load(c)?;
        out.extend(rows);
    }
    Ok(out)
}

/// The monitor of slug ping URL `/ping/<ping_key>/<slug>/problems`.
pub fn monitor_by_slug(
    c: &mut AnyConnection,
    ping_key: &str,
    slug: &str,
) -> Result<Option<String>, StoreError> {
    use crate::base::schema::{monitors, projects};
    Ok(monitors::table
        .inner_join(projects::table.on(projects::id.eq(monitors::project_id)))
        .filter(projects::ping_key.eq(ping_key))
        .filter(monitors::slug.eq(slug))
        .select(monitors::id)
        .first(c)
        .optional()?)
}
