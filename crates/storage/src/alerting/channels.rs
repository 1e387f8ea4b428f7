//! Notification channels of a project and their assignment to monitors.

use diesel::prelude::*;
use overdue_core::MonitorId;
use uuid::Uuid;

use crate::base::models::ChannelRow;
use crate::base::schema::{channels, deliveries, monitor_channels, monitors};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// A new channel: its settings are the kind's JSON, validated by the caller.
#[derive(Debug, Clone)]
pub struct NewChannel {
    /// Display name.
    pub name: String,
    /// Kind (`webhook`, `email`, `slack`, `pagerduty`).
    pub kind: String,
    /// The kind's settings (JSON).
    pub config: String,
    /// New monitors get it; `None` on creation: when the project has no default yet
    /// (so that nobody is forgotten, a project's first channel is a default).
    pub is_default: Option<bool>,
    /// Told when another channel keeps failing.
    pub is_fallback: bool,
}

/// Creates a channel.
pub fn create(tx: &mut Tx<'_>, project: &str, new: NewChannel) -> Result<ChannelRow, StoreError> {
    let (now, caps) = (tx.now(), tx.caps());
    let c = tx.conn();
    caps.check_channels(c, project)?;
    let is_default = match new.is_default {
        Some(d) => d,
        None => !has_default(c, project)?,
    };
    let row = ChannelRow {
        id: Uuid::new_v4().hyphenated().to_string(),
        project_id: project.to_string(),
        name: new.name,
        kind: new.kind,
        config: new.config,
        created_at: now.0,
        is_default,
        is_fallback: new.is_fallback,
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
    // No `.first()`: its bound `LIMIT ?` makes SQLite compile the statement again on
    // every run; a primary-key lookup needs no limit.
    Ok(channels::table
        .find(id)
        .select(ChannelRow::as_select())
        .load(c)?
        .into_iter()
        .next())
}

/// Changes a channel of `project`: `change` gets the stored row and says what it
/// becomes (name, settings and flags, validated by it; its `is_default` `None` keeps
/// the stored one). Returns the changed row.
pub fn update(
    tx: &mut Tx<'_>,
    project: &str,
    id: &str,
    change: impl FnOnce(&ChannelRow) -> Result<NewChannel, StoreError>,
) -> Result<ChannelRow, StoreError> {
    let c = tx.conn();
    let row = get(c, project, id)?;
    let change = change(&row)?;
    diesel::update(channels::table.find(id))
        .set((
            channels::name.eq(&change.name),
            channels::config.eq(&change.config),
            channels::is_default.eq(change.is_default.unwrap_or(row.is_default)),
            channels::is_fallback.eq(change.is_fallback),
        ))
        .execute(c)?;
    get(c, project, id)
}

/// Whether each channel works (`true`: its last delivery attempt succeeded) or is
/// failing (`false`: its last attempt failed, or it has an open channel alert);
/// channels never tried are absent. Two index probes per channel.
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
        // A channel with an open alert is failing, whatever its last attempt says.
        if crate::alerting::alerts::open_for_channel(c, id)?.is_some() {
            out.insert(id.clone(), false);
        } else if let Some((code, error)) = last {
            let ok = error.is_none() && code.is_some_and(|s| (200..300).contains(&s));
            out.insert(id.clone(), ok);
        }
    }
    Ok(out)
}

