//! Rows as stored, and their conversion to the core's types.

use diesel::prelude::*;
use overdue_core::{
    Deadline, DeadlineKind, DownReason, Dur, MonitorConfig, MonitorState, Schedule, Status,
    Timestamp,
};

use crate::base::schema::*;
use crate::StoreError;

/// A monitor row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = monitors)]
#[allow(missing_docs)]
pub struct MonitorRow {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub slug: Option<String>,
    pub description: String,
    pub tags: String,
    pub schedule_kind: String,
    pub period_ms: Option<i64>,
    pub cron_expr: Option<String>,
    pub tz: String,
    pub grace_ms: i64,
    pub max_runtime_ms: Option<i64>,
    pub methods: String,
    pub manual_resume: bool,
    pub status: String,
    pub down_reason: Option<String>,
    pub last_ping_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub run_started_at: Option<i64>,
    pub next_due_at: Option<i64>,
    pub deadline_at: Option<i64>,
    pub deadline_kind: Option<String>,
    pub last_duration_ms: Option<i64>,
    pub n_pings: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub rules: String,
    pub fail_streak: i32,
    pub success_streak: i32,
    pub down_detail: Option<String>,
    pub warned: bool,
    pub links: String,
}

/// A monitor's dependency state, stored as one JSON object (`links`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LinkState {
    /// The armed expectation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<overdue_core::Expectation>,
    /// Its down was muted (an upstream was down).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub muted: bool,
}

impl LinkState {
    fn of(s: &MonitorState) -> LinkState {
        LinkState {
            expect: s.expect.clone(),
            muted: s.muted,
        }
    }

    /// The stored JSON text (`{}` when empty).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

/// A monitor's run rules, stored as one JSON object (absent: the default).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rules {
    /// A successful run shorter than this (ms) is a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_runtime_ms: Option<i64>,
    /// Runs allowed at once before a start is an overlap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
    /// Failed runs in a row before down (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down_after: Option<u32>,
    /// Successes in a row before up again (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_after: Option<u32>,
    /// Declared steps, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StoredStep>,
    /// No sign of life for this long (ms) while running: stalled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_timeout_ms: Option<i64>,
    /// Runs that end with warnings notify.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub notify_warn: bool,
    /// More failed units than this in a report: a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failed: Option<u64>,
    /// A higher failed / processed ratio in a report: a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failed_ratio: Option<f64>,
    /// Children of a fan-out run that may fail before it fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failed_children: Option<u32>,
    /// How its problems resolve by themselves (`on_next_run` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problems_resolve: Option<String>,
    /// This monitor is a chain of these members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainRule>,
    /// The severity of its down alerts (`error` when absent): routes match on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
}

/// What makes a monitor a chain: its members in order and its "finish by" time.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainRule {
    /// Member monitor ids, first to last.
    pub members: Vec<String>,
    /// "Finish by": a cron expression (`0 6 * * *`) and its timezone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_by: Option<(String, String)>,
}

/// A declared step as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredStep {
    /// Its name.
    pub name: String,
    /// Its max duration (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<i64>,
}

impl Rules {
    /// `base` (schedule, grace, max runtime, manual resume) with these rules.
    pub fn config(&self, base: MonitorConfig) -> MonitorConfig {
        MonitorConfig {
            min_runtime: self.min_runtime_ms.map(Dur),
            concurrency: self.concurrency,
            down_after: self.down_after.unwrap_or(1),
            up_after: self.up_after.unwrap_or(1),
            steps: self
                .steps
                .iter()
                .map(|s| overdue_core::StepRule {
                    name: s.name.clone(),
                    max: s.max_ms.map(Dur),
                })
                .collect(),
            stall_timeout: self.stall_timeout_ms.map(Dur),
            notify_warn: self.notify_warn,
            max_failed: self.max_failed,
            max_failed_ratio: self.max_failed_ratio,
            max_failed_children: self.max_failed_children.unwrap_or(0),
            chain: self.chain.is_some(),
            // Checked when the chain was saved; an unreadable one is no deadline.
            finish_by: self
                .chain
                .as_ref()
                .and_then(|ch| ch.finish_by.as_ref())
                .and_then(|(cron, tz)| Schedule::cron(cron, tz).ok()),
            // Checked when saved; an unreadable one falls back to the default.
            auto_resolve: self
                .problems_resolve
                .as_deref()
                .and_then(|t| overdue_core::AutoResolve::parse(t).ok())
                .unwrap_or_default(),
            ..base
        }
    }

    /// The stored JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

impl MonitorRow {
    /// The monitor's id, typed (stored ids are always UUIDs; a hand-edited row that is
    /// not is an internal error).
    pub fn monitor_id(&self) -> Result<overdue_core::MonitorId, StoreError> {
        overdue_core::MonitorId::parse(&self.id)
            .ok_or_else(|| StoreError::Internal(format!("monitor id {:?} is not a UUID", self.id)))
    }

