//! Runs in responses: a run with its steps, progress and children; status changes.

use serde::{Deserialize, Serialize};

use crate::Problem;

/// A run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Run {
    /// Row id.
    pub id: i64,
    /// Job's run id.
    pub rid: Option<String>,
    /// Started at.
    pub started_at: String,
    /// Ended at.
    pub ended_at: Option<String>,
    /// success, warn, fail, timeout, superseded, cancelled; null while open.
    pub outcome: Option<String>,
    /// Seconds.
    pub duration: Option<f64>,
    /// Exit status.
    pub exit_status: Option<i32>,
    /// The body of the ping that ended it (`/fail` with the error, say), while that
    /// ping is kept; only in the answer about one run.
    #[serde(default)]
    pub end_body: Option<String>,
    /// The monitor's id.
    #[serde(default)]
    pub monitor_id: String,
    /// The steps it went through, in order.
    #[serde(default)]
    pub steps: Vec<RunStep>,
    /// Its last progress.
    #[serde(default)]
    pub progress: Option<RunProgress>,
    /// Its completion report.
    #[serde(default)]
    pub report: Option<serde_json::Value>,
    /// Why the body meant as its report was not read.
    #[serde(default)]
    pub report_error: Option<String>,
    /// Bytes of log kept.
    #[serde(default)]
    pub log_bytes: i64,
    /// Bytes of log dropped from the middle (head and tail are kept).
    #[serde(default)]
    pub log_dropped: i64,
    /// A fan-out run's children.
    #[serde(default)]
    pub children: Option<RunChildren>,
    /// Problems this run reported last (the first 100).
    #[serde(default)]
    pub problems: Vec<Problem>,
}

/// The children of a fan-out run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunChildren {
    /// Announced.
    pub expected: i64,
    /// Succeeded.
    pub ok: i64,
    /// Failed.
    pub failed: i64,
    /// Not reported.
    pub missing: i64,
    /// Each child's end (in `GET /api/v1/runs/<id>`; empty in lists).
    #[serde(default)]
    pub list: Vec<RunChild>,
}

/// One child's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunChild {
    /// The monitor it pinged.
    pub monitor: String,
    /// That monitor's name.
    pub name: String,
    /// The child's own run id.
    pub rid: Option<String>,
    /// `success` or `fail`.
    pub outcome: String,
    /// When.
    pub at: String,
}

/// A step of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunStep {
    /// Its name.
    pub name: String,
    /// When the run entered it.
    pub started_at: String,
    /// Seconds in it (until the next step or the run's end; so far while in it).
    pub duration: f64,
    /// Its declared max duration, seconds.
    pub max: Option<i64>,
    /// The run is in it now.
    pub current: bool,
}

/// The progress of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunProgress {
    /// Units done.
    pub done: i64,
    /// Units in all.
    pub total: Option<i64>,
    /// Whole percent (with a total).
    pub percent: Option<u8>,
    /// Expected end at the pace so far (open runs with a total).
    pub eta: Option<String>,
    /// Message.
    pub msg: Option<String>,
}

/// A status change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Flip {
    /// When.
    pub timestamp: String,
    /// Status before.
    pub from: String,
    /// Status after.
    pub to: String,
    /// Why (for down).
    pub reason: Option<String>,
    /// More about the reason (the step a run hung in).
    #[serde(default)]
    pub detail: Option<String>,
}

/// A monitor's uptime (docs/behaviour.md, "Uptime"): the share (0–100) of each window
/// it was not down, counted from its creation, without paused time and Overdue's own
/// outages; `null` for a monitor that never pinged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Uptime {
    /// The last 24 hours.
    pub day: Option<f64>,
    /// The last 7 days.
    pub week: Option<f64>,
    /// The last 30 days.
    pub month: Option<f64>,
}

/// One day of a monitor's status strip (`GET /api/v1/monitors/<id>/days`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UptimeDay {
    /// The day, in the project's zone (`2026-12-03`).
    pub date: String,
    /// `down` (down at all that day), `up`, `paused` (only paused) or `none` (did not
    /// exist or never pinged).
    pub status: String,
    /// Its uptime that day (0–100), as "Uptime" defines it.
    pub uptime: Option<f64>,
    /// How long it was down that day, seconds.
    pub down: i64,
}

