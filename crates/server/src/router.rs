//! The URL map of the whole server, in one place: health, the ping protocol, badges,
//! metrics, `/api/v1` (each area registers its routes inside the scope), the v3 mirror,
//! and the dashboard for everything else.

use actix_web::{web, HttpResponse};

use crate::http::error::ApiError;
use crate::AppState;
use crate::{
    alerting::acks, alerting::alerts, alerting::channels, alerting::routes, alerting::silences,
    compat::metrics, compat::v3, flows, flows::events, http::assets, monitoring::badges,
    monitoring::chains, monitoring::dash, monitoring::monitors, monitoring::problems,
    monitoring::runs, monitoring::status_keys, openapi, people::account, people::joining,
    people::session, people::team, ping, reports,
};

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health/live", web::get().to(live))
        .route("/health/ready", web::get().to(ready))
        .configure(ping::routes)
        .configure(badges::routes)
        .configure(crate::monitoring::status_html::public_routes)
        .configure(metrics::routes)
        .configure(acks::routes)
        .configure(events::event_url)
        .configure(flows::push::routes)
        .service(
            web::scope("/api/v1")
                .configure(session::routes)
                .configure(crate::people::project::routes)
                .configure(crate::people::lifecycle::routes)
                .configure(crate::people::audit::routes)
                .configure(crate::people::second_factor::routes)
                .configure(crate::people::passkeys::routes)
                .configure(crate::people::proxy::routes)
                .configure(crate::people::sso::routes)
                .configure(crate::people::operator::routes)
                .configure(account::routes)
                .configure(dash::routes)
                .configure(team::routes)
                .configure(joining::routes)
                .configure(crate::people::signup::routes)
                .configure(runs::routes)
                .configure(chains::routes)
                .configure(problems::routes)
                .route("/badges", web::get().to(badges::list))
                .configure(status_keys::routes)
                .configure(crate::monitoring::status_pages::routes)
                .configure(monitors::routes)
                .configure(channels::routes)
                .configure(alerts::routes)
                .configure(routes::routes)
                .configure(silences::routes)
                .configure(flows::routes)
                .configure(reports::routes)
                .configure(openapi::routes),
        )
        .configure(v3::routes)
        .default_service(web::to(assets::fallback));
}

async fn live() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("OK")
}

async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    crate::monitoring::ops::database_answers(&state).await?;
    // Readiness is about the database: a container must not be restarted because the
    // broker is away. The broker's state is a detail.
    let body = match &state.config.amqp {
        Some(a) if !a.connected.load(std::sync::atomic::Ordering::Relaxed) => {
            "OK (flow events broker: disconnected, reconnecting)"
        }
        _ => "OK",
    };
    Ok(HttpResponse::Ok().content_type("text/plain").body(body))
}
