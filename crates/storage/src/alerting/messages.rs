//! Writing one message to one channel: an outbox row per destination (each recipient of
//! an e-mail channel gets its own), with a fresh acknowledgement token when the message
//! asks someone to act. Used by every path that notifies (changes, timers, channel
//! health, tests).

use diesel::prelude::*;
use overdue_core::report::Metric;
use overdue_core::{EventKind, EventRecord, Transition};
use uuid::Uuid;

use crate::alerting::paging::{Page, Paged};
use crate::alerting::tokens;
use crate::base::schema::{channels, outbox};
use crate::base::statements::insert_id;
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// Where one message goes.
pub(crate) struct Target<'a> {
    /// The project.
    pub(crate) project: &'a str,
    /// The channel's id.
    pub(crate) channel: &'a str,
    /// Its kind.
    pub(crate) kind: &'a str,
    /// Its stored settings (an e-mail channel's recipients).
    pub(crate) config: &'a str,
    /// The monitor the message is about (orders its messages per destination).
    pub(crate) monitor: Option<&'a str>,
}

/// Writes one message to one channel: an outbox row per destination (each recipient of
/// an e-mail channel gets its own, so one refused address neither blocks nor
/// duplicates the others). A message that asks someone to act carries a fresh
/// acknowledgement token for its channel. Returns the ids of the rows written now (none
/// when they wait for the job's end: `Tx::defer_appends`).
pub(crate) fn write_message(
    tx: &mut Tx<'_>,
    to: &Target<'_>,
    record: &EventRecord,
) -> Result<Vec<i64>, StoreError> {
    let now = tx.now();
    let capped;
    let record = if overdue_core::alert::is_paging(to.kind) {
        // The cap counts the channel's messages: those waiting go out first.
        tx.flush_later()?;
        let c = tx.conn();
        let paged = Paged {
            project: to.project,
            channel: to.channel,
            config: to.config,
        };
        match crate::alerting::paging::cap(c, &paged, record, now)? {
            Page::Send => record,
            Page::Nothing => return Ok(Vec::new()),
            Page::Instead(r) => {
                capped = r;
                &*capped
            }
        }
    } else {
        record
    };
    // Every message names its project; most callers filled it in already.
    let named;
    let record = if record.monitor.project_name.is_none() {
        let mut r = record.clone();
        r.monitor.project_name = project_name(tx.c, to.project)?;
        named = r;
        &named
    } else {
        record
    };
    let transition = record.alert.as_ref().map(|a| a.transition.as_str());
    // An overflow stands for many alerts: no link acknowledges them all.
    let asks = record
        .alert
        .as_ref()
        .filter(|a| a.transition.wants_ack() && record.event != EventKind::Overflow);
    let plain = match asks {
        None => serde_json::to_string(record).map_err(internal)?,
        Some(_) => String::new(),
    };
    // Reports count pages (a new alert or a step of its escalation) per message and
    // channel for the whole project — one counter per channel and bucket, so a burst
    // of 100,000 flips updates one row instead of adding 100,000 (docs/benchmarks.md,
    // "Session 27") — and reminders per monitor (the noisiest list names them).
    let counted = match record.alert.as_ref().map(|a| a.transition) {
        Some(Transition::Trigger | Transition::Escalate) => {
            Some((Metric::Page(to.channel.into()), ""))
        }
        Some(Transition::Repeat) => Some((Metric::Reminder, to.monitor.unwrap_or_default())),
        _ => None,
    };
    if let Some((metric, subject)) = counted {
        crate::alerting::tallies::count_in(tx, to.project, subject, metric)?;
    }
    let mut ids = Vec::new();
    for recipient in recipients(to.kind, to.config) {
        // Each recipient gets their own link, so the one who acknowledges is named.
        let payload = match asks {
            Some(a) => {
                let mut with_token = record.clone();
                let who = Some(recipient.as_str()).filter(|r| !r.is_empty());
                let token = tokens::issue_token(tx, a, to.channel, who)?;
                if let Some(n) = with_token.alert.as_mut() {
                    n.ack_token = Some(token);
                }
                serde_json::to_string(&with_token).map_err(internal)?
            }
            None => plain.clone(),
        };
        let key = Uuid::new_v4().hyphenated().to_string();
        let alert = record.alert.as_ref().map(|a| a.id);
        tx.fx.notifications += 1;
        // In a burst on PostgreSQL the row waits for the job's end (no id to return).
        if let Some((_, later)) = tx.later() {
            let o = &mut later.outbox;
            o.project_id.push(to.project.to_string());
            o.channel_id.push(to.channel.to_string());
            o.monitor_id.push(to.monitor.map(str::to_string));
            o.event.push(record.event.as_str().to_string());
            o.payload.push(payload);
            o.idempotency_key.push(key);
            o.created_at.push(now.0);
            o.state.push("pending".into());
            o.attempts.push(0);
            o.next_attempt_at.push(now.0);
            o.alert_id.push(alert);
            o.transition.push(transition.map(str::to_string));
            o.recipient.push(recipient);
            continue;
        }
        let entry = (
            outbox::project_id.eq(to.project),
            outbox::channel_id.eq(to.channel),
            outbox::monitor_id.eq(to.monitor),
            outbox::event.eq(record.event.as_str()),
            outbox::payload.eq(&payload),
            outbox::idempotency_key.eq(key),
            outbox::created_at.eq(now.0),
            outbox::state.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now.0),
            outbox::alert_id.eq(alert),
            outbox::transition.eq(transition),
            outbox::recipient.eq(&recipient),
        );
        let id = insert_id!(
            tx.c,
            diesel::insert_into(outbox::table).values(entry),
            outbox::id
        )?;
        ids.push(id);
    }
    Ok(ids)
}

