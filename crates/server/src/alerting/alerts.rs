//! `/api/v1/alerts`: every notifying condition of a project (a down episode, a problem
//! occurrence, a one-shot event), its messages, and acknowledging it.

use actix_web::{web, HttpResponse};
use overdue_core::{AlertKind, AlertStatus};
use overdue_storage::alerting::alerts::AlertRow;
use overdue_storage::alerting::triage::Filter;
use overdue_types::{AcknowledgeInput, Alert, AlertDetail, AlertList, AlertMessage, Delivery};
use serde::Deserialize;

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::AppState;

/// Registers the alert routes (inside the `/api/v1` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/alerts", web::get().to(list))
        .route("/alerts/acknowledge", web::post().to(acknowledge_many))
        .route("/alerts/resolve", web::post().to(resolve_many))
        .route("/alerts/{id}", web::get().to(get))
        .route("/alerts/{id}/acknowledge", web::post().to(acknowledge));
}

fn ts(ms: i64) -> String {
    overdue_core::Timestamp(ms).to_rfc3339()
}

/// An alert for the API (its monitor named by public reference, never its ping code).
pub fn render(a: &AlertRow) -> Alert {
    Alert {
        id: a.id,
        kind: a.kind.clone(),
        status: a.status.clone(),
        severity: a.severity.clone(),
        summary: a.summary.clone(),
        dedup_key: a.dedup_key.clone(),
        monitor: a
            .monitor_id
            .as_deref()
            .map(|m| overdue_core::PublicRef::of(m).into()),
        flow: a.flow_id.clone(),
        problem: a.problem_id,
        group: a.group_id.filter(|g| *g != a.id),
        opened_at: ts(a.opened_at),
        acknowledged_at: a.acknowledged_at.map(ts),
        acknowledged_by: a.acknowledged_by.clone(),
        note: a.ack_note.clone(),
        resolved_at: a.resolved_at.map(ts),
        resolved_reason: a.resolved_reason.clone(),
        held_until: None,
        held_by: None,
        monitor_name: None,
        flow_name: None,
    }
}

/// Marks the alerts a silence or a quiet route holds (`holds`: alert, kind, due).
fn mark_held(alerts: &mut [Alert], holds: &[(i64, String, i64)]) {
    for a in alerts.iter_mut() {
        if let Some((_, kind, due)) = holds.iter().find(|(id, _, _)| *id == a.id) {
            a.held_until = Some(ts(*due));
            a.held_by = Some(
                if kind == "silence" {
                    "silence"
                } else {
                    "quiet route"
                }
                .into(),
            );
        }
    }
}

/// `GET /api/v1/alerts` query.
#[derive(Debug, Deserialize)]
struct ListQuery {
    status: Option<String>,
    monitor: Option<String>,
    kind: Option<String>,
    severity: Option<String>,
    tag: Option<String>,
    channel: Option<String>,
    held: Option<String>,
    before: Option<String>,
    limit: Option<String>,
}

