//! `/api/v1/routes`: a project's ordered routes (docs/behaviour.md, "Routing") — list,
//! create, change,
//! delete, reorder — and the preview (`GET /routes/preview`) that answers which channels an alert would reach
//! now (or at a given time) and through which routes. Reading is for every role;
//! changing is for admins, as for channels.

use actix_web::{web, HttpResponse};
use overdue_core::route::{validate_steps, DailyAt, Matcher, Step, Window};
use overdue_core::Timestamp;
use overdue_storage::alerting::routes::{self, NewRoute, RouteRow};
use overdue_storage::StoreError;
use overdue_types as t;

use crate::http::auth::Auth;
use crate::http::body::{typed, Body};
use crate::http::error::ApiError;
use crate::{parse_id, AppState};

/// Registers the routes' routes (inside the `/api/v1` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/routes", web::get().to(list))
        .route("/routes", web::post().to(create))
        .route("/routes/order", web::put().to(reorder))
        .route("/routes/preview", web::get().to(preview))
        .route("/routes/{id}", web::get().to(get))
        .route("/routes/{id}", web::patch().to(patch))
        .route("/routes/{id}", web::delete().to(delete));
}

fn render(r: &RouteRow) -> t::Route {
    let json = |text: &str| serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
    t::Route {
        id: r.id.clone(),
        name: r.name.clone(),
        position: r.position,
        matcher: json(&r.matcher),
        active: r.active.as_deref().map_or(serde_json::Value::Null, json),
        quiet: r.quiet.as_deref().map_or(serde_json::Value::Null, json),
        digest_at: r.digest_at.as_deref().map_or(serde_json::Value::Null, json),
        channels: serde_json::from_str(&r.channels).unwrap_or_default(),
        continue_matching: r.continue_matching,
        escalate_loop: r.escalate_loop,
        group_by: r.group_by.clone(),
        group_wait: r.group_wait_ms.map(|ms| ms / 1_000),
        group_interval: r.group_interval_ms.map(|ms| ms / 1_000),
        repeat_every: r.repeat_every_ms.map(|ms| ms / 1_000),
        escalate: r
            .rule()
            .escalate
            .into_iter()
            .map(|s| t::EscalationStep {
                after: t::DurationInput::Seconds(s.after_ms / 1_000),
                channels: s.channels,
            })
            .collect(),
        created_at: crate::monitoring::render::ts(r.created_at),
        updated_at: crate::monitoring::render::ts(r.updated_at),
    }
}

fn name_of(text: &str) -> Result<String, ApiError> {
    overdue_core::text::name("name", text, 200).map_err(ApiError::BadRequest)
}

/// The matcher from input (`match`), checked.
fn matcher_of(v: Option<serde_json::Value>) -> Result<Matcher, ApiError> {
    let m: Matcher = match v {
        None | Some(serde_json::Value::Null) => Matcher::default(),
        Some(v) => typed(v).map_err(|e| prefixed("match", e))?,
    };
    m.validate().map_err(|e| ApiError::BadRequest(e.0))?;
    Ok(m)
}

/// A window from input (`field`: `active` or `quiet`), checked (`null`: none).
fn window_of(field: &str, v: Option<serde_json::Value>) -> Result<Option<Window>, ApiError> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => {
            let w: Window = typed(v).map_err(|e| prefixed(field, e))?;
            w.validate(field).map_err(|e| ApiError::BadRequest(e.0))?;
            Ok(Some(w))
        }
    }
}

/// A digest time from input, checked (`null`: none).
fn daily_of(v: Option<serde_json::Value>) -> Result<Option<DailyAt>, ApiError> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => {
            let d: DailyAt = typed(v).map_err(|e| prefixed("digest_at", e))?;
            d.validate("digest_at")
                .map_err(|e| ApiError::BadRequest(e.0))?;
            Ok(Some(d))
        }
    }
}

/// Names the object a typed error is in (`match: unknown field "kind": …`).
fn prefixed(field: &str, e: ApiError) -> ApiError {
    match e {
        ApiError::BadRequest(m) => ApiError::BadRequest(format!("{field}: {m}")),
        other => other,
    }
}

/// Grouping from input: a valid `group_by` needs a `group_wait`; the interval defaults
/// to the wait. Returns (group_by, wait ms, interval ms).
type Grouping = (Option<String>, Option<i64>, Option<i64>);

