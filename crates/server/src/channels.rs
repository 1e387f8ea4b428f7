//! `/api/v1/channels`: where notifications go. Settings are for admins, and their
//! secrets (the URL's path and query, header values) are shown masked after creation; a
//! change that sends a masked value back keeps the stored secret. Other roles see a
//! channel's id, name, kind and health.

use actix_web::{web, HttpResponse};
use overdue_core::EventKind;
use overdue_notify::WebhookConfig;
use overdue_storage::{channels, outbox, StoreError};
use overdue_types::{ChannelInput, ChannelPatch};

use crate::auth::Auth;
use crate::error::ApiError;
use crate::parse::Limit;
use crate::{parse_id, render, AppState};

/// Registers the channel routes (inside the `/api/v1` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/channels", web::get().to(list))
        .route("/channels", web::post().to(create))
        .route("/channels/{id}", web::patch().to(patch))
        .route("/channels/{id}", web::delete().to(delete))
        .route("/channels/{id}/test", web::post().to(test))
        .route("/channels/{id}/deliveries", web::get().to(deliveries));
}

/// A channel's name: 1 to 200 characters.
fn channel_name(text: &str) -> Result<String, ApiError> {
    let name = text.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::BadRequest("name must be 1-200 characters".into()));
    }
    Ok(name)
}

async fn list(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let project = auth.project.clone();
    let (rows, health) = state
        .store
        .read(move |c| {
            let rows = channels::list(c, &project)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            Ok((rows, channels::health(c, &ids)?))
        })
        .await?;
    let manage = auth.role.can_manage();
    let out: Vec<_> = rows
        .iter()
        .map(|r| render::channel(r, manage, health.get(&r.id).copied()))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "channels": out })))
}

async fn create(
    auth: Auth,
    state: web::Data<AppState>,
    body: crate::body::Body<ChannelInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let input = body.into_inner()?;
    if input.kind != "webhook" {
        return Err(ApiError::BadRequest(format!(
            "unknown channel kind {:?}: supported kinds are {}",
            input.kind,
            overdue_notify::CHANNEL_KINDS.join(", ")
        )));
    }
    let name = channel_name(&input.name)?;
    let mut cfg = WebhookConfig {
        url: input
            .url
            .ok_or_else(|| ApiError::BadRequest("url is required for a webhook channel".into()))?,
        method: input.method.unwrap_or_else(|| "POST".into()),
        headers: input.headers,
        body: input.body,
    };
    cfg.validate(state.config.address_policy)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let config = serde_json::to_string(&cfg).map_err(|e| ApiError::Internal(e.to_string()))?;
    let (project, now) = (auth.project.clone(), state.store.now());
    let row = state
        .store
        .write(move |tx| channels::create(tx, &project, &name, "webhook", &config, now))
        .await?;
    Ok(HttpResponse::Created().json(render::channel(&row, true, None)))
}

async fn patch(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: crate::body::Body<ChannelPatch>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let id = parse_id(&path, "channel")?;
    let change = body.into_inner()?;
    let policy = state.config.address_policy;
    let project = auth.project.clone();
    let row = state
        .store
        .write(move |tx| {
            let row = channels::get(tx.conn(), &project, &id)?;
            let stored: WebhookConfig = serde_json::from_str(&row.config)
                .map_err(|e| StoreError::Internal(format!("stored channel settings: {e}")))?;
            let mut cfg = WebhookConfig {
                url: change.url.unwrap_or_else(|| stored.url.clone()),
                method: change.method.unwrap_or_else(|| stored.method.clone()),
                headers: change.headers.unwrap_or_else(|| stored.headers.clone()),
                body: match change.body {
                    Some(b) if b.trim().is_empty() => None,
                    Some(b) => Some(b),
                    None => stored.body.clone(),
                },
            };
            cfg.keep_secrets(&stored);
            cfg.validate(policy)
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let name = match change.name {
                Some(n) => channel_name(&n).map_err(|e| StoreError::Invalid(e.to_string()))?,
                None => row.name.clone(),
            };
            let config =
                serde_json::to_string(&cfg).map_err(|e| StoreError::Internal(e.to_string()))?;
            channels::update(tx, &project, &id, &name, &config)
        })
        .await?;
    Ok(HttpResponse::Ok().json(render::channel(&row, true, None)))
}

async fn delete(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let id = parse_id(&path, "channel")?;
    let project = auth.project.clone();
    state
        .store
        .write(move |tx| channels::delete(tx, &project, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn test(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let id = parse_id(&path, "channel")?;
    let (project, now) = (auth.project.clone(), state.store.now());
    let n = state
        .store
        .write(move |tx| {
            let ch = channels::get(tx.conn(), &project, &id)?;
            let ev = overdue_core::EventRecord {
                event: EventKind::Test,
                monitor: overdue_core::MonitorRef {
                    uuid: String::new(),
                    name: format!("Test notification for channel {}", ch.name),
                    slug: None,
                    tags: vec![],
                    project: project.clone(),
                },
                status: "test".into(),
                previous_status: "test".into(),
                reason: None,
                detail: None,
                at: now.to_rfc3339(),
                problems: None,
                body: None,
            };
            let payload = serde_json::to_string(&ev)
                .map_err(|e| overdue_storage::StoreError::Internal(e.to_string()))?;
            outbox::enqueue(
                tx,
                &project,
                &ch.id,
                EventKind::Test.as_str(),
                &payload,
                now,
            )
        })
        .await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "notification": n })))
}

async fn deliveries(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<Limit>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "channel")?;
    let limit = q.get()?;
    let project = auth.project.clone();
    let rows = state
        .store
        .read(move |c| channels::deliveries(c, &project, &id, limit))
        .await?;
    Ok(HttpResponse::Ok().json(
        serde_json::json!({ "deliveries": rows.iter().map(render::delivery).collect::<Vec<_>>() }),
    ))
}
