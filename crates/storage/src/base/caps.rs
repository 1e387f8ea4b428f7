//! Caps per project and per user (docs/security.md, "Limits"): set by the operator,
//! held on every path that creates what they count (the API, the v3 mirror, `?create=1`,
//! chains), inside the creating transaction.

use diesel::prelude::*;

use crate::base::schema::{memberships, monitors};
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
    /// Refuses one more monitor in `project` when it holds the most allowed.
    pub fn check_monitors(&self, c: &mut AnyConnection, project: &str) -> Result<(), StoreError> {
        let n: i64 = monitors::table
            .filter(monitors::project_id.eq(project))
            .count()
            .get_result(c)?;
        if n >= self.monitors_per_project {
            return Err(StoreError::Capped(format!(
                "monitors per project: this project has the most allowed ({}); delete some, \
                 or ask the operator to raise OVERDUE_MAX_MONITORS",
                self.monitors_per_project
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
