//! `/ping/<uuid>/lock?ttl=…[&rid=…]` and `/ping/<uuid>/unlock?rid=…` (SPEC §4): an
//! exclusive lease per monitor. Like every ping URL, the monitor's UUID is the secret.

use actix_web::{HttpRequest, HttpResponse};
use overdue_storage::leases::{self, Lock};
use overdue_storage::StoreError;
use serde_json::json;
use uuid::Uuid;

use crate::ping::query_value;
use crate::AppState;

/// Longest lease: a holder renews it with its pings.
const MAX_TTL_MS: i64 = 7 * 86_400_000;

fn answer(status: actix_web::http::StatusCode, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}

fn bad(msg: String) -> HttpResponse {
    answer(
        actix_web::http::StatusCode::BAD_REQUEST,
        json!({ "error": msg }),
    )
}

fn ttl(req: &HttpRequest) -> Result<i64, String> {
    let text = query_value(req, "ttl")
        .ok_or_else(|| "ttl is required: ?ttl=90s (or seconds)".to_string())?;
    let ms = match text.trim().parse::<i64>() {
        Ok(secs) => secs.saturating_mul(1_000),
        Err(_) => overdue_core::parse_duration(&text)
            .map_err(|e| format!("ttl: {e}"))?
            .millis(),
    };
    if !(1_000..=MAX_TTL_MS).contains(&ms) {
        return Err("ttl must be 1 s to 7 days".into());
    }
    Ok(ms)
}

/// Handles a lock (`lock = true`) or unlock request for monitor `id`.
pub async fn handle(req: &HttpRequest, state: &AppState, id: Uuid, lock: bool) -> HttpResponse {
    let rid = match query_value(req, "rid").filter(|r| !r.is_empty()) {
        Some(r) => match Uuid::try_parse(&r) {
            Ok(u) => Some(u.hyphenated().to_string()),
            Err(_) => return bad("rid must be a UUID".into()),
        },
        None => None,
    };
    let monitor = id.hyphenated().to_string();
    let now = state.store.now();
    let result = if lock {
        let ttl_ms = match ttl(req) {
            Ok(t) => t,
            Err(e) => return bad(e),
        };
        // Without a rid the lock starts a run id for the caller to use on its pings.
        let rid = rid.unwrap_or_else(|| Uuid::new_v4().hyphenated().to_string());
        let r = rid.clone();
        state
            .store
            .write_beside_monitors(move |c| leases::lock(c, &monitor, &r, ttl_ms, now))
            .await
            .map(|l| match l {
                Lock::Granted { token, expires_at } => answer(
                    actix_web::http::StatusCode::OK,
                    json!({ "token": token, "rid": rid,
                            "expires_at": overdue_core::Timestamp(expires_at).to_rfc3339() }),
                ),
                Lock::Held { rid, expires_at } => answer(
                    actix_web::http::StatusCode::CONFLICT,
                    json!({ "error": format!("the lease is held by run {rid}"), "holder": rid,
                            "expires_at": overdue_core::Timestamp(expires_at).to_rfc3339() }),
                ),
            })
    } else {
        let Some(rid) = rid else {
            return bad("unlock needs the holder's run id: ?rid=<uuid>".into());
        };
        state
            .store
            .write_beside_monitors(move |c| leases::unlock(c, &monitor, &rid, now))
            .await
            .map(|released| {
                if released {
                    answer(actix_web::http::StatusCode::OK, json!({ "released": true }))
                } else {
                    answer(
                        actix_web::http::StatusCode::CONFLICT,
                        json!({ "error": "this run does not hold the lease" }),
                    )
                }
            })
    };
    match result {
        Ok(r) => r,
        Err(StoreError::NotFound(_)) => answer(
            actix_web::http::StatusCode::NOT_FOUND,
            json!({ "error": "not found" }),
        ),
        Err(e) => {
            tracing::warn!("lease: {e}");
            HttpResponse::ServiceUnavailable()
                .insert_header(("Retry-After", "5"))
                .json(json!({ "error": "database unavailable, retry later" }))
        }
    }
}
