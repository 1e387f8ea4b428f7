//! The JSON heartbeat form (docs/behaviour.md, "Pings") for jobs that keep one URL and say
//! what happened
//! in the body: `POST /api/v1/heartbeat/<uuid>` with `{"status": "start|success|warn|
//! fail|progress|log|step", "message": "…"}` plus `rid`, `parent`, `step`,
//! `done`/`total`, `children` and a completion report (`errors`, `warnings`, `log`,
//! `counts`). The monitor's UUID is the credential, as for `/ping/<uuid>`; the answer is
//! the ping URLs' (`OK` once stored, plain text errors).

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use overdue_core::run::Report;
use overdue_core::{PingCode, Progress, Signal};
use overdue_storage::PingTarget;
use serde::Deserialize;

use super::url::{SignalUrl, MAX_CHILDREN};
use super::PingError;
use crate::http::error::ApiError;
use crate::http::parse::{canonical_uuid, rid};
use crate::AppState;

/// The body of a heartbeat.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Heartbeat {
    status: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    rid: Option<String>,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    step: Option<String>,
    #[serde(default)]
    done: Option<u64>,
    #[serde(default)]
    total: Option<u64>,
    #[serde(default)]
    children: Option<u32>,
    #[serde(default)]
    errors: Vec<serde_json::Value>,
    #[serde(default)]
    warnings: Vec<serde_json::Value>,
    #[serde(default)]
    log: Option<String>,
    #[serde(default)]
    counts: BTreeMap<String, u64>,
}

const STATUSES: &str = "start, success, warn, fail, progress, log or step";

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::BadRequest(msg.into())
}

impl Heartbeat {
    /// The signal URL this body stands for, checked as the URL form checks its query.
    fn to_url(&self, code: PingCode) -> Result<SignalUrl, ApiError> {
        let signal = match self.status.as_str() {
            "start" => Signal::Start,
            "success" => Signal::Success,
            "warn" | "warning" => Signal::Warn,
            "fail" => Signal::Fail,
            "progress" => Signal::Progress,
            "log" => Signal::Log,
            "step" => Signal::Step,
            other => {
                return Err(bad(format!(
                    "status: {other:?} is not a status; give {STATUSES}"
                )))
            }
        };
        if let Some(name) = &self.step {
            overdue_core::run::check_step_name(name).map_err(|e| bad(format!("step: {e}")))?;
        } else if signal == Signal::Step {
            return Err(bad(
                "step: a \"step\" status names the step (\"step\": \"load\")",
            ));
        }
        let progress = match signal {
            Signal::Progress => {
                let (done, total) = (
                    self.done.map(|d| d.to_string()),
                    self.total.map(|t| t.to_string()),
                );
                Some(
                    Progress::parse(done.as_deref(), total.as_deref(), self.message.as_deref())
                        .map_err(bad)?,
                )
            }
            _ if self.done.is_some() || self.total.is_some() => {
                return Err(bad("done and total go with \"status\": \"progress\""))
            }
            _ => None,
        };
        let children = match self.children {
            None => None,
            Some(_) if signal != Signal::Start => {
                return Err(bad(
                    "children goes with \"status\": \"start\": the run that fans out",
                ))
            }
            Some(n @ 1..=MAX_CHILDREN) => Some(n),
            Some(n) => {
                return Err(bad(format!(
                    "children must be 1 to {MAX_CHILDREN}, not {n}"
                )))
            }
        };
        let opt_rid = |v: &Option<String>, name: &str| {
            v.as_deref()
                .filter(|t| !t.trim().is_empty())
                .map(|t| rid(t, name))
                .transpose()
        };
        Ok(SignalUrl {
            target: PingTarget::Code(code),
            signal,
            exit_status: None,
            step: self.step.clone(),
            progress,
            children,
            parent: opt_rid(&self.parent, "parent")?,
            rid: opt_rid(&self.rid, "rid")?,
        })
    }

    /// The completion report of an end, when the body carries one.
    fn report(&self, signal: Signal) -> Result<Option<Report>, ApiError> {
        let given = !self.errors.is_empty()
            || !self.warnings.is_empty()
            || self.log.is_some()
            || !self.counts.is_empty();
        if !given {
            return Ok(None);
        }
        if !matches!(signal, Signal::Success | Signal::Warn | Signal::Fail) {
            return Err(bad(
                "errors, warnings, log and counts are a completion report: they go with success, warn or fail",
            ));
        }
        Ok(Some(Report {
            status: None,
            errors: self.errors.clone(),
            warnings: self.warnings.clone(),
            log: self.log.clone(),
            counts: self.counts.clone(),
        }))
    }
}

/// `POST /api/v1/heartbeat/<uuid>`.
pub async fn heartbeat(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PingError> {
    let limit = state.config.ping_body_limit;
    let fail = |e: ApiError| PingError::text(e, limit);
    // Another spelling of a UUID names no monitor (as `/ping/<uuid>`).
    let code = canonical_uuid(&path).ok_or_else(|| fail(ApiError::NotFound("not found".into())))?;
    let raw = crate::http::body::read_capped(payload, limit, "send a shorter message or log")
        .await
        .map_err(fail)?;
    let value: serde_json::Value = serde_json::from_slice(&raw).map_err(|_| {
        fail(bad(format!(
            "the body must be JSON: {{\"status\": \"success\", \"message\": \"…\"}} (status: {STATUSES})"
        )))
    })?;
    let hb: Heartbeat = crate::http::body::typed(value).map_err(fail)?;
    let url = hb.to_url(PingCode::from(code)).map_err(fail)?;
    let report = hb.report(url.signal).map_err(fail)?;
    // What the dashboard shows as the ping's body: the message, else the log.
    let shown = hb
        .message
        .clone()
        .or_else(|| hb.log.clone())
        .unwrap_or_default();
    let size = shown.len();
    let mut body = shown.into_bytes();
    body.truncate(limit);
    super::store_signal(&req, &state, url, (body, size), report, None)
        .await
        .map_err(fail)
}
