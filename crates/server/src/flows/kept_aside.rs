//! `/api/v1/kept-aside` (docs/behaviour.md, "What senders send"): the flow events that
//! could not be read, newest first, with their reason and raw message — every role
//! reads them (as it reads entities); writers dismiss one once dealt with.

use actix_web::{web, HttpResponse};
use overdue_storage::flows::aside;
use overdue_types as t;
use serde::Deserialize;

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::AppState;

/// Registers the routes (inside `/api/v1`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/kept-aside", web::get().to(list))
        .route("/kept-aside/{id}", web::delete().to(dismiss));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    flow: Option<String>,
    before: Option<i64>,
    limit: Option<i64>,
}

async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::BadRequest(
            "limit must be between 1 and 500".into(),
        ));
    }
    let project = auth.project.clone();
    let (count, rows) = state
        .store
        .read(move |c| aside::list(c, &project, q.flow.as_deref(), q.before, limit))
        .await?;
    let ts = crate::monitoring::render::ts;
    Ok(HttpResponse::Ok().json(t::KeptAsideList {
        count,
        items: rows
            .into_iter()
            .map(|r| t::KeptAside {
                id: r.id,
                flow: r.flow_slug,
                source: r.source,
                reason: r.reason,
                raw: r.raw,
                size: r.size,
                received_at: ts(r.received_at),
            })
            .collect(),
    }))
}

async fn dismiss(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let text = path.into_inner();
    let id: i64 = text.parse().map_err(|_| {
        ApiError::BadRequest(format!(
            "malformed kept-aside id {text:?}: expected a number"
        ))
    })?;
    let project = auth.project.clone();
    state
        .store
        .write(move |tx| aside::dismiss(tx, &project, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
