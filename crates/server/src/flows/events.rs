//! Flow events (docs/behaviour.md, "Flows (entity SLAs)"): `POST
//! /flow/<ping_key>/<flow>/<entity>/<stage>[?at=]`
//! (curl-friendly, answered like a ping: 200 means stored) and `POST
//! /api/v1/flows/<flow>/events` with up to 10,000 events, plain or in CloudEvents
//! envelopes (read by `crate::flows::intake`: what cannot be read is kept aside and
//! answered 422); `GET /api/v1/flows/<flow>/entities/<id>` shows one entity with its
//! history and attributes.

use actix_web::{web, HttpResponse};
use overdue_storage::flows::{self, EventIn};
use overdue_types as t;
use serde::Deserialize;

use super::intake::{BODY_LIMIT, MAX_EVENTS};
use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::AppState;

/// Registers the batch and entity routes (inside `/api/v1`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/flows/{flow}/events", web::post().to(batch))
        .route("/flows/{flow}/entities/{entity}", web::get().to(entity))
        .route("/flows/{flow}/events.ndjson", web::get().to(export));
}

/// Registers the curl-friendly event URL (outside `/api/v1`: the ping key is the
/// credential, as for slug pings).
pub fn event_url(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/flow/{ping_key}/{flow}/{entity}/{stage}",
        web::route().to(single),
    );
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AtQuery {
    at: Option<String>,
}

async fn single(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String, String)>,
    query: web::Query<AtQuery>,
) -> Result<HttpResponse, ApiError> {
    use actix_web::http::Method;
    if ![Method::GET, Method::POST, Method::PUT, Method::HEAD].contains(req.method()) {
        return Err(ApiError::MethodNotAllowed(
            "send the event with POST (or GET): /flow/<ping_key>/<flow>/<entity>/<stage>".into(),
        ));
    }
    let (key, slug, entity, stage) = path.into_inner();
    crate::http::rate::admit(&state, crate::http::rate::Sender::PingKey(&key), 1).await?;
    let at_text = query.into_inner().at;
    let raw = format!(
        "{} /flow/<ping key>/{slug}/{entity}/{stage}{}",
        req.method(),
        at_text
            .as_ref()
            .map(|a| format!("?at={a}"))
            .unwrap_or_default()
    );
    let at = at_text
        .map(|a| crate::http::parse::time_of("at", &a))
        .transpose();
    let (k, s) = (key.clone(), slug.clone());
    let attempt = match at {
        Err(e) => Err(e),
        Ok(at) => state
            .store
            .write(move |tx| {
                let events = [EventIn {
                    entity,
                    stage,
                    at: at.map(|a| a.0),
                    attributes: None,
                    message_id: None,
                }];
                flows::record(tx, flows::FlowOf::PingKey { key: &k, slug: &s }, &events)
            })
            .await
            .map_err(ApiError::from),
    };
    let reason = match attempt {
        Ok(out) => {
            let applied = out.first().is_some_and(|e| e.applied);
            return Ok(
                HttpResponse::Ok().json(serde_json::json!({ "stored": 1, "applied": applied }))
            );
        }
        Err(ApiError::BadRequest(reason)) => reason,
        Err(other) => return Err(other),
    };
    // An event that cannot be read is kept aside, never lost for its form (docs/behaviour.md, "Pings").
    let why = reason.clone();
    state
        .store
        .write(move |tx| flows::aside::keep_for_ping_key(tx, &key, &slug, why, raw))
        .await?;
    Ok(
        HttpResponse::UnprocessableEntity().json(t::FlowEventsResult {
            stored: 0,
            applied: 0,
            duplicates: 0,
            kept_aside: 1,
            error: Some(format!(
                "{reason} (kept aside: GET /api/v1/kept-aside; the Flows page)"
            )),
            problems: vec![reason],
        }),
    )
}

async fn batch(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    // Another project's flow is a 404 before anything of the body is looked at.
    let (project, slug) = (auth.project.clone(), path.into_inner());
    let flow = state
        .store
        .read(move |c| flows::get(c, &project, &slug))
        .await?;
    let hint = format!("send at most {MAX_EVENTS} events per request");
    let body = crate::http::body::read_capped(payload, BODY_LIMIT, &hint).await?;
    let taken = crate::flows::intake::take(&state, &req, flow, &body, "http").await?;
    Ok(taken.answer())
}

async fn entity(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let project = auth.project.clone();
    let (row, history) = state
        .store
        .read(move |c| flows::entity_of(c, &project, &slug, &id, 1_000))
        .await?;
    let Some(row) = row else {
        return Err(ApiError::NotFound(
            "no such entity in this flow (never seen, or finished longer ago than the retention)"
                .into(),
        ));
    };
    let ts = crate::monitoring::render::ts;
    Ok(HttpResponse::Ok().json(t::FlowEntity {
        entity: row.entity,
        stage: row.stage,
        entered_at: ts(row.entered_at),
        due_at: row.due_at.map(ts),
        breach_alert: row.breach_alert,
        finished_at: row.finished_at.map(ts),
        attributes: row
            .attributes
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok()),
        history: history
            .into_iter()
            .map(|h| t::FlowEvent {
                stage: h.stage,
                at: ts(h.at),
                received_at: ts(h.received_at),
                applied: h.applied,
            })
            .collect(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    since: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/flows/<flow>/events.ndjson?since=<RFC 3339>&limit=`: the flow's events
/// and breaches as NDJSON (one JSON document per line, `"type": "event"` or
/// `"breach"`), for an Elasticsearch/OpenSearch ingest. `X-Next-Since` names the
/// `since` of the next page when this one was full.
async fn export(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let since = q
        .since
        .as_deref()
        .map(|s| crate::http::parse::time_of("since", s))
        .transpose()?
        .map_or(0, |t| t.0);
    let limit = q.limit.unwrap_or(10_000);
    if !(1..=100_000).contains(&limit) {
        return Err(ApiError::BadRequest(
            "limit must be between 1 and 100000".into(),
        ));
    }
    let (project, slug) = (auth.project.clone(), path.into_inner());
    let (flow, events, breaches, attributes) = state
        .store
        .read(move |c| flows::export_of(c, &project, &slug, since, limit))
        .await?;
    let ts = crate::monitoring::render::ts;
    let mut out = String::new();
    for e in &events {
        let mut line = serde_json::json!({
            "type": "event", "flow": flow.slug, "entity": e.entity, "stage": e.stage,
            "at": ts(e.at), "received_at": ts(e.received_at), "applied": e.applied,
        });
        // The entity's attributes now, so a dashboard can filter by them.
        if let Some(a) = attributes.get(&e.entity) {
            line["attributes"] = serde_json::from_str(a).unwrap_or_default();
        }
        out.push_str(&line.to_string());
        out.push('\n');
    }
    for a in &breaches {
        let line = serde_json::json!({
            "type": "breach", "flow": flow.slug, "alert": a.id, "summary": a.summary,
            "severity": a.severity, "status": a.status, "opened_at": ts(a.opened_at),
            "resolved_at": a.resolved_at.map(ts),
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    let mut res = HttpResponse::Ok();
    res.content_type("application/x-ndjson");
    if events.len() as i64 == limit {
        if let Some(last) = events.last() {
            res.insert_header(("X-Next-Since", ts(last.received_at)));
        }
    }
    Ok(res.body(out))
}
