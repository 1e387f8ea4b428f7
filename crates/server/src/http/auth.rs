//! Who is asking, for which project, with what role. Two ways in:
//! - `X-Api-Key: <key>`: the key's project; read-write keys act as admins, read-only
//!   keys as viewers. No cookies are involved, so no CSRF check.
//! - the `overdue_session` cookie (the dashboard): the project named by `X-Project`, or
//!   the user's first; the user's role there. Every state-changing request must also
//!   carry the session's token in `X-CSRF-Token` (a cross-site page can send the cookie
//!   but cannot read the token).

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};
use overdue_core::Role;
use overdue_storage::{people::accounts, people::projects};

use crate::http::error::ApiError;
use crate::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "overdue_session";

/// The project a request acts on and what it may do.
#[derive(Debug, Clone)]
pub struct Auth {
    /// Project id.
    pub project: String,
    /// The caller's role in it.
    pub role: Role,
    /// Who acts, for records: the user's e-mail, or `key <name>`.
    pub actor: String,
    /// The signed-in user's id (`None` for an API key).
    pub user_id: Option<String>,
}

impl Auth {
    /// True when the caller may not change anything (read-only key, viewer).
    pub fn read_only(&self) -> bool {
        !self.role.can_write()
    }

    /// Refuses read-only keys and viewers (403).
    pub fn require_write(&self) -> Result<(), ApiError> {
        if self.read_only() {
            return Err(ApiError::Forbidden(
                "read-only access: this needs a read-write API key or the member role".into(),
            ));
        }
        Ok(())
    }

    /// Refuses everyone but owners (403): members and invitations.
    pub fn require_owner(&self) -> Result<(), ApiError> {
        if self.role != Role::Owner {
            return Err(ApiError::Forbidden("this needs the owner role".into()));
        }
        Ok(())
    }

    /// Refuses everyone below admin (403): channels and keys.
    pub fn require_manage(&self) -> Result<(), ApiError> {
        if !self.role.can_manage() {
            return Err(ApiError::Forbidden(
                "this needs a read-write API key or the admin role".into(),
            ));
        }
        Ok(())
    }
}

/// A signed-in dashboard user (session cookie; CSRF-checked on unsafe methods).
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session's user.
    pub user: accounts::SessionUser,
    /// The cookie's token.
    pub token: String,
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// GET, HEAD and OPTIONS change nothing and need no CSRF token.
fn is_safe(req: &HttpRequest) -> bool {
    matches!(req.method().as_str(), "GET" | "HEAD" | "OPTIONS")
}

async fn signed_in(
    state: &AppState,
    token: String,
    csrf: Option<String>,
    safe: bool,
) -> Result<SignedIn, ApiError> {
    let now = state.store.now();
    let lookup = token.clone();
    let user = state
        .store
        .read(move |c| accounts::session(c, &lookup, now))
        .await?
        .ok_or(ApiError::Unauthorized(
            "your session has ended: sign in again",
        ))?;
    if !safe && csrf.as_deref() != Some(user.csrf_token.as_str()) {
        return Err(ApiError::Forbidden(
            "missing or wrong CSRF token: send the X-CSRF-Token header".into(),
        ));
    }
    Ok(SignedIn { user, token })
}

