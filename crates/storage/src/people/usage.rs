//! What each project holds, for the instance's operators (docs/security.md, "Limits"):
//! owners, members, monitors, channels and flows per project, with the operator's
//! limits for it (a few grouped counts, whatever the number of projects); and setting
//! those limits.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;
use overdue_types::{OperatorLimit, ProjectUsage};

use crate::base::caps::{LimitRow, ProjectLimits, LIMITS};
use crate::base::schema::{
    channels, flows, memberships, monitors, project_limits, projects, users,
};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

fn counts(rows: Vec<(String, i64)>) -> HashMap<String, i64> {
    rows.into_iter().collect()
}

/// The instance's setting of each limit a project may have its own of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceLimits {
    /// Monitors per project.
    pub monitors: i64,
    /// Live streams per project.
    pub streams: i64,
    /// Channels per project.
    pub channels: i64,
    /// Flows per project.
    pub flows: i64,
    /// Signals per second per project.
    pub events_per_second: i64,
}

fn limit(own: Option<i64>, instance: i64) -> OperatorLimit {
    OperatorLimit {
        own,
        effective: own.unwrap_or(instance),
    }
}

/// Every project's usage, by name, with each limit as set and in force (`defaults`:
/// the instance's). Streams open now and signals refused are this process's to count:
/// 0 here.
pub fn all(
    c: &mut AnyConnection,
    defaults: InstanceLimits,
) -> Result<Vec<ProjectUsage>, StoreError> {
    let list: Vec<(String, String)> = projects::table
        .order((projects::name.asc(), projects::id.asc()))
        .select((projects::id, projects::name))
        .load(c)?;
    let members = counts(
        memberships::table
            .group_by(memberships::project_id)
            .select((memberships::project_id, count_star()))
            .load(c)?,
    );
    let mons = counts(
        monitors::table
            .group_by(monitors::project_id)
            .select((monitors::project_id, count_star()))
            .load(c)?,
    );
    let chans = counts(
        channels::table
            .group_by(channels::project_id)
            .select((channels::project_id, count_star()))
            .load(c)?,
    );
    let fls = counts(
        flows::table
            .group_by(flows::project_id)
            .select((flows::project_id, count_star()))
            .load(c)?,
    );
    let mut owners: HashMap<String, Vec<String>> = HashMap::new();
    let rows: Vec<(String, String)> = memberships::table
        .inner_join(users::table.on(users::id.eq(memberships::user_id)))
        .filter(memberships::role.eq("owner"))
        .order(users::email.asc())
        .select((memberships::project_id, users::email))
        .load(c)?;
    for (p, e) in rows {
        owners.entry(p).or_default().push(e);
    }
    let limits: HashMap<String, ProjectLimits> = project_limits::table
        .select((project_limits::project_id, LIMITS))
        .load::<(String, LimitRow)>(c)?
        .into_iter()
        .map(|(p, row)| (p, ProjectLimits::from(row)))
        .collect();
    Ok(list
        .into_iter()
        .map(|(id, name)| {
            let own = limits.get(&id).copied().unwrap_or_default();
            ProjectUsage {
                owners: owners.remove(&id).unwrap_or_default(),
                members: members.get(&id).copied().unwrap_or(0),
                monitors: mons.get(&id).copied().unwrap_or(0),
                channels: chans.get(&id).copied().unwrap_or(0),
                flows: fls.get(&id).copied().unwrap_or(0),
                streams_open: 0,
                signals_refused: 0,
                max_monitors: limit(own.max_monitors, defaults.monitors),
                max_streams: limit(own.max_streams, defaults.streams),
                max_channels: limit(own.max_channels, defaults.channels),
                max_flows: limit(own.max_flows, defaults.flows),
                max_events_per_second: limit(own.max_events_per_second, defaults.events_per_second),
                id,
                name,
            }
        })
        .collect())
}

/// Sets `project`'s own limits (all `None`: back to the instance's settings); an
/// unknown project is `NotFound`. Lowering
/// one below what the project holds deletes nothing: only what is created next is
/// refused.
pub fn set_limits(tx: &mut Tx<'_>, project: &str, limits: ProjectLimits) -> Result<(), StoreError> {
    let now = tx.now();
    crate::people::projects::get(tx.conn(), project)?;
    let c = tx.conn();
    diesel::delete(project_limits::table.find(project)).execute(c)?;
    if limits != ProjectLimits::default() {
        diesel::insert_into(project_limits::table)
            .values((
                project_limits::project_id.eq(project),
                project_limits::max_monitors.eq(limits.max_monitors),
                project_limits::max_streams.eq(limits.max_streams),
                project_limits::max_channels.eq(limits.max_channels),
                project_limits::max_flows.eq(limits.max_flows),
                project_limits::max_events_per_second.eq(limits.max_events_per_second),
                project_limits::updated_at.eq(now.0),
            ))
            .execute(c)?;
    }
    Ok(())
}
