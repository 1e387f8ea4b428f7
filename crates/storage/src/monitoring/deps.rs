//! Dependencies between monitors: the declared edges (checked: same project, no
//! cycle), who depends on whom, and the upstream walk that decides suppression.

use std::collections::HashMap;

use diesel::prelude::*;
use overdue_core::{Dur, Graph, Link, LinkKind};

use crate::base::schema::{dependencies, monitors};
use crate::base::statements::on_inner;
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// A declared dependency as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The other monitor's id (the upstream, or the dependent).
    pub other: String,
    /// Its name.
    pub name: String,
    /// `after` or `on_failure`.
    pub kind: LinkKind,
    /// Milliseconds.
    pub within_ms: i64,
}

type EdgeRow = (String, String, String, i64);

fn to_link((monitor, upstream, kind, within): EdgeRow) -> Option<Link> {
    Some(Link {
        monitor,
        upstream,
        kind: LinkKind::parse(&kind)?,
        within: Dur(within),
    })
}

/// A monitor's dependencies as the API shows them.
#[derive(Debug, Clone, Default)]
pub struct MonitorLinks {
    /// The monitors it depends on.
    pub upstreams: Vec<Edge>,
    /// The monitors that depend on it.
    pub dependents: Vec<Edge>,
    /// The down upstream suppressing its alerts: id and name.
    pub suppressed_by: Option<(String, String)>,
}

/// The dependencies of one monitor (a few indexed queries).
pub fn links_of(c: &mut AnyConnection, monitor: &str) -> Result<MonitorLinks, StoreError> {
    Ok(MonitorLinks {
        upstreams: edges(c, monitor, true)?,
        dependents: edges(c, monitor, false)?,
        suppressed_by: down_upstream(c, monitor)?,
    })
}

/// The dependencies of every monitor of a project in `rows` (two queries and a walk in
/// memory, for the list).
pub fn links_of_project(
    c: &mut AnyConnection,
    project: &str,
    rows: &[crate::base::models::MonitorRow],
) -> Result<HashMap<String, MonitorLinks>, StoreError> {
    let links = project_links(c, project)?;
    let mut out: HashMap<String, MonitorLinks> = HashMap::new();
    if links.is_empty() {
        return Ok(out);
    }
    let mut names = project_names(c, project)?;
    for r in rows {
        names.insert(r.id.clone(), r.name.clone());
    }
    let down: std::collections::HashSet<&str> = rows
        .iter()
        .filter(|r| r.status == "down")
        .map(|r| r.id.as_str())
        .collect();
    let graph = Graph::new(&links);
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    for l in &links {
        let edge = |other: &str| Edge {
            other: other.to_string(),
            name: name(other),
            kind: l.kind,
            within_ms: l.within.millis(),
        };
        out.entry(l.monitor.clone())
            .or_default()
            .upstreams
            .push(edge(&l.upstream));
        out.entry(l.upstream.clone())
            .or_default()
            .dependents
            .push(edge(&l.monitor));
    }
    for (id, ml) in out.iter_mut() {
        ml.suppressed_by = graph
            .down_upstream(id, |m| down.contains(m))
            .map(|up| (up.clone(), name(&up)));
    }
    Ok(out)
}

/// Every edge of a project.
pub fn project_links(c: &mut AnyConnection, project: &str) -> Result<Vec<Link>, StoreError> {
    let rows: Vec<EdgeRow> = dependencies::table
        .inner_join(monitors::table.on(monitors::id.eq(dependencies::monitor_id)))
        .filter(monitors::project_id.eq(project))
        .select((
            dependencies::monitor_id,
            dependencies::upstream_id,
            dependencies::kind,
            dependencies::within_ms,
        ))
        .load(c)?;
    Ok(rows.into_iter().filter_map(to_link).collect())
}

