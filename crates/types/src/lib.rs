//! Request and response types of Overdue's `/api/v1` JSON API, shared by the server, the
//! Rust client and the dashboard. Times are RFC 3339 strings; durations are seconds in
//! responses and seconds or text (`"90s"`, `"15m"`) in requests.

mod alerts;
pub mod chain_run;
mod flows;
mod input;
pub mod listing;
mod passkeys;
pub mod problems;
pub mod reports;
pub mod route_form;
mod routing;
pub mod run_stats;
mod runs;
pub mod status_pages;
mod team;
pub mod timeline;
pub use alerts::*;
pub use flows::*;
pub use input::{DurationInput, LinksInput, TagsInput};
pub use passkeys::*;
pub use problems::*;
pub use routing::*;
pub use runs::*;
pub use team::*;

use serde::{Deserialize, Serialize};

/// The crontab fields that run a job every `period` seconds, where cron can say it
/// (steps of minutes that divide an hour, of hours that divide a day, a day, a week);
/// `None` otherwise (90 minutes: cron restarts its steps every hour).
pub fn crontab_every(period: i64) -> Option<String> {
    let (m, h) = (period / 60, period / 3_600);
    match period {
        60 => Some("* * * * *".into()),
        p if p % 60 == 0 && p < 3_600 && 3_600 % p == 0 => Some(format!("*/{m} * * * *")),
        3_600 => Some("0 * * * *".into()),
        p if p % 3_600 == 0 && p < 86_400 && 86_400 % p == 0 => Some(format!("0 */{h} * * *")),
        86_400 => Some("0 3 * * *".into()),
        604_800 => Some("0 3 * * 1".into()),
        _ => None,
    }
}

/// A span of time for people: `"12 s"`, `"3 min"`, `"2 h 5 min"`, `"3 days"`,
/// `"1 day 4 h"`. Messages, the API and the dashboard say spans alike.
pub fn span(ms: i64) -> String {
    let s = ms.max(0) / 1_000;
    let (d, h, m) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    let days = |d: i64| {
        if d == 1 {
            "1 day".to_string()
        } else {
            format!("{d} days")
        }
    };
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => days(d),
        (d, h, _) => format!("{} {h} h", days(d)),
    }
}

/// How a monitor is shown (docs/behaviour.md, "States and runs"): `running` while an up
/// or new monitor has a run open, `late` while an up one is past its due time (inside
/// grace), else its stored status. The one place this rule lives: the core's
/// `display_status`, the dashboard's summary counts and the dashboard (which turns an
/// `up` monitor `late` on its own clock) all call it. It is idempotent: a shown state
/// given as `stored` comes back unchanged unless the facts say otherwise.
pub fn shown_state(stored: &str, run_open: bool, past_due: bool) -> &str {
    match stored {
        "up" | "new" if run_open => "running",
        "up" if past_due => "late",
        s => s,
    }
}

/// A declared step of a monitor in requests and responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    /// Its name (1-64 letters, digits, `-`, `_`, `.`).
    pub name: String,
    /// How long a run may stay in it (requests: seconds or text; responses: seconds).
    #[serde(default)]
    pub max: Option<DurationInput>,
}

/// A dependency in requests: the upstream monitor (UUID or slug) and how soon after its
/// event this monitor must ping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    /// The upstream monitor's UUID or slug.
    pub monitor: String,
    /// Seconds or text (`"1h"`).
    pub within: DurationInput,
}

/// A dependency in responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkOut {
    /// The other monitor's id.
    pub monitor: String,
    /// Its name.
    pub name: String,
    /// `after` or `on_failure`.
    pub kind: String,
    /// Seconds.
    pub within: i64,
}

/// A monitor named in a response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitorName {
    /// Its id.
    pub monitor: String,
    /// Its name.
    pub name: String,
}

/// An armed expectation: this monitor must ping by `at` because of `upstream`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Expected {
    /// By when.
    pub at: String,
    /// The upstream whose event armed it.
    pub monitor: String,
    /// Its name.
    pub name: String,
    /// `after` (it succeeded) or `on_failure` (it went down).
    pub kind: String,
}

