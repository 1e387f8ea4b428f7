//! A report of failed units: each unit's latest occurrence is read (in batches), the
//! core decides open / repeat / rejoin / escalate, and the grouped notifications are
//! written with the problems.

use diesel::prelude::*;
use overdue_core::problem::{self, Decision, Reported, Severity};
use overdue_core::report::Metric;
use overdue_core::MonitorId;
use overdue_core::{AlertKind, EventKind, EventRecord, ProblemItem, Timestamp, Transition};

use super::{note, with_alert, ProblemRow};
use crate::alerting::alerts::{self, NewAlert};
use crate::alerting::notices::enqueue_records;
use crate::base::models::MonitorRow;
use crate::base::schema::problems;
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

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

/// The open run a report belongs to: the one with its `rid`, else the monitor's only
/// open run; none when there is no such run (a report outside a run is fine).
fn reporting_run(
    c: &mut AnyConnection,
    monitor: &str,
    rid: Option<&str>,
) -> Result<Option<i64>, StoreError> {
    use crate::base::schema::runs;
    let mut q = runs::table
        .filter(runs::monitor_id.eq(monitor))
        .filter(runs::ended_at.is_null())
        .select(runs::id)
        .limit(2)
        .into_boxed();
    if let Some(r) = rid {
        q = q.filter(runs::rid.eq(r.to_string()));
    }
    let open: Vec<i64> = q.load(c)?;
    Ok(match (rid, open.as_slice()) {
        (Some(_), [first, ..]) => Some(*first),
        (None, [only]) => Some(*only),
        _ => None,
    })
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
    tx: &mut Tx<'_>,
    id: &MonitorId,
    items: &[Reported],
    rid: Option<&str>,
    cap: usize,
) -> Result<Option<ReportOutcome>, StoreError> {
    let now = tx.now();
    let id = &id.to_string();
    let Some(row) = tx.lock_monitor(id)? else {
        return Ok(None);
    };
    let c = &mut *tx.c;
    let run_id = reporting_run(c, id, rid)?;
    let policy = row.config()?.auto_resolve;
    let expires = policy.expires(now).map(|t| t.0);
    let mut out = ReportOutcome::default();
    let mut open = open_count(c, id)?;
    let (mut opened, mut escalated) = (Vec::new(), Vec::new());
    let (mut opened_alerts, mut escalated_alerts) = (Vec::new(), Vec::new());
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
                let pid: i64 = diesel::insert_into(problems::table)
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
                        problems::run_id.eq(run_id),
                        problems::overflow.eq(false),
                    ))
                    .returning(problems::id)
                    .get_result(c)?;
                // Every occurrence is an alert; info and warning ones notify no one at
                // once (the digest names them).
                let alert = alerts::open(c, problem_alert(&row, item, pid), now)?;
                let unit = Metric::Unit(overdue_core::report::unit_kind(&item.key));
                crate::alerting::tallies::count(c, &row.project_id, id, now, unit, 1)?;
                open += 1;
                out.opened += 1;
                out.reopened += u64::from(reopens);
                if notify {
                    opened_alerts.push(alert);
                    opened.push(ProblemItem {
                        key: item.key.clone(),
                        severity: item.severity.as_str().into(),
                        message: item.message.clone(),
                        count: 1,
                        details: item.details.clone(),
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
                        problems::run_id.eq(run_id.or(old.run_id)),
                    ))
                    .execute(c)?;
                if rejoin {
                    // Its alert opens again, without a message.
                    alerts::reopen_problem(c, old.id, old.acknowledged_at.is_some())?;
                    open += 1;
                    out.rejoined += 1;
                } else {
                    out.repeated += 1;
                }
                if escalate {
                    // The alert takes the new severity (PagerDuty's incident too).
                    escalated_alerts.extend(alerts::escalate_problem(
                        c,
                        old.id,
                        item.severity.as_str(),
                    )?);
                    out.escalated += 1;
                    escalated.push(ProblemItem {
                        key: item.key.clone(),
                        severity: item.severity.as_str().into(),
                        message,
                        count: old.count + 1,
                        details: item.details.clone().or(old.details.clone()),
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
    // One message for all the alerts a report opened: they form one group, led by the
    // first, whose acknowledgement link acknowledges them all.
    let ids: Vec<i64> = opened_alerts.iter().map(|a| a.id).collect();
    let opened_note = match opened_alerts.first() {
        Some(lead) => {
            alerts::group(c, &ids, lead.id)?;
            Some(lead.note(Transition::Trigger, ids.len() as u64))
        }
        None => None,
    };
    let escalated_note = match escalated_alerts.first() {
        Some(first) => {
            let mut n = first.note(Transition::Escalate, escalated_alerts.len() as u64);
            n.incidents = alerts::group_keys(c, &escalated_alerts)?;
            Some(n)
        }
        None => None,
    };
    let records = [
        with_alert(
            note(&row, EventKind::ProblemOpened, opened, now),
            opened_note,
        ),
        with_alert(
            note(&row, EventKind::ProblemEscalated, escalated, now),
            escalated_note,
        ),
    ];
    let records: Vec<EventRecord> = records.into_iter().flatten().collect();
    let before = tx.fx.notifications;
    enqueue_records(tx, &row, &records)?;
    out.notifications = tx.fx.notifications - before;
    Ok(Some(out))
}

/// The alert of a new problem occurrence.
fn problem_alert<'a>(row: &'a MonitorRow, item: &Reported, pid: i64) -> NewAlert<'a> {
    NewAlert {
        project: &row.project_id,
        flow: None,
        monitor: Some(&row.id),
        channel: None,
        kind: AlertKind::Problem,
        severity: item.severity.as_str(),
        summary: if item.message.is_empty() {
            format!("{} in {}", item.key, row.name)
        } else {
            format!("{} in {}: {}", item.key, row.name, item.message)
        },
        unique: pid.to_string(),
        problem_id: Some(pid),
        reason: None,
    }
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
