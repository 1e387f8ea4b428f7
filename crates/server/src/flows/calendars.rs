//! `/api/v1/calendars` (docs/behaviour.md, "Flows (entity SLAs)"): a project's business
//! calendars — working hours per
//! weekday, holidays, a zone — that flows' stages count their SLAs in. Reading is for
//! every role; changing is for admins, as for flows.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use overdue_core::flow::Calendar;
use overdue_storage::flows::calendars::{self, CalendarRow};
use overdue_types as t;

use crate::http::auth::Auth;
use crate::http::body::Body;
use crate::http::error::ApiError;
use crate::AppState;

/// Registers the calendars' routes (inside the `/api/v1` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/calendars", web::get().to(list))
        .route("/calendars", web::post().to(create))
        .route("/calendars/{name}", web::get().to(get))
        .route("/calendars/{name}", web::put().to(put))
        .route("/calendars/{name}", web::delete().to(delete));
}

fn render(r: &CalendarRow) -> t::CalendarView {
    let cal = r.calendar();
    t::CalendarView {
        name: r.name.clone(),
        tz: cal.as_ref().map(|c| c.tz.clone()).unwrap_or_default(),
        hours: cal.as_ref().map(|c| c.hours.clone()).unwrap_or_default(),
        holidays: cal.map(|c| c.holidays).unwrap_or_default(),
        updated_at: crate::monitoring::render::ts(r.updated_at),
    }
}

fn name_of(name: &str) -> Result<String, ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(name.to_string())
    } else {
        Err(ApiError::BadRequest(format!(
            "calendar name {name:?} must be 1-64 letters, digits, '-', '_' or '.'"
        )))
    }
}

async fn list(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let project = auth.project.clone();
    let rows = state
        .store
        .read(move |c| calendars::list(c, &project))
        .await?;
    let out: Vec<t::CalendarView> = rows.iter().map(render).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "calendars": out })))
}

async fn get(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (project, name) = (auth.project.clone(), path.into_inner());
    let row = state
        .store
        .read(move |c| calendars::get(c, &project, &name))
        .await?;
    Ok(HttpResponse::Ok().json(render(&row)))
}

fn checked(
    tz: String,
    hours: BTreeMap<String, Vec<String>>,
    holidays: Vec<String>,
) -> Result<Calendar, ApiError> {
    let cal = Calendar {
        tz,
        hours,
        holidays,
    };
    cal.validate()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(cal)
}

async fn create(
    auth: Auth,
    state: web::Data<AppState>,
    body: Body<t::NewCalendarInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let input = body.into_inner()?;
    let name = name_of(&input.name)?;
    let cal = checked(input.tz, input.hours, input.holidays)?;
    let project = auth.project.clone();
    let row = state
        .store
        .write(move |tx| calendars::create(tx, &project, &name, &cal))
        .await?;
    Ok(HttpResponse::Created().json(render(&row)))
}

async fn put(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Body<t::CalendarInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    // Another project's (or no) calendar is a 404 before the body is looked at.
    let (project, name) = (auth.project.clone(), path.into_inner());
    let found = {
        let (project, name) = (project.clone(), name.clone());
        state
            .store
            .read(move |c| calendars::get(c, &project, &name))
            .await?
    };
    let input = body.into_inner()?;
    let cal = checked(input.tz, input.hours, input.holidays)?;
    let row = state
        .store
        .write(move |tx| calendars::replace(tx, &project, &found.name, &cal))
        .await?;
    Ok(HttpResponse::Ok().json(render(&row)))
}

async fn delete(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let (project, name) = (auth.project.clone(), path.into_inner());
    state
        .store
        .write(move |tx| calendars::delete(tx, &project, &name))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
