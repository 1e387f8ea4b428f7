//! Breaches (docs/behaviour.md, "Flows (entity SLAs)"): an entity still in its stage when
//! its due time passes. The
//! scheduler asks the due index for what has passed (no scan of the entities) and
//! claims each by clearing its due time with a conditional update — once, also with
//! several instances — in the transaction that opens its alert and writes its
//! messages. The alert resolves when the entity moves on (`events`).

use std::collections::HashMap;

use diesel::prelude::*;
use overdue_core::alert::AlertKind;
use overdue_core::flow;
use overdue_core::{EventKind, Timestamp, Transition};

use super::FlowRow;
use crate::base::schema::{flow_entities, flows};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// An entity whose SLA has passed.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Due {
    /// Its flow.
    pub flow_id: String,
    /// The entity.
    pub entity: String,
    /// When its SLA ended.
    pub due_at: i64,
}

/// Entities due by `now`, earliest first (an index range).
pub fn due(c: &mut AnyConnection, now: Timestamp, limit: i64) -> Result<Vec<Due>, StoreError> {
    Ok(flow_entities::table
        .filter(flow_entities::due_at.le(now.0))
        .order(flow_entities::due_at.asc())
        .limit(limit)
        .select((
            flow_entities::flow_id,
            flow_entities::entity,
            flow_entities::due_at.assume_not_null(),
        ))
        .load(c)?)
}

/// The earliest due time of any entity or aggregate check, to sleep until then.
pub fn earliest(c: &mut AnyConnection) -> Result<Option<Timestamp>, StoreError> {
    // Ordered on the partial index (a bare min() would not use it: it scans them all).
    let at: Option<i64> = flow_entities::table
        .filter(flow_entities::due_at.is_not_null())
        .order(flow_entities::due_at.asc())
        .select(flow_entities::due_at.assume_not_null())
        .first(c)
        .optional()?;
    let agg = super::aggregates::earliest(c)?;
    Ok(at.into_iter().chain(agg).min().map(Timestamp))
}

/// Opens the breach of each due entity still due (claimed here). Returns how many.
pub fn fire_breaches(tx: &mut Tx<'_>, due: &[Due]) -> Result<usize, StoreError> {
    let now = tx.now();
    let mut flows_seen: HashMap<String, Option<FlowRow>> = HashMap::new();
    let mut opened = 0;
    for d in due {
        let c = tx.conn();
        let claimed = diesel::update(
            flow_entities::table
                .find((&d.flow_id, &d.entity))
                .filter(flow_entities::due_at.eq(d.due_at)),
        )
        .set(flow_entities::due_at.eq(None::<i64>))
        .execute(c)?;
        if claimed == 0 {
            continue;
        }
        if !flows_seen.contains_key(&d.flow_id) {
            let row = flows::table
                .find(&d.flow_id)
                .select(FlowRow::as_select())
                .first(c)
                .optional()?;
            flows_seen.insert(d.flow_id.clone(), row);
        }
        let Some(Some(flow)) = flows_seen.get(&d.flow_id) else {
            continue;
        };
        let Some(entity) = super::entity(c, &d.flow_id, &d.entity)? else {
            continue;
        };
        let def = flow.def();
        let severity = entity
            .stage_index
            .and_then(|i| def.stages.get(usize::try_from(i).ok()?))
            .map_or_else(|| "error".to_string(), |s| s.severity.clone());
        let message = flow::breach_text(&entity.entity, &entity.stage, entity.entered_at, now.0);
        let alert = crate::alerting::alerts::open(
            c,
            crate::alerting::alerts::NewAlert {
                project: &flow.project_id,
                flow: Some(&flow.id),
                monitor: None,
                channel: None,
                kind: AlertKind::Flow,
                severity: &severity,
                summary: format!("{}: {message}", flow.name),
                unique: format!("{}/{}", entity.entity, entity.stage),
                problem_id: None,
                reason: None,
            },
            now,
        )?;
        diesel::update(flow_entities::table.find((&d.flow_id, &d.entity)))
            .set(flow_entities::breach_alert.eq(alert.id))
            .execute(c)?;
        let mut bumps = super::stats::Bumps::default();
        bumps.breached(&flow.id, &entity.stage, now);
        bumps.breached_now(&flow.id, &entity.stage, 1);
        bumps.write(tx)?;
        // While the stage's aggregate alert is open, single breaches send nothing.
        let index = entity.stage_index.and_then(|i| usize::try_from(i).ok());
        if super::aggregates::on_breach(tx, flow, index)? {
            opened += 1;
            continue;
        }
        let rec = super::breach_record(
            flow,
            EventKind::FlowBreached,
            &format!("{} in {}", entity.entity, entity.stage),
            &entity.stage,
            &severity,
            message,
            alert.note(Transition::Trigger, 1),
            now,
        );
        crate::alerting::notices::enqueue_for(tx, &flow.owner(), &[rec])?;
        opened += 1;
    }
    Ok(opened)
}
