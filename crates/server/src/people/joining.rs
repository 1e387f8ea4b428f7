//! Taking an invitation (docs/security.md, "Invitations"). No password is ever checked
//! here, so an invitation cannot be turned into a password oracle:
//!
//! - signed in as the invited address, `POST /auth/accept` joins at once;
//! - without a session it mails the invited address: a newcomer gets a link to choose a
//!   password (`POST /auth/join`), someone with an account is told to sign in and open
//!   the invitation again. The answer is the same either way, so it never tells whether
//!   the address has an account;
//! - without an SMTP relay no account can be made from an invitation: an administrator
//!   makes it (`overdue user create`), then the invitee signs in and accepts.
//!
//! An account made from an invitation exists only once the mailed link was used: its
//! address is verified from the start.

use actix_web::{web, HttpRequest, HttpResponse};
use overdue_storage::base::outbox::{AccountMail, LINK};
use overdue_storage::people::joining;
use overdue_storage::{people::confirmations, people::projects, people::team};
use overdue_types as t;

use crate::http::error::ApiError;
use crate::AppState;

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/accept", web::post().to(accept))
        .route("/auth/join", web::post().to(join));
}

const NO_MAIL: &str = "this server cannot send e-mail, so it cannot confirm an address for a \
     new account: ask an administrator to create your account (overdue user create), then \
     sign in and open this invitation link again";

/// Takes an invitation: see the module's rules.
async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: crate::http::body::Body<t::AcceptInput>,
) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner()?.token.trim().to_string();
    let attempt = state.gate.charge(&state.store, &req).await?;
    let now = state.store.now();
    let lookup = token.clone();
    let inv = state
        .store
        .read(move |c| team::invitation(c, &lookup, now))
        .await?;
    let Some(who) = crate::http::auth::optional_session(&req, &state, false).await? else {
        // Without passwords, the invitation is taken by signing in through the
        // provider with its address (docs/security.md, "Single sign-on").
        crate::people::oidc::passwords_allowed(&state)?;
        // Charged, not given back: every anonymous accept mails someone.
        return mail_invitee(&state, &token, inv).await;
    };
    if who.user.email != inv.email {
        return Err(ApiError::Forbidden(format!(
            "this invitation is for {}; you are signed in as {}: sign out, sign in as {} \
             and open the link again",
            inv.email, who.user.email, inv.email
        )));
    }
    if inv.invited_by.as_deref() == Some(who.user.email.as_str()) {
        return Err(ApiError::Forbidden(
            "you made this invitation: it is for someone else to take".into(),
        ));
    }
    state.gate.succeeded(&state.store, &attempt).await?;
    let user = who.user.user_id.clone();
    overdue_storage::base::audit::fill(|e| {
        e.project = Some(inv.project_id.clone());
        e.actor = Some(who.user.email.clone());
        e.user_id = Some(who.user.user_id.clone());
    });
    let hash = overdue_storage::people::projects::hash_key(&token);
    state
        .store
        .write(move |tx| joining::accept(tx, &hash, &user))
        .await?;
    let me = crate::people::session::me_of(
        &state,
        who.user.user_id,
        who.user.email,
        who.user.csrf_token,
    )
    .await?;
    Ok(HttpResponse::Ok().json(me))
}

/// The anonymous accept: a message to the invited address, the same answer whether it
/// has an account or not.
async fn mail_invitee(
    state: &AppState,
    token: &str,
    inv: team::Invitation,
) -> Result<HttpResponse, ApiError> {
    if state.config.mailer.is_none() {
        return Err(ApiError::Conflict(NO_MAIL.into()));
    };
    let (email, hash) = (inv.email.clone(), projects::hash_key(token));
    let site = state.config.site_url.clone();
    // Both texts are written before the unit of work, which picks one: whether the
    // address has an account is only known inside it.
    let known_mail = AccountMail {
        to: inv.email.clone(),
        subject: format!("Join \"{}\" on Overdue", inv.project_name),
        body: format!(
            "Someone opened the invitation to the Overdue project \"{}\" for this \
             address, which already has an account.\n\nTo join, sign in at {site}/ \
             and open the invitation link again.\n\nIf this was not you, ignore this \
             e-mail.\n",
            inv.project_name
        ),
        link: None,
    };
    let new_mail = AccountMail {
        to: inv.email.clone(),
        subject: format!("Confirm your address to join \"{}\"", inv.project_name),
        body: format!(
            "{} invites you to the Overdue project \"{}\" as {}.\n\nOpen this link \
             within a day to choose your password and join (it works once):\n\n\
             {LINK}\n\nIf you did not ask to join, ignore this e-mail: \
             no account is made.\n",
            inv.invited_by
                .clone()
                .unwrap_or_else(|| "An administrator".into()),
            inv.project_name,
            inv.role.as_str()
        ),
        link: None,
    };
    let project = inv.project_id.clone();
    let link_base = format!("{site}/join/");
    state
        .store
        .write(move |tx| {
            joining::confirm_address(
                tx,
                &email,
                Some(&hash),
                Some(&project),
                known_mail,
                new_mail,
                &link_base,
            )
        })
        .await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "message": format!(
            "we sent a message to {}: follow it to join \"{}\"",
            inv.email, inv.project_name
        )
    })))
}

/// A newcomer's confirmation link and password: the account is made (its address is
/// verified by the link), joins the project (or, signing up, gets one of its own) and
/// is signed in. A sign-up's link is checked against the sign-up mode again: the
/// operator may have closed sign-up since it was mailed.
async fn join(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: crate::http::body::Body<t::JoinInput>,
) -> Result<HttpResponse, ApiError> {
    crate::people::oidc::passwords_allowed(&state)?;
    let input = body.into_inner()?;
    let now = state.store.now();
    let signup = state.config.signup.clone();
    let (attempt, token, hash) = crate::people::account::link_and_password(
        &state,
        &req,
        &input.token,
        input.password,
        move |c, t| match confirmations::find(c, t, now)? {
            (email, None) => signup
                .admits(&email)
                .map_err(overdue_storage::StoreError::Capped),
            (_, Some(_)) => Ok(()),
        },
    )
    .await?;
    let (user_id, email, session) = state
        .store
        .write(move |tx| joining::join(tx, &token, &hash))
        .await?;
    state.gate.succeeded(&state.store, &attempt).await?;
    crate::http::auth::record_after(&state, &email, &user_id).await?;
    crate::people::session::signed_in(&state, user_id, email, session).await
}
