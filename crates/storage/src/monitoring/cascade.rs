//! Deleting a monitor, in one place: everything that names it goes in the same unit of
//! work — dependency edges, chain membership (and a chain's members when it is a
//! chain), runs with their logs and children, pings, flips, problems, channel
//! assignments, leases, then the row. Its open alerts resolve (kept as history).

use diesel::prelude::*;
use overdue_core::MonitorId;

use crate::base::models::MonitorRow;
use crate::base::schema::{
    chain_members, dependencies, flips, leases, monitor_channels, monitors, pings, problems, runs,
};
use crate::base::tx::Tx;
use crate::monitoring::deps::Edge;
use crate::StoreError;

/// Deletes monitor `id` of `project` with everything that names it; returns its row and
/// the monitors that depended on it (they lose the edge and keep their own schedule).
pub fn delete_monitor(
    tx: &mut Tx<'_>,
    project: &str,
    id: &MonitorId,
) -> Result<(MonitorRow, Vec<Edge>), StoreError> {
    let id = &id.to_string();
    let row = crate::monitoring::monitors::get(tx.conn(), project, id)?;
    // The dependents' and upstreams' cached flags change: the whole cache goes.
    tx.structure_changed();
    tx.changed(id);
    // Its open alerts resolve (reason `deleted`, history kept), announced to its channels
    // while they are still assigned, so no incident stays open for a monitor that is gone.
    let status = row.state().status;
    let gone = crate::alerting::notices::Notice {
        kind: overdue_core::EventKind::MonitorDeleted,
        status,
        previous: status,
        reason: None,
        detail: None,
    };
    crate::alerting::notices::enqueue(tx, id, Some(&row), &[gone], Default::default())?;
    let c = tx.conn();
    let dependents = crate::monitoring::deps::edges(c, id, false)?;
    diesel::delete(
        dependencies::table.filter(
            dependencies::monitor_id
                .eq(id)
                .or(dependencies::upstream_id.eq(id)),
        ),
    )
    .execute(c)?;
    diesel::delete(
        chain_members::table.filter(
            chain_members::chain_id
                .eq(id)
                .or(chain_members::monitor_id.eq(id)),
        ),
    )
    .execute(c)?;
    let run_ids: Vec<i64> = runs::table
        .filter(runs::monitor_id.eq(id))
        .select(runs::id)
        .load(c)?;
    crate::monitoring::runs::delete_logs(c, &run_ids)?;
    diesel::delete(pings::table.filter(pings::monitor_id.eq(id))).execute(c)?;
    diesel::delete(runs::table.filter(runs::monitor_id.eq(id))).execute(c)?;
    diesel::delete(flips::table.filter(flips::monitor_id.eq(id))).execute(c)?;
    diesel::delete(problems::table.filter(problems::monitor_id.eq(id))).execute(c)?;
    diesel::delete(leases::table.filter(leases::monitor_id.eq(id))).execute(c)?;
    diesel::delete(monitor_channels::table.filter(monitor_channels::monitor_id.eq(id)))
        .execute(c)?;
    crate::monitoring::refs::delete(c, id)?;
    crate::monitoring::status_keys::forget(c, id)?;
    diesel::delete(monitors::table.find(id)).execute(c)?;
    Ok((row, dependents))
}
