//! Reports (docs/behaviour.md, "Reports"): the counters of a period and the period
//! before, and their sums (read by [`read`], each a range of a primary key), the
//! scope's subjects, names, tags, the project's zone and business calendar — handed to
//! the core's figures. Never a scan of pings or alerts.

use std::collections::HashMap;

use diesel::prelude::*;
use overdue_core::flow::Calendar;
use overdue_core::report::{self, Period, PeriodAsk, Scope};
use overdue_core::Timestamp;
use overdue_types::reports::{
    AlertsReport, AvailabilityReport, FlowsReport, NoisiestReport, OpenUnit, OutOfHoursReport,
    ReportSpan, ResponseReport, UnitsReport,
};

use crate::base::schema::{calendars, channels, flows, monitor_refs, monitors, problems, projects};
use crate::{AnyConnection, StoreError};

pub mod mail;
mod read;

/// The reports there are, by the name their URL gives.
pub const NAMES: &[&str] = &[
    "alerts",
    "response",
    "out-of-hours",
    "noisiest",
    "units",
    "flows",
    "availability",
];

/// What is asked: a report's name, its period and scope, and for `alerts` whether rows
/// are weeks.
#[derive(Debug, Clone, Default)]
pub struct Ask {
    /// `7d`, `30d`, `90d`.
    pub period: Option<String>,
    /// `2026-11`.
    pub month: Option<String>,
    /// A first date or instant.
    pub from: Option<String>,
    /// A last date or instant.
    pub to: Option<String>,
    /// `project`, `tag:<name>`, `monitor:<id>`, `flow:<id>`.
    pub scope: Option<String>,
    /// Rows per week rather than per day (the alerts report).
    pub weeks: bool,
    /// The availability target asked (percent, checked), over the project's.
    pub target: Option<f64>,
}

/// A report's figures.
#[derive(Debug, Clone)]
pub enum Report {
    /// Alerts per day.
    Alerts(AlertsReport),
    /// Time to acknowledge and resolve.
    Response(ResponseReport),
    /// Out of hours.
    OutOfHours(OutOfHoursReport),
    /// The noisiest monitors.
    Noisiest(NoisiestReport),
    /// Problems by unit kind.
    Units(UnitsReport),
    /// Flows' stages.
    Flows(FlowsReport),
    /// Availability per monitor against a target.
    Availability(AvailabilityReport),
}

/// Report `name` of `project` as asked, at `now`. Unknown names, periods, scopes: an
/// `Invalid` or `NotFound` that says what to fix.
pub fn build(
    c: &mut AnyConnection,
    project: &str,
    name: &str,
    ask: &Ask,
    now: Timestamp,
) -> Result<Report, StoreError> {
    if !NAMES.contains(&name) {
        return Err(StoreError::Invalid(format!(
            "no report named {name:?}: there are {}",
            NAMES.join(", ")
        )));
    }
    let (tz, calendar_id, target): (String, Option<String>, Option<i64>) = projects::table
        .find(project)
        .select((
            projects::tz,
            projects::hours_calendar,
            projects::availability_target,
        ))
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("project"))?;
    let tz = if tz.is_empty() { "UTC".to_string() } else { tz };
    let period_ask = PeriodAsk {
        period: ask.period.as_deref(),
        month: ask.month.as_deref(),
        from: ask.from.as_deref(),
        to: ask.to.as_deref(),
    };
    let p = report::period(&period_ask, &tz, now.0).map_err(StoreError::Invalid)?;
    let scope =
        Scope::parse(ask.scope.as_deref().unwrap_or("project")).map_err(StoreError::Invalid)?;
    let (subjects, scope_name) = subjects(c, project, &scope)?;
    let s = subjects.as_deref();
    // Each report reads only its metrics (the flows report reads `flow_stats`): days
    // from 15-minute counters, period totals and per-monitor figures as sums.
    let tallies = match name {
        "alerts" => read::read(c, project, s, p, &["alert|"])?,
        "response" => read::halves(c, project, s, p, &["ack|", "fix|"])?,
        "out-of-hours" => {
            let mut t = read::read(c, project, s, p, &["alert|", "ackby|", "held|"])?;
            // Pages are counted per channel for the whole project (docs/behaviour.md,
            // "Reports"): a scope shows the project's.
            t.extend(read::read(c, project, None, p, &["page|"])?);
            t
        }
        "noisiest" => read::per_subject(c, project, s, p, &["alert|", "flap", "remind"])?,
        "units" => read::halves(c, project, s, p, &["unit"])?,
        _ => Vec::new(),
    };
    let span = ReportSpan {
        from: Timestamp(p.from).to_rfc3339(),
        to: Timestamp(p.to).to_rfc3339(),
        previous_from: Timestamp(p.previous_from).to_rfc3339(),
        scope: scope_name,
        tz,
    };
    Ok(match name {
        "alerts" => {
            let tags = monitor_column(c, project, true)?;
            let tags_of = |s: &str| {
                tags.get(s)
                    .map(|t| t.split_whitespace().map(str::to_string).collect())
                    .unwrap_or_default()
            };
            let per_subject = read::per_subject(c, project, s, p, &["alert|"])?;
            Report::Alerts(report::alerts(
                &tallies,
                &per_subject,
                p,
                span,
                ask.weeks,
                &tags_of,
            ))
        }
        "response" => Report::Response(report::response(&tallies, p, span)),
        "out-of-hours" => {
            let calendar = match calendar_id {
                Some(id) => hours_calendar(c, project, &id)?,
                None => None,
            };
            let names: HashMap<String, String> = channels::table
                .filter(channels::project_id.eq(project))
                .select((channels::id, channels::name))
                .load::<(String, String)>(c)?
                .into_iter()
                .collect();
            let cal = calendar.as_ref().map(|(n, c)| (n.as_str(), c));
            Report::OutOfHours(report::out_of_hours(&tallies, p, span, cal, &|ch| {
                names.get(ch).cloned()
            }))
        }
        "noisiest" => {
            let names = monitor_column(c, project, false)?;
            Report::Noisiest(report::noisiest(&tallies, p, span, &|m| {
                names.get(m).cloned()
            }))
        }
        "units" => {
            let oldest = oldest_open(c, project, subjects.as_deref())?;
            Report::Units(report::units(&tallies, p, span, oldest))
        }
        "availability" => {
            let target = ask.target.unwrap_or_else(|| {
                target.map_or(report::availability::DEFAULT_TARGET, |t| t as f64 / 1000.0)
            });
            Report::Availability(availability_report(c, project, s, p, span, now, target)?)
        }
        _ => Report::Flows(flows_report(c, project, &scope, p, span)?),
    })
}

