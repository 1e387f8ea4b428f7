//! The Alerts page's reads (docs/behaviour.md, "The Alerts page"): a project's alerts
//! by status, kind, severity, tag, monitor, channel and hold, newest first, with the
//! names of the monitors and flows they are about; and the count of open rows the
//! page folds them into. Monitors' and flows' names and tags are read through the
//! schema: this module imports nothing from monitoring or flows.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;
use overdue_core::alert::{AlertKind, AlertStatus};

use crate::alerting::alerts::AlertRow;
use crate::base::schema::{alert_timers, alerts, flows, monitors, outbox, storm_members};
use crate::{AnyConnection, StoreError};

/// What `GET /api/v1/alerts` asks for.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only alerts in this status (`None`: all).
    pub status: Option<AlertStatus>,
    /// Only the alerts of this monitor (its UUID).
    pub monitor: Option<String>,
    /// Only alerts of these kinds (empty: every kind but channel tests).
    pub kinds: Vec<AlertKind>,
    /// Only alerts of these severities (empty: any).
    pub severities: Vec<String>,
    /// Only alerts about a monitor or a flow carrying one of these tags (empty: any).
    pub tags: Vec<String>,
    /// Only alerts this channel was told of, alone, in a group or in a storm's gathered
    /// message, or is about to be (a storm's waiting row).
    pub channel: Option<String>,
    /// Only alerts a silence or quiet hours hold back now.
    pub held: bool,
    /// Only alerts older than this id (paging, newest first).
    pub before: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

/// The timer kinds that hold an alert back (a quiet route's release, a silence).
pub(crate) const HOLDS: [&str; 2] = ["release", "silence"];

/// A project's alerts by `f`, newest first.
pub fn list(c: &mut AnyConnection, project: &str, f: &Filter) -> Result<Vec<AlertRow>, StoreError> {
    let mut q = alerts::table
        .filter(alerts::project_id.eq(project))
        .select(AlertRow::as_select())
        .into_boxed();
    if let Some(s) = f.status {
        q = q.filter(alerts::status.eq(s.as_str()));
    }
    if let Some(m) = &f.monitor {
        q = q.filter(alerts::monitor_id.eq(m.clone()));
    }
    if f.kinds.is_empty() {
        // A channel test is recorded in its channel's delivery log, not among the
        // alerts (its row exists so paging channels get an incident to open and close).
        q = q.filter(alerts::kind.ne(AlertKind::Test.as_str()));
    } else {
        let kinds: Vec<&str> = f.kinds.iter().map(|k| k.as_str()).collect();
        q = q.filter(alerts::kind.eq_any(kinds));
    }
    if !f.severities.is_empty() {
        q = q.filter(alerts::severity.eq_any(f.severities.clone()));
    }
    if !f.tags.is_empty() {
        let (monitor_ids, flow_ids) = tagged(c, project, &f.tags)?;
        q = q.filter(
            alerts::monitor_id
                .eq_any(monitor_ids)
                .or(alerts::flow_id.eq_any(flow_ids)),
        );
    }
    if let Some(ch) = &f.channel {
        let sent = || {
            outbox::table
                .filter(outbox::channel_id.eq(ch.clone()))
                .select(outbox::alert_id)
        };
        let gathered = storm_members::table
            .filter(storm_members::channel_id.eq(ch.clone()))
            .select(storm_members::alert_id);
        let waiting = alert_timers::table
            .filter(alert_timers::kind.eq("storm"))
            .filter(alert_timers::route_id.eq(ch.clone()))
            .select(alert_timers::alert_id);
        q = q.filter(
            alerts::id
                .nullable()
                .eq_any(sent())
                // A group's messages are written under its lead.
                .or(alerts::group_id.eq_any(sent()))
                .or(alerts::id.eq_any(gathered).nullable())
                .or(alerts::id.eq_any(waiting).nullable()),
        );
    }
    if f.held {
        let holding = alert_timers::table
            .filter(alert_timers::kind.eq_any(HOLDS))
            .select(alert_timers::alert_id);
        q = q.filter(alerts::id.eq_any(holding));
    }
    if let Some(b) = f.before {
        q = q.filter(alerts::id.lt(b));
    }
    Ok(q.order(alerts::id.desc()).limit(f.limit).load(c)?)
}

