//! Stage aggregates (docs/behaviour.md, "Flows (entity SLAs)"): when more than a stage's
//! threshold of entities breach
//! within its window, one alert for the stage replaces their single messages (the
//! single breaches stay listed, silent). It resolves after a whole window below the
//! threshold. Each open aggregate is a row of `flow_aggregates` with the time it is
//! next looked at, in an index the breach loop asks — no timer in memory, no scan.

use diesel::prelude::*;
use overdue_core::alert::AlertKind;
use overdue_core::flow::stats::Aggregate;
use overdue_core::{EventKind, Timestamp, Transition};

use super::FlowRow;
use crate::base::schema::{flow_aggregates, flows};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// How often an open aggregate above its threshold is looked at again.
const RECHECK_MS: i64 = 60_000;

/// After a breach in stage `index` of `flow`: whether the stage's aggregate is open
/// (opened now if the breaches are over its threshold) — the single breach is then
/// not sent.
pub(crate) fn on_breach(
    tx: &mut Tx<'_>,
    flow: &FlowRow,
    index: Option<usize>,
) -> Result<bool, StoreError> {
    let now = tx.now();
    let def = flow.def();
    let Some(stage) = index.and_then(|i| def.stages.get(i)) else {
        return Ok(false);
    };
    let Some(agg) = &stage.aggregate else {
        return Ok(false);
    };
    let c = tx.conn();
    let open: i64 = flow_aggregates::table
        .find((&flow.id, &stage.name))
        .count()
        .get_result(c)?;
    if open > 0 {
        return Ok(true);
    }
    let stats = super::stats::window(c, &flow.id, &stage.name, now.0 - agg.window_ms)?;
    if !agg.over(stats) {
        return Ok(false);
    }
    let message = format!(
        "{} breached in {} in the last {} ({})",
        stats.breached,
        stage.name,
        overdue_core::flow::human(agg.window_ms),
        agg.words()
    );
    let alert = crate::alerting::alerts::open(
        c,
        crate::alerting::alerts::NewAlert {
            project: &flow.project_id,
            flow: Some(&flow.id),
            monitor: None,
            channel: None,
            kind: AlertKind::Flow,
            severity: &stage.severity,
            summary: format!("{}: {message}", flow.name),
            unique: format!("stage/{}/{}", stage.name, now.0),
            problem_id: None,
            reason: None,
        },
        now,
    )?;
    diesel::insert_into(flow_aggregates::table)
        .values((
            flow_aggregates::flow_id.eq(&flow.id),
            flow_aggregates::stage.eq(&stage.name),
            flow_aggregates::alert_id.eq(alert.id),
            flow_aggregates::check_at.eq(now.0 + RECHECK_MS),
        ))
        .execute(c)?;
    let rec = super::breach_record(
        flow,
        EventKind::FlowBreached,
        &format!("{} (aggregate)", stage.name),
        &stage.name,
        &stage.severity,
        message,
        alert.note(Transition::Trigger, 1),
        now,
    );
    crate::alerting::notices::enqueue_for(tx, &flow.owner(), &[rec])?;
    Ok(true)
}

/// An open aggregate due to be looked at.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct AggregateDue {
    /// Its flow.
    pub flow_id: String,
    /// Its stage.
    pub stage: String,
    /// Its alert.
    pub alert_id: i64,
    /// Since when it has been under its threshold.
    pub below_since: Option<i64>,
    /// When it was due.
    pub check_at: i64,
}

/// Aggregates due by `now` (an index range).
pub fn due(
    c: &mut AnyConnection,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<AggregateDue>, StoreError> {
    Ok(flow_aggregates::table
        .filter(flow_aggregates::check_at.le(now.0))
        .order(flow_aggregates::check_at.asc())
        .limit(limit)
        .select((
            flow_aggregates::flow_id,
            flow_aggregates::stage,
            flow_aggregates::alert_id,
            flow_aggregates::below_since,
            flow_aggregates::check_at,
        ))
        .load(c)?)
}

/// The earliest time an aggregate is to be looked at.
pub(crate) fn earliest(c: &mut AnyConnection) -> Result<Option<i64>, StoreError> {
    Ok(flow_aggregates::table
        .select(diesel::dsl::min(flow_aggregates::check_at))
        .first(c)?)
}

/// Looks at each due aggregate (claimed by a conditional update): still over its
/// threshold, under it since less than a window, or under it for a whole window —
/// then it resolves, with one message. Returns how many resolved.
pub fn check(tx: &mut Tx<'_>, due: &[AggregateDue]) -> Result<usize, StoreError> {
    let now = tx.now();
    let mut resolved = 0;
    for d in due {
        let c = tx.conn();
        let key = flow_aggregates::table
            .find((&d.flow_id, &d.stage))
            .filter(flow_aggregates::check_at.eq(d.check_at));
        let flow: Option<FlowRow> = flows::table
            .find(&d.flow_id)
            .select(FlowRow::as_select())
            .first(c)
            .optional()?;
        let agg: Option<Aggregate> = flow.as_ref().and_then(|f| {
            f.def()
                .stages
                .into_iter()
                .find(|s| s.name == d.stage)
                .and_then(|s| s.aggregate)
        });
        let (next, below) = match (&flow, &agg) {
            (Some(f), Some(a)) => {
                let stats = super::stats::window(c, &f.id, &d.stage, now.0 - a.window_ms)?;
                match d.below_since {
                    _ if a.over(stats) => (Some(now.0 + RECHECK_MS), None),
                    None => (Some(now.0 + a.window_ms), Some(now.0)),
                    Some(since) if now.0 - since < a.window_ms => {
                        (Some(since + a.window_ms), Some(since))
                    }
                    Some(_) => (None, None),
                }
            }
            // The flow or the stage's aggregate is gone: it resolves.
            _ => (None, None),
        };
        if let Some(at) = next {
            diesel::update(key)
                .set((
                    flow_aggregates::check_at.eq(at),
                    flow_aggregates::below_since.eq(below),
                ))
                .execute(c)?;
            continue;
        }
        if diesel::delete(key).execute(c)? == 0 {
            continue;
        }
        crate::alerting::alerts::resolve_ids(c, &[d.alert_id], "under threshold", now)?;
        resolved += 1;
        let Some(flow) = flow else { continue };
        tx.flow_changed(&flow.id);
        let c = tx.conn();
        let alert = crate::alerting::alerts::get(c, &flow.project_id, d.alert_id)?;
        let message = format!("breaches in {} are back under the threshold", d.stage);
        let rec = super::breach_record(
            &flow,
            EventKind::FlowRecovered,
            &format!("{} (aggregate)", d.stage),
            &d.stage,
            &alert.severity,
            message,
            alert.note(Transition::Resolve, 1),
            now,
        );
        crate::alerting::notices::enqueue_for(tx, &flow.owner(), &[rec])?;
    }
    Ok(resolved)
}
