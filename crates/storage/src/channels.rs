//! Notification channels of a project and their assignment to monitors.

use diesel::prelude::*;
use overdue_core::{MonitorId, Timestamp};
use uuid::Uuid;

use crate::models::ChannelRow;
use crate::schema::{channels, deliveries, monitor_channels, monitors};
use crate::tx::Tx;
use crate::{AnyConnection, StoreError};

/// Creates a channel; `config` is the kind's JSON settings, validated by the caller.
pub fn create(
    tx: &mut Tx<'_>,
    project: &str,
    name: &str,
    kind: &str,
    config: &str,
    is_default: bool,
    now: Timestamp,
) -> Result<ChannelRow, StoreError> {
    let c = tx.conn();
    let row = ChannelRow {
        id: Uuid::new_v4().hyphenated().to_string(),
        project_id: project.to_string(),
        name: name.to_string(),
        kind: kind.to_string(),
        config: config.to_string(),
        created_at: now.0,
        is_default,
    };
    diesel::insert_into(channels::table)
        .values(&row)
        .execute(c)?;
    Ok(row)
}

/// The channels of a project.
pub fn list(c: &mut AnyConnection, project: &str) -> Result<Vec<ChannelRow>, StoreError> {
    Ok(channels::table
        .filter(channels::project_id.eq(project))
        .order(channels::created_at.asc())
        .select(ChannelRow::as_select())
        .load(c)?)
}

/// One channel of a project.
pub fn get(c: &mut AnyConnection, project: &str, id: &str) -> Result<ChannelRow, StoreError> {
    channels::table
        .filter(channels::id.eq(id))
        .filter(channels::project_id.eq(project))
        .select(ChannelRow::as_select())
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("channel"))
}

/// Any channel by id (for the notifier, which works across projects).
pub fn get_any(c: &mut AnyConnection, id: &str) -> Result<Option<ChannelRow>, StoreError> {
    Ok(channels::table
        .find(id)
        .select(ChannelRow::as_select())
        .first(c)
        .optional()?)
}

/// Replaces a channel's name and settings (validated by the caller).
pub fn update(
    tx: &mut Tx<'_>,
    project: &str,
    id: &str,
    name: &str,
    config: &str,
    is_default: bool,
) -> Result<ChannelRow, StoreError> {
    let c = tx.conn();
    get(c, project, id)?;
    diesel::update(channels::table.find(id))
        .set((
            channels::name.eq(name),
            channels::config.eq(config),
            channels::is_default.eq(is_default),
        ))
        .execute(c)?;
    get(c, project, id)
}

/// Whether each channel's last delivery attempt succeeded (`true`), failed (`false`);
/// channels never tried are absent. One index probe per channel.
pub fn health(
    c: &mut AnyConnection,
    ids: &[String],
) -> Result<std::collections::HashMap<String, bool>, StoreError> {
    let mut out = std::collections::HashMap::new();
    for id in ids {
        let last: Option<(Option<i32>, Option<String>)> = deliveries::table
            .filter(deliveries::channel_id.eq(id))
            .order(deliveries::attempted_at.desc())
            .select((deliveries::status_code, deliveries::error))
            .first(c)
            .optional()?;
        if let Some((code, error)) = last {
            let ok = error.is_none() && code.is_some_and(|s| (200..300).contains(&s));
            out.insert(id.clone(), ok);
        }
    }
    Ok(out)
}

/// Deletes a channel and its assignments; `Conflict` while it has notifications
/// pending (deleting it would drop them unsent).
pub fn delete(tx: &mut Tx<'_>, project: &str, id: &str) -> Result<(), StoreError> {
    let c = tx.conn();
    get(c, project, id)?;
    let pending: i64 = crate::schema::outbox::table
        .filter(crate::schema::outbox::channel_id.eq(id))
        .filter(crate::schema::outbox::state.eq("pending"))
        .count()
        .get_result(c)?;
    if pending > 0 {
        return Err(StoreError::Conflict(format!(
            "the channel has {pending} notification(s) still being delivered: wait until \
             they are sent or fail (see its deliveries), then delete it"
        )));
    }
    diesel::delete(monitor_channels::table.filter(monitor_channels::channel_id.eq(id)))
        .execute(c)?;
    diesel::delete(channels::table.find(id)).execute(c)?;
    Ok(())
}

