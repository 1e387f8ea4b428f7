//! Passkeys as a second factor (docs/security.md, "Second factor"), through
//! `webauthn-rs`: one's own passkeys (`GET /api/v1/auth/passkeys`, add one with `POST
//! /auth/passkeys/start` then `POST /auth/passkeys`, `DELETE /auth/passkeys/{id}`), and at
//! sign-in, after the password, `POST /auth/passkey/options` for the ceremony whose
//! answer `POST /auth/login` takes in place of a code.
//!
//! The relying party is the site URL's host: a passkey belongs to a domain, so a server
//! reached by an IP address has none (the routes say so). Each ceremony's state waits
//! in a row between its two requests, taken once (`overdue_storage::people::passkeys`).

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use overdue_storage::people::passkeys::{self, PasskeyRow, AUTHENTICATE, REGISTER};
use overdue_storage::people::second_factor;
use overdue_types as t;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

use crate::http::auth::SignedIn;
use crate::http::error::ApiError;
use crate::AppState;

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/passkeys", web::get().to(list))
        .route("/auth/passkeys/start", web::post().to(start))
        .route("/auth/passkeys", web::post().to(add))
        .route("/auth/passkeys/{id}", web::delete().to(remove))
        .route("/auth/passkey/options", web::post().to(options));
}

/// The relying party for `site_url`: `None` when its host is no domain name (an IP
/// address cannot hold passkeys).
pub fn relying_party(site_url: &str) -> Result<Option<Arc<Webauthn>>, String> {
    let url = Url::parse(site_url).map_err(|e| format!("{site_url:?}: {e}"))?;
    let Some(host) = url.domain().map(str::to_string) else {
        return Ok(None);
    };
    let origin = Url::parse(&url.origin().ascii_serialization())
        .map_err(|e| format!("{site_url:?}: {e}"))?;
    WebauthnBuilder::new(&host, &origin)
        .and_then(|b| b.rp_name("Overdue").build())
        .map(|w| Some(Arc::new(w)))
        .map_err(|e| format!("passkeys for {site_url:?}: {e}"))
}

fn party(state: &AppState) -> Result<Arc<Webauthn>, ApiError> {
    state.config.passkeys.clone().ok_or_else(|| {
        ApiError::Conflict(
            "passkeys need this server reached by a host name: set OVERDUE_SITE_URL to \
             https://overdue.example.com (or http://localhost:…), not an IP address"
                .into(),
        )
    })
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("passkey state: {e}"))
}

fn info(row: &PasskeyRow) -> t::PasskeyInfo {
    let at = |ms: i64| overdue_core::Timestamp(ms).to_rfc3339();
    t::PasskeyInfo {
        id: row.id.clone(),
        name: row.name.clone(),
        created_at: at(row.created_at),
        last_used_at: row.last_used_at.map(at),
    }
}

/// The credential's id as the browser and the table name it.
fn id_of(p: &Passkey) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(p.cred_id().as_slice())
}

/// The user's stable handle for the authenticator: derived from their id (a UUID).
fn handle(user: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(user).map_err(|_| internal("a user id is not a UUID"))
}

async fn list(state: web::Data<AppState>, who: SignedIn) -> Result<HttpResponse, ApiError> {
    let user = who.user.user_id.clone();
    let rows = state
        .store
        .read(move |c| passkeys::of_user(c, &user))
        .await?;
    Ok(HttpResponse::Ok().json(t::PasskeyList {
        available: state.config.passkeys.is_some(),
        passkeys: rows.iter().map(info).collect(),
    }))
}

/// Starts adding a passkey: the options for `navigator.credentials.create`, excluding
/// the ones the person has (an authenticator holds one per site).
async fn start(state: web::Data<AppState>, who: SignedIn) -> Result<HttpResponse, ApiError> {
    let rp = party(&state)?;
    let user = who.user.user_id.clone();
    let q = user.clone();
    let mine = state.store.read(move |c| passkeys::of_user(c, &q)).await?;
    let exclude = mine
        .iter()
        .filter_map(|r| serde_json::from_str::<Passkey>(&r.credential).ok())
        .map(|p| p.cred_id().clone())
        .collect::<Vec<_>>();
    let email = who.user.email.clone();
    let (options, reg) = rp
        .start_passkey_registration(handle(&user)?, &email, &email, Some(exclude))
        .map_err(|e| ApiError::Internal(format!("passkey options: {e}")))?;
    begin(&state, user, REGISTER, &options, &reg).await
}

/// Keeps a ceremony's library `saved` state for `user` and answers its id with the
/// `options` for the browser.
async fn begin(
    state: &AppState,
    user: String,
    kind: &'static str,
    options: &impl serde::Serialize,
    saved: &impl serde::Serialize,
) -> Result<HttpResponse, ApiError> {
    let saved = serde_json::to_string(saved).map_err(internal)?;
    let options = serde_json::to_value(options).map_err(internal)?;
    let ceremony = state
        .store
        .write(move |tx| passkeys::begin(tx, &user, kind, &saved))
        .await?;
    Ok(HttpResponse::Ok().json(t::PasskeyCeremony { ceremony, options }))
}

