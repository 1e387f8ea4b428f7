//! Single sign-on through OpenID Connect (docs/security.md, "Single sign-on"): the
//! authorization code flow with PKCE and a nonce, against the provider the operator
//! names (`OVERDUE_OIDC_ISSUER`). `GET /api/v1/auth/sso/start` sends the browser to
//! the provider; the provider sends it back to `GET /api/v1/auth/sso/callback`, where
//! the code is exchanged, the ID token verified (signature, issuer, audience, expiry,
//! nonce) and the person signed in by the rules of `overdue_core::sso`; with a second
//! factor, `POST /api/v1/auth/sso/finish {code}` ends it.
//!
//! Both GETs are browser navigations: what goes wrong sends the person to the sign-in
//! page with the reason in words (`/signin?sso_error=…`), never a JSON body.

use actix_web::cookie::{time::Duration as CookieAge, Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{CsrfToken, Nonce, PkceCodeChallenge, Scope};
use overdue_core::sso::Person;
use overdue_storage::people::sso::{self as store, Arrival, Outcome};

use crate::http::error::ApiError;
use crate::people::oidc::Sso;
use crate::AppState;
use overdue_storage::people::second_factor::Factor;

/// The cookie that ties a sign-in to the browser that began it (the state), and then
/// to the one whose second factor is asked (the ticket).
const SSO_COOKIE: &str = "overdue_sso";

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/sso/start", web::get().to(start))
        .route("/auth/sso/callback", web::get().to(callback))
        .route("/auth/sso/finish", web::post().to(finish))
        .route("/auth/sso/passkey", web::post().to(passkey));
}

fn sso_cookie(state: &AppState, value: &str, age: CookieAge) -> Cookie<'static> {
    Cookie::build(SSO_COOKIE, value.to_string())
        .path("/api/v1/auth/sso")
        .http_only(true)
        // Lax: the provider sends the person back with a top-level GET, which carries it.
        .same_site(SameSite::Lax)
        .secure(state.config.site_url.starts_with("https://"))
        .max_age(age)
        .finish()
}

/// A browser navigation's answer: off to `to`.
fn go(to: &str) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::SeeOther();
    r.insert_header(("Location", to.to_string()))
        .insert_header(("Cache-Control", "no-store"));
    r
}

/// Back to the sign-in page, saying what went wrong.
fn refused(state: &AppState, why: &str) -> HttpResponse {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("sso_error", why)
        .finish();
    go(&format!("/signin?{q}"))
        .cookie(sso_cookie(state, "", CookieAge::ZERO))
        .finish()
}

fn configured(state: &AppState) -> Result<&Sso, ApiError> {
    state.config.sso.as_deref().ok_or(ApiError::NotFound(
        "single sign-on is not set up on this server (OVERDUE_OIDC_ISSUER)".into(),
    ))
}

/// Sends the browser to the provider, with a fresh state (also in a cookie), nonce
/// and PKCE challenge.
async fn start(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let sso = configured(&state)?;
    let client = match sso.client(&state.config.site_url).await {
        Ok(c) => c,
        Err(why) => return Ok(refused(&state, &why)),
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut ask = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge);
    for s in &sso.settings.scopes {
        ask = ask.add_scope(Scope::new(s.clone()));
    }
    let (url, csrf, nonce) = ask.url();
    let st = csrf.secret().clone();
    let (n, v) = (nonce.secret().clone(), verifier.secret().clone());
    state
        .store
        .write_quiet(move |tx| store::begin(tx, &st, &n, &v))
        .await?;
    Ok(go(url.as_str())
        .cookie(sso_cookie(
            &state,
            csrf.secret(),
            CookieAge::milliseconds(store::PENDING_MS),
        ))
        .finish())
}

/// The provider's answer (`code` and `state`, or `error`).
#[derive(serde::Deserialize)]
struct Answer {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    iss: Option<String>,
}

/// Where the provider sends the person back.
async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let sso = configured(&state)?;
    let q = query.into_inner();
    let answer = Answer {
        code: q.get("code").cloned(),
        state: q.get("state").cloned(),
        error: q.get("error").cloned(),
        error_description: q.get("error_description").cloned(),
        iss: q.get("iss").cloned(),
    };
    match arrive(&req, &state, sso, answer).await {
        Ok(resp) => Ok(resp),
        Err(why) => Ok(refused(&state, &why)),
    }
}

