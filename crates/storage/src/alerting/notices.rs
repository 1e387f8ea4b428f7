//! Notifications of a change, written to the outbox in the change's transaction: one
//! row per event and assigned channel that takes it, delivered (and retried) by the
//! notifier. Each is about an alert, opened or resolved here in the same transaction.

use diesel::prelude::*;
use overdue_core::alert::{self, AlertKind};
use overdue_core::{
    AlertNote, DownReason, EventKind, EventRecord, MonitorRef, Status, Timestamp, Transition,
};

use crate::alerting::alerts::{self, NewAlert};
use crate::alerting::messages::{write_message, Target};
use crate::base::models::MonitorRow;
use crate::base::schema::{channels, monitor_channels, outbox};
use crate::base::statements::on_inner;
use crate::base::tx::{lock_monitor, Tx};
use crate::{AnyConnection, StoreError};

/// One event about a monitor.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    /// What happened.
    pub(crate) kind: EventKind,
    /// The monitor's status after it.
    pub(crate) status: Status,
    /// Its status before.
    pub(crate) previous: Status,
    /// Why it went down.
    pub(crate) reason: Option<DownReason>,
    /// More about why (the step a run hung in).
    pub(crate) detail: Option<String>,
}

/// What the ping that caused the events adds to their messages.
#[derive(Debug, Default)]
pub(crate) struct Evidence {
    /// The ping's body (`$BODY`, truncated to 10 KB).
    pub(crate) body: Option<String>,
    /// When the ping counted as the monitor's last ping (ms): the stored row the
    /// message reads may be the one from before it.
    pub(crate) pinged_at: Option<i64>,
    /// The run the ping ended: exit status and duration.
    pub(crate) run: Option<overdue_core::event::RunNote>,
}

/// Writes `notices` for monitor `id` to every channel assigned to it, opening or
/// resolving the alert each is about. `row`: the monitor's row when the caller has it
/// (its name and tags go into the payload).
pub(crate) fn enqueue(
    tx: &mut Tx<'_>,
    id: &str,
    row: Option<&MonitorRow>,
    notices: &[Notice],
    evidence: Evidence,
) -> Result<(), StoreError> {
    let now = tx.now();
    let row = given_or_locked(tx.c, id, row)?;
    let row = row.as_ref();
    // The project's name for the messages, and its zone for times of a monitor
    // without its own (cron monitors have one): one read per event batch.
    let (project_name, project_tz) = project_facts(tx, &row.project_id)?;
    let mut records = Vec::with_capacity(notices.len());
    for n in notices {
        let mut monitor = monitor_ref(row);
        monitor.project_name.clone_from(&project_name);
        let mut record = EventRecord {
            event: n.kind,
            monitor,
            status: n.status.as_str().into(),
            previous_status: n.previous.as_str().into(),
            reason: n.reason.map(|r| r.as_str().to_string()),
            detail: n.detail.clone(),
            at: now.to_rfc3339(),
            body: evidence.body.clone(),
            run: evidence.run.clone(),
            problems: None,
            alert: None,
            expected: None,
            last_ping: None,
            expected_at: None,
            last_ping_at: None,
        };
        if n.kind == EventKind::MonitorDown {
            // A cron or calendar schedule has its own zone; other monitors keep a
            // default one that means nothing to people.
            let own = (row.schedule_kind == "cron").then_some(row.tz.as_str());
            let tz = own
                .filter(|t| !t.is_empty())
                .or(project_tz.as_deref().filter(|t| !t.is_empty()));
            if n.reason == Some(DownReason::Missed) {
                let expected = row.next_due_at.map(Timestamp);
                record.expected = expected.map(|t| t.local_text(tz, true));
                record.expected_at = expected.map(|t| t.to_rfc3339());
            }
            // A first ping that failed is a last ping too ("never" would be untrue).
            let last = evidence.pinged_at.or(row.last_ping_at).map(Timestamp);
            record.last_ping = last.map(|t| t.local_text(tz, false));
            record.last_ping_at = last.map(|t| t.to_rfc3339());
        }
        match alert_for(tx, row, &record)? {
            Some(note) => record.alert = Some(note),
            // A resolution with no alert to resolve announces nothing (a muted down).
            None if resolves(n.kind) && n.kind != EventKind::MonitorUp => continue,
            None => {}
        }
        records.push(record);
    }
    enqueue_records(tx, row, &records)
}

