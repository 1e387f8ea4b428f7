//! Channel health: a channel whose deliveries keep failing ([`FAILURES_IN_A_ROW`] in a
//! row, or none succeeding for [`FAILING_FOR_MS`]) raises its own alert, told to the
//! project's fallback channels (else its defaults) — never to itself — and resolved by
//! its next successful delivery. Checked when an attempt is recorded, in the same unit
//! of work: no timer, no scan.

use diesel::prelude::*;
use overdue_core::{AlertKind, EventKind, EventRecord, MonitorRef, Timestamp, Transition};

use crate::alerting::alerts::{self, AlertRow, NewAlert};
use crate::alerting::messages::{write_message, Target};
use crate::base::models::{ChannelRow, OutboxRow};
use crate::base::outbox::{self, Attempt};
use crate::base::schema::{channels, deliveries};
use crate::base::tx::Tx;
use crate::StoreError;

/// Failed attempts in a row that make a channel failing.
pub const FAILURES_IN_A_ROW: usize = 5;
/// Failing this long without a success makes a channel failing, however few attempts.
pub const FAILING_FOR_MS: i64 = 3_600_000;

/// Records delivery attempts of outbox rows ([`outbox::record`]) and, for channels'
/// messages, follows each channel's health once, after its last attempt of the lot:
/// the one call the notifier makes. Once per channel, not per attempt: a burst's
/// thousands of deliveries to one channel asked for its open alert thousands of times.
pub fn record_all(
    tx: &mut Tx<'_>,
    done: &[(OutboxRow, Attempt)],
    me: &str,
    base_ms: i64,
) -> Result<(), StoreError> {
    // Each channel's latest result, in the order the attempts are recorded.
    let mut latest: Vec<(&str, bool)> = Vec::new();
    // On PostgreSQL the lot's deliveries of alert messages go in two statements.
    let together = matches!(tx.conn(), crate::AnyConnection::Postgresql(_));
    let sent: Vec<&(OutboxRow, Attempt)> = done
        .iter()
        .filter(|(row, attempt)| together && attempt.ok && row.channel_id.is_some())
        .collect();
    if !sent.is_empty() {
        outbox::record_sent(tx, &sent, me)?;
    }
    for (row, attempt) in done {
        if !(together && attempt.ok && row.channel_id.is_some()) {
            outbox::record(tx, row, me, attempt, base_ms)?;
        }
        if let Some(channel) = row.channel_id.as_deref() {
            match latest.iter_mut().find(|(c, _)| *c == channel) {
                Some(entry) => entry.1 = attempt.ok,
                None => latest.push((channel, attempt.ok)),
            }
        }
    }
    for (channel, ok) in latest {
        after_attempt(tx, channel, ok)?;
    }
    Ok(())
}

