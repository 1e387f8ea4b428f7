//! Reports (docs/behaviour.md, "Reports"): what failed, how often, how fast it was
//! fixed, who was woken up — for a period and a scope, read from counters kept as
//! alerts happen. Times are RFC 3339; durations are seconds; percentiles are the upper
//! bounds of log-spaced bins (four per doubling from one second).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The period and scope a report covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportSpan {
    /// Its start (inclusive).
    pub from: String,
    /// Its end (exclusive).
    pub to: String,
    /// The period just before it, as long (for trends): its start.
    pub previous_from: String,
    /// `project`, `tag:<name>`, `monitor:<public reference>` or `flow:<id>`.
    pub scope: String,
    /// The zone its days are days of (the project's; `UTC` when it has none).
    pub tz: String,
}

/// Alerts per day (or week) by reason and severity, and by tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertsReport {
    /// What it covers.
    pub span: ReportSpan,
    /// `day` or `week` (weeks start on Monday).
    pub grain: String,
    /// Alerts opened in the period.
    pub total: i64,
    /// Alerts opened in the period before.
    pub previous_total: i64,
    /// Per reason (`missed`, `failed`, `hung`, `step`, `stall`, `too_short`,
    /// `problem`, `breach`, `channel`, `event`).
    pub by_reason: BTreeMap<String, i64>,
    /// Per severity.
    pub by_severity: BTreeMap<String, i64>,
    /// Per tag of the monitors (a monitor with two tags counts in both; `(none)`:
    /// untagged monitors and alerts about no monitor).
    pub by_tag: BTreeMap<String, i64>,
    /// One row per day or week, oldest first, also those without alerts.
    pub rows: Vec<AlertsRow>,
}

/// Alerts of one day or week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertsRow {
    /// Its first local date (`2026-12-07`).
    pub date: String,
    /// Alerts opened.
    pub total: i64,
    /// Per reason.
    pub by_reason: BTreeMap<String, i64>,
    /// Per severity.
    pub by_severity: BTreeMap<String, i64>,
}

/// Percentiles of one duration over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Percentiles {
    /// How many were measured.
    pub count: i64,
    /// Median (seconds; `null` when none).
    pub p50: Option<i64>,
    /// 90th percentile (seconds; `null` when none).
    pub p90: Option<i64>,
}

/// A duration in the period and in the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trend {
    /// In the period.
    pub now: Percentiles,
    /// In the period before.
    pub previous: Percentiles,
}

/// Time to acknowledge and to resolve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseReport {
    /// What it covers.
    pub span: ReportSpan,
    /// From an alert's opening to its first acknowledgement, counted when acknowledged.
    pub acknowledge: Trend,
    /// From an alert's opening to its resolution, counted when resolved (pauses and
    /// deletions are not fixes and are left out).
    pub resolve: Trend,
}

/// Out of hours: alerts and pages outside the project's working hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutOfHoursReport {
    /// What it covers.
    pub span: ReportSpan,
    /// The business calendar that gives the working hours (`null`: the project names
    /// none, and every hour counts as working).
    pub calendar: Option<String>,
    /// Alerts opened.
    pub alerts: i64,
    /// Of them, outside working hours.
    pub alerts_out_of_hours: i64,
    /// Messages that announced a new alert (pages), all channels.
    pub pages: i64,
    /// Of them, outside working hours.
    pub pages_out_of_hours: i64,
    /// Per channel.
    pub channels: Vec<OutOfHoursChannel>,
    /// Per person (or key) who acknowledged.
    pub people: Vec<OutOfHoursPerson>,
    /// Messages quiet hours held back: how many, and for how long (held times).
    pub held: Percentiles,
    /// Of them, how many held back outside working hours.
    pub held_out_of_hours: i64,
}

/// Pages of one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutOfHoursChannel {
    /// The channel's id.
    pub channel: String,
    /// Its name (`null`: deleted since).
    pub name: Option<String>,
    /// Pages.
    pub pages: i64,
    /// Of them, outside working hours.
    pub out_of_hours: i64,
}

/// Acknowledgements of one person or key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutOfHoursPerson {
    /// Who (an e-mail, `key <name>`, `link`).
    pub who: String,
    /// Acknowledgements.
    pub acknowledged: i64,
    /// Of them, outside working hours.
    pub out_of_hours: i64,
}

/// The noisiest monitors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoisiestReport {
    /// What it covers.
    pub span: ReportSpan,
    /// At most ten, most alerts first (then flaps, then reminders).
    pub rows: Vec<NoisyMonitor>,
}

/// One noisy monitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoisyMonitor {
    /// Its public reference (the `id` the monitors API gives).
    pub monitor: String,
    /// Its name (`null`: deleted since).
    pub name: Option<String>,
    /// Alerts opened.
    pub alerts: i64,
    /// Down alerts resolved within an hour of opening.
    pub flaps: i64,
    /// Reminders sent.
    pub reminders: i64,
    /// What to change, in words.
    pub advice: String,
    /// Where to change it (the dashboard's path).
    pub link: String,
}

