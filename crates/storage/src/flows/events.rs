//! Flow events through the unit of work: a batch is checked whole first (one bad item
//! refuses it, naming the item), then each event is recorded, applied to its entity by
//! the core's rules, and an entity that moves on from a breached stage resolves its
//! breach — all in the batch's transaction, so a 200 means stored.

use std::collections::HashMap;

use diesel::prelude::*;
use overdue_core::flow::{self, EntityState, Outcome};
use overdue_core::{EventKind, Timestamp, Transition};

use super::FlowRow;
use crate::base::schema::{flow_entities, flow_events};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// One event: `entity` reached `stage` at `at` (ms; `None`: now).
#[derive(Debug, Clone)]
pub struct EventIn {
    /// The entity's id (`12345`).
    pub entity: String,
    /// The stage it reached.
    pub stage: String,
    /// When (ms), if the sender knows.
    pub at: Option<i64>,
    /// The event's fields beyond those read, as JSON (`flow::mapping::attributes_of`).
    pub attributes: Option<String>,
    /// The id of the message it came in (unique per flow): an id already applied is not
    /// applied again.
    pub message_id: Option<String>,
}

/// What an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventOut {
    /// The entity.
    pub entity: String,
    /// The stage named.
    pub stage: String,
    /// The time recorded (ms).
    pub at: i64,
    /// Whether it changed the entity (moved, finished, restamped).
    pub applied: bool,
}

/// An entity as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = flow_entities, treat_none_as_null = true)]
#[allow(missing_docs)]
pub struct EntityRow {
    pub flow_id: String,
    pub entity: String,
    pub stage: String,
    pub stage_index: Option<i32>,
    pub entered_at: i64,
    pub floor_at: Option<i64>,
    pub due_at: Option<i64>,
    pub breach_alert: Option<i64>,
    pub finished_at: Option<i64>,
    pub updated_at: i64,
    pub attributes: Option<String>,
}

impl EntityRow {
    fn state(&self) -> EntityState {
        EntityState {
            index: self
                .stage_index
                .filter(|_| self.finished_at.is_none())
                .and_then(|i| usize::try_from(i).ok()),
            entered_at: self.entered_at,
            floor_at: self.floor_at,
        }
    }
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = flow_events)]
#[allow(missing_docs)]
pub struct FlowEventRow {
    pub id: i64,
    pub flow_id: String,
    pub entity: String,
    pub stage: String,
    pub at: i64,
    pub received_at: i64,
    pub applied: bool,
}

/// Checks a batch whole: entity ids, known stages, no `at` far in the future.
pub fn check_events(flow: &FlowRow, events: &[EventIn], now: Timestamp) -> Result<(), StoreError> {
    let def = flow.def();
    let none = flow::Calendars::new();
    for (i, e) in events.iter().enumerate() {
        let at = e.at.unwrap_or(now.0);
        flow::check_entity(&e.entity)
            .and_then(|()| flow::apply(&def, &none, None, &e.stage, at, now.0).map(|_| ()))
            .map_err(|err| {
                let which = if events.len() == 1 {
                    String::new()
                } else {
                    format!("events[{i}]: ")
                };
                StoreError::Invalid(format!("{which}{err}"))
            })?;
    }
    Ok(())
}

