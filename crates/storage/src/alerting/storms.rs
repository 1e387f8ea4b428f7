//! Storms (docs/behaviour.md, "Storms"): with a project's storm setting on, the first
//! message of a quiet project goes out at once, and the ones that follow are gathered
//! (a `storm` row of `alert_timers` per alert and channel, due at the window's end:
//! no in-memory timer) into one message per channel. Its link acknowledges the alerts
//! it names (a snapshot kept with the token). The rule itself is the core's
//! ([`overdue_core::route::storm`]); this module keeps its state (`storms`) and writes
//! the gathered messages.

use diesel::prelude::*;
use overdue_core::route::storm::{self, Admit, Direction, Storm, StormState};
use overdue_core::{AlertStatus, EventKind, EventRecord, MonitorRef, Timestamp};

use crate::alerting::messages::{write_message, Target};
use crate::alerting::timers::TimerRow;
use crate::base::schema::{alert_timers, alerts, channels, projects, storm_members, storms};
use crate::base::statements::on_inner;
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// The timer kind of a gathered message.
pub(crate) const KIND: &str = "storm";

/// Project `project`'s storm setting (`None`: off, or no such project).
pub(crate) fn setting(c: &mut AnyConnection, project: &str) -> Result<Option<Storm>, StoreError> {
    // A primary-key lookup with no `LIMIT ?`, which SQLite recompiles on every run.
    let found: Vec<(i64, i64)> = projects::table
        .find(project)
        .select((projects::storm_wait_ms, projects::storm_interval_ms))
        .load(c)?;
    Ok(found
        .into_iter()
        .next()
        .and_then(|(w, i)| Storm::stored(w, i)))
}

/// Decides whether a message about to go `direction` in `project` goes now (the
/// project was quiet: the storm's first message) or is gathered until the returned
/// time; keeps the storm's state. The row is locked first, so two instances agree.
pub(crate) fn admit(
    tx: &mut Tx<'_>,
    project: &str,
    setting: Storm,
    direction: Direction,
) -> Result<Admit, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let key = (project, direction.as_str());
    // A project that never stormed starts from a message sent long ago.
    let fresh = (
        storms::project_id.eq(project),
        storms::direction.eq(direction.as_str()),
        storms::last_sent_at.eq(0_i64),
        storms::batches.eq(0),
    );
    on_inner!(c, |inner| diesel::insert_into(storms::table)
        .values(fresh)
        .on_conflict_do_nothing()
        .execute(inner))?;
    // Takes the row's lock on PostgreSQL before reading it.
    diesel::update(storms::table.find(key))
        .set(storms::batches.eq(storms::batches))
        .execute(c)?;
    let state: Option<StormState> = storms::table
        .find(key)
        .select((storms::last_sent_at, storms::batches, storms::pending_until))
        .load::<(i64, i32, Option<i64>)>(c)?
        .into_iter()
        .next()
        .map(|(last_sent_at, batches, pending_until)| StormState {
            last_sent_at,
            batches,
            pending_until,
        });
    let decision = storm::admit(setting, state.as_ref(), now);
    match decision {
        Admit::Now => {
            diesel::update(storms::table.find(key))
                .set((
                    storms::last_sent_at.eq(now.0),
                    storms::batches.eq(0),
                    storms::pending_until.eq(None::<i64>),
                ))
                .execute(c)?;
        }
        Admit::Gather(due) => {
            diesel::update(storms::table.find(key))
                .set(storms::pending_until.eq(Some(due.0)))
                .execute(c)?;
        }
    }
    Ok(decision)
}

/// Gathers `record` (about alert `alert`) for `channels` until `due`.
pub(crate) fn gather(
    tx: &mut Tx<'_>,
    alert: i64,
    direction: Direction,
    channels: &[String],
    due: Timestamp,
    record: &EventRecord,
) -> Result<(), StoreError> {
    let payload = serde_json::to_string(record).map_err(|e| StoreError::Internal(e.to_string()))?;
    let key = group_key(direction, &record.monitor.project);
    for ch in channels {
        let row = (
            alert_timers::alert_id.eq(alert),
            alert_timers::route_id.eq(ch),
            alert_timers::kind.eq(KIND),
            alert_timers::step.eq(0),
            alert_timers::due_at.eq(due.0),
            alert_timers::payload.eq(Some(&payload)),
            alert_timers::group_key.eq(Some(&key)),
        );
        on_inner!(tx.conn(), |inner| diesel::insert_into(alert_timers::table)
            .values(row)
            .execute(inner))?;
    }
    Ok(())
}

