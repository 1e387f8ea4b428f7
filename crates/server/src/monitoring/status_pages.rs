//! Public status pages (docs/behaviour.md, "Status pages"): `/api/v1/status-pages` to
//! make, list, change and delete them (every role reads; admins and read-write keys
//! change). The public page itself is `super::status_html`.

use actix_web::{web, HttpResponse};
use overdue_storage::monitoring::status_pages::{self, PageChange, PageRow};
use overdue_types::status_pages::{StatusPage, StatusPageInput};

use crate::http::auth::Auth;
use crate::http::body::Body;
use crate::http::error::ApiError;
use crate::{parse_id, AppState};

/// Registers the management routes (inside `/api/v1`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/status-pages", web::get().to(list))
        .route("/status-pages", web::post().to(create))
        .route("/status-pages/{id}", web::get().to(get))
        .route("/status-pages/{id}", web::patch().to(update))
        .route("/status-pages/{id}", web::delete().to(delete));
}

fn render(row: &PageRow, site: &str) -> StatusPage {
    StatusPage {
        id: row.id.clone(),
        title: row.title.clone(),
        scope: row.scope.clone(),
        aliases: row.alias_map(),
        hidden: row.hidden_list(),
        url: format!("{site}/status/{}", row.key),
        json_url: format!("{site}/status/{}.json", row.key),
        created_at: overdue_core::Timestamp(row.created_at).to_rfc3339(),
    }
}

fn change_of(input: StatusPageInput) -> PageChange {
    PageChange {
        title: input.title,
        scope: input.scope,
        aliases: input.aliases,
        hidden: input.hidden,
    }
}

async fn list(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let project = auth.project.clone();
    let rows = state
        .store
        .read(move |c| status_pages::list(c, &project))
        .await?;
    let site = &state.config.site_url;
    let pages: Vec<StatusPage> = rows.iter().map(|r| render(r, site)).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status_pages": pages })))
}

async fn get(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "status page")?;
    let project = auth.project.clone();
    let row = state
        .store
        .read(move |c| status_pages::get(c, &project, &id))
        .await?;
    Ok(HttpResponse::Ok().json(render(&row, &state.config.site_url)))
}

async fn create(
    auth: Auth,
    state: web::Data<AppState>,
    body: Body<StatusPageInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let change = change_of(body.into_inner()?);
    let project = auth.project.clone();
    let row = state
        .store
        .write(move |tx| status_pages::create(tx, &project, &change))
        .await?;
    Ok(HttpResponse::Created().json(render(&row, &state.config.site_url)))
}

async fn update(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Body<StatusPageInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let id = parse_id(&path, "status page")?;
    let change = change_of(body.into_inner()?);
    let project = auth.project.clone();
    let row = state
        .store
        .write(move |tx| status_pages::update(tx, &project, &id, &change))
        .await?;
    Ok(HttpResponse::Ok().json(render(&row, &state.config.site_url)))
}

async fn delete(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let id = parse_id(&path, "status page")?;
    let project = auth.project.clone();
    state
        .store
        .write(move |tx| status_pages::delete(tx, &project, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
