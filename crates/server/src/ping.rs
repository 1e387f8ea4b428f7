//! The ping protocol (SPEC §2), compatible with Healthchecks: `/ping/<uuid>[/<action>]`
//! and `/ping/<ping_key>/<slug>[/<action>]`, any method, `?rid=`, `?create=1`.
//! A 200 is sent only after the ping's batch committed.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use overdue_core::{BodyReport, Progress, Signal};
use overdue_storage::{PingReply, PingRequest, PingTarget, StoreError};
use uuid::Uuid;

use crate::AppState;

/// Most bytes read (and discarded) past the body limit before the answer is sent anyway.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Registers the ping routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/ping/{a}", web::route().to(ping))
        .route("/ping/{a}/{b}", web::route().to(ping))
        .route("/ping/{a}/{b}/{c}", web::route().to(ping))
        .route("/ping/{a}/{b}/{c}/{d}", web::route().to(ping));
}

fn text(status: StatusCode, body: impl Into<String>, limit: usize) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Ping-Body-Limit", limit.to_string()))
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .content_type("text/plain; charset=utf-8")
        .body(body.into())
}

fn bad(reason: impl Into<String>, limit: usize) -> HttpResponse {
    text(StatusCode::BAD_REQUEST, reason, limit)
}

/// `start`, `fail`, `log`, `warn`, an exit status, or nothing (success).
fn parse_action(action: Option<&str>) -> Result<(Signal, Option<i32>), &'static str> {
    Ok(match action {
        None => (Signal::Success, None),
        Some("start") => (Signal::Start, None),
        Some("fail") => (Signal::Fail, None),
        Some("log") => (Signal::Log, None),
        Some("warn") => (Signal::Warn, None),
        Some("progress") => (Signal::Progress, None),
        Some("step") => (Signal::Step, None),
        Some(code)
            if !code.is_empty() && code.len() <= 3 && code.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let n: i32 = code.parse().map_err(|_| "invalid url format")?;
            if n > 255 {
                return Err("invalid url format: exit status must be 0-255");
            }
            (
                if n == 0 {
                    Signal::Success
                } else {
                    Signal::Fail
                },
                Some(n),
            )
        }
        Some(_) => return Err("invalid url format: unknown action"),
    })
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