/// A project's name and zone for messages: one read per batch of the writer (both
/// callers of a flip's messages ask for them).
fn project_facts(
    tx: &mut Tx<'_>,
    project: &str,
) -> Result<(Option<String>, Option<String>), StoreError> {
    use crate::base::schema::projects;
    tx.remember("project name and zone", project, |c| {
        // No `.first()`: its bound `LIMIT ?` makes SQLite recompile the statement on
        // every execution (see `lock_monitor`); a primary-key lookup needs no limit.
        Ok(projects::table
            .find(project)
            .select((projects::name, projects::tz))
            .load::<(String, String)>(c)?
            .into_iter()
            .next()
            .unzip())
    })
}

fn resolves(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::MonitorUp | EventKind::MonitorPaused | EventKind::MonitorDeleted
    )
}

/// Opens or resolves the alert a monitor event is about; the note its messages carry.
fn alert_for(
    tx: &mut Tx<'_>,
    row: &MonitorRow,
    record: &EventRecord,
) -> Result<Option<AlertNote>, StoreError> {
    let now = tx.now();
    if let Some(kind) = record.event.opens() {
        let down_severity = row
            .rules()
            .ok()
            .and_then(|r| r.severity)
            .unwrap_or_else(|| "error".into());
        let alert = alerts::open_in(
            tx,
            NewAlert {
                project: &row.project_id,
                flow: None,
                monitor: Some(&row.id),
                channel: None,
                kind,
                severity: if kind == AlertKind::Down {
                    &down_severity
                } else {
                    "warning"
                },
                summary: record.headline(),
                unique: now.0.to_string(),
                problem_id: None,
                reason: overdue_core::report::reason_of(
                    kind.as_str(),
                    record.reason.as_deref(),
                    record.detail.is_some(),
                ),
            },
        )?;
        let transition = if kind.is_one_shot() {
            Transition::Once
        } else {
            Transition::Trigger
        };
        return Ok(Some(alert.note(transition, 1)));
    }
    let (kinds, reason): (&[AlertKind], &str) = match record.event {
        EventKind::MonitorUp => (&[AlertKind::Down], "up"),
        EventKind::MonitorPaused => (&[AlertKind::Down], "paused"),
        EventKind::MonitorDeleted => (&[AlertKind::Down, AlertKind::Problem], "deleted"),
        _ => return Ok(None),
    };
    // The alerts to resolve may wait with the job's other flips.
    tx.flush_later()?;
    let c = tx.conn();
    let resolved = alerts::resolve_of_monitor(c, &row.id, kinds, reason, now)?;
    let Some(first) = resolved.first() else {
        return Ok(None);
    };
    let mut note = first.note(Transition::Resolve, resolved.len() as u64);
    note.reason = Some(reason.to_string());
    note.incidents = alerts::closed_groups(c, &resolved)?;
    Ok(Some(note))
}

/// Writes a message about an alert of monitor `id` (an acknowledgement) to the
/// monitor's channels that take it.
pub(crate) fn announce(tx: &mut Tx<'_>, id: &str, note: AlertNote) -> Result<(), StoreError> {
    let now = tx.now();
    let Some(row) = tx.lock_monitor(id)? else {
        return Ok(());
    };
    let record = acknowledged(monitor_ref(&row), &row.status, None, note, now);
    enqueue_records(tx, &row, &[record])
}

/// The message that an alert was acknowledged, about `owner` in status `status`.
fn acknowledged(
    owner: MonitorRef,
    status: &str,
    reason: Option<&str>,
    note: AlertNote,
    now: Timestamp,
) -> EventRecord {
    EventRecord {
        event: EventKind::AlertAcknowledged,
        monitor: owner,
        previous_status: status.into(),
        status: status.into(),
        reason: reason.map(str::to_string),
        detail: None,
        at: now.to_rfc3339(),
        body: None,
        problems: None,
        alert: Some(note),
        expected: None,
        last_ping: None,
        expected_at: None,
        last_ping_at: None,
        run: None,
    }
}

/// Writes a message about an alert of flow `id` (an acknowledgement) to the channels
/// that were told of it. The flow is read through the schema: alerting sits under
/// flows (docs/architecture.md, "The map").
pub(crate) fn announce_flow(tx: &mut Tx<'_>, id: &str, note: AlertNote) -> Result<(), StoreError> {
    use crate::base::schema::flows;
    let now = tx.now();
    let found: Option<(String, String, String, String)> = flows::table
        .find(id)
        .select((flows::name, flows::slug, flows::tags, flows::project_id))
        .first(tx.conn())
        .optional()?;
    let Some((name, slug, tags, project)) = found else {
        return Ok(());
    };
    let flow = MonitorRef {
        uuid: id.to_string(),
        name,
        slug: Some(slug),
        tags: tags.split_whitespace().map(str::to_string).collect(),
        project: project.clone(),
        project_name: None,
    };
    let record = acknowledged(flow, "down", Some("breach"), note, now);
    let owner = Owner {
        id: id.to_string(),
        project,
    };
    enqueue_for(tx, &owner, &[record])
}

