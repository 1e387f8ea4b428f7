//! Monitors: create, read, update, delete, pause/resume, and applying a state
//! transition (runs, state columns, flip, outbox) — shared by pings and the scheduler.

use diesel::prelude::*;
use overdue_core::{EventKind, PingOutcome, Schedule, Status, Timestamp};
use uuid::Uuid;

use crate::ingest::{lock_monitor, Effects};
use crate::models::{MonitorRow, MonitorStateColumns, PingColumns, Rules};
use crate::notices::Notice;
use crate::schema::{flips, monitor_channels, monitors, pings, runs};
use crate::statements::{on_inner, SaveState};
use crate::{AnyConnection, StoreError};

/// The user-set fields of a monitor, validated by the caller.
#[derive(Debug, Clone)]
pub struct MonitorSettings {
    /// Display name.
    pub name: String,
    /// Unique in the project, for slug ping URLs.
    pub slug: Option<String>,
    /// Free text.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// When it is due.
    pub schedule: Schedule,
    /// Grace after due, ms.
    pub grace_ms: i64,
    /// Max runtime of a started run, ms (`None`: grace).
    pub max_runtime_ms: Option<i64>,
    /// `""` (any method) or `"POST"`.
    pub methods: String,
    /// Pings do not resume a paused monitor.
    pub manual_resume: bool,
    /// Run rules (min runtime, concurrency, failure tolerance).
    pub rules: Rules,
}

impl MonitorSettings {
    /// Defaults of a monitor created by `?create=1` (as Healthchecks: 1 day, 1 hour).
    pub fn from_slug(slug: &str) -> MonitorSettings {
        MonitorSettings {
            name: slug.to_string(),
            slug: Some(slug.to_string()),
            description: String::new(),
            tags: Vec::new(),
            schedule: Schedule::Interval {
                period: overdue_core::Dur::secs(86_400),
            },
            grace_ms: 3_600_000,
            max_runtime_ms: None,
            methods: String::new(),
            manual_resume: false,
            rules: Rules::default(),
        }
    }

    /// The settings the state machine needs.
    pub fn config(&self) -> overdue_core::MonitorConfig {
        self.rules.config(overdue_core::MonitorConfig {
            max_runtime: self.max_runtime_ms.map(overdue_core::Dur),
            manual_resume: self.manual_resume,
            ..overdue_core::MonitorConfig::basic(
                self.schedule.clone(),
                overdue_core::Dur(self.grace_ms),
            )
        })
    }

    /// Reads the settings back from a row.
    pub fn from_row(row: &MonitorRow) -> Result<MonitorSettings, StoreError> {
        Ok(MonitorSettings {
            name: row.name.clone(),
            slug: row.slug.clone(),
            description: row.description.clone(),
            tags: row.tag_list(),
            schedule: row.schedule()?,
            grace_ms: row.grace_ms,
            max_runtime_ms: row.max_runtime_ms,
            methods: row.methods.clone(),
            manual_resume: row.manual_resume,
            rules: row.rules()?,
        })
    }

    fn schedule_columns(&self) -> (String, Option<i64>, Option<String>, String) {
        match &self.schedule {
            Schedule::Interval { period } => {
                ("interval".into(), Some(period.millis()), None, "UTC".into())
            }
            Schedule::Cron(c) => (
                "cron".into(),
                None,
                Some(c.expr().to_string()),
                c.tz_name().to_string(),
            ),
            Schedule::None => ("none".into(), None, None, "UTC".into()),
        }
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = monitors, treat_none_as_null = true)]
struct SettingsColumns {
    name: String,
    slug: Option<String>,
    description: String,
    tags: String,
    schedule_kind: String,
    period_ms: Option<i64>,
    cron_expr: Option<String>,
    tz: String,
    grace_ms: i64,
    max_runtime_ms: Option<i64>,
    methods: String,
    manual_resume: bool,
    rules: String,
    updated_at: i64,
}

