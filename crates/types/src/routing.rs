//! Routes and silences (docs/behaviour.md, "Routing") as the API takes and gives them.

use serde::{Deserialize, Serialize};

use crate::{double_option, DurationInput};

/// `null` given → `Some(Value::Null)`; absent → `None` (a PATCH that clears a field).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

/// `POST /api/v1/routes`: a route, added at the end of the project's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RouteInput {
    /// Display name.
    pub name: String,
    /// What it matches: `kinds`, `reasons`, `severities`, `tags`, `monitors` (lists;
    /// empty or absent: any).
    #[serde(rename = "match", default)]
    pub matcher: Option<serde_json::Value>,
    /// When it applies: `days`, `from`, `to`, `tz`, `except` (absent: always).
    #[serde(default)]
    pub active: Option<serde_json::Value>,
    /// When it is quiet (same shape): its messages wait until the window ends.
    #[serde(default)]
    pub quiet: Option<serde_json::Value>,
    /// When it sends the daily digest: `{"time": "09:00", "tz": "Europe/Riga"}`.
    #[serde(default)]
    pub digest_at: Option<serde_json::Value>,
    /// Channel ids it sends to.
    pub channels: Vec<String>,
    /// Matching goes on after it (default false: it is the last that matches).
    #[serde(rename = "continue", default)]
    pub continue_matching: Option<bool>,
    /// While the alert is open and unacknowledged, remind its channels this often.
    #[serde(default)]
    pub repeat_every: Option<DurationInput>,
    /// Escalation steps: after this long unacknowledged (since the alert opened), also
    /// notify these channels.
    #[serde(default)]
    pub escalate: Option<Vec<EscalationStep>>,
    /// After the last step the steps start over, timed from it, until someone
    /// acknowledges (default false).
    #[serde(default)]
    pub escalate_loop: Option<bool>,
    /// Gathers alerts into one message per group: `monitor`, `all` or `tag:<key>`.
    #[serde(default)]
    pub group_by: Option<String>,
    /// How long a group's first alert waits for others (required to group).
    #[serde(default)]
    pub group_wait: Option<DurationInput>,
    /// The least time between two messages of one group (default: `group_wait`).
    #[serde(default)]
    pub group_interval: Option<DurationInput>,
}

/// One escalation step of a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    /// Since the alert opened (seconds or text: `"15m"`).
    pub after: DurationInput,
    /// The backup channels.
    pub channels: Vec<String>,
}

/// `PATCH /api/v1/routes/<id>`: each field given replaces the stored one (`"active":
/// null` removes the window).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoutePatch {
    /// Display name.
    pub name: Option<String>,
    /// What it matches.
    #[serde(rename = "match", default)]
    pub matcher: Option<serde_json::Value>,
    /// When it applies (`null`: always).
    #[serde(default, deserialize_with = "present")]
    pub active: Option<serde_json::Value>,
    /// When it is quiet (`null`: never).
    #[serde(default, deserialize_with = "present")]
    pub quiet: Option<serde_json::Value>,
    /// When it sends the daily digest (`null`: at the server's digest hour).
    #[serde(default, deserialize_with = "present")]
    pub digest_at: Option<serde_json::Value>,
    /// Channel ids it sends to.
    pub channels: Option<Vec<String>>,
    /// Matching goes on after it.
    #[serde(rename = "continue")]
    pub continue_matching: Option<bool>,
    /// Remind this often (`null`: never).
    #[serde(default, deserialize_with = "double_option")]
    pub repeat_every: Option<Option<DurationInput>>,
    /// Escalation steps (`[]`: none).
    pub escalate: Option<Vec<EscalationStep>>,
    /// The steps start over after the last one.
    pub escalate_loop: Option<bool>,
    /// Grouping (`null`: none).
    #[serde(default, deserialize_with = "double_option")]
    pub group_by: Option<Option<String>>,
    /// A group's wait.
    pub group_wait: Option<DurationInput>,
    /// The least time between two messages of one group.
    pub group_interval: Option<DurationInput>,
}

/// A route in responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Route {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its place in the project's list (0 first).
    pub position: i32,
    /// What it matches.
    #[serde(rename = "match")]
    pub matcher: serde_json::Value,
    /// When it applies (`null`: always).
    pub active: serde_json::Value,
    /// When it is quiet (`null`: never).
    pub quiet: serde_json::Value,
    /// When it sends the daily digest (`null`: at the server's digest hour).
    pub digest_at: serde_json::Value,
    /// Channel ids it sends to.
    pub channels: Vec<String>,
    /// Matching goes on after it.
    #[serde(rename = "continue")]
    pub continue_matching: bool,
    /// Reminder interval, seconds (`null`: none).
    pub repeat_every: Option<i64>,
    /// Escalation steps (`after` in seconds).
    pub escalate: Vec<EscalationStep>,
    /// The steps start over after the last one, until acknowledged.
    #[serde(default)]
    pub escalate_loop: bool,
    /// Grouping: `monitor`, `all`, `tag:<key>` (`null`: none).
    pub group_by: Option<String>,
    /// A group's wait, seconds.
    pub group_wait: Option<i64>,
    /// The least time between two messages of one group, seconds.
    pub group_interval: Option<i64>,
    /// Created at.
    pub created_at: String,
    /// Changed at.
    pub updated_at: String,
}

/// `PUT /api/v1/routes/order`: every route of the project, in the new order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RouteOrder {
    /// Route ids, first to last.
    pub ids: Vec<String>,
}

/// `GET /api/v1/routes/preview?monitor=…`: which channels would an alert reach, and
/// through which routes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoutePreview {
    /// The monitor (public reference, UUID).
    pub monitor: String,
    /// Alert kind: `down` (default), `problem`, `event`, `digest`.
    pub kind: Option<String>,
    /// Its reason (`missed`, `failed`, `overlap`, …).
    pub reason: Option<String>,
    /// Its severity (default: the monitor's for `down`, `warning` for `event`, `error`
    /// for `problem`, `info` for `digest`).
    pub severity: Option<String>,
    /// When (RFC 3339; default now): windows are checked at this time.
    pub at: Option<String>,
}

/// `POST /api/v1/silences`: alerts that match are held, not sent, while it lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SilenceInput {
    /// What it silences (as a route's `match`; at least one list).
    #[serde(rename = "match")]
    pub matcher: serde_json::Value,
    /// From (RFC 3339; default now).
    #[serde(default)]
    pub starts_at: Option<String>,
    /// Until (RFC 3339); or give `for`.
    #[serde(default)]
    pub ends_at: Option<String>,
    /// How long from the start (`"2h"` or seconds), instead of `ends_at`.
    #[serde(rename = "for", default)]
    pub duration: Option<DurationInput>,
    /// A weekly window (`days`, `from`, `to`, `tz`): silent only inside it.
    #[serde(default)]
    pub recurring: Option<serde_json::Value>,
    /// Why.
    #[serde(default)]
    pub comment: String,
}

/// A silence in responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Silence {
    /// Id.
    pub id: String,
    /// What it silences.
    #[serde(rename = "match")]
    pub matcher: serde_json::Value,
    /// From.
    pub starts_at: String,
    /// Until (`null`: a recurring silence without an end).
    pub ends_at: Option<String>,
    /// Its weekly window.
    pub recurring: serde_json::Value,
    /// Who made it.
    pub author: String,
    /// Why.
    pub comment: String,
    /// Made at.
    pub created_at: String,
    /// Ended early at.
    pub ended_at: Option<String>,
    /// `active`, `upcoming` or `ended`.
    pub state: String,
}