/// Replaces the channels assigned to a monitor. Every id must be a channel of the project.
pub fn set_for_monitor(
    tx: &mut Tx<'_>,
    project: &str,
    monitor: &MonitorId,
    channel_ids: &[String],
) -> Result<(), StoreError> {
    let monitor = &monitor.to_string();
    tx.changed(monitor);
    assign(tx.conn(), project, monitor, channel_ids)
}

fn assign(
    c: &mut AnyConnection,
    project: &str,
    monitor: &str,
    channel_ids: &[String],
) -> Result<(), StoreError> {
    let owned: i64 = monitors::table
        .filter(monitors::id.eq(monitor))
        .filter(monitors::project_id.eq(project))
        .count()
        .get_result(c)?;
    if owned == 0 {
        return Err(StoreError::NotFound("monitor"));
    }
    for id in channel_ids {
        get(c, project, id).map_err(|_| StoreError::Invalid(format!("unknown channel {id:?}")))?;
    }
    diesel::delete(monitor_channels::table.filter(monitor_channels::monitor_id.eq(monitor)))
        .execute(c)?;
    for id in channel_ids {
        diesel::insert_into(monitor_channels::table)
            .values((
                monitor_channels::monitor_id.eq(monitor),
                monitor_channels::channel_id.eq(id),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// Assigns the project's default channels to a new monitor.
pub(crate) fn assign_defaults(
    c: &mut AnyConnection,
    project: &str,
    monitor: &str,
) -> Result<(), StoreError> {
    let ids: Vec<String> = channels::table
        .filter(channels::project_id.eq(project))
        .filter(channels::is_default.eq(true))
        .select(channels::id)
        .load(c)?;
    for id in ids {
        diesel::insert_into(monitor_channels::table)
            .values((
                monitor_channels::monitor_id.eq(monitor),
                monitor_channels::channel_id.eq(id),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// Whether the project has a default channel (a project's first channel becomes one).
pub fn has_default(c: &mut AnyConnection, project: &str) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(
        channels::table
            .filter(channels::project_id.eq(project))
            .filter(channels::is_default.eq(true)),
    ))
    .get_result(c)?)
}

/// The channel ids assigned to a monitor.
pub fn for_monitor(c: &mut AnyConnection, monitor: &str) -> Result<Vec<String>, StoreError> {
    Ok(monitor_channels::table
        .filter(monitor_channels::monitor_id.eq(monitor))
        .select(monitor_channels::channel_id)
        .order(monitor_channels::channel_id.asc())
        .load(c)?)
}

/// The channel ids of every monitor of a project, in one query (for lists).
pub fn for_project(
    c: &mut AnyConnection,
    project: &str,
) -> Result<std::collections::HashMap<String, Vec<String>>, StoreError> {
    let rows: Vec<(String, String)> = monitor_channels::table
        .inner_join(
            crate::schema::monitors::table
                .on(crate::schema::monitors::id.eq(monitor_channels::monitor_id)),
        )
        .filter(crate::schema::monitors::project_id.eq(project))
        .select((monitor_channels::monitor_id, monitor_channels::channel_id))
        .order((
            monitor_channels::monitor_id.asc(),
            monitor_channels::channel_id.asc(),
        ))
        .load(c)?;
    let mut map = std::collections::HashMap::<String, Vec<String>>::new();
    for (m, ch) in rows {
        map.entry(m).or_default().push(ch);
    }
    Ok(map)
}

/// The latest delivery attempts of a channel, newest first.
pub fn deliveries(
    c: &mut AnyConnection,
    project: &str,
    id: &str,
    limit: i64,
) -> Result<Vec<crate::models::DeliveryRow>, StoreError> {
    get(c, project, id)?;
    Ok(deliveries::table
        .filter(deliveries::channel_id.eq(id))
        .order(deliveries::id.desc())
        .limit(limit)
        .select(crate::models::DeliveryRow::as_select())
        .load(c)?)
}
