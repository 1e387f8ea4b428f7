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
use crate::schema::{alert_timers, alerts, channels, outbox};
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
    pub payload: Option<String>,
}

fn insert(
    c: &mut AnyConnection,
    alert: i64,
    route: &str,
    kind: &str,
    step: i32,
    due: i64,
) -> Result<(), StoreError> {
    insert_with(c, alert, route, kind, step, due, None)
}

fn insert_with(
    c: &mut AnyConnection,
    alert: i64,
    route: &str,
    kind: &str,
    step: i32,
    due: i64,
    payload: Option<String>,
) -> Result<(), StoreError> {
    let row = (
        alert_timers::alert_id.eq(alert),
        alert_timers::route_id.eq(route),
        alert_timers::kind.eq(kind),
        alert_timers::step.eq(step),
        alert_timers::due_at.eq(due),
        alert_timers::payload.eq(payload),
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

/// Holds an alert's message (`record`) on a quiet route until `opens` (its window's
/// end).
pub(crate) fn hold(
    c: &mut AnyConnection,
    alert: i64,
    route: &str,
    opens: Timestamp,
    record: &EventRecord,
) -> Result<(), StoreError> {
    let payload = serde_json::to_string(record).map_err(|e| StoreError::Internal(e.to_string()))?;
    insert_with(c, alert, route, "release", 0, opens.0, Some(payload))
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

/// What firing one timer did.
enum Fired {
    /// Nothing (claimed elsewhere, alert acknowledged or gone, route deleted).
    Nothing,
    /// Messages were written.
    Sent,
    /// A held alert resolved while its route was quiet: it goes into the route's
    /// summary.
    HeldResolved(HeldAlert),
}

/// An alert that opened and resolved while its route was quiet.
struct HeldAlert {
    route: String,
    project: String,
    severity: String,
    summary: String,
}

/// Fires due timers: claims each (another instance may have), and when its alert is
/// still open and unacknowledged writes the reminder, the escalation step or the held
/// messages, arming what comes next; alerts that resolved while their route was quiet
/// are listed in one summary message per route. Returns how many timers wrote messages.
pub fn fire_batch(tx: &mut Tx<'_>, due: &[TimerRow], now: Timestamp) -> Result<usize, StoreError> {
    let mut sent = 0;
    let mut held: Vec<HeldAlert> = Vec::new();
    for t in due {
        match fire(tx, t, now)? {
            Fired::Nothing => {}
            Fired::Sent => sent += 1,
            Fired::HeldResolved(h) => held.push(h),
        }
    }
    let mut routes: Vec<String> = held.iter().map(|h| h.route.clone()).collect();
    routes.sort();
    routes.dedup();
    for route in routes {
        let of: Vec<&HeldAlert> = held.iter().filter(|h| h.route == route).collect();
        summarize(tx, &of, now)?;
        sent += 1;
    }
    Ok(sent)
}

fn fire(tx: &mut Tx<'_>, t: &TimerRow, now: Timestamp) -> Result<Fired, StoreError> {
    let c = tx.conn();
    let claimed = diesel::delete(alert_timers::table.find(t.id)).execute(c)?;
    if claimed == 0 {
        return Ok(Fired::Nothing);
    }
    let alert: Option<(String, Option<String>, String, String, String)> = alerts::table
        .find(t.alert_id)
        .select((
            alerts::status,
            alerts::monitor_id,
            alerts::project_id,
            alerts::severity,
            alerts::summary,
        ))
        .first(c)
        .optional()?;
    let Some((status, Some(monitor), project, severity, summary)) = alert else {
        return Ok(Fired::Nothing);
    };
    let Ok(route) = crate::routes::get(c, &project, &t.route_id) else {
        return Ok(Fired::Nothing);
    };
    let route = route.rule();
    match AlertStatus::parse(&status) {
        Some(AlertStatus::Open) => {}
        Some(AlertStatus::Resolved) if t.kind == "release" => {
            return Ok(Fired::HeldResolved(HeldAlert {
                route: route.id,
                project,
                severity,
                summary,
            }));
        }
        _ => return Ok(Fired::Nothing),
    }
    // The alert's first message is what is repeated, escalated or released.
    let first: Option<String> = outbox::table
        .filter(outbox::alert_id.eq(t.alert_id))
        .filter(outbox::transition.eq("trigger"))
        .order(outbox::id.asc())
        .select(outbox::payload)
        .first(c)
        .optional()?;
    // A release sends the message as it was held; the others repeat the first.
    let stored = if t.kind == "release" {
        t.payload.clone()
    } else {
        first
    };
    let Some(record) = stored.and_then(|p| serde_json::from_str::<EventRecord>(&p).ok()) else {
        return Ok(Fired::Nothing);
    };
    let told: Vec<String> = outbox::table
        .filter(outbox::alert_id.eq(t.alert_id))
        .filter(outbox::transition.eq("trigger"))
        .select(outbox::channel_id)
        .distinct()
        .load(c)?;
    let fresh = |list: &[String]| -> Vec<String> {
        list.iter()
            .filter(|ch| !told.contains(ch))
            .cloned()
            .collect()
    };
    let (targets, transition) = match t.kind.as_str() {
        "repeat" => {
            if let Some(every) = route.repeat_every_ms {
                insert(c, t.alert_id, &t.route_id, "repeat", 0, t.due_at + every)?;
            }
            (route.channels.clone(), Transition::Repeat)
        }
        "release" => {
            // The window opened: the clocks of repeats and escalation start now.
            arm(c, t.alert_id, &[&route], now)?;
            (fresh(&route.channels), Transition::Trigger)
        }
        _ => {
            let step = t.step as usize;
            let Some(s) = route.escalate.get(step) else {
                return Ok(Fired::Nothing);
            };
            if let Some(next) = route.escalate.get(step + 1) {
                let due = t.due_at + (next.after_ms - s.after_ms);
                insert(c, t.alert_id, &t.route_id, "escalate", t.step + 1, due)?;
            }
            // Backups that already heard of it are not told again.
            (fresh(&s.channels), Transition::Trigger)
        }
    };
    let wrote = send(tx, &project, &monitor, &targets, record, transition, now)?;
    Ok(if wrote { Fired::Sent } else { Fired::Nothing })
}

/// Writes `record` as `transition` to each of `targets` that takes it.
fn send(
    tx: &mut Tx<'_>,
    project: &str,
    monitor: &str,
    targets: &[String],
    mut record: EventRecord,
    transition: Transition,
    now: Timestamp,
) -> Result<bool, StoreError> {
    if let Some(note) = record.alert.as_mut() {
        note.transition = transition;
        note.ack_token = None;
    }
    let found: Vec<(String, String, String)> = channels::table
        .filter(channels::id.eq_any(targets))
        .select((channels::id, channels::kind, channels::config))
        .load(tx.conn())?;
    let mut wrote = false;
    for (id, kind, config) in &found {
        if !transition.goes_to(overdue_core::alert::is_paging(kind)) {
            continue;
        }
        let target = Target {
            project,
            channel: id,
            kind,
            config,
            monitor: Some(monitor),
        };
        write_message(tx.c, &target, &record, now, &mut tx.fx)?;
        wrote = true;
    }
    Ok(wrote)
}

/// One message per channel of a route listing the alerts that opened and resolved
/// while it was quiet.
fn summarize(tx: &mut Tx<'_>, held: &[&HeldAlert], now: Timestamp) -> Result<(), StoreError> {
    let Some(first) = held.first() else {
        return Ok(());
    };
    let route = crate::routes::get(tx.conn(), &first.project, &first.route)?;
    let items = held
        .iter()
        .take(overdue_core::ProblemsNote::MAX_ITEMS)
        .map(|h| overdue_core::ProblemItem {
            key: h.summary.clone(),
            severity: h.severity.clone(),
            message: "opened and resolved while quiet".into(),
            count: 1,
            details: None,
        })
        .collect();
    let record = EventRecord {
        event: overdue_core::EventKind::HeldSummary,
        monitor: overdue_core::MonitorRef {
            uuid: String::new(),
            name: route.name.clone(),
            slug: None,
            tags: Vec::new(),
            project: first.project.clone(),
        },
        status: "resolved".into(),
        previous_status: "open".into(),
        reason: None,
        detail: None,
        at: now.to_rfc3339(),
        body: None,
        problems: Some(overdue_core::ProblemsNote {
            count: held.len() as u64,
            items,
        }),
        alert: None,
        expected: None,
        last_ping: None,
    };
    let found: Vec<(String, String, String)> = channels::table
        .filter(channels::id.eq_any(&route.rule().channels))
        .select((channels::id, channels::kind, channels::config))
        .load(tx.conn())?;
    for (id, kind, config) in &found {
        // Nothing for a paging channel to open or close.
        if overdue_core::alert::is_paging(kind) {
            continue;
        }
        let target = Target {
            project: &first.project,
            channel: id,
            kind,
            config,
            monitor: None,
        };
        write_message(tx.c, &target, &record, now, &mut tx.fx)?;
    }
    Ok(())
}
