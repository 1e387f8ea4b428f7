//! Badges (docs/behaviour.md, "API"): public status images for READMEs and wall screens.
//! `/badge/<badge_key>/<tag>.svg` (all monitors with that tag; `*` for all of the
//! project) and `/badge/<badge_key>/monitor/<slug>.svg`; `.json` (Healthchecks' badge
//! JSON) and `.shields` (a shields.io endpoint) instead of `.svg`. The badge key shows
//! status only: it cannot ping, read or change anything.

use actix_web::{web, HttpResponse, ResponseError};
use overdue_storage::base::models::MonitorRow;
use overdue_storage::monitoring::views;
use serde_json::json;

use crate::AppState;

/// Registers the public routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/badge/{key}/{file}", web::get().to(by_tag))
        .route("/badge/{key}/monitor/{file}", web::get().to(by_monitor));
}

/// A monitor's badge URL (SVG): by its slug, so the URL never reveals its UUID (the
/// secret of its ping URL). `None` without a slug or badge key.
pub fn monitor_url(site: &str, badge_key: Option<&str>, row: &MonitorRow) -> Option<String> {
    let (key, slug) = (badge_key?, row.slug.as_deref()?);
    Some(format!("{site}/badge/{key}/monitor/{slug}.svg"))
}

/// The project's badge key and monitors, or a 404 when it has none.
async fn key_and_monitors(
    state: &AppState,
    project: String,
) -> Result<(String, Vec<MonitorRow>), crate::http::error::ApiError> {
    let (key, rows) = state
        .store
        .read(move |c| views::badge_monitors(c, &project))
        .await?;
    let key = key.ok_or_else(|| {
        crate::http::error::ApiError::NotFound("this project has no badge key".into())
    })?;
    Ok((key, rows))
}

/// Every tag of these monitors, sorted, once.
fn tags_of(rows: &[MonitorRow]) -> Vec<String> {
    let mut tags: Vec<String> = rows.iter().flat_map(|r| r.tag_list()).collect();
    tags.sort();
    tags.dedup();
    tags
}

/// `GET /api/v1/badges`: the project's badge URLs — all monitors, each tag, each
/// monitor with a slug.
pub async fn list(
    auth: crate::http::auth::Auth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, crate::http::error::ApiError> {
    let (key, rows) = key_and_monitors(&state, auth.project.clone()).await?;
    let site = &state.config.site_url;
    let urls = |name: &str| {
        json!({
            "svg": format!("{site}/badge/{key}/{name}.svg"),
            "json": format!("{site}/badge/{key}/{name}.json"),
            "shields": format!("{site}/badge/{key}/{name}.shields"),
        })
    };
    let tags = tags_of(&rows);
    let monitors: Vec<_> = rows
        .iter()
        .filter_map(|r| {
            monitor_url(site, Some(&key), r)
                .map(|svg| json!({ "name": r.name, "slug": r.slug, "svg": svg }))
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "key": key,
        "all": urls("*"),
        "tags": tags.iter().map(|t| json!({ "tag": t, "urls": urls(t) })).collect::<Vec<_>>(),
        "monitors": monitors,
    })))
}

/// `GET /api/v3/badges/` as Healthchecks answers it: `{"badges": {tag: {svg, svg3,
/// json, json3, shields, shields3}}}` for `*` and every tag; the plain names are the
/// two-state badges (late shown as up), the `3` ones show late.
pub async fn v3_list(
    auth: crate::http::auth::Auth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, crate::http::error::ApiError> {
    let (key, rows) = key_and_monitors(&state, auth.project.clone()).await?;
    let site = &state.config.site_url;
    let mut badges = serde_json::Map::new();
    for tag in std::iter::once("*".to_string()).chain(tags_of(&rows)) {
        let url = |ext: &str, two: bool| {
            let name = &tag;
            let q = if two { "?states=2" } else { "" };
            format!("{site}/badge/{key}/{name}.{ext}{q}")
        };
        badges.insert(
            tag.clone(),
            json!({
                "svg": url("svg", true), "svg3": url("svg", false),
                "json": url("json", true), "json3": url("json", false),
                "shields": url("shields", true), "shields3": url("shields", false),
            }),
        );
    }
    Ok(HttpResponse::Ok().json(json!({ "badges": badges })))
}

/// The monitors' combined state, as Healthchecks' badges count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Summary {
    total: usize,
    grace: usize,
    down: usize,
}

impl Summary {
    fn of<'a>(states: impl Iterator<Item = &'a str>) -> Summary {
        let mut s = Summary {
            total: 0,
            grace: 0,
            down: 0,
        };
        for st in states {
            s.total += 1;
            match st {
                "down" => s.down += 1,
                "late" => s.grace += 1,
                _ => {}
            }
        }
        s
    }

    /// The two-state badge (`?states=2`, Healthchecks' plain badge): late counts as
    /// up.
    fn two_state(self) -> Summary {
        Summary { grace: 0, ..self }
    }

    /// Down if any is down, late if any is late, else up (new, paused and running
    /// monitors count as up, as Healthchecks does).
    fn status(self) -> &'static str {
        if self.down > 0 {
            "down"
        } else if self.grace > 0 {
            "late"
        } else {
            "up"
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Svg,
    Json,
    Shields,
}

