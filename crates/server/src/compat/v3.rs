//! `/api/v3`: a mirror of Healthchecks' Management API v3, so its clients and scripts
//! work with the base URL changed. Differences are listed in docs/compatibility.md, "Management API v3".

use actix_web::{web, HttpRequest, HttpResponse};
use overdue_core::Timestamp;
use overdue_storage::base::models::MonitorRow;
use overdue_storage::monitoring::{upsert, views};
use overdue_storage::{alerting::channels, monitoring::history, StoreError};
use overdue_types::{DurationInput, MonitorInput, TagsInput};
use serde::Deserialize;

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::monitoring::badges;
use crate::monitoring::ops::{edited, owned_monitor, switch, update_settings, Switch};
use crate::{monitoring::render, monitoring::validate, parse_monitor, AppState};

/// Registers the routes (with and without the trailing slash Healthchecks uses).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v3")
            .wrap(actix_web::middleware::from_fn(
                crate::http::auth::api_key_in_body,
            ))
            // Healthchecks reads a POST body as JSON whatever its content type (its own
            // docs' `curl --data '{…}'` sends a form type): so does the mirror.
            .app_data(crate::http::body::json_config().content_type_required(false))
            .route("/checks/", web::get().to(list))
            .route("/checks", web::get().to(list))
            .route("/checks/", web::post().to(create))
            .route("/checks", web::post().to(create))
            .route("/checks/{id}", web::get().to(get))
            .route("/checks/{id}", web::post().to(update))
            .route("/checks/{id}", web::delete().to(delete))
            .route("/checks/{id}/pause", web::post().to(pause))
            .route("/checks/{id}/resume", web::post().to(resume))
            .route("/checks/{id}/pings/", web::get().to(pings))
            .route("/checks/{id}/pings", web::get().to(pings))
            .route("/checks/{id}/pings/{n}/body", web::get().to(ping_body))
            .route("/checks/{id}/flips/", web::get().to(flips))
            .route("/checks/{id}/flips", web::get().to(flips))
            .route("/status/", web::get().to(status))
            .route("/status", web::get().to(status))
            .route("/badges/", web::get().to(badges::v3_list))
            .route("/badges", web::get().to(badges::v3_list))
            .route("/channels/", web::get().to(list_channels))
            .route("/channels", web::get().to(list_channels)),
    );
}

/// `GET /api/v3/status/`: `OK` when the database answers (no key, as Healthchecks'),
/// else the one mapping's 503.
async fn status(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    crate::monitoring::ops::database_answers(&state).await?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("OK"))
}

/// The body of create and update, as Healthchecks clients send it.
#[derive(Debug, Default, Deserialize)]
struct CheckInput {
    #[serde(default, deserialize_with = "overdue_types::not_null")]
    name: Option<String>,
    slug: Option<String>,
    tags: Option<String>,
    desc: Option<String>,
    timeout: Option<i64>,
    grace: Option<i64>,
    schedule: Option<String>,
    tz: Option<String>,
    manual_resume: Option<bool>,
    methods: Option<String>,
    channels: Option<String>,
    unique: Option<Vec<String>>,
}

impl CheckInput {
    fn to_monitor_input(&self) -> MonitorInput {
        MonitorInput {
            name: self.name.clone(),
            slug: self.slug.clone().map(|s| (!s.is_empty()).then_some(s)),
            description: self.desc.clone(),
            tags: self.tags.clone().map(TagsInput::Text),
            // Both given: a cron check, the timeout ignored (as Healthchecks does; its
            // clients send both).
            period: self
                .timeout
                .filter(|_| self.schedule.is_none())
                .map(DurationInput::Seconds),
            cron: self.schedule.clone(),
            tz: self.tz.clone(),
            grace: self.grace.map(DurationInput::Seconds),
            max_runtime: None,
            methods: self.methods.clone(),
            manual_resume: self.manual_resume,
            channels: None,
            ..MonitorInput::default()
        }
    }
}

