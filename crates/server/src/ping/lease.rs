//! `/ping/<uuid>/lock?ttl=…[&rid=…]` and `/ping/<uuid>/unlock?rid=…` (docs/behaviour.md,
//! "Exclusive leases"): an
//! exclusive lease per monitor. Like every ping URL, the monitor's UUID is the secret.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use overdue_core::PingCode;
use overdue_storage::monitoring::leases::{self, Lock};
use serde_json::json;
use uuid::Uuid;

use super::json as answer;
use crate::http::error::ApiError;
use crate::http::parse::{query_rid, query_value};
use crate::AppState;

/// Longest lease: a holder renews it with its pings.
const MAX_TTL_MS: i64 = 7 * 86_400_000;

fn ttl(req: &HttpRequest) -> Result<i64, ApiError> {
    let text = query_value(req, "ttl")
        .ok_or_else(|| ApiError::BadRequest("ttl is required: ?ttl=90s (or seconds)".into()))?;
    let ms = match text.trim().parse::<i64>() {
        Ok(secs) => secs.saturating_mul(1_000),
        Err(_) => overdue_core::parse_duration(&text)
            .map_err(|e| ApiError::BadRequest(format!("ttl: {e}")))?
            .millis(),
    };
    if !(1_000..=MAX_TTL_MS).contains(&ms) {
        return Err(ApiError::BadRequest("ttl must be 1 s to 7 days".into()));
    }
    Ok(ms)
}

/// Handles a lock (`lock = true`) or unlock request for the monitor of `code`.
pub(super) async fn handle(
    req: &HttpRequest,
    state: &AppState,
    code: PingCode,
    lock: bool,
) -> Result<HttpResponse, ApiError> {
    let rid = query_rid(req, "rid")?.map(|u| u.hyphenated().to_string());
    if lock {
        let ttl_ms = ttl(req)?;
        // Without a rid the lock starts a run id for the caller to use on its pings.
        let rid = rid.unwrap_or_else(|| Uuid::new_v4().hyphenated().to_string());
        let r = rid.clone();
        let lock = state
            .store
            .write(move |tx| leases::lock(tx, code, &r, ttl_ms))
            .await?;
        Ok(match lock {
            Lock::Granted { token, expires_at } => answer(
                StatusCode::OK,
                json!({ "token": token, "rid": rid,
                        "expires_at": overdue_core::Timestamp(expires_at).to_rfc3339() }),
            ),
            Lock::Held { rid, expires_at } => answer(
                StatusCode::CONFLICT,
                json!({ "error": format!("the lease is held by run {rid}"), "holder": rid,
                        "expires_at": overdue_core::Timestamp(expires_at).to_rfc3339() }),
            ),
        })
    } else {
        let Some(rid) = rid else {
            return Err(ApiError::BadRequest(
                "unlock needs the holder's run id: ?rid=<uuid>".into(),
            ));
        };
        let released = state
            .store
            .write(move |tx| leases::unlock(tx, code, &rid))
            .await?;
        if released {
            Ok(answer(StatusCode::OK, json!({ "released": true })))
        } else {
            Err(ApiError::Conflict(
                "this run does not hold the lease".into(),
            ))
        }
    }
}
