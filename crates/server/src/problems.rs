//! Problems (SPEC §5): `POST /ping/<uuid>/problems` and `/resolve` (the monitor's UUID is
//! the secret, as for every ping URL), and `/api/v1/problems` to list, acknowledge,
//! assign, note, link a ticket, mute and resolve them.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use overdue_core::problem::{parse_keys, parse_report, DEFAULT_CAP};
use overdue_core::Timestamp;
use overdue_storage::problems::{self, Filter, ProblemRow, Update};
use overdue_storage::{PingTarget, StoreError};
use overdue_types::{
    Problem, ProblemList, ProblemStats, ProblemUpdate, ProblemsReply, ResolveReply,
};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Auth;
use crate::error::ApiError;
use crate::AppState;

/// Largest problems or resolve body.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Most problems (or keys) in one request.
pub const MAX_ITEMS: usize = 10_000;

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/problems", web::get().to(list))
        .route("/problems/stats", web::get().to(stats))
        .route("/problems/{id}", web::get().to(get))
        .route("/problems/{id}", web::patch().to(patch))
        .route("/problems/{id}/acknowledge", web::post().to(acknowledge))
        .route("/problems/{id}/resolve", web::post().to(resolve));
}

fn answer(status: StatusCode, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .json(body)
}

fn refuse(status: StatusCode, msg: impl Into<String>) -> HttpResponse {
    answer(status, json!({ "error": msg.into() }))
}

/// `POST /ping/<target>/problems` (`resolve = false`) or `/resolve`.
pub async fn ping(
    req: &HttpRequest,
    state: &AppState,
    target: PingTarget,
    resolve: bool,
    mut payload: web::Payload,
) -> HttpResponse {
    if req.method() != actix_web::http::Method::POST {
        return refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "POST the problems as JSON: [{\"key\": \"invoice:123\", \"severity\": \"error\", \"message\": \"...\"}]",
        );
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return refuse(StatusCode::BAD_REQUEST, "the body could not be read");
        };
        if body.len() + chunk.len() > BODY_LIMIT {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the body is over {} MB: send at most {MAX_ITEMS} problems per request",
                    BODY_LIMIT / 1024 / 1024
                ),
            );
        }
        body.extend_from_slice(&chunk);
    }
    // Checked before anything is looked up or written: a bad report changes nothing.
    let parsed = if resolve {
        parse_keys(&body, MAX_ITEMS).map(Err)
    } else {
        parse_report(&body, MAX_ITEMS).map(Ok)
    };
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, e),
    };
    // `rid`: the run the units belong to (shown in its run view).
    let rid = match crate::ping::query_value(req, "rid").filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => match uuid::Uuid::try_parse(&r) {
            Ok(u) if r.len() == 36 => Some(u.hyphenated().to_string()),
            _ => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid uuid format: rid must be a UUID",
                )
            }
        },
    };
    let id = match target {
        PingTarget::Id(id) => id.hyphenated().to_string(),
        PingTarget::Slug { ping_key, slug, .. } => {
            match state
                .store
                .read(move |c| problems::monitor_by_slug(c, &ping_key, &slug))
                .await
            {
                Ok(Some(id)) => id,
                Ok(None) => return refuse(StatusCode::NOT_FOUND, "not found"),
                Err(e) => return unavailable(e),
            }
        }
    };
    let now = state.store.now();
    match parsed {
        Ok(items) => {
            // The writer's cached flag "has open problems" of this monitor is renewed.
            let r = state
                .store
                .write_for_monitor(&id.clone(), move |c| {
                    problems::report(c, &id, &items, rid.as_deref(), now, DEFAULT_CAP)
                })
                .await;
            match r {
                Ok(Some(out)) => {
                    if out.notifications > 0 {
                        state.store.wake.outbox.notify_one();
                    }
                    let reply = ProblemsReply {
                        opened: out.opened,
                        reopened: out.reopened,
                        rejoined: out.rejoined,
                        repeated: out.repeated,
                        escalated: out.escalated,
                        dropped: out.dropped,
                        open: out.open,
                    };
                    answer(StatusCode::OK, json!(reply))
                }
                Ok(None) => refuse(StatusCode::NOT_FOUND, "not found"),
                Err(e) => unavailable(e),
            }
        }
        Err(keys) => {
            let r = state
                .store
                .write_beside_monitors(move |c| {
                    problems::resolve_keys(c, &id, &keys, "report", now)
                })
                .await;
            match r {
                Ok(Some((resolved, not_open, notes))) => {
                    if notes > 0 {
                        state.store.wake.outbox.notify_one();
                    }
                    answer(StatusCode::OK, json!(ResolveReply { resolved, not_open }))
                }
                Ok(None) => refuse(StatusCode::NOT_FOUND, "not found"),
                Err(e) => unavailable(e),
            }
        }
    }
}