/// Fields to create or change a monitor; absent fields keep their value (or default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MonitorInput {
    /// Display name: 1 to 200 characters (left out: the slug, else "unnamed"); `null`
    /// is refused.
    #[serde(default, deserialize_with = "not_null")]
    pub name: Option<String>,
    /// Unique in the project, lowercase letters, digits, `-` and `_`; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    pub slug: Option<Option<String>>,
    /// Free text.
    pub description: Option<String>,
    /// Tags.
    pub tags: Option<TagsInput>,
    /// Interval schedule: the period (switches the monitor to an interval schedule).
    pub period: Option<DurationInput>,
    /// Cron schedule: the expression (switches the monitor to a cron schedule).
    pub cron: Option<String>,
    /// `"none"`: no due time of its own — only its dependencies (`after`,
    /// `on_failure_of`) make it expected. `period` or `cron` switch back.
    pub schedule: Option<String>,
    /// IANA timezone of the cron expression (default `UTC`).
    pub tz: Option<String>,
    /// Grace after due before down.
    pub grace: Option<DurationInput>,
    /// Max runtime of a started run (default: grace); `null` resets to the default.
    #[serde(default, deserialize_with = "double_option")]
    pub max_runtime: Option<Option<DurationInput>>,
    /// `""` (any method) or `"POST"`.
    pub methods: Option<String>,
    /// Pings do not resume a paused monitor.
    pub manual_resume: Option<bool>,
    /// A successful run shorter than this is a failure (`too_short`); `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    pub min_runtime: Option<Option<DurationInput>>,
    /// Runs allowed at once (a `start` beyond is an overlap event); `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    pub concurrency: Option<Option<u32>>,
    /// Failed or too-short runs in a row before down (1–100, default 1).
    pub down_after: Option<u32>,
    /// Successes in a row before a down monitor is up (1–100, default 1).
    pub up_after: Option<u32>,
    /// Ordered steps, each with an optional max duration (`[]` removes them).
    pub steps: Option<Vec<StepInput>>,
    /// A running job that sends no progress, log or step for this long is stalled;
    /// `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    pub stall_timeout: Option<Option<DurationInput>>,
    /// Runs that end with warnings notify (`run.warn`; default false).
    pub notify_warn: Option<bool>,
    /// The severity of its down alerts: `critical`, `error` (default), `warning` or
    /// `info`; routes match on it.
    pub severity: Option<String>,
    /// A report with more failed units than this is a failure; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    pub max_failed: Option<Option<u64>>,
    /// A report with failed / processed above this (0–1) is a failure; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    pub max_failed_ratio: Option<Option<f64>>,
    /// Children of a fan-out run that may fail before the run fails (default 0).
    pub max_failed_children: Option<u32>,
    /// How open problems resolve by themselves: `on_next_run` (default), `explicit`,
    /// or `after <duration>` (`"after 2h"`).
    pub resolve_problems: Option<String>,
    /// Expected within a time after each success of these monitors (replaces them).
    pub after: Option<LinksInput>,
    /// Expected within a time after each of these monitors goes down (replaces them).
    pub on_failure_of: Option<LinksInput>,
    /// Channel ids to notify (replaces the assignment).
    pub channels: Option<Vec<String>>,
}

/// A field that may be left out but, when given, is no `null` (serde's
/// `deserialize_with` for names: docs/security.md, "Limits").
pub fn not_null<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    match Option::<T>::deserialize(d)? {
        Some(v) => Ok(Some(v)),
        None => Err(serde::de::Error::custom(
            "give a value or leave the field out; null is not one",
        )),
    }
}

fn double_option<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A chain to create: members in order (UUIDs or slugs) and an end-to-end deadline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChainInput {
    /// Display name.
    pub name: String,
    /// Member monitors, first to last (2-50).
    pub members: Vec<String>,
    /// Must finish within this long of its first member's start.
    pub within: Option<DurationInput>,
    /// Must finish by this time of day (`"06:00"`), in `tz`.
    pub finish_by: Option<String>,
    /// IANA timezone of `finish_by` (default `UTC`).
    pub tz: Option<String>,
    /// Channel ids to notify when it misses its deadline.
    pub channels: Option<Vec<String>>,
}

