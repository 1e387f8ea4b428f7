//! The ping protocol (docs/behaviour.md, "Pings"), compatible with Healthchecks:
//! `/ping/<uuid>[/<action>]`
//! and `/ping/<ping_key>/<slug>[/<action>]`, any method, `?rid=`, `?create=1`; the
//! exclusive lease (`lease`) and per-unit problems (`problems`) of the same URL family.
//! A 200 is sent only after the ping's batch committed. Errors go through the one
//! policy of [`crate::http::error`], rendered as plain text (JSON for leases and problems).

mod heartbeat;
mod lease;
mod problems;
mod url;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use futures_util::StreamExt;
use overdue_core::{BodyReport, Signal};
use overdue_storage::{PingReply, PingRequest};
use overdue_types::ErrorBody;

use crate::http::error::ApiError;
use crate::http::rate::{self, Sender};
use crate::AppState;
use url::{Route, SignalUrl};

/// Most bytes read (and discarded) past the body limit before the answer is sent anyway.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Registers the ping routes (and the JSON heartbeat form, which must come before the
/// `/api/v1` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/v1/heartbeat/{uuid}",
        web::route().to(heartbeat::heartbeat),
    )
    .route("/ping/{a}", web::route().to(ping))
    .route("/ping/{a}/{b}", web::route().to(ping))
    .route("/ping/{a}/{b}/{c}", web::route().to(ping))
    .route("/ping/{a}/{b}/{c}/{d}", web::route().to(ping));
}

/// An error of the ping URL family: the one policy's status, `Retry-After` and message,
/// as Healthchecks' plain text (signals) or as JSON (leases, problems).
#[derive(Debug)]
pub struct PingError {
    err: ApiError,
    /// `Some(limit)`: plain text with the `Ping-Body-Limit` header; `None`: JSON.
    text_limit: Option<usize>,
}

impl std::fmt::Display for PingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.err.fmt(f)
    }
}

impl PingError {
    fn text(err: impl Into<ApiError>, limit: usize) -> PingError {
        PingError {
            err: err.into(),
            text_limit: Some(limit),
        }
    }

    fn json(err: impl Into<ApiError>) -> PingError {
        PingError {
            err: err.into(),
            text_limit: None,
        }
    }
}

impl ResponseError for PingError {
    fn status_code(&self) -> StatusCode {
        self.err.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let public = self.err.public();
        let mut resp = public.builder();
        resp.insert_header(("Access-Control-Allow-Origin", "*"));
        match self.text_limit {
            Some(limit) => resp
                .insert_header(("Ping-Body-Limit", limit.to_string()))
                .content_type("text/plain; charset=utf-8")
                .body(public.message),
            None => resp
                .insert_header(("Cache-Control", "no-store"))
                .json(ErrorBody {
                    error: public.message,
                }),
        }
    }
}

fn text(status: StatusCode, body: impl Into<String>, limit: usize) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Ping-Body-Limit", limit.to_string()))
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .content_type("text/plain; charset=utf-8")
        .body(body.into())
}

/// Names, in `Overdue-Replaced`, the fields of a signal whose control characters were
/// stored as U+FFFD (docs/security.md: a signal is never refused for its form).
pub(crate) fn name_replaced(resp: &mut HttpResponse, fields: &[&str]) {
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&fields.join(", ")) {
        resp.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("overdue-replaced"),
            v,
        );
    }
}

/// A JSON answer of the lease and problems URLs.
fn json(status: StatusCode, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .json(body)
}

async fn ping(
    req: HttpRequest,
    path: web::Path<Vec<String>>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PingError> {
    let limit = state.config.ping_body_limit;
    // A browser's CORS preflight asks whether it may ping; it is never a ping itself.
    if req.method() == actix_web::http::Method::OPTIONS {
        return Ok(HttpResponse::NoContent()
            .insert_header(("Access-Control-Allow-Origin", "*"))
            .insert_header(("Access-Control-Allow-Methods", "GET, HEAD, POST"))
            .insert_header(("Access-Control-Allow-Headers", "Content-Type"))
            .insert_header(("Access-Control-Max-Age", "86400"))
            .finish());
    }
    let route = url::parse(&req, &path.into_inner()).map_err(|e| PingError::text(e, limit))?;
    // Leases and problem reports count against the project's rate here; signals in
    // `store_signal`, which heartbeats share.
    let sender = match &route {
        Route::Lease { code, .. } => Some(Sender::Monitor(code.monitor())),
        Route::Problems { target, .. } => Some(Sender::of(target)),
        Route::Signal(_) => None,
    };
    if let Some(sender) = sender {
        rate::admit(&state, sender, 1)
            .await
            .map_err(PingError::json)?;
    }
    match route {
        Route::Lease { code, lock } => lease::handle(&req, &state, code, lock)
            .await
            .map_err(PingError::json),
        Route::Problems { target, resolve } => {
            problems::handle(&req, &state, target, resolve, payload)
                .await
                .map_err(PingError::json)
        }
        Route::Signal(url) => signal(&req, &state, *url, payload)
            .await
            .map_err(|e| PingError::text(e, limit)),
    }
}

/// The body read up to `limit`, and its whole size (counted past the limit, so the
/// stored size is true). Past `DRAIN_LIMIT` the rest is not read: the size is then the
/// declared `Content-Length` (a chunked body reports what was read).
async fn read_body(
    req: &HttpRequest,
    payload: &mut web::Payload,
    limit: usize,
) -> Result<(Vec<u8>, usize), ApiError> {
    let mut body = Vec::new();
    let mut size = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| crate::http::error::body_error(&e))?;
        size += chunk.len();
        if body.len() < limit {
            let take = (limit - body.len()).min(chunk.len());
            body.extend_from_slice(&chunk[..take]);
        }
        if size > DRAIN_LIMIT {
            let declared = req
                .headers()
                .get(actix_web::http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<usize>().ok());
            size = size.max(declared.unwrap_or(0));
            break;
        }
    }
    Ok((body, size))
}

