//! `/api/v1/channels`: where notifications go — e-mail, the chat, push and paging
//! services of the kinds table, webhooks.
//! Settings are for admins, and their secrets (a URL's path and query, header values,
//! a routing key) are shown masked after creation; a change that sends a masked value
//! back keeps the stored secret. Other roles see a channel's id, name, kind and health.

use actix_web::{web, HttpResponse};
use overdue_core::EventKind;
use std::time::Duration;

use overdue_notify::ChannelConfig;
use overdue_storage::alerting::channels::{self, NewChannel};
use overdue_storage::{alerting::messages, base::outbox, StoreError};
use overdue_types::{ChannelInput, ChannelPatch};

use crate::alerting::channel_input::{config_from, patched};
use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::http::parse::Limit;
use crate::{monitoring::render, parse_id, AppState};

/// Registers the channel routes (inside the `/api/v1` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/channel-kinds", web::get().to(kinds))
        .route("/channels", web::get().to(list))
        .route("/channels", web::post().to(create))
        .route("/channels/{id}", web::patch().to(patch))
        .route("/channels/{id}", web::delete().to(delete))
        .route("/channels/{id}/test", web::post().to(test))
        .route("/channels/{id}/deliveries", web::get().to(deliveries))
        .route("/deliveries", web::get().to(project_log));
}

/// A channel's name: 1 to 200 characters (the core's name rule).
fn channel_name(text: &str) -> Result<String, ApiError> {
    overdue_core::text::name("name", text, 200).map_err(ApiError::BadRequest)
}

/// The kinds of channel with their fields and help (the dashboard's form).
async fn kinds(_auth: Auth) -> HttpResponse {
    HttpResponse::Ok()
        .json(serde_json::json!({ "kinds": crate::alerting::channel_input::kinds_list() }))
}

async fn list(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let project = auth.project.clone();
    let (rows, health) = state
        .store
        .read(move |c| overdue_storage::alerting::views::channels(c, &project))
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
    body: crate::http::body::Body<ChannelInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let input = body.into_inner()?;
    let name = channel_name(&input.name)?;
    let (is_default, is_fallback) = (input.is_default, input.is_fallback.unwrap_or(false));
    let mut cfg = config_from(&input.kind, input.settings, state.config.email_enabled)?;
    if cfg.kind() != "webhook" && !state.config.site_url_given {
        return Err(ApiError::BadRequest(format!(
            "a {} channel sends links to this server (the monitor's page, the \
             acknowledgement link): set OVERDUE_SITE_URL to the address people reach it \
             at (now {}) and restart it",
            cfg.kind(),
            state.config.site_url
        )));
    }
    cfg.validate(state.config.address_policy)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let (kind, config) = (cfg.kind(), cfg.to_json());
    let project = auth.project.clone();
    let new = NewChannel {
        name,
        kind: kind.to_string(),
        config,
        is_default,
        is_fallback,
    };
    let row = state
        .store
        .write(move |tx| channels::create(tx, &project, new))
        .await?;
    Ok(HttpResponse::Created().json(render::channel(&row, true, None)))
}