/// Problems by unit kind (the key's prefix before `:`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitsReport {
    /// What it covers.
    pub span: ReportSpan,
    /// One row per kind, most failed first.
    pub rows: Vec<UnitKindRow>,
    /// The ten oldest problems still open in the scope, oldest first.
    pub oldest_open: Vec<OpenUnit>,
}

/// Problems of one unit kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitKindRow {
    /// The kind (`invoice`; `(none)` for keys without a prefix).
    pub kind: String,
    /// Units that failed (problem occurrences opened).
    pub failed: i64,
    /// Occurrences resolved.
    pub fixed: i64,
    /// Their mean time to fix (seconds; `null` when none was fixed).
    pub mean_fix: Option<i64>,
}

/// A problem still open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenUnit {
    /// Its monitor's public reference (the `id` the monitors API gives).
    pub monitor: String,
    /// The unit's key.
    pub key: String,
    /// Since when it is open.
    pub since: String,
}

/// Flows: entries and breaches per stage, the breach rate and time in stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlowsReport {
    /// What it covers.
    pub span: ReportSpan,
    /// One per flow in the scope, by name.
    pub flows: Vec<FlowFigures>,
}

/// One flow's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlowFigures {
    /// Its id.
    pub flow: String,
    /// Its name.
    pub name: String,
    /// Its stages, in order.
    pub stages: Vec<StageFigures>,
    /// Its breaches (all stages) per local day of the period, oldest first: every day,
    /// also without breaches.
    pub breaches: Vec<DayCount>,
}

/// A count on one local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayCount {
    /// The day, in the project's zone (`2026-12-03`).
    pub date: String,
    /// The count.
    pub n: i64,
}

/// One stage's figures in the period and the period before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageFigures {
    /// The stage.
    pub stage: String,
    /// Entities that entered it.
    pub entered: i64,
    /// Entities that breached its SLA in it.
    pub breached: i64,
    /// Breaches per 100 entries (`null` without entries).
    pub breach_rate: Option<f64>,
    /// Time in it of the entities that left it: p50 (seconds).
    pub p50: Option<i64>,
    /// … and p95 (seconds).
    pub p95: Option<i64>,
    /// Entries in the period before.
    pub previous_entered: i64,
    /// Breaches in the period before.
    pub previous_breached: i64,
    /// p50 in the period before.
    pub previous_p50: Option<i64>,
    /// p95 in the period before.
    pub previous_p95: Option<i64>,
}

/// Availability per monitor against a target (docs/behaviour.md, "Reports").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvailabilityReport {
    /// What it covers.
    pub span: ReportSpan,
    /// The target (percent): the `target` asked, else the project's
    /// `availability_target`, else 99.5.
    pub target: f64,
    /// Monitors with a figure (those that pinged and existed in the period).
    pub counted: i64,
    /// Of them, those at or above the target.
    pub meeting: i64,
    /// Every monitor of the scope, the lowest availability first (those without a
    /// figure last), then by name.
    pub rows: Vec<AvailabilityRow>,
}

/// One monitor's availability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvailabilityRow {
    /// Its public reference (the `id` the monitors API gives).
    pub monitor: String,
    /// Its name.
    pub name: String,
    /// Percent of the period it was not down (uptime's definition), to three
    /// decimals; `null`: it never pinged, or did not exist in the period.
    pub availability: Option<f64>,
    /// The same over the period before.
    pub previous: Option<f64>,
    /// Seconds down in the period (Overdue's own outages left out).
    pub down_s: i64,
    /// Whether it met the target (`null` without a figure).
    pub met: Option<bool>,
    /// Its page (the dashboard's path).
    pub link: String,
}

/// A project's summary by e-mail, as set (docs/behaviour.md, "The report by e-mail").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportMailSettings {
    /// `week` (on Mondays, about the week before) or `month` (on the 1st, about the
    /// month before).
    pub every: String,
    /// The addresses it goes to (each its own message).
    pub to: Vec<String>,
    /// The time of day it goes out, `HH:MM` in the project's zone.
    pub at: String,
    /// When it next goes out (RFC 3339).
    pub next_at: String,
}

/// The summary by e-mail to set: `{"every": "week", "to": ["ops@example.com"], "at":
/// "08:00"}` (`at` defaults to 08:00).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportMailInput {
    /// `week` or `month`.
    pub every: String,
    /// One to 50 addresses.
    pub to: Vec<String>,
    /// `HH:MM` in the project's zone (default 08:00).
    #[serde(default)]
    pub at: Option<String>,
}

/// One summary e-mail as the outbox keeps it: the figures it shows, rendered (text,
/// HTML, PNG charts) when it is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportMail {
    /// The one address it goes to.
    pub to: String,
    /// The project's name.
    pub project: String,
    /// `week` or `month`.
    pub every: String,
    /// What it covers, in words ("November 2026").
    pub title: String,
    /// The Reports page of the period (a path with its query).
    pub link: String,
    /// Alerts per day.
    pub alerts: AlertsReport,
    /// Time to acknowledge and resolve.
    pub response: ResponseReport,
    /// Out of hours.
    pub out_of_hours: OutOfHoursReport,
    /// The noisiest monitors.
    pub noisiest: NoisiestReport,
    /// Availability: its ten lowest rows.
    pub availability: AvailabilityReport,
}