/// The monitor's row: the one the caller has, else read (and locked) now.
pub(crate) fn given_or_locked<'a>(
    c: &mut AnyConnection,
    id: &str,
    row: Option<&'a MonitorRow>,
) -> Result<std::borrow::Cow<'a, MonitorRow>, StoreError> {
    match row {
        Some(r) => Ok(std::borrow::Cow::Borrowed(r)),
        None => lock_monitor(c, id)?
            .map(std::borrow::Cow::Owned)
            .ok_or(StoreError::NotFound("monitor")),
    }
}

/// The monitor as events name it.
pub(crate) fn monitor_ref(row: &MonitorRow) -> MonitorRef {
    MonitorRef {
        uuid: row.id.clone(),
        name: row.name.clone(),
        slug: row.slug.clone(),
        tags: row.tag_list(),
        project: row.project_id.clone(),
        project_name: None,
    }
}

/// Writes each record to the channels it goes to that take its transition (paging
/// channels get incidents only; a record about no alert, such as a digest, never
/// pages): a new message to the monitor's own channels and those of the project's
/// routes that match it now; a resolution or acknowledgement to the channels that were
/// told of the alert. A message that asks someone to act carries a fresh
/// acknowledgement token for its channel.
pub(crate) fn enqueue_records(
    tx: &mut Tx<'_>,
    row: &MonitorRow,
    records: &[EventRecord],
) -> Result<(), StoreError> {
    let owner = Owner {
        id: row.id.clone(),
        project: row.project_id.clone(),
    };
    enqueue_for(tx, &owner, records)
}

/// Whose alerts messages are about: a monitor, or a flow (both assign their own
/// channels in `monitor_channels`, the implicit first route).
#[derive(Debug, Clone)]
pub(crate) struct Owner {
    /// The monitor's or flow's id.
    pub(crate) id: String,
    /// Its project.
    pub(crate) project: String,
}

/// The monitor or flow of id `id`, if it still exists.
pub(crate) fn owner_of(c: &mut AnyConnection, id: &str) -> Result<Option<Owner>, StoreError> {
    use crate::base::schema::{flows, monitors};
    let project: Option<String> = monitors::table
        .find(id)
        .select(monitors::project_id)
        .first(c)
        .optional()?;
    let project = match project {
        Some(p) => Some(p),
        None => flows::table
            .find(id)
            .select(flows::project_id)
            .first(c)
            .optional()?,
    };
    Ok(project.map(|project| Owner {
        id: id.to_string(),
        project,
    }))
}

/// The memo key (`Tx::remember`) of a monitor's or flow's own channels, in id order:
/// the writer's batch primes it for a burst's monitors in one statement.
pub(crate) const ASSIGNED: &str = "assigned channels";

/// Primes the own channels of `ids` (monitors the writer's batch read together) in one
/// statement, so their flips' messages make no query for them.
pub(crate) fn prime_assigned(tx: &mut Tx<'_>, ids: &[String]) -> Result<(), StoreError> {
    if ids.is_empty() || !tx.remembers() {
        return Ok(());
    }
    let pairs: Vec<(String, String)> = monitor_channels::table
        .filter(monitor_channels::monitor_id.eq_any(ids))
        .order((monitor_channels::monitor_id, monitor_channels::channel_id))
        .select((monitor_channels::monitor_id, monitor_channels::channel_id))
        .load(tx.conn())?;
    let mut by_monitor: std::collections::HashMap<&str, Vec<String>> =
        ids.iter().map(|id| (id.as_str(), Vec::new())).collect();
    for (monitor, channel) in &pairs {
        if let Some(list) = by_monitor.get_mut(monitor.as_str()) {
            list.push(channel.clone());
        }
    }
    for (monitor, list) in by_monitor {
        tx.prime(ASSIGNED, monitor, std::sync::Arc::new(list));
    }
    Ok(())
}

