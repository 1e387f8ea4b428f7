//! Endpoints the dashboard needs beyond the CRUD of `/api/v1`: a cron preview for the
//! monitor form, and the live stream of changed monitors (server-sent events).

use std::collections::BTreeSet;
use std::time::Duration;

use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use overdue_core::{Schedule, Timestamp};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::{monitoring::render, AppState};

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/schedule/preview", web::get().to(preview))
        .route("/events", web::get().to(events))
        .route("/summary", web::get().to(summary));
}

#[derive(Deserialize)]
struct PreviewQuery {
    cron: String,
    tz: Option<String>,
    /// The moment to preview from (RFC 3339, or a day or time in `tz`), e.g. the eve
    /// of a DST change; now if absent.
    from: Option<String>,
}

/// `GET /api/v1/schedule/preview?cron=…&tz=…&from=…`: the next five fire times after
/// `from` (RFC 3339, or a day or time in the zone; default now), in the timezone, with the expression in words, or a
/// 400 that says what is wrong with the expression, the zone or the moment.
async fn preview(
    _: Auth,
    q: web::Query<PreviewQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let tz = q.tz.as_deref().unwrap_or("UTC");
    let schedule = Schedule::cron(&q.cron, tz).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let Schedule::Cron(c) = schedule else {
        return Err(ApiError::Internal("a cron schedule was expected".into()));
    };
    let zone = c.tz();
    // A named moment counts itself ("from the 28th" shows a run at its midnight); now
    // does not (the usual "next run").
    let from = match q.from.as_deref() {
        None => state.store.now(),
        Some(text) => c.moment(text).map(|t| Timestamp(t.millis() - 1)).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "from {text:?} is not a time: write a day (2027-03-28) or a time in the zone (2027-03-28T01:30), or RFC 3339 (2027-03-28T00:00:00+01:00)"
            ))
        })?,
    };
    let next: Vec<String> = c
        .upcoming(from, 5)
        .into_iter()
        .map(|t| t.to_utc().with_timezone(&zone).to_rfc3339())
        .collect();
    // In words when it is a common shape ("every day at 03:00"), else null.
    let words = overdue_core::schedule::words::cron_words(&q.cron);
    Ok(HttpResponse::Ok().json(serde_json::json!({ "next": next, "words": words })))
}

/// `GET /api/v1/summary`: the project at a glance (monitors by shown status, open
/// alerts and problems) for the dashboard's title, icon and navigation.
async fn summary(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let now = state.store.now();
    let project = auth.project;
    let s = state
        .store
        .read(move |c| overdue_storage::monitoring::summary::of_project(c, &project, now))
        .await?;
    use overdue_storage::monitoring::summary::count_of;
    let count = |k: &str| count_of(&s.shown, k);
    let out = overdue_types::Summary {
        total: s.shown.iter().map(|(_, n)| n).sum(),
        down: count("down"),
        late: count("late"),
        running: count("running"),
        up: count("up"),
        new: count("new"),
        paused: count("paused"),
        open_alerts: s.open_alerts,
        open_alert_rows: s.open_alert_rows,
        acknowledged_alerts: s.acknowledged_alerts,
        open_problems: s.open_problems,
        tz: s.tz.clone(),
    };
    Ok(HttpResponse::Ok().json(out))
}

/// How long changes are gathered before they are sent (a busy monitor pinged 100 times
/// a second is sent 4 times).
const GATHER: Duration = Duration::from_millis(250);
/// A comment line this often keeps proxies from closing an idle stream — and finds a
/// client that went away: the server learns of it only when a write fails (the second
/// after the client left), so its stream slot (`OVERDUE_MAX_STREAMS`) is given back
/// within two of these. At 15 s a person reloading the dashboard held 30 s of stale
/// slots (docs/security.md, "Limits").
const KEEP_ALIVE: Duration = Duration::from_secs(5);

struct Stream {
    rx: tokio::sync::broadcast::Receiver<std::sync::Arc<Vec<String>>>,
    flows: tokio::sync::broadcast::Receiver<std::sync::Arc<Vec<String>>>,
    state: web::Data<AppState>,
    project: String,
    /// The reader may see ping URLs.
    can_write: bool,
    started: bool,
    /// Counts this stream among the project's open ones until the client goes.
    _slot: crate::http::quota::StreamSlot,
}