/// A storm timer's group: its direction and project (`down <project id>`).
fn group_key(direction: Direction, project: &str) -> String {
    format!("{} {project}", direction.as_str())
}

/// Sends what a storm gathered (`due`: its due timers, claimed here) — per channel one
/// message: an alert alone as itself, several as one `alerts.grouped` message. Alerts
/// acknowledged or resolved while gathered are left out of a `down` message (nobody
/// heard of them). Returns how many messages were written.
pub(crate) fn fire(tx: &mut Tx<'_>, due: &[&TimerRow]) -> Result<usize, StoreError> {
    let mut keys: Vec<&str> = due.iter().filter_map(|t| t.group_key.as_deref()).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut sent = 0;
    for key in keys {
        let Some((dir, project)) = key
            .split_once(' ')
            .and_then(|(d, p)| Direction::parse(d).map(|d| (d, p)))
        else {
            continue;
        };
        // Every due row of this storm, not only those of the caller's batch: one
        // message per channel, however many alerts it gathered.
        let now = tx.now();
        let rows: Vec<TimerRow> = alert_timers::table
            .filter(alert_timers::due_at.le(now.0))
            .filter(alert_timers::kind.eq(KIND))
            .filter(alert_timers::group_key.eq(key))
            .select(TimerRow::as_select())
            .load(tx.conn())?;
        let rows: Vec<&TimerRow> = rows.iter().collect();
        sent += fire_one(tx, dir, project, &rows)?;
    }
    Ok(sent)
}

fn fire_one(
    tx: &mut Tx<'_>,
    dir: Direction,
    project: &str,
    rows: &[&TimerRow],
) -> Result<usize, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let mut members: Vec<(String, i64, EventRecord)> = Vec::new();
    for t in rows {
        if diesel::delete(alert_timers::table.find(t.id)).execute(c)? == 0 {
            continue;
        }
        let Some(record) = t
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str::<EventRecord>(p).ok())
        else {
            continue;
        };
        members.push((t.route_id.clone(), t.alert_id, record));
    }
    if dir == Direction::Down {
        let ids: Vec<i64> = members.iter().map(|(_, a, _)| *a).collect();
        let open: Vec<i64> = alerts::table
            .filter(alerts::id.eq_any(&ids))
            .filter(alerts::status.eq(AlertStatus::Open.as_str()))
            .select(alerts::id)
            .load(c)?;
        members.retain(|(_, a, _)| open.contains(a));
    }
    let mut chans: Vec<String> = members.iter().map(|(ch, _, _)| ch.clone()).collect();
    chans.sort_unstable();
    chans.dedup();
    let found: Vec<(String, String, String)> = channels::table
        .filter(channels::id.eq_any(&chans))
        .select((channels::id, channels::kind, channels::config))
        .load(c)?;
    let mut sent = 0;
    for (id, kind, config) in &found {
        let mine: Vec<&(String, i64, EventRecord)> =
            members.iter().filter(|(ch, _, _)| ch == id).collect();
        let target = Target {
            project,
            channel: id,
            kind,
            config,
            monitor: None,
        };
        match mine.as_slice() {
            [] => continue,
            [(_, _, record)] => {
                let target = Target {
                    monitor: Some(&record.monitor.uuid),
                    ..target
                };
                write_message(tx, &target, record)?;
            }
            many => {
                let records: Vec<&EventRecord> = many.iter().map(|(_, _, r)| r).collect();
                let record = gathered(&records, dir, project, now);
                write_message(tx, &target, &record)?;
                // Who heard of each alert, and its own message (for reminders).
                for (ch, alert, own) in many {
                    let payload = serde_json::to_string(own)
                        .map_err(|e| StoreError::Internal(e.to_string()))?;
                    let row = (
                        storm_members::alert_id.eq(*alert),
                        storm_members::channel_id.eq(ch),
                        storm_members::payload.eq(payload),
                    );
                    on_inner!(tx.conn(), |inner| diesel::insert_into(storm_members::table)
                        .values(row)
                        .on_conflict_do_nothing()
                        .execute(inner))?;
                }
            }
        }
        sent += 1;
    }
    let c = tx.conn();
    let state = storms::table.find((project, dir.as_str()));
    if sent > 0 {
        diesel::update(state)
            .set((
                storms::last_sent_at.eq(now.0),
                storms::batches.eq(storms::batches + 1),
                storms::pending_until.eq(None::<i64>),
            ))
            .execute(c)?;
    } else {
        diesel::update(state)
            .set(storms::pending_until.eq(None::<i64>))
            .execute(c)?;
    }
    Ok(sent)
}