/// Adds the passkey the browser made for the ceremony `start` began.
async fn add(
    state: web::Data<AppState>,
    who: SignedIn,
    body: crate::http::body::Body<t::NewPasskey>,
) -> Result<HttpResponse, ApiError> {
    let rp = party(&state)?;
    let input = body.into_inner()?;
    let name = overdue_core::text::name("name", &input.name, 100).map_err(ApiError::BadRequest)?;
    let credential: RegisterPublicKeyCredential = serde_json::from_value(input.credential)
        .map_err(|_| {
            ApiError::BadRequest(
                "credential: not a passkey the browser made: send navigator.credentials.create's \
                 answer as its toJSON() gives it"
                    .into(),
            )
        })?;
    let user = who.user.user_id.clone();
    let ceremony = input.ceremony;
    let taken = state
        .store
        .write(move |tx| passkeys::take(tx, &ceremony, REGISTER))
        .await?;
    let state_json = match taken {
        Some((owner, s)) if owner == user => s,
        _ => {
            return Err(ApiError::BadRequest(
                "ceremony: unknown, used or expired (five minutes): add the passkey again".into(),
            ))
        }
    };
    let reg: PasskeyRegistration = serde_json::from_str(&state_json).map_err(internal)?;
    let passkey = rp
        .finish_passkey_registration(&credential, &reg)
        .map_err(|e| ApiError::BadRequest(format!("the passkey was not accepted: {e}")))?;
    let row = PasskeyRow {
        id: id_of(&passkey),
        user_id: user,
        name,
        credential: serde_json::to_string(&passkey).map_err(internal)?,
        created_at: state.store.now().0,
        last_used_at: None,
    };
    let shown = info(&row);
    let keep = who.token.clone();
    let recovery_codes = state
        .store
        .write(move |tx| second_factor::add_passkey(tx, &row, &keep))
        .await?;
    Ok(HttpResponse::Created().json(t::PasskeyAdded {
        passkey: shown,
        recovery_codes,
    }))
}

async fn remove(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    if id.is_empty()
        || id.len() > 1_400
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ApiError::BadRequest(format!(
            "malformed passkey id {id:?}: expected base64url"
        )));
    }
    let user = who.user.user_id.clone();
    state
        .store
        .write(move |tx| second_factor::remove_passkey(tx, &user, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A ceremony with the account's passkeys, for `navigator.credentials.get`: after a
/// right e-mail and password (its answer goes to `POST /api/v1/auth/login`), or for a
/// reset link's token (its answer goes to `POST /api/v1/auth/reset`). Both are charged
/// to the sign-in gate like the routes they lead to.
async fn options(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    body: crate::http::body::Body<t::PasskeyOptionsInput>,
) -> Result<HttpResponse, ApiError> {
    party(&state)?;
    let input = body.into_inner()?;
    let user = match input {
        t::PasskeyOptionsInput {
            email: Some(email),
            password: Some(password),
            token: None,
        } => {
            let email = email.trim().to_lowercase();
            let (user, attempt) =
                crate::people::gate::password_checked(&req, &state, &email, password).await?;
            state.gate.succeeded(&state.store, &attempt).await?;
            user.id
        }
        t::PasskeyOptionsInput {
            email: None,
            password: None,
            token: Some(token),
        } => {
            let attempt = state.gate.charge(&state.store, &req).await?;
            let now = state.store.now();
            let token = token.trim().to_string();
            let user = state
                .store
                .read(move |c| overdue_storage::people::passwords::find_reset(c, &token, now))
                .await?;
            state.gate.succeeded(&state.store, &attempt).await?;
            user
        }
        _ => {
            return Err(ApiError::BadRequest(
                "give email and password (signing in), or token (a reset link's)".into(),
            ))
        }
    };
    ceremony_for(&state, user).await
}

/// A sign-in ceremony with `user`'s passkeys (409 when they have none).
pub(crate) async fn ceremony_for(state: &AppState, user: String) -> Result<HttpResponse, ApiError> {
    let rp = party(state)?;
    let uid = user.clone();
    let rows = state
        .store
        .read(move |c| passkeys::of_user(c, &uid))
        .await?;
    let keys: Vec<Passkey> = rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r.credential).ok())
        .collect();
    if keys.is_empty() {
        return Err(ApiError::Conflict(
            "this account has no passkey: type the code from your authenticator app or a \
             recovery code"
                .into(),
        ));
    }
    let (options, auth) = rp
        .start_passkey_authentication(&keys)
        .map_err(|e| ApiError::Internal(format!("passkey options: {e}")))?;
    begin(state, user, AUTHENTICATE, &options, &auth).await
}

/// Checks the browser's `answer` for `user`: one of their passkeys answered the
/// ceremony started for them (taken once). Returns the passkey's id and its updated
/// record when its counter moved; anything else is the wrong second factor (401).
pub(crate) async fn verify(
    state: &AppState,
    user: &str,
    answer: t::PasskeyAnswer,
) -> Result<(String, Option<String>), ApiError> {
    let rp = party(state)?;
    let wrong = || ApiError::Unauthorized(overdue_storage::base::error::WRONG_CODE);
    let credential: PublicKeyCredential =
        serde_json::from_value(answer.credential).map_err(|_| wrong())?;
    let ceremony = answer.ceremony;
    let taken = state
        .store
        .write(move |tx| passkeys::take(tx, &ceremony, AUTHENTICATE))
        .await?;
    let saved = match taken {
        Some((owner, s)) if owner == user => s,
        _ => return Err(wrong()),
    };
    let auth: PasskeyAuthentication = serde_json::from_str(&saved).map_err(internal)?;
    let result = rp
        .finish_passkey_authentication(&credential, &auth)
        .map_err(|_| wrong())?;
    let u = user.to_string();
    let rows = state.store.read(move |c| passkeys::of_user(c, &u)).await?;
    for row in rows {
        let Ok(mut key) = serde_json::from_str::<Passkey>(&row.credential) else {
            continue;
        };
        match key.update_credential(&result) {
            None => continue,
            Some(changed) => {
                let record = changed
                    .then(|| serde_json::to_string(&key))
                    .transpose()
                    .map_err(internal)?;
                return Ok((row.id, record));
            }
        }
    }
    Err(wrong())
}