/// What one wait on the stream's two sources brought.
enum Got {
    Monitors(std::sync::Arc<Vec<String>>),
    Flows(std::sync::Arc<Vec<String>>),
    /// This reader fell behind: it reloads.
    Lagged,
    Closed,
}

impl Stream {
    async fn next(&mut self) -> Got {
        let got = tokio::select! {
            r = self.rx.recv() => r.map(Got::Monitors),
            r = self.flows.recv() => r.map(Got::Flows),
        };
        match got {
            Ok(g) => g,
            Err(RecvError::Lagged(_)) => Got::Lagged,
            Err(RecvError::Closed) => Got::Closed,
        }
    }
}

/// `GET /api/v1/events`: `data: <monitor JSON>` for each monitor of the project changed
/// by a ping or a flip; `event: flow` with `{"flow": <slug>}` for each flow whose
/// entities, breaches or settings changed (the Flows page reloads it); `event: resync`
/// when this client fell behind (reload the list).
async fn events(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let max = crate::http::quota::stream_limit(&state, &auth.project).await?;
    let slot = state.streams.open(&auth.project, max)?;
    let s = Stream {
        _slot: slot,
        rx: state.store.wake.changes.subscribe(),
        flows: state.store.wake.flow_changes.subscribe(),
        state: state.clone(),
        can_write: auth.role.can_write(),
        project: auth.project,
        started: false,
    };
    let body = futures_util::stream::unfold(s, |mut s| async move {
        if !s.started {
            s.started = true;
            return Some((
                Ok::<_, actix_web::Error>(Bytes::from_static(b": connected\n\n")),
                s,
            ));
        }
        let mut monitors = BTreeSet::new();
        let mut flows = BTreeSet::new();
        let mut add = |got: Got| match got {
            Got::Monitors(ids) => {
                monitors.extend(ids.iter().cloned());
                true
            }
            Got::Flows(ids) => {
                flows.extend(ids.iter().cloned());
                true
            }
            Got::Lagged | Got::Closed => false,
        };
        match tokio::time::timeout(KEEP_ALIVE, s.next()).await {
            Err(_) => return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), s)),
            Ok(Got::Closed) => return None,
            Ok(Got::Lagged) => {
                return Some((Ok(Bytes::from_static(b"event: resync\ndata: {}\n\n")), s))
            }
            Ok(got) => add(got),
        };
        let until = tokio::time::Instant::now() + GATHER;
        while let Ok(got) = tokio::time::timeout_at(until, s.next()).await {
            if !add(got) {
                break;
            }
        }
        let mut chunk = render_changes(
            &s.state,
            &s.project,
            s.can_write,
            monitors.into_iter().collect(),
        )
        .await;
        if !flows.is_empty() {
            chunk.push_str(&render_flows(&s.state, &s.project, flows).await);
        }
        if chunk.is_empty() {
            chunk.push_str(": nothing of this project\n\n");
        }
        Some((Ok(Bytes::from(chunk)), s))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

/// `event: flow` lines for the changed flows of this project (others' are dropped).
async fn render_flows(state: &AppState, project: &str, ids: BTreeSet<String>) -> String {
    let p = project.to_string();
    let mut out = String::new();
    match state
        .store
        .read(move |c| overdue_storage::flows::list(c, &p))
        .await
    {
        Ok(rows) => {
            for f in rows.iter().filter(|f| ids.contains(&f.id)) {
                let data = serde_json::json!({ "flow": f.slug });
                out.push_str(&format!("event: flow\ndata: {data}\n\n"));
            }
        }
        Err(e) => tracing::warn!("live view: {e}"),
    }
    out
}

async fn render_changes(
    state: &AppState,
    project: &str,
    can_write: bool,
    ids: Vec<String>,
) -> String {
    if ids.is_empty() {
        return String::new();
    }
    let p = project.to_string();
    let loaded = state
        .store
        .read(move |c| overdue_storage::monitoring::views::some(c, &p, &ids))
        .await;
    let now: Timestamp = state.store.now();
    let mut out = String::new();
    match loaded {
        Ok(rows) => {
            for v in rows {
                let site = &state.config.site_url;
                let mut m = render::monitor(&v.row, v.channels, site, now, can_write);
                if let Some(links) = &v.links {
                    render::with_links(&mut m, links);
                }
                if let Ok(json) = serde_json::to_string(&m) {
                    out.push_str("data: ");
                    out.push_str(&json);
                    out.push_str("\n\n");
                }
            }
        }
        Err(e) => tracing::warn!("live view: {e}"),
    }
    out
}