async fn patch(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: crate::http::body::Body<ChannelPatch>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let id = parse_id(&path, "channel")?;
    let mut change = body.into_inner()?;
    let policy = state.config.address_policy;
    let project = auth.project.clone();
    let name = change.name.take().map(|n| channel_name(&n)).transpose()?;
    let (is_default, is_fallback) = (change.is_default.take(), change.is_fallback.take());
    // The stored settings are read inside the unit of work: a secret the change does
    // not repeat is kept, and checked with the rest.
    let change = move |row: &overdue_storage::base::models::ChannelRow| {
        let stored =
            ChannelConfig::from_stored(&row.kind, &row.config).map_err(StoreError::Internal)?;
        let mut cfg =
            patched(&stored, change.settings).map_err(|e| StoreError::Invalid(e.to_string()))?;
        cfg.validate(policy)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        Ok(NewChannel {
            name: name.unwrap_or_else(|| row.name.clone()),
            kind: row.kind.clone(),
            config: cfg.to_json(),
            is_default,
            is_fallback: is_fallback.unwrap_or(row.is_fallback),
        })
    };
    let row = state
        .store
        .write(move |tx| channels::update(tx, &project, &id, change))
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

/// A test message's state: `retrying` when its first attempt failed and the outbox
/// tries again.
fn state_of(r: &overdue_storage::base::models::OutboxRow) -> &str {
    match r.state.as_str() {
        "pending" if r.attempts > 0 => "retrying",
        other => other,
    }
}

/// How long a test waits for its delivery before answering "still pending".
const TEST_WAIT: Duration = Duration::from_secs(20);

/// Sends a test message and answers with the result of its first attempt (not
/// "queued"): 200 with `state` `sent` or `failed` and the error in plain words (each
/// recipient's in `results`: `sent`, `failed`, or `retrying` when the outbox tries
/// again), or 202 `pending` when the receiver takes longer than the wait.
async fn test(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let id = parse_id(&path, "channel")?;
    let (project, now) = (auth.project.clone(), state.store.now());
    let named = project.clone();
    let record = move |ch: &overdue_storage::base::models::ChannelRow| overdue_core::EventRecord {
        event: EventKind::Test,
        monitor: overdue_core::MonitorRef {
            uuid: String::new(),
            name: format!("Test notification for channel {}", ch.name),
            slug: None,
            tags: vec![],
            project: named,
            project_name: None,
        },
        status: "test".into(),
        previous_status: "test".into(),
        reason: None,
        detail: None,
        at: now.to_rfc3339(),
        problems: None,
        body: None,
        alert: None,
        expected: None,
        last_ping: None,
        expected_at: None,
        last_ping_at: None,
        run: None,
    };
    let ids = state
        .store
        .write(move |tx| messages::enqueue_test(tx, &project, &id, record))
        .await?;
    let started = std::time::Instant::now();
    let rows = loop {
        let wanted = ids.clone();
        let rows = state
            .store
            .read(move |c| outbox::get_many(c, &wanted))
            .await?;
        // The first attempt of each is the answer (a retry may follow, in the log).
        let done = rows.iter().all(|r| r.state != "pending" || r.attempts > 0);
        if done || started.elapsed() >= TEST_WAIT {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let results: Vec<_> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "notification": r.id,
                "recipient": r.recipient,
                "state": state_of(r),
                "error": r.last_error,
            })
        })
        .collect();
    let states: Vec<&str> = rows.iter().map(state_of).collect();
    let overall = if states.contains(&"pending") {
        "pending"
    } else if states.iter().all(|s| *s == "sent") {
        "sent"
    } else {
        "failed"
    };
    let body = serde_json::json!({
        "notification": ids.first(),
        "state": overall,
        "error": rows.iter().find_map(|r| r.last_error.clone()),
        "results": results,
    });
    Ok(if overall == "pending" {
        HttpResponse::Accepted().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

async fn deliveries(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<Limit>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "channel")?;
    log(auth, state, Some(id), q.get()?).await
}

/// `GET /api/v1/deliveries`: the project's notification log, every channel.
async fn project_log(
    auth: Auth,
    state: web::Data<AppState>,
    q: web::Query<Limit>,
) -> Result<HttpResponse, ApiError> {
    log(auth, state, None, q.get()?).await
}

async fn log(
    auth: Auth,
    state: web::Data<AppState>,
    channel: Option<String>,
    limit: i64,
) -> Result<HttpResponse, ApiError> {
    let project = auth.project.clone();
    let rows = state
        .store
        .read(move |c| channels::delivery_log(c, &project, channel.as_deref(), limit))
        .await?;
    Ok(HttpResponse::Ok().json(
        serde_json::json!({ "deliveries": rows.iter().map(render::delivery).collect::<Vec<_>>() }),
    ))
}