/// A chain member in responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainMember {
    /// Its id.
    pub monitor: String,
    /// Its name.
    pub name: String,
    /// Its shown status.
    pub state: String,
}

/// A chain in responses. Its id is its monitor's: its runs and flips are there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Chain {
    /// The chain's monitor id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Members, first to last.
    pub members: Vec<ChainMember>,
    /// Seconds from the first start (null: only `finish_by`).
    pub within: Option<i64>,
    /// Time of day it must finish by.
    pub finish_by: Option<String>,
    /// Its timezone.
    pub tz: Option<String>,
    /// Shown status: new, running, up, down.
    pub state: String,
    /// Why it is down (`chain_deadline`).
    pub down_reason: Option<String>,
    /// Where it stopped.
    pub down_detail: Option<String>,
    /// The member the open (or last) run is at.
    pub at_member: Option<String>,
    /// Its latest run (steps are its members).
    pub last_run: Option<Run>,
}

/// A monitor's schedule in responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ScheduleOut {
    /// Every `period` seconds.
    Interval {
        /// Seconds.
        period: i64,
    },
    /// A cron expression in a timezone.
    Cron {
        /// The expression.
        cron: String,
        /// IANA timezone.
        tz: String,
    },
    /// No due time of its own (a chain).
    None,
}

/// A monitor in responses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Monitor {
    /// Its public reference: safe to show any reader, used in page and API URLs.
    pub id: String,
    /// Its UUID, the secret of its ping URLs: only for roles and keys that may write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: Option<String>,
    /// Description.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Schedule.
    pub schedule: ScheduleOut,
    /// The schedule in words ("every day at 02:30 (Europe/Riga)"), when Overdue can say it.
    #[serde(default)]
    pub schedule_text: Option<String>,
    /// Grace, seconds.
    pub grace: i64,
    /// Max runtime, seconds (null: grace).
    pub max_runtime: Option<i64>,
    /// `""` or `"POST"`.
    pub methods: String,
    /// Manual resume.
    pub manual_resume: bool,
    /// Min runtime, seconds.
    pub min_runtime: Option<i64>,
    /// Runs allowed at once.
    pub concurrency: Option<u32>,
    /// Failed runs in a row before down.
    pub down_after: u32,
    /// Successes in a row before up.
    pub up_after: u32,
    /// Declared steps (`max` in seconds).
    #[serde(default)]
    pub steps: Vec<StepInput>,
    /// Stall timeout, seconds.
    #[serde(default)]
    pub stall_timeout: Option<i64>,
    /// Runs ending with warnings notify.
    #[serde(default)]
    pub notify_warn: bool,
    /// The severity of its down alerts.
    #[serde(default = "default_severity")]
    pub severity: String,
    /// Failed units allowed in a report.
    #[serde(default)]
    pub max_failed: Option<u64>,
    /// Failed / processed allowed in a report.
    #[serde(default)]
    pub max_failed_ratio: Option<f64>,
    /// Children of a fan-out run that may fail.
    #[serde(default)]
    pub max_failed_children: u32,
    /// How open problems resolve by themselves (`on_next_run`, `explicit`, `after 2h`).
    #[serde(default)]
    pub resolve_problems: String,
    /// Open problems (docs/behaviour.md, "Problems (per-unit errors)").
    #[serde(default)]
    pub open_problems: i64,
    /// Stored status: new, up, down, paused.
    pub status: String,
    /// Shown status: stored, or `late` / `running`.
    pub state: String,
    /// Why it is down.
    pub down_reason: Option<String>,
    /// More about the reason: the step a run hung in, or the failed count of a report.
    #[serde(default)]
    pub down_detail: Option<String>,
    /// The reason in words ("hung in step load", "missed").
    #[serde(default)]
    pub down_text: Option<String>,
    /// Up, but the last run ended with warnings.
    #[serde(default)]
    pub warnings: bool,
    /// Last ping.
    pub last_ping: Option<String>,
    /// When the open run started, while one is open (`running 12 s`).
    #[serde(default)]
    pub running_since: Option<String>,
    /// Next due (the stored due time: for a missed run, when it was expected).
    pub next_due: Option<String>,
    /// The next run people should expect now, by the schedule (docs/behaviour.md,
    /// "Uptime"): after a failure or a hang too; `null` while paused or when nothing
    /// tells.
    #[serde(default)]
    pub next_expected: Option<String>,
    /// When it goes down if nothing arrives.
    pub deadline: Option<String>,
    /// Duration of the last completed run, seconds.
    pub last_duration: Option<f64>,
    /// Pings received.
    pub n_pings: i64,
    /// Assigned channel ids.
    pub channels: Vec<String>,
    /// Monitors whose success expects this one.
    #[serde(default)]
    pub after: Vec<LinkOut>,
    /// Monitors whose failure expects this one (a recovery job).
    #[serde(default)]
    pub on_failure_of: Vec<LinkOut>,
    /// Monitors that depend on this one.
    #[serde(default)]
    pub dependents: Vec<LinkOut>,
    /// The upstream that is down while this monitor's alerts are suppressed.
    #[serde(default)]
    pub suppressed_by: Option<MonitorName>,
    /// Its down alerts are held by a silence until then.
    #[serde(default)]
    pub silenced_until: Option<String>,
    /// The armed expectation, if any.
    #[serde(default)]
    pub expected: Option<Expected>,
    /// This monitor is a chain (`/api/v1/chains`): its runs follow its members.
    #[serde(default)]
    pub chain: bool,
    /// Its ping URL: only for roles and keys that may write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ping_url: Option<String>,
    /// Its ping URL by slug (`<site>/ping/<ping key>/<slug>`), when it has a slug: only
    /// for roles and keys that may write (the project's ping key is a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug_url: Option<String>,
    /// Its status badge (SVG), when it has a slug: public, reveals status only.
    #[serde(default)]
    pub badge_url: Option<String>,
    /// Created at.
    pub created_at: String,
}

