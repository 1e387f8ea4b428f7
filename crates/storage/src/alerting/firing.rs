//! Firing due timers of routed alerts: each is claimed by deleting its row in the
//! transaction that writes its messages, so two instances fire a timer once and a crash
//! before commit leaves it due. A reminder or escalation step of an alert that was
//! acknowledged or resolved meanwhile just goes away; one that falls inside a silence
//! waits for its end. A held message (quiet route, silence) goes out when released if
//! its alert is still open and unacknowledged; alerts that resolved while held are
//! listed in one summary per route or silence.

use diesel::prelude::*;
use overdue_core::{AlertStatus, EventRecord, Transition};

use crate::alerting::messages::{write_message, Target};
use crate::alerting::timers::{arm, insert, TimerRow};
use crate::base::schema::{alert_timers, alerts, channels, monitor_channels, outbox};
use crate::base::tx::Tx;
use crate::StoreError;

/// What firing one timer did.
enum Fired {
    /// Nothing (claimed elsewhere, alert acknowledged or gone, route deleted, held on).
    Nothing,
    /// Messages were written.
    Sent,
    /// A held alert resolved while held: it goes into the summary of what held it.
    HeldResolved(HeldAlert),
}

/// An alert that opened and resolved while a quiet route or a silence held it.
struct HeldAlert {
    /// The route or silence.
    source: String,
    /// What held it, in words: "night SMS was quiet", "silence "deploy" was on".
    held_by: String,
    /// Where its summary goes.
    channels: Vec<String>,
    project: String,
    severity: String,
    summary: String,
}

/// Fires due timers: claims each (another instance may have), and when its alert is
/// still open and unacknowledged writes the reminder, the escalation step or the held
/// message, arming what comes next; alerts that resolved while held are listed in one
/// summary message per route or silence. Returns how many timers wrote messages.
pub fn fire_batch(tx: &mut Tx<'_>, due: &[TimerRow]) -> Result<usize, StoreError> {
    let mut sent = 0;
    let mut held: Vec<HeldAlert> = Vec::new();
    // A route's group: every due member at once, one message.
    let mut groups: Vec<(&str, &str)> = due
        .iter()
        .filter(|t| t.kind == "group")
        .map(|t| (t.route_id.as_str(), t.group_key.as_deref().unwrap_or("")))
        .collect();
    groups.sort();
    groups.dedup();
    for (route, key) in groups {
        let members: Vec<&TimerRow> = due
            .iter()
            .filter(|t| {
                t.kind == "group"
                    && t.route_id == route
                    && t.group_key.as_deref().unwrap_or("") == key
            })
            .collect();
        if crate::alerting::grouping::fire_group(tx, route, key, &members)? {
            sent += 1;
        }
    }
    // A storm's gathered messages (docs/behaviour.md, "Storms").
    let gathered: Vec<&TimerRow> = due
        .iter()
        .filter(|t| t.kind == crate::alerting::storms::KIND)
        .collect();
    if !gathered.is_empty() {
        sent += crate::alerting::storms::fire(tx, &gathered)?;
    }
    for t in due
        .iter()
        .filter(|t| t.kind != "group" && t.kind != crate::alerting::storms::KIND)
    {
        match fire(tx, t)? {
            Fired::Nothing => {}
            Fired::Sent => sent += 1,
            Fired::HeldResolved(h) => held.push(h),
        }
    }
    let mut sources: Vec<String> = held.iter().map(|h| h.source.clone()).collect();
    sources.sort();
    sources.dedup();
    for source in sources {
        let of: Vec<&HeldAlert> = held.iter().filter(|h| h.source == source).collect();
        summarize(tx, &of)?;
        sent += 1;
    }
    Ok(sent)
}