fn grouping_of(
    by: Option<String>,
    wait: Option<t::DurationInput>,
    interval: Option<t::DurationInput>,
) -> Result<Grouping, ApiError> {
    let wait = wait
        .map(|d| crate::monitoring::validate::duration("group_wait", &d).map(|d| d.millis()))
        .transpose()?;
    let interval = interval
        .map(|d| crate::monitoring::validate::duration("group_interval", &d).map(|d| d.millis()))
        .transpose()?;
    match (by, wait) {
        (None, None) if interval.is_none() => Ok((None, None, None)),
        (Some(by), Some(w)) if w >= 1_000 => {
            overdue_core::route::validate_group_by(&by).map_err(|e| ApiError::BadRequest(e.0))?;
            Ok((Some(by), Some(w), Some(interval.unwrap_or(w))))
        }
        (Some(_), Some(_)) => Err(ApiError::BadRequest(
            "group_wait must be at least 1s".into(),
        )),
        _ => Err(ApiError::BadRequest(
            "grouping needs group_by (monitor, all or tag:<key>) and group_wait".into(),
        )),
    }
}

/// A reminder interval: at least a second.
fn repeat_of(d: Option<t::DurationInput>) -> Result<Option<i64>, ApiError> {
    d.map(|d| {
        let ms = crate::monitoring::validate::duration("repeat_every", &d)?.millis();
        if ms < 1_000 {
            return Err(ApiError::BadRequest(
                "repeat_every must be at least 1s".into(),
            ));
        }
        Ok(ms)
    })
    .transpose()
}

/// Escalation steps, checked (delays rising, channels named).
fn steps_of(steps: Vec<t::EscalationStep>) -> Result<Vec<Step>, ApiError> {
    let out = steps
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let field = format!("escalate[{i}].after");
            Ok(Step {
                after_ms: crate::monitoring::validate::duration(&field, &s.after)?.millis(),
                channels: s
                    .channels
                    .iter()
                    .map(|id| parse_id(id, "channel"))
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect::<Result<Vec<Step>, ApiError>>()?;
    validate_steps(&out).map_err(|e| ApiError::BadRequest(e.0))?;
    Ok(out)
}

fn channel_ids(ids: Vec<String>) -> Result<Vec<String>, ApiError> {
    if ids.is_empty() {
        return Err(ApiError::BadRequest(
            "channels must name at least one channel".into(),
        ));
    }
    ids.iter().map(|id| parse_id(id, "channel")).collect()
}

async fn list(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let project = auth.project.clone();
    let rows = state.store.read(move |c| routes::list(c, &project)).await?;
    let out: Vec<t::Route> = rows.iter().map(render).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "routes": out })))
}

async fn get(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "route")?;
    let project = auth.project.clone();
    let row = state
        .store
        .read(move |c| routes::get(c, &project, &id))
        .await?;
    Ok(HttpResponse::Ok().json(render(&row)))
}

/// A loop needs steps to start over (when both are given; a stored route without
/// steps loops over nothing).
fn loop_of(looping: Option<bool>, steps: Option<&[t::EscalationStep]>) -> Result<(), ApiError> {
    if looping == Some(true) && steps.is_some_and(<[_]>::is_empty) {
        return Err(ApiError::BadRequest(
            "escalate_loop: give escalation steps (escalate) to start over".into(),
        ));
    }
    Ok(())
}

async fn create(
    auth: Auth,
    state: web::Data<AppState>,
    body: Body<t::RouteInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let input = body.into_inner()?;
    let grouping = grouping_of(input.group_by, input.group_wait, input.group_interval)?;
    loop_of(
        input.escalate_loop,
        Some(input.escalate.as_deref().unwrap_or_default()),
    )?;
    let new = NewRoute {
        name: name_of(&input.name)?,
        matcher: matcher_of(input.matcher)?,
        active: window_of("active", input.active)?,
        quiet: window_of("quiet", input.quiet)?,
        digest_at: daily_of(input.digest_at)?,
        channels: channel_ids(input.channels)?,
        continue_matching: input.continue_matching.unwrap_or(false),
        repeat_every_ms: repeat_of(input.repeat_every)?,
        escalate: steps_of(input.escalate.unwrap_or_default())?,
        escalate_loop: input.escalate_loop.unwrap_or(false),
        group_by: grouping.0,
        group_wait_ms: grouping.1,
        group_interval_ms: grouping.2,
    };
    let project = auth.project.clone();
    let row = state
        .store
        .write(move |tx| routes::create(tx, &project, new))
        .await?;
    Ok(HttpResponse::Created().json(render(&row)))
}