/// Replaces the upstreams of `monitor` (of `project`). Refuses an upstream of another
/// project or unknown, and a cycle, naming it: `a → b → a`.
pub fn set_upstreams(
    tx: &mut Tx<'_>,
    project: &str,
    monitor: &str,
    upstreams: &[(String, LinkKind, i64)],
) -> Result<(), StoreError> {
    // The upstreams' cached "has dependents" flags change.
    tx.structure_changed();
    let c = tx.conn();
    let names = project_names(c, project)?;
    for (up, _, _) in upstreams {
        if !names.contains_key(up) {
            return Err(StoreError::Invalid(format!(
                "upstream monitor {up} not found in this project"
            )));
        }
    }
    let mut graph = Graph::new(&project_links(c, project)?);
    graph.set(
        monitor,
        upstreams.iter().map(|(u, k, _)| (u.clone(), *k)).collect(),
    );
    if let Some(cycle) = graph.cycle_through(monitor) {
        let named: Vec<&str> = cycle
            .iter()
            .map(|id| names.get(id).map_or(id.as_str(), String::as_str))
            .collect();
        return Err(StoreError::Invalid(format!(
            "these dependencies would make a cycle: {}",
            named.join(" → ")
        )));
    }
    diesel::delete(dependencies::table.filter(dependencies::monitor_id.eq(monitor))).execute(c)?;
    for (up, kind, within) in upstreams {
        diesel::insert_into(dependencies::table)
            .values((
                dependencies::monitor_id.eq(monitor),
                dependencies::upstream_id.eq(up),
                dependencies::kind.eq(kind.as_str()),
                dependencies::within_ms.eq(within),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// A monitor of `project` by UUID or slug.
pub fn resolve(c: &mut AnyConnection, project: &str, name: &str) -> Result<String, StoreError> {
    let name = name.trim();
    if let Some(id) = crate::monitoring::refs::resolve(c, project, name)? {
        return Ok(id);
    }
    let found: Option<String> = monitors::table
        .filter(monitors::project_id.eq(project))
        .filter(monitors::id.eq(name).or(monitors::slug.eq(name)))
        .select(monitors::id)
        .first(c)
        .optional()?;
    found.ok_or(StoreError::NotFound("monitor"))
}

fn project_names(
    c: &mut AnyConnection,
    project: &str,
) -> Result<HashMap<String, String>, StoreError> {
    let rows: Vec<(String, String)> = monitors::table
        .filter(monitors::project_id.eq(project))
        .select((monitors::id, monitors::name))
        .load(c)?;
    Ok(rows.into_iter().collect())
}

/// The upstreams of `monitor` (`up = true`) or its dependents (`up = false`), with names.
pub fn edges(c: &mut AnyConnection, monitor: &str, up: bool) -> Result<Vec<Edge>, StoreError> {
    let rows: Vec<(String, String, i64, String)> = if up {
        dependencies::table
            .inner_join(monitors::table.on(monitors::id.eq(dependencies::upstream_id)))
            .filter(dependencies::monitor_id.eq(monitor))
            .select((
                dependencies::upstream_id,
                dependencies::kind,
                dependencies::within_ms,
                monitors::name,
            ))
            .load(c)?
    } else {
        dependencies::table
            .inner_join(monitors::table.on(monitors::id.eq(dependencies::monitor_id)))
            .filter(dependencies::upstream_id.eq(monitor))
            .select((
                dependencies::monitor_id,
                dependencies::kind,
                dependencies::within_ms,
                monitors::name,
            ))
            .load(c)?
    };
    Ok(rows
        .into_iter()
        .filter_map(|(other, kind, within_ms, name)| {
            Some(Edge {
                other,
                name,
                kind: LinkKind::parse(&kind)?,
                within_ms,
            })
        })
        .collect())
}

/// Whether any monitor depends on `monitor`.
pub(crate) fn has_dependents(c: &mut AnyConnection, monitor: &str) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(
        dependencies::table.filter(dependencies::upstream_id.eq(monitor)),
    ))
    .get_result(c)?)
}

/// Whether `monitor` depends on any other (an edge of any kind from it).
pub(crate) fn has_upstream(c: &mut AnyConnection, monitor: &str) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(
        dependencies::table.filter(dependencies::monitor_id.eq(monitor)),
    ))
    .get_result(c)?)
}

/// Every monitor downstream of `monitor` by `after` edges, transitively (their
/// suppression follows its status).
pub(crate) fn downstream_all(
    c: &mut AnyConnection,
    monitor: &str,
) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut frontier = vec![monitor.to_string()];
    while !frontier.is_empty() && out.len() < 100_000 {
        let next: Vec<String> = dependencies::table
            .filter(dependencies::upstream_id.eq_any(&frontier))
            .filter(dependencies::kind.eq(LinkKind::After.as_str()))
            .select(dependencies::monitor_id)
            .load(c)?;
        frontier = next
            .into_iter()
            .filter(|m| seen.insert(m.clone()))
            .collect();
        out.extend(frontier.iter().cloned());
    }
    Ok(out)
}

/// The dependents of `monitor` armed by `kind`, with their `within`.
pub(crate) fn dependents(
    c: &mut AnyConnection,
    monitor: &str,
    kind: LinkKind,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(dependencies::table
        .filter(dependencies::upstream_id.eq(monitor))
        .filter(dependencies::kind.eq(kind.as_str()))
        .select((dependencies::monitor_id, dependencies::within_ms))
        .load(c)?)
}

/// The nearest monitor upstream of `monitor` (by `after`, transitively) that is down:
/// its id and name. Walks the edges level by level (a few indexed queries).
pub(crate) fn down_upstream(
    c: &mut AnyConnection,
    monitor: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let mut frontier = vec![monitor.to_string()];
    let mut seen = std::collections::HashSet::new();
    // Depth is bounded by the number of monitors (no cycles); the guard is for safety.
    for _ in 0..1_000 {
        if frontier.is_empty() {
            break;
        }
        let edges = dependencies::table
            .inner_join(monitors::table.on(monitors::id.eq(dependencies::upstream_id)))
            .filter(dependencies::kind.eq(LinkKind::After.as_str()))
            .select((monitors::id, monitors::name, monitors::status));
        // The first level (every flip asks it, most monitors have no upstream) is one
        // statement prepared once per connection; `IN (…)` is prepared each time.
        let ups: Vec<(String, String, String)> = match frontier.as_slice() {
            [one] => on_inner!(c, |inner| edges
                .filter(dependencies::monitor_id.eq(one))
                .load(inner))?,
            _ => edges
                .filter(dependencies::monitor_id.eq_any(&frontier))
                .load(c)?,
        };
        if let Some((id, name, _)) = ups.iter().find(|(_, _, s)| s == "down") {
            return Ok(Some((id.clone(), name.clone())));
        }
        frontier = ups
            .into_iter()
            .map(|(id, _, _)| id)
            .filter(|id| seen.insert(id.clone()))
            .collect();
    }
    Ok(None)
}
