//! A project at a glance, for the dashboard's title, icon and navigation: monitors by
//! shown status, open alerts, open problems. A few counting queries, whatever the size.

use diesel::dsl::count_star;
use diesel::prelude::*;
use overdue_core::Timestamp;

use crate::base::schema::{alerts, monitors, problems};
use crate::{AnyConnection, StoreError};

/// Counts of one project.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    /// Monitors by stored status (`up`, `down`, `new`, `paused`).
    pub by_status: Vec<(String, i64)>,
    /// Of the up ones, those past their due time (shown `late`).
    pub late: i64,
    /// Up or new monitors with a run open (shown `running`), by stored status.
    pub running: Vec<(String, i64)>,
    /// Alerts nobody has acknowledged yet.
    pub open_alerts: i64,
    /// Alerts acknowledged but not over.
    pub acknowledged_alerts: i64,
    /// Problems not resolved.
    pub open_problems: i64,
}

/// The counts of `project` at `now`.
pub fn of_project(
    c: &mut AnyConnection,
    project: &str,
    now: Timestamp,
) -> Result<Summary, StoreError> {
    let by_status = monitors::table
        .filter(monitors::project_id.eq(project))
        .group_by(monitors::status)
        .select((monitors::status, count_star()))
        .load::<(String, i64)>(c)?;
    let up = monitors::table
        .filter(monitors::project_id.eq(project))
        .filter(monitors::status.eq("up"))
        .filter(monitors::run_started_at.is_null());
    let late = up
        .filter(monitors::next_due_at.lt(now.millis()))
        .select(count_star())
        .first(c)?;
    let running = monitors::table
        .filter(monitors::project_id.eq(project))
        .filter(monitors::status.eq_any(["up", "new"]))
        .filter(monitors::run_started_at.is_not_null())
        .group_by(monitors::status)
        .select((monitors::status, count_star()))
        .load::<(String, i64)>(c)?;
    let alerts = alerts::table
        .filter(alerts::project_id.eq(project))
        .filter(alerts::status.eq_any(["open", "acknowledged"]))
        .group_by(alerts::status)
        .select((alerts::status, count_star()))
        .load::<(String, i64)>(c)?;
    let alert_count = |s: &str| count_of(&alerts, s);
    let open_problems = problems::table
        .filter(problems::project_id.eq(project))
        .filter(problems::resolved_at.is_null())
        .select(count_star())
        .first(c)?;
    Ok(Summary {
        by_status,
        late,
        running,
        open_alerts: alert_count("open"),
        acknowledged_alerts: alert_count("acknowledged"),
        open_problems,
    })
}

/// The count of `key` in grouped counts (0 when absent).
pub fn count_of(counts: &[(String, i64)], key: &str) -> i64 {
    counts.iter().find(|(k, _)| k == key).map_or(0, |(_, n)| *n)
}