/// The availability report: the scope's monitors, their down and paused counters of
/// the period and the period before, their spans still open, Overdue's outages.
fn availability_report(
    c: &mut AnyConnection,
    project: &str,
    subjects: Option<&[String]>,
    p: Period,
    span: ReportSpan,
    now: Timestamp,
    target: f64,
) -> Result<AvailabilityReport, StoreError> {
    use report::availability::{availability, Watched};
    let q = monitors::table
        .filter(monitors::project_id.eq(project))
        .select((
            monitors::id,
            monitors::name,
            monitors::created_at,
            monitors::n_pings,
        ));
    let rows: Vec<(String, String, i64, i64)> = match subjects {
        Some(s) => q.filter(monitors::id.eq_any(s)).load(c)?,
        None => q.load(c)?,
    };
    let mut open: HashMap<String, (String, i64)> =
        crate::monitoring::spans::open_spans(c, project)?
            .into_iter()
            .map(|(id, status, since)| (id, (status, since)))
            .collect();
    let watched: Vec<Watched> = rows
        .into_iter()
        .map(|(id, name, created_at, n_pings)| Watched {
            open: open.remove(&id),
            id,
            name,
            created_at,
            pinged: n_pings > 0,
        })
        .collect();
    let metrics = ["downms", "pausedms"];
    let sums = read::per_subject(c, project, subjects, p, &metrics)?;
    let before_period = Period {
        from: p.previous_from,
        to: p.from,
        previous_from: p.previous_from,
    };
    let before = read::per_subject(c, project, subjects, before_period, &metrics)?;
    let outages = crate::monitoring::spans::outages_between(c, p.previous_from, p.to.min(now.0))?;
    Ok(availability(
        &watched, &sums, &before, &outages, p, now.0, span, target,
    ))
}

