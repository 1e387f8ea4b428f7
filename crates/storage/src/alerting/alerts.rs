//! Alerts (docs/behaviour.md, "Alerts"): one row per notifying condition, open →
//! acknowledged → resolved.
//! Opened and resolved inside the transaction of the change that caused them (a flip,
//! a problem report, a pause or delete); acknowledging them is `acks`, on top.

use diesel::prelude::*;
use overdue_core::alert::{self, AlertKind, AlertStatus};
use overdue_core::{AlertNote, Timestamp, Transition};

use crate::alerting::tallies;
use crate::base::schema::{alerts, outbox};
use crate::base::statements::{insert_id, on_inner};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// An alert as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = alerts)]
#[allow(missing_docs)]
pub struct AlertRow {
    pub id: i64,
    pub project_id: String,
    pub monitor_id: Option<String>,
    pub channel_id: Option<String>,
    pub kind: String,
    pub dedup_key: String,
    pub severity: String,
    pub summary: String,
    pub status: String,
    pub problem_id: Option<i64>,
    pub group_id: Option<i64>,
    pub opened_at: i64,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by: Option<String>,
    pub ack_note: Option<String>,
    pub resolved_at: Option<i64>,
    pub resolved_reason: Option<String>,
    pub flow_id: Option<String>,
}

impl AlertRow {
    /// Its status (an unknown stored value reads as open).
    pub fn status(&self) -> AlertStatus {
        AlertStatus::parse(&self.status).unwrap_or(AlertStatus::Open)
    }

    /// What report counters need of it.
    pub(crate) fn counted(&self) -> tallies::Counted<'_> {
        tallies::Counted {
            project: &self.project_id,
            monitor: self.monitor_id.as_deref(),
            flow: self.flow_id.as_deref(),
            kind: &self.kind,
            severity: &self.severity,
            opened_at: self.opened_at,
            resolved: self.resolved_at.is_some(),
        }
    }

    /// The note a message about it carries.
    pub(crate) fn note(&self, transition: Transition, count: u64) -> AlertNote {
        AlertNote {
            id: self.id,
            dedup_key: self.dedup_key.clone(),
            transition,
            severity: self.severity.clone(),
            count,
            incidents: vec![self.dedup_key.clone()],
            thread: (transition != Transition::Trigger).then_some(self.group_id.unwrap_or(self.id)),
            reason: self.resolved_reason.clone(),
            ack_token: None,
            ack_url: None,
            opened_at: Some(overdue_core::Timestamp(self.opened_at).to_rfc3339()),
            members: Vec::new(),
        }
    }
}

/// What opens an alert.
pub(crate) struct NewAlert<'a> {
    /// Its project.
    pub(crate) project: &'a str,
    /// Its monitor, when it is about one.
    pub(crate) monitor: Option<&'a str>,
    /// Its channel, for a failing channel's alert.
    pub(crate) channel: Option<&'a str>,
    /// Its flow, for a breach.
    pub(crate) flow: Option<&'a str>,
    /// What it is about.
    pub(crate) kind: AlertKind,
    /// `critical`, `error`, `warning`, `info`.
    pub(crate) severity: &'a str,
    /// One line for lists.
    pub(crate) summary: String,
    /// What makes this occurrence unique within the monitor and kind.
    pub(crate) unique: String,
    /// The problem occurrence, for a problem alert.
    pub(crate) problem_id: Option<i64>,
    /// The reason reports count it under (`None`: its kind's, see
    /// `overdue_core::report::reason_of`).
    pub(crate) reason: Option<&'static str>,
}

/// Opens an alert (a one-shot one opens resolved). Returns the row.
pub(crate) fn open(
    c: &mut AnyConnection,
    new: NewAlert<'_>,
    now: Timestamp,
) -> Result<AlertRow, StoreError> {
    let reason = new.reason;
    let mut row = opened(new, now);
    row.id = insert(c, &row)?;
    if let Some((subject, metric)) = tallies::opened(row.counted(), reason) {
        tallies::count(c, &row.project_id, &subject, now, metric, 1)?;
    }
    Ok(row)
}