/// [`enqueue_records`] for any owner.
pub(crate) fn enqueue_for(
    tx: &mut Tx<'_>,
    owner: &Owner,
    records: &[EventRecord],
) -> Result<(), StoreError> {
    let now = tx.now();
    if records.is_empty() {
        return Ok(());
    }
    let assigned = tx.remember(ASSIGNED, &owner.id, |c| {
        let q = monitor_channels::table
            .filter(monitor_channels::monitor_id.eq(&owner.id))
            .order(monitor_channels::channel_id)
            .select(monitor_channels::channel_id);
        let list: Vec<String> = on_inner!(c, |inner| q.load(inner))?;
        Ok(std::sync::Arc::new(list))
    })?;
    let routes = tx.remember("routes", &owner.project, |c| {
        crate::alerting::routes::rules(c, &owner.project).map(std::sync::Arc::new)
    })?;
    let silences = tx.remember("silences", &owner.project, |c| {
        crate::alerting::silences::current(c, &owner.project, now).map(std::sync::Arc::new)
    })?;
    // Messages name the project: read once here unless the caller did.
    let named: Vec<EventRecord>;
    let records = if records.iter().all(|r| r.monitor.project_name.is_some()) {
        records
    } else {
        let name = project_facts(tx, &owner.project)?.0;
        named = records
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.monitor.project_name.clone_from(&name);
                r
            })
            .collect();
        &named
    };
    for record in records {
        let transition = record.alert.as_ref().map(|a| a.transition);
        let chosen =
            match transition {
                // Told to whoever heard of the alert, whatever the routes say now; an alert
                // still held (quiet route, silence) was told to no one.
                Some(Transition::Resolve | Transition::Acknowledge) => {
                    // Who was told may wait with the job's other flips.
                    tx.flush_later()?;
                    let told = notified(tx.c, record)?;
                    if !told.is_empty() {
                        told.into_iter().map(|ch| (ch, None)).collect()
                    } else if record.alert.as_ref().is_some_and(|a| {
                        crate::alerting::timers::is_held(tx.c, a.id).unwrap_or(false)
                    }) {
                        Vec::new()
                    } else {
                        route(&routes, &assigned, record, now).channels
                    }
                }
                // A silenced alert waits, whole, until the silence ends.
                Some(Transition::Trigger | Transition::Once)
                    if silenced(&silences, record, now).is_some() =>
                {
                    if let (Some((id, until)), Some(note)) =
                        (silenced(&silences, record, now), &record.alert)
                    {
                        crate::alerting::timers::silence(tx.c, note.id, &id, until, record)?;
                    }
                    Vec::new()
                }
                _ => {
                    let sel = route(&routes, &assigned, record, now);
                    // A digest waits for the time of day of the routes that have one.
                    if record.alert.is_none() {
                        for (route, at) in &sel.held {
                            crate::alerting::timers::hold_digest(tx.c, route, *at, record)?;
                        }
                    }
                    let mut chosen = sel.channels;
                    let grouped: Vec<&overdue_core::route::Route> = routes
                        .iter()
                        .filter(|r| sel.grouped.contains(&r.id))
                        .collect();
                    if let (Some(Transition::Trigger), Some(note)) = (transition, &record.alert) {
                        // Grouped routes arm their clocks when the group's message goes out.
                        let matched: Vec<&overdue_core::route::Route> = routes
                            .iter()
                            .filter(|r| sel.matched.contains(&r.id) && !sel.grouped.contains(&r.id))
                            .collect();
                        crate::alerting::timers::arm(tx.c, note.id, &matched, now)?;
                        for (route, opens) in &sel.held {
                            crate::alerting::timers::hold(tx.c, note.id, route, *opens, record)?;
                        }
                        for r in &grouped {
                            let key = overdue_core::route::group_key(
                                r.group_by.as_deref().unwrap_or("all"),
                                record,
                            );
                            crate::alerting::timers::group(tx.c, note.id, r, &key, record, now)?;
                            // Paging channels still get one event per alert, now.
                            for ch in &r.channels {
                                if !chosen.iter().any(|(x, _)| x == ch) {
                                    chosen.push((ch.clone(), Some(PAGING_ONLY.into())));
                                }
                            }
                        }
                    } else {
                        // Only first messages are gathered.
                        for r in &grouped {
                            for ch in &r.channels {
                                if !chosen.iter().any(|(x, _)| x == ch) {
                                    chosen.push((ch.clone(), Some(r.id.clone())));
                                }
                            }
                        }
                    }
                    chosen
                }
            };
        let paging_only: Vec<String> = chosen
            .iter()
            .filter(|(_, why)| why.as_deref() == Some(PAGING_ONLY))
            .map(|(ch, _)| ch.clone())
            .collect();
        let chosen: Vec<String> = chosen.into_iter().map(|(ch, _)| ch).collect();
        if chosen.is_empty() {
            continue;
        }
        // Each channel read once per batch (one statement prepared once, where
        // `IN (…)` was prepared for every message on SQLite).
        let mut targets: Vec<(String, String, String)> = Vec::with_capacity(chosen.len());
        for id in &chosen {
            let found = tx.remember("channel", id, |c| {
                let q = channels::table.find(id).select((
                    channels::id,
                    channels::kind,
                    channels::config,
                ));
                let rows: Vec<(String, String, String)> = on_inner!(c, |inner| q.load(inner))?;
                Ok(rows.into_iter().next())
            })?;
            targets.extend(found);
        }
        // People's channels hear of a storm in gathered messages (docs/behaviour.md,
        // "Storms").
        let mut people = Vec::new();
        for channel in &chosen {
            let Some((_, kind, config)) = targets.iter().find(|(id, _, _)| id == channel) else {
                continue;
            };
            let paging = alert::is_paging(kind);
            if !transition.map_or(!paging, |t| t.goes_to(paging)) {
                continue;
            }
            // A grouped route's other channels hear of it in the group's message.
            if !paging && paging_only.contains(channel) {
                continue;
            }
            if overdue_core::route::storm::gathers(kind) {
                if let Some(t) = targets.iter().find(|(id, _, _)| id == channel) {
                    people.push(t);
                }
                continue;
            }
            let target = Target {
                project: &owner.project,
                channel,
                kind,
                config,
                monitor: Some(&owner.id),
            };
            write_message(tx, &target, record)?;
        }
        crate::alerting::storms::write_or_gather(tx, &owner.project, &owner.id, record, &people)?;
    }
    Ok(())
}