fn fire(tx: &mut Tx<'_>, t: &TimerRow) -> Result<Fired, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let claimed = diesel::delete(alert_timers::table.find(t.id)).execute(c)?;
    if claimed == 0 {
        return Ok(Fired::Nothing);
    }
    if t.kind == "digest" {
        return digest(tx, t);
    }
    let alert: Option<crate::alerting::alerts::AlertRow> = alerts::table
        .find(t.alert_id)
        .select(crate::alerting::alerts::AlertRow::as_select())
        .first(c)
        .optional()?;
    let Some(a) = alert else {
        return Ok(Fired::Nothing);
    };
    let opened_at = a.opened_at;
    let (status, project, severity, summary) = (a.status, a.project_id, a.severity, a.summary);
    let (monitor, flow) = (a.monitor_id, a.flow_id);
    // The monitor or flow it is about (gone: nothing more to say).
    let Some(row) = monitor
        .or(flow)
        .map(|id| crate::alerting::notices::owner_of(c, &id))
        .transpose()?
        .flatten()
    else {
        return Ok(Fired::Nothing);
    };
    // What is held is sent as it was held; reminders and steps repeat the first message.
    let stored = if t.payload.is_some() {
        t.payload.clone()
    } else {
        let own: Option<String> = outbox::table
            .filter(outbox::alert_id.eq(t.alert_id))
            .filter(outbox::transition.eq("trigger"))
            .order(outbox::id.asc())
            .select(outbox::payload)
            .first(c)
            .optional()?;
        match own {
            Some(p) => Some(p),
            // Told inside a storm's gathered message: its own message is kept there.
            None => crate::alerting::storms::own_message(c, t.alert_id)?,
        }
    };
    let Some(record) = stored.and_then(|p| serde_json::from_str::<EventRecord>(&p).ok()) else {
        return Ok(Fired::Nothing);
    };
    let resolved = match AlertStatus::parse(&status) {
        Some(AlertStatus::Open) => false,
        Some(AlertStatus::Resolved) if t.payload.is_some() => true,
        _ => return Ok(Fired::Nothing),
    };
    if t.kind == "silence" {
        if resolved {
            let silence = crate::alerting::silences::get(c, &project, &t.route_id)?;
            return Ok(Fired::HeldResolved(HeldAlert {
                source: silence.id,
                held_by: format!("silence {:?} was on", silence.comment),
                channels: reach_now(tx, &row, &record)?,
                project,
                severity,
                summary,
            }));
        }
        // Routed as a new alert now: the monitor's channels and the routes (which arm
        // their clocks, or hold it again on a quiet route or a later silence).
        crate::alerting::notices::enqueue_for(tx, &row, &[record])?;
        return Ok(Fired::Sent);
    }
    let Ok(stored_route) = crate::alerting::routes::get(c, &project, &t.route_id) else {
        // The route that held it is gone: held means deferred, never dropped — it is
        // routed anew, as a silence's alert is.
        if t.kind == "release" && !resolved {
            crate::alerting::notices::enqueue_for(tx, &row, &[record])?;
            return Ok(Fired::Sent);
        }
        return Ok(Fired::Nothing);
    };
    let route = stored_route.rule();
    if resolved {
        return Ok(Fired::HeldResolved(HeldAlert {
            source: route.id.clone(),
            held_by: format!("{} was quiet", stored_route.name),
            channels: route.channels.clone(),
            project,
            severity,
            summary,
        }));
    }
    // A reminder or step inside a silence waits for its end, like a new alert.
    if t.kind != "release" {
        let silences = crate::alerting::silences::current(c, &project, now)?;
        let parts = overdue_core::route::Parts::of(&record);
        if let Some((_, until)) =
            overdue_core::route::silenced_until(&silences, &parts.subject(&record), now)
        {
            insert(c, t.alert_id, &t.route_id, &t.kind, t.step, until.0)?;
            return Ok(Fired::Nothing);
        }
    }
    let told: Vec<Option<String>> = outbox::table
        .filter(outbox::alert_id.eq(t.alert_id))
        .filter(outbox::transition.eq("trigger"))
        .select(outbox::channel_id)
        .distinct()
        .load(c)?;
    let mut told: Vec<String> = told.into_iter().flatten().collect();
    told.extend(crate::alerting::storms::told(c, &[t.alert_id])?);
    let fresh = |list: &[String]| -> Vec<String> {
        list.iter()
            .filter(|ch| !told.contains(ch))
            .cloned()
            .collect()
    };
    let mut reminded: Vec<String> = Vec::new();
    let (targets, transition) = match t.kind.as_str() {
        "repeat" => {
            if let Some(every) = route.repeat_every_ms {
                insert(c, t.alert_id, &t.route_id, "repeat", 0, t.due_at + every)?;
            }
            (route.channels.clone(), Transition::Repeat)
        }
        "release" => {
            // The window opened: the clocks of reminders and escalation start now.
            arm(c, t.alert_id, &[&route], now)?;
            let held = overdue_core::report::Metric::held_for(now.0 - opened_at);
            crate::alerting::tallies::count(c, &project, &row.id, now, held, 1)?;
            (fresh(&route.channels), Transition::Trigger)
        }
        _ => {
            let n = route.escalate.len();
            let step = t.step as usize;
            // Past the last step only a looping route goes on (round after round).
            if n == 0 || (step >= n && !route.escalate_loop) {
                return Ok(Fired::Nothing);
            }
            let s = &route.escalate[step % n];
            let next = match route.escalate.get(step % n + 1) {
                Some(next) => Some(t.due_at + (next.after_ms - s.after_ms)),
                // Starting over: the first step's delay, counted from this one.
                None if route.escalate_loop => Some(t.due_at + route.escalate[0].after_ms),
                None => None,
            };
            if let Some(due) = next {
                insert(c, t.alert_id, &t.route_id, "escalate", t.step + 1, due)?;
            }
            // Backups that already heard of it are not told again in the first round;
            // in later rounds they are reminded.
            if step >= n {
                reminded = s
                    .channels
                    .iter()
                    .filter(|ch| told.contains(ch))
                    .cloned()
                    .collect();
            }
            (fresh(&s.channels), Transition::Trigger)
        }
    };
    if !reminded.is_empty() {
        crate::alerting::messages::send_to(
            tx,
            &project,
            &row.id,
            &reminded,
            record.clone(),
            Transition::Repeat,
        )?;
    }
    let wrote =
        crate::alerting::messages::send_to(tx, &project, &row.id, &targets, record, transition)?;
    Ok(if wrote { Fired::Sent } else { Fired::Nothing })
}

