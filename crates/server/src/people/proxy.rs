//! Sign-in through an authenticating proxy (docs/security.md, "Trusted header"), as
//! Healthchecks' `REMOTE_USER_HEADER`: where the operator names the header
//! (`OVERDUE_TRUSTED_HEADER`), `POST /api/v1/auth/proxy` signs in the person whose
//! e-mail it carries — only when the request comes straight from one of
//! `OVERDUE_TRUSTED_PROXIES`, so nobody else can name themselves in it.

use actix_web::{web, HttpRequest, HttpResponse};
use overdue_storage::people::accounts;

use crate::http::error::ApiError;
use crate::AppState;

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/proxy", web::post().to(proxy));
}

/// Signs in the person the proxy names; a new address gets an account where the
/// sign-up mode admits it.
async fn proxy(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let Some(header) = state.config.trusted_header.clone() else {
        return Err(ApiError::NotFound(
            "sign-in through an authenticating proxy is not set up on this server \
             (OVERDUE_TRUSTED_HEADER)"
                .into(),
        ));
    };
    if !state.gate.from_trusted_proxy(&req) {
        return Err(ApiError::Forbidden(format!(
            "the {header} header is believed only from the proxies in \
             OVERDUE_TRUSTED_PROXIES, and this request came from elsewhere"
        )));
    }
    let named = req
        .headers()
        .get(header.as_str())
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(ApiError::Unauthorized(
            "the authenticating proxy named nobody: sign in through it first",
        ))?;
    let email = overdue_core::credentials::check_email(named)
        .map_err(|e| ApiError::BadRequest(format!("{header}: {e}")))?;
    let may_create = state.config.signup.admits(&email).is_ok();
    let who = email.clone();
    let (user, session) = state
        .store
        .write_quiet(move |tx| accounts::proxy_sign_in(tx, &who, may_create))
        .await?;
    crate::http::auth::record_after(&state, &email, &user).await?;
    crate::people::session::signed_in(&state, user, email, session).await
}
