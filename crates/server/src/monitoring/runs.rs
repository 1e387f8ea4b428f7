//! The run view: `GET /api/v1/runs/<id>` (steps, progress, report) and its log,
//! `GET /api/v1/runs/<id>/log` (plain text; `?follow=1` streams until the run ends) and
//! `GET /api/v1/runs/<id>/log/events` (server-sent events for the dashboard).

use std::time::Duration;

use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use overdue_storage::base::models::RunRow;
use overdue_storage::monitoring::runs::{self, LogChunk};
use overdue_storage::monitoring::views;
use serde::Deserialize;

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::monitoring::ops::owned_monitor;
use crate::{monitoring::render, AppState};

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/monitors/{id}/runs", web::get().to(list))
        .route("/runs/{id}", web::get().to(get))
        .route("/runs/{id}/log", web::get().to(log))
        .route("/runs/{id}/log/events", web::get().to(log_events));
}

/// Chunks read per query while streaming.
const CHUNKS: i64 = 200;
/// A follower looks again this often even without a change notice (another instance
/// may have written the chunk).
const POLL: Duration = Duration::from_secs(1);

async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<crate::http::parse::Limit>,
) -> Result<HttpResponse, ApiError> {
    let id = owned_monitor(&state, &auth, &path, "monitor").await?;
    let limit = q.get()?;
    let project = auth.project.clone();
    let (row, rows) = state
        .store
        .read(move |c| views::runs_of(c, &project, &id, limit))
        .await?;
    let steps = row.rules().unwrap_or_default().steps;
    let now = state.store.now();
    let out: Vec<_> = rows.iter().map(|r| render::run(r, &steps, now)).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "runs": out })))
}

fn run_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::NotFound(format!("run {raw:?} not found: run ids are numbers")))
}

async fn load(state: &AppState, auth: &Auth, raw: &str) -> Result<RunRow, ApiError> {
    let id = run_id(raw)?;
    let project = auth.project.clone();
    Ok(state
        .store
        .read(move |c| runs::get(c, &project, id))
        .await?)
}

async fn get(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let run = load(&state, &auth, &path).await?;
    let project = auth.project.clone();
    let of = run.clone();
    let (row, children, problems, end_body) = state
        .store
        .read(move |c| views::run(c, &project, &of))
        .await?;
    let steps = row.rules().unwrap_or_default().steps;
    let now = state.store.now();
    let mut out = render::run(&run, &steps, now);
    render::with_children(&mut out, &children);
    out.end_body = end_body;
    out.problems = problems
        .iter()
        .map(|p| crate::monitoring::problems::render(p, &row.name, now))
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
struct LogQuery {
    follow: Option<String>,
    after: Option<i64>,
}

/// The text of chunks, with a marker where the middle of the log was dropped.
fn chunk_text(run: &RunRow, chunks: &[LogChunk], mut last: i64) -> (String, i64) {
    let mut out = String::new();
    for ch in chunks {
        if ch.seq != last + 1 && last >= run.log_head_seq && run.log_dropped > 0 {
            out.push_str(&format!(
                "\n[… {} bytes of log dropped: head and tail are kept …]\n",
                run.log_dropped
            ));
        }
        out.push_str(&String::from_utf8_lossy(&ch.data));
        last = ch.seq;
    }
    (out, last)
}

struct Follow {
    state: web::Data<AppState>,
    rx: tokio::sync::broadcast::Receiver<std::sync::Arc<Vec<String>>>,
    run: RunRow,
    last: i64,
    done: bool,
    sse: bool,
    /// Counts this stream among the project's open ones until the client goes.
    _slot: crate::http::quota::StreamSlot,
}

impl Follow {
    /// The next piece of the stream: new chunks, the end, or (after a wait) a keep-alive.
    async fn next(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        loop {
            let (id, after) = (self.run.id, self.last);
            let read = self
                .state
                .store
                .read(move |c| views::log_after(c, id, after, CHUNKS))
                .await;
            let Ok((chunks, run)) = read else {
                self.done = true;
                return None;
            };
            if let Some(r) = run {
                self.run = r;
            }
            if !chunks.is_empty() {
                let (text, last) = chunk_text(&self.run, &chunks, self.last);
                self.last = last;
                return Some(self.frame("chunk", &text));
            }
            if self.run.ended_at.is_some() {
                self.done = true;
                let outcome = self.run.outcome.clone().unwrap_or_default();
                return Some(if self.sse {
                    self.frame("end", &outcome)
                } else {
                    Bytes::new()
                });
            }
            // Wait for a change of this monitor, or look again after a while.
            let deadline = tokio::time::Instant::now() + POLL;
            loop {
                match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                    Ok(Ok(ids)) if !ids.contains(&self.run.monitor_id) => continue,
                    _ => break,
                }
            }
        }
    }

    fn frame(&self, event: &str, text: &str) -> Bytes {
        if !self.sse {
            return Bytes::from(text.to_string());
        }
        let data = serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into());
        Bytes::from(format!("event: {event}\ndata: {data}\n\n"))
    }
}

fn follower(
    state: web::Data<AppState>,
    max: usize,
    project: &str,
    run: RunRow,
    after: i64,
    sse: bool,
) -> Result<Follow, ApiError> {
    let slot = state.streams.open(project, max)?;
    Ok(Follow {
        _slot: slot,
        rx: state.store.wake.changes.subscribe(),
        state,
        run,
        last: after,
        done: false,
        sse,
    })
}

fn stream(f: Follow) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
    futures_util::stream::unfold(f, |mut f| async move {
        let b = f.next().await?;
        Some((Ok(b), f))
    })
}

/// `GET /api/v1/runs/<id>/log[?follow=1][&after=<seq>]`: the run's log as text; with
/// `follow`, the connection stays open and new output is sent until the run ends.
async fn log(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<LogQuery>,
) -> Result<HttpResponse, ApiError> {
    let run = load(&state, &auth, &path).await?;
    let after = q.after.unwrap_or(0).max(0);
    let follow = matches!(q.follow.as_deref(), Some("1" | "true" | ""));
    if !follow {
        let id = run.id;
        let chunks = state
            .store
            .read(move |c| runs::log_after(c, id, after, i64::MAX))
            .await?;
        let (text, _) = chunk_text(&run, &chunks, after);
        return Ok(HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(text));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream(follower(
            state.clone(),
            crate::http::quota::stream_limit(&state, &auth.project).await?,
            &auth.project,
            run,
            after,
            false,
        )?)))
}

/// `GET /api/v1/runs/<id>/log/events`: `event: chunk` with the new text (a JSON
/// string) as it arrives, then `event: end` with the outcome.
async fn log_events(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let run = load(&state, &auth, &path).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream(follower(
            state.clone(),
            crate::http::quota::stream_limit(&state, &auth.project).await?,
            &auth.project,
            run,
            0,
            true,
        )?)))
}