impl SettingsColumns {
    fn new(s: &MonitorSettings, now: Timestamp) -> SettingsColumns {
        let (schedule_kind, period_ms, cron_expr, tz) = s.schedule_columns();
        SettingsColumns {
            name: s.name.clone(),
            slug: s.slug.clone(),
            description: s.description.clone(),
            tags: s.tags.join(" "),
            schedule_kind,
            period_ms,
            cron_expr,
            tz,
            grace_ms: s.grace_ms,
            max_runtime_ms: s.max_runtime_ms,
            methods: s.methods.clone(),
            manual_resume: s.manual_resume,
            rules: s.rules.to_json(),
            updated_at: now.0,
        }
    }
}

fn map_unique(e: StoreError) -> StoreError {
    if e.is_unique_violation() {
        StoreError::Conflict("slug is already used by another monitor of this project".into())
    } else {
        e
    }
}

/// Creates a monitor in `project`; returns its row.
pub fn create(
    c: &mut AnyConnection,
    project: &str,
    s: &MonitorSettings,
    now: Timestamp,
) -> Result<MonitorRow, StoreError> {
    let (schedule_kind, period_ms, cron_expr, tz) = s.schedule_columns();
    let row = MonitorRow {
        id: Uuid::new_v4().hyphenated().to_string(),
        project_id: project.to_string(),
        name: s.name.clone(),
        slug: s.slug.clone(),
        description: s.description.clone(),
        tags: s.tags.join(" "),
        schedule_kind,
        period_ms,
        cron_expr,
        tz,
        grace_ms: s.grace_ms,
        max_runtime_ms: s.max_runtime_ms,
        methods: s.methods.clone(),
        manual_resume: s.manual_resume,
        status: Status::New.as_str().into(),
        down_reason: None,
        last_ping_at: None,
        last_success_at: None,
        run_started_at: None,
        next_due_at: None,
        deadline_at: None,
        deadline_kind: None,
        last_duration_ms: None,
        n_pings: 0,
        created_at: now.0,
        updated_at: now.0,
        rules: s.rules.to_json(),
        fail_streak: 0,
        success_streak: 0,
        down_detail: None,
        warned: false,
        links: "{}".into(),
    };
    diesel::insert_into(monitors::table)
        .values(&row)
        .execute(c)
        .map_err(|e| map_unique(e.into()))?;
    Ok(row)
}

/// Creates a monitor for `?create=1` and assigns it every channel of the project.
pub(crate) fn create_from_slug(
    c: &mut AnyConnection,
    project: &str,
    slug: &str,
    now: Timestamp,
) -> Result<String, StoreError> {
    let row = create(c, project, &MonitorSettings::from_slug(slug), now)?;
    crate::channels::assign_all(c, project, &row.id)?;
    Ok(row.id)
}

/// One monitor of a project.
pub fn get(c: &mut AnyConnection, project: &str, id: &str) -> Result<MonitorRow, StoreError> {
    monitors::table
        .filter(monitors::id.eq(id))
        .filter(monitors::project_id.eq(project))
        .select(MonitorRow::as_select())
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("monitor"))
}

/// The monitors of a project among `ids` (others' and unknown ids are skipped).
pub fn get_many(
    c: &mut AnyConnection,
    project: &str,
    ids: &[String],
) -> Result<Vec<MonitorRow>, StoreError> {
    Ok(monitors::table
        .filter(monitors::project_id.eq(project))
        .filter(monitors::id.eq_any(ids))
        .select(MonitorRow::as_select())
        .load(c)?)
}

/// All monitors of a project, by name.
pub fn list(c: &mut AnyConnection, project: &str) -> Result<Vec<MonitorRow>, StoreError> {
    Ok(monitors::table
        .filter(monitors::project_id.eq(project))
        .order((monitors::name.asc(), monitors::created_at.asc()))
        .select(MonitorRow::as_select())
        .load(c)?)
}

