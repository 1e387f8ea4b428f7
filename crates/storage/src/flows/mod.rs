//! Flows (docs/behaviour.md, "Flows (entity SLAs)"): a project's flows with their stages
//! (JSON read by the core's
//! rules), each entity one row of `flow_entities` with its due time in an index, and
//! every event in `flow_events`. Events go through the unit of work (`events`);
//! breaches are found by the scheduler through the due index (`breaches`).

mod aggregates;
pub mod aside;
mod breaches;
pub mod calendars;
mod events;
pub mod intake;
mod stats;

pub use aggregates::{check as check_aggregates, due as aggregates_due, AggregateDue};
pub use breaches::{due, earliest, fire_breaches, Due};
pub use events::{
    apply_events, check_events, entity, entity_of, export, export_of, history, record, EntityRow,
    EventIn, EventOut, FlowEventRow, FlowOf,
};
pub use stats::{overview, stage_counts, time_in_stage, view, view_all, with_channels, Overview};

use diesel::prelude::*;
use overdue_core::flow::FlowDef;
use overdue_core::Timestamp;
use uuid::Uuid;

use crate::base::schema::{flow_entities, flow_events, flow_stats, flows, monitor_channels};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// How long finished entities are kept unless a flow says otherwise: 30 days.
pub const DEFAULT_RETENTION_MS: i64 = 30 * 86_400_000;

/// A flow as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = flows)]
#[allow(missing_docs)]
pub struct FlowRow {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub slug: String,
    pub definition: String,
    pub tags: String,
    pub retention_ms: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl FlowRow {
    /// Its stages as the rules see them (a stored value that no longer reads has none).
    pub fn def(&self) -> FlowDef {
        serde_json::from_str(&self.definition).unwrap_or(FlowDef {
            stages: Vec::new(),
            terminal: Vec::new(),
            mapping: None,
        })
    }

    /// The flow as the owner of its alerts (routing, timers and messages see it as they
    /// see a monitor).
    pub(crate) fn owner(&self) -> crate::alerting::notices::Owner {
        crate::alerting::notices::Owner {
            id: self.id.clone(),
            project: self.project_id.clone(),
        }
    }

    /// Its tags, split on spaces.
    pub fn tag_list(&self) -> Vec<String> {
        self.tags.split_whitespace().map(str::to_string).collect()
    }
}

/// A flow's settings, checked by the caller (the definition by the core).
#[derive(Debug, Clone)]
pub struct NewFlow {
    /// Display name.
    pub name: String,
    /// Its slug (from the name).
    pub slug: String,
    /// Stages and terminal stages.
    pub def: FlowDef,
    /// Tags, space-separated (routes match them).
    pub tags: String,
    /// Finished entities kept this long (ms).
    pub retention_ms: i64,
    /// Its own channels (the implicit first route, as a monitor's).
    pub channels: Vec<String>,
}

fn to_json(def: &FlowDef) -> String {
    serde_json::to_string(def).unwrap_or_else(|_| "{}".into())
}

/// A project's flows, by name.
pub fn list(c: &mut AnyConnection, project: &str) -> Result<Vec<FlowRow>, StoreError> {
    Ok(flows::table
        .filter(flows::project_id.eq(project))
        .order(flows::name.asc())
        .select(FlowRow::as_select())
        .load(c)?)
}

/// The flow of `slug` (or id) in `project`.
pub fn get(c: &mut AnyConnection, project: &str, slug: &str) -> Result<FlowRow, StoreError> {
    flows::table
        .filter(flows::project_id.eq(project))
        .filter(flows::slug.eq(slug).or(flows::id.eq(slug)))
        .select(FlowRow::as_select())
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("flow"))
}

/// The flow of `slug` in the project of ping key `ping_key` (`/flow/<ping_key>/…`).
pub fn by_ping_key(
    c: &mut AnyConnection,
    ping_key: &str,
    slug: &str,
) -> Result<FlowRow, StoreError> {
    use crate::base::schema::projects;
    flows::table
        .inner_join(projects::table.on(projects::id.eq(flows::project_id)))
        .filter(projects::ping_key.eq(ping_key))
        .filter(flows::slug.eq(slug))
        .select(FlowRow::as_select())
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("flow"))
}

/// The ping key of project `project` (its id) and its flow `slug`, for the push URL,
/// which compares the key itself; `None` when there is no such project.
pub fn for_push(
    c: &mut AnyConnection,
    project: &str,
    slug: &str,
) -> Result<Option<(String, Option<FlowRow>)>, StoreError> {
    use crate::base::schema::projects;
    let Some(key) = projects::table
        .find(project)
        .select(projects::ping_key)
        .first::<String>(c)
        .optional()?
    else {
        return Ok(None);
    };
    let flow = flows::table
        .filter(flows::project_id.eq(project))
        .filter(flows::slug.eq(slug))
        .select(FlowRow::as_select())
        .first(c)
        .optional()?;
    Ok(Some((key, flow)))
}

