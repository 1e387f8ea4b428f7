//! Problems (SPEC §5): failing units of a monitor. A report opens, repeats, rejoins or
//! escalates each unit's problem (the core decides which); runs, `/resolve` and time
//! resolve them. Notifications are grouped: one event per report (or resolution) and
//! kind, naming the first problems and counting the rest.

mod digest;
mod query;

use diesel::prelude::*;
use overdue_core::problem::{self, Decision, Known, Reported, Severity};
use overdue_core::{EventKind, EventRecord, ProblemItem, ProblemsNote, Timestamp};

use crate::ingest::{lock_monitor, Effects};
use crate::models::MonitorRow;
use crate::notices::{enqueue_records, monitor_ref};
use crate::schema::problems;
use crate::{AnyConnection, StoreError};

pub use digest::send_if_due as send_digest_if_due;
pub use query::{get, list, stats, update, Filter, Stats, Update};

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
        }
    }

    /// Its resolution notifies: its opening did, and it is not muted.
    fn resolution_notifies(&self, now: Timestamp) -> bool {
        self.notified.is_some() && self.muted_until.is_none_or(|m| m <= now.0)
    }
}

/// What a report did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportOutcome {
    /// New occurrences.
    pub opened: u64,
    /// Of which reopen an old occurrence.
    pub reopened: u64,
    /// Rejoined an occurrence resolved less than 24 h ago.
    pub rejoined: u64,
    /// Seen again while open.
    pub repeated: u64,
    /// Severity rose past what was notified.
    pub escalated: u64,
    /// Dropped past the cap.
    pub dropped: u64,
    /// Open problems now.
    pub open: i64,
    /// Notifications written.
    pub notifications: usize,
}

fn open_count(c: &mut AnyConnection, monitor: &str) -> Result<i64, StoreError> {
    Ok(problems::table
        .filter(problems::monitor_id.eq(monitor))
        .filter(problems::resolved_at.is_null())
        .filter(problems::overflow.eq(false))
        .count()
        .get_result(c)?)
}

fn latest(
    c: &mut AnyConnection,
    monitor: &str,
    key: &str,
) -> Result<Option<ProblemRow>, StoreError> {
    Ok(problems::table
        .filter(problems::monitor_id.eq(monitor))
        .filter(problems::key.eq(key))
        .order(problems::id.desc())
        .select(ProblemRow::as_select())
        .first(c)
        .optional()?)
}

/// The latest occurrence of each key of `items`, by key.
fn latest_of(
    c: &mut AnyConnection,
    monitor: &str,
    items: &[Reported],
) -> Result<std::collections::HashMap<String, ProblemRow>, StoreError> {
    let mut keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut out = std::collections::HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(500) {
        let rows: Vec<ProblemRow> = problems::table
            .filter(problems::monitor_id.eq(monitor))
            .filter(problems::key.eq_any(chunk))
            .order((problems::key.asc(), problems::id.desc()))
            .select(ProblemRow::as_select())
            .load(c)?;
        for r in rows {
            // Newest first within a key: keep the first seen.
            out.entry(r.key.clone()).or_insert(r);
        }
    }
    Ok(out)
}