/// Healthchecks' `unique_key`: a stable id of a check that does not reveal its UUID — the
/// monitor's public reference, as `/api/v1` shows it.
pub(crate) fn unique_key(id: &str) -> String {
    overdue_core::PublicRef::of(id).into()
}

fn check_json(
    row: &MonitorRow,
    chans: &[String],
    site: &str,
    read_only: bool,
    now: Timestamp,
    badge_key: Option<&str>,
) -> serde_json::Value {
    let state = row.state();
    let mut v = serde_json::json!({
        "name": row.name,
        "slug": row.slug.clone().unwrap_or_default(),
        "tags": row.tags,
        "desc": row.description,
        "grace": row.grace_ms / 1_000,
        "n_pings": row.n_pings,
        "status": render::v3_status(row, now),
        "started": state.run_started_at.is_some(),
        "last_ping": row.last_ping_at.map(|t| Timestamp(t).to_rfc3339()),
        "next_ping": row.next_due_at.map(|t| Timestamp(t).to_rfc3339()),
        "manual_resume": row.manual_resume,
        "methods": row.methods,
        "subject": "",
        "subject_fail": "",
        "start_kw": "",
        "success_kw": "",
        "failure_kw": "",
        "filter_subject": false,
        "filter_body": false,
    });
    let o = v.as_object_mut().expect("json! object");
    o.insert(
        "badge_url".into(),
        badges::monitor_url(site, badge_key, row).into(),
    );
    if let Some(d) = row.last_duration_ms {
        o.insert("last_duration".into(), (d / 1_000).into());
    }
    if row.schedule_kind == "cron" {
        o.insert(
            "schedule".into(),
            row.cron_expr.clone().unwrap_or_default().into(),
        );
        o.insert("tz".into(), row.tz.clone().into());
    } else {
        o.insert(
            "timeout".into(),
            (row.period_ms.unwrap_or(0) / 1_000).into(),
        );
    }
    if read_only {
        o.insert("unique_key".into(), unique_key(&row.id).into());
    } else {
        let base = format!("{site}/api/v3/checks/{}", row.id);
        o.insert("uuid".into(), row.id.clone().into());
        o.insert("ping_url".into(), format!("{site}/ping/{}", row.id).into());
        o.insert("update_url".into(), base.clone().into());
        o.insert("pause_url".into(), format!("{base}/pause").into());
        o.insert("resume_url".into(), format!("{base}/resume").into());
        o.insert("channels".into(), chans.join(",").into());
    }
    v
}

async fn one(state: &AppState, auth: &Auth, id: String) -> Result<serde_json::Value, ApiError> {
    let project = auth.project.clone();
    let now = state.store.now();
    let (view, shared) = state
        .store
        .read(move |c| views::one(c, &project, &id, now))
        .await?;
    Ok(check_json(
        &view.row,
        &view.channels,
        &state.config.site_url,
        auth.read_only(),
        now,
        shared.keys.badge_key.as_deref(),
    ))
}

fn query_all(req: &HttpRequest, name: &str) -> Vec<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}

async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let tags = query_all(&req, "tag");
    let slug = query_all(&req, "slug").pop();
    let project = auth.project.clone();
    let now = state.store.now();
    let (views, shared) = state
        .store
        .read(move |c| views::all(c, &project, now))
        .await?;
    let key = shared.keys.badge_key.as_deref();
    let site = &state.config.site_url;
    let checks: Vec<_> = views
        .iter()
        .filter(|v| tags.iter().all(|t| v.row.tag_list().contains(t)))
        .filter(|v| slug.as_ref().is_none_or(|s| v.row.slug.as_ref() == Some(s)))
        .map(|v| check_json(&v.row, &v.channels, site, auth.read_only(), now, key))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "checks": checks })))
}

/// Resolves Healthchecks' `channels` field: `"*"` all, `""` none, else ids or names.
fn resolve_channels(
    c: &mut overdue_storage::AnyConnection,
    project: &str,
    spec: &str,
) -> Result<Vec<String>, StoreError> {
    let all = channels::list(c, project)?;
    if spec.trim() == "*" {
        return Ok(all.into_iter().map(|ch| ch.id).collect());
    }
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|want| {
            all.iter()
                .find(|ch| ch.id == want || ch.name == want)
                .map(|ch| ch.id.clone())
                .ok_or_else(|| StoreError::Invalid(format!("invalid channel identifier: {want}")))
        })
        .collect()
}