/// One message for the alerts a storm gathered for one channel: the count and what
/// they share in `detail`, each alert's headline listed, the first alert's note
/// standing for all (its link acknowledges exactly the alerts named).
fn gathered(
    records: &[&EventRecord],
    dir: Direction,
    project: &str,
    now: Timestamp,
) -> EventRecord {
    let first = records[0];
    let mut note = first.alert.clone();
    if let Some(n) = note.as_mut() {
        n.count = records.len() as u64;
        n.incidents = records
            .iter()
            .filter_map(|r| r.alert.as_ref().map(|a| a.dedup_key.clone()))
            .collect();
        n.members = records
            .iter()
            .filter_map(|r| r.alert.as_ref().map(|a| a.id))
            .collect();
        n.ack_token = None;
        n.opened_at = None;
        // Its own thread: the alerts it names differ from any one alert's.
        n.thread = None;
    }
    let items = records
        .iter()
        .take(overdue_core::ProblemsNote::MAX_ITEMS)
        .map(|r| overdue_core::ProblemItem::headline_of(r))
        .collect();
    let name = first
        .monitor
        .project_name
        .clone()
        .unwrap_or_else(|| "this project".into());
    let (status, previous) = match dir {
        Direction::Down => ("down", "up"),
        Direction::Up => ("up", "down"),
    };
    EventRecord {
        event: EventKind::Grouped,
        monitor: MonitorRef {
            uuid: String::new(),
            name: name.clone(),
            slug: None,
            tags: Vec::new(),
            project: project.to_string(),
            project_name: Some(name),
        },
        status: status.into(),
        previous_status: previous.into(),
        reason: None,
        detail: Some(storm::summary(records, dir)),
        at: now.to_rfc3339(),
        body: None,
        problems: Some(overdue_core::ProblemsNote {
            count: records.len() as u64,
            items,
        }),
        alert: note,
        expected: None,
        last_ping: None,
        expected_at: None,
        last_ping_at: None,
        run: None,
    }
}

/// The channels told of these alerts inside a storm's gathered messages.
pub(crate) fn told(c: &mut AnyConnection, alerts: &[i64]) -> Result<Vec<String>, StoreError> {
    let q = storm_members::table
        .filter(storm_members::alert_id.eq_any(alerts))
        .select(storm_members::channel_id)
        .distinct();
    Ok(on_inner!(c, |inner| q.load(inner))?)
}

/// An alert's own message, when a storm's gathered message told of it (what its
/// reminders repeat).
pub(crate) fn own_message(c: &mut AnyConnection, alert: i64) -> Result<Option<String>, StoreError> {
    Ok(storm_members::table
        .filter(storm_members::alert_id.eq(alert))
        .select(storm_members::payload)
        .load::<String>(c)?
        .into_iter()
        .next())
}

/// Writes `record` to `targets` (chat, e-mail, push and SMS channels: id, kind,
/// config) of `project` about monitor or flow `owner`, or gathers it there: a first message or a resolution
/// while the project's storm setting is on (docs/behaviour.md, "Storms").
pub(crate) fn write_or_gather(
    tx: &mut Tx<'_>,
    project: &str,
    owner: &str,
    record: &EventRecord,
    targets: &[&(String, String, String)],
) -> Result<(), StoreError> {
    if targets.is_empty() {
        return Ok(());
    }
    let direction = match record.alert.as_ref().map(|a| (a.transition, a.id)) {
        Some((overdue_core::Transition::Trigger, id)) => Some((Direction::Down, id)),
        Some((overdue_core::Transition::Resolve, id)) => Some((Direction::Up, id)),
        _ => None,
    };
    let decision = match direction {
        Some((dir, id)) => match tx.remember("storm setting", project, |c| setting(c, project))? {
            Some(s) => Some((admit(tx, project, s, dir)?, dir, id)),
            None => None,
        },
        None => None,
    };
    if let Some((Admit::Gather(due), dir, id)) = decision {
        let ids: Vec<String> = targets.iter().map(|(id, _, _)| id.clone()).collect();
        return gather(tx, id, dir, &ids, due, record);
    }
    for (id, kind, config) in targets {
        let target = Target {
            project,
            channel: id,
            kind,
            config,
            monitor: Some(owner),
        };
        write_message(tx, &target, record)?;
    }
    Ok(())
}