/// Records and applies `events` to the entities of `flow`, in order.
pub fn apply_events(
    tx: &mut Tx<'_>,
    flow: &FlowRow,
    events: &[EventIn],
) -> Result<Vec<EventOut>, StoreError> {
    let now = tx.now();
    check_events(flow, events, now)?;
    let def = flow.def();
    let c = tx.conn();
    let events = &*super::aside::unseen(c, &flow.id, events, now)?;
    let cals = super::calendars::of_project(c, &flow.project_id)?;
    let mut names: Vec<&str> = events.iter().map(|e| e.entity.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let mut known: HashMap<String, (EntityRow, bool)> = HashMap::new();
    for chunk in names.chunks(500) {
        let rows: Vec<EntityRow> = flow_entities::table
            .filter(flow_entities::flow_id.eq(&flow.id))
            .filter(flow_entities::entity.eq_any(chunk))
            .select(EntityRow::as_select())
            .load(c)?;
        for r in rows {
            known.insert(r.entity.clone(), (r, true));
        }
    }
    // In order of first change, with a set beside it: a message of 100,000 events must
    // cost linear time, not a scan of the list per event.
    let mut dirty: Vec<String> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut bumps = super::stats::Bumps::default();
    let mut recovered: Vec<(i64, EntityRow)> = Vec::new();
    let mut out = Vec::with_capacity(events.len());
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        let at = e.at.unwrap_or(now.0);
        let current = known.get(&e.entity).map(|(r, _)| r.state());
        let outcome = flow::apply(&def, &cals, current.as_ref(), &e.stage, at, now.0)
            .map_err(|err| StoreError::Invalid(err.to_string()))?;
        rows.push((
            flow_events::flow_id.eq(flow.id.clone()),
            flow_events::entity.eq(e.entity.clone()),
            flow_events::stage.eq(e.stage.clone()),
            flow_events::at.eq(at),
            flow_events::received_at.eq(now.0),
            flow_events::applied.eq(outcome.applied()),
        ));
        out.push(EventOut {
            entity: e.entity.clone(),
            stage: e.stage.clone(),
            at,
            applied: outcome.applied(),
        });
        if !outcome.applied() {
            continue;
        }
        let entry = known.entry(e.entity.clone()).or_insert_with(|| {
            let blank = EntityRow {
                flow_id: flow.id.clone(),
                entity: e.entity.clone(),
                stage: e.stage.clone(),
                stage_index: None,
                entered_at: at,
                floor_at: None,
                due_at: None,
                breach_alert: None,
                finished_at: None,
                updated_at: now.0,
                attributes: None,
            };
            (blank, false)
        });
        let row = &mut entry.0;
        // The latest event that moved it says what the entity is like now.
        if e.attributes.is_some() {
            row.attributes = e.attributes.clone();
        }
        let left = matches!(outcome, Outcome::Moved { .. } | Outcome::Finished { .. });
        // Counted for aggregates and time-in-stage percentiles.
        let was_in = current.as_ref().is_some_and(|c| c.index.is_some());
        match &outcome {
            Outcome::Moved { entered_at, .. } | Outcome::Finished { entered_at } => {
                if was_in {
                    bumps.left(&flow.id, &row.stage, entered_at - row.entered_at, now);
                    bumps.open(&flow.id, &row.stage, -1);
                    if row.breach_alert.is_some() {
                        bumps.breached_now(&flow.id, &row.stage, -1);
                    }
                }
                if matches!(outcome, Outcome::Moved { .. }) {
                    bumps.entered(&flow.id, &e.stage, now);
                    bumps.open(&flow.id, &e.stage, 1);
                }
            }
            _ => {}
        }
        if left {
            if let Some(alert) = row.breach_alert.take() {
                recovered.push((alert, row.clone()));
            }
        }
        match outcome {
            Outcome::Moved {
                index,
                entered_at,
                floor_at,
                due_at,
            } => {
                row.stage = e.stage.clone();
                row.stage_index = i32::try_from(index).ok();
                row.entered_at = entered_at;
                row.floor_at = floor_at;
                row.due_at = Some(due_at);
            }
            Outcome::Finished { entered_at } => {
                row.stage = e.stage.clone();
                row.stage_index = None;
                row.entered_at = entered_at;
                row.due_at = None;
                row.finished_at = Some(now.0);
            }
            Outcome::Restamped { entered_at, due_at } => {
                row.entered_at = entered_at;
                // A breached entity stays breached until it moves on.
                if row.breach_alert.is_none() {
                    row.due_at = Some(due_at);
                }
            }
            Outcome::Ignored => {}
        }
        row.updated_at = now.0;
        if seen.insert(e.entity.clone()) {
            dirty.push(e.entity.clone());
        }
    }
    // PostgreSQL takes many rows per statement; SQLite's batch form would open a
    // transaction of its own inside ours, and single rows in process are cheap.
    match c {
        AnyConnection::Postgresql(pg) => {
            for chunk in rows.chunks(1_000) {
                diesel::insert_into(flow_events::table)
                    .values(chunk.to_vec())
                    .execute(pg)?;
            }
        }
        AnyConnection::Sqlite(lite) => {
            for row in rows {
                diesel::insert_into(flow_events::table)
                    .values(row)
                    .execute(lite)?;
            }
        }
    }
    let mut fresh = Vec::new();
    for name in &dirty {
        let Some((row, stored)) = known.get(name) else {
            continue;
        };
        if *stored {
            diesel::update(flow_entities::table.find((&row.flow_id, &row.entity)))
                .set(row)
                .execute(c)?;
        } else {
            fresh.push(row.clone());
        }
    }
    match c {
        AnyConnection::Postgresql(pg) => {
            for chunk in fresh.chunks(1_000) {
                diesel::insert_into(flow_entities::table)
                    .values(chunk.to_vec())
                    .execute(pg)?;
            }
        }
        AnyConnection::Sqlite(lite) => {
            for row in &fresh {
                diesel::insert_into(flow_entities::table)
                    .values(row)
                    .execute(lite)?;
            }
        }
    }
    bumps.write(tx)?;
    recover(tx, flow, &recovered, now)?;
    Ok(out)
}