/// What the broker consumer of this process did (shown on `/metrics`).
#[derive(Debug, Default)]
pub struct ConsumerStats {
    /// Connected to the broker now.
    pub connected: std::sync::atomic::AtomicBool,
    /// Messages stored and acknowledged.
    pub stored: std::sync::atomic::AtomicU64,
    /// Messages rejected as malformed (not requeued).
    pub rejected: std::sync::atomic::AtomicU64,
    /// Events of those messages kept aside.
    pub kept_aside: std::sync::atomic::AtomicU64,
}

/// The channels assigned to a flow.
pub fn channels_of(c: &mut AnyConnection, flow: &str) -> Result<Vec<String>, StoreError> {
    crate::alerting::channels::for_monitor(c, flow)
}

fn assign(
    c: &mut AnyConnection,
    project: &str,
    flow: &str,
    ids: &[String],
) -> Result<(), StoreError> {
    crate::alerting::routes::check_channels(c, project, ids)?;
    diesel::delete(monitor_channels::table.filter(monitor_channels::monitor_id.eq(flow)))
        .execute(c)?;
    for id in ids {
        diesel::insert_into(monitor_channels::table)
            .values((
                monitor_channels::monitor_id.eq(flow),
                monitor_channels::channel_id.eq(id),
            ))
            .execute(c)?;
    }
    Ok(())
}

fn conflict(e: StoreError, slug: &str) -> StoreError {
    if e.is_unique_violation() {
        StoreError::Conflict(format!(
            "a flow with slug {slug:?} already exists in this project"
        ))
    } else {
        e
    }
}

/// Creates a flow.
pub fn create(tx: &mut Tx<'_>, project: &str, new: NewFlow) -> Result<FlowRow, StoreError> {
    let (now, caps) = (tx.now(), tx.caps());
    let c = tx.conn();
    caps.check_flows(c, project)?;
    calendars::check_named(c, project, &new.def)?;
    let row = FlowRow {
        id: Uuid::new_v4().hyphenated().to_string(),
        project_id: project.to_string(),
        name: new.name,
        slug: new.slug.clone(),
        definition: to_json(&new.def),
        tags: new.tags,
        retention_ms: new.retention_ms,
        created_at: now.0,
        updated_at: now.0,
    };
    diesel::insert_into(flows::table)
        .values(&row)
        .execute(c)
        .map_err(|e| conflict(e.into(), &new.slug))?;
    assign(c, project, &row.id, &new.channels)?;
    Ok(row)
}

/// Replaces a flow's settings. A changed SLA applies to entities entering the stage
/// from now on: the due times already written stay (no re-arming of every entity).
pub fn update(
    tx: &mut Tx<'_>,
    project: &str,
    slug: &str,
    new: NewFlow,
) -> Result<FlowRow, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let old = get(c, project, slug)?;
    calendars::check_named(c, project, &new.def)?;
    diesel::update(flows::table.find(&old.id))
        .set((
            flows::name.eq(&new.name),
            flows::slug.eq(&new.slug),
            flows::definition.eq(to_json(&new.def)),
            flows::tags.eq(&new.tags),
            flows::retention_ms.eq(new.retention_ms),
            flows::updated_at.eq(now.0),
        ))
        .execute(c)
        .map_err(|e| conflict(e.into(), &new.slug))?;
    assign(c, project, &old.id, &new.channels)?;
    let row = get(c, project, &old.id)?;
    tx.flow_changed(&row.id);
    Ok(row)
}