/// Deletes a channel and its assignments; `Conflict` while it has notifications
/// pending (deleting it would drop them unsent) or while it is the project's fallback.
pub fn delete(tx: &mut Tx<'_>, project: &str, id: &str) -> Result<(), StoreError> {
    let c = tx.conn();
    get(c, project, id)?;
    let pending: i64 = crate::base::schema::outbox::table
        .filter(crate::base::schema::outbox::channel_id.eq(id))
        .filter(crate::base::schema::outbox::state.eq("pending"))
        .count()
        .get_result(c)?;
    let row = get(c, project, id)?;
    if row.is_fallback {
        return Err(StoreError::Conflict(format!(
            "channel {:?} is the project's fallback (told when another channel keeps \
             failing): make another channel the fallback, or unset it, first",
            row.name
        )));
    }
    if pending > 0 {
        return Err(StoreError::Conflict(format!(
            "the channel has {pending} notification(s) still being delivered: wait until \
             they are sent or fail (see its deliveries), then delete it"
        )));
    }
    let routes = crate::alerting::routes::using_channel(c, project, id)?;
    if !routes.is_empty() {
        return Err(StoreError::Conflict(format!(
            "routes send to this channel ({}): take it out of them first",
            routes.join(", ")
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
    insert_assignments(c, monitor, channel_ids)
}

fn insert_assignments(
    c: &mut AnyConnection,
    monitor: &str,
    channel_ids: &[String],
) -> Result<(), StoreError> {
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
    insert_assignments(c, monitor, &ids)
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
            crate::base::schema::monitors::table
                .on(crate::base::schema::monitors::id.eq(monitor_channels::monitor_id)),
        )
        .filter(crate::base::schema::monitors::project_id.eq(project))
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

/// One delivery attempt with what it delivered: the event, the monitor's name, the
/// channel's name and the recipient.
#[derive(Debug, Clone)]
pub struct LoggedDelivery {
    /// The attempt.
    pub row: crate::base::models::DeliveryRow,
    /// The event (none once its message was pruned).
    pub event: Option<String>,
    /// The monitor's name (none for tests, channel alerts, deleted monitors).
    pub monitor: Option<String>,
    /// The channel's name.
    pub channel: String,
    /// The e-mail recipient (`""` for other kinds).
    pub recipient: Option<String>,
}

/// An attempt, its event, monitor name, channel name (none: the summary e-mail) and
/// recipient.
type LogRow = (
    crate::base::models::DeliveryRow,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// What the delivery log names the project's summary e-mails by, in place of a channel
/// (docs/behaviour.md, "The report by e-mail").
pub const SUMMARY_LOG_NAME: &str = "Summary e-mail";

/// The latest delivery attempts of a project — of one channel when `channel` is given —
/// newest first, with what each delivered.
pub fn delivery_log(
    c: &mut AnyConnection,
    project: &str,
    channel: Option<&str>,
    limit: i64,
) -> Result<Vec<LoggedDelivery>, StoreError> {
    use crate::base::schema::outbox;
    if let Some(id) = channel {
        get(c, project, id)?;
    }
    // The project's channels' attempts, and its summary e-mails' (logged under an id
    // of their own).
    let mut q = deliveries::table
        .left_join(channels::table.on(channels::id.eq(deliveries::channel_id)))
        .left_join(outbox::table.on(outbox::id.eq(deliveries::outbox_id)))
        .left_join(monitors::table.on(monitors::id.nullable().eq(outbox::monitor_id)))
        .filter(
            channels::project_id
                .nullable()
                .eq(project)
                .or(deliveries::channel_id.eq(crate::base::outbox::summary_log_id(project))),
        )
        .select((
            crate::base::models::DeliveryRow::as_select(),
            outbox::event.nullable(),
            monitors::name.nullable(),
            channels::name.nullable(),
            outbox::recipient.nullable(),
        ))
        .into_boxed();
    if let Some(id) = channel {
        q = q.filter(deliveries::channel_id.eq(id.to_string()));
    }
    let rows: Vec<LogRow> = q.order(deliveries::id.desc()).limit(limit).load(c)?;
    Ok(rows
        .into_iter()
        .map(|(row, event, monitor, channel, recipient)| LoggedDelivery {
            row,
            event,
            monitor,
            channel: channel.unwrap_or_else(|| SUMMARY_LOG_NAME.into()),
            recipient: recipient.filter(|r| !r.is_empty()),
        })
        .collect())
}