/// The name of project `id`, for messages (`None` if it is gone).
pub(crate) fn project_name(c: &mut AnyConnection, id: &str) -> Result<Option<String>, StoreError> {
    use crate::base::schema::projects;
    // A primary-key lookup with no `LIMIT ?`, which SQLite recompiles on every run.
    Ok(projects::table
        .find(id)
        .select(projects::name)
        .load::<String>(c)?
        .into_iter()
        .next())
}

/// The destinations of one message on a channel: each address of an e-mail channel's
/// `to`, else one (`""`).
fn recipients(kind: &str, config: &str) -> Vec<String> {
    if kind != "email" {
        return vec![String::new()];
    }
    serde_json::from_str::<serde_json::Value>(config)
        .ok()
        .and_then(|v| {
            v.get("to")?.as_array().map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect::<Vec<_>>()
            })
        })
        .filter(|to| !to.is_empty())
        .unwrap_or_else(|| vec![String::new()])
}

fn internal(e: serde_json::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

/// Writes `record` as `transition` to each of `targets` that takes it.
pub(crate) fn send_to(
    tx: &mut Tx<'_>,
    project: &str,
    monitor: &str,
    targets: &[String],
    mut record: EventRecord,
    transition: Transition,
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
        write_message(tx, &target, &record)?;
        wrote = true;
    }
    Ok(wrote)
}

/// Writes a channel test: a one-shot alert (resolved at once) and its message to
/// channel `channel` of `project`; `record` gets the channel and says the message.
/// Returns the outbox rows written (one per recipient).
pub fn enqueue_test(
    tx: &mut Tx<'_>,
    project: &str,
    channel: &str,
    record: impl FnOnce(&crate::base::models::ChannelRow) -> overdue_core::EventRecord,
) -> Result<Vec<i64>, StoreError> {
    let now = tx.now();
    let channel = crate::alerting::channels::get(tx.conn(), project, channel)?;
    let channel = &channel;
    let mut record = record(channel);
    let c = tx.conn();
    let alert = crate::alerting::alerts::open(
        c,
        crate::alerting::alerts::NewAlert {
            project,
            monitor: None,
            channel: None,
            flow: None,
            kind: overdue_core::AlertKind::Test,
            severity: "info",
            summary: record.headline(),
            unique: now.0.to_string(),
            problem_id: None,
            reason: None,
        },
        now,
    )?;
    record.alert = Some(alert.note(overdue_core::Transition::Once, 1));
    let to = Target {
        project,
        channel: &channel.id,
        kind: &channel.kind,
        config: &channel.config,
        monitor: None,
    };
    write_message(tx, &to, &record)
}

/// The payload of the first message about alert `alert` to (`channel`, `recipient`):
/// the message a later one answers (its subject, for e-mail threads).
pub fn first_message(
    c: &mut AnyConnection,
    alert: i64,
    channel: &str,
    recipient: &str,
) -> Result<Option<String>, StoreError> {
    Ok(outbox::table
        .filter(outbox::alert_id.eq(alert))
        .filter(outbox::channel_id.eq(channel))
        .filter(outbox::recipient.eq(recipient))
        .filter(outbox::transition.eq("trigger"))
        .order(outbox::id.asc())
        .select(outbox::payload)
        .first(c)
        .optional()?)
}