    /// The run rules (unreadable JSON is an error, as an unknown schedule is).
    pub fn rules(&self) -> Result<Rules, StoreError> {
        serde_json::from_str(&self.rules)
            .map_err(|e| StoreError::Internal(format!("monitor {}: rules: {e}", self.id)))
    }

    /// The schedule as the core understands it.
    pub fn schedule(&self) -> Result<Schedule, StoreError> {
        match self.schedule_kind.as_str() {
            "none" => Ok(Schedule::None),
            "interval" => Ok(Schedule::Interval {
                period: Dur(self.period_ms.unwrap_or(86_400_000)),
            }),
            "cron" => {
                let expr = self.cron_expr.as_deref().unwrap_or("");
                Schedule::cron(expr, &self.tz)
                    .map_err(|e| StoreError::Internal(format!("monitor {}: {e}", self.id)))
            }
            other => Err(StoreError::Internal(format!(
                "monitor {}: unknown schedule kind {other:?}",
                self.id
            ))),
        }
    }

    /// The settings the state machine needs.
    pub fn config(&self) -> Result<MonitorConfig, StoreError> {
        Ok(self.rules()?.config(MonitorConfig {
            max_runtime: self.max_runtime_ms.map(Dur),
            manual_resume: self.manual_resume,
            ..MonitorConfig::basic(self.schedule()?, Dur(self.grace_ms))
        }))
    }

    /// The state as the core understands it.
    pub fn state(&self) -> MonitorState {
        MonitorState {
            status: Status::parse(&self.status).unwrap_or(Status::New),
            down_reason: self.down_reason.as_deref().and_then(DownReason::parse),
            last_success: self.last_success_at.map(Timestamp),
            run_started_at: self.run_started_at.map(Timestamp),
            next_due: self.next_due_at.map(Timestamp),
            deadline: match (self.deadline_at, self.deadline_kind.as_deref()) {
                (Some(at), Some(kind)) => DeadlineKind::parse(kind).map(|kind| Deadline {
                    at: Timestamp(at),
                    kind,
                }),
                _ => None,
            },
            fail_streak: self.fail_streak.max(0) as u32,
            success_streak: self.success_streak.max(0) as u32,
            down_detail: self.down_detail.clone(),
            warned: self.warned,
            expect: self.link_state().expect,
            muted: self.link_state().muted,
        }
    }

    /// The dependency state (unreadable JSON reads as none: it is re-armed by the next
    /// upstream event).
    pub fn link_state(&self) -> LinkState {
        serde_json::from_str(&self.links).unwrap_or_default()
    }

    /// Tags as a list (stored space-separated, as Healthchecks does).
    pub fn tag_list(&self) -> Vec<String> {
        self.tags.split_whitespace().map(str::to_string).collect()
    }
}

/// The state columns of a monitor, written after every transition.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = monitors, treat_none_as_null = true)]
#[allow(missing_docs)]
pub struct MonitorStateColumns {
    pub status: String,
    pub down_reason: Option<String>,
    pub last_success_at: Option<i64>,
    pub run_started_at: Option<i64>,
    pub next_due_at: Option<i64>,
    pub deadline_at: Option<i64>,
    pub deadline_kind: Option<String>,
    pub fail_streak: i32,
    pub success_streak: i32,
    pub down_detail: Option<String>,
    pub warned: bool,
    pub links: String,
}

impl From<&MonitorState> for MonitorStateColumns {
    fn from(s: &MonitorState) -> Self {
        MonitorStateColumns {
            status: s.status.as_str().to_string(),
            down_reason: s.down_reason.map(|r| r.as_str().to_string()),
            last_success_at: s.last_success.map(|t| t.0),
            run_started_at: s.run_started_at.map(|t| t.0),
            next_due_at: s.next_due.map(|t| t.0),
            deadline_at: s.deadline.map(|d| d.at.0),
            deadline_kind: s.deadline.map(|d| d.kind.as_str().to_string()),
            fail_streak: s.fail_streak.min(i32::MAX as u32) as i32,
            success_streak: s.success_streak.min(i32::MAX as u32) as i32,
            down_detail: s.down_detail.clone(),
            warned: s.warned,
            links: LinkState::of(s).to_json(),
        }
    }
}

/// Columns a ping updates besides the state: its count, and (when it was not ignored)
/// its time and the duration of the run it ended. `None` leaves a column as it is.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = monitors)]
#[allow(missing_docs)]
pub struct PingColumns {
    pub n_pings: i64,
    pub last_ping_at: Option<i64>,
    pub last_duration_ms: Option<i64>,
}

/// A stored ping.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pings)]
#[allow(missing_docs)]
pub struct PingRow {
    pub id: i64,
    pub monitor_id: String,
    pub n: i64,
    pub kind: String,
    pub exit_status: Option<i32>,
    pub created_at: i64,
    pub rid: Option<String>,
    pub method: String,
    pub scheme: String,
    pub remote_addr: String,
    pub user_agent: String,
    pub body: Vec<u8>,
    pub body_size: i64,
    pub duration_ms: Option<i64>,
}

/// A ping to insert. `None` binds NULL instead of writing `DEFAULT`: one fixed SQL
/// text, so diesel can keep the statement prepared (the hot path of ingest).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = pings, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct NewPing<'a> {
    pub monitor_id: &'a str,
    pub n: i64,
    pub kind: &'a str,
    pub exit_status: Option<i32>,
    pub created_at: i64,
    pub rid: Option<String>,
    pub method: &'a str,
    pub scheme: &'a str,
    pub remote_addr: &'a str,
    pub user_agent: &'a str,
    pub body: &'a [u8],
    pub body_size: i64,
    pub duration_ms: Option<i64>,
}

