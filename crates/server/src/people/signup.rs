//! Signing up without an invitation (docs/security.md, "Sign-up"), where the operator's
//! `OVERDUE_SIGNUP` allows it: `POST /auth/signup {email}` mails the address a link to
//! choose a password (`/join/<token>`, a day, once). No account exists before the link
//! is used, so every account's address is verified; an address that has an account is
//! mailed "sign in or reset your password" instead, and the answer is the same either
//! way, so the form tells nobody which addresses have accounts.

use actix_web::{web, HttpRequest, HttpResponse};
use overdue_storage::base::outbox::{AccountMail, LINK};
use overdue_storage::people::joining;
use overdue_types as t;

use crate::http::error::ApiError;
use crate::AppState;

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/signup", web::post().to(signup));
}

/// Mails a link for a new account to an address the sign-up mode admits. Refusals
/// (mode, no relay) cost nothing; every request that mails is charged to the caller's
/// address like the other anonymous forms, and one address gets at most one link a
/// minute.
async fn signup(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: crate::http::body::Body<t::SignupInput>,
) -> Result<HttpResponse, ApiError> {
    crate::people::oidc::passwords_allowed(&state)?;
    let input = body.into_inner()?;
    let email =
        overdue_core::credentials::check_email(&input.email).map_err(ApiError::BadRequest)?;
    state
        .config
        .signup
        .admits(&email)
        .map_err(ApiError::Forbidden)?;
    if state.config.mailer.is_none() {
        return Err(ApiError::Conflict(
            "this server cannot send e-mail, so it cannot confirm a new address: ask an \
             administrator to create your account (overdue user create)"
                .into(),
        ));
    }
    state.gate.charge(&state.store, &req).await?;
    let site = state.config.site_url.clone();
    let known = AccountMail {
        to: email.clone(),
        subject: "You already have an Overdue account".into(),
        body: format!(
            "Someone (hopefully you) asked for a new Overdue account for this address, \
             which already has one.\n\nSign in at {site}/ — or, if you forgot the \
             password, set a new one at {site}/forgot.\n\nIf this was not you, ignore this \
             e-mail: nothing was changed.\n"
        ),
        link: None,
    };
    let newcomer = AccountMail {
        to: email.clone(),
        subject: "Confirm your address for Overdue".into(),
        body: format!(
            "Someone (hopefully you) asked for an Overdue account for this address.\n\n\
             Open this link within a day to choose your password (it works once):\n\n\
             {LINK}\n\nIf you did not ask, ignore this e-mail: no account is made.\n"
        ),
        link: None,
    };
    let link_base = format!("{site}/join/");
    let to = email.clone();
    state
        .store
        .write(move |tx| joining::confirm_address(tx, &to, None, None, known, newcomer, &link_base))
        .await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "message": format!(
            "we sent a message to {email}: follow its link within a day to choose your password"
        )
    })))
}
