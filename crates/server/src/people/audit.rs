//! `GET /api/v1/audit`: the project's audit log (docs/security.md, "Audit log") for
//! admins, owners and read-write keys — paged newest first, filtered by who, what,
//! object and time, or exported whole as NDJSON.

use actix_web::{web, HttpResponse};
use overdue_core::Timestamp;
use overdue_storage::base::audit::{self, Filter, Record};
use overdue_types as t;
use serde::Deserialize;

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::http::parse::time_of;
use crate::AppState;

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(list));
}

/// Records in one export at most; filters narrow a larger log.
const EXPORT_MAX: i64 = 100_000;

/// What the URL may ask.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    before: Option<String>,
    limit: Option<String>,
    actor: Option<String>,
    object: Option<String>,
    action: Option<String>,
    since: Option<String>,
    until: Option<String>,
    /// `json` (default) or `ndjson` (everything that matches, one record a line).
    format: Option<String>,
    /// The project (the dashboard's export link; the authentication reads it).
    #[allow(dead_code)]
    project: Option<String>,
}

fn event(r: Record) -> t::AuditEvent {
    t::AuditEvent {
        id: r.id,
        at: Timestamp(r.at).to_rfc3339(),
        actor: r.actor,
        address: r.address,
        action: r.action,
        object: r.object,
        object_id: r.object_id,
        fields: serde_json::from_str(&r.fields).unwrap_or_default(),
    }
}

fn filter(q: &AuditQuery) -> Result<Filter, ApiError> {
    let text = |v: &Option<String>| {
        v.as_ref()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    Ok(Filter {
        before: q
            .before
            .as_deref()
            .map(|b| crate::http::parse::number_id(b, "before"))
            .transpose()?,
        actor: text(&q.actor),
        object: text(&q.object),
        action: text(&q.action),
        since: q
            .since
            .as_deref()
            .map(|s| time_of("since", s))
            .transpose()?
            .map(|t| t.0),
        until: q
            .until
            .as_deref()
            .map(|s| time_of("until", s))
            .transpose()?
            .map(|t| t.0),
    })
}

async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let q = query.into_inner();
    let f = filter(&q)?;
    let ndjson = match q.format.as_deref().map(str::trim) {
        None | Some("json") => false,
        Some("ndjson") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "format {other:?}: use json or ndjson"
            )))
        }
    };
    let limit = match (&q.limit, ndjson) {
        (_, true) => EXPORT_MAX,
        (None, false) => 100,
        (Some(l), false) => l
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or_else(|| ApiError::BadRequest(format!("limit {l:?}: a number from 1 to 500")))?,
    };
    let project = auth.project.clone();
    let rows = state
        .store
        .read(move |c| audit::list(c, &project, &f, limit))
        .await?;
    if ndjson {
        let mut body = String::new();
        for r in rows {
            body.push_str(&serde_json::to_string(&event(r)).unwrap_or_default());
            body.push('\n');
        }
        return Ok(HttpResponse::Ok()
            .content_type("application/x-ndjson")
            .insert_header((
                "Content-Disposition",
                "attachment; filename=\"overdue-audit.ndjson\"",
            ))
            .body(body));
    }
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    Ok(HttpResponse::Ok().json(t::AuditPage {
        events: rows.into_iter().map(event).collect(),
        next,
    }))
}
