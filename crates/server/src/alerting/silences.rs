//! `/api/v1/silences`: silences and maintenance windows (docs/behaviour.md, "Routing") —
//! list (by state),
//! create (one-off with `ends_at` or `for`, or a weekly `recurring` window), read, and
//! end early (`DELETE`: kept in the history; the alerts it held go out at once). Any
//! role reads; members and up (a deploy script's read-write key) create and end.

use actix_web::{web, HttpResponse};
use overdue_core::route::{Matcher, Silence, Window};
use overdue_core::Timestamp;
use overdue_storage::alerting::silences::{self, NewSilence, SilenceRow};
use overdue_types as t;

use crate::http::auth::Auth;
use crate::http::body::{typed, Body};
use crate::http::error::ApiError;
use crate::monitoring::render::ts;
use crate::{parse_id, AppState};

/// Registers the silences' routes (inside the `/api/v1` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/silences", web::get().to(list))
        .route("/silences", web::post().to(create))
        .route("/silences/{id}", web::get().to(get))
        .route("/silences/{id}", web::delete().to(end));
}

fn render(r: &SilenceRow, now: Timestamp) -> t::Silence {
    t::Silence {
        id: r.id.clone(),
        matcher: serde_json::from_str(&r.matcher).unwrap_or(serde_json::Value::Null),
        starts_at: ts(r.starts_at),
        ends_at: r.ends_at.map(ts),
        recurring: r
            .recurring
            .as_deref()
            .and_then(|w| serde_json::from_str(w).ok())
            .unwrap_or(serde_json::Value::Null),
        author: r.author.clone(),
        comment: r.comment.clone(),
        created_at: ts(r.created_at),
        ended_at: r.ended_at.map(ts),
        state: r.state(now).to_string(),
    }
}

use crate::http::parse::time_of;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    state: Option<String>,
}

async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let want = q.state.clone().unwrap_or_else(|| "all".into());
    if !["active", "upcoming", "ended", "all"].contains(&want.as_str()) {
        return Err(ApiError::BadRequest(format!(
            "state must be one of active, upcoming, ended, all, got {want:?}"
        )));
    }
    let project = auth.project.clone();
    let rows = state
        .store
        .read(move |c| silences::list(c, &project))
        .await?;
    let now = state.store.now();
    let out: Vec<t::Silence> = rows
        .iter()
        .filter(|r| want == "all" || r.state(now) == want)
        .map(|r| render(r, now))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "silences": out })))
}

async fn get(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "silence")?;
    let project = auth.project.clone();
    let row = state
        .store
        .read(move |c| silences::get(c, &project, &id))
        .await?;
    Ok(HttpResponse::Ok().json(render(&row, state.store.now())))
}

async fn create(
    auth: Auth,
    state: web::Data<AppState>,
    body: Body<t::SilenceInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let input = body.into_inner()?;
    let now = state.store.now();
    let matcher: Matcher = typed(input.matcher).map_err(|e| match e {
        ApiError::BadRequest(m) => ApiError::BadRequest(format!("match: {m}")),
        other => other,
    })?;
    let recurring: Option<Window> = match input.recurring {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(typed(v).map_err(|e| match e {
            ApiError::BadRequest(m) => ApiError::BadRequest(format!("recurring: {m}")),
            other => other,
        })?),
    };
    let starts_at = match &input.starts_at {
        Some(s) => time_of("starts_at", s)?,
        None => now,
    };
    let ends_at = match (&input.ends_at, &input.duration) {
        (Some(_), Some(_)) => {
            return Err(ApiError::BadRequest(
                "give either ends_at or for, not both".into(),
            ))
        }
        (Some(e), None) => Some(time_of("ends_at", e)?),
        (None, Some(d)) => Some(Timestamp(
            starts_at.0 + crate::monitoring::validate::duration("for", d)?.millis(),
        )),
        (None, None) => None,
    };
    let comment = overdue_core::text::prose("comment", input.comment.trim(), 1_000)
        .map_err(ApiError::BadRequest)?;
    let rule = Silence {
        id: String::new(),
        matcher: matcher.clone(),
        starts_at,
        ends_at,
        recurring: recurring.clone(),
    };
    rule.validate().map_err(|e| ApiError::BadRequest(e.0))?;
    if ends_at.is_some_and(|e| e <= now) {
        return Err(ApiError::BadRequest(
            "ends_at is in the past: the silence would never be on".into(),
        ));
    }
    let new = NewSilence {
        matcher,
        starts_at,
        ends_at,
        recurring,
        author: auth.actor.clone(),
        comment,
    };
    let project = auth.project.clone();
    let (row, matching) = state
        .store
        .write(move |tx| silences::create(tx, &project, new))
        .await?;
    let mut out = serde_json::to_value(render(&row, now)).unwrap_or_default();
    if matching == 0 {
        out["warning"] = "no monitor of this project matches its tags and names today".into();
    }
    Ok(HttpResponse::Created().json(out))
}

async fn end(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let id = parse_id(&path, "silence")?;
    let (project, now) = (auth.project.clone(), state.store.now());
    let row = state
        .store
        .write(move |tx| silences::end(tx, &project, &id))
        .await?;
    Ok(HttpResponse::Ok().json(render(&row, now)))
}