/// Replaces the settings of a monitor and recomputes its due time and deadline.
pub fn update(
    c: &mut AnyConnection,
    project: &str,
    id: &str,
    s: &MonitorSettings,
    now: Timestamp,
) -> Result<MonitorRow, StoreError> {
    get(c, project, id)?;
    let row = lock_monitor(c, id)?.ok_or(StoreError::NotFound("monitor"))?;
    diesel::update(monitors::table.find(id))
        .set(SettingsColumns::new(s, now))
        .execute(c)
        .map_err(|e| map_unique(e.into()))?;
    let open = crate::runs::open_runs(c, id)?;
    let state = overdue_core::reschedule(&s.config(), &row.state(), &open);
    diesel::update(monitors::table.find(id))
        .set(MonitorStateColumns::from(&state))
        .execute(c)?;
    get(c, project, id)
}

/// Deletes a monitor with its pings, runs, flips, channel assignments and dependency
/// edges; returns it and the monitors that depended on it.
pub fn delete(
    c: &mut AnyConnection,
    project: &str,
    id: &str,
) -> Result<(MonitorRow, Vec<crate::deps::Edge>), StoreError> {
    let row = get(c, project, id)?;
    let dependents = crate::deps::unlink(c, id)?;
    crate::chains::unlink(c, id)?;
    let run_ids: Vec<i64> = runs::table
        .filter(runs::monitor_id.eq(id))
        .select(runs::id)
        .load(c)?;
    crate::runs::delete_logs(c, &run_ids)?;
    diesel::delete(pings::table.filter(pings::monitor_id.eq(id))).execute(c)?;
    diesel::delete(runs::table.filter(runs::monitor_id.eq(id))).execute(c)?;
    diesel::delete(flips::table.filter(flips::monitor_id.eq(id))).execute(c)?;
    crate::problems::delete_monitor(c, id)?;
    diesel::delete(monitor_channels::table.filter(monitor_channels::monitor_id.eq(id)))
        .execute(c)?;
    diesel::delete(monitors::table.find(id)).execute(c)?;
    Ok((row, dependents))
}

/// Pauses a monitor (idempotent).
pub fn pause(
    c: &mut AnyConnection,
    project: &str,
    id: &str,
    now: Timestamp,
) -> Result<MonitorRow, StoreError> {
    switch(c, project, id, now, |row, open| {
        Ok(overdue_core::pause(&row.state(), open, now))
    })
}

/// Resumes a paused monitor; `Conflict` when it is not paused.
pub fn resume(
    c: &mut AnyConnection,
    project: &str,
    id: &str,
    now: Timestamp,
) -> Result<MonitorRow, StoreError> {
    switch(c, project, id, now, |row, _| {
        overdue_core::resume(&row.state())
            .ok_or_else(|| StoreError::Conflict("monitor is not paused".into()))
    })
}

/// A transition asked for through the API (pause, resume): the monitor locked, the
/// core's outcome written, the row read back.
fn switch(
    c: &mut AnyConnection,
    project: &str,
    id: &str,
    now: Timestamp,
    f: impl FnOnce(&MonitorRow, &[overdue_core::OpenRun]) -> Result<PingOutcome, StoreError>,
) -> Result<MonitorRow, StoreError> {
    get(c, project, id)?;
    let row = lock_monitor(c, id)?.ok_or(StoreError::NotFound("monitor"))?;
    let open = crate::runs::open_runs(c, id)?;
    let mut out = f(&row, &open)?;
    let mut fx = Effects::default();
    apply_outcome(c, id, Some(&row), &mut out, now, None, &mut fx)?;
    get(c, project, id)
}

/// What a ping adds to a transition.
pub(crate) struct PingEffects<'a> {
    /// Exit status and report, recorded on the run it closes.
    pub end: crate::runs::RunEnd,
    /// Body for the notification (`$BODY`).
    pub body: Option<String>,
    /// Count and times to write with the state.
    pub columns: &'a PingColumns,
}

