//! The JSON heartbeat form (docs/behaviour.md, "Pings") for jobs that keep one URL and say
//! what happened
//! in the body: `POST /api/v1/heartbeat/<uuid>` with `{"status": "start|success|warn|
//! fail|progress|log|step", "message": "…"}` plus `rid`, `parent`, `step`,
//! `done`/`total`, `children` and a completion report (`errors`, `warnings`, `log`,
//! `counts`). The monitor's UUID is the credential, as for `/ping/<uuid>`; the answer is
//! the ping URLs' (`OK` once stored, plain text errors).
//!
//! Taken liberally, as every signal: a `GET`, `HEAD` or empty body is a success; common
//! spellings of a status are understood (`Signal::from_word`); fields it does not know
//! are kept with the ping and named in `Overdue-Extra-Fields`; a body it cannot
//! understand (not JSON, no status, an unknown status, a wrong type) is kept as a log
//! line and answered 422 — never turned into a success or a failure.

use std::collections::BTreeMap;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use overdue_core::run::Report;
use overdue_core::{PingCode, Progress, Signal};
use overdue_storage::monitoring::status_keys;
use overdue_storage::PingTarget;
use serde::Deserialize;

use super::url::{SignalUrl, MAX_CHILDREN};
use super::PingError;
use crate::http::error::ApiError;
use crate::http::parse::{canonical_uuid, rid};
use crate::AppState;

/// The fields a heartbeat's body may have; others are kept as extras.
const FIELDS: &[&str] = &[
    "status", "message", "rid", "parent", "step", "done", "total", "children", "errors",
    "warnings", "log", "counts",
];

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
        let signal = Signal::from_word(&self.status).ok_or_else(|| {
            bad(format!(
                "status: {:?} is not a status; give {STATUSES}",
                self.status
            ))
        })?;
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

/// What a heartbeat's body says: a signal with its report and the text shown as the
/// ping's body, or why it could not be understood.
struct Understood {
    url: SignalUrl,
    report: Option<Report>,
    shown: String,
    extras: Vec<String>,
}

/// Reads a heartbeat's body (empty: a success). `Err`: why it is not understood.
fn understand(code: PingCode, raw: &[u8]) -> Result<Understood, String> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(Understood {
            url: success(code),
            report: None,
            shown: String::new(),
            extras: Vec::new(),
        });
    }
    let Ok(serde_json::Value::Object(mut all)) = serde_json::from_slice(raw) else {
        return Err(format!(
            "the body is not a JSON object such as {{\"status\": \"success\", \"message\": \"…\"}} (status: {STATUSES})"
        ));
    };
    let extra: serde_json::Map<String, serde_json::Value> = all
        .iter()
        .filter(|(k, _)| !FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    all.retain(|k, _| FIELDS.contains(&k.as_str()));
    if !all.contains_key("status") {
        return Err(format!("the body has no status: give {STATUSES}"));
    }
    let hb: Heartbeat =
        crate::http::body::typed(serde_json::Value::Object(all)).map_err(|e| e.to_string())?;
    let url = hb.to_url(code).map_err(|e| e.to_string())?;
    let report = hb.report(url.signal).map_err(|e| e.to_string())?;
    // What the dashboard shows as the ping's body: the message, else the log; the
    // fields it does not know under them.
    let mut shown = hb
        .message
        .clone()
        .or_else(|| hb.log.clone())
        .unwrap_or_default();
    if !extra.is_empty() {
        if !shown.is_empty() {
            shown.push_str("\n\n");
        }
        shown.push_str(&format!(
            "Other fields: {}",
            serde_json::Value::Object(extra.clone())
        ));
    }
    Ok(Understood {
        url,
        report,
        shown,
        extras: extra.keys().cloned().collect(),
    })
}

/// A plain success of the monitor.
fn success(code: PingCode) -> SignalUrl {
    SignalUrl {
        target: PingTarget::Code(code),
        signal: Signal::Success,
        exit_status: None,
        step: None,
        progress: None,
        children: None,
        parent: None,
        rid: None,
    }
}

/// `/api/v1/heartbeat/<uuid>`, any method: `GET` and `HEAD` are a success (as the ping
/// URLs), a body says what happened.
pub async fn heartbeat(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PingError> {
    let limit = state.config.ping_body_limit;
    let fail = |e: ApiError| PingError::text(e, limit);
    if status_keys::looks_like_key(&path) {
        return by_status_key(req, path.into_inner(), payload, state).await;
    }
    // Another spelling of a UUID names no monitor (as `/ping/<uuid>`).
    let code = PingCode::from(
        canonical_uuid(&path).ok_or_else(|| fail(ApiError::NotFound("not found".into())))?,
    );
    let raw = crate::http::body::read_capped(payload, limit, "send a shorter message or log")
        .await
        .map_err(fail)?;
    let read = if matches!(req.method().as_str(), "GET" | "HEAD") {
        Ok(Understood {
            url: success(code),
            report: None,
            shown: String::new(),
            extras: Vec::new(),
        })
    } else {
        understand(code, &raw)
    };
    match read {
        Ok(u) => {
            let size = u.shown.len();
            let mut body = u.shown.into_bytes();
            body.truncate(limit);
            let mut resp = super::store_signal(&req, &state, u.url, (body, size), u.report, None)
                .await
                .map_err(fail)?;
            if let Ok(v) = HeaderValue::from_str(&u.extras.join(", ")) {
                if !u.extras.is_empty() {
                    resp.headers_mut()
                        .insert(HeaderName::from_static("overdue-extra-fields"), v);
                }
            }
            Ok(resp)
        }
        // Kept, as a log line with the body as sent, and said so: a 422 the job's
        // author sees, never an outcome made up.
        Err(why) => {
            let mut url = success(code);
            url.signal = Signal::Log;
            let size = raw.len();
            let mut body = raw.to_vec();
            body.truncate(limit);
            super::store_signal(&req, &state, url, (body, size), None, Some(why.clone()))
                .await
                .map_err(fail)?;
            Ok(super::text(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                format!("kept as a log line, not as an outcome: {why}"),
                limit,
            ))
        }
    }
}

/// `/api/v1/heartbeat/<status key>`, any method: the key's status, whatever the body
/// says (as a ping URL's verb decides); the body, as sent, is the ping's body.
async fn by_status_key(
    req: HttpRequest,
    key: String,
    mut payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PingError> {
    let limit = state.config.ping_body_limit;
    let fail = |e: ApiError| PingError::text(e, limit);
    let found = state
        .store
        .read(move |c| status_keys::resolve(c, &key))
        .await
        .map_err(|e| fail(e.into()))?;
    let Some((monitor, status)) = found else {
        return Err(fail(ApiError::NotFound("not found".into())));
    };
    let code = canonical_uuid(&monitor).ok_or_else(|| {
        fail(ApiError::Internal(format!(
            "stored monitor id {monitor:?} is not a UUID"
        )))
    })?;
    let mut url = success(PingCode::from(code));
    url.signal = Signal::from_word(&status).unwrap_or(Signal::Log);
    let (body, size) = super::read_body(&req, &mut payload, limit)
        .await
        .map_err(fail)?;
    super::store_signal(&req, &state, url, (body, size), None, None)
        .await
        .map_err(fail)
}
