//! `/api/v1/chains`: named, ordered sets of monitors with an end-to-end deadline
//! (docs/behaviour.md, "Dependencies, suppression, fan-in and chains"). A chain is a
//! monitor whose runs follow its members (storage::chains); its
//! id is that monitor's, so its runs, flips and deletion are the monitor endpoints'.
//! `PUT` replaces its name, members and deadline.

use actix_web::{web, HttpResponse};
use overdue_storage::base::models::MonitorRow;
use overdue_storage::monitoring::chains::{self, NewChain};
use overdue_types::{Chain, ChainInput, ChainMember};

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::{monitoring::render, monitoring::validate, AppState};

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/chains", web::get().to(list))
        .route("/chains", web::post().to(create))
        .route("/chains/{id}", web::get().to(get))
        .route("/chains/{id}", web::put().to(replace));
}

/// `"06:00"` → the cron expression `0 6 * * *`.
fn time_of_day(s: &str) -> Result<String, ApiError> {
    let bad = || {
        ApiError::BadRequest(format!(
            "finish_by {s:?}: give a time of day as HH:MM, such as \"06:00\""
        ))
    };
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(format!("{m} {h} * * *"))
}

/// A chain as given, checked: its name, 2 to 50 members, and a deadline (within, by a
/// time of day in a zone, or both).
fn checked(input: ChainInput) -> Result<NewChain, ApiError> {
    let name = overdue_core::text::name("name", &input.name, 200).map_err(ApiError::BadRequest)?;
    if !(2..=50).contains(&input.members.len()) {
        return Err(ApiError::BadRequest(format!(
            "members: a chain has 2 to 50 monitors, got {}",
            input.members.len()
        )));
    }
    let within_ms = match &input.within {
        Some(d) => Some(validate::duration("within", d)?.millis()),
        None => None,
    };
    let finish_by = match &input.finish_by {
        Some(t) => {
            let tz = input.tz.clone().unwrap_or_else(|| "UTC".into());
            let cron = time_of_day(t)?;
            overdue_core::Schedule::cron(&cron, &tz)
                .map_err(|e| ApiError::BadRequest(e.to_string()))?;
            Some((cron, tz))
        }
        None if input.tz.is_some() => {
            return Err(ApiError::BadRequest("tz goes with finish_by".into()))
        }
        None => None,
    };
    if within_ms.is_none() && finish_by.is_none() {
        return Err(ApiError::BadRequest(
            "give the chain's deadline: within (\"3h\") and/or finish_by (\"06:00\" with tz)"
                .into(),
        ));
    }
    Ok(NewChain {
        name,
        members: input.members,
        within_ms,
        finish_by,
        channels: input.channels,
    })
}

async fn create(
    auth: Auth,
    state: web::Data<AppState>,
    body: crate::http::body::Body<ChainInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let chain = checked(body.into_inner()?)?;
    let project = auth.project.clone();
    let id = state
        .store
        .write(move |tx| Ok(chains::create_named(tx, &project, chain)?.id))
        .await?;
    let public = overdue_core::PublicRef::of(&id).to_string();
    Ok(HttpResponse::Created().json(one_chain(&state, &auth, &public).await?))
}

/// `GET /api/v1/chains/<id>`: one chain with its members' states and its last run.
async fn get(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(one_chain(&state, &auth, &path).await?))
}

/// `PUT /api/v1/chains/<id>`: the chain's name, members and deadline replaced (its
/// channels too when given); the same checks as a new chain.
async fn replace(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: crate::http::body::Body<ChainInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    // Another project's chain is not found, whatever the body says.
    let id = crate::monitoring::ops::owned_monitor_id(&state, &auth, &path, "chain").await?;
    let chain = checked(body.into_inner()?)?;
    let project = auth.project.clone();
    state
        .store
        .write(move |tx| chains::replace_named(tx, &project, &id, chain).map(|_| ()))
        .await
        .map_err(not_a_chain)?;
    Ok(HttpResponse::Ok().json(one_chain(&state, &auth, &path).await?))
}

/// A monitor that is not a chain is, to the chains API, not found.
fn not_a_chain(e: overdue_storage::StoreError) -> ApiError {
    match e {
        overdue_storage::StoreError::NotFound(_) => ApiError::NotFound("chain not found".into()),
        other => other.into(),
    }
}

/// One chain of the caller's project, rendered.
async fn one_chain(state: &AppState, auth: &Auth, id: &str) -> Result<Chain, ApiError> {
    let id = crate::monitoring::ops::owned_monitor(state, auth, id, "chain").await?;
    let project = auth.project.clone();
    let (chain, members, last) = state
        .store
        .read(move |c| chains::one_with_last_run(c, &project, &id))
        .await
        .map_err(not_a_chain)?;
    let now = state.store.now();
    let run = last.as_ref().map(|r| render::run(r, &[], now));
    Ok(render_chain(&chain, &members, run, now))
}

fn render_chain(
    row: &MonitorRow,
    members: &[MonitorRow],
    last: Option<overdue_types::Run>,
    now: overdue_core::Timestamp,
) -> Chain {
    let rule = row.rules().unwrap_or_default().chain.unwrap_or_default();
    let (finish_by, tz) = match rule.finish_by {
        Some((cron, tz)) => {
            let mut parts = cron.split_whitespace();
            let (m, h) = (parts.next().unwrap_or("0"), parts.next().unwrap_or("0"));
            (Some(format!("{h:0>2}:{m:0>2}")), Some(tz))
        }
        None => (None, None),
    };
    let at_member = last
        .as_ref()
        .and_then(|r| r.steps.last().map(|s| s.name.clone()));
    Chain {
        id: overdue_core::PublicRef::of(&row.id).into(),
        name: row.name.clone(),
        members: members
            .iter()
            .map(|m| ChainMember {
                monitor: overdue_core::PublicRef::of(&m.id).into(),
                name: m.name.clone(),
                state: m.state().display_status(now).to_string(),
            })
            .collect(),
        within: row
            .max_runtime_ms
            .filter(|ms| *ms < 365 * 86_400_000)
            .map(|ms| ms / 1_000),
        finish_by,
        tz,
        state: row.state().display_status(now).to_string(),
        down_reason: row.down_reason.clone(),
        down_detail: row.down_detail.clone(),
        at_member,
        last_run: last,
    }
}

async fn list_chains(state: &AppState, auth: &Auth) -> Result<Vec<Chain>, ApiError> {
    let project = auth.project.clone();
    let rows = state
        .store
        .read(move |c| chains::list_with_last_run(c, &project))
        .await?;
    let now = state.store.now();
    Ok(rows
        .iter()
        .map(|(chain, members, last)| {
            let run = last.as_ref().map(|r| render::run(r, &[], now));
            render_chain(chain, members, run, now)
        })
        .collect())
}

/// `GET /api/v1/chains`: every chain with its members' states and its latest run.
async fn list(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let chains = list_chains(&state, &auth).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "chains": chains })))
}
