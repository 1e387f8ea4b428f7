//! `/api/v1` monitors: list, create, read, edit, delete, pause, resume, their channels,
//! pings, flips, uptime and status strips.

use actix_web::{web, HttpResponse};
use overdue_storage::monitoring::views;
use overdue_storage::{
    alerting::channels, monitoring::deps, monitoring::history, monitoring::monitors,
};
use overdue_types::MonitorInput;
use serde::Deserialize;

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::http::parse::Limit;
use crate::monitoring::ops::{owned_monitor, owned_monitor_id, switch, update_settings, Switch};
use crate::{monitoring::render, monitoring::validate, AppState};

/// Registers the monitor routes (inside the `/api/v1` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/monitors", web::get().to(list))
        .route("/monitors", web::post().to(create))
        .route("/monitors/{id}", web::get().to(get))
        .route("/monitors/{id}", web::patch().to(update))
        .route("/monitors/{id}", web::delete().to(delete))
        .route("/monitors/{id}/pause", web::post().to(pause))
        .route("/monitors/{id}/resume", web::post().to(resume))
        .route("/monitors/{id}/channels", web::put().to(set_channels))
        .route("/monitors/{id}/pings", web::get().to(pings))
        .route("/monitors/{id}/flips", web::get().to(flips))
        .route("/monitors/{id}/uptime", web::get().to(uptime))
        .route("/monitors/{id}/days", web::get().to(days))
        .route("/strips", web::get().to(strips));
}

/// Loads a monitor with what its view needs and renders it.
pub(crate) async fn monitor_json(
    state: &AppState,
    auth: &Auth,
    id: String,
) -> Result<overdue_types::Monitor, ApiError> {
    let project = auth.project.clone();
    let now = state.store.now();
    let (view, shared) = state
        .store
        .read(move |c| views::one(c, &project, &id, now))
        .await?;
    Ok(render_view(state, auth, view, &shared, now))
}

/// A monitor's view rendered for `auth`.
fn render_view(
    state: &AppState,
    auth: &Auth,
    view: views::MonitorView,
    shared: &views::Shared,
    now: overdue_core::Timestamp,
) -> overdue_types::Monitor {
    let site = &state.config.site_url;
    let r = &view.row;
    let mut m = render::monitor(r, view.channels, site, now, auth.role.can_write());
    if let Some(l) = &view.links {
        render::with_links(&mut m, l);
    }
    render::with_slug_url(&mut m, site, &shared.keys.ping_key);
    m.open_problems = view.open_problems;
    m.badge_url = crate::monitoring::badges::monitor_url(site, shared.keys.badge_key.as_deref(), r);
    m.silenced_until = render::silenced_until(&shared.silences, r, now);
    m
}

async fn list(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let project = auth.project.clone();
    let now = state.store.now();
    let (views, shared) = state
        .store
        .read(move |c| views::all(c, &project, now))
        .await?;
    let out: Vec<_> = views
        .into_iter()
        .map(|v| render_view(&state, &auth, v, &shared, now))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "monitors": out })))
}

async fn create(
    auth: Auth,
    state: web::Data<AppState>,
    body: crate::http::body::Body<MonitorInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let input = body.into_inner()?;
    let mut settings = validate::apply(&input, validate::defaults())?;
    if settings.name.is_empty() {
        settings.name = settings.slug.clone().unwrap_or_else(|| "unnamed".into());
    }
    let project = auth.project.clone();
    let chans = input.channels.clone();
    let id = state
        .store
        .write(move |tx| {
            let row = monitors::create(tx, &project, &settings, chans.as_deref())?;
            let id = row.monitor_id()?;
            crate::monitoring::ops::save_links(tx, &project, &id, &input)?;
            Ok(row.id)
        })
        .await?;
    let m = monitor_json(&state, &auth, id).await?;
    Ok(HttpResponse::Created().json(m))
}

async fn get(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = owned_monitor(&state, &auth, &path, "monitor").await?;
    Ok(HttpResponse::Ok().json(monitor_json(&state, &auth, id).await?))
}