/// A stored ping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ping {
    /// Per-monitor number.
    pub n: i64,
    /// success, start, fail, log, warn, ign.
    pub kind: String,
    /// When.
    pub date: String,
    /// Exit status for `/ping/<id>/<code>`.
    pub exit_status: Option<i32>,
    /// Run id.
    pub rid: Option<String>,
    /// Method.
    pub method: String,
    /// Scheme.
    pub scheme: String,
    /// Client address.
    pub remote_addr: String,
    /// User agent.
    pub user_agent: String,
    /// Body (lossy UTF-8, truncated at the limit).
    pub body: String,
    /// Body size as received.
    pub body_size: i64,
    /// Duration of the run it ended, seconds.
    pub duration: Option<f64>,
}

/// `POST /api/v1/channels`: a channel of `kind` with its settings as top-level fields —
/// the fields of its kind (`GET /api/v1/channel-kinds` lists them: `url`, `to`,
/// `routing_key`, `bot_token`, `chat_id`, …); any other field is refused naming those
/// the kind takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelInput {
    /// Kind: `email`, `slack`, `msteams`, `discord`, `telegram`, `mattermost`,
    /// `pagerduty`, `opsgenie`, `ntfy`, `gotify`, `pushover`, `sms` or `webhook`.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// New monitors get this channel (default: true for a project's first channel).
    #[serde(default)]
    pub is_default: Option<bool>,
    /// Told when another channel keeps failing (default: false).
    #[serde(default)]
    pub is_fallback: Option<bool>,
    /// The kind's settings.
    #[serde(flatten)]
    pub settings: serde_json::Map<String, serde_json::Value>,
}