/// [`open`] inside a unit of work: in a burst on PostgreSQL the row waits for the
/// job's end with an id taken beforehand (`Tx::defer_appends`).
pub(crate) fn open_in(tx: &mut Tx<'_>, new: NewAlert<'_>) -> Result<AlertRow, StoreError> {
    let reason = new.reason;
    let mut row = opened(new, tx.now());
    if let Some((subject, metric)) = tallies::opened(row.counted(), reason) {
        tallies::count_in(tx, &row.project_id, &subject, metric)?;
    }
    let Some((pg, later)) = tx.later() else {
        row.id = insert(tx.c, &row)?;
        return Ok(row);
    };
    row.id = later.alert_id(pg)?;
    let a = &mut later.alerts;
    a.id.push(row.id);
    a.project_id.push(row.project_id.clone());
    a.monitor_id.push(row.monitor_id.clone());
    a.channel_id.push(row.channel_id.clone());
    a.flow_id.push(row.flow_id.clone());
    a.kind.push(row.kind.clone());
    a.dedup_key.push(row.dedup_key.clone());
    a.severity.push(row.severity.clone());
    a.summary.push(row.summary.clone());
    a.status.push(row.status.clone());
    a.problem_id.push(row.problem_id);
    a.opened_at.push(row.opened_at);
    a.resolved_at.push(row.resolved_at);
    a.resolved_reason.push(row.resolved_reason.clone());
    Ok(row)
}

/// The row a new alert gets (its id not yet known: 0).
fn opened(new: NewAlert<'_>, now: Timestamp) -> AlertRow {
    let public = new
        .monitor
        .or(new.flow)
        .map(|m| String::from(overdue_core::PublicRef::of(m)));
    let dedup = alert::dedup_key(new.kind, public.as_deref(), &new.unique);
    let once = new.kind.is_one_shot();
    let status = if once {
        AlertStatus::Resolved
    } else {
        AlertStatus::Open
    };
    AlertRow {
        id: 0,
        project_id: new.project.to_string(),
        monitor_id: new.monitor.map(str::to_string),
        channel_id: new.channel.map(str::to_string),
        kind: new.kind.as_str().to_string(),
        dedup_key: dedup,
        severity: new.severity.to_string(),
        summary: clip(&new.summary, 500),
        status: status.as_str().to_string(),
        problem_id: new.problem_id,
        group_id: None,
        opened_at: now.0,
        acknowledged_at: None,
        acknowledged_by: None,
        ack_note: None,
        resolved_at: once.then_some(now.0),
        resolved_reason: once.then(|| "once".to_string()),
        flow_id: new.flow.map(str::to_string),
    }
}

/// Inserts a new alert's row; returns its id.
fn insert(c: &mut AnyConnection, row: &AlertRow) -> Result<i64, StoreError> {
    // Run on the inner connection: prepared once per connection (flips come in bursts).
    let values = (
        alerts::project_id.eq(&row.project_id),
        alerts::monitor_id.eq(&row.monitor_id),
        alerts::channel_id.eq(&row.channel_id),
        alerts::flow_id.eq(&row.flow_id),
        alerts::kind.eq(&row.kind),
        alerts::dedup_key.eq(&row.dedup_key),
        alerts::severity.eq(&row.severity),
        alerts::summary.eq(&row.summary),
        alerts::status.eq(&row.status),
        alerts::problem_id.eq(row.problem_id),
        alerts::opened_at.eq(row.opened_at),
        alerts::resolved_at.eq(row.resolved_at),
        alerts::resolved_reason.eq(&row.resolved_reason),
    );
    Ok(insert_id!(
        c,
        diesel::insert_into(alerts::table).values(values),
        alerts::id
    )?)
}