/// Marks a grouped route's channel chosen only for paging kinds (the others get the
/// group's message).
const PAGING_ONLY: &str = "\u{0}paging-only";

/// The silence that holds `record` now, and until when.
fn silenced(
    silences: &[overdue_core::route::Silence],
    record: &EventRecord,
    now: Timestamp,
) -> Option<(String, Timestamp)> {
    if silences.is_empty() {
        return None;
    }
    let parts = overdue_core::route::Parts::of(record);
    overdue_core::route::silenced_until(silences, &parts.subject(record), now)
}

/// The channels for a new message about an alert: the monitor's own, then the routes'.
fn route(
    routes: &[overdue_core::route::Route],
    assigned: &[String],
    record: &EventRecord,
    now: Timestamp,
) -> overdue_core::route::Selection {
    let parts = overdue_core::route::Parts::of(record);
    overdue_core::route::select(routes, assigned, &parts.subject(record), now)
}

/// The channels that were sent a trigger (or an escalation) of the alert a resolution
/// or acknowledgement is about — its group and incidents included.
fn notified(c: &mut AnyConnection, record: &EventRecord) -> Result<Vec<String>, StoreError> {
    let Some(note) = &record.alert else {
        return Ok(Vec::new());
    };
    let mut ids = vec![note.id];
    if !note.incidents.is_empty() {
        let q = crate::base::schema::alerts::table
            .filter(crate::base::schema::alerts::dedup_key.eq_any(&note.incidents))
            .select(crate::base::schema::alerts::id);
        ids.extend(on_inner!(c, |inner| q.load::<i64>(inner))?);
    }
    // A grouped message's rows name the group's first alert.
    let groups = crate::base::schema::alerts::table
        .filter(crate::base::schema::alerts::id.eq_any(&ids))
        .select(crate::base::schema::alerts::group_id);
    let groups: Vec<Option<i64>> = on_inner!(c, |inner| groups.load(inner))?;
    ids.extend(groups.into_iter().flatten());
    let q = outbox::table
        .filter(outbox::alert_id.eq_any(&ids))
        .filter(outbox::transition.eq_any(["trigger", "escalate"]))
        .select(outbox::channel_id)
        .distinct();
    let told: Vec<Option<String>> = on_inner!(c, |inner| q.load(inner))?;
    let mut told: Vec<String> = told.into_iter().flatten().collect();
    // Those told inside a storm's gathered message.
    told.extend(crate::alerting::storms::told(c, &ids)?);
    // A paging channel whose overflow incident stands for the alert hears of it too.
    told.extend(crate::alerting::paging::channels_of(c, &ids)?);
    told.sort();
    told.dedup();
    Ok(told)
}
