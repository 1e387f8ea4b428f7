//! The URL map of the whole server, in one place: health, the ping protocol, badges,
//! metrics, `/api/v1` (each area registers its routes inside the scope), the v3 mirror,
//! and the dashboard for everything else.

use actix_web::{web, HttpResponse};

use crate::error::ApiError;
use crate::AppState;
use crate::{
    account, ack, alerts, assets, badges, chains, channels, dash, flow_events, flows, joining,
    metrics, openapi, ping, problems, routing, runs, session, silencing, team, v1, v3,
};

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health/live", web::get().to(live))
        .route("/health/ready", web::get().to(ready))
        .configure(ping::routes)
        .configure(badges::routes)
        .configure(metrics::routes)
        .configure(ack::routes)
        .configure(flow_events::event_url)
        .service(
            web::scope("/api/v1")
                .configure(session::routes)
                .configure(account::routes)
                .configure(dash::routes)
                .configure(team::routes)
                .configure(joining::routes)
                .configure(runs::routes)
                .configure(chains::routes)
                .configure(problems::routes)
                .route("/badges", web::get().to(badges::list))
                .configure(v1::routes)
                .configure(channels::routes)
                .configure(alerts::routes)
                .configure(routing::routes)
                .configure(silencing::routes)
                .configure(flows::routes)
                .configure(openapi::routes),
        )
        .configure(v3::routes)
        .default_service(web::to(assets::fallback));
}

async fn live() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("OK")
}

async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    crate::ops::database_answers(&state).await?;
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