async fn patch(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Body<t::RoutePatch>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let id = parse_id(&path, "route")?;
    let p = body.into_inner()?;
    let name = p.name.as_deref().map(name_of).transpose()?;
    let matcher = p.matcher.map(|m| matcher_of(Some(m))).transpose()?;
    let active = p.active.map(|a| window_of("active", Some(a))).transpose()?;
    let quiet = p.quiet.map(|a| window_of("quiet", Some(a))).transpose()?;
    let digest_at = p.digest_at.map(|a| daily_of(Some(a))).transpose()?;
    let channels = p.channels.map(channel_ids).transpose()?;
    let repeat = p.repeat_every.map(repeat_of).transpose()?;
    loop_of(p.escalate_loop, p.escalate.as_deref())?;
    let escalate = p.escalate.map(steps_of).transpose()?;
    let regroup = match (&p.group_by, &p.group_wait, &p.group_interval) {
        (None, None, None) => None,
        (Some(None), _, _) => Some((None, None, None)),
        _ => Some(grouping_of(
            p.group_by.clone().flatten(),
            p.group_wait.clone(),
            p.group_interval.clone(),
        )?),
    };
    let project = auth.project.clone();
    let row = state
        .store
        .write(move |tx| {
            routes::update(tx, &project, &id, |old| {
                let stored = old.rule();
                NewRoute {
                    name: name.unwrap_or_else(|| old.name.clone()),
                    matcher: matcher.unwrap_or(stored.matcher),
                    active: active.unwrap_or(stored.active),
                    quiet: quiet.unwrap_or(stored.quiet),
                    digest_at: digest_at.unwrap_or(stored.digest_at),
                    channels: channels.unwrap_or(stored.channels),
                    continue_matching: p.continue_matching.unwrap_or(stored.continue_matching),
                    repeat_every_ms: repeat.unwrap_or(stored.repeat_every_ms),
                    escalate: escalate.unwrap_or(stored.escalate),
                    escalate_loop: p.escalate_loop.unwrap_or(stored.escalate_loop),
                    group_by: regroup
                        .as_ref()
                        .map_or(stored.group_by.clone(), |g| g.0.clone()),
                    group_wait_ms: regroup.as_ref().map_or(stored.group_wait_ms, |g| g.1),
                    group_interval_ms: regroup.as_ref().map_or(stored.group_interval_ms, |g| g.2),
                }
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(render(&row)))
}

async fn delete(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let id = parse_id(&path, "route")?;
    let project = auth.project.clone();
    state
        .store
        .write(move |tx| routes::delete(tx, &project, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn reorder(
    auth: Auth,
    state: web::Data<AppState>,
    body: Body<t::RouteOrder>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let ids: Vec<String> = body
        .into_inner()?
        .ids
        .iter()
        .map(|id| parse_id(id, "route"))
        .collect::<Result<_, _>>()?;
    let project = auth.project.clone();
    let rows = state
        .store
        .write(move |tx| routes::reorder(tx, &project, &ids))
        .await?;
    let out: Vec<t::Route> = rows.iter().map(render).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "routes": out })))
}

/// `GET /api/v1/routes/preview?monitor=…&kind=…&reason=…&severity=…&at=…`.
async fn preview(
    auth: Auth,
    state: web::Data<AppState>,
    q: web::Query<t::RoutePreview>,
) -> Result<HttpResponse, ApiError> {
    let p = q.into_inner();
    let kind = p.kind.unwrap_or_else(|| "down".into());
    let one = |field: &str, v: &str, allowed: &[&str]| {
        if allowed.contains(&v) {
            Ok(())
        } else {
            Err(ApiError::BadRequest(format!(
                "{field} must be one of {}, got {v:?}",
                allowed.join(", ")
            )))
        }
    };
    one("kind", &kind, &["down", "problem", "event", "digest"])?;
    if let Some(r) = &p.reason {
        one("reason", r, overdue_core::route::REASONS)?;
    }
    if let Some(s) = &p.severity {
        one("severity", s, overdue_core::route::SEVERITIES)?;
    }
    let at = match &p.at {
        None => state.store.now(),
        Some(text) => crate::http::parse::time_of("at", text)?,
    };
    let monitor =
        crate::monitoring::ops::owned_monitor(&state, &auth, &p.monitor, "monitor").await?;
    let project = auth.project.clone();
    let found = state
        .store
        .read(move |c| {
            routes::preview(
                c,
                &project,
                &monitor,
                &kind,
                p.reason.as_deref(),
                p.severity.as_deref(),
                at,
            )
        })
        .await
        .map_err(|e| match e {
            StoreError::NotFound(w) => ApiError::NotFound(format!("{w} not found")),
            other => other.into(),
        })?;
    let channels: Vec<serde_json::Value> = found
        .reach
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.channel.id,
                "name": r.channel.name,
                "kind": r.channel.kind,
                "route": r.route.as_ref().map(|(id, name)| serde_json::json!({"id": id, "name": name})),
            })
        })
        .collect();
    let held: Vec<serde_json::Value> = found
        .held
        .iter()
        .map(|h| {
            serde_json::json!({
                "route": {"id": h.route.0, "name": h.route.1},
                "until": h.until.to_rfc3339(),
            })
        })
        .collect();
    let steps: Vec<serde_json::Value> = found
        .steps
        .iter()
        .map(|s| {
            serde_json::json!({
                "route": {"id": s.route.0, "name": s.route.1},
                "at": s.at.to_rfc3339(),
                "channels": s.channels.iter().map(|(id, name)| serde_json::json!({"id": id, "name": name})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "at": Timestamp(at.0).to_rfc3339(),
        "severity": found.severity,
        "channels": channels,
        "held": held,
        "steps": steps,
    })))
}
