//! `/api/v1/flows` (docs/behaviour.md, "Flows (entity SLAs)"): a project's flows — list,
//! create, read, change, delete —
//! with per stage the entities in it and breached now. Reading is for every role;
//! changing is for admins, as for routes. Events and entities: `flow_events`.

pub mod calendars;
pub mod events;
pub mod intake;
pub mod jwt;
pub mod kept_aside;
pub mod push;

use actix_web::{web, HttpResponse};
use overdue_core::flow::stats::Aggregate;
use overdue_core::flow::{FlowDef, Stage};
use overdue_storage::flows::{self, FlowRow, NewFlow};
use overdue_types as t;

use crate::http::auth::Auth;
use crate::http::body::Body;
use crate::http::error::ApiError;
use crate::AppState;

/// Registers the flows' routes (inside the `/api/v1` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/flows", web::get().to(list))
        .route("/flows", web::post().to(create))
        .route("/flows/{flow}", web::get().to(get))
        .route("/flows/{flow}", web::patch().to(patch))
        .route("/flows/{flow}", web::delete().to(delete))
        .configure(crate::flows::calendars::routes)
        .configure(crate::flows::events::routes)
        .configure(crate::flows::kept_aside::routes);
}

/// A flow with its stages' counts; the event URL only for roles that may write.
fn render(r: &FlowRow, loaded: flows::Overview, ping_key: Option<&str>, site: &str) -> t::Flow {
    let flows::Overview {
        counts,
        channels,
        times,
    } = loaded;
    let def = r.def();
    let count = |name: &str| {
        counts
            .iter()
            .find(|(s, _, _)| s == name)
            .map_or((0, 0), |(_, n, b)| (*n, *b))
    };
    t::Flow {
        id: r.id.clone(),
        name: r.name.clone(),
        slug: r.slug.clone(),
        stages: def
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (entities, breached) = count(&s.name);
                let [p50, p95, p50_before, p95_before] = times.get(i).copied().unwrap_or_default();
                t::FlowStage {
                    name: s.name.clone(),
                    sla: s.sla_ms / 1_000,
                    severity: s.severity.clone(),
                    calendar: s.calendar.clone(),
                    aggregate: s.aggregate.as_ref().map(|a| {
                        serde_json::json!({"count": a.count, "percent": a.percent, "window": a.window_ms / 1_000})
                    }),
                    p50,
                    p95,
                    p50_before,
                    p95_before,
                    entities,
                    breached,
                }
            })
            .collect(),
        terminal: def.terminal,
        tags: r.tags.clone(),
        channels,
        retention: r.retention_ms / 1_000,
        event_url: ping_key.map(|k| format!("{site}/flow/{k}/{}/<entity>/<stage>", r.slug)),
        push_url: ping_key.map(|k| format!("{site}/push/{}/{}?token={k}", r.project_id, r.slug)),
        mapping: def
            .mapping
            .as_ref()
            .and_then(|m| serde_json::to_value(m).ok()),
        created_at: crate::monitoring::render::ts(r.created_at),
        updated_at: crate::monitoring::render::ts(r.updated_at),
    }
}

/// The slug of a flow's name (the core's rule), checked as every slug is.
fn slug_of(name: &str) -> Result<String, ApiError> {
    overdue_core::text::name("name", name, 200).map_err(ApiError::BadRequest)?;
    let slug = overdue_core::flow::slug_of(name).ok_or_else(|| {
        ApiError::BadRequest(
            "name must be 1-200 characters with at least one letter or digit (its slug names the flow in URLs)".into(),
        )
    })?;
    crate::http::parse::slug(&slug)
}

/// The stages and terminal stages from input, checked by the core's rules.
fn def_of(stages: &[t::StageInput], terminal: Vec<String>) -> Result<FlowDef, ApiError> {
    let mut out = Vec::with_capacity(stages.len());
    for (i, s) in stages.iter().enumerate() {
        let sla = crate::monitoring::validate::duration(&format!("stages[{i}].sla"), &s.sla)?;
        out.push(Stage {
            name: s.name.clone(),
            sla_ms: sla.millis(),
            severity: s.severity.clone().unwrap_or_else(|| "error".into()),
            calendar: s.calendar.clone(),
            aggregate: match &s.aggregate {
                None => None,
                Some(a) => Some(Aggregate {
                    count: a.count,
                    percent: a.percent,
                    window_ms: crate::monitoring::validate::duration(
                        &format!("stages[{i}].aggregate.window"),
                        &a.window,
                    )?
                    .millis(),
                }),
            },
        });
    }
    let def = FlowDef {
        stages: out,
        terminal,
        mapping: None,
    };
    def.validate()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(def)
}

/// `def` with `mapping` (strict: a configuration), checked against its stages.
fn with_mapping(mut def: FlowDef, mapping: Option<serde_json::Value>) -> Result<FlowDef, ApiError> {
    def.mapping = mapping
        .map(|m| {
            crate::http::body::typed::<overdue_core::flow::mapping::Mapping>(m).map_err(|e| match e
            {
                ApiError::BadRequest(m) => ApiError::BadRequest(format!("mapping: {m}")),
                other => other,
            })
        })
        .transpose()?;
    def.validate()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(def)
}