fn clip(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

/// Puts these alerts in one group, led by `lead` (announced by one message).
pub(crate) fn group(c: &mut AnyConnection, ids: &[i64], lead: i64) -> Result<(), StoreError> {
    for chunk in ids.chunks(500) {
        diesel::update(alerts::table.filter(alerts::id.eq_any(chunk)))
            .set(alerts::group_id.eq(lead))
            .execute(c)?;
    }
    Ok(())
}

/// Resolves the unresolved alerts of `kind` of a monitor (its down episode), with
/// `reason`. Returns them as they were (an index probe when there are none).
pub(crate) fn resolve_of_monitor(
    c: &mut AnyConnection,
    monitor: &str,
    kinds: &[AlertKind],
    reason: &str,
    now: Timestamp,
) -> Result<Vec<AlertRow>, StoreError> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let rows: Vec<AlertRow> = alerts::table
        .filter(alerts::monitor_id.eq(monitor))
        .filter(alerts::kind.eq_any(&kinds))
        .filter(alerts::resolved_at.is_null())
        .order(alerts::id.asc())
        .select(AlertRow::as_select())
        .load(c)?;
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    mark_resolved(c, &ids, reason, now)?;
    tallies::resolved(c, rows.iter().map(AlertRow::counted), reason, now)?;
    Ok(rows)
}

/// Resolves these alerts (those not resolved yet) with `reason`; returns how many.
pub(crate) fn resolve_ids(
    c: &mut AnyConnection,
    ids: &[i64],
    reason: &str,
    now: Timestamp,
) -> Result<usize, StoreError> {
    let mut n = 0;
    for chunk in ids.chunks(500) {
        // Read first: reports count each one's time to resolve.
        let rows: Vec<AlertRow> = alerts::table
            .filter(alerts::id.eq_any(chunk))
            .filter(alerts::resolved_at.is_null())
            .select(AlertRow::as_select())
            .load(c)?;
        let open: Vec<i64> = rows.iter().map(|a| a.id).collect();
        mark_resolved(c, &open, reason, now)?;
        tallies::resolved(c, rows.iter().map(AlertRow::counted), reason, now)?;
        n += open.len();
    }
    Ok(n)
}