/// The flows report: each flow of the scope (all, one, or those with the tag; none for
/// a monitor), its stages' counters of the two periods.
fn flows_report(
    c: &mut AnyConnection,
    project: &str,
    scope: &Scope,
    p: Period,
    span: ReportSpan,
) -> Result<FlowsReport, StoreError> {
    use crate::base::schema::flow_stats;
    let mut out = Vec::new();
    for row in crate::flows::list(c, project)? {
        let wanted = match scope {
            Scope::Project => true,
            Scope::Flow(f) => row.id == *f || row.name == *f,
            Scope::Tag(t) => row.tag_list().iter().any(|x| x == t),
            Scope::Monitor(_) => false,
        };
        if !wanted {
            continue;
        }
        let rows: Vec<(String, String, i64, i64)> = flow_stats::table
            .filter(flow_stats::flow_id.eq(&row.id))
            .filter(flow_stats::bucket.ge(p.previous_from))
            .filter(flow_stats::bucket.lt(p.to))
            .select((
                flow_stats::stage,
                flow_stats::metric,
                flow_stats::bucket,
                flow_stats::n,
            ))
            .load(c)?;
        let stages: Vec<String> = row.def().stages.into_iter().map(|s| s.name).collect();
        out.push(report::flow_figures::flow(
            &row.id, &row.name, &stages, &rows, p, &span.tz,
        ));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(FlowsReport { span, flows: out })
}

/// The subjects of a scope (`None`: the whole project, whose own counters are read)
/// and the scope as the report names it. An unknown monitor or flow is a `NotFound`.
fn subjects(
    c: &mut AnyConnection,
    project: &str,
    scope: &Scope,
) -> Result<(Option<Vec<String>>, String), StoreError> {
    Ok(match scope {
        Scope::Project => (None, "project".into()),
        Scope::Tag(tag) => {
            let tagged: Vec<String> = monitor_column(c, project, true)?
                .into_iter()
                .filter(|(_, tags)| tags.split_whitespace().any(|t| t == tag))
                .map(|(id, _)| id)
                .collect();
            (Some(tagged), format!("tag:{tag}"))
        }
        Scope::Monitor(m) => {
            // Its public reference (what the API shows), its slug, or its id.
            let by_ref: Option<String> = match overdue_core::PublicRef::parse(m) {
                Some(r) => monitor_refs::table
                    .find(String::from(r))
                    .select(monitor_refs::monitor_id)
                    .first(c)
                    .optional()?,
                None => None,
            };
            let wanted = by_ref.as_deref().unwrap_or(m);
            let id: String = monitors::table
                .filter(monitors::project_id.eq(project))
                .filter(monitors::id.eq(wanted).or(monitors::slug.eq(wanted)))
                .select(monitors::id)
                .first(c)
                .optional()?
                .ok_or(StoreError::NotFound("monitor"))?;
            let public = String::from(overdue_core::PublicRef::of(&id));
            (Some(vec![id]), format!("monitor:{public}"))
        }
        Scope::Flow(f) => {
            let id: String = flows::table
                .filter(flows::project_id.eq(project))
                .filter(flows::id.eq(f).or(flows::name.eq(f)))
                .select(flows::id)
                .first(c)
                .optional()?
                .ok_or(StoreError::NotFound("flow"))?;
            (
                Some(vec![format!("flow:{id}"), id.clone()]),
                format!("flow:{id}"),
            )
        }
    })
}

/// Each monitor of the project with its tags (`tags`) or its name.
fn monitor_column(
    c: &mut AnyConnection,
    project: &str,
    tags: bool,
) -> Result<HashMap<String, String>, StoreError> {
    let q = monitors::table.filter(monitors::project_id.eq(project));
    let rows: Vec<(String, String)> = if tags {
        q.select((monitors::id, monitors::tags)).load(c)?
    } else {
        q.select((monitors::id, monitors::name)).load(c)?
    };
    Ok(rows.into_iter().collect())
}

/// The business calendar `id` of the project, with its name (`None`: gone, or its
/// definition unreadable).
fn hours_calendar(
    c: &mut AnyConnection,
    project: &str,
    id: &str,
) -> Result<Option<(String, Calendar)>, StoreError> {
    let row: Option<(String, String)> = calendars::table
        .filter(calendars::project_id.eq(project))
        .filter(calendars::id.eq(id))
        .select((calendars::name, calendars::definition))
        .first(c)
        .optional()?;
    Ok(row.and_then(|(name, def)| serde_json::from_str(&def).ok().map(|cal| (name, cal))))
}

/// The ten oldest problems still open (of these monitors).
fn oldest_open(
    c: &mut AnyConnection,
    project: &str,
    subjects: Option<&[String]>,
) -> Result<Vec<OpenUnit>, StoreError> {
    let q = problems::table
        .filter(problems::project_id.eq(project))
        .filter(problems::resolved_at.is_null())
        .filter(problems::overflow.eq(false))
        .order((problems::first_seen_at.asc(), problems::id.asc()))
        .limit(10)
        .select((problems::monitor_id, problems::key, problems::first_seen_at));
    let rows: Vec<(String, String, i64)> = match subjects {
        Some(s) => q.filter(problems::monitor_id.eq_any(s)).load(c)?,
        None => q.load(c)?,
    };
    Ok(rows
        .into_iter()
        .map(|(monitor, key, since)| OpenUnit {
            monitor: overdue_core::PublicRef::of(&monitor).into(),
            key,
            since: Timestamp(since).to_rfc3339(),
        })
        .collect())
}

#[cfg(test)]
mod tests;
