//! The instance's operators (docs/security.md, "Limits"): the people `OVERDUE_OPERATORS`
//! names see every project's usage (`GET /api/v1/operator/projects`) and set a
//! project's own limits (`PUT /api/v1/operator/projects/{id}/limits`), which stand for
//! that project instead of the instance's settings. A session only: a project's key is
//! no operator.

use actix_web::{web, HttpResponse};
use overdue_storage::base::caps::ProjectLimits;
use overdue_storage::people::usage;
use overdue_types::UsageList;

use crate::http::auth::SignedIn;
use crate::http::error::ApiError;
use crate::AppState;

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/operator/projects", web::get().to(list))
        .route("/operator/projects/{id}/limits", web::put().to(set_limits));
}

/// Refuses whoever is not one of the instance's operators.
fn operator(state: &AppState, who: &SignedIn) -> Result<(), ApiError> {
    if state.config.operators.contains(&who.user.email) {
        return Ok(());
    }
    Err(ApiError::Forbidden(
        "only the instance's operators (OVERDUE_OPERATORS) see every project and set their \
         limits"
            .into(),
    ))
}

async fn list(state: web::Data<AppState>, who: SignedIn) -> Result<HttpResponse, ApiError> {
    operator(&state, &who)?;
    let defaults = (
        state.store.caps().monitors_per_project,
        state.config.max_streams as i64,
    );
    let mut projects = state.store.read(move |c| usage::all(c, defaults)).await?;
    for p in &mut projects {
        p.streams_open = state.streams.open_now(&p.id) as i64;
    }
    Ok(HttpResponse::Ok().json(UsageList { projects }))
}

/// The body of `PUT /api/v1/operator/projects/{id}/limits`: each limit, or `null` (or
/// left out) for the instance's setting.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LimitsInput {
    /// Monitors (chains included) in the project, 0 to 100000000.
    #[serde(default)]
    max_monitors: Option<i64>,
    /// Live event streams open at once, 1 to 100000.
    #[serde(default)]
    max_streams: Option<i64>,
}

async fn set_limits(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    body: crate::http::body::Body<LimitsInput>,
) -> Result<HttpResponse, ApiError> {
    operator(&state, &who)?;
    let id = crate::parse_id(&path, "project")?;
    let input = body.into_inner()?;
    if let Some(n) = input
        .max_monitors
        .filter(|n| !(0..=100_000_000).contains(n))
    {
        return Err(ApiError::BadRequest(format!(
            "max_monitors: {n} must be from 0 to 100000000, or null for the instance's setting"
        )));
    }
    if let Some(n) = input.max_streams.filter(|n| !(1..=100_000).contains(n)) {
        return Err(ApiError::BadRequest(format!(
            "max_streams: {n} must be from 1 to 100000, or null for the instance's setting"
        )));
    }
    let limits = ProjectLimits {
        max_monitors: input.max_monitors,
        max_streams: input.max_streams,
    };
    overdue_storage::base::audit::fill(|e| {
        e.project = Some(id.clone());
        e.actor = Some(who.user.email.clone());
        e.user_id = Some(who.user.user_id.clone());
    });
    state
        .store
        .write(move |tx| usage::set_limits(tx, &id, limits))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