/// `PATCH /api/v1/channels/<id>`: each field given replaces the stored one (`null` or
/// `""` clears an optional setting). A secret sent back in its masked form (as `GET`
/// shows it: a URL, a header value, a key or token) keeps the stored one; `headers`
/// given replaces the set of headers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelPatch {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// New monitors get this channel.
    #[serde(default)]
    pub is_default: Option<bool>,
    /// Told when another channel keeps failing.
    #[serde(default)]
    pub is_fallback: Option<bool>,
    /// Settings of the channel's kind to change.
    #[serde(flatten)]
    pub settings: serde_json::Map<String, serde_json::Value>,
}

/// A field of a channel kind (`GET /api/v1/channel-kinds`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelField {
    /// The JSON name.
    pub name: String,
    /// The form's label.
    pub label: String,
    /// What to put there.
    pub help: String,
    /// `text`, `token`, `url`, `choice`, `number`, `addresses`, `headers` or `template`.
    #[serde(rename = "type")]
    pub kind: String,
    /// For `choice`: the values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<String>>,
    /// It must be given.
    pub required: bool,
    /// Shown masked after creation.
    pub secret: bool,
    /// Used when left out.
    #[serde(default)]
    pub default: Option<String>,
}

/// A channel kind (`GET /api/v1/channel-kinds`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelKind {
    /// The wire name.
    pub kind: String,
    /// The name people know it by.
    pub label: String,
    /// What it sends and what to set up.
    pub help: String,
    /// Its settings.
    pub fields: Vec<ChannelField>,
}

/// A channel in responses. `config` only for roles that manage channels, with its
/// secrets masked; others see what it is and whether it works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Channel {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// The kind's settings, secrets masked (`null` for roles that do not manage
    /// channels).
    pub config: serde_json::Value,
    /// Created at.
    pub created_at: String,
    /// `ok` (the last delivery succeeded), `failing` (it failed), or `null` (nothing
    /// delivered yet).
    #[serde(default)]
    pub health: Option<String>,
    /// New monitors get this channel.
    #[serde(default)]
    pub is_default: bool,
    /// Told when another channel keeps failing.
    #[serde(default)]
    pub is_fallback: bool,
    /// For those who manage channels: per secret field (`url`, `headers.<name>`, a
    /// kind's key), SHA-256 over the channel id, the field and the value — so `overdue
    /// apply` can tell an unchanged secret without reading it.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub secret_digests: std::collections::BTreeMap<String, String>,
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// Outbox entry.
    pub notification: i64,
    /// Attempt number.
    pub attempt: i32,
    /// When.
    pub at: String,
    /// HTTP status.
    pub status_code: Option<i32>,
    /// Error.
    pub error: Option<String>,
    /// Milliseconds.
    pub duration_ms: i64,
    /// The event delivered (`monitor.down`, `problem.opened`, `test`, …).
    #[serde(default)]
    pub event: Option<String>,
    /// The monitor it was about, by name (none for tests and channel alerts).
    #[serde(default)]
    pub monitor: Option<String>,
    /// The channel's name.
    #[serde(default)]
    pub channel: Option<String>,
    /// The e-mail recipient, for e-mail channels.
    #[serde(default)]
    pub recipient: Option<String>,
}

/// Every error body: what went wrong and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The message.
    pub error: String,
}

fn default_severity() -> String {
    "error".into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_period_cron_can_repeat_becomes_crontab_fields() {
        assert_eq!(super::crontab_every(60).as_deref(), Some("* * * * *"));
        assert_eq!(super::crontab_every(300).as_deref(), Some("*/5 * * * *"));
        assert_eq!(super::crontab_every(3_600).as_deref(), Some("0 * * * *"));
        assert_eq!(super::crontab_every(21_600).as_deref(), Some("0 */6 * * *"));
        assert_eq!(super::crontab_every(86_400).as_deref(), Some("0 3 * * *"));
        assert_eq!(super::crontab_every(604_800).as_deref(), Some("0 3 * * 1"));
        for never in [90, 5_400, 7 * 3_600, 2 * 86_400, 45] {
            assert_eq!(super::crontab_every(never), None, "{never}");
        }
    }
}
