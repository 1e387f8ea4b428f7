//! Monitors as the API shows them: a row with what its view needs besides it (channels,
//! dependencies, open problems, the project's keys for its URLs, the silences now), read
//! in one call per request. A list reads a handful of queries whatever its length.
//! Runs likewise: a monitor's runs, one run in depth, the next piece of a run's log.

use std::collections::HashMap;

use diesel::prelude::*;
use overdue_core::Timestamp;

use crate::alerting::{channels, silences};
use crate::base::models::{MonitorRow, RunRow};
use crate::base::schema::projects;
use crate::monitoring::deps::{self, MonitorLinks};
use crate::monitoring::runs::{self, ChildRow, LogChunk};
use crate::monitoring::{history, monitors, problems};
use crate::{AnyConnection, StoreError};

/// The project's keys that monitors' URLs are made of.
#[derive(Debug, Clone)]
pub struct ProjectKeys {
    /// The key of slug ping URLs.
    pub ping_key: String,
    /// The key of badge URLs, when badges are on.
    pub badge_key: Option<String>,
}

/// What every monitor of a view shares: the project's keys and the silences now.
#[derive(Debug, Clone)]
pub struct Shared {
    /// The project's keys.
    pub keys: ProjectKeys,
    /// The silences in force now.
    pub silences: Vec<overdue_core::route::Silence>,
}

/// One monitor's view.
#[derive(Debug, Clone)]
pub struct MonitorView {
    /// Its row.
    pub row: MonitorRow,
    /// Its channels' ids.
    pub channels: Vec<String>,
    /// Its dependencies (in a list, `None` for a monitor with none).
    pub links: Option<MonitorLinks>,
    /// Its open problems.
    pub open_problems: i64,
}

fn shared(c: &mut AnyConnection, project: &str, now: Timestamp) -> Result<Shared, StoreError> {
    let (ping_key, badge_key) = projects::table
        .find(project)
        .select((projects::ping_key, projects::badge_key))
        .first::<(String, Option<String>)>(c)
        .optional()?
        .ok_or(StoreError::NotFound("project"))?;
    Ok(Shared {
        keys: ProjectKeys {
            ping_key,
            badge_key,
        },
        silences: silences::current(c, project, now)?,
    })
}

/// The monitor `id` of `project` as the API shows it at `now`.
pub fn one(
    c: &mut AnyConnection,
    project: &str,
    id: &str,
    now: Timestamp,
) -> Result<(MonitorView, Shared), StoreError> {
    let row = monitors::get(c, project, id)?;
    let channels = channels::for_monitor(c, &row.id)?;
    let links = deps::links_of(c, &row.id)?;
    let open = problems::open_counts(c, std::slice::from_ref(&row.id))?;
    let view = MonitorView {
        open_problems: open.get(&row.id).copied().unwrap_or(0),
        row,
        channels,
        links: Some(links),
    };
    Ok((view, shared(c, project, now)?))
}

/// Every monitor of `project` as the API lists them at `now`.
pub fn all(
    c: &mut AnyConnection,
    project: &str,
    now: Timestamp,
) -> Result<(Vec<MonitorView>, Shared), StoreError> {
    let rows = monitors::list(c, project)?;
    let mut chans = channels::for_project(c, project)?;
    let mut links: HashMap<String, MonitorLinks> = deps::links_of_project(c, project, &rows)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let open = problems::open_counts(c, &ids)?;
    let views = rows
        .into_iter()
        .map(|row| MonitorView {
            channels: chans.remove(&row.id).unwrap_or_default(),
            links: links.remove(&row.id),
            open_problems: open.get(&row.id).copied().unwrap_or(0),
            row,
        })
        .collect();
    Ok((views, shared(c, project, now)?))
}

/// Monitor `id` of `project` with its last `limit` runs.
pub fn runs_of(
    c: &mut AnyConnection,
    project: &str,
    id: &str,
    limit: i64,
) -> Result<(MonitorRow, Vec<RunRow>), StoreError> {
    let row = monitors::get(c, project, id)?;
    let runs = history::runs(c, id, limit)?;
    Ok((row, runs))
}

/// A run in depth: its monitor (of `project`), its fan-out children, the problems it
/// reported (at most 100) and the body of the ping that ended it.
#[allow(clippy::type_complexity)]
pub fn run(
    c: &mut AnyConnection,
    project: &str,
    run: &RunRow,
) -> Result<
    (
        MonitorRow,
        Vec<ChildRow>,
        Vec<problems::ProblemRow>,
        Option<String>,
    ),
    StoreError,
> {
    let row = monitors::get(c, project, &run.monitor_id)?;
    let children = runs::children(c, run.id)?;
    let found = problems::of_run(c, run.id, 100)?;
    let end = runs::end_ping_body(c, &run.monitor_id, run.ended_at)?;
    Ok((row, children, found, end))
}

/// The next `limit` chunks of run `id`'s log after chunk `after`, with the run as it is
/// now (`None` once pruned).
pub fn log_after(
    c: &mut AnyConnection,
    id: i64,
    after: i64,
    limit: i64,
) -> Result<(Vec<LogChunk>, Option<RunRow>), StoreError> {
    let chunks = runs::log_after(c, id, after, limit)?;
    Ok((chunks, runs::get_any(c, id)?))
}

/// Monitors `ids` of `project` as the live view sends them: each with its channels and
/// dependencies (the open problems and shared parts are the page's own).
pub fn some(
    c: &mut AnyConnection,
    project: &str,
    ids: &[String],
) -> Result<Vec<MonitorView>, StoreError> {
    monitors::get_many(c, project, ids)?
        .into_iter()
        .map(|row| {
            Ok(MonitorView {
                channels: channels::for_monitor(c, &row.id)?,
                links: Some(deps::links_of(c, &row.id)?),
                open_problems: 0,
                row,
            })
        })
        .collect()
}

/// `project`'s badge key (`None` when badges are off) and its monitors.
pub fn badge_monitors(
    c: &mut AnyConnection,
    project: &str,
) -> Result<(Option<String>, Vec<MonitorRow>), StoreError> {
    let key = projects::table
        .find(project)
        .select(projects::badge_key)
        .first::<Option<String>>(c)
        .optional()?
        .ok_or(StoreError::NotFound("project"))?;
    Ok((key, monitors::list(c, project)?))
}

/// The monitors of the project whose badge key is `key`; `None` for an unknown key.
pub fn by_badge_key(
    c: &mut AnyConnection,
    key: &str,
) -> Result<Option<Vec<MonitorRow>>, StoreError> {
    let project: Option<String> = projects::table
        .filter(projects::badge_key.eq(key))
        .select(projects::id)
        .first(c)
        .optional()?;
    match project {
        Some(p) => monitors::list(c, &p).map(Some),
        None => Ok(None),
    }
}

/// `project`'s monitors with their open problems' counts (what its metrics need).
pub fn with_open_problems(
    c: &mut AnyConnection,
    project: &str,
) -> Result<(Vec<MonitorRow>, HashMap<String, i64>), StoreError> {
    let rows = monitors::list(c, project)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let open = problems::open_counts(c, &ids)?;
    Ok((rows, open))
}
