//! The push URL (docs/behaviour.md, "What senders send"): `POST
//! /push/<project>/<flow>?token=<the project's ping key>` takes what a platform pushes
//! without custom headers — a Google Pub/Sub push subscription, a CloudEvents sink —
//! as well as plain events. The token is compared in constant time; an unknown project
//! and a wrong token get the same answer. With a JWKS configured, the push's JWT is
//! verified too (`super::jwt`). A Pub/Sub push is acknowledged (2xx) once stored or
//! kept aside, since anything else is redelivered for days.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::intake::BODY_LIMIT;
use crate::http::error::ApiError;
use crate::AppState;

/// Registers the push URL (outside `/api/v1`: the token is the credential).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/push/{project}/{flow}", web::post().to(push));
}

/// The push URL's query: other parameters a platform adds are ignored.
#[derive(Deserialize)]
struct PushQuery {
    token: Option<String>,
}

async fn push(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<PushQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (project, slug) = path.into_inner();
    let token = query.into_inner().token.unwrap_or_default();
    let found = state
        .store
        .read(move |c| overdue_storage::flows::for_push(c, &project, &slug))
        .await?;
    let refused = || {
        ApiError::Forbidden(
            "the token does not open this push URL: add ?token=<the project's ping key>".into(),
        )
    };
    // Compared whatever was found, so the time taken says nothing about the key.
    let key = found.as_ref().map_or("", |(k, _)| k.as_str());
    let same: bool = key.as_bytes().ct_eq(token.as_bytes()).into();
    let Some((_, flow)) = found.filter(|_| same && !token.is_empty()) else {
        return Err(refused());
    };
    if let Some(jwt) = &state.config.push_jwt {
        let header = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        jwt.check(header).map_err(|why| {
            tracing::info!("push refused: {why}");
            ApiError::Unauthorized(
                "the push's token (JWT) does not verify against the configured keys",
            )
        })?;
    }
    let Some(flow) = flow else {
        return Err(ApiError::NotFound(
            "no such flow in this project: the URL is /push/<project id>/<flow slug>".into(),
        ));
    };
    let hint = "send at most 10000 events per request";
    let body = crate::http::body::read_capped(payload, BODY_LIMIT, hint).await?;
    let taken = super::intake::take(&state, &req, flow, &body, "push").await?;
    Ok(taken.answer())
}
