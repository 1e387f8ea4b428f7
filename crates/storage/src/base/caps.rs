//! Caps per project and per user (docs/security.md, "Limits"): set by the operator,
//! held on every path that creates what they count (the API, the v3 mirror, `?create=1`,
//! chains), inside the creating transaction.

use diesel::prelude::*;

use crate::base::schema::{channels, flows, memberships, monitors, project_limits, projects};
use crate::{AnyConnection, StoreError};

/// The operator's caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Monitors (chains included) in one project.
    pub monitors_per_project: i64,
    /// Projects one user owns (creating one is refused past it).
    pub projects_per_user: i64,
    /// Channels in one project.
    pub channels_per_project: i64,
    /// Flows in one project.
    pub flows_per_project: i64,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            monitors_per_project: 5_000,
            projects_per_user: 12,
            channels_per_project: 500,
            flows_per_project: 500,
        }
    }
}

impl Caps {
    /// Refuses one more monitor in `project` when it holds the most allowed: the
    /// operator's limit for this project where one is set, else the instance's.
    pub fn check_monitors(&self, c: &mut AnyConnection, project: &str) -> Result<(), StoreError> {
        let own = project_limits(c, project)?.max_monitors;
        let n: i64 = monitors::table
            .filter(monitors::project_id.eq(project))
            .count()
            .get_result(c)?;
        held(
            n,
            own,
            self.monitors_per_project,
            "monitors",
            "OVERDUE_MAX_MONITORS",
        )
    }

    /// Refuses one more channel in `project` past its limit (as monitors).
    pub fn check_channels(&self, c: &mut AnyConnection, project: &str) -> Result<(), StoreError> {
        let own = project_limits(c, project)?.max_channels;
        let n: i64 = channels::table
            .filter(channels::project_id.eq(project))
            .count()
            .get_result(c)?;
        held(
            n,
            own,
            self.channels_per_project,
            "channels",
            "OVERDUE_MAX_CHANNELS",
        )
    }

    /// Refuses one more flow in `project` past its limit (as monitors).
    pub fn check_flows(&self, c: &mut AnyConnection, project: &str) -> Result<(), StoreError> {
        let own = project_limits(c, project)?.max_flows;
        let n: i64 = flows::table
            .filter(flows::project_id.eq(project))
            .count()
            .get_result(c)?;
        held(n, own, self.flows_per_project, "flows", "OVERDUE_MAX_FLOWS")
    }

    /// Refuses one more project owned by `user` when they own the most allowed.
    pub fn check_projects(&self, c: &mut AnyConnection, user: &str) -> Result<(), StoreError> {
        let n: i64 = memberships::table
            .filter(memberships::user_id.eq(user))
            .filter(memberships::role.eq("owner"))
            .count()
            .get_result(c)?;
        if n >= self.projects_per_user {
            return Err(StoreError::Capped(format!(
                "projects per user: you own the most allowed ({}); delete or hand over one, \
                 or ask the operator to raise OVERDUE_MAX_PROJECTS",
                self.projects_per_user
            )));
        }
        Ok(())
    }
}

/// Refuses one more of `what` when `n` are held: the project's own limit where set, else
/// the instance's `setting`; the refusal says which one to ask the operator to raise.
fn held(
    n: i64,
    own: Option<i64>,
    instance: i64,
    what: &str,
    setting: &str,
) -> Result<(), StoreError> {
    let max = own.unwrap_or(instance);
    if n < max {
        return Ok(());
    }
    let raise = if own.is_some() {
        "ask the operator to raise this project's limit".to_string()
    } else {
        format!("ask the operator to raise {setting}")
    };
    Err(StoreError::Capped(format!(
        "{what} per project: this project has the most allowed ({max}); delete some, or {raise}"
    )))
}

/// One project's own limits, set by the operator (docs/security.md, "Limits"); `None`
/// keeps the instance's setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectLimits {
    /// Monitors (chains included) in this project.
    pub max_monitors: Option<i64>,
    /// Live event streams open at once for this project.
    pub max_streams: Option<i64>,
    /// Channels in this project.
    pub max_channels: Option<i64>,
    /// Flows in this project.
    pub max_flows: Option<i64>,
    /// Signals (pings, heartbeats, reports, flow events) per second.
    pub max_events_per_second: Option<i64>,
}

/// The columns of `project_limits` that hold limits, in [`ProjectLimits`]' order.
type LimitColumns = (
    project_limits::max_monitors,
    project_limits::max_streams,
    project_limits::max_channels,
    project_limits::max_flows,
    project_limits::max_events_per_second,
);

/// One row's limits as read with [`LIMITS`].
pub(crate) type LimitRow = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// The selection of a project's limits.
pub(crate) const LIMITS: LimitColumns = (
    project_limits::max_monitors,
    project_limits::max_streams,
    project_limits::max_channels,
    project_limits::max_flows,
    project_limits::max_events_per_second,
);

impl From<LimitRow> for ProjectLimits {
    fn from(
        (max_monitors, max_streams, max_channels, max_flows, max_events_per_second): LimitRow,
    ) -> Self {
        ProjectLimits {
            max_monitors,
            max_streams,
            max_channels,
            max_flows,
            max_events_per_second,
        }
    }
}

/// The operator's limits for `project` (none set: all `None`).
pub fn project_limits(c: &mut AnyConnection, project: &str) -> Result<ProjectLimits, StoreError> {
    let row: Option<LimitRow> = project_limits::table
        .find(project)
        .select(LIMITS)
        .first(c)
        .optional()?;
    Ok(row.map(ProjectLimits::from).unwrap_or_default())
}

/// The project of monitor `id` (`None`: no such monitor).
pub fn project_of_monitor(c: &mut AnyConnection, id: &str) -> Result<Option<String>, StoreError> {
    Ok(monitors::table
        .find(id)
        .select(monitors::project_id)
        .first(c)
        .optional()?)
}

/// The project whose ping key is `key` (`None`: no such key).
pub fn project_of_ping_key(c: &mut AnyConnection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(projects::table
        .filter(projects::ping_key.eq(key))
        .select(projects::id)
        .first(c)
        .optional()?)
}