async fn ping(
    req: HttpRequest,
    path: web::Path<Vec<String>>,
    mut payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let limit = state.config.ping_body_limit;
    let parts = path.into_inner();
    // Which form: a UUID first segment is the uuid form, anything else a ping key.
    // `/step/<name>` takes one more segment than the other actions.
    let named_step = |rest: &[String]| rest.first().is_some_and(|a| a == "step");
    let (target, action, rest) = match Uuid::try_parse(&parts[0]) {
        Ok(id) if parts.len() <= 2 || (parts.len() == 3 && named_step(&parts[1..])) => (
            PingTarget::Id(id),
            parts.get(1).map(String::as_str),
            parts.get(2),
        ),
        Ok(_) => return bad("invalid url format", limit),
        Err(_) if parts.len() >= 2 && (parts.len() <= 3 || named_step(&parts[2..])) => {
            if !is_slug(&parts[1]) {
                return bad(
                    "invalid url format: slugs are lowercase letters, digits, '-' and '_'",
                    limit,
                );
            }
            let create = query_value(&req, "create").is_some_and(|v| v == "1");
            (
                PingTarget::Slug {
                    ping_key: parts[0].clone(),
                    slug: parts[1].clone(),
                    create,
                },
                parts.get(2).map(String::as_str),
                parts.get(3),
            )
        }
        Err(_) => {
            return bad(
                "invalid url format: expected /ping/<uuid> or /ping/<ping_key>/<slug>",
                limit,
            )
        }
    };
    if let (PingTarget::Id(id), Some(a @ ("lock" | "unlock"))) = (&target, action) {
        return crate::lease::handle(&req, &state, *id, a == "lock").await;
    }
    if matches!(action, Some("lock" | "unlock")) {
        return bad(
            "invalid url format: lock and unlock take /ping/<uuid>/lock",
            limit,
        );
    }
    if let Some(a @ ("problems" | "resolve")) = action {
        if rest.is_some() {
            return bad(
                "invalid url format: nothing follows /problems or /resolve",
                limit,
            );
        }
        return crate::problems::ping(&req, &state, target, a == "resolve", payload).await;
    }
    let (signal, exit_status) = match parse_action(action) {
        Ok(a) => a,
        Err(reason) => return bad(reason, limit),
    };
    let step = match (signal, rest.cloned(), query_value(&req, "step")) {
        (Signal::Step, None, _) => {
            return bad(
                "invalid url format: expected /ping/<uuid>/step/<name>",
                limit,
            )
        }
        (_, Some(name), _) | (_, None, Some(name)) => {
            if let Err(e) = overdue_core::run::check_step_name(name.as_str()) {
                return bad(e, limit);
            }
            Some(name.to_string())
        }
        _ => None,
    };
    let progress = if signal == Signal::Progress {
        let q = |k: &str| query_value(&req, k);
        match Progress::parse(
            q("done").as_deref(),
            q("total").as_deref(),
            q("msg").as_deref(),
        ) {
            Ok(p) => Some(p),
            Err(e) => return bad(e, limit),
        }
    } else {
        None
    };
    let children = match query_value(&req, "children") {
        None => None,
        Some(_) if signal != Signal::Start => {
            return bad("children= goes with /start: the run that fans out", limit)
        }
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n @ 1..=100_000) => Some(n),
            _ => {
                return bad(
                    format!("children must be a number of 1 to 100000, not {v:?}"),
                    limit,
                )
            }
        },
    };
    let parent = match query_value(&req, "parent") {
        None => None,
        Some(p) => match Uuid::try_parse(&p) {
            Ok(u) if p.len() == 36 => Some(u),
            _ => {
                return bad(
                    "invalid uuid format: parent must be the parent run's rid",
                    limit,
                )
            }
        },
    };
    let rid = match query_value(&req, "rid") {
        None => None,
        Some(r) if r.is_empty() => None,
        Some(r) => match Uuid::try_parse(&r) {
            Ok(u) if r.len() == 36 => Some(u),
            _ => return bad("invalid uuid format: rid must be a UUID", limit),
        },
    };
    let scheme = req.connection_info().scheme().to_string();
    // Read the body up to the limit; keep counting past it so the stored size is true.
    let mut body = Vec::new();
    let mut size = 0usize;
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else { break };
        size += chunk.len();
        if body.len() < limit {
            let take = (limit - body.len()).min(chunk.len());
            body.extend_from_slice(&chunk[..take]);
        }
        if size > DRAIN_LIMIT {
            break;
        }
    }
    let remote_addr = req
        .headers()
        .get("X-Forwarded-For")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|s| s.trim().to_string())
        .or_else(|| req.peer_addr().map(|a| a.ip().to_string()))
        .unwrap_or_default();
    let user_agent: String = req
        .headers()
        .get("User-Agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    // Only ends carry a completion report.
    let ends = matches!(signal, Signal::Success | Signal::Warn | Signal::Fail);
    let declared_json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    let (report, report_error) =
        match ends.then(|| BodyReport::detect(&body, declared_json, size > limit)) {
            Some(BodyReport::Report(r)) => (Some(r), None),
            Some(BodyReport::Malformed(e)) => (None, Some(e)),
            _ => (None, None),
        };
    let ping = PingRequest {
        target,
        signal,
        exit_status,
        rid,
        method: req.method().as_str().to_string(),
        scheme,
        remote_addr,
        user_agent,
        body,
        body_size: size as i64,
        step,
        progress,
        report,
        report_error: report_error.clone(),
        children,
        parent,
    };
    match state.store.ping(ping).await {
        Ok(PingReply::Stored { .. }) if report_error.is_some() && size <= limit => {
            crate::metrics::Counters::add(&state.counters.pings_stored);
            // The ping counted (a monitoring hiccup must not become a false alert); the
            // job's author learns that the report was not read.
            let why = report_error.unwrap_or_default();
            text(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "ping recorded as {}, report ignored: {why}",
                    signal.as_str()
                ),
                limit,
            )
        }
        Ok(PingReply::Stored { created, .. }) => {
            crate::metrics::Counters::add(&state.counters.pings_stored);
            let mut resp = text(
                if created {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                },
                if created { "Created" } else { "OK" },
                limit,
            );
            if let Some(why) = &report_error {
                if let Ok(v) = actix_web::http::header::HeaderValue::from_str(why) {
                    resp.headers_mut().insert(
                        actix_web::http::header::HeaderName::from_static("report-unparsed"),
                        v,
                    );
                }
            }
            if size > limit {
                resp.headers_mut().insert(
                    actix_web::http::header::HeaderName::from_static("ping-body-truncated"),
                    actix_web::http::header::HeaderValue::from(size),
                );
            }
            resp
        }
        Ok(PingReply::NotFound) => text(StatusCode::NOT_FOUND, "not found", limit),
        Ok(PingReply::Conflict(_)) => text(StatusCode::CONFLICT, "ambiguous slug", limit),
        Ok(PingReply::Invalid(why)) => bad(why, limit),
        Err(e @ (StoreError::Unavailable(_) | StoreError::Db(_))) => {
            tracing::warn!("ping not stored: {e}");
            crate::metrics::Counters::add(&state.counters.pings_unavailable);
            let mut resp = text(
                StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable, retry later",
                limit,
            );
            resp.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from_static("5"),
            );
            resp
        }
        Err(e) => {
            tracing::error!("ping failed: {e}");
            text(StatusCode::INTERNAL_SERVER_ERROR, "internal error", limit)
        }
    }
}

/// A query parameter's value.
pub(crate) fn query_value(req: &HttpRequest, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions() {
        assert_eq!(parse_action(None), Ok((Signal::Success, None)));
        assert_eq!(parse_action(Some("0")), Ok((Signal::Success, Some(0))));
        assert_eq!(parse_action(Some("1")), Ok((Signal::Fail, Some(1))));
        assert_eq!(parse_action(Some("255")), Ok((Signal::Fail, Some(255))));
        assert!(parse_action(Some("256")).is_err());
        assert!(parse_action(Some("1000")).is_err());
        assert!(parse_action(Some("-1")).is_err());
        assert!(parse_action(Some("bogus")).is_err());
    }
}
