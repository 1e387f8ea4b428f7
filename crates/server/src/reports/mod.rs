//! `/api/v1/reports/<name>` (docs/behaviour.md, "Reports"): alerts per day, response
//! times, out of hours, the noisiest monitors, problems by unit kind, flows' stages,
//! availability per monitor against a target — for a period
//! (`period=30d`, `month=2026-11`, or `from` and `to`) and a scope (`scope=tag:nightly`).
//! JSON, or CSV with `format=csv`. Every role reads them.

mod csv;

use actix_web::{web, HttpResponse};
use overdue_storage::reports::{self, Ask, Report};
use serde::Deserialize;

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::AppState;

/// Registers the routes (inside `/api/v1`): one per report, so that the OpenAPI
/// document names each with its own figures.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports/alerts", web::get().to(alerts))
        .route("/reports/response", web::get().to(response))
        .route("/reports/out-of-hours", web::get().to(out_of_hours))
        .route("/reports/noisiest", web::get().to(noisiest))
        .route("/reports/units", web::get().to(units))
        .route("/reports/flows", web::get().to(flows))
        .route("/reports/availability", web::get().to(availability));
}

/// A report's handler: its name, then the shared one.
macro_rules! report {
    ($f:ident, $name:literal) => {
        async fn $f(
            auth: Auth,
            state: web::Data<AppState>,
            query: web::Query<ReportQuery>,
        ) -> Result<HttpResponse, ApiError> {
            show($name, auth, state, query).await
        }
    };
}
report!(alerts, "alerts");
report!(response, "response");
report!(out_of_hours, "out-of-hours");
report!(noisiest, "noisiest");
report!(units, "units");
report!(flows, "flows");
report!(availability, "availability");

/// What a report's URL may ask.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    period: Option<String>,
    month: Option<String>,
    from: Option<String>,
    to: Option<String>,
    scope: Option<String>,
    /// `day` (default) or `week`, for the alerts report.
    grain: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
    /// The availability report's target (percent), over the project's.
    target: Option<String>,
    /// The project (the dashboard's download links; the authentication reads it).
    #[allow(dead_code)]
    project: Option<String>,
}

async fn show(
    name: &'static str,
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let weeks = match q.grain.as_deref().map(str::trim) {
        None | Some("" | "day") => false,
        Some("week") => true,
        Some(g) => {
            return Err(ApiError::BadRequest(format!(
                "grain {g:?} is neither day nor week"
            )))
        }
    };
    let csv = match q.format.as_deref().map(str::trim) {
        None | Some("" | "json") => false,
        Some("csv") => true,
        Some(f) => {
            return Err(ApiError::BadRequest(format!(
                "format {f:?} is neither json nor csv"
            )))
        }
    };
    let target = q
        .target
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .map(overdue_core::report::availability::target)
        .transpose()
        .map_err(ApiError::BadRequest)?;
    let ask = Ask {
        target,
        period: q.period,
        month: q.month,
        from: q.from,
        to: q.to,
        scope: q.scope,
        weeks,
    };
    let project = auth.project.clone();
    let now = state.store.now();
    let report = state
        .store
        .read(move |c| reports::build(c, &project, name, &ask, now))
        .await?;
    if csv {
        let body = csv::render(&report).map_err(|e| ApiError::Internal(e.to_string()))?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"overdue-{name}.csv\""),
            ))
            .body(body));
    }
    Ok(match report {
        Report::Alerts(r) => HttpResponse::Ok().json(r),
        Report::Response(r) => HttpResponse::Ok().json(r),
        Report::OutOfHours(r) => HttpResponse::Ok().json(r),
        Report::Noisiest(r) => HttpResponse::Ok().json(r),
        Report::Units(r) => HttpResponse::Ok().json(r),
        Report::Flows(r) => HttpResponse::Ok().json(r),
        Report::Availability(r) => HttpResponse::Ok().json(r),
    })
}