async fn update(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: crate::http::body::Body<MonitorInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let id2 = owned_monitor_id(&state, &auth, &path, "monitor").await?;
    let id = id2.to_string();
    let input = body.into_inner()?;
    let project = auth.project.clone();
    state
        .store
        .write(move |tx| {
            update_settings(tx, &project, &id2, &input)?;
            crate::monitoring::ops::save_links(tx, &project, &id2, &input)?;
            if let Some(ids) = &input.channels {
                channels::set_for_monitor(tx, &project, &id2, ids)?;
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Ok().json(monitor_json(&state, &auth, id).await?))
}

async fn delete(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let id = owned_monitor_id(&state, &auth, &path, "monitor").await?;
    let project = auth.project.clone();
    let (row, dependents) = state
        .store
        .write(move |tx| overdue_storage::monitoring::cascade::delete_monitor(tx, &project, &id))
        .await?;
    // The answer names the monitors that depended on it (their links are gone).
    let mut m = render::monitor(
        &row,
        vec![],
        &state.config.site_url,
        state.store.now(),
        true,
    );
    let links = deps::MonitorLinks {
        dependents,
        ..Default::default()
    };
    render::with_links(&mut m, &links);
    Ok(HttpResponse::Ok().json(m))
}

async fn pause(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = switch(&state, &auth, &path, "monitor", Switch::Pause).await?;
    Ok(HttpResponse::Ok().json(monitor_json(&state, &auth, id).await?))
}

async fn resume(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = switch(&state, &auth, &path, "monitor", Switch::Resume).await?;
    Ok(HttpResponse::Ok().json(monitor_json(&state, &auth, id).await?))
}

/// `PUT /api/v1/monitors/<id>/channels`: the channel ids that replace the monitor's.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChannelList {
    channels: Vec<String>,
}

async fn set_channels(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: crate::http::body::Body<ChannelList>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let id2 = owned_monitor_id(&state, &auth, &path, "monitor").await?;
    let id = id2.to_string();
    let project = auth.project.clone();
    let ids = body.into_inner()?.channels;
    state
        .store
        .write(move |tx| channels::set_for_monitor(tx, &project, &id2, &ids))
        .await?;
    Ok(HttpResponse::Ok().json(monitor_json(&state, &auth, id).await?))
}

async fn pings(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<Limit>,
) -> Result<HttpResponse, ApiError> {
    let id = owned_monitor(&state, &auth, &path, "monitor").await?;
    let limit = q.get()?;
    let rows = state
        .store
        .read(move |c| history::pings(c, &id, limit))
        .await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "pings": rows.iter().map(render::ping).collect::<Vec<_>>() })))
}

async fn flips(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<Limit>,
) -> Result<HttpResponse, ApiError> {
    let id = owned_monitor(&state, &auth, &path, "monitor").await?;
    let limit = q.get()?;
    let rows = state
        .store
        .read(move |c| history::flips(c, &id, None, None, limit))
        .await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "flips": rows.iter().map(render::flip).collect::<Vec<_>>() })))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DaysQuery {
    days: Option<i64>,
}

/// `GET /monitors/<id>/days?days=90`: the status strip — each of the last days (1 to
/// 400, default 90) in the project's zone with its worst status and uptime
/// (docs/behaviour.md, "Uptime").
async fn days(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<DaysQuery>,
) -> Result<HttpResponse, ApiError> {
    let n = strip_days(query.into_inner().days)?;
    let id = owned_monitor(&state, &auth, &path, "monitor").await?;
    let (project, now) = (auth.project.clone(), state.store.now().0);
    let (zone, days) = state
        .store
        .read(move |c| history::days(c, &project, &id, now, n))
        .await?;
    Ok(HttpResponse::Ok().json(overdue_types::UptimeDays {
        days: days.into_iter().map(Into::into).collect(),
        zone,
    }))
}

/// A strip's `days` (1 to 400, default 90).
fn strip_days(asked: Option<i64>) -> Result<usize, ApiError> {
    match asked.unwrap_or(90) {
        n @ 1..=400 => Ok(n as usize),
        _ => Err(ApiError::BadRequest(
            "days must be between 1 and 400".into(),
        )),
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StripsQuery {
    monitors: Option<String>,
    days: Option<i64>,
}

/// `GET /strips?monitors=<id>,<id>&days=90`: the status strips of up to 100 monitors
/// of the project (ids or public references, as the list names them) for the monitors
/// list (docs/behaviour.md, "Uptime"). Names of no monitor of the project are left out;
/// none asked, none given.
async fn strips(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<StripsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let n = strip_days(q.days)?;
    let asked: Vec<String> = q
        .monitors
        .unwrap_or_default()
        .split(',')
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .collect();
    if asked.len() > 100 {
        return Err(ApiError::BadRequest(
            "monitors: at most 100 at a time (the list's page)".into(),
        ));
    }
    let (project, now) = (auth.project.clone(), state.store.now().0);
    let (zone, strips) = state
        .store
        .read(move |c| history::days_of_many(c, &project, &asked, now, n))
        .await?;
    Ok(HttpResponse::Ok().json(overdue_types::UptimeStrips {
        zone,
        monitors: strips
            .into_iter()
            .map(|(id, days)| overdue_types::UptimeStrip {
                id,
                days: days.into_iter().map(Into::into).collect(),
            })
            .collect(),
    }))
}

/// `GET /monitors/<id>/uptime`: the one definition of uptime (docs/behaviour.md,
/// "Uptime"), over a day, a week and 30 days.
async fn uptime(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = owned_monitor(&state, &auth, &path, "monitor").await?;
    let now = state.store.now().0;
    let u = state
        .store
        .read(move |c| history::uptime(c, &id, now))
        .await?;
    Ok(HttpResponse::Ok().json(overdue_types::Uptime {
        day: u.day,
        week: u.week,
        month: u.month,
    }))
}
