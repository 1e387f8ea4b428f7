//! Caps per project and per user (docs/security.md, "Limits"): set by the operator,
//! held on every path that creates what they count (the API, the v3 mirror, `?create=1`,
//! chains), inside the creating transaction.

use diesel::prelude::*;

use crate::base::schema::{memberships, monitors, project_limits};
use crate::{AnyConnection, StoreError};

/// The operator's caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Monitors (chains included) in one project.
    pub monitors_per_project: i64,
    /// Projects one user owns (creating one is refused past it).
    pub projects_per_user: i64,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            monitors_per_project: 5_000,
            projects_per_user: 12,
        }
    }
}

impl Caps {
    /// Refuses one more monitor in `project` when it holds the most allowed: the
    /// operator's limit for this project where one is set, else the instance's.
    pub fn check_monitors(&self, c: &mut AnyConnection, project: &str) -> Result<(), StoreError> {
        let own = project_limits(c, project)?.max_monitors;
        let max = own.unwrap_or(self.monitors_per_project);
        let n: i64 = monitors::table
            .filter(monitors::project_id.eq(project))
            .count()
            .get_result(c)?;
        if n >= max {
            let raise = if own.is_some() {
                "ask the operator to raise this project's limit"
            } else {
                "ask the operator to raise OVERDUE_MAX_MONITORS"
            };
            return Err(StoreError::Capped(format!(
                "monitors per project: this project has the most allowed ({max}); delete \
                 some, or {raise}"
            )));
        }
        Ok(())
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

/// One project's own limits, set by the operator (docs/security.md, "Limits"); `None`
/// keeps the instance's setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectLimits {
    /// Monitors (chains included) in this project.
    pub max_monitors: Option<i64>,
    /// Live event streams open at once for this project.
    pub max_streams: Option<i64>,
}

/// The operator's limits for `project` (none set: all `None`).
pub fn project_limits(c: &mut AnyConnection, project: &str) -> Result<ProjectLimits, StoreError> {
    let row: Option<(Option<i64>, Option<i64>)> = project_limits::table
        .find(project)
        .select((project_limits::max_monitors, project_limits::max_streams))
        .first(c)
        .optional()?;
    Ok(row
        .map(|(max_monitors, max_streams)| ProjectLimits {
            max_monitors,
            max_streams,
        })
        .unwrap_or_default())
}
