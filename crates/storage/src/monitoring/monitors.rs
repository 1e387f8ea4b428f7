//! Monitors: create, read, update, delete, pause/resume, and applying a state
//! transition (runs, state columns, flip, outbox) — shared by pings and the scheduler.

use diesel::prelude::*;
use overdue_core::{MonitorId, PingOutcome, Schedule, Status, Timestamp};
use uuid::Uuid;

use crate::base::models::{MonitorRow, MonitorStateColumns, Rules};
use crate::base::schema::monitors;
use crate::base::tx::Tx;
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

/// Creates a monitor in `project` and, when given, sets its channels (ids of the
/// project's channels); returns its row. One operation for `/api/v1`, the v3 mirror
/// and chains ([`crate::monitoring::chains::create`]).
pub fn create(
    tx: &mut Tx<'_>,
    project: &str,
    s: &MonitorSettings,
    channel_ids: Option<&[String]>,
) -> Result<MonitorRow, StoreError> {
    let (now, caps) = (tx.now(), tx.caps());
    let row = insert(tx.conn(), project, s, now, caps)?;
    tx.changed(&row.id);
    set_channels(tx, project, &row, channel_ids)?;
    Ok(row)
}

/// Sets a new monitor's channels when the caller named them.
pub(crate) fn set_channels(
    tx: &mut Tx<'_>,
    project: &str,
    row: &MonitorRow,
    channel_ids: Option<&[String]>,
) -> Result<(), StoreError> {
    match channel_ids {
        Some(ids) => {
            crate::alerting::channels::set_for_monitor(tx, project, &row.monitor_id()?, ids)
        }
        None => Ok(()),
    }
}

/// Inserts a monitor row (the writer's `?create=1`, chains).
pub(crate) fn insert(
    c: &mut AnyConnection,
    project: &str,
    s: &MonitorSettings,
    now: Timestamp,
    caps: crate::base::caps::Caps,
) -> Result<MonitorRow, StoreError> {
    caps.check_monitors(c, project)?;
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
    crate::monitoring::refs::insert(c, &row.id)?;
    // Nobody is forgotten: a new monitor notifies the project's default channels (an
    // explicit list given with it replaces them).
    crate::alerting::channels::assign_defaults(c, project, &row.id)?;
    Ok(row)
}

/// Creates a monitor for `?create=1` (with the project's default channels).
pub(crate) fn create_from_slug(
    c: &mut AnyConnection,
    project: &str,
    slug: &str,
    now: Timestamp,
    caps: crate::base::caps::Caps,
) -> Result<String, StoreError> {
    let row = insert(c, project, &MonitorSettings::from_slug(slug), now, caps)?;
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

/// The project's monitors with this name and/or slug (each when given), for the v3
/// mirror's `unique` upsert: a query for the few candidates inside its write
/// transaction, not a list of the whole project.
pub fn named(
    c: &mut AnyConnection,
    project: &str,
    name: Option<&str>,
    slug: Option<&str>,
) -> Result<Vec<MonitorRow>, StoreError> {
    let mut q = monitors::table
        .filter(monitors::project_id.eq(project))
        .into_boxed();
    if let Some(n) = name {
        q = q.filter(monitors::name.eq(n.to_string()));
    }
    if let Some(s) = slug {
        q = q.filter(monitors::slug.eq(s.to_string()));
    }
    Ok(q.order(monitors::created_at.asc())
        .select(MonitorRow::as_select())
        .load(c)?)
}

/// Replaces the settings of a monitor and recomputes its due time and deadline.
pub fn update(
    tx: &mut Tx<'_>,
    project: &str,
    id: &MonitorId,
    s: &MonitorSettings,
) -> Result<MonitorRow, StoreError> {
    let id = &id.to_string();
    let now = tx.now();
    get(tx.conn(), project, id)?;
    let row = tx
        .lock_monitor(id)?
        .ok_or(StoreError::NotFound("monitor"))?;
    let c = tx.conn();
    diesel::update(monitors::table.find(id))
        .set(SettingsColumns::new(s, now))
        .execute(c)
        .map_err(|e| map_unique(e.into()))?;
    let open = crate::monitoring::runs::open_runs(c, id)?;
    let state = overdue_core::reschedule(&s.config(), &row.state(), &open);
    let cols = MonitorStateColumns::from(&state);
    tx.fx.deadline(cols.deadline_at);
    diesel::update(monitors::table.find(id))
        .set(cols)
        .execute(tx.conn())?;
    get(tx.conn(), project, id)
}

/// Pauses (`paused`) or resumes a monitor: [`pause`] or [`resume`], the API's one call.
pub fn set_paused(
    tx: &mut Tx<'_>,
    project: &str,
    id: &MonitorId,
    paused: bool,
) -> Result<MonitorRow, StoreError> {
    if paused {
        pause(tx, project, id)
    } else {
        resume(tx, project, id)
    }
}

/// Pauses a monitor (idempotent).
pub fn pause(tx: &mut Tx<'_>, project: &str, id: &MonitorId) -> Result<MonitorRow, StoreError> {
    let id = &id.to_string();
    let now = tx.now();
    switch(tx, project, id, |row, open| {
        Ok(overdue_core::pause(&row.state(), open, now))
    })
}

/// Resumes a paused monitor; `Conflict` when it is not paused.
pub fn resume(tx: &mut Tx<'_>, project: &str, id: &MonitorId) -> Result<MonitorRow, StoreError> {
    let id = &id.to_string();
    switch(tx, project, id, |row, _| {
        overdue_core::resume(&row.state())
            .ok_or_else(|| StoreError::Conflict("monitor is not paused".into()))
    })
}

/// A transition asked for through the API (pause, resume): the monitor locked, the
/// core's outcome written, the row read back.
fn switch(
    tx: &mut Tx<'_>,
    project: &str,
    id: &str,
    f: impl FnOnce(&MonitorRow, &[overdue_core::OpenRun]) -> Result<PingOutcome, StoreError>,
) -> Result<MonitorRow, StoreError> {
    get(tx.conn(), project, id)?;
    let row = tx
        .lock_monitor(id)?
        .ok_or(StoreError::NotFound("monitor"))?;
    let open = crate::monitoring::runs::open_runs(tx.c, id)?;
    let mut out = f(&row, &open)?;
    crate::monitoring::transition::apply_outcome(tx, id, Some(&row), &mut out, None)?;
    get(tx.conn(), project, id)
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
