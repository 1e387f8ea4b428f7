//! `/api/v1/project` as an object (docs/behaviour.md, "Projects"): what it holds, handing
//! it over, deleting it. Handing over and deleting need the owner's own session: an
//! API key never owns a project.

use actix_web::{web, HttpResponse};
use overdue_storage::people::lifecycle;
use overdue_types as t;

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::AppState;

/// Routes under `/api/v1` (`DELETE /project` is registered with the project's other
/// methods, on one resource).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/project/contents", web::get().to(contents))
        .route("/project/transfer", web::post().to(transfer));
}

fn render(id: String, name: String, c: lifecycle::Contents) -> t::ProjectContents {
    t::ProjectContents {
        id,
        name,
        monitors: c.monitors,
        channels: c.channels,
        flows: c.flows,
        status_pages: c.status_pages,
        keys: c.keys,
        members: c.members,
        words: c.words(),
    }
}

/// What the project holds (every role: counts only).
async fn contents(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let project = auth.project.clone();
    let (name, c) = state
        .store
        .read(move |c| lifecycle::named_contents(c, &project))
        .await?;
    Ok(HttpResponse::Ok().json(render(auth.project, name, c)))
}

/// The owner's user id, or 403: only an owner's session hands over or deletes.
fn owner_session(auth: &Auth) -> Result<String, ApiError> {
    auth.require_owner()?;
    auth.user_id.clone().ok_or_else(|| {
        ApiError::Forbidden("this needs the owner's own session, not an API key".into())
    })
}

/// Makes another member owner; the caller stays as admin.
async fn transfer(
    auth: Auth,
    state: web::Data<AppState>,
    body: crate::http::body::Body<t::TransferInput>,
) -> Result<HttpResponse, ApiError> {
    let me = owner_session(&auth)?;
    let to = overdue_core::credentials::check_email(&body.into_inner()?.to)
        .map_err(|e| ApiError::BadRequest(format!("to: {e}")))?;
    let project = auth.project.clone();
    state
        .store
        .write(move |tx| lifecycle::transfer(tx, &project, &me, &to))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes the project with everything in it, when `confirm` is its name.
pub(crate) async fn delete(
    auth: Auth,
    state: web::Data<AppState>,
    body: crate::http::body::Body<t::DeleteProjectInput>,
) -> Result<HttpResponse, ApiError> {
    owner_session(&auth)?;
    let confirm = body.into_inner()?.confirm;
    // Its records go with it; the deletion stays the owner's own record, read in
    // their other projects (docs/security.md, "Audit log").
    overdue_storage::base::audit::fill(|e| {
        e.project = None;
        e.object_id = Some(auth.project.clone());
    });
    let project = auth.project.clone();
    let (name, gone) = state
        .store
        .write(move |tx| lifecycle::delete(tx, &project, &confirm))
        .await?;
    Ok(HttpResponse::Ok().json(render(auth.project, name, gone)))
}
