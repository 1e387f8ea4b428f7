//! Flows (docs/behaviour.md, "Flows (entity SLAs)") as the API takes and gives them.

use serde::{Deserialize, Serialize};

use crate::DurationInput;

/// One stage of a flow, as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StageInput {
    /// Its name (`authorized`): letters, digits, `-`, `_`, `.`, `:`.
    pub name: String,
    /// How long an entity may stay in it (`"4h"` or seconds).
    pub sla: DurationInput,
    /// The severity of a breach in it (default `error`).
    #[serde(default)]
    pub severity: Option<String>,
    /// The business calendar its SLA counts in (default: wall-clock time).
    #[serde(default)]
    pub calendar: Option<String>,
    /// One alert for the stage when many of its entities breach at once.
    #[serde(default)]
    pub aggregate: Option<AggregateInput>,
}

/// A stage's aggregate: more than `count` breaches (or `percent` % of the entities
/// that entered the stage) within `window` raise one alert for the stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AggregateInput {
    /// More than this many breaches…
    #[serde(default)]
    pub count: Option<i64>,
    /// …or more than this percentage of entries.
    #[serde(default)]
    pub percent: Option<f64>,
    /// Within this window (`"15m"` or seconds; 1 minute to 1 day).
    pub window: DurationInput,
}

/// `POST /api/v1/flows`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FlowInput {
    /// Display name; its slug names the flow in URLs (`orders`).
    pub name: String,
    /// The stages in order.
    pub stages: Vec<StageInput>,
    /// Where entities finish (`["delivered", "cancelled"]`).
    #[serde(default)]
    pub terminal: Option<Vec<String>>,
    /// Tags, space-separated (routes match them).
    #[serde(default)]
    pub tags: Option<String>,
    /// Channels told of its breaches (the implicit first route, as a monitor's).
    #[serde(default)]
    pub channels: Option<Vec<String>>,
    /// How long finished entities are kept (default 30 days).
    #[serde(default)]
    pub retention: Option<DurationInput>,
    /// How the events services already publish are read: `entity`, `stage` and `at`
    /// (JSON pointers or dotted paths), `time_format` (`auto`, `rfc3339`,
    /// `epoch_seconds`, `epoch_millis`), `stages` (values to stages).
    #[serde(default)]
    pub mapping: Option<serde_json::Value>,
}

/// `PATCH /api/v1/flows/<flow>`: each field given replaces the stored one. A changed
/// SLA applies to entities entering the stage from then on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FlowPatch {
    /// Display name (and so the slug).
    pub name: Option<String>,
    /// The stages in order.
    pub stages: Option<Vec<StageInput>>,
    /// Terminal stages.
    pub terminal: Option<Vec<String>>,
    /// Tags.
    pub tags: Option<String>,
    /// Channels.
    pub channels: Option<Vec<String>>,
    /// Retention of finished entities.
    pub retention: Option<DurationInput>,
    /// The mapping (`null` removes it).
    #[serde(default, deserialize_with = "crate::double_option")]
    pub mapping: Option<Option<serde_json::Value>>,
}

/// One stage of a flow, with its entities now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlowStage {
    /// Its name.
    pub name: String,
    /// Its SLA, seconds.
    pub sla: i64,
    /// The severity of a breach in it.
    pub severity: String,
    /// The business calendar its SLA counts in.
    #[serde(default)]
    pub calendar: Option<String>,
    /// Its aggregate (`window` in seconds).
    #[serde(default)]
    pub aggregate: Option<serde_json::Value>,
    /// Time in it over the last 24 h: median, seconds (from binned counts).
    #[serde(default)]
    pub p50: Option<i64>,
    /// Time in it over the last 24 h: 95th percentile, seconds.
    #[serde(default)]
    pub p95: Option<i64>,
    /// The median over the 24 h before those (the trend).
    #[serde(default)]
    pub p50_before: Option<i64>,
    /// The 95th percentile over the 24 h before those.
    #[serde(default)]
    pub p95_before: Option<i64>,
    /// Entities in it now.
    pub entities: i64,
    /// Of those, breached.
    pub breached: i64,
}

