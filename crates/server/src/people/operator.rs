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
    let caps = state.store.caps();
    let defaults = usage::InstanceLimits {
        monitors: caps.monitors_per_project,
        streams: state.config.max_streams as i64,
        channels: caps.channels_per_project,
        flows: caps.flows_per_project,
        events_per_second: i64::from(state.config.max_events_per_second),
    };
    let mut projects = state.store.read(move |c| usage::all(c, defaults)).await?;
    for p in &mut projects {
        p.streams_open = state.streams.open_now(&p.id) as i64;
        p.signals_refused = state.rates.refused(&p.id);
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
    /// Channels in the project, 0 to 100000000.
    #[serde(default)]
    max_channels: Option<i64>,
    /// Flows in the project, 0 to 100000000.
    #[serde(default)]
    max_flows: Option<i64>,
    /// Signals (pings, heartbeats, reports, flow events over HTTP) per second, 1 to
    /// 100000000.
    #[serde(default)]
    max_events_per_second: Option<i64>,
}

/// Refuses `value` of `field` outside `range`, saying what to send.
fn in_range(
    field: &str,
    value: Option<i64>,
    range: std::ops::RangeInclusive<i64>,
) -> Result<Option<i64>, ApiError> {
    match value {
        Some(n) if !range.contains(&n) => Err(ApiError::BadRequest(format!(
            "{field}: {n} must be from {} to {}, or null for the instance's setting",
            range.start(),
            range.end()
        ))),
        v => Ok(v),
    }
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
    let limits = ProjectLimits {
        max_monitors: in_range("max_monitors", input.max_monitors, 0..=100_000_000)?,
        max_streams: in_range("max_streams", input.max_streams, 1..=100_000)?,
        max_channels: in_range("max_channels", input.max_channels, 0..=100_000_000)?,
        max_flows: in_range("max_flows", input.max_flows, 0..=100_000_000)?,
        max_events_per_second: in_range(
            "max_events_per_second",
            input.max_events_per_second,
            1..=100_000_000,
        )?,
    };
    overdue_storage::base::audit::fill(|e| {
        e.project = Some(id.clone());
        e.actor = Some(who.user.email.clone());
        e.user_id = Some(who.user.user_id.clone());
    });
    let project = id.clone();
    state
        .store
        .write(move |tx| usage::set_limits(tx, &id, limits))
        .await?;
    state.rates.forget(&project);
    Ok(HttpResponse::NoContent().finish())
}
