//! Prometheus text format (docs/behaviour.md, "API"). `/metrics`: the service's own health
//! (aggregates
//! only, no tenant's data). `/projects/<id>/metrics` (key in `X-Api-Key` or
//! `Authorization: Bearer`) and `/projects/<id>/metrics/<key>` (for scrapers that cannot
//! send headers, as Healthchecks does): one project's monitors, for any key of that
//! project, read-only keys included; another project's key gets the same 404 as an
//! unknown project.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::{web, HttpRequest, HttpResponse};
use overdue_storage::{base::service, monitoring::views, people::projects};

use crate::http::error::ApiError;
use crate::AppState;

/// Counters of this process, shown on `/metrics`.
#[derive(Debug, Default)]
pub struct Counters {
    /// Pings answered 2xx (stored).
    pub pings_stored: AtomicU64,
    /// Pings answered 503 (the database was unavailable).
    pub pings_unavailable: AtomicU64,
}

impl Counters {
    /// Adds one to `c`.
    pub fn add(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }
}

/// Registers the routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(service_metrics))
        .route("/projects/{id}/metrics", web::get().to(project_metrics))
        .route(
            "/projects/{id}/metrics/{key}",
            web::get().to(project_metrics_keyed),
        );
}

fn text(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

/// A label value escaped as the text format wants: backslash, quote, line feed.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

async fn service_metrics(state: web::Data<AppState>) -> HttpResponse {
    let now = state.store.now().millis();
    let mut out = String::new();
    head(
        &mut out,
        "overdue_build_info",
        "gauge",
        "Version of this process.",
    );
    let _ = writeln!(
        out,
        "overdue_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    let c = &state.counters;
    head(
        &mut out,
        "overdue_pings_stored_total",
        "counter",
        "Pings stored and answered by this process.",
    );
    let _ = writeln!(
        out,
        "overdue_pings_stored_total {}",
        c.pings_stored.load(Ordering::Relaxed)
    );
    head(
        &mut out,
        "overdue_pings_unavailable_total",
        "counter",
        "Pings answered 503 because the database was unavailable.",
    );
    let _ = writeln!(
        out,
        "overdue_pings_unavailable_total {}",
        c.pings_unavailable.load(Ordering::Relaxed)
    );
    if let Some(a) = &state.config.amqp {
        head(
            &mut out,
            "overdue_amqp_connected",
            "gauge",
            "1 while this process consumes flow events from the broker.",
        );
        let up = u8::from(a.connected.load(Ordering::Relaxed));
        let _ = writeln!(out, "overdue_amqp_connected {up}");
        head(
            &mut out,
            "overdue_amqp_messages_total",
            "counter",
            "Flow event messages taken from the broker: stored (and acknowledged) or rejected as malformed.",
        );
        let _ = writeln!(
            out,
            "overdue_amqp_messages_total{{result=\"stored\"}} {}\noverdue_amqp_messages_total{{result=\"rejected\"}} {}",
            a.stored.load(Ordering::Relaxed),
            a.rejected.load(Ordering::Relaxed)
        );
        head(
            &mut out,
            "overdue_amqp_kept_aside_total",
            "counter",
            "Flow events from the broker that could not be read, kept aside (their messages rejected).",
        );
        let _ = writeln!(
            out,
            "overdue_amqp_kept_aside_total {}",
            a.kept_aside.load(Ordering::Relaxed)
        );
    }
    match state.store.read(service::gauges).await {
        Ok((alive, pending, open)) => {
            head(
                &mut out,
                "overdue_database_up",
                "gauge",
                "1 when the database answered this scrape.",
            );
            out.push_str("overdue_database_up 1\n");
            if let Some(at) = alive {
                head(&mut out, "overdue_scheduler_heartbeat_age_seconds", "gauge", "Seconds since a scheduler last wrote its heartbeat (every second while one runs).");
                let _ = writeln!(
                    out,
                    "overdue_scheduler_heartbeat_age_seconds {:.3}",
                    (now - at).max(0) as f64 / 1_000.0
                );
            }
            head(
                &mut out,
                "overdue_outbox_pending",
                "gauge",
                "Notifications waiting for delivery (including retries in backoff).",
            );
            let _ = writeln!(out, "overdue_outbox_pending {pending}");
            head(
                &mut out,
                "overdue_problems_open",
                "gauge",
                "Open problems, all projects.",
            );
            let _ = writeln!(out, "overdue_problems_open {open}");
        }
        Err(e) => {
            tracing::warn!("metrics: {e}");
            head(
                &mut out,
                "overdue_database_up",
                "gauge",
                "1 when the database answered this scrape.",
            );
            out.push_str("overdue_database_up 0\n");
        }
    }
    text(out)
}

async fn project_metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let key = req
        .headers()
        .get("X-Api-Key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            req.headers()
                .get("Authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(|k| k.trim().to_string())
        });
    match key {
        Some(k) => project(&state, path.into_inner(), k).await,
        None => actix_web::ResponseError::error_response(&ApiError::Unauthorized(
            "missing api key: send it in X-Api-Key, as a bearer token, or in the path (/projects/<id>/metrics/<key>)",
        )),
    }
}

async fn project_metrics_keyed(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (id, key) = path.into_inner();
    project(&state, id, key).await
}

async fn project(state: &AppState, id: String, key: String) -> HttpResponse {
    let now = state.store.now();
    // Who is asking, then what they may read: two calls, the second only for the key's
    // own project.
    let project = id.clone();
    let allowed = state
        .store
        .read(move |c| projects::authenticate(c, &key))
        .await
        .map(|g| g.is_some_and(|g| g.project_id == project));
    let loaded = match allowed {
        Ok(true) => state
            .store
            .read(move |c| views::with_open_problems(c, &id))
            .await
            .map(Some),
        Ok(false) => Ok(None),
        Err(e) => Err(e),
    };
    let (rows, open) = match loaded {
        Ok(Some(x)) => x,
        // Wrong key, another project's key, or no such project: one answer.
        Ok(None) => {
            return actix_web::ResponseError::error_response(&ApiError::NotFound(
                "no such project for this key".into(),
            ))
        }
        Err(e) => return actix_web::ResponseError::error_response(&ApiError::from(e)),
    };
    let mut out = String::new();
    let mut tags: std::collections::BTreeMap<String, bool> = Default::default();
    let mut lines = (String::new(), String::new(), String::new(), String::new());
    let (mut total, mut down) = (0, 0);
    for r in &rows {
        let status = r.state().display_status(now);
        let up = !matches!(status, "down" | "late");
        total += 1;
        down += usize::from(status == "down");
        for t in r.tag_list() {
            *tags.entry(t).or_insert(true) &= up;
        }
        // The UUID is the ping URL's secret: monitors are named by their unique key.
        let l = format!(
            "name=\"{}\",slug=\"{}\",tags=\"{}\",unique_key=\"{}\"",
            label(&r.name),
            label(r.slug.as_deref().unwrap_or("")),
            label(&r.tags),
            crate::compat::v3::unique_key(&r.id)
        );
        let _ = writeln!(lines.0, "overdue_monitor_up{{{l}}} {}", u8::from(up));
        let _ = writeln!(
            lines.1,
            "overdue_monitor_running{{{l}}} {}",
            u8::from(status == "running")
        );
        let _ = writeln!(
            lines.2,
            "overdue_monitor_open_problems{{{l}}} {}",
            open.get(&r.id).copied().unwrap_or(0)
        );
        if let Some(t) = r.last_ping_at {
            let _ = writeln!(
                lines.3,
                "overdue_monitor_last_ping_timestamp_seconds{{{l}}} {:.3}",
                t as f64 / 1_000.0
            );
        }
    }
    head(
        &mut out,
        "overdue_monitor_up",
        "gauge",
        "1 when the monitor is up (or new, paused, running), 0 when down or late.",
    );
    out.push_str(&lines.0);
    head(
        &mut out,
        "overdue_monitor_running",
        "gauge",
        "1 while a run of the monitor is open.",
    );
    out.push_str(&lines.1);
    head(
        &mut out,
        "overdue_monitor_open_problems",
        "gauge",
        "Open problems of the monitor.",
    );
    out.push_str(&lines.2);
    head(
        &mut out,
        "overdue_monitor_last_ping_timestamp_seconds",
        "gauge",
        "When the monitor was last pinged (Unix time).",
    );
    out.push_str(&lines.3);
    head(
        &mut out,
        "overdue_tag_up",
        "gauge",
        "1 when every monitor with the tag is up.",
    );
    for (t, up) in tags {
        let _ = writeln!(
            out,
            "overdue_tag_up{{tag=\"{}\"}} {}",
            label(&t),
            u8::from(up)
        );
    }
    head(
        &mut out,
        "overdue_monitors_total",
        "gauge",
        "Monitors of the project.",
    );
    let _ = writeln!(out, "overdue_monitors_total {total}");
    head(
        &mut out,
        "overdue_monitors_down_total",
        "gauge",
        "Monitors of the project that are down.",
    );
    let _ = writeln!(out, "overdue_monitors_down_total {down}");
    text(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
