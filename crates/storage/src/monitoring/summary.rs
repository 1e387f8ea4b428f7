//! A project at a glance, for the dashboard's title, icon and navigation: monitors by
//! shown status, open alerts, open problems. A few counting queries, whatever the size.

use diesel::dsl::count_star;
use diesel::prelude::*;
use overdue_core::Timestamp;

use crate::base::schema::{alerts, monitors, problems, projects};
use crate::{AnyConnection, StoreError};

/// Counts of one project.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    /// Monitors by shown state (`up`, `late`, `running`, `down`, `new`, `paused`), by
    /// the one rule `overdue_types::shown_state`.
    pub shown: Vec<(String, i64)>,
    /// Alerts nobody has acknowledged yet.
    pub open_alerts: i64,
    /// The rows the Alerts page lists as open (`alerting::triage::open_rows`).
    pub open_alert_rows: i64,
    /// Alerts acknowledged but not over.
    pub acknowledged_alerts: i64,
    /// Problems not resolved.
    pub open_problems: i64,
    /// The project's zone (empty: not set; docs/behaviour.md, "The project's zone").
    pub tz: String,
}

/// The counts of `project` at `now`. The database counts monitors by the facts the
/// shown state depends on (stored status, a run open, past due); the rule itself is
/// applied here, to each count, so that it lives in one place.
pub fn of_project(
    c: &mut AnyConnection,
    project: &str,
    now: Timestamp,
) -> Result<Summary, StoreError> {
    let now = now.millis();
    // Monitors of the project by stored status, among those matching two filters.
    macro_rules! counts {
        ($run:expr, $due:expr) => {
            monitors::table
                .filter(monitors::project_id.eq(project))
                .filter($run)
                .filter($due)
                .group_by(monitors::status)
                .select((monitors::status, count_star()))
                .load::<(String, i64)>(c)?
        };
    }
    let open = || monitors::run_started_at.is_not_null();
    let closed = || monitors::run_started_at.is_null();
    let past = || monitors::next_due_at.lt(now);
    let not_past = || {
        monitors::next_due_at
            .is_null()
            .or(monitors::next_due_at.ge(now))
    };
    let parts = [
        (false, false, counts!(closed(), not_past())),
        (false, true, counts!(closed(), past())),
        (true, false, counts!(open(), not_past())),
        (true, true, counts!(open(), past())),
    ];
    let mut shown: Vec<(String, i64)> = Vec::new();
    for (run_open, past_due, counts) in parts {
        for (stored, n) in counts {
            let state = overdue_core::monitor::shown_state(&stored, run_open, past_due);
            match shown.iter_mut().find(|(k, _)| k == state) {
                Some((_, total)) => *total += n,
                None => shown.push((state.to_string(), n)),
            }
        }
    }
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
    let tz = projects::table
        .find(project)
        .select(projects::tz)
        .first::<String>(c)
        .optional()?
        .unwrap_or_default();
    Ok(Summary {
        shown,
        tz,
        open_alerts: alert_count("open"),
        open_alert_rows: crate::alerting::triage::open_rows(c, project)?,
        acknowledged_alerts: alert_count("acknowledged"),
        open_problems,
    })
}

/// The count of `key` in grouped counts (0 when absent).
pub fn count_of(counts: &[(String, i64)], key: &str) -> i64 {
    counts.iter().find(|(k, _)| k == key).map_or(0, |(_, n)| *n)
}

/// The counts of each of `projects` at `now`, in their order (the overview of a
/// person's projects, docs/behaviour.md "Projects").
pub fn of_projects(
    c: &mut AnyConnection,
    projects: &[String],
    now: Timestamp,
) -> Result<Vec<Summary>, StoreError> {
    projects.iter().map(|p| of_project(c, p, now)).collect()
}