fn unavailable(e: StoreError) -> HttpResponse {
    tracing::warn!("problems not stored: {e}");
    let mut resp = refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        "database unavailable, retry later",
    );
    resp.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from_static("5"),
    );
    resp
}

/// A stored problem as the API shows it.
pub fn render(p: &ProblemRow, monitor_name: &str, now: Timestamp) -> Problem {
    let at = |t: i64| Timestamp(t).to_rfc3339();
    let status = if p.resolved_at.is_some() {
        "resolved"
    } else if p.muted_until.is_some_and(|m| m > now.0) {
        "muted"
    } else if p.acknowledged_at.is_some() {
        "acknowledged"
    } else {
        "open"
    };
    Problem {
        id: p.id,
        monitor_id: p.monitor_id.clone(),
        monitor_name: monitor_name.to_string(),
        key: p.key.clone(),
        severity: p.severity.clone(),
        message: p.message.clone(),
        details: p
            .details
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok()),
        count: p.count,
        first_seen_at: at(p.first_seen_at),
        last_seen_at: at(p.last_seen_at),
        status: status.into(),
        resolved_at: p.resolved_at.map(at),
        resolved_by: p.resolved_by.clone(),
        resolves_at: p.resolve_at.map(at),
        previous_id: p.previous_id,
        acknowledged_at: p.acknowledged_at.map(at),
        acknowledged_by: p.acknowledged_by.clone(),
        assignee: p.assignee.clone(),
        note: p.note.clone(),
        ticket: p.ticket.clone(),
        muted_until: p.muted_until.map(at),
        overflow: p.overflow,
    }
}

/// `GET /api/v1/problems` query.
#[derive(Debug, Deserialize)]
struct ListQuery {
    monitor: Option<String>,
    severity: Option<String>,
    status: Option<String>,
    older_than: Option<String>,
    before: Option<String>,
    limit: Option<String>,
}

fn filter(q: &ListQuery, now: Timestamp) -> Result<Filter, ApiError> {
    let bad = |m: String| ApiError::BadRequest(m);
    let severities = match &q.severity {
        None => Vec::new(),
        Some(s) => s
            .split(',')
            .map(|v| {
                overdue_core::Severity::parse(v.trim())
                    .map(|s| s.as_str().to_string())
                    .ok_or_else(|| {
                        bad(format!(
                            "severity {v:?}: use info, warning, error or critical (comma-separated)"
                        ))
                    })
            })
            .collect::<Result<_, _>>()?,
    };
    let open = match q.status.as_deref() {
        None | Some("open") => Some(true),
        Some("resolved") => Some(false),
        Some("all") => None,
        Some(s) => return Err(bad(format!("status {s:?}: use open, resolved or all"))),
    };
    let seen_before = match &q.older_than {
        None => None,
        Some(t) => {
            let d = overdue_core::parse_duration(t).map_err(|e| bad(format!("older_than: {e}")))?;
            Some(now.0 - d.millis())
        }
    };
    let before = match &q.before {
        None => None,
        Some(b) => Some(
            b.parse::<i64>()
                .map_err(|_| bad(format!("before must be a problem id, not {b:?}")))?,
        ),
    };
    let limit = match &q.limit {
        None => 100,
        Some(l) => match l.parse::<i64>() {
            Ok(n @ 1..=1_000) => n,
            _ => return Err(bad(format!("limit must be 1-1000, got {l:?}"))),
        },
    };
    let monitor = match &q.monitor {
        None => None,
        Some(m) => Some(crate::parse_id(m, "monitor")?),
    };
    Ok(Filter {
        monitor,
        severities,
        open,
        seen_before,
        before,
        limit,
    })
}