/// A flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Flow {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Its name in URLs.
    pub slug: String,
    /// The stages in order, with their counts.
    pub stages: Vec<FlowStage>,
    /// Terminal stages.
    pub terminal: Vec<String>,
    /// Tags.
    pub tags: String,
    /// Channels told of its breaches.
    pub channels: Vec<String>,
    /// Retention of finished entities, seconds.
    pub retention: i64,
    /// `<site>/flow/<ping_key>/<slug>/<entity>/<stage>` (for roles that may write).
    #[serde(default)]
    pub event_url: Option<String>,
    /// `<site>/push/<project>/<slug>?token=<ping_key>`: the push URL for platforms that
    /// cannot set headers (Pub/Sub push, CloudEvents sinks); for roles that may write.
    #[serde(default)]
    pub push_url: Option<String>,
    /// How events are read, when the flow maps the events services publish.
    #[serde(default)]
    pub mapping: Option<serde_json::Value>,
    /// Created at.
    pub created_at: String,
    /// Updated at.
    pub updated_at: String,
}

/// One event of a batch (`POST /api/v1/flows/<flow>/events`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FlowEventInput {
    /// The entity's id.
    pub entity: String,
    /// The stage it reached.
    pub stage: String,
    /// When (RFC 3339; absent: now).
    #[serde(default)]
    pub at: Option<String>,
}

/// The answer to events: how many were stored and how many moved an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlowEventsResult {
    /// Events stored.
    pub stored: usize,
    /// Of those, events that changed their entity.
    pub applied: usize,
    /// Events not applied again: their message id was applied before (left out when
    /// none).
    #[serde(default, skip_serializing_if = "crate::flows::is_zero")]
    pub duplicates: usize,
    /// Events that could not be read, kept aside (`GET /api/v1/kept-aside`; left out
    /// when none).
    #[serde(default, skip_serializing_if = "crate::flows::is_zero")]
    pub kept_aside: usize,
    /// Why the first kept-aside events could not be read (`events[3]: …`), at most 20.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// With a 422: what was kept aside, in words, with the first reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Whether a count is zero (left out of an answer).
pub fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A flow event that could not be read, kept aside with its raw message
/// (docs/behaviour.md, "What senders send").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeptAside {
    /// Its id (for `DELETE /api/v1/kept-aside/<id>`).
    pub id: i64,
    /// The flow it was for (its slug), when known.
    pub flow: Option<String>,
    /// Where it came from: `http`, `push` or `amqp`.
    pub source: String,
    /// Why it could not be read.
    pub reason: String,
    /// The message as it came, cut to 16 KiB.
    pub raw: String,
    /// Its whole size in bytes.
    pub size: i64,
    /// When it came (RFC 3339).
    pub received_at: String,
}

/// Kept-aside messages, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeptAsideList {
    /// How many are kept (of the flow, when asked for one), counted up to 10,000.
    pub count: usize,
    /// The newest ones asked for.
    pub items: Vec<KeptAside>,
}

/// One recorded event of an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlowEvent {
    /// The stage named.
    pub stage: String,
    /// When it happened.
    pub at: String,
    /// When Overdue received it.
    pub received_at: String,
    /// Whether it changed the entity.
    pub applied: bool,
}

/// `GET /api/v1/flows/<flow>/entities/<entity>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlowEntity {
    /// Its id.
    pub entity: String,
    /// Its current (or final) stage.
    pub stage: String,
    /// When it entered it.
    pub entered_at: String,
    /// When its SLA there ends (none once breached or finished).
    pub due_at: Option<String>,
    /// Its open breach alert.
    pub breach_alert: Option<i64>,
    /// When it finished.
    pub finished_at: Option<String>,
    /// The fields of the latest event that moved it beyond those read (the customer,
    /// the amount), when it had some.
    #[serde(default)]
    pub attributes: Option<serde_json::Value>,
    /// Its events, oldest first.
    pub history: Vec<FlowEvent>,
}

/// `POST /api/v1/calendars`: a new business calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCalendarInput {
    /// Its name (stages name it): letters, digits, `-`, `_`, `.`.
    pub name: String,
    /// IANA zone of its hours.
    pub tz: String,
    /// Per weekday its working spans.
    pub hours: std::collections::BTreeMap<String, Vec<String>>,
    /// Days off, `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// `PUT /api/v1/calendars/<name>`: a business calendar's new definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CalendarInput {
    /// IANA zone of its hours (`Europe/Riga`).
    pub tz: String,
    /// Per weekday its working spans: `{"mon": ["08:00-12:00", "13:00-17:00"]}`.
    pub hours: std::collections::BTreeMap<String, Vec<String>>,
    /// Days off, `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// A business calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarView {
    /// Its name (stages name it).
    pub name: String,
    /// IANA zone.
    pub tz: String,
    /// Working spans per weekday.
    pub hours: std::collections::BTreeMap<String, Vec<String>>,
    /// Days off.
    pub holidays: Vec<String>,
    /// Updated at.
    pub updated_at: String,
}
