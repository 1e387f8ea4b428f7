//! Flow events (docs/behaviour.md, "Flows (entity SLAs)"): `POST
//! /flow/<ping_key>/<flow>/<entity>/<stage>[?at=]`
//! (curl-friendly, answered like a ping: 200 means stored) and `POST
//! /api/v1/flows/<flow>/events` with a JSON batch of up to 10,000 (read through the
//! flow's mapping when it has one, else in Overdue's own form; the fields not read kept
//! as the entity's attributes; checked whole: one bad item refuses the batch, naming
//! it); `GET /api/v1/flows/<flow>/entities/<id>` shows one entity with its history and
//! attributes.

use actix_web::{web, HttpResponse};
use overdue_storage::flows::{self, EventIn};
use overdue_types as t;
use serde::Deserialize;

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::AppState;

/// Most events in one batch.
pub const MAX_EVENTS: usize = 10_000;
/// Largest batch body.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

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
    let at = query
        .into_inner()
        .at
        .map(|a| crate::http::parse::time_of("at", &a))
        .transpose()?;
    let out = state
        .store
        .write(move |tx| {
            let events = [EventIn {
                entity,
                stage,
                at: at.map(|a| a.0),
                attributes: None,
            }];
            let of = flows::FlowOf::PingKey {
                key: &key,
                slug: &slug,
            };
            flows::record(tx, of, &events)
        })
        .await?;
    let applied = out.first().is_some_and(|e| e.applied);
    Ok(HttpResponse::Ok().json(serde_json::json!({ "stored": 1, "applied": applied })))
}

async fn batch(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
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
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body is not JSON ({e}): send [{{\"entity\": \"12345\", \"stage\": \"authorized\"}}]"
        ))
    })?;
    let list = match value {
        serde_json::Value::Array(a) => a,
        one @ serde_json::Value::Object(_) => vec![one],
        _ => {
            return Err(ApiError::BadRequest(
                "send a list of events: [{\"entity\": \"12345\", \"stage\": \"authorized\"}]"
                    .into(),
            ))
        }
    };
    if list.len() > MAX_EVENTS {
        return Err(ApiError::TooLarge(format!(
            "{} events in one request: {hint}",
            list.len()
        )));
    }
    // Read through the flow's mapping when it has one, else in Overdue's own form;
    // either way the fields not read are kept as the entity's attributes.
    let def = flow.def();
    let names: Vec<&str> = def
        .stages
        .iter()
        .map(|s| s.name.as_str())
        .chain(def.terminal.iter().map(String::as_str))
        .collect();
    let mut events = Vec::with_capacity(list.len());
    for (i, v) in list.into_iter().enumerate() {
        let read = match &def.mapping {
            Some(m) => m.apply(&v, &names).map(|got| EventIn {
                entity: got.entity,
                stage: got.stage,
                at: got.at,
                attributes: got.attributes,
            }),
            None => own_form(v),
        };
        events.push(read.map_err(|m| ApiError::BadRequest(format!("events[{i}]: {m}")))?);
    }
    let project = auth.project.clone();
    let out = state
        .store
        .write(move |tx| {
            let of = flows::FlowOf::Project {
                project: &project,
                flow: &flow.id,
            };
            flows::record(tx, of, &events)
        })
        .await?;
    Ok(HttpResponse::Ok().json(t::FlowEventsResult {
        stored: out.len(),
        applied: out.iter().filter(|e| e.applied).count(),
    }))
}

/// An event in Overdue's own form, `{"entity", "stage", "at"}`: the entity a string or
/// a number, `at` RFC 3339; other fields kept as attributes.
fn own_form(v: serde_json::Value) -> Result<EventIn, String> {
    let serde_json::Value::Object(all) = v else {
        return Err(
            "an event is an object: {\"entity\": \"12345\", \"stage\": \"authorized\"}".into(),
        );
    };
    let entity = match all.get("entity") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(other) => return Err(format!("entity: {other} is not an id")),
        None => return Err("entity is missing".into()),
    };
    let stage = match all.get("stage") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => return Err(format!("stage: {other} is not a stage name")),
        None => return Err("stage is missing".into()),
    };
    let at = match all.get("at") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(text)) => Some(
            crate::http::parse::time_of("at", text)
                .map_err(|e| e.to_string())?
                .0,
        ),
        Some(other) => return Err(format!("at: {other} is not an RFC 3339 time")),
    };
    let read = ["entity".to_string(), "stage".to_string(), "at".to_string()];
    Ok(EventIn {
        entity,
        stage,
        at,
        attributes: overdue_core::flow::mapping::attributes_of(&all, &read),
    })
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
