//! Alerts (`/api/v1/alerts`): every notifying condition, open → acknowledged →
//! resolved, with the messages sent about it.

use serde::{Deserialize, Serialize};

/// An alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    /// Id.
    pub id: i64,
    /// `down`, `problem`, `event`, `test` or `channel`.
    pub kind: String,
    /// `open`, `acknowledged` or `resolved`.
    pub status: String,
    /// `critical`, `error`, `warning` or `info`.
    pub severity: String,
    /// What happened, in one line.
    pub summary: String,
    /// Stable key (PagerDuty's `dedup_key`).
    pub dedup_key: String,
    /// The monitor's public reference, when it is about one.
    pub monitor: Option<String>,
    /// The flow's id, for a flow breach (`kind: flow`).
    #[serde(default)]
    pub flow: Option<String>,
    /// The problem occurrence, for a problem alert.
    pub problem: Option<i64>,
    /// The alert whose message announced this one with others (a grouped report).
    pub group: Option<i64>,
    /// Opened at.
    pub opened_at: String,
    /// Acknowledged at.
    pub acknowledged_at: Option<String>,
    /// By whom (a user's e-mail, an API key's name, or "via e-mail to …").
    pub acknowledged_by: Option<String>,
    /// Their note.
    pub note: Option<String>,
    /// Resolved at.
    pub resolved_at: Option<String>,
    /// Why: `up`, `paused`, `deleted`, `run`, `report`, `expiry`, `once`, or a user.
    pub resolved_reason: Option<String>,
    /// Held (not sent yet) until then: by a silence or a quiet route.
    #[serde(default)]
    pub held_until: Option<String>,
    /// What holds it: `silence` or `quiet route`.
    #[serde(default)]
    pub held_by: Option<String>,
    /// The name of its monitor, when it is about one.
    #[serde(default)]
    pub monitor_name: Option<String>,
    /// The name of its flow, for a flow breach.
    #[serde(default)]
    pub flow_name: Option<String>,
}

/// `GET /api/v1/alerts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertList {
    /// Newest first.
    pub alerts: Vec<Alert>,
    /// Pass as `?before=` for the next page (none: this was the last).
    pub next_before: Option<i64>,
}

/// One message written about an alert, with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertMessage {
    /// The outbox entry.
    pub notification: i64,
    /// Its channel.
    pub channel: String,
    /// `trigger`, `escalate`, `resolve`, `acknowledge` or `once`.
    pub transition: Option<String>,
    /// The event.
    pub event: String,
    /// The e-mail recipient (empty for other kinds).
    pub recipient: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    /// Attempts so far.
    pub attempts: i32,
    /// The last error.
    pub last_error: Option<String>,
    /// Written at.
    pub created_at: String,
    /// Done at.
    pub done_at: Option<String>,
    /// Each attempt to deliver it, oldest first.
    #[serde(default)]
    pub deliveries: Vec<crate::Delivery>,
}

/// `GET /api/v1/alerts/<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertDetail {
    /// The alert.
    #[serde(flatten)]
    pub alert: Alert,
    /// Messages about it, oldest first.
    pub messages: Vec<AlertMessage>,
}

/// `POST /api/v1/alerts/<id>/acknowledge`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeInput {
    /// A note for the others ("on it, restarting the job").
    pub note: Option<String>,
}

/// `POST /api/v1/alerts/acknowledge`: several alerts at once (the Alerts page's
/// bulk action, "acknowledge all shown").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeManyInput {
    /// The alerts' ids (1–1,000), all of the current project.
    pub ids: Vec<i64>,
    /// A note for the others, on each of them.
    #[serde(default)]
    pub note: Option<String>,
}

/// What a bulk acknowledgement did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcknowledgedMany {
    /// How many alerts it acknowledged.
    pub acknowledged: u64,
    /// The ones someone had already acknowledged (left as they were).
    pub already: Vec<i64>,
    /// The ones resolved meanwhile (nothing to acknowledge).
    pub resolved: Vec<i64>,
}

/// `POST /api/v1/alerts/resolve`: resolve several alerts by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResolveManyInput {
    /// The alerts' ids (1–1,000), all of the current project.
    pub ids: Vec<i64>,
}

/// What a bulk resolution did. Only problems are resolved by hand (their units are
/// fixed when someone says so); a down episode, a flow breach or a failing channel
/// ends when what it is about recovers, and is left as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolvedMany {
    /// How many alerts it resolved (each with its problem).
    pub resolved: u64,
    /// The ones already resolved.
    pub already: Vec<i64>,
    /// The ones that resolve by themselves when what they are about recovers.
    pub kept: Vec<i64>,
}

/// A project at a glance (`GET /api/v1/summary`): what the dashboard's title, icon and
/// navigation show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    /// Monitors.
    pub total: i64,
    /// Monitors shown `down`.
    pub down: i64,
    /// Monitors shown `late` (past due, within grace).
    pub late: i64,
    /// Monitors shown `running`.
    pub running: i64,
    /// Monitors shown `up`.
    pub up: i64,
    /// Monitors shown `new`.
    pub new: i64,
    /// Monitors shown `paused`.
    pub paused: i64,
    /// Alerts nobody acknowledged yet.
    pub open_alerts: i64,
    /// The rows the Alerts page lists as open: one per open alert, except that a
    /// monitor's open problems are one row, and a flow's open breaches one row. The
    /// dashboard's Alerts badge (docs/behaviour.md, "The Alerts page").
    #[serde(default)]
    pub open_alert_rows: i64,
    /// Alerts acknowledged, not over.
    pub acknowledged_alerts: i64,
    /// Problems not resolved.
    pub open_problems: i64,
    /// The project's zone (an IANA name; empty until set, when the dashboard uses the
    /// browser's): the dashboard shows times in it, except a cron monitor's, which are
    /// in the monitor's zone.
    #[serde(default)]
    pub tz: String,
}

/// The entity and stage of a flow breach, read from its alert's `dedup_key`
/// (`overdue/flow/<flow>/<entity>/<stage>`; an entity may hold `/`, a stage may not);
/// `None` for other alerts, or when the key was cut short.
pub fn breach_of(dedup_key: &str) -> Option<(String, String)> {
    let rest = dedup_key.strip_prefix("overdue/flow/")?;
    let (_, rest) = rest.split_once('/')?;
    let (entity, stage) = rest.rsplit_once('/')?;
    (!entity.is_empty() && !stage.is_empty()).then(|| (entity.to_string(), stage.to_string()))
}

#[cfg(test)]
mod tests {
    use super::breach_of;

    #[test]
    fn a_breach_names_its_entity_and_stage() {
        assert_eq!(
            breach_of("overdue/flow/fl_abc/12345/authorized"),
            Some(("12345".into(), "authorized".into()))
        );
        assert_eq!(
            breach_of("overdue/flow/fl_abc/orders/2026/7/placed"),
            Some(("orders/2026/7".into(), "placed".into()))
        );
        assert_eq!(breach_of("overdue/down/m1/missed"), None);
        assert_eq!(breach_of("overdue/flow/fl_abc/12345"), None);
    }
}