/// Resolves the breaches of entities that moved on, with one message per entity.
fn recover(
    tx: &mut Tx<'_>,
    flow: &FlowRow,
    recovered: &[(i64, EntityRow)],
    now: Timestamp,
) -> Result<(), StoreError> {
    if recovered.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = recovered.iter().map(|(a, _)| *a).collect();
    crate::alerting::alerts::resolve_ids(tx.conn(), &ids, "moved", now)?;
    let owner = flow.owner();
    for (alert, was) in recovered {
        // A breach nobody was told of (its stage's aggregate spoke for it) ends quietly.
        if !super::was_told(tx.conn(), *alert)? {
            continue;
        }
        let row = crate::alerting::alerts::get(tx.conn(), &flow.project_id, *alert)?;
        let message = format!(
            "{} moved on from {} after {}",
            was.entity,
            was.stage,
            flow::human(now.0 - was.entered_at)
        );
        let record = super::breach_record(
            flow,
            EventKind::FlowRecovered,
            &format!("{} in {}", was.entity, was.stage),
            &was.stage,
            &row.severity,
            message,
            row.note(Transition::Resolve, 1),
            now,
        );
        crate::alerting::notices::enqueue_for(tx, &owner, &[record])?;
    }
    Ok(())
}

/// One entity of a flow.
pub fn entity(
    c: &mut AnyConnection,
    flow: &str,
    entity: &str,
) -> Result<Option<EntityRow>, StoreError> {
    Ok(flow_entities::table
        .find((flow, entity))
        .select(EntityRow::as_select())
        .first(c)
        .optional()?)
}

/// An entity's events, oldest first (at most `limit`).
pub fn history(
    c: &mut AnyConnection,
    flow: &str,
    entity: &str,
    limit: i64,
) -> Result<Vec<FlowEventRow>, StoreError> {
    Ok(flow_events::table
        .filter(flow_events::flow_id.eq(flow))
        .filter(flow_events::entity.eq(entity))
        .order(flow_events::id.asc())
        .limit(limit)
        .select(FlowEventRow::as_select())
        .load(c)?)
}