const UNIQUE_FIELDS: &[&str] = &["name", "slug", "tags", "timeout", "grace"];

fn matches_unique(row: &MonitorRow, input: &CheckInput, fields: &[String]) -> bool {
    fields.iter().all(|f| match f.as_str() {
        "name" => input.name.as_deref() == Some(row.name.as_str()),
        "slug" => input.slug.as_deref() == Some(row.slug.as_deref().unwrap_or("")),
        "tags" => input.tags.as_deref() == Some(row.tags.as_str()),
        "timeout" => input.timeout.map(|t| t * 1_000) == row.period_ms,
        "grace" => input.grace.map(|g| g * 1_000) == Some(row.grace_ms),
        _ => false,
    })
}

async fn create(
    auth: Auth,
    state: web::Data<AppState>,
    body: crate::http::body::Body<CheckInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let input = body.into_inner()?;
    let unique = input.unique.clone().unwrap_or_default();
    if let Some(bad) = unique.iter().find(|f| !UNIQUE_FIELDS.contains(&f.as_str())) {
        return Err(ApiError::BadRequest(format!(
            "unique: {bad:?} is not one of {}",
            UNIQUE_FIELDS.join(", ")
        )));
    }
    let mi = input.to_monitor_input();
    let mut settings = validate::apply(&mi, validate::defaults())?;
    if settings.name.is_empty() {
        settings.name = settings.slug.clone().unwrap_or_default();
    }
    let project = auth.project.clone();
    let (id, created) = state
        .store
        .write(move |tx| {
            // Narrowed in SQL by name and slug when they are among the fields (the usual
            // case), so the write transaction reads a few rows, not the project.
            let by = |f: &str, v: &Option<String>| {
                unique
                    .iter()
                    .any(|u| u == f)
                    .then(|| v.clone().unwrap_or_default())
            };
            let (name, slug) = (by("name", &input.name), by("slug", &input.slug));
            let slug = slug.filter(|s| !s.is_empty());
            let lookup = (!unique.is_empty()).then_some(upsert::Lookup {
                name: name.as_deref(),
                slug: slug.as_deref(),
                matches: |r: &MonitorRow| matches_unique(r, &input, &unique),
            });
            let spec = input.channels.clone();
            let channels = spec.map(|spec| {
                let project = project.clone();
                move |c: &mut overdue_storage::AnyConnection| resolve_channels(c, &project, &spec)
            });
            upsert::upsert(tx, &project, lookup, edited(&mi), settings, channels)
        })
        .await?;
    let json = one(&state, &auth, id).await?;
    Ok(if created {
        HttpResponse::Created().json(json)
    } else {
        HttpResponse::Ok().json(json)
    })
}

async fn get(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // By UUID or by `unique_key` (Healthchecks allows both: read-only keys only know the
    // latter).
    let id = crate::monitoring::ops::owned_monitor(&state, &auth, &path, "check").await?;
    Ok(HttpResponse::Ok().json(one(&state, &auth, id).await?))
}