/// A run.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = runs)]
#[allow(missing_docs)]
pub struct RunRow {
    pub id: i64,
    pub monitor_id: String,
    pub rid: Option<String>,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub outcome: Option<String>,
    pub duration_ms: Option<i64>,
    pub exit_status: Option<i32>,
    pub steps: Option<String>,
    pub active_at: Option<i64>,
    pub progress_done: Option<i64>,
    pub progress_total: Option<i64>,
    pub progress_msg: Option<String>,
    pub report: Option<String>,
    pub report_error: Option<String>,
    pub log_seq: i64,
    pub log_head_seq: i64,
    pub log_head_bytes: i64,
    pub log_tail_bytes: i64,
    pub log_dropped: i64,
    pub children_expected: Option<i32>,
    pub children_ok: i32,
    pub children_failed: i32,
}

impl RunRow {
    /// The step timeline (unreadable JSON reads as none: it is display data).
    pub fn step_marks(&self) -> Vec<overdue_core::StepMark> {
        self.steps
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default()
    }
}

/// A status change.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = flips)]
#[allow(missing_docs)]
pub struct FlipRow {
    pub id: i64,
    pub monitor_id: String,
    pub created_at: i64,
    pub from_status: String,
    pub to_status: String,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

/// A project.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = projects)]
#[allow(missing_docs)]
pub struct ProjectRow {
    pub id: String,
    pub name: String,
    pub ping_key: String,
    pub created_at: i64,
    /// Key of the project's public badge URLs (`/badge/<badge_key>/…`).
    pub badge_key: Option<String>,
    /// Its time zone (an IANA name; empty: UTC), for times in messages of monitors
    /// without a zone of their own.
    pub tz: String,
    /// Its storm setting's wait (ms; 0: storms are not gathered), docs/behaviour.md,
    /// "Storms".
    pub storm_wait_ms: i64,
    /// Its storm setting's interval (ms).
    pub storm_interval_ms: i64,
    /// The business calendar (its id) its reports count working hours by
    /// (docs/behaviour.md, "Reports"); `None`: every hour is working.
    pub hours_calendar: Option<String>,
    /// Its reports' availability target in thousandths of a percent (99500: 99.5 %);
    /// `None`: the default.
    pub availability_target: Option<i64>,
    /// Its members need a second factor to act in it with a session (docs/security.md,
    /// "Second factor").
    pub require_second_factor: bool,
}

impl ProjectRow {
    /// Its storm setting (`None`: off).
    pub fn storm(&self) -> Option<overdue_core::route::storm::Storm> {
        overdue_core::route::storm::Storm::stored(self.storm_wait_ms, self.storm_interval_ms)
    }
}

/// A channel.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = channels)]
#[allow(missing_docs)]
pub struct ChannelRow {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub kind: String,
    pub config: String,
    pub created_at: i64,
    /// New monitors get the project's default channels.
    pub is_default: bool,
    /// Told when another channel of the project keeps failing.
    pub is_fallback: bool,
}

/// An outbox entry.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
#[allow(missing_docs)]
pub struct OutboxRow {
    pub id: i64,
    /// The project (none for a password reset, which belongs to no project).
    pub project_id: Option<String>,
    /// The channel (none for account mail: docs/security.md, "Account mail").
    pub channel_id: Option<String>,
    pub monitor_id: Option<String>,
    pub event: String,
    pub payload: String,
    pub idempotency_key: String,
    pub created_at: i64,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub locked_by: Option<String>,
    pub locked_until: Option<i64>,
    pub last_error: Option<String>,
    pub done_at: Option<i64>,
    /// The alert the message is about (none for a digest).
    pub alert_id: Option<i64>,
    /// What it announces: `trigger`, `resolve`, `acknowledge`, `escalate`, `once`,
    /// `digest`.
    pub transition: Option<String>,
    /// The one address of an e-mail message (`""` for other channels).
    pub recipient: String,
}

/// One delivery attempt.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
#[allow(missing_docs)]
pub struct DeliveryRow {
    pub id: i64,
    pub outbox_id: i64,
    pub channel_id: String,
    pub attempt: i32,
    pub attempted_at: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}