/// Deletes a flow with its entities and events; its open breaches resolve, and whoever
/// heard of one hears it ended ("the flow was deleted").
pub fn delete(tx: &mut Tx<'_>, project: &str, slug: &str) -> Result<(), StoreError> {
    use crate::base::schema::alerts;
    let now = tx.now();
    let row = get(tx.conn(), project, slug)?;
    let open: Vec<i64> = alerts::table
        .filter(alerts::flow_id.eq(&row.id))
        .filter(alerts::resolved_at.is_null())
        .select(alerts::id)
        .load(tx.conn())?;
    crate::alerting::alerts::resolve_ids(tx.conn(), &open, "deleted", now)?;
    let owner = row.owner();
    for id in &open {
        if !was_told(tx.conn(), *id)? {
            continue;
        }
        let a = crate::alerting::alerts::get(tx.conn(), project, *id)?;
        let rec = breach_record(
            &row,
            overdue_core::EventKind::FlowRecovered,
            &a.summary,
            "",
            &a.severity,
            "the flow was deleted".into(),
            a.note(overdue_core::Transition::Resolve, 1),
            now,
        );
        crate::alerting::notices::enqueue_for(tx, &owner, &[rec])?;
    }
    let c = tx.conn();
    diesel::delete(flow_entities::table.filter(flow_entities::flow_id.eq(&row.id))).execute(c)?;
    diesel::delete(flow_events::table.filter(flow_events::flow_id.eq(&row.id))).execute(c)?;
    diesel::delete(flow_stats::table.filter(flow_stats::flow_id.eq(&row.id))).execute(c)?;
    diesel::delete(monitor_channels::table.filter(monitor_channels::monitor_id.eq(&row.id)))
        .execute(c)?;
    diesel::delete(flows::table.find(&row.id)).execute(c)?;
    Ok(())
}

/// Whether any message was written about alert `id` (a breach its stage's aggregate
/// spoke for was told to no one: its end is not news either).
pub(crate) fn was_told(c: &mut AnyConnection, id: i64) -> Result<bool, StoreError> {
    use crate::base::schema::outbox;
    let n: i64 = outbox::table
        .filter(outbox::alert_id.eq(id))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

/// Deletes, per flow, at most `batch` finished entities (their tombstones) and events
/// older than the flow's retention; open entities stay however old.
pub fn prune(c: &mut AnyConnection, now: Timestamp, batch: i64) -> Result<usize, StoreError> {
    let all: Vec<(String, i64)> = flows::table
        .select((flows::id, flows::retention_ms))
        .load(c)?;
    // Counters older than two days serve no window nor the day's percentiles.
    let old_stats = now.0 - 2 * 86_400_000;
    let stale: Vec<(String, String, String, i64)> = flow_stats::table
        .filter(flow_stats::bucket.lt(old_stats))
        .select((
            flow_stats::flow_id,
            flow_stats::stage,
            flow_stats::metric,
            flow_stats::bucket,
        ))
        .limit(batch)
        .load(c)?;
    let mut n = aside::prune(c, now, batch)?;
    for key in &stale {
        n += diesel::delete(flow_stats::table.find(key.clone())).execute(c)?;
    }
    for (flow, keep) in all {
        let before = now.0 - keep;
        let gone: Vec<String> = flow_entities::table
            .filter(flow_entities::finished_at.lt(before))
            .filter(flow_entities::flow_id.eq(&flow))
            .select(flow_entities::entity)
            .limit(batch)
            .load(c)?;
        n += diesel::delete(
            flow_entities::table
                .filter(flow_entities::flow_id.eq(&flow))
                .filter(flow_entities::entity.eq_any(&gone)),
        )
        .execute(c)?;
        let old: Vec<i64> = flow_events::table
            .filter(flow_events::received_at.lt(before))
            .filter(flow_events::flow_id.eq(&flow))
            .select(flow_events::id)
            .limit(batch)
            .load(c)?;
        n += diesel::delete(flow_events::table.filter(flow_events::id.eq_any(&old))).execute(c)?;
    }
    Ok(n)
}

/// A message about one entity's breach (or its end).
#[allow(clippy::too_many_arguments)]
pub(crate) fn breach_record(
    flow: &FlowRow,
    event: overdue_core::EventKind,
    key: &str,
    stage: &str,
    severity: &str,
    message: String,
    alert: overdue_core::AlertNote,
    now: Timestamp,
) -> overdue_core::EventRecord {
    let breached = event == overdue_core::EventKind::FlowBreached;
    overdue_core::EventRecord {
        event,
        monitor: overdue_core::MonitorRef {
            uuid: flow.id.clone(),
            name: flow.name.clone(),
            slug: Some(flow.slug.clone()),
            tags: flow.tag_list(),
            project: flow.project_id.clone(),
            project_name: None,
        },
        status: if breached { "down" } else { "up" }.into(),
        previous_status: if breached { "up" } else { "down" }.into(),
        reason: Some("breach".into()),
        detail: Some(stage.to_string()),
        at: now.to_rfc3339(),
        body: None,
        problems: Some(overdue_core::ProblemsNote {
            count: 1,
            items: vec![overdue_core::ProblemItem {
                key: key.to_string(),
                severity: severity.to_string(),
                message,
                count: 1,
                details: None,
            }],
        }),
        alert: Some(alert),
        expected: None,
        last_ping: None,
        expected_at: None,
        last_ping_at: None,
        run: None,
    }
}