fn tags_of(tags: Option<String>) -> Result<String, ApiError> {
    let tags = tags.unwrap_or_default();
    overdue_core::text::label("tags", &tags.replace(['\n', '\t'], " "), 5_100)
        .map_err(ApiError::BadRequest)?;
    let list: Vec<&str> = tags.split_whitespace().collect();
    if list.iter().any(|t| t.len() > 100) || list.len() > 50 {
        return Err(ApiError::BadRequest(
            "tags: at most 50 tags of at most 100 characters, separated by spaces".into(),
        ));
    }
    Ok(list.join(" "))
}

fn retention_of(d: Option<&t::DurationInput>, stored: i64) -> Result<i64, ApiError> {
    match d {
        None => Ok(stored),
        Some(d) => Ok(crate::monitoring::validate::duration("retention", d)?.millis()),
    }
}

/// One flow as the API shows it.
async fn one(state: &AppState, auth: &Auth, slug: String) -> Result<t::Flow, ApiError> {
    let (project, now) = (auth.project.clone(), state.store.now());
    let (row, loaded, key) = state
        .store
        .read(move |c| flows::view(c, &project, &slug, now))
        .await?;
    let key = auth.role.can_write().then_some(key.as_str());
    Ok(render(&row, loaded, key, &state.config.site_url))
}

async fn list(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (project, now) = (auth.project.clone(), state.store.now());
    let (rows, key) = state
        .store
        .read(move |c| flows::view_all(c, &project, now))
        .await?;
    let key = auth.role.can_write().then_some(key.as_str());
    let site = &state.config.site_url;
    let out: Vec<t::Flow> = rows
        .into_iter()
        .map(|(r, loaded)| render(&r, loaded, key, site))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "flows": out })))
}

async fn get(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(one(&state, &auth, path.into_inner()).await?))
}

async fn create(
    auth: Auth,
    state: web::Data<AppState>,
    body: Body<t::FlowInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let input = body.into_inner()?;
    let new = NewFlow {
        slug: slug_of(&input.name)?,
        name: input.name.trim().to_string(),
        def: with_mapping(
            def_of(&input.stages, input.terminal.unwrap_or_default())?,
            input.mapping,
        )?,
        tags: tags_of(input.tags)?,
        retention_ms: retention_of(input.retention.as_ref(), flows::DEFAULT_RETENTION_MS)?,
        channels: input.channels.unwrap_or_default(),
    };
    let project = auth.project.clone();
    let row = state
        .store
        .write(move |tx| flows::create(tx, &project, new))
        .await?;
    Ok(HttpResponse::Created().json(one(&state, &auth, row.id).await?))
}

async fn patch(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Body<t::FlowPatch>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let p = body.into_inner()?;
    let slug = path.into_inner();
    let project = auth.project.clone();
    let (stored, channels) = {
        let (project, slug) = (project.clone(), slug.clone());
        state
            .store
            .read(move |c| flows::with_channels(c, &project, &slug))
            .await?
    };
    let old = stored.def();
    let mapping = match p.mapping {
        None => old
            .mapping
            .as_ref()
            .and_then(|m| serde_json::to_value(m).ok()),
        Some(m) => m,
    };
    let def = match (&p.stages, p.terminal) {
        (None, None) => old,
        (Some(s), terminal) => def_of(s, terminal.unwrap_or(old.terminal))?,
        (None, Some(terminal)) => {
            let again: Vec<t::StageInput> = old
                .stages
                .iter()
                .map(|s| t::StageInput {
                    name: s.name.clone(),
                    sla: t::DurationInput::Seconds(s.sla_ms / 1_000),
                    severity: Some(s.severity.clone()),
                    calendar: s.calendar.clone(),
                    aggregate: s.aggregate.as_ref().map(|a| t::AggregateInput {
                        count: a.count,
                        percent: a.percent,
                        window: t::DurationInput::Seconds(a.window_ms / 1_000),
                    }),
                })
                .collect();
            def_of(&again, terminal)?
        }
    };
    let def = with_mapping(def, mapping)?;
    let name = p.name.unwrap_or_else(|| stored.name.clone());
    let new = NewFlow {
        slug: slug_of(&name)?,
        name: name.trim().to_string(),
        def,
        tags: match p.tags {
            Some(t) => tags_of(Some(t))?,
            None => stored.tags.clone(),
        },
        retention_ms: retention_of(p.retention.as_ref(), stored.retention_ms)?,
        channels: p.channels.unwrap_or(channels),
    };
    let id = stored.id.clone();
    state
        .store
        .write(move |tx| flows::update(tx, &project, &id, new))
        .await?;
    Ok(HttpResponse::Ok().json(one(&state, &auth, stored.id).await?))
}

async fn delete(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let (project, slug) = (auth.project.clone(), path.into_inner());
    state
        .store
        .write(move |tx| flows::delete(tx, &project, &slug))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
