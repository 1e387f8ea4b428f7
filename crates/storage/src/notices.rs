//! Notifications of a change, written to the outbox in the change's transaction: one
//! row per event and assigned channel, delivered (and retried) by the notifier.

use diesel::prelude::*;
use overdue_core::{DownReason, EventKind, EventRecord, MonitorRef, Status, Timestamp};
use uuid::Uuid;

use crate::models::MonitorRow;
use crate::schema::{monitor_channels, outbox};
use crate::statements::on_inner;
use crate::tx::{lock_monitor, Effects};
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

/// Writes `notices` for monitor `id` to every channel assigned to it. `row`: the
/// monitor's row when the caller has it (its name and tags go into the payload).
pub(crate) fn enqueue(
    c: &mut AnyConnection,
    id: &str,
    row: Option<&MonitorRow>,
    notices: &[Notice],
    body: Option<String>,
    now: Timestamp,
    fx: &mut Effects,
) -> Result<(), StoreError> {
    let row = given_or_locked(c, id, row)?;
    let row = row.as_ref();
    let records: Vec<EventRecord> = notices
        .iter()
        .map(|n| EventRecord {
            event: n.kind,
            monitor: monitor_ref(row),
            status: n.status.as_str().into(),
            previous_status: n.previous.as_str().into(),
            reason: n.reason.map(|r| r.as_str().to_string()),
            detail: n.detail.clone(),
            at: now.to_rfc3339(),
            body: body.clone(),
            problems: None,
        })
        .collect();
    enqueue_records(c, row, &records, now, fx)
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
    }
}

/// Writes each record to every channel assigned to the monitor of `row`.
pub(crate) fn enqueue_records(
    c: &mut AnyConnection,
    row: &MonitorRow,
    records: &[EventRecord],
    now: Timestamp,
    fx: &mut Effects,
) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let channels = monitor_channels::table
        .filter(monitor_channels::monitor_id.eq(&row.id))
        .select(monitor_channels::channel_id);
    let channel_ids: Vec<String> = on_inner!(c, |inner| channels.load(inner))?;
    for record in records {
        let payload =
            serde_json::to_string(record).map_err(|e| StoreError::Internal(e.to_string()))?;
        for channel in &channel_ids {
            let entry = (
                outbox::project_id.eq(&row.project_id),
                outbox::channel_id.eq(channel),
                outbox::monitor_id.eq(Some(&row.id)),
                outbox::event.eq(record.event.as_str()),
                outbox::payload.eq(&payload),
                outbox::idempotency_key.eq(Uuid::new_v4().hyphenated().to_string()),
                outbox::created_at.eq(now.0),
                outbox::state.eq("pending"),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(now.0),
            );
            on_inner!(c, |inner| diesel::insert_into(outbox::table)
                .values(entry)
                .execute(inner))?;
            fx.notifications += 1;
        }
    }
    Ok(())
}
