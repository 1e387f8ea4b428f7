//! `POST /ping/<uuid>/problems` and `/resolve` (docs/behaviour.md, "Problems (per-unit
//! errors)"): the units a job could not
//! process, and those that are fine again. The monitor's UUID (or ping key and slug) is
//! the secret, as for every ping URL. The body is checked whole before anything is
//! looked up or written: a bad report changes nothing.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use overdue_core::problem::{parse_keys, parse_report, DEFAULT_CAP};
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
        parse_keys(&body, MAX_ITEMS).map(Err)
    } else {
        parse_report(&body, MAX_ITEMS).map(Ok)
    }
    .map_err(ApiError::BadRequest)?;
    // `rid`: the run the units belong to (shown in its run view).
    let rid = query_rid(req, "rid")?.map(|u| u.hyphenated().to_string());
    let not_found = || ApiError::NotFound("not found".into());
    let id = match target {
        PingTarget::Code(code) => code.monitor(),
        PingTarget::Slug { ping_key, slug, .. } => state
            .store
            .read(move |c| problems::monitor_by_slug(c, &ping_key, &slug))
            .await?
            .and_then(|id| overdue_core::MonitorId::parse(&id))
            .ok_or_else(not_found)?,
    };
    match parsed {
        Ok(items) => {
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
            };
            let mut ok = answer(StatusCode::OK, json!(reply));
            if !replaced.is_empty() {
                crate::ping::name_replaced(&mut ok, &replaced);
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
