//! Monitors as the API shows them: a row with what its view needs besides it (channels,
//! dependencies, open problems, the project's keys for its URLs, the silences now), read
//! in one call per request. A list reads a handful of queries whatever its length.

use std::collections::HashMap;

use diesel::prelude::*;
use overdue_core::Timestamp;

use crate::alerting::{channels, silences};
use crate::base::models::MonitorRow;
use crate::base::schema::projects;
use crate::monitoring::deps::{self, MonitorLinks};
use crate::monitoring::{monitors, problems};
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
