//! Accounts over HTTP: first-user setup, sign in, sign out, and who am I.
//!
//! Setup and sign-in take JSON only (actix refuses other content types), so a
//! cross-site form cannot post them; the session cookie is HttpOnly and SameSite=Lax,
//! and `Secure` when the site URL is https.

use actix_web::cookie::{time::Duration as CookieAge, Cookie, SameSite};
use actix_web::{web, HttpResponse};
use overdue_core::Role;
use overdue_storage::people::accounts::{self, NewSession};
use overdue_storage::people::{second_factor, setup_links};
use overdue_storage::StoreError;
use overdue_types::{Credentials, Me, ProjectAccess, SetupInput, SetupStatus};

use crate::http::auth::{SignedIn, SESSION_COOKIE};
use crate::http::error::ApiError;
use crate::AppState;

/// Routes under `/api/v1/auth`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/status", web::get().to(status))
        .route("/auth/setup", web::post().to(setup))
        .route("/auth/login", web::post().to(login))
        .route("/auth/logout", web::post().to(logout))
        .route("/auth/me", web::get().to(me))
        .route("/projects", web::get().to(crate::people::overview::list))
        .route("/projects", web::post().to(create_project));
}

pub(crate) fn session_cookie(state: &AppState, token: &str, age: CookieAge) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.site_url.starts_with("https://"))
        .max_age(age)
        .finish()
}

pub(crate) async fn me_of(
    state: &AppState,
    user_id: String,
    email: String,
    csrf: String,
) -> Result<Me, ApiError> {
    let account = state
        .store
        .read(move |c| second_factor::account_of(c, &user_id))
        .await?;
    Ok(Me {
        operator: state.config.operators.contains(&email),
        email,
        csrf_token: csrf,
        projects: account
            .memberships
            .into_iter()
            .map(|m| ProjectAccess {
                id: m.project_id,
                name: m.project_name,
                role: m.role.as_str().to_string(),
                requires_second_factor: m.requires_second_factor,
            })
            .collect(),
        second_factor: account.second_factor,
        authenticator_app: account.authenticator_app,
        recovery_codes_left: account.codes_left,
    })
}

async fn signed_in_response(
    state: &AppState,
    status: actix_web::http::StatusCode,
    user_id: String,
    email: String,
    s: NewSession,
) -> Result<HttpResponse, ApiError> {
    let cookie = session_cookie(
        state,
        &s.token,
        CookieAge::milliseconds(accounts::SESSION_MS),
    );
    let me = me_of(state, user_id, email, s.csrf_token).await?;
    Ok(HttpResponse::build(status).cookie(cookie).json(me))
}

/// Answers 200 with the user and their projects, setting the session cookie.
pub(crate) async fn signed_in(
    state: &AppState,
    user_id: String,
    email: String,
    s: NewSession,
) -> Result<HttpResponse, ApiError> {
    signed_in_response(state, actix_web::http::StatusCode::OK, user_id, email, s).await
}

async fn status(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let users = state.store.read(accounts::count).await?;
    Ok(HttpResponse::Ok().json(SetupStatus {
        setup_needed: users == 0,
        password_reset: state.config.mailer.is_some(),
        session: req.cookie(SESSION_COOKIE).is_some(),
        signup: state.config.signup.name().to_string(),
        signup_domains: state.config.signup.domains().to_vec(),
        trusted_header: state.config.trusted_header.is_some(),
        sso: state.config.sso.as_deref().map(|s| s.label().to_string()),
        password_signin: state.config.password_signin,
    }))
}

/// The first account of an empty instance; it owns the default project. Checked first,
/// hashed last: once the instance is set up the answer costs no hashing.
async fn setup(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    body: crate::http::body::Body<SetupInput>,
) -> Result<HttpResponse, ApiError> {
    const DONE: &str = "this instance is already set up: sign in instead";
    const LINK: &str = "the first account is made through the setup link that `overdue serve` \
         printed when it started (or with `overdue user create` on the server)";
    let body = body.into_inner()?;
    let email = overdue_core::credentials::check_credentials(&body.email, &body.password)
        .map_err(ApiError::BadRequest)?;
    if state.store.read(accounts::count).await? > 0 {
        return Err(ApiError::Conflict(DONE.into()));
    }
    // Every try is charged to the address, so tokens cannot be guessed at speed; a
    // wrong one costs no hashing.
    let attempt = state.gate.charge(&state.store, &req).await?;
    let token = body.token.unwrap_or_default();
    let check = token.clone();
    if token.trim().is_empty()
        || !state
            .store
            .read(move |c| setup_links::valid(c, &check))
            .await?
    {
        return Err(ApiError::Forbidden(format!(
            "this setup link is not valid: {LINK}"
        )));
    }
    let hash = state.gate.hash_new(body.password).await?;
    let mail = email.clone();
    let (user, session) = state
        .store
        .write(move |tx| accounts::set_up_first(tx, &mail, &hash, DONE, &token))
        .await?;
    state.gate.succeeded(&state.store, &attempt).await?;
    crate::http::auth::record_after(&state, "setup link", &user.id).await?;
    signed_in_response(
        &state,
        actix_web::http::StatusCode::CREATED,
        user.id,
        email,
        session,
    )
    .await
}