/// After an attempt on `channel` was recorded: opens its alert when it is now failing,
/// resolves it when it delivered again.
fn after_attempt(tx: &mut Tx<'_>, channel: &str, ok: bool) -> Result<(), StoreError> {
    let open = alerts::open_for_channel(tx.conn(), channel)?;
    match (ok, open) {
        (true, Some(alert)) => recovered(tx, channel, alert),
        (false, None) => {
            if let Some(why) = failing(tx, channel)? {
                raise(tx, channel, why)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Why the channel counts as failing now, if it does: its latest attempts, newest first,
/// are failures, [`FAILURES_IN_A_ROW`] of them or for [`FAILING_FOR_MS`].
fn failing(tx: &mut Tx<'_>, channel: &str) -> Result<Option<String>, StoreError> {
    let now = tx.now();
    let recent: Vec<(i64, Option<String>)> = deliveries::table
        .filter(deliveries::channel_id.eq(channel))
        .order(deliveries::attempted_at.desc())
        .limit(50)
        .select((deliveries::attempted_at, deliveries::error))
        .load(tx.conn())?;
    let run: Vec<&(i64, Option<String>)> = recent.iter().take_while(|(_, e)| e.is_some()).collect();
    let last_error = run.first().and_then(|(_, e)| e.clone()).unwrap_or_default();
    let oldest = run.last().map(|(at, _)| *at);
    if run.len() >= FAILURES_IN_A_ROW {
        return Ok(Some(format!(
            "{} deliveries failed in a row; the last: {last_error}",
            run.len()
        )));
    }
    match oldest {
        Some(at) if now.0 - at >= FAILING_FOR_MS => Ok(Some(format!(
            "no delivery succeeded for {} minutes; the last error: {last_error}",
            (now.0 - at) / 60_000
        ))),
        _ => Ok(None),
    }
}

fn record_for(
    ch: &ChannelRow,
    kind: EventKind,
    detail: Option<String>,
    now: Timestamp,
) -> EventRecord {
    EventRecord {
        event: kind,
        monitor: MonitorRef {
            uuid: String::new(),
            name: ch.name.clone(),
            slug: None,
            tags: vec![],
            project: ch.project_id.clone(),
            project_name: None,
        },
        status: if kind == EventKind::ChannelFailing {
            "failing"
        } else {
            "ok"
        }
        .into(),
        previous_status: if kind == EventKind::ChannelFailing {
            "ok"
        } else {
            "failing"
        }
        .into(),
        reason: None,
        detail,
        at: now.to_rfc3339(),
        body: None,
        problems: None,
        alert: None,
        expected: None,
        last_ping: None,
        expected_at: None,
        last_ping_at: None,
        run: None,
    }
}

/// Where a channel's own alert goes: the project's fallback channels, else its default
/// channels — never the channel itself.
fn targets(tx: &mut Tx<'_>, ch: &ChannelRow) -> Result<Vec<ChannelRow>, StoreError> {
    let all: Vec<ChannelRow> = channels::table
        .filter(channels::project_id.eq(&ch.project_id))
        .filter(channels::id.ne(&ch.id))
        .select(ChannelRow::as_select())
        .load(tx.conn())?;
    let fallbacks: Vec<ChannelRow> = all.iter().filter(|c| c.is_fallback).cloned().collect();
    Ok(if fallbacks.is_empty() {
        all.into_iter().filter(|c| c.is_default).collect()
    } else {
        fallbacks
    })
}

fn announce(tx: &mut Tx<'_>, ch: &ChannelRow, record: &EventRecord) -> Result<(), StoreError> {
    for target in targets(tx, ch)? {
        let to = Target {
            project: &ch.project_id,
            channel: &target.id,
            kind: &target.kind,
            config: &target.config,
            monitor: None,
        };
        let paging = overdue_core::alert::is_paging(&target.kind);
        let goes = record
            .alert
            .as_ref()
            .is_some_and(|a| a.transition.goes_to(paging));
        if goes {
            write_message(tx, &to, record)?;
        }
    }
    Ok(())
}

fn raise(tx: &mut Tx<'_>, channel: &str, why: String) -> Result<(), StoreError> {
    let now = tx.now();
    let Some(ch) = crate::alerting::channels::get_any(tx.conn(), channel)? else {
        return Ok(());
    };
    let mut record = record_for(&ch, EventKind::ChannelFailing, Some(why), now);
    let alert = alerts::open(
        tx.conn(),
        NewAlert {
            project: &ch.project_id,
            flow: None,
            monitor: None,
            channel: Some(&ch.id),
            kind: AlertKind::Channel,
            severity: "error",
            summary: record.headline(),
            unique: format!("{}/{}", ch.id, now.0),
            problem_id: None,
            reason: None,
        },
        now,
    )?;
    record.alert = Some(alert.note(Transition::Trigger, 1));
    announce(tx, &ch, &record)
}

fn recovered(tx: &mut Tx<'_>, channel: &str, alert: AlertRow) -> Result<(), StoreError> {
    let now = tx.now();
    let resolved = alerts::resolve_ids(tx.conn(), &[alert.id], "delivered", now)?;
    let Some(ch) = crate::alerting::channels::get_any(tx.conn(), channel)? else {
        return Ok(());
    };
    if resolved == 0 {
        return Ok(());
    }
    let mut record = record_for(&ch, EventKind::ChannelRecovered, None, now);
    let mut note = alert.note(Transition::Resolve, 1);
    note.reason = Some("delivered".into());
    record.alert = Some(note);
    announce(tx, &ch, &record)
}