async fn update(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: crate::http::body::Body<CheckInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let id2 = parse_monitor(&path, "check")?;
    let id = id2.to_string();
    let input = body.into_inner()?;
    let project = auth.project.clone();
    state
        .store
        .write(move |tx| {
            update_settings(tx, &project, &id2, &input.to_monitor_input())?;
            if let Some(spec) = &input.channels {
                let ids = resolve_channels(tx.conn(), &project, spec)?;
                channels::set_for_monitor(tx, &project, &id2, &ids)?;
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Ok().json(one(&state, &auth, id).await?))
}

async fn delete(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_write()?;
    let id = parse_monitor(&path, "check")?;
    let json = one(&state, &auth, id.to_string()).await?;
    let project = auth.project.clone();
    state
        .store
        .write(move |tx| {
            overdue_storage::monitoring::cascade::delete_monitor(tx, &project, &id).map(|_| ())
        })
        .await?;
    Ok(HttpResponse::Ok().json(json))
}

async fn pause(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = switch(&state, &auth, &path, "check", Switch::Pause).await?;
    Ok(HttpResponse::Ok().json(one(&state, &auth, id).await?))
}

async fn resume(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = switch(&state, &auth, &path, "check", Switch::Resume).await?;
    Ok(HttpResponse::Ok().json(one(&state, &auth, id).await?))
}

async fn pings(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = owned_monitor(&state, &auth, &path, "check").await?;
    let id2 = id.clone();
    let rows = state
        .store
        .read(move |c| history::pings(c, &id2, 100))
        .await?;
    let site = &state.config.site_url;
    let out: Vec<_> = rows
        .iter()
        .map(|p| {
            let mut v = serde_json::json!({
                "type": p.kind,
                "date": Timestamp(p.created_at).to_rfc3339(),
                "n": p.n,
                "scheme": p.scheme,
                "remote_addr": p.remote_addr,
                "method": p.method,
                "ua": p.user_agent,
                "rid": p.rid,
                // By the public reference: read-only keys read this too.
                "body_url": (!p.body.is_empty()).then(|| format!("{site}/api/v3/checks/{}/pings/{}/body", unique_key(&id), p.n)),
            });
            if let (Some(d), Some(o)) = (p.duration_ms, v.as_object_mut()) {
                o.insert("duration".into(), (d as f64 / 1_000.0).into());
            }
            if let (Some(e), Some(o)) = (p.exit_status, v.as_object_mut()) {
                o.insert("exitstatus".into(), e.into());
            }
            v
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "pings": out })))
}

async fn ping_body(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, n) = path.into_inner();
    let id = owned_monitor(&state, &auth, &id, "check").await?;
    let n: i64 = n
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("ping number {n:?} is not an integer")))?;
    let p = state.store.read(move |c| history::ping(c, &id, n)).await?;
    if p.body.is_empty() {
        return Err(ApiError::NotFound("this ping has no body".into()));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(p.body))
}

#[derive(Deserialize)]
struct FlipQuery {
    seconds: Option<String>,
    start: Option<String>,
    end: Option<String>,
}

fn int_param(name: &str, v: &Option<String>) -> Result<Option<i64>, ApiError> {
    v.as_deref()
        .map(|s| {
            s.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                ApiError::BadRequest(format!("{name} must be a non-negative integer"))
            })
        })
        .transpose()
}

async fn flips(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<FlipQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = owned_monitor(&state, &auth, &path, "check").await?;
    let seconds = int_param("seconds", &q.seconds)?;
    let start = int_param("start", &q.start)?;
    let end = int_param("end", &q.end)?;
    if seconds.is_some() && (start.is_some() || end.is_some()) {
        return Err(ApiError::BadRequest(
            "seconds cannot be combined with start or end".into(),
        ));
    }
    let now = state.store.now().millis();
    let start_ms = seconds
        .map(|s| now - s * 1_000)
        .or(start.map(|s| s * 1_000));
    let end_ms = end.map(|e| e * 1_000);
    let rows = state
        .store
        .read(move |c| history::flips(c, &id, start_ms, end_ms, 1_000))
        .await?;
    let out: Vec<_> = rows
        .iter()
        .map(|f| serde_json::json!({ "timestamp": Timestamp(f.created_at).to_rfc3339(), "up": i32::from(f.to_status == "up") }))
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

async fn list_channels(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let project = auth.project.clone();
    let rows = state
        .store
        .read(move |c| channels::list(c, &project))
        .await?;
    let out: Vec<_> = rows
        .iter()
        .map(|c| {
            // Healthchecks' names for the kinds both have.
            let kind = overdue_notify::kinds::find(&c.kind).map_or(c.kind.as_str(), |k| k.v3);
            serde_json::json!({ "id": c.id, "name": c.name, "kind": kind })
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "channels": out })))
}