/// Signs in. The attempt is reserved before the password is checked, and given back
/// when it and the second factor (a code or a passkey) were right.
async fn login(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    body: crate::http::body::Body<Credentials>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let email = body.email.trim().to_lowercase();
    let (user, attempt) =
        crate::people::gate::password_checked(&req, &state, &email, body.password).await?;
    let uid = user.id.clone();
    overdue_storage::base::audit::fill(|e| {
        e.actor = Some(email.clone());
        e.user_id = Some(user.id.clone());
    });
    let session = if let Some(answer) = body.passkey {
        // The password was right; the passkey must be one of theirs and answer the
        // ceremony started for them. A wrong one counts as a failed attempt.
        let (id, record) = crate::people::passkeys::verify(&state, &uid, answer).await?;
        state
            .store
            .write(move |tx| second_factor::sign_in_with_passkey(tx, &uid, &id, record.as_deref()))
            .await?
    } else {
        // With a second factor its code must be right too. A missing code is no
        // failed attempt (the form asks for it next); a wrong one is.
        let code = body.code;
        match state
            .store
            .write(move |tx| second_factor::sign_in(tx, &uid, code.as_deref()))
            .await
        {
            Ok(s) => s,
            Err(e @ StoreError::SecondFactor { missing: true }) => {
                state.gate.succeeded(&state.store, &attempt).await?;
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        }
    };
    state.gate.succeeded(&state.store, &attempt).await?;
    signed_in_response(
        &state,
        actix_web::http::StatusCode::OK,
        user.id,
        email,
        session,
    )
    .await
}

async fn logout(state: web::Data<AppState>, who: SignedIn) -> Result<HttpResponse, ApiError> {
    let token = who.token.clone();
    state
        .store
        .write(move |tx| accounts::delete_session(tx, &token))
        .await?;
    let gone = session_cookie(&state, "", CookieAge::ZERO);
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}

/// The body of `POST /api/v1/projects`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProjectInput {
    /// The new project's name.
    name: String,
}

/// `POST /api/v1/projects {"name"}` with a session: a new project owned by the user,
/// answered with its keys in full this once (then only masked). Who may is
/// the operator's setting, and each user owns at most the cap (docs/security.md).
async fn create_project(
    state: web::Data<AppState>,
    who: SignedIn,
    body: crate::http::body::Body<ProjectInput>,
) -> Result<HttpResponse, ApiError> {
    let name = overdue_core::text::name("name", &body.into_inner()?.name, 100)
        .map_err(ApiError::BadRequest)?;
    let rule = state.config.project_creation;
    if rule == crate::http::quota::ProjectCreation::Nobody {
        return Err(ApiError::Forbidden(
            "creating projects is turned off on this server (OVERDUE_PROJECT_CREATION=nobody): \
             ask the operator"
                .into(),
        ));
    }
    let user = who.user.user_id.clone();
    let owners_only = rule == crate::http::quota::ProjectCreation::Owners;
    let p = state
        .store
        .write(move |tx| accounts::create_project(tx, &user, &name, owners_only))
        .await?;
    // Its keys in full, this once (docs/security.md, "Secrets and who holds them").
    Ok(HttpResponse::Created().json(overdue_types::NewProject {
        id: p.id,
        name: p.name,
        role: Role::Owner.as_str().into(),
        api_key: p.api_key,
        read_only_key: p.read_only_key,
    }))
}

async fn me(state: web::Data<AppState>, who: SignedIn) -> Result<HttpResponse, ApiError> {
    let u = who.user;
    Ok(HttpResponse::Ok().json(me_of(&state, u.user_id, u.email, u.csrf_token).await?))
}
