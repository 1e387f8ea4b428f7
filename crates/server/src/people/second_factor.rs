//! `/api/v1/auth/totp`: one's own second factor (docs/security.md, "Second factor") —
//! start enrolling (a new secret with its link and QR code), confirm it with a code
//! (ten recovery codes, shown once; the other sessions end), turn it off with a code.

use actix_web::{web, HttpResponse};
use overdue_storage::people::second_factor;
use overdue_types as t;

use crate::http::auth::SignedIn;
use crate::http::error::ApiError;
use crate::AppState;

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/totp/start", web::post().to(start))
        .route("/auth/totp/confirm", web::post().to(confirm))
        .route("/auth/totp/disable", web::post().to(disable));
}

/// A new secret to enrol (the one in use, if any, stays until this one is confirmed).
async fn start(state: web::Data<AppState>, who: SignedIn) -> Result<HttpResponse, ApiError> {
    let (user, email) = (who.user.user_id.clone(), who.user.email.clone());
    let (secret, url) = state
        .store
        .write(move |tx| second_factor::start(tx, &user, &email))
        .await?;
    let (qr_width, qr_path) =
        overdue_core::second_factor::qr_path(&url).map_err(ApiError::Internal)?;
    Ok(HttpResponse::Ok().json(t::TotpStart {
        secret,
        url,
        qr_path,
        qr_width,
    }))
}

/// Confirms the new secret with its current code: in use from now on.
async fn confirm(
    state: web::Data<AppState>,
    who: SignedIn,
    body: crate::http::body::Body<t::CodeInput>,
) -> Result<HttpResponse, ApiError> {
    let code = body.into_inner()?.code;
    let (user, keep) = (who.user.user_id.clone(), who.token.clone());
    let recovery_codes = state
        .store
        .write(move |tx| second_factor::confirm(tx, &user, &code, &keep))
        .await?;
    Ok(HttpResponse::Ok().json(t::RecoveryCodes { recovery_codes }))
}

/// Turns the second factor off, given a current code or a recovery code.
async fn disable(
    state: web::Data<AppState>,
    who: SignedIn,
    body: crate::http::body::Body<t::CodeInput>,
) -> Result<HttpResponse, ApiError> {
    let code = body.into_inner()?.code;
    let user = who.user.user_id.clone();
    state
        .store
        .write(move |tx| second_factor::disable(tx, &user, &code))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
