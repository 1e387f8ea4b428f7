//! `/api/v1/monitors/<id>/status-keys` (docs/behaviour.md, "Pings"): a monitor's heartbeat
//! URLs per status — start, success, fail — each recording its status with a plain GET.
//! They are credentials, as the ping URL is: only roles that may write read, hand out
//! (again: the old ones stop working) or revoke them.

use actix_web::{web, HttpResponse};
use overdue_storage::monitoring::status_keys;

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::AppState;

/// Registers the routes (inside the `/api/v1` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/monitors/{id}/status-keys", web::get().to(list))
        .route("/monitors/{id}/status-keys", web::post().to(hand_out))
        .route("/monitors/{id}/status-keys", web::delete().to(revoke));
}

/// The keys as the API shows them: status, key and heartbeat URL.
fn render(state: &AppState, keys: &[(String, String)]) -> HttpResponse {
    let site = &state.config.site_url;
    let keys: Vec<serde_json::Value> = keys
        .iter()
        .map(|(status, key)| {
            serde_json::json!({
                "status": status,
                "key": key,
                "url": format!("{site}/api/v1/heartbeat/{key}"),
            })
        })
        .collect();
    HttpResponse::Ok().json(serde_json::json!({ "keys": keys }))
}

async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let id = crate::monitoring::ops::owned_monitor(&state, &auth, &path, "monitor").await?;
    let keys = state
        .store
        .read(move |c| status_keys::of_monitor(c, &id))
        .await?;
    Ok(render(&state, &keys))
}

async fn hand_out(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let id = crate::monitoring::ops::owned_monitor(&state, &auth, &path, "monitor").await?;
    let project = auth.project.clone();
    let keys = state
        .store
        .write(move |tx| status_keys::hand_out(tx, &project, &id))
        .await?;
    Ok(render(&state, &keys))
}

async fn revoke(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let id = crate::monitoring::ops::owned_monitor(&state, &auth, &path, "monitor").await?;
    let project = auth.project.clone();
    state
        .store
        .write(move |tx| status_keys::revoke(tx, &project, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
