//! The timers of routed alerts (SPEC §7): a route's `repeat_every` and its escalation
//! steps are rows of `alert_timers` with a due time. Armed in the transaction that
//! writes an alert's first message; fired by the scheduler through an index range on
//! `due_at` (no scan). Firing deletes the row in the transaction that writes the
//! messages, so two instances fire a timer once and a crash before commit leaves it
//! due. A timer whose alert was acknowledged or resolved meanwhile just goes away.

use diesel::prelude::*;
use overdue_core::route::Route;
use overdue_core::{AlertStatus, EventRecord, Timestamp, Transition};

use crate::messages::{write_message, Target};
use crate::schema::{alert_timers, alerts, channels, monitors, outbox};
use crate::statements::on_inner;
use crate::tx::Tx;
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
}

fn insert(
    c: &mut AnyConnection,
    alert: i64,
    route: &str,
    kind: &str,
    step: i32,
    due: i64,
) -> Result<(), StoreError> {
    let row = (
        alert_timers::alert_id.eq(alert),
        alert_timers::route_id.eq(route),
        alert_timers::kind.eq(kind),
        alert_timers::step.eq(step),
        alert_timers::due_at.eq(due),
    );
    on_inner!(c, |inner| diesel::insert_into(alert_timers::table)
        .values(row)
        .execute(inner))?;
    Ok(())
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

/// Fires one timer: claims it (another instance may have), and if its alert is still
/// open and unacknowledged writes the reminder or the escalation step's messages and
/// arms the next. Returns whether it wrote messages.
pub fn fire(tx: &mut Tx<'_>, t: &TimerRow, now: Timestamp) -> Result<bool, StoreError> {
    let c = tx.conn();
    let claimed = diesel::delete(alert_timers::table.find(t.id)).execute(c)?;
    if claimed == 0 {
        return Ok(false);
    }
    let alert: Option<(String, Option<String>, String, i64)> = alerts::table
        .find(t.alert_id)
        .select((
            alerts::status,
            alerts::monitor_id,
            alerts::project_id,
            alerts::opened_at,
        ))
        .first(c)
        .optional()?;
    let Some((status, Some(monitor), project, opened_at)) = alert else {
        return Ok(false);
    };
    if AlertStatus::parse(&status) != Some(AlertStatus::Open) {
        return Ok(false);
    }
    let Ok(route) = crate::routes::get(c, &project, &t.route_id) else {
        return Ok(false);
    };
    let route = route.rule();
    // The alert's first message is what is repeated or escalated.
    let first: Option<String> = outbox::table
        .filter(outbox::alert_id.eq(t.alert_id))
        .filter(outbox::transition.eq("trigger"))
        .order(outbox::id.asc())
        .select(outbox::payload)
        .first(c)
        .optional()?;
    let Some(mut record) = first.and_then(|p| serde_json::from_str::<EventRecord>(&p).ok()) else {
        return Ok(false);
    };
    let (targets, transition) = match t.kind.as_str() {
        "repeat" => {
            if let Some(every) = route.repeat_every_ms {
                insert(c, t.alert_id, &t.route_id, "repeat", 0, t.due_at + every)?;
            }
            (route.channels.clone(), Transition::Repeat)
        }
        _ => {
            let step = t.step as usize;
            let Some(s) = route.escalate.get(step) else {
                return Ok(false);
            };
            if let Some(next) = route.escalate.get(step + 1) {
                insert(
                    c,
                    t.alert_id,
                    &t.route_id,
                    "escalate",
                    t.step + 1,
                    opened_at + next.after_ms,
                )?;
            }
            // Backups that already heard of it are not told again.
            let told: Vec<String> = outbox::table
                .filter(outbox::alert_id.eq(t.alert_id))
                .filter(outbox::transition.eq("trigger"))
                .select(outbox::channel_id)
                .distinct()
                .load(c)?;
            let fresh = s
                .channels
                .iter()
                .filter(|ch| !told.contains(ch))
                .cloned()
                .collect();
            (fresh, Transition::Trigger)
        }
    };
    if let Some(note) = record.alert.as_mut() {
        note.transition = transition;
        note.ack_token = None;
    }
    record.at = now.to_rfc3339();
    let found: Vec<(String, String, String)> = channels::table
        .filter(channels::id.eq_any(&targets))
        .select((channels::id, channels::kind, channels::config))
        .load(c)?;
    let exists: bool =
        diesel::select(diesel::dsl::exists(monitors::table.find(&monitor))).get_result(c)?;
    if !exists {
        return Ok(false);
    }
    let mut wrote = false;
    for (id, kind, config) in &found {
        if !transition.goes_to(overdue_core::alert::is_paging(kind)) {
            continue;
        }
        let target = Target {
            project: &project,
            channel: id,
            kind,
            config,
            monitor: Some(&monitor),
        };
        write_message(tx.c, &target, &record, now, &mut tx.fx)?;
        wrote = true;
    }
    Ok(wrote)
}
