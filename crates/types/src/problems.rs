//! Problems (docs/behaviour.md, "Problems (per-unit errors)"): failing units of a monitor,
//! as the API shows and changes them.

use serde::{Deserialize, Serialize};

/// One occurrence of a unit's problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// Row id.
    pub id: i64,
    /// The monitor's id.
    pub monitor_id: String,
    /// The monitor's name.
    pub monitor_name: String,
    /// The unit (`invoice:123`).
    pub key: String,
    /// info, warning, error, critical.
    pub severity: String,
    /// The latest message.
    pub message: String,
    /// The latest details.
    #[serde(default)]
    pub details: Option<serde_json::Value>,
    /// Times reported in this occurrence.
    pub count: i64,
    /// First reported.
    pub first_seen_at: String,
    /// Last reported.
    pub last_seen_at: String,
    /// open, acknowledged, muted or resolved.
    pub status: String,
    /// Resolved at.
    #[serde(default)]
    pub resolved_at: Option<String>,
    /// Who or what resolved it: `run`, `report` (`/resolve`), `expiry`, or a user.
    #[serde(default)]
    pub resolved_by: Option<String>,
    /// When it resolves without a new report (`after <duration>` monitors).
    #[serde(default)]
    pub resolves_at: Option<String>,
    /// The older occurrence of the same key this one reopens.
    #[serde(default)]
    pub previous_id: Option<i64>,
    /// Acknowledged at.
    #[serde(default)]
    pub acknowledged_at: Option<String>,
    /// By whom.
    #[serde(default)]
    pub acknowledged_by: Option<String>,
    /// Who looks after it.
    #[serde(default)]
    pub assignee: Option<String>,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
    /// A ticket (URL or id).
    #[serde(default)]
    pub ticket: Option<String>,
    /// No escalation is notified before this.
    #[serde(default)]
    pub muted_until: Option<String>,
    /// The problem that counts units dropped past the cap.
    #[serde(default)]
    pub overflow: bool,
}

/// `GET /api/v1/problems`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemList {
    /// Newest first.
    pub problems: Vec<Problem>,
    /// Pass as `before=` for the next page; none on the last.
    #[serde(default)]
    pub next_before: Option<i64>,
}

/// `PATCH /api/v1/problems/<id>`: each field present is set; `null` clears it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProblemUpdate {
    /// Who looks after it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::double_option"
    )]
    pub assignee: Option<Option<String>>,
    /// A note.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::double_option"
    )]
    pub note: Option<Option<String>>,
    /// A ticket (URL or id).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::double_option"
    )]
    pub ticket: Option<Option<String>>,
    /// Mute escalations for this long (`"4h"`, seconds); `null` unmutes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::double_option"
    )]
    pub mute_for: Option<Option<serde_json::Value>>,
}

/// The answer to `POST /ping/<uuid>/problems`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemsReply {
    /// New occurrences.
    pub opened: u64,
    /// Of which reopen an occurrence resolved more than 24 h ago.
    pub reopened: u64,
    /// Resolved less than 24 h ago, open again in their old occurrence (no new alert).
    pub rejoined: u64,
    /// Already open: counted again.
    pub repeated: u64,
    /// Severity rose past what was notified.
    pub escalated: u64,
    /// Past the open-problem cap: counted on the overflow problem, not listed.
    pub dropped: u64,
    /// Open problems of the monitor now.
    pub open: i64,
    /// What was read other than as written (`problem 0: severity "urgent" read as
    /// error`); left out when nothing was.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Items that could not be a unit's problem (no key, not an object), kept as a log
    /// line on the monitor; the answer is then 422.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
    /// With a 422: what was kept as a log line, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The answer to `POST /ping/<uuid>/resolve`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolveReply {
    /// Problems resolved.
    pub resolved: u64,
    /// Keys that had no open problem.
    pub not_open: Vec<String>,
}

/// Per monitor: open problems and how fast they are handled (`GET /api/v1/problems/stats`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemStats {
    /// The monitor's id.
    pub monitor_id: String,
    /// Its name.
    pub monitor_name: String,
    /// Open problems by severity: info, warning, error, critical.
    pub open: [i64; 4],
    /// Occurrences resolved in the window (30 days).
    pub resolved: i64,
    /// Mean seconds from first seen to acknowledged, over those acknowledged in the window.
    pub mean_time_to_acknowledge: Option<f64>,
    /// Mean seconds from first seen to resolved, over those resolved in the window.
    pub mean_time_to_resolve: Option<f64>,
}