/// The callback's work; an `Err` is the reason shown on the sign-in page.
async fn arrive(
    req: &HttpRequest,
    state: &AppState,
    sso: &Sso,
    answer: Answer,
) -> Result<HttpResponse, String> {
    if let Some(e) = answer.error {
        let more = answer.error_description.unwrap_or_default();
        return Err(format!("the sign-in provider refused: {e} {more}")
            .trim()
            .into());
    }
    // RFC 9207: a provider that names itself must be the one this sign-in went to (an
    // answer from another provider mixed up into this sign-in is refused).
    if answer
        .iss
        .as_ref()
        .is_some_and(|i| i != &sso.settings.issuer)
    {
        return Err("the answer came from another sign-in provider than this server's:                     sign in again"
            .into());
    }
    let (Some(code), Some(st)) = (answer.code, answer.state) else {
        return Err("the sign-in provider's answer had no code: sign in again".into());
    };
    // The state must be the one this browser was given: else someone else's sign-in
    // (or a forged link) would sign this browser in as them.
    let cookie = req.cookie(SSO_COOKIE).map(|c| c.value().to_string());
    let same = cookie
        .as_deref()
        .is_some_and(|c| subtle::ConstantTimeEq::ct_eq(c.as_bytes(), st.as_bytes()).into());
    if !same {
        return Err(
            "this sign-in was not started in this browser, or took too long: \
                    sign in again"
                .into(),
        );
    }
    let taken = state
        .store
        .write_quiet(move |tx| store::take(tx, &st))
        .await
        .map_err(|e| e.to_string())?;
    let Some((nonce, verifier)) = taken else {
        return Err("this sign-in has expired or was used already: sign in again".into());
    };
    let client = sso.client(&state.config.site_url).await?;
    let person = crate::people::oidc::read(sso, &client, code, nonce, verifier).await?;
    let (subject, email, verified, groups) = person;
    let may_sign_up = state.config.signup.admits(&email).is_ok();
    let arrival_roles = sso.settings.roles.roles_for(&groups);
    let managed = sso.settings.roles.projects();
    let issuer = sso.settings.issuer.clone();
    let domains = sso.settings.domains.clone();
    let mail = email.clone();
    let outcome = state
        .store
        .write_quiet(move |tx| {
            store::arrive(
                tx,
                &Arrival {
                    issuer: &issuer,
                    subject: &subject,
                    person: Person {
                        email: mail,
                        verified,
                    },
                    domains: &domains,
                    roles: arrival_roles,
                    managed,
                    may_sign_up,
                },
            )
        })
        .await
        .map_err(|e| e.to_string())?;
    match outcome {
        Outcome::SignedIn(user, email, session) => {
            crate::http::auth::record_after(state, &email, &user)
                .await
                .map_err(|e| e.to_string())?;
            let cookie = crate::people::session::session_cookie(
                state,
                &session.token,
                CookieAge::milliseconds(overdue_storage::people::accounts::SESSION_MS),
            );
            Ok(go("/")
                .cookie(cookie)
                .cookie(sso_cookie(state, "", CookieAge::ZERO))
                .finish())
        }
        Outcome::AskCode(ticket) => Ok(go("/signin?second_factor=sso")
            .cookie(sso_cookie(
                state,
                &ticket,
                CookieAge::milliseconds(store::PENDING_MS),
            ))
            .finish()),
    }
}

/// The body of `POST /api/v1/auth/sso/finish`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FinishInput {
    /// The current code of the person's authenticator app, or a recovery code.
    #[serde(default)]
    code: Option<String>,
    /// Or a passkey: the browser's answer to `POST /api/v1/auth/sso/passkey`.
    #[serde(default)]
    passkey: Option<overdue_types::PasskeyAnswer>,
}

/// The ticket of the single sign-on waiting in this browser for its second factor.
fn waiting_ticket(req: &HttpRequest) -> Result<String, ApiError> {
    req.cookie(SSO_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|t| t.starts_with("oss_"))
        .ok_or(ApiError::Unauthorized(
            "no single sign-on waits for a code in this browser: sign in again",
        ))
}

/// A passkey ceremony for the person whose single sign-on waits for the second factor.
async fn passkey(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    configured(&state)?;
    let ticket = waiting_ticket(&req)?;
    let now = state.store.now();
    let user = state
        .store
        .read(move |c| store::waiting_user(c, &ticket, now))
        .await?;
    crate::people::passkeys::ceremony_for(&state, user).await
}

/// Ends a single sign-on that waits for the second factor. Wrong codes are counted as
/// failed sign-ins (per address), as at the password sign-in.
async fn finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: crate::http::body::Body<FinishInput>,
) -> Result<HttpResponse, ApiError> {
    configured(&state)?;
    let input = body.into_inner()?;
    let ticket = waiting_ticket(&req)?;
    let attempt = state.gate.attempt(&req);
    state
        .gate
        .reserve(&state.store, &attempt, "too many failed sign-ins")
        .await?;
    let passkey = match input.passkey {
        None => None,
        Some(answer) => {
            let (t, now) = (ticket.clone(), state.store.now());
            let user = state
                .store
                .read(move |c| store::waiting_user(c, &t, now))
                .await?;
            Some(crate::people::passkeys::verify(&state, &user, answer).await?)
        }
    };
    let code = input.code;
    let (user, email, session) = state
        .store
        .write_quiet(move |tx| {
            let factor = match &passkey {
                Some((id, record)) => Factor::Passkey {
                    id,
                    record: record.as_deref(),
                },
                None => Factor::Code(code.as_deref()),
            };
            store::finish(tx, &ticket, factor)
        })
        .await?;
    state.gate.succeeded(&state.store, &attempt).await?;
    crate::http::auth::record_after(&state, &email, &user).await?;
    let mut resp = crate::people::session::signed_in(&state, user, email, session).await?;
    resp.add_cookie(&sso_cookie(&state, "", CookieAge::ZERO))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(resp)
}
