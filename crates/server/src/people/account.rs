//! `/api/v1/auth` for one's own account after sign-up: change the password, sign out
//! everywhere, "forgot password" by e-mail (through the SMTP relay of the alerts), and
//! what an invitation link is for.
//!
//! The reset answer is the same whether the address has an account or not, and the
//! e-mail leaves through the outbox after the answer (docs/security.md, "Account
//! mail"): the SMTP exchange does not show in its time, so it does not tell which
//! addresses have accounts, and a mail the relay refuses is retried.

use actix_web::cookie::time::Duration as CookieAge;
use actix_web::{web, HttpResponse};
use overdue_core::Timestamp;
use overdue_storage::base::outbox::{AccountMail, LINK};
use overdue_storage::people::second_factor::Factor;
use overdue_storage::{people::accounts, people::passwords, people::team};
use overdue_types as t;

use crate::http::auth::SignedIn;
use crate::http::error::ApiError;
use crate::AppState;
use overdue_core::credentials::{check_email, check_password};
use overdue_storage::people::passwords::verify as verify_password;

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/password", web::post().to(change_password))
        .route("/auth/logout-everywhere", web::post().to(logout_everywhere))
        .route("/auth/forgot", web::post().to(forgot))
        .route("/auth/reset", web::post().to(reset))
        .route("/auth/invitation", web::post().to(invitation));
}

/// A new password checked like at sign-up.
fn check_new(password: &str) -> Result<(), ApiError> {
    check_password(password).map_err(ApiError::BadRequest)
}

/// Changes the signed-in user's password; every other session of theirs ends (a
/// password changed because it leaked should lock the other side out). The current
/// password goes through the sign-in gate like a sign-in: a stolen session cannot guess.
async fn change_password(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    who: SignedIn,
    body: crate::http::body::Body<t::PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner()?;
    check_new(&input.new_password)?;
    let email = who.user.email.clone();
    let attempt = state.gate.attempt(&req).for_account(&email);
    state
        .gate
        .reserve(&state.store, &attempt, "too many wrong passwords")
        .await?;
    let lookup = email.clone();
    let user = state
        .store
        .read(move |c| accounts::find_by_email(c, &lookup))
        .await?
        .ok_or(ApiError::Unauthorized(
            "your session has ended: sign in again",
        ))?;
    let (current, stored) = (input.current_password, user.password_hash);
    if !state
        .gate
        .hash(move || verify_password(&current, &stored))
        .await?
    {
        return Err(ApiError::BadRequest(
            "current_password is wrong: give the password you sign in with".into(),
        ));
    }
    state.gate.succeeded(&state.store, &attempt).await?;
    let new = input.new_password;
    let hash = state.gate.hash_new(new).await?;
    let (id, keep) = (user.id, who.token);
    state
        .store
        .write(move |tx| passwords::change_password(tx, &id, &hash, Some(&keep)))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ends every session of the signed-in user, this one included.
async fn logout_everywhere(
    state: web::Data<AppState>,
    who: SignedIn,
) -> Result<HttpResponse, ApiError> {
    let id = who.user.user_id.clone();
    state
        .store
        .write(move |tx| passwords::end_sessions(tx, &id, None))
        .await?;
    let gone = crate::people::session::session_cookie(&state, "", CookieAge::ZERO);
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}

/// Sends a reset link to the address when it has an account (at most one a minute).
/// Each request is charged to the caller's address (anonymous endpoints are limited).
async fn forgot(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    body: crate::http::body::Body<t::ForgotInput>,
) -> Result<HttpResponse, ApiError> {
    crate::people::oidc::passwords_allowed(&state)?;
    let input = body.into_inner()?;
    if state.config.mailer.is_none() {
        return Err(ApiError::Conflict(
            "this server cannot send e-mail (no SMTP relay is set up): ask an \
             administrator to set a new password"
                .into(),
        ));
    };
    let email = check_email(&input.email).map_err(ApiError::BadRequest)?;
    state.gate.charge(&state.store, &req).await?;
    let mail = AccountMail {
        to: email.clone(),
        subject: "Reset your Overdue password".into(),
        body: reset_text(),
        link: None,
    };
    let link_base = format!("{}/reset/", state.config.site_url);
    state
        .store
        .write(move |tx| passwords::request_reset(tx, &email, mail, &link_base))
        .await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "message": "if this address has an account, a link to set a new password is on its way; it works for one hour"
    })))
}