/// `name.svg` → (`name`, Svg).
fn split(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let f = match ext {
        "svg" => Format::Svg,
        "json" => Format::Json,
        "shields" => Format::Shields,
        _ => return None,
    };
    (!name.is_empty()).then_some((name, f))
}

/// A 404 of the one error mapping, not to be cached: the badge may exist soon.
fn not_found(msg: &str) -> HttpResponse {
    let mut r = crate::http::error::ApiError::NotFound(msg.into()).error_response();
    r.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-cache"),
    );
    r
}

fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A flat two-part badge: `label | status`.
fn svg(label: &str, status: &str) -> String {
    let color = match status {
        "down" => "#e05d44",
        "late" => "#fe7d37",
        _ => "#4c1",
    };
    // Verdana 11 px averages ~7 px per character; 10 px padding each side.
    let w = |t: &str| t.chars().count() * 7 + 10;
    let (lw, sw) = (w(label), w(status));
    let label = escape_xml(label);
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" aria-label="{label}: {status}"><title>{label}: {status}</title><rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="{sw}" height="20" fill="{color}"/><g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11"><text x="{lx}" y="14">{label}</text><text x="{sx}" y="14">{status}</text></g></svg>"##,
        total = lw + sw,
        lx = lw / 2,
        sx = lw + sw / 2,
    )
}

fn answer(label: &str, s: Summary, format: Format) -> HttpResponse {
    let status = s.status();
    let mut r = HttpResponse::Ok();
    // Badges are fetched by image proxies and READMEs: fresh each time, from anywhere.
    r.insert_header(("Cache-Control", "no-cache"))
        .insert_header(("Access-Control-Allow-Origin", "*"));
    match format {
        Format::Svg => r
            .content_type("image/svg+xml; charset=utf-8")
            .body(svg(label, status)),
        Format::Json => r.json(json!({
            "status": status, "total": s.total, "grace": s.grace, "down": s.down,
        })),
        Format::Shields => r.json(json!({
            "schemaVersion": 1,
            "label": label,
            "message": status,
            "color": match status { "down" => "critical", "late" => "important", _ => "success" },
        })),
    }
}

/// The project's monitors, or an answer for an unknown key.
async fn project_monitors(state: &AppState, key: String) -> Result<Vec<MonitorRow>, HttpResponse> {
    let found = state
        .store
        .read(move |c| views::by_badge_key(c, &key))
        .await;
    match found {
        Ok(Some(rows)) => Ok(rows),
        Ok(None) => Err(not_found("no such badge key")),
        Err(e) => Err(crate::http::error::ApiError::from(e).error_response()),
    }
}

/// Whether the badge was asked for with two states (`?states=2`).
fn two_states(req: &actix_web::HttpRequest) -> bool {
    req.query_string().split('&').any(|p| p == "states=2")
}

async fn by_tag(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (key, file) = path.into_inner();
    let Some((tag, format)) = split(&file) else {
        return not_found("badge names end in .svg, .json or .shields");
    };
    let tag = tag.to_string();
    let rows = match project_monitors(&state, key).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let now = state.store.now();
    let chosen: Vec<&MonitorRow> = rows
        .iter()
        .filter(|r| tag == "*" || r.tag_list().contains(&tag))
        .collect();
    if chosen.is_empty() {
        return not_found("no monitor has this tag");
    }
    let mut s = Summary::of(chosen.iter().map(|r| r.state().display_status(now)));
    if two_states(&req) {
        s = s.two_state();
    }
    let label = if tag == "*" { "status" } else { tag.as_str() };
    answer(label, s, format)
}

async fn by_monitor(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (key, file) = path.into_inner();
    let Some((slug, format)) = split(&file) else {
        return not_found("badge names end in .svg, .json or .shields");
    };
    let slug = slug.to_string();
    let rows = match project_monitors(&state, key).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let Some(row) = rows
        .iter()
        .find(|r| r.slug.as_deref() == Some(slug.as_str()))
    else {
        return not_found("no monitor has this slug");
    };
    let mut s = Summary::of(std::iter::once(
        row.state().display_status(state.store.now()),
    ));
    if two_states(&req) {
        s = s.two_state();
    }
    answer(&row.name, s, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_state_wins_and_labels_are_escaped() {
        let s = Summary::of(["up", "late", "running", "new"].into_iter());
        assert_eq!((s.status(), s.total, s.grace), ("late", 4, 1));
        assert_eq!(Summary::of(["late", "down"].into_iter()).status(), "down");
        assert_eq!(Summary::of(["paused"].into_iter()).status(), "up");
        assert_eq!(s.two_state().status(), "up", "two states: late is up");
        let out = svg("<b>\"x\"</b>", "up");
        assert!(out.contains("&lt;b&gt;&quot;x&quot;&lt;/b&gt;"), "{out}");
        assert!(!out.contains("<b>"));
        assert_eq!(split("prod.svg"), Some(("prod", Format::Svg)));
        assert_eq!(split("a.b.json"), Some(("a.b", Format::Json)));
        assert_eq!(split("prod.png"), None);
        assert_eq!(split(".svg"), None);
    }
}
