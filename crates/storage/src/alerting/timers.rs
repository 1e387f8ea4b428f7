//! The timers of routed alerts (docs/behaviour.md, "Routing"): a route's `repeat_every`,
//! its escalation
//! steps, a message held by a quiet route (`release`) or a silence (`silence`) are
//! rows of `alert_timers` with a due time. Armed in the transaction that writes (or
//! holds) an alert's first message; fired by the scheduler through an index range on
//! `due_at` (no scan) — see [`crate::alerting::firing`].

use diesel::prelude::*;
use overdue_core::route::Route;
use overdue_core::{EventRecord, Timestamp};

use crate::base::schema::alert_timers;
use crate::base::statements::on_inner;
use crate::{AnyConnection, StoreError};

/// A due timer.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = alert_timers)]
#[allow(missing_docs)]
pub struct TimerRow {
    pub id: i64,
    pub alert_id: i64,
    pub route_id: String,
    pub kind: String,
    pub step: i32,
    pub due_at: i64,
    pub payload: Option<String>,
    pub group_key: Option<String>,
}

/// Inserts a timer without a held message (a reminder, an escalation step).
pub(crate) fn insert(
    c: &mut AnyConnection,
    alert: i64,
    route: &str,
    kind: &str,
    step: i32,
    due: i64,
) -> Result<(), StoreError> {
    insert_row(c, (alert, route, kind, step, due), None, None)
}

/// One timer row: (alert, route or silence, kind, step, due) and what it carries.
fn insert_row(
    c: &mut AnyConnection,
    (alert, source, kind, step, due): (i64, &str, &str, i32, i64),
    payload: Option<String>,
    group_key: Option<&str>,
) -> Result<(), StoreError> {
    let row = (
        alert_timers::alert_id.eq(alert),
        alert_timers::route_id.eq(source),
        alert_timers::kind.eq(kind),
        alert_timers::step.eq(step),
        alert_timers::due_at.eq(due),
        alert_timers::payload.eq(payload),
        alert_timers::group_key.eq(group_key),
    );
    on_inner!(c, |inner| diesel::insert_into(alert_timers::table)
        .values(row)
        .execute(inner))?;
    Ok(())
}

/// A timer that carries the message it holds (`record`) until `due`; `source` is the
/// route or silence that holds it.
fn hold_record(
    c: &mut AnyConnection,
    kind: &str,
    alert: i64,
    source: &str,
    due: Timestamp,
    record: &EventRecord,
    group_key: Option<&str>,
) -> Result<(), StoreError> {
    let payload = serde_json::to_string(record).map_err(|e| StoreError::Internal(e.to_string()))?;
    insert_row(c, (alert, source, kind, 0, due.0), Some(payload), group_key)
}

/// Arms the timers of the routes an alert matched, when its first message is written.
pub(crate) fn arm(
    c: &mut AnyConnection,
    alert: i64,
    matched: &[&Route],
    now: Timestamp,
) -> Result<(), StoreError> {
    for r in matched {
        if let Some(every) = r.repeat_every_ms {
            insert(c, alert, &r.id, "repeat", 0, now.0 + every)?;
        }
        if let Some(first) = r.escalate.first() {
            insert(c, alert, &r.id, "escalate", 0, now.0 + first.after_ms)?;
        }
    }
    Ok(())
}

/// Holds an alert's message (`record`) on a quiet route until `opens` (its window's
/// end).
pub(crate) fn hold(
    c: &mut AnyConnection,
    alert: i64,
    route: &str,
    opens: Timestamp,
    record: &EventRecord,
) -> Result<(), StoreError> {
    hold_record(c, "release", alert, route, opens, record, None)
}

/// Holds an alert's message (`record`) while silence `silence` lasts (`until`).
pub(crate) fn silence(
    c: &mut AnyConnection,
    alert: i64,
    silence: &str,
    until: Timestamp,
    record: &EventRecord,
) -> Result<(), StoreError> {
    hold_record(c, "silence", alert, silence, until, record, None)
}

/// Holds a daily digest (about no one alert) until a route's digest time.
pub(crate) fn hold_digest(
    c: &mut AnyConnection,
    route: &str,
    at: Timestamp,
    record: &EventRecord,
) -> Result<(), StoreError> {
    hold_record(c, "digest", 0, route, at, record, None)
}

/// Puts an alert's message (`record`) into its group on `route`: due with the group's
/// pending message, else after `group_wait` — and never sooner than `group_interval`
/// after the group's last message.
pub(crate) fn group(
    c: &mut AnyConnection,
    alert: i64,
    route: &Route,
    key: &str,
    record: &EventRecord,
    now: Timestamp,
) -> Result<(), StoreError> {
    use crate::base::schema::route_groups;
    let pending = alert_timers::table
        .filter(alert_timers::route_id.eq(&route.id))
        .filter(alert_timers::kind.eq("group"))
        .filter(alert_timers::group_key.eq(key))
        .select(diesel::dsl::min(alert_timers::due_at));
    let pending: Option<i64> = on_inner!(c, |inner| pending.first(inner))?;
    let due = match pending {
        Some(d) => d,
        None => {
            let last = route_groups::table
                .find((&route.id, key))
                .select(route_groups::last_sent_at);
            let last: Option<i64> = on_inner!(c, |inner| last.first(inner).optional())?;
            let wait = now.0 + route.group_wait_ms.unwrap_or(0);
            let gap = last.map_or(wait, |l| l + route.group_interval_ms.unwrap_or(0));
            wait.max(gap)
        }
    };
    hold_record(
        c,
        "group",
        alert,
        &route.id,
        Timestamp(due),
        record,
        Some(key),
    )
}

/// Whether an alert's first message is still held (by a quiet route, a silence, a
/// route's group or a storm).
pub(crate) fn is_held(c: &mut AnyConnection, alert: i64) -> Result<bool, StoreError> {
    let q = alert_timers::table
        .filter(alert_timers::alert_id.eq(alert))
        .filter(alert_timers::kind.eq_any(["release", "silence", "group", "storm"]));
    let n: i64 = on_inner!(c, |inner| q.count().get_result(inner))?;
    Ok(n > 0)
}

/// The holds on these alerts (quiet routes, silences): (alert, kind, due), earliest
/// first.
pub fn holds(c: &mut AnyConnection, alerts: &[i64]) -> Result<Vec<(i64, String, i64)>, StoreError> {
    Ok(alert_timers::table
        .filter(alert_timers::alert_id.eq_any(alerts))
        .filter(alert_timers::kind.eq_any(crate::alerting::triage::HOLDS))
        .order(alert_timers::due_at.asc())
        .select((
            alert_timers::alert_id,
            alert_timers::kind,
            alert_timers::due_at,
        ))
        .load(c)?)
}

/// Timers due at `now`, oldest first.
pub fn due(c: &mut AnyConnection, now: Timestamp, limit: i64) -> Result<Vec<TimerRow>, StoreError> {
    Ok(alert_timers::table
        .filter(alert_timers::due_at.le(now.0))
        .order(alert_timers::due_at.asc())
        .limit(limit)
        .select(TimerRow::as_select())
        .load(c)?)
}

/// The earliest due time, to sleep until then.
pub fn earliest(c: &mut AnyConnection) -> Result<Option<Timestamp>, StoreError> {
    let at: Option<i64> = alert_timers::table
        .select(diesel::dsl::min(alert_timers::due_at))
        .first(c)?;
    Ok(at.map(Timestamp))
}