/// The reset mail's text, the link at `outbox::LINK` (docs/security.md, "Account mail").
fn reset_text() -> String {
    format!(
        "Someone (hopefully you) asked to set a new password for this Overdue account.\n\n\
         Open this link within one hour to choose a new password:\n\n{LINK}\n\n\
         If you did not ask, ignore this e-mail: your password stays as it is.\n"
    )
}

/// Sets a new password with a reset link's token: the link is used up, every session
/// of the user ends, and the answer signs them in. The token is looked up before the
/// password is hashed (a bogus one costs no hashing) and each wrong one is charged to
/// the caller's address.
async fn reset(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    body: crate::http::body::Body<t::ResetInput>,
) -> Result<HttpResponse, ApiError> {
    crate::people::oidc::passwords_allowed(&state)?;
    let input = body.into_inner()?;
    let now = state.store.now();
    let (attempt, token, hash) =
        link_and_password(&state, &req, &input.token, input.password, move |c, t| {
            passwords::find_reset(c, t, now).map(|_| ())
        })
        .await?;
    let code = input.code;
    // A passkey answers the ceremony started for the link's user.
    let passkey = match input.passkey {
        None => None,
        Some(answer) => {
            let t = token.clone();
            let user = state
                .store
                .read(move |c| passwords::find_reset(c, &t, now))
                .await?;
            Some(crate::people::passkeys::verify(&state, &user, answer).await?)
        }
    };
    let (user, session) = state
        .store
        .write(move |tx| {
            let factor = match &passkey {
                Some((id, record)) => Factor::Passkey {
                    id,
                    record: record.as_deref(),
                },
                None => Factor::Code(code.as_deref()),
            };
            passwords::reset_password(tx, &token, &hash, factor)
        })
        .await?;
    state.gate.succeeded(&state.store, &attempt).await?;
    let id = user.clone();
    let email = state
        .store
        .read(move |c| accounts::email_of(c, &id))
        .await?;
    crate::people::session::signed_in(&state, user, email, session).await
}

/// A mailed link's token and a new password (reset and join links): the password
/// checked, the attempt charged to the address, the token looked up by `find` — all
/// before the password is hashed, so a bogus token costs no hashing. Returns the
/// attempt (to give back on success), the trimmed token and the hash.
pub(crate) async fn link_and_password(
    state: &AppState,
    req: &actix_web::HttpRequest,
    token: &str,
    password: String,
    find: impl FnOnce(&mut overdue_storage::AnyConnection, &str) -> Result<(), overdue_storage::StoreError>
        + Send
        + 'static,
) -> Result<(crate::people::gate::Attempt, String, String), ApiError> {
    check_new(&password)?;
    let attempt = state.gate.charge(&state.store, req).await?;
    let token = token.trim().to_string();
    let lookup = token.clone();
    state.store.read(move |c| find(c, &lookup)).await?;
    let hash = state.gate.hash_new(password).await?;
    Ok((attempt, token, hash))
}

/// What an invitation link is for: the project, who invited, the role, and whether the
/// caller is signed in as the invited address. Whether the address has an account is
/// never said (it would tell anyone who can invite which addresses have accounts).
async fn invitation(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    body: crate::http::body::Body<t::TokenInput>,
) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner()?.token.trim().to_string();
    let attempt = state.gate.charge(&state.store, &req).await?;
    let now = state.store.now();
    let inv = state
        .store
        .read(move |c| team::invitation(c, &token, now))
        .await?;
    state.gate.succeeded(&state.store, &attempt).await?;
    let who = crate::http::auth::optional_session(&req, &state, true).await?;
    Ok(HttpResponse::Ok().json(t::InvitationInfo {
        for_you: who.is_some_and(|w| w.user.email == inv.email),
        project: inv.project_name,
        email: inv.email,
        role: inv.role.as_str().to_string(),
        invited_by: inv.invited_by,
        expires_at: Timestamp(inv.expires_at).to_rfc3339(),
    }))
}