/// A flow's events received since `since` (ms), oldest first, at most `limit` — and
/// its breach alerts opened or resolved since then (the NDJSON export).
pub fn export(
    c: &mut AnyConnection,
    flow: &str,
    since: i64,
    limit: i64,
) -> Result<(Vec<FlowEventRow>, Vec<crate::alerting::alerts::AlertRow>), StoreError> {
    use crate::base::schema::alerts;
    let events = flow_events::table
        .filter(flow_events::received_at.ge(since))
        .filter(flow_events::flow_id.eq(flow))
        .order((flow_events::received_at.asc(), flow_events::id.asc()))
        .limit(limit)
        .select(FlowEventRow::as_select())
        .load(c)?;
    let breaches = alerts::table
        .filter(alerts::flow_id.eq(flow))
        .filter(
            alerts::opened_at
                .ge(since)
                .or(alerts::resolved_at.ge(since)),
        )
        .order(alerts::id.asc())
        .limit(limit)
        .select(crate::alerting::alerts::AlertRow::as_select())
        .load(c)?;
    Ok((events, breaches))
}

/// The flow events are for: a project's flow by slug or id (the API), or the flow of a
/// project's ping key (the curl URL and the brokers).
#[derive(Debug, Clone, Copy)]
pub enum FlowOf<'a> {
    /// `flow` (slug or id) of `project`.
    Project {
        /// The project.
        project: &'a str,
        /// The flow's slug or id.
        flow: &'a str,
    },
    /// The flow `slug` of the project whose ping key is `key`.
    PingKey {
        /// The project's ping key.
        key: &'a str,
        /// The flow's slug.
        slug: &'a str,
    },
}

/// Records `events` of the flow `of` names ([`apply_events`]): the one call of each
/// event endpoint. `NotFound` when there is no such flow.
pub fn record(
    tx: &mut Tx<'_>,
    of: FlowOf<'_>,
    events: &[EventIn],
) -> Result<Vec<EventOut>, StoreError> {
    let flow = match of {
        FlowOf::Project { project, flow } => super::get(tx.conn(), project, flow)?,
        FlowOf::PingKey { key, slug } => super::by_ping_key(tx.conn(), key, slug)?,
    };
    apply_events(tx, &flow, events)
}

/// An entity of `project`'s flow `flow` (slug or id) and its last `limit` events;
/// `None` when the flow never saw it (or forgot it).
pub fn entity_of(
    c: &mut AnyConnection,
    project: &str,
    flow: &str,
    entity_id: &str,
    limit: i64,
) -> Result<(Option<EntityRow>, Vec<FlowEventRow>), StoreError> {
    let flow = super::get(c, project, flow)?;
    let row = entity(c, &flow.id, entity_id)?;
    let events = history(c, &flow.id, entity_id, limit)?;
    Ok((row, events))
}

/// A flow of `project` (slug or id) with its events and breaches since `since`
/// ([`export`]), and the attributes of the entities its events name.
#[allow(clippy::type_complexity)]
pub fn export_of(
    c: &mut AnyConnection,
    project: &str,
    flow: &str,
    since: i64,
    limit: i64,
) -> Result<
    (
        FlowRow,
        Vec<FlowEventRow>,
        Vec<crate::alerting::alerts::AlertRow>,
        HashMap<String, String>,
    ),
    StoreError,
> {
    let flow = super::get(c, project, flow)?;
    let (events, breaches) = export(c, &flow.id, since, limit)?;
    let attributes = attributes_of(c, &flow.id, &events)?;
    Ok((flow, events, breaches, attributes))
}

/// The attributes of the entities `events` name (those that have some).
fn attributes_of(
    c: &mut AnyConnection,
    flow: &str,
    events: &[FlowEventRow],
) -> Result<HashMap<String, String>, StoreError> {
    let mut names: Vec<&str> = events.iter().map(|e| e.entity.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let mut out = HashMap::new();
    for chunk in names.chunks(500) {
        let rows: Vec<(String, Option<String>)> = flow_entities::table
            .filter(flow_entities::flow_id.eq(flow))
            .filter(flow_entities::entity.eq_any(chunk))
            .filter(flow_entities::attributes.is_not_null())
            .select((flow_entities::entity, flow_entities::attributes))
            .load(c)?;
        out.extend(rows.into_iter().filter_map(|(e, a)| Some((e, a?))));
    }
    Ok(out)
}
