//! API key authentication: `X-Api-Key: <key>` names a project and read-only or
//! read-write access. Keys are looked up by hash; a missing or wrong key is a 401.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};
use overdue_storage::projects;

use crate::error::ApiError;
use crate::AppState;

/// The project a request acts on and what it may do.
#[derive(Debug, Clone)]
pub struct Auth {
    /// Project id.
    pub project: String,
    /// Read-only keys may not change anything.
    pub read_only: bool,
}

impl Auth {
    /// Refuses read-only keys (403).
    pub fn require_write(&self) -> Result<(), ApiError> {
        if self.read_only {
            return Err(ApiError::Forbidden("this API key is read-only".into()));
        }
        Ok(())
    }
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Auth, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let key = req
            .headers()
            .get("X-Api-Key")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_string());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("state missing".into()))?;
            let key = match key {
                Some(k) if !k.is_empty() => k,
                _ => {
                    return Err(ApiError::Unauthorized(
                        "missing api key: send it in the X-Api-Key header",
                    ))
                }
            };
            let grant = state
                .store
                .read(move |c| projects::authenticate(c, &key))
                .await?
                .ok_or(ApiError::Unauthorized("wrong api key"))?;
            Ok(Auth {
                project: grant.project_id,
                read_only: grant.read_only,
            })
        })
    }
}