/// Records a report of failed units for monitor `id` (its row is locked first, so
/// reports, runs' ends and expiry of one monitor never interleave). `None`: no such
/// monitor. `cap`: open problems kept; past it units are counted on one overflow
/// problem.
pub fn report(
    c: &mut AnyConnection,
    id: &str,
    items: &[Reported],
    now: Timestamp,
    cap: usize,
) -> Result<Option<ReportOutcome>, StoreError> {
    let Some(row) = lock_monitor(c, id)? else {
        return Ok(None);
    };
    let policy = row.config()?.auto_resolve;
    let expires = policy.expires(now).map(|t| t.0);
    let mut out = ReportOutcome::default();
    let mut open = open_count(c, id)?;
    let (mut opened, mut escalated) = (Vec::new(), Vec::new());
    // The latest occurrence of every key, read in a few queries rather than one per unit
    // (a round trip each on PostgreSQL). A key seen twice in one report is read again
    // after its first write.
    let mut known = latest_of(c, id, items)?;
    let mut written = std::collections::HashSet::new();
    for item in items {
        let old = if written.contains(item.key.as_str()) {
            latest(c, id, &item.key)?
        } else {
            known.remove(&item.key)
        };
        written.insert(item.key.as_str());
        let decision = problem::on_report(old.as_ref().map(ProblemRow::known), item.severity, now);
        match (decision, old) {
            (Decision::Open { reopens, notify }, old) => {
                if open >= cap as i64 {
                    out.dropped += 1;
                    continue;
                }
                let previous = old.filter(|_| reopens).map(|o| o.id);
                diesel::insert_into(problems::table)
                    .values((
                        problems::project_id.eq(&row.project_id),
                        problems::monitor_id.eq(id),
                        problems::key.eq(&item.key),
                        problems::severity.eq(item.severity.as_str()),
                        problems::notified.eq(notify.then_some(item.severity.as_str())),
                        problems::message.eq(&item.message),
                        problems::details.eq(&item.details),
                        problems::count.eq(1i64),
                        problems::first_seen_at.eq(now.0),
                        problems::last_seen_at.eq(now.0),
                        problems::resolve_at.eq(expires),
                        problems::previous_id.eq(previous),
                        problems::overflow.eq(false),
                    ))
                    .execute(c)?;
                open += 1;
                out.opened += 1;
                out.reopened += u64::from(reopens);
                if notify {
                    opened.push(ProblemItem {
                        key: item.key.clone(),
                        severity: item.severity.as_str().into(),
                        message: item.message.clone(),
                        count: 1,
                    });
                }
            }
            (Decision::Repeat { escalate } | Decision::Rejoin { escalate }, Some(old)) => {
                let rejoin = matches!(decision, Decision::Rejoin { .. });
                if rejoin && open >= cap as i64 {
                    out.dropped += 1;
                    continue;
                }
                let notified = if escalate {
                    Some(item.severity.as_str().to_string())
                } else {
                    old.notified.clone()
                };
                // An empty message or absent details keep the previous ones.
                let message = if item.message.is_empty() {
                    old.message.clone()
                } else {
                    item.message.clone()
                };
                let details = item.details.clone().or(old.details.clone());
                diesel::update(problems::table.find(old.id))
                    .set((
                        problems::severity.eq(item.severity.as_str()),
                        problems::notified.eq(notified),
                        problems::message.eq(&message),
                        problems::details.eq(details),
                        problems::count.eq(old.count + 1),
                        problems::last_seen_at.eq(now.0),
                        problems::resolve_at.eq(expires),
                        problems::resolved_at.eq(None::<i64>),
                        problems::resolved_by.eq(None::<String>),
                    ))
                    .execute(c)?;
                if rejoin {
                    open += 1;
                    out.rejoined += 1;
                } else {
                    out.repeated += 1;
                }
                if escalate {
                    out.escalated += 1;
                    escalated.push(ProblemItem {
                        key: item.key.clone(),
                        severity: item.severity.as_str().into(),
                        message,
                        count: old.count + 1,
                    });
                }
            }
            (Decision::Repeat { .. } | Decision::Rejoin { .. }, None) => {
                return Err(StoreError::Internal(
                    "problem decision without a row".into(),
                ))
            }
        }
    }
    if out.dropped > 0 {
        count_overflow(c, &row, out.dropped, cap, now)?;
    }
    out.open = open;
    let mut fx = Effects::default();
    let records = [
        note(&row, EventKind::ProblemOpened, opened, now),
        note(&row, EventKind::ProblemEscalated, escalated, now),
    ];
    let records: Vec<EventRecord> = records.into_iter().flatten().collect();
    enqueue_records(c, &row, &records, now, &mut fx)?;
    out.notifications = fx.notifications;
    Ok(Some(out))
}

/// Adds `dropped` to the monitor's overflow problem (opening it if needed).
fn count_overflow(
    c: &mut AnyConnection,
    row: &MonitorRow,
    dropped: u64,
    cap: usize,
    now: Timestamp,
) -> Result<(), StoreError> {
    let existing: Option<(i64, i64)> = problems::table
        .filter(problems::monitor_id.eq(&row.id))
        .filter(problems::key.eq(problem::OVERFLOW_KEY))
        .filter(problems::resolved_at.is_null())
        .select((problems::id, problems::count))
        .first(c)
        .optional()?;
    let total = existing.map_or(0, |(_, n)| n) + dropped as i64;
    let message = format!(
        "{total} more problems not listed: the monitor has {cap} open problems, the most kept"
    );
    match existing {
        Some((pid, _)) => {
            diesel::update(problems::table.find(pid))
                .set((
                    problems::count.eq(total),
                    problems::message.eq(&message),
                    problems::last_seen_at.eq(now.0),
                ))
                .execute(c)?;
        }
        None => {
            diesel::insert_into(problems::table)
                .values((
                    problems::project_id.eq(&row.project_id),
                    problems::monitor_id.eq(&row.id),
                    problems::key.eq(problem::OVERFLOW_KEY),
                    problems::severity.eq(Severity::Warning.as_str()),
                    problems::message.eq(&message),
                    problems::count.eq(total),
                    problems::first_seen_at.eq(now.0),
                    problems::last_seen_at.eq(now.0),
                    problems::overflow.eq(true),
                ))
                .execute(c)?;
        }
    }
    Ok(())
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
        problems: Some(ProblemsNote {
            count: items.len() as u64,
            items: items.into_iter().take(ProblemsNote::MAX_ITEMS).collect(),
        }),
    })
}

