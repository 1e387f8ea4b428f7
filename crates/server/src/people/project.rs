//! `/api/v1/project`: the current project's settings. Its time zone (an IANA name;
//! empty: UTC) is where messages show the times of monitors without a zone of their own
//! (docs/behaviour.md, "Channels"). Anyone who reads the project reads it; changing it
//! needs the admin role or a read-write key.

use actix_web::{web, HttpResponse};
use overdue_storage::base::models::ProjectRow;
use overdue_storage::people::projects;
use overdue_types::{ProjectSettings, ProjectSettingsInput};

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::AppState;

/// Registers the project settings routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/project", web::get().to(show))
        .route("/project", web::patch().to(change));
}

fn render(p: &ProjectRow) -> ProjectSettings {
    ProjectSettings {
        id: p.id.clone(),
        name: p.name.clone(),
        tz: Some(p.tz.clone()).filter(|t| !t.is_empty()),
    }
}

async fn show(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let project = auth.project.clone();
    let p = state
        .store
        .read(move |c| projects::get(c, &project))
        .await?;
    Ok(HttpResponse::Ok().json(render(&p)))
}

async fn change(
    auth: Auth,
    state: web::Data<AppState>,
    body: crate::http::body::Body<ProjectSettingsInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let input = body.into_inner()?;
    let tz = input.tz.trim().to_string();
    crate::http::parse::zone(&tz)?;
    let project = auth.project.clone();
    let p = state
        .store
        .write(move |tx| projects::set_zone(tx, &project, &tz))
        .await?;
    Ok(HttpResponse::Ok().json(render(&p)))
}