/// A monitor's last days, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UptimeDays {
    /// The zone the days are in (the project's; UTC until it has one).
    pub zone: String,
    /// The days, oldest first, today last.
    pub days: Vec<UptimeDay>,
}

/// The status strips of several monitors (`GET /api/v1/strips`), for the monitors list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UptimeStrips {
    /// The zone the days are in (the project's; UTC until it has one).
    pub zone: String,
    /// Each monitor asked for that is in the project, in the order asked.
    pub monitors: Vec<UptimeStrip>,
}

/// One monitor's strip in [`UptimeStrips`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UptimeStrip {
    /// The monitor as asked for (its id, or its public reference).
    pub id: String,
    /// Its days, oldest first, today last.
    pub days: Vec<UptimeDay>,
}

/// The current project's settings (`GET /api/v1/project`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectSettings {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its members need a second factor to act in it with a session.
    #[serde(default)]
    pub require_second_factor: bool,
    /// Its time zone (an IANA name; `null` until set: messages then use UTC and the
    /// dashboard the browser's zone): times of monitors without a zone of their own are
    /// shown in it.
    pub tz: Option<String>,
    /// How alerts that open (and resolve) together are gathered for people's channels
    /// (docs/behaviour.md, "Storms"); `null`: off, each alert is its own message.
    #[serde(default)]
    pub storm: Option<StormSettings>,
    /// The business calendar (its name) reports count working hours by
    /// (docs/behaviour.md, "Reports"); `null`: every hour is working.
    #[serde(default)]
    pub calendar: Option<String>,
    /// The availability report's target (percent, e.g. 99.5); `null`: the default,
    /// 99.5.
    #[serde(default)]
    pub availability_target: Option<f64>,
    /// The summary by e-mail (docs/behaviour.md, "The report by e-mail"); `null`: none.
    #[serde(default)]
    pub report_mail: Option<crate::reports::ReportMailSettings>,
}

/// A project's storm setting, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StormSettings {
    /// How long the alerts after a quiet project's first are gathered (default 30).
    pub wait: i64,
    /// How long the next ones are gathered while the storm lasts (default 300).
    pub interval: i64,
}

/// A change of the current project's settings (`PATCH /api/v1/project`): each field
/// given is changed, the others are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProjectSettingsInput {
    /// A new name for the project (owners only; 1–100 characters).
    #[serde(default)]
    pub name: Option<String>,
    /// Require a second factor of its members (owners only, who need one themselves).
    #[serde(default)]
    pub require_second_factor: Option<bool>,
    /// An IANA time zone name (`Europe/Riga`, `UTC`).
    #[serde(default)]
    pub tz: Option<String>,
    /// The storm setting (`null`: off).
    #[serde(default, deserialize_with = "crate::double_option")]
    pub storm: Option<Option<StormInput>>,
    /// The business calendar reports count working hours by (a calendar's name;
    /// `null`: none).
    #[serde(default, deserialize_with = "crate::double_option")]
    pub calendar: Option<Option<String>>,
    /// The availability report's target: a percentage above 0 and at most 100 (`null`:
    /// the default, 99.5).
    #[serde(default, deserialize_with = "crate::double_option")]
    pub availability_target: Option<Option<f64>>,
    /// The summary by e-mail: `{"every": "week", "to": ["ops@example.com"], "at":
    /// "08:00"}`; `null`: none.
    #[serde(default, deserialize_with = "crate::double_option")]
    pub report_mail: Option<Option<crate::reports::ReportMailInput>>,
}

/// A storm setting to set: `{"wait": "30s", "interval": "5m"}` (seconds or a
/// duration; the interval defaults to 5 min, or to the wait when longer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StormInput {
    /// How long the alerts after a quiet project's first are gathered.
    pub wait: crate::DurationInput,
    /// How long the next ones are gathered while the storm lasts.
    #[serde(default)]
    pub interval: Option<crate::DurationInput>,
}