/// The request's session if it carries a valid one (CSRF-checked unless `safe`), for
/// anonymous endpoints that answer a signed-in caller differently.
pub async fn optional_session(
    req: &HttpRequest,
    state: &AppState,
    safe: bool,
) -> Result<Option<SignedIn>, ApiError> {
    let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(None);
    };
    match signed_in(state, token, header(req, "X-CSRF-Token"), safe).await {
        Ok(s) => Ok(Some(s)),
        Err(ApiError::Unauthorized(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<SignedIn, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let csrf = header(req, "X-CSRF-Token");
        let safe = is_safe(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("state missing".into()))?;
            let token = token.ok_or(ApiError::Unauthorized("not signed in"))?;
            let who = signed_in(&state, token, csrf, safe).await?;
            // The person's own record (docs/security.md, "Audit log").
            overdue_storage::base::audit::fill(|e| {
                e.actor = Some(who.user.email.clone());
                e.user_id = Some(who.user.user_id.clone());
            });
            Ok(who)
        })
    }
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Auth, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let key = header(req, "X-Api-Key");
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let csrf = header(req, "X-CSRF-Token");
        // EventSource cannot send headers: `?project=` does the same.
        let wanted = header(req, "X-Project").or_else(|| {
            web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
                .ok()
                .and_then(|q| q.get("project").cloned())
        });
        let safe = is_safe(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("state missing".into()))?;
            if let Some(key) = key {
                let grant = state
                    .store
                    .read(move |c| projects::authenticate(c, &key))
                    .await?
                    .ok_or(ApiError::Unauthorized("wrong api key"))?;
                let role = if grant.read_only {
                    Role::Viewer
                } else {
                    Role::Admin
                };
                return Ok(noted(Auth {
                    project: grant.project_id,
                    role,
                    actor: format!("key {}", grant.name),
                    user_id: None,
                }));
            }
            let Some(token) = token else {
                return Err(ApiError::Unauthorized(
                    "missing api key: send it in the X-Api-Key header (or sign in)",
                ));
            };
            let signed = signed_in(&state, token, csrf, safe).await?;
            let user = signed.user.user_id.clone();
            let mine = state
                .store
                .read(move |c| accounts::memberships_of(c, &user))
                .await?;
            let chosen = match &wanted {
                Some(p) => mine.into_iter().find(|m| &m.project_id == p),
                None => mine.into_iter().next(),
            };
            // Another project's id is answered like an unknown one: no hint it exists.
            let m = chosen.ok_or_else(|| {
                ApiError::NotFound("no such project among yours (X-Project)".into())
            })?;
            // The owner's rule (docs/security.md, "Second factor"); keys are not people.
            if m.requires_second_factor && !signed.user.second_factor {
                return Err(ApiError::Forbidden(format!(
                    "enrol a second factor: \"{}\" requires one of its members; set it up \
                     on your account page (/account), then come back",
                    m.project_name
                )));
            }
            Ok(noted(Auth {
                project: m.project_id,
                role: m.role,
                actor: signed.user.email.clone(),
                user_id: Some(signed.user.user_id.clone()),
            }))
        })
    }
}

/// Records a request whose actor exists only once its write is done (the first
/// account, a newcomer's): the record follows in a unit of work of its own, with the
/// new user as who (docs/security.md, "Audit log").
pub async fn record_after(state: &AppState, actor: &str, user: &str) -> Result<(), ApiError> {
    let (actor, user) = (actor.to_string(), user.to_string());
    overdue_storage::base::audit::fill(|e| {
        e.actor = Some(actor);
        e.user_id = Some(user);
    });
    state.store.write(|_| Ok(())).await?;
    Ok(())
}

/// Says who acts in the request's audit record (docs/security.md, "Audit log").
fn noted(auth: Auth) -> Auth {
    overdue_storage::base::audit::fill(|e| {
        e.project = Some(auth.project.clone());
        e.actor = Some(auth.actor.clone());
        e.user_id = auth.user_id.clone();
    });
    auth
}

/// Bodies read for an `api_key` at most: the JSON limit, and one byte more so the
/// handler still sees a body over the limit as one.
const KEY_BODY_LIMIT: usize = 256 * 1024 + 1;

/// Healthchecks accepts the key as `api_key` in a POST's JSON body instead of the
/// `X-Api-Key` header, and some clients send it so: it is read from there (and the body
/// put back for the handler). The header wins when both are sent.
pub async fn api_key_in_body(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    use futures_util::StreamExt;
    if req.method() == actix_web::http::Method::POST && !req.headers().contains_key("x-api-key") {
        let mut payload = req.take_payload();
        let mut buf = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| crate::http::error::body_error(&e))?;
            buf.extend_from_slice(&chunk);
            if buf.len() >= KEY_BODY_LIMIT {
                buf.truncate(KEY_BODY_LIMIT);
                break;
            }
        }
        let key = serde_json::from_slice::<serde_json::Value>(&buf)
            .ok()
            .and_then(|v| v.get("api_key")?.as_str().map(str::to_string))
            .and_then(|k| actix_web::http::header::HeaderValue::from_str(&k).ok());
        if let Some(key) = key {
            req.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("x-api-key"),
                key,
            );
        }
        req.set_payload(actix_web::dev::Payload::from(buf.freeze()));
    }
    next.call(req).await
}