/// The non-empty items of a comma-separated list (`severity=critical,error`).
fn items(raw: &Option<String>) -> impl Iterator<Item = &str> {
    raw.as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn filter(q: &ListQuery) -> Result<Filter, ApiError> {
    let bad = |m: String| ApiError::BadRequest(m);
    let status = match q.status.as_deref().map(str::trim) {
        None | Some("all") => None,
        Some(s) => Some(AlertStatus::parse(s).ok_or_else(|| {
            bad(format!(
                "status {s:?}: use open, acknowledged, resolved or all"
            ))
        })?),
    };
    let kinds = items(&q.kind)
        .map(|k| {
            AlertKind::parse(k).ok_or_else(|| {
                bad(format!(
                    "kind {k:?}: use down, problem, flow, event, channel or test (several: down,problem)"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut severities = Vec::new();
    for sv in items(&q.severity) {
        if !overdue_core::route::SEVERITIES.contains(&sv) {
            return Err(bad(format!(
                "severity {sv:?}: use critical, error, warning or info (several: critical,error)"
            )));
        }
        severities.push(sv.to_string());
    }
    let tags: Vec<String> = items(&q.tag).map(str::to_string).collect();
    let held = match q.held.as_deref().map(str::trim) {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(h) => return Err(bad(format!("held must be true or false, not {h:?}"))),
    };
    let before = match &q.before {
        None => None,
        Some(b) => Some(
            b.trim()
                .parse::<i64>()
                .map_err(|_| bad(format!("before must be an alert id, not {b:?}")))?,
        ),
    };
    let limit = match &q.limit {
        None => 100,
        Some(l) => match l.trim().parse::<i64>() {
            Ok(n @ 1..=1_000) => n,
            _ => return Err(bad(format!("limit must be 1-1000, got {l:?}"))),
        },
    };
    Ok(Filter {
        status,
        monitor: None,
        kinds,
        severities,
        tags,
        channel: None,
        held,
        before,
        limit,
    })
}

async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut f = filter(&q)?;
    if let Some(m) = q.monitor.as_deref().filter(|m| !m.trim().is_empty()) {
        f.monitor = Some(crate::monitoring::ops::owned_monitor(&state, &auth, m, "monitor").await?);
    }
    if let Some(ch) = q.channel.as_deref().filter(|c| !c.trim().is_empty()) {
        f.channel = Some(crate::parse_id(ch.trim(), "channel")?);
    }
    let project = auth.project.clone();
    let limit = f.limit;
    let page = state
        .store
        .read(move |c| overdue_storage::alerting::views::alerts_page(c, &project, &f))
        .await?;
    let next_before = (page.rows.len() as i64 == limit)
        .then(|| page.rows.last().map(|a| a.id))
        .flatten();
    let name = |id: &Option<String>| id.as_ref().and_then(|i| page.names.get(i).cloned());
    let mut out: Vec<Alert> = page
        .rows
        .iter()
        .map(|a| Alert {
            monitor_name: name(&a.monitor_id),
            flow_name: name(&a.flow_id),
            ..render(a)
        })
        .collect();
    mark_held(&mut out, &page.holds);
    Ok(HttpResponse::Ok().json(AlertList {
        alerts: out,
        next_before,
    }))
}

fn alert_id(raw: &str) -> Result<i64, ApiError> {
    crate::http::parse::number_id(raw, "alert")
}

async fn get(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = alert_id(&path)?;
    let project = auth.project.clone();
    let (alert, messages, attempts) = state
        .store
        .read(move |c| overdue_storage::alerting::views::alert(c, &project, id))
        .await?;
    let messages = messages
        .iter()
        .map(|m| AlertMessage {
            notification: m.id,
            channel: m.channel_id.clone().unwrap_or_default(),
            transition: m.transition.clone(),
            event: m.event.clone(),
            recipient: m.recipient.clone(),
            state: m.state.clone(),
            attempts: m.attempts,
            last_error: m.last_error.clone(),
            created_at: ts(m.created_at),
            done_at: m.done_at.map(ts),
            deliveries: attempts
                .iter()
                .filter(|d| d.outbox_id == m.id)
                .map(|d| Delivery {
                    notification: d.outbox_id,
                    attempt: d.attempt,
                    at: ts(d.attempted_at),
                    status_code: d.status_code,
                    error: d.error.clone(),
                    duration_ms: d.duration_ms,
                    event: Some(m.event.clone()),
                    monitor: None,
                    channel: None,
                    recipient: (!m.recipient.is_empty()).then(|| m.recipient.clone()),
                })
                .collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(AlertDetail {
        alert: render(&alert),
        messages,
    }))
}

/// The longest acknowledgement note.
const MAX_NOTE: usize = 5_000;

/// The most alerts one bulk acknowledgement takes.
const MAX_BULK: usize = 1_000;

/// A note from input: trimmed, empty is none, checked as prose.
fn ack_note(note: Option<String>) -> Result<Option<String>, ApiError> {
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if let Some(n) = &note {
        overdue_core::text::prose("note", n, MAX_NOTE).map_err(ApiError::BadRequest)?;
    }
    Ok(note)
}

/// The ids of a bulk action: 1 to [`MAX_BULK`], each once, in order.
fn bulk_ids(mut ids: Vec<i64>) -> Result<Vec<i64>, ApiError> {
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(ApiError::BadRequest(format!(
            "ids must list 1 to {MAX_BULK} alerts, got {}",
            ids.len()
        )));
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

async fn resolve_many(
    auth: Auth,
    state: web::Data<AppState>,
    body: crate::http::body::Body<overdue_types::ResolveManyInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let ids = bulk_ids(body.into_inner()?.ids)?;
    let (project, by) = (auth.project.clone(), auth.actor.clone());
    let (resolved, already, kept) = state
        .store
        .write(move |tx| {
            overdue_storage::monitoring::problems::resolve_alerts(tx, &project, &ids, &by)
        })
        .await?;
    Ok(HttpResponse::Ok().json(overdue_types::ResolvedMany {
        resolved,
        already,
        kept,
    }))
}

async fn acknowledge_many(
    auth: Auth,
    state: web::Data<AppState>,
    body: crate::http::body::Body<overdue_types::AcknowledgeManyInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let input = body.into_inner()?;
    let note = ack_note(input.note)?;
    let ids = bulk_ids(input.ids)?;
    let (project, by) = (auth.project.clone(), auth.actor.clone());
    let (acknowledged, already, resolved) = state
        .store
        .write(move |tx| {
            overdue_storage::alerting::acks::acknowledge_many(
                tx,
                &project,
                &ids,
                &by,
                note.as_deref(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(overdue_types::AcknowledgedMany {
        acknowledged,
        already,
        resolved,
    }))
}

async fn acknowledge(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: crate::http::body::MaybeBody<AcknowledgeInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let id = alert_id(&path)?;
    let input = body.into_inner()?;
    let note = ack_note(input.note)?;
    let (project, by) = (auth.project.clone(), auth.actor.clone());
    let done = state
        .store
        .write(move |tx| {
            overdue_storage::alerting::acks::acknowledge(tx, &project, id, &by, note.as_deref())
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "alert": render(&done.alert),
        "already": !done.changed,
    })))
}