/// The ids of `project`'s monitors and flows that carry any of `tags`.
fn tagged(
    c: &mut AnyConnection,
    project: &str,
    tags: &[String],
) -> Result<(Vec<String>, Vec<String>), StoreError> {
    // Tags are stored space-separated; matched here, not in SQL, so that no tag is
    // read as a LIKE pattern.
    let has = |stored: &str| {
        stored
            .split_whitespace()
            .any(|t| tags.iter().any(|x| x == t))
    };
    let monitor_tags: Vec<(String, String)> = monitors::table
        .filter(monitors::project_id.eq(project))
        .filter(monitors::tags.ne(""))
        .select((monitors::id, monitors::tags))
        .load(c)?;
    let flow_tags: Vec<(String, String)> = flows::table
        .filter(flows::project_id.eq(project))
        .filter(flows::tags.ne(""))
        .select((flows::id, flows::tags))
        .load(c)?;
    let pick = |rows: Vec<(String, String)>| {
        rows.into_iter()
            .filter(|(_, t)| has(t))
            .map(|(id, _)| id)
            .collect::<Vec<_>>()
    };
    Ok((pick(monitor_tags), pick(flow_tags)))
}

/// The names of the monitors and flows `rows` are about, by id.
pub fn names(
    c: &mut AnyConnection,
    rows: &[AlertRow],
) -> Result<HashMap<String, String>, StoreError> {
    let mut monitor_ids: Vec<&str> = rows
        .iter()
        .filter_map(|a| a.monitor_id.as_deref())
        .collect();
    monitor_ids.sort_unstable();
    monitor_ids.dedup();
    let mut flow_ids: Vec<&str> = rows.iter().filter_map(|a| a.flow_id.as_deref()).collect();
    flow_ids.sort_unstable();
    flow_ids.dedup();
    let mut out = HashMap::new();
    for chunk in monitor_ids.chunks(500) {
        let part: Vec<(String, String)> = monitors::table
            .filter(monitors::id.eq_any(chunk))
            .select((monitors::id, monitors::name))
            .load(c)?;
        out.extend(part);
    }
    for chunk in flow_ids.chunks(500) {
        let part: Vec<(String, String)> = flows::table
            .filter(flows::id.eq_any(chunk))
            .select((flows::id, flows::name))
            .load(c)?;
        out.extend(part);
    }
    Ok(out)
}

/// How many rows the Alerts page lists as open: one per open down episode, failing
/// channel and event, and one per monitor or flow for all its open problems or
/// breaches (docs/behaviour.md, "The Alerts page"). The Alerts badge shows it.
pub fn open_rows(c: &mut AnyConnection, project: &str) -> Result<i64, StoreError> {
    let open = || {
        alerts::table
            .filter(alerts::project_id.eq(project))
            .filter(alerts::status.eq(AlertStatus::Open.as_str()))
    };
    let folded = [
        AlertKind::Problem.as_str(),
        AlertKind::Flow.as_str(),
        AlertKind::Test.as_str(),
    ];
    let single: i64 = open()
        .filter(alerts::kind.ne_all(folded))
        .select(count_star())
        .first(c)?;
    // Few: the monitors and flows with something open, not the alerts.
    let monitors_with_problems = open()
        .filter(alerts::kind.eq(AlertKind::Problem.as_str()))
        .select(alerts::monitor_id)
        .distinct()
        .load::<Option<String>>(c)?
        .len() as i64;
    let flows_with_breaches = open()
        .filter(alerts::kind.eq(AlertKind::Flow.as_str()))
        .select(alerts::flow_id)
        .distinct()
        .load::<Option<String>>(c)?
        .len() as i64;
    Ok(single + monitors_with_problems + flows_with_breaches)
}