/// The client's address (the sign-in gate's rule: `X-Forwarded-For` only from a trusted
/// proxy) and user agent (at most 200 characters).
fn client(req: &HttpRequest, state: &AppState) -> (String, String) {
    let remote_addr = state
        .gate
        .client(req)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let user_agent: String = req
        .headers()
        .get("User-Agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    (remote_addr, user_agent)
}

async fn signal(
    req: &HttpRequest,
    state: &AppState,
    url: SignalUrl,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let limit = state.config.ping_body_limit;
    let (body, size) = read_body(req, &mut payload, limit).await?;
    // A batch engine's outcome header decides a plain ping's outcome; a verb in the
    // URL decides over it (as over a report's status). One it cannot read is said.
    let mut url = url;
    let mut header_error = None;
    if let Some(v) = req.headers().get("X-Batch-Complete-Status") {
        let text = String::from_utf8_lossy(v.as_bytes()).to_string();
        match Signal::from_word(&text) {
            Some(s @ (Signal::Success | Signal::Warn | Signal::Fail)) => {
                if url.signal == Signal::Success && url.exit_status.is_none() {
                    url.signal = s;
                }
            }
            _ => {
                header_error = Some(format!(
                "X-Batch-Complete-Status {text:?} is none of success, success-with-warning, fail"
            ))
            }
        }
    }
    // Only ends carry a completion report.
    let ends = matches!(url.signal, Signal::Success | Signal::Warn | Signal::Fail);
    let declared_json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    let (report, report_error) =
        match ends.then(|| BodyReport::detect(&body, declared_json, size > limit)) {
            Some(BodyReport::Report(r)) => (Some(r), None),
            Some(BodyReport::Malformed(e)) => (None, Some(e)),
            _ => (None, None),
        };
    let report_error = header_error.or(report_error);
    store_signal(req, state, url, (body, size), report, report_error).await
}

/// Stores one signal and answers as the ping URLs do: `OK` (200) once committed,
/// `Created` (201) for `?create=1`, a 422 when the ping counted but its report could
/// not be read. `body` is what is kept (up to the limit) and the whole size.
async fn store_signal(
    req: &HttpRequest,
    state: &AppState,
    url: SignalUrl,
    (body, size): (Vec<u8>, usize),
    report: Option<overdue_core::run::Report>,
    report_error: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let limit = state.config.ping_body_limit;
    rate::admit(state, Sender::of(&url.target), 1).await?;
    let (remote_addr, user_agent) = client(req, state);
    let signal = url.signal;
    let ping = PingRequest {
        target: url.target,
        signal,
        exit_status: url.exit_status,
        rid: url.rid,
        method: req.method().as_str().to_string(),
        scheme: req.connection_info().scheme().to_string(),
        remote_addr,
        user_agent,
        body,
        body_size: size as i64,
        step: url.step,
        progress: url.progress,
        report,
        report_error: report_error.clone(),
        children: url.children,
        parent: url.parent,
    };
    let reply = state.store.ping(ping).await.inspect_err(|e| {
        if e.is_transient() {
            crate::compat::metrics::Counters::add(&state.counters.pings_unavailable);
        }
    })?;
    let created = match reply {
        PingReply::Stored { created, .. } => created,
        PingReply::NotFound => return Err(ApiError::NotFound("not found".into())),
        PingReply::Conflict(_) => return Err(ApiError::Conflict("ambiguous slug".into())),
        PingReply::Invalid(why) => return Err(ApiError::BadRequest(why)),
    };
    crate::compat::metrics::Counters::add(&state.counters.pings_stored);
    if let (Some(why), true) = (&report_error, size <= limit) {
        // The ping counted (a monitoring hiccup must not become a false alert); the
        // job's author learns that the report was not read.
        return Ok(text(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "ping recorded as {}, report ignored: {why}",
                signal.as_str()
            ),
            limit,
        ));
    }
    let (status, word) = if created {
        (StatusCode::CREATED, "Created")
    } else {
        (StatusCode::OK, "OK")
    };
    let mut resp = text(status, word, limit);
    if let Some(why) = &report_error {
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(why) {
            resp.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("report-unparsed"),
                v,
            );
        }
    }
    if size > limit {
        resp.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("ping-body-truncated"),
            actix_web::http::header::HeaderValue::from(size),
        );
    }
    Ok(resp)
}