async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let now = state.store.now();
    let f = filter(&q, now)?;
    let project = auth.project.clone();
    let limit = f.limit;
    let rows = state
        .store
        .read(move |c| problems::list(c, &project, &f))
        .await?;
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|(p, _)| p.id))
        .flatten();
    let out = ProblemList {
        problems: rows.iter().map(|(p, n)| render(p, n, now)).collect(),
        next_before,
    };
    Ok(HttpResponse::Ok().json(out))
}

fn problem_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::BadRequest(format!("malformed problem id {raw:?}: a number")))
}

async fn get(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = problem_id(&path)?;
    let project = auth.project.clone();
    let (row, name) = state
        .store
        .read(move |c| problems::get(c, &project, id))
        .await?;
    Ok(HttpResponse::Ok().json(render(&row, &name, state.store.now())))
}

async fn change(
    auth: Auth,
    state: web::Data<AppState>,
    raw: &str,
    update: Update,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let id = problem_id(raw)?;
    let (project, actor, now) = (auth.project.clone(), auth.actor.clone(), state.store.now());
    let (row, name, notes) = state
        .store
        .write_beside_monitors(move |c| {
            let notes = problems::update(c, &project, id, update, &actor, now)?;
            let (row, name) = problems::get(c, &project, id)?;
            Ok((row, name, notes))
        })
        .await?;
    if notes > 0 {
        state.store.wake.outbox.notify_one();
    }
    Ok(HttpResponse::Ok().json(render(&row, &name, now)))
}

async fn acknowledge(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change(auth, state, &path, Update::Acknowledge).await
}

async fn resolve(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change(auth, state, &path, Update::Resolve).await
}

/// A text field: trimmed, at most `max` characters; empty clears it.
fn text_field(
    name: &str,
    v: Option<Option<String>>,
    max: usize,
) -> Result<Option<Option<String>>, ApiError> {
    Ok(match v {
        None => None,
        Some(None) => Some(None),
        Some(Some(s)) => {
            let t = s.trim().to_string();
            if t.chars().count() > max {
                return Err(ApiError::BadRequest(format!(
                    "{name} must be at most {max} characters"
                )));
            }
            Some((!t.is_empty()).then_some(t))
        }
    })
}

async fn patch(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: crate::body::Body<ProblemUpdate>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let now = state.store.now();
    let muted_until = match input.mute_for {
        None => None,
        Some(None) => Some(None),
        Some(Some(v)) => {
            let d: overdue_types::DurationInput = serde_json::from_value(v).map_err(|_| {
                ApiError::BadRequest("mute_for: seconds or a duration such as \"4h\"".into())
            })?;
            let d = crate::validate::duration("mute_for", &d)?;
            Some(Some(now.0 + d.millis()))
        }
    };
    let update = Update::Fields {
        assignee: text_field("assignee", input.assignee, 200)?,
        note: text_field("note", input.note, 5_000)?,
        ticket: text_field("ticket", input.ticket, 500)?,
        muted_until,
    };
    change(auth, state, &path, update).await
}

async fn stats(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let project = auth.project.clone();
    let since = state.store.now().0 - 30 * 86_400_000;
    let rows = state
        .store
        .read(move |c| problems::stats(c, &project, since))
        .await?;
    let out: Vec<ProblemStats> = rows
        .into_iter()
        .map(|s| ProblemStats {
            monitor_id: s.monitor_id,
            monitor_name: s.monitor_name,
            open: s.open,
            resolved: s.resolved,
            mean_time_to_acknowledge: s.mean_time_to_acknowledge,
            mean_time_to_resolve: s.mean_time_to_resolve,
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "monitors": out })))
}
