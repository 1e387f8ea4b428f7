//! Problems (docs/behaviour.md, "Problems (per-unit errors)") in `/api/v1/problems`: list,
//! acknowledge, assign, note, link a
//! ticket, mute and resolve them. Reports arrive on the ping URLs (`ping::problems`).

use actix_web::{web, HttpResponse};
use overdue_core::Timestamp;
use overdue_storage::monitoring::problems::{self, Filter, ProblemRow, Update};
use overdue_types::{Problem, ProblemList, ProblemStats, ProblemUpdate};
use serde::Deserialize;
use serde_json::json;

use crate::http::auth::Auth;
use crate::http::error::ApiError;
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

/// A stored problem as the API shows it.
pub fn render(p: &ProblemRow, monitor_name: &str, now: Timestamp) -> Problem {
    let at = |t: i64| Timestamp(t).to_rfc3339();
    let status = overdue_core::problem::display_status(
        p.resolved_at.is_some(),
        p.muted_until.map(Timestamp),
        p.acknowledged_at.is_some(),
        now,
    );
    Problem {
        id: p.id,
        monitor_id: overdue_core::PublicRef::of(&p.monitor_id).into(),
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
    Ok(Filter {
        // Resolved by the caller (a public reference or a UUID).
        monitor: None,
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
    let mut f = filter(&q, now)?;
    if let Some(m) = q.monitor.as_deref().filter(|m| !m.trim().is_empty()) {
        f.monitor = Some(crate::monitoring::ops::owned_monitor(&state, &auth, m, "monitor").await?);
    }
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
    crate::http::parse::number_id(raw, "problem")
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
    let (row, name) = state
        .store
        .write(move |tx| problems::change(tx, &project, id, update, &actor))
        .await?;
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
    body: crate::http::body::Body<ProblemUpdate>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let input = body.into_inner()?;
    let now = state.store.now();
    let muted_until = match input.mute_for {
        None => None,
        Some(None) => Some(None),
        Some(Some(v)) => {
            let d: overdue_types::DurationInput = serde_json::from_value(v).map_err(|_| {
                ApiError::BadRequest("mute_for: seconds or a duration such as \"4h\"".into())
            })?;
            let d = crate::monitoring::validate::duration("mute_for", &d)?;
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
            monitor_id: overdue_core::PublicRef::of(&s.monitor_id).into(),
            monitor_name: s.monitor_name,
            open: s.open,
            resolved: s.resolved,
            mean_time_to_acknowledge: s.mean_time_to_acknowledge,
            mean_time_to_resolve: s.mean_time_to_resolve,
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "monitors": out })))
}
