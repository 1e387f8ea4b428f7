//! `POST /ping/<uuid>/problems` and `/resolve` (docs/behaviour.md, "Problems (per-unit
//! errors)"): the units a job could not
//! process, and those that are fine again. The monitor's UUID (or ping key and slug) is
//! the secret, as for every ping URL. A report is read liberally
//! (`overdue_core::problem::read_report`: other field names, severities in any
//! spelling, unknown fields kept in `details` and named in `Overdue-Extra-Fields`);
//! what cannot be a unit's problem — a body that is not a report, an item without a
//! key — is kept as a log line on the monitor and answered 422, the rest stored.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use overdue_core::problem::{parse_keys, read_report, ReportRead, DEFAULT_CAP};
use overdue_storage::{monitoring::problems, PingTarget};
use overdue_types::{ProblemsReply, ResolveReply};
use serde_json::json;

use super::json as answer;
use crate::http::error::ApiError;
use crate::http::parse::query_rid;
use crate::AppState;

/// Largest problems or resolve body.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Most problems (or keys) in one request.
pub const MAX_ITEMS: usize = 10_000;

async fn read_body(payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let hint = format!("send at most {MAX_ITEMS} problems per request");
    crate::http::body::read_capped(payload, BODY_LIMIT, &hint).await
}

/// `POST /ping/<target>/problems` (`resolve = false`) or `/resolve`.
pub(super) async fn handle(
    req: &HttpRequest,
    state: &AppState,
    target: PingTarget,
    resolve: bool,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if req.method() != actix_web::http::Method::POST {
        return Err(ApiError::MethodNotAllowed(
            "POST the problems as JSON: [{\"key\": \"invoice:123\", \"severity\": \"error\", \"message\": \"...\"}]".into(),
        ));
    }
    let body = read_body(payload).await?;
    let parsed = if resolve {
        parse_keys(&body, MAX_ITEMS)
            .map(Err)
            .map_err(ApiError::BadRequest)?
    } else {
        match read_report(&body, MAX_ITEMS) {
            Ok(read) => Ok(read),
            // Not a report at all: kept as a log line, never lost for its form.
            Err(why) => return keep_as_log(req, state, target, &body, why, None).await,
        }
    };
    // `rid`: the run the units belong to (shown in its run view).
    let rid = query_rid(req, "rid")?.map(|u| u.hyphenated().to_string());
    let not_found = || ApiError::NotFound("not found".into());
    let id = match target.clone() {
        PingTarget::Code(code) => code.monitor(),
        PingTarget::Slug { ping_key, slug, .. } => state
            .store
            .read(move |c| problems::monitor_by_slug(c, &ping_key, &slug))
            .await?
            .and_then(|id| overdue_core::MonitorId::parse(&id))
            .ok_or_else(not_found)?,
    };
    match parsed {
        Ok(ReportRead {
            items,
            unread,
            extras,
            notes,
        }) => {
            let mut replaced: Vec<&str> = items.iter().flat_map(|i| i.replaced.clone()).collect();
            replaced.sort_unstable();
            replaced.dedup();
            let out = state
                .store
                .write(move |tx| problems::report(tx, &id, &items, rid.as_deref(), DEFAULT_CAP))
                .await?
                .ok_or_else(not_found)?;
            let reply = ProblemsReply {
                opened: out.opened,
                reopened: out.reopened,
                rejoined: out.rejoined,
                repeated: out.repeated,
                escalated: out.escalated,
                dropped: out.dropped,
                open: out.open,
                notes,
                unread: Vec::new(),
                error: None,
            };
            let mut ok = if unread.is_empty() {
                answer(StatusCode::OK, json!(reply))
            } else {
                let why = unread.join("; ");
                keep_as_log(req, state, target, &body, why, Some((reply, unread))).await?
            };
            if !replaced.is_empty() {
                crate::ping::name_replaced(&mut ok, &replaced);
            }
            if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&extras.join(", ")) {
                if !extras.is_empty() {
                    ok.headers_mut().insert(
                        actix_web::http::header::HeaderName::from_static("overdue-extra-fields"),
                        v,
                    );
                }
            }
            Ok(ok)
        }
        Err(keys) => {
            let (resolved, not_open, _) = state
                .store
                .write(move |tx| problems::resolve_keys(tx, &id, &keys, "report"))
                .await?
                .ok_or_else(not_found)?;
            Ok(answer(
                StatusCode::OK,
                json!(ResolveReply { resolved, not_open }),
            ))
        }
    }
}

/// Keeps `body` as a log line on the monitor with `why`, and answers 422: with the
/// reply of what was stored when part of the report was read, else in words.
async fn keep_as_log(
    req: &HttpRequest,
    state: &AppState,
    target: PingTarget,
    body: &[u8],
    why: String,
    stored: Option<(ProblemsReply, Vec<String>)>,
) -> Result<HttpResponse, ApiError> {
    let url = crate::ping::url::SignalUrl {
        target,
        signal: overdue_core::Signal::Log,
        exit_status: None,
        step: None,
        progress: None,
        children: None,
        parent: None,
        rid: None,
    };
    let limit = state.config.ping_body_limit;
    let kept = body[..body.len().min(limit)].to_vec();
    super::store_signal(req, state, url, (kept, body.len()), None, Some(why.clone())).await?;
    let (mut reply, unread) = stored.unwrap_or_default();
    reply.error = Some(format!(
        "kept as a log line on the monitor, not as problems: {why}"
    ));
    reply.unread = unread;
    Ok(answer(StatusCode::UNPROCESSABLE_ENTITY, json!(reply)))
}