/// Writes a transition: run rows, state columns, and for a flip its history row and,
/// when it notifies, one outbox row per assigned channel — all in the caller's
/// transaction, so a flip and its notifications commit together or not at all.
/// `row`: the monitor's row when the caller has it; read here when a notification
/// needs its name and tags.
pub(crate) fn apply_outcome(
    c: &mut AnyConnection,
    id: &str,
    row: Option<&MonitorRow>,
    out: &mut PingOutcome,
    now: Timestamp,
    ping: Option<PingEffects<'_>>,
    fx: &mut Effects,
) -> Result<(), StoreError> {
    // One root cause, one alert: a down while an upstream is down is muted (and then
    // its recovery); decided before the state is written, which records it.
    let notify = match out.flip {
        Some(flip) if flip.notifies() => {
            let suppressed =
                flip.to == Status::Down && crate::deps::down_upstream(c, id)?.is_some();
            flip.settle(&mut out.state, suppressed)
        }
        _ => false,
    };
    let none = crate::runs::RunEnd::default();
    let end = ping.as_ref().map_or(&none, |p| &p.end);
    crate::runs::apply(c, id, &out.runs, end, now)?;
    let cols = MonitorStateColumns::from(&out.state);
    fx.deadline(cols.deadline_at);
    // One UPDATE per transition: state, and for a ping its count and times.
    let save = SaveState::new(id, &cols, ping.as_ref().map(|p| p.columns), now.0);
    on_inner!(c, |inner| save.execute(inner))?;
    let body = ping.and_then(|p| p.body);
    let mut notices = Vec::new();
    if let Some(flip) = out.flip {
        let new_flip = (
            flips::monitor_id.eq(id),
            flips::created_at.eq(now.0),
            flips::from_status.eq(flip.from.as_str()),
            flips::to_status.eq(flip.to.as_str()),
            flips::reason.eq(flip.reason.map(|r| r.as_str())),
            flips::detail.eq(&out.state.down_detail),
        );
        on_inner!(c, |inner| diesel::insert_into(flips::table)
            .values(new_flip)
            .execute(inner))?;
        if notify {
            notices.push(Notice {
                kind: if flip.to == Status::Down {
                    EventKind::MonitorDown
                } else {
                    EventKind::MonitorUp
                },
                status: flip.to,
                previous: flip.from,
                reason: flip.reason,
                detail: (flip.to == Status::Down)
                    .then(|| out.state.down_detail.clone())
                    .flatten(),
            });
        }
    }
    // Events that notify without a status change (an overlapping run).
    for kind in &out.events {
        notices.push(Notice {
            kind: *kind,
            status: out.state.status,
            previous: out.state.status,
            reason: None,
            detail: None,
        });
    }
    if notices.is_empty() {
        return Ok(());
    }
    crate::notices::enqueue(c, id, row, &notices, body, now, fx)
}

/// Monitors whose deadline has passed, earliest first (an index range scan).
pub fn due(c: &mut AnyConnection, now: Timestamp, limit: i64) -> Result<Vec<String>, StoreError> {
    Ok(monitors::table
        .filter(monitors::deadline_at.le(now.0))
        .order(monitors::deadline_at.asc())
        .select(monitors::id)
        .limit(limit)
        .load(c)?)
}

/// The earliest deadline of all monitors (the first entry of the index).
pub fn earliest_deadline(c: &mut AnyConnection) -> Result<Option<Timestamp>, StoreError> {
    let first: Option<Option<i64>> = monitors::table
        .filter(monitors::deadline_at.is_not_null())
        .order(monitors::deadline_at.asc())
        .select(monitors::deadline_at)
        .first(c)
        .optional()?;
    Ok(first.flatten().map(Timestamp))
}