fn mark_resolved(
    c: &mut AnyConnection,
    ids: &[i64],
    reason: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    for chunk in ids.chunks(500) {
        diesel::update(alerts::table.filter(alerts::id.eq_any(chunk)))
            .set((
                alerts::status.eq(AlertStatus::Resolved.as_str()),
                alerts::resolved_at.eq(now.0),
                alerts::resolved_reason.eq(reason),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// Resolves the alerts of these problem occurrences with `reason`. Returns the dedup
/// keys of the groups now wholly resolved (the incidents a paging channel closes).
pub(crate) fn resolve_problems(
    c: &mut AnyConnection,
    problem_ids: &[i64],
    reason: &str,
    now: Timestamp,
) -> Result<Vec<AlertRow>, StoreError> {
    let mut rows = Vec::new();
    for chunk in problem_ids.chunks(500) {
        let part: Vec<AlertRow> = alerts::table
            .filter(alerts::problem_id.eq_any(chunk))
            .filter(alerts::resolved_at.is_null())
            .select(AlertRow::as_select())
            .load(c)?;
        rows.extend(part);
    }
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    mark_resolved(c, &ids, reason, now)?;
    tallies::resolved(c, rows.iter().map(AlertRow::counted), reason, now)?;
    rows.sort_by_key(|a| a.id);
    Ok(rows)
}

/// The leads of these alerts' groups that have no unresolved member left: the
/// incidents a resolution closes.
pub(crate) fn closed_groups(
    c: &mut AnyConnection,
    resolved: &[AlertRow],
) -> Result<Vec<String>, StoreError> {
    let mut leads: Vec<i64> = resolved
        .iter()
        .map(|a| a.group_id.unwrap_or(a.id))
        .collect();
    leads.sort_unstable();
    leads.dedup();
    let mut keys = Vec::new();
    for lead in leads {
        let open: i64 = alerts::table
            .filter(alerts::group_id.eq(lead).or(alerts::id.eq(lead)))
            .filter(alerts::resolved_at.is_null())
            .count()
            .get_result(c)?;
        if open == 0 {
            let key: Option<String> = alerts::table
                .find(lead)
                .select(alerts::dedup_key)
                .first(c)
                .optional()?;
            keys.extend(key);
        }
    }
    Ok(keys)
}

/// The dedup keys of these alerts' groups' leads (the incidents they belong to).
pub(crate) fn group_keys(
    c: &mut AnyConnection,
    members: &[AlertRow],
) -> Result<Vec<String>, StoreError> {
    let mut leads: Vec<i64> = members.iter().map(|a| a.group_id.unwrap_or(a.id)).collect();
    leads.sort_unstable();
    leads.dedup();
    let mut keys = Vec::new();
    for chunk in leads.chunks(500) {
        let part: Vec<String> = alerts::table
            .filter(alerts::id.eq_any(chunk))
            .select(alerts::dedup_key)
            .load(c)?;
        keys.extend(part);
    }
    Ok(keys)
}

/// A problem occurrence rejoined (reported again within its window): its alert opens
/// again — acknowledged still if the problem is — without a message.
pub(crate) fn reopen_problem(
    c: &mut AnyConnection,
    problem_id: i64,
    acknowledged: bool,
) -> Result<(), StoreError> {
    let status = if acknowledged {
        AlertStatus::Acknowledged
    } else {
        AlertStatus::Open
    };
    diesel::update(alerts::table.filter(alerts::problem_id.eq(problem_id)))
        .set((
            alerts::status.eq(status.as_str()),
            alerts::resolved_at.eq(None::<i64>),
            alerts::resolved_reason.eq(None::<String>),
        ))
        .execute(c)?;
    Ok(())
}

/// A problem occurrence's severity rose: its alert takes the new one. Returns the
/// alert as it is now, if the occurrence has one.
pub(crate) fn escalate_problem(
    c: &mut AnyConnection,
    problem_id: i64,
    severity: &str,
) -> Result<Option<AlertRow>, StoreError> {
    diesel::update(alerts::table.filter(alerts::problem_id.eq(problem_id)))
        .set(alerts::severity.eq(severity))
        .execute(c)?;
    of_problem(c, problem_id)
}

/// The alert of a problem occurrence, if it has one.
pub(crate) fn of_problem(
    c: &mut AnyConnection,
    problem_id: i64,
) -> Result<Option<AlertRow>, StoreError> {
    Ok(alerts::table
        .filter(alerts::problem_id.eq(problem_id))
        .select(AlertRow::as_select())
        .first(c)
        .optional()?)
}

/// The open alert of a failing channel, if it has one (an index probe).
pub fn open_for_channel(
    c: &mut AnyConnection,
    channel: &str,
) -> Result<Option<AlertRow>, StoreError> {
    // Asked after every delivery attempt: prepared once per connection, and with no
    // `.first()`, whose bound `LIMIT ?` made SQLite prepare it again on every run (a
    // channel has at most one open alert of its own).
    let open: Vec<AlertRow> = on_inner!(c, |inner| alerts::table
        .filter(alerts::channel_id.eq(channel))
        .filter(alerts::resolved_at.is_null())
        .select(AlertRow::as_select())
        .load(inner))?;
    Ok(open.into_iter().next())
}

/// One alert of a project.
pub fn get(c: &mut AnyConnection, project: &str, id: i64) -> Result<AlertRow, StoreError> {
    alerts::table
        .find(id)
        .filter(alerts::project_id.eq(project))
        .select(AlertRow::as_select())
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("alert"))
}

/// The messages written about an alert (its group's, when it leads one), oldest first.
pub fn messages(
    c: &mut AnyConnection,
    alert_id: i64,
) -> Result<Vec<crate::base::models::OutboxRow>, StoreError> {
    Ok(outbox::table
        .filter(outbox::alert_id.eq(alert_id))
        .order(outbox::id.asc())
        .limit(200)
        .select(crate::base::models::OutboxRow::as_select())
        .load(c)?)
}

/// The delivery attempts of these messages, oldest first.
pub fn attempts(
    c: &mut AnyConnection,
    outbox_ids: &[i64],
) -> Result<Vec<crate::base::models::DeliveryRow>, StoreError> {
    use crate::base::schema::deliveries;
    let mut out = Vec::new();
    for chunk in outbox_ids.chunks(500) {
        let part: Vec<crate::base::models::DeliveryRow> = deliveries::table
            .filter(deliveries::outbox_id.eq_any(chunk))
            .order(deliveries::id.asc())
            .select(crate::base::models::DeliveryRow::as_select())
            .load(c)?;
        out.extend(part);
    }
    Ok(out)
}