/// Resolves these open problems (already loaded, all of monitor `row`), by `by`, and
/// notifies those whose opening was notified, as one event. Returns how many.
fn close(
    c: &mut AnyConnection,
    row: &MonitorRow,
    open: Vec<ProblemRow>,
    by: &str,
    now: Timestamp,
    fx: &mut Effects,
) -> Result<u64, StoreError> {
    let ids: Vec<i64> = open.iter().map(|p| p.id).collect();
    for chunk in ids.chunks(500) {
        diesel::update(problems::table.filter(problems::id.eq_any(chunk)))
            .set((
                problems::resolved_at.eq(Some(now.0)),
                problems::resolved_by.eq(Some(by)),
                problems::resolve_at.eq(None::<i64>),
            ))
            .execute(c)?;
    }
    let notified: Vec<ProblemItem> = open
        .iter()
        .filter(|p| p.resolution_notifies(now))
        .map(ProblemRow::item)
        .collect();
    if let Some(record) = note(row, EventKind::ProblemResolved, notified, now) {
        enqueue_records(c, row, &[record], now, fx)?;
    }
    Ok(ids.len() as u64)
}

/// `/resolve`: resolves the open problems of these keys. Returns (resolved, keys that
/// had none open, notifications written); `None`: no such monitor.
pub fn resolve_keys(
    c: &mut AnyConnection,
    id: &str,
    keys: &[String],
    by: &str,
    now: Timestamp,
) -> Result<Option<(u64, Vec<String>, usize)>, StoreError> {
    let Some(row) = lock_monitor(c, id)? else {
        return Ok(None);
    };
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
    let mut fx = Effects::default();
    let n = close(c, &row, found, by, now, &mut fx)?;
    Ok(Some((n, not_open, fx.notifications)))
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
    c: &mut AnyConnection,
    id: &str,
    row: Option<&MonitorRow>,
    cutoff: Timestamp,
    now: Timestamp,
    fx: &mut Effects,
) -> Result<bool, StoreError> {
    // The partial index `problems_open_seen`: a monitor without open problems costs
    // one index probe.
    let stale: Vec<ProblemRow> = problems::table
        .filter(problems::monitor_id.eq(id))
        .filter(problems::resolved_at.is_null())
        .filter(problems::last_seen_at.lt(cutoff.0))
        .select(ProblemRow::as_select())
        .load(c)?;
    if stale.is_empty() {
        // Open ones may remain (reported during this run): keep asking.
        return Ok(true);
    }
    let read;
    let row = match row {
        Some(r) => r,
        None => {
            read = lock_monitor(c, id)?.ok_or(StoreError::NotFound("monitor"))?;
            &read
        }
    };
    close(c, row, stale, "run", now, fx)?;
    has_open(c, id)
}

/// `after <duration>` monitors: resolves problems whose time came (an index range on
/// `resolve_at`, at most `limit`). Returns (resolved, notifications written).
pub fn expire_due(
    c: &mut AnyConnection,
    now: Timestamp,
    limit: i64,
) -> Result<(u64, usize), StoreError> {
    let due: Vec<ProblemRow> = problems::table
        .filter(problems::resolve_at.le(now.0))
        .filter(problems::resolved_at.is_null())
        .order(problems::resolve_at.asc())
        .limit(limit)
        .select(ProblemRow::as_select())
        .load(c)?;
    let mut by_monitor: std::collections::BTreeMap<String, Vec<ProblemRow>> = Default::default();
    for p in due {
        by_monitor.entry(p.monitor_id.clone()).or_default().push(p);
    }
    let (mut n, mut fx) = (0, Effects::default());
    for (id, rows) in by_monitor {
        let Some(row) = lock_monitor(c, &id)? else {
            continue;
        };
        n += close(c, &row, rows, "expiry", now, &mut fx)?;
    }
    Ok((n, fx.notifications))
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
    use crate::schema::{monitors, projects};
    Ok(monitors::table
        .inner_join(projects::table.on(projects::id.eq(monitors::project_id)))
        .filter(projects::ping_key.eq(ping_key))
        .filter(monitors::slug.eq(slug))
        .select(monitors::id)
        .first(c)
        .optional()?)
}

/// Deletes a monitor's problems (the monitor is being deleted).
pub(crate) fn delete_monitor(c: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    diesel::delete(problems::table.filter(problems::monitor_id.eq(id))).execute(c)?;
    Ok(())
}
