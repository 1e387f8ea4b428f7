//! Overdue's HTTP server: the ping protocol, `/api/v1`, the Healthchecks v3 mirror and
//! health endpoints. [`run`] takes a bound listener and a shutdown future, so tests start
//! it on port 0 and stop it when they are done.

pub mod alerting;
pub mod compat;
pub mod flows;
pub mod http;
pub mod monitoring;
pub mod openapi;
pub mod people;
pub mod ping;
pub mod reports;
pub mod router;

use std::future::Future;
use std::net::TcpListener;

use actix_web::{web, App, HttpServer};
use overdue_notify::AddressPolicy;
use overdue_storage::Store;

use crate::compat::metrics;
use crate::http::error::ApiError;
use crate::http::{body, body_timeout, error, quota};
use crate::people::gate;

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Public base URL, used in ping URLs of responses (no trailing slash).
    pub site_url: String,
    /// Most body bytes stored per ping.
    pub ping_body_limit: usize,
    /// Longest wait for a request body (408 beyond it).
    pub body_timeout: std::time::Duration,
    /// Where webhooks may point.
    pub address_policy: AddressPolicy,
    /// E-mail channels can be delivered (an SMTP relay is configured).
    pub email_enabled: bool,
    /// The SMTP relay, for "forgot password" links (`None`: not configured, the
    /// dashboard says to ask an administrator).
    pub mailer: Option<overdue_notify::Mailer>,
    /// `OVERDUE_SITE_URL` was set: e-mail, Slack and PagerDuty messages link to it, so
    /// those channels need it.
    pub site_url_given: bool,
    /// The flow events consumer of this process, when a broker is configured (its
    /// state on `/metrics` and `/health/ready`).
    pub amqp: Option<std::sync::Arc<overdue_storage::flows::ConsumerStats>>,
    /// Proxies whose `X-Forwarded-For` is believed (docs/security.md, "Sign-in limits");
    /// empty: none, the peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header an authenticating proxy names the person in (docs/security.md,
    /// "Trusted header"); believed only from the trusted proxies.
    pub trusted_header: Option<String>,
    /// Single sign-on through OpenID Connect, when set up (docs/security.md, "Single
    /// sign-on").
    pub sso: Option<std::sync::Arc<people::oidc::Sso>>,
    /// Sign-in with a password works (off: single sign-on only).
    pub password_signin: bool,
    /// Passkeys' relying party, when the site URL names a host (docs/security.md,
    /// "Second factor").
    pub passkeys: Option<std::sync::Arc<webauthn_rs::prelude::Webauthn>>,
    /// The instance's operators' addresses: they see every project's usage and set a
    /// project's own limits (docs/security.md, "Limits").
    pub operators: Vec<String>,
    /// Who may create projects through the API.
    pub project_creation: quota::ProjectCreation,
    /// Who may make an account without an invitation (docs/security.md, "Sign-up").
    pub signup: overdue_core::signup::Signup,
    /// Live event streams open at once per project.
    pub max_streams: usize,
    /// Signals per second per project (docs/security.md, "Limits").
    pub max_events_per_second: u32,
    /// The push URL's JWT check, when a JWKS file is configured.
    pub push_jwt: Option<std::sync::Arc<crate::flows::jwt::PushJwt>>,
}

/// Shared by every handler.
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Settings.
    pub config: ServerConfig,
    /// The sign-in gate: client addresses, attempt limits, bounded password hashing.
    pub gate: gate::Gate,
    /// This process's counters for `/metrics`.
    pub counters: metrics::Counters,
    /// Live event streams open now, per project.
    pub streams: quota::Streams,
    /// Signals per second, per project.
    pub rates: crate::http::rate::Rates,
}

/// Parses a monitor's id from a path (the canonical UUID form), or answers 400 naming `what`.
pub fn parse_monitor(text: &str, what: &str) -> Result<overdue_core::MonitorId, ApiError> {
    overdue_core::MonitorId::parse(text).ok_or_else(|| {
        ApiError::BadRequest(format!("malformed {what} id {text:?}: expected a UUID"))
    })
}

/// Parses a path id as a UUID (the canonical form, `overdue_core::ids::canonical_uuid`),
/// or answers 400 naming the kind of id.
pub fn parse_id(text: &str, what: &str) -> Result<String, ApiError> {
    overdue_core::ids::canonical_uuid(text)
        .map(|u| u.hyphenated().to_string())
        .ok_or_else(|| {
            ApiError::BadRequest(format!("malformed {what} id {text:?}: expected a UUID"))
        })
}

/// Serves until `shutdown` resolves, then stops gracefully.
pub async fn run(
    listener: TcpListener,
    store: Store,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state = web::Data::new(AppState {
        store,
        gate: gate::Gate::new(config.trusted_proxies.clone()),
        config,
        counters: metrics::Counters::default(),
        streams: quota::Streams::default(),
        rates: crate::http::rate::Rates::default(),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(actix_web::middleware::from_fn(crate::http::audit::record))
            .wrap(actix_web::middleware::from_fn(body_timeout::deadline))
            .app_data(body::json_config())
            .app_data(web::PathConfig::default().error_handler(error::path_error))
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .configure(router::configure)
    })
    .listen(listener)?
    .shutdown_timeout(5)
    .disable_signals()
    .run();
    let handle = server.handle();
    tokio::spawn(async move {
        shutdown.await;
        handle.stop(true).await;
    });
    server.await
}