/// A route's daily digest, at its time of day: to its channels (never paging ones);
/// inside the route's quiet hours it waits for them to end.
fn digest(tx: &mut Tx<'_>, t: &TimerRow) -> Result<Fired, StoreError> {
    let now = tx.now();
    let Some(record) = t
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str::<EventRecord>(p).ok())
    else {
        return Ok(Fired::Nothing);
    };
    let project = record.monitor.project.clone();
    let monitor = record.monitor.uuid.clone();
    let Ok(route) = crate::alerting::routes::get(tx.conn(), &project, &t.route_id) else {
        return Ok(Fired::Nothing);
    };
    let rule = route.rule();
    // Its time of day fell in the route's quiet hours: it waits for them to end.
    if let Some(open) = rule
        .quiet
        .as_ref()
        .filter(|q| q.contains(now))
        .and_then(|q| q.ends_after(now))
    {
        crate::alerting::timers::hold_digest(tx.conn(), &t.route_id, open, &record)?;
        return Ok(Fired::Nothing);
    }
    let wrote = crate::alerting::messages::send_to(
        tx,
        &project,
        &monitor,
        &rule.channels,
        record,
        Transition::Digest,
    )?;
    Ok(if wrote { Fired::Sent } else { Fired::Nothing })
}

/// The channels an alert would reach now (the monitor's own and the routes').
fn reach_now(
    tx: &mut Tx<'_>,
    row: &crate::alerting::notices::Owner,
    record: &EventRecord,
) -> Result<Vec<String>, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let assigned: Vec<String> = monitor_channels::table
        .filter(monitor_channels::monitor_id.eq(&row.id))
        .select(monitor_channels::channel_id)
        .load(c)?;
    let routes = crate::alerting::routes::rules(c, &row.project)?;
    let parts = overdue_core::route::Parts::of(record);
    let sel = overdue_core::route::select(&routes, &assigned, &parts.subject(record), now);
    Ok(sel.channels.into_iter().map(|(ch, _)| ch).collect())
}

/// One message per channel listing the alerts that opened and resolved while a route
/// was quiet or a silence was on.
fn summarize(tx: &mut Tx<'_>, held: &[&HeldAlert]) -> Result<(), StoreError> {
    let now = tx.now();
    let Some(first) = held.first() else {
        return Ok(());
    };
    let items = held
        .iter()
        .take(overdue_core::ProblemsNote::MAX_ITEMS)
        .map(|h| overdue_core::ProblemItem {
            key: h.summary.clone(),
            severity: h.severity.clone(),
            message: "opened and resolved while held".into(),
            count: 1,
            details: None,
        })
        .collect();
    let record = EventRecord {
        event: overdue_core::EventKind::HeldSummary,
        monitor: overdue_core::MonitorRef {
            uuid: String::new(),
            name: first.held_by.clone(),
            slug: None,
            tags: Vec::new(),
            project: first.project.clone(),
            project_name: None,
        },
        status: "resolved".into(),
        previous_status: "open".into(),
        reason: None,
        detail: Some(first.held_by.clone()),
        at: now.to_rfc3339(),
        body: None,
        problems: Some(overdue_core::ProblemsNote {
            count: held.len() as u64,
            items,
        }),
        alert: None,
        expected: None,
        last_ping: None,
        expected_at: None,
        last_ping_at: None,
        run: None,
    };
    let mut targets: Vec<String> = held.iter().flat_map(|h| h.channels.clone()).collect();
    targets.sort();
    targets.dedup();
    let found: Vec<(String, String, String)> = channels::table
        .filter(channels::id.eq_any(&targets))
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
        write_message(tx, &target, &record)?;
    }
    Ok(())
}
