//! The public status page (docs/behaviour.md, "Status pages"): `/status/<key>` (HTML)
//! and `/status/<key>.json`, read by anyone with the key — names as the owner exposed
//! them, statuses, 90-day strips and current incidents, nothing else of the project.
//! The HTML is one small document with no script, its charts inline SVG with their
//! words (each day's in its `<title>`, each strip's summary in its label), light and
//! dark, one column on a phone.

use actix_web::{web, HttpResponse};
use overdue_core::Timestamp;
use overdue_notify::text::html as esc;
use overdue_storage::monitoring::status_pages;
use overdue_types::status_pages::PublicStatus;
use overdue_types::UptimeDay;

use crate::http::error::ApiError;
use crate::AppState;

/// Registers the public page.
pub fn public_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/status/{key}", web::get().to(public));
}

/// `/status/<key>` (HTML) or `/status/<key>.json`; an unknown key is a plain 404 that
/// tells nothing.
async fn public(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let raw = path.into_inner();
    let (key, json) = match raw.strip_suffix(".json") {
        Some(k) => (k.to_string(), true),
        None => (raw, false),
    };
    let now = state.store.now();
    let found = if key.len() == 24 && key.chars().all(|c| c.is_ascii_alphanumeric()) {
        state
            .store
            .read(move |c| status_pages::public(c, &key, now))
            .await?
    } else {
        None
    };
    let status = found.ok_or_else(|| ApiError::NotFound("no such status page".into()))?;
    Ok(if json {
        HttpResponse::Ok()
            .insert_header(("Cache-Control", "max-age=30"))
            .json(status)
    } else {
        // No script, no request of its own; the key in its URL goes to nobody else.
        HttpResponse::Ok()
            .insert_header(("Cache-Control", "max-age=30"))
            .insert_header(("Referrer-Policy", "no-referrer"))
            .insert_header((
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'",
            ))
            .content_type("text/html; charset=utf-8")
            .body(page(&status))
    })
}

/// The class of a day's cell (its colour is the page's style, light or dark).
fn class(status: &str) -> &'static str {
    match status {
        "up" => "up",
        "down" => "down",
        "paused" => "paused",
        _ => "none",
    }
}

/// A day's words: "2026-12-07: down 4 min, uptime 99.722 %".
fn day_words(d: &UptimeDay) -> String {
    match d.status.as_str() {
        "none" => format!("{}: no data", d.date),
        "paused" => format!("{}: paused", d.date),
        _ => {
            let uptime = d
                .uptime
                .map(|u| format!(", uptime {u} %"))
                .unwrap_or_default();
            if d.down > 0 {
                format!(
                    "{}: down {}{uptime}",
                    d.date,
                    overdue_core::duration::words(d.down)
                )
            } else {
                format!("{}: up{uptime}", d.date)
            }
        }
    }
}

/// A monitor's strip: a cell per day, each with its words; the strip's label says the
/// days with downtime.
fn strip(name: &str, days: &[UptimeDay]) -> String {
    let down: Vec<&UptimeDay> = days.iter().filter(|d| d.status == "down").collect();
    let label = match down.last() {
        None => format!("{name}: no downtime in the last {} days", days.len()),
        Some(last) => format!(
            "{name}: downtime on {} of the last {} days, the last {}",
            down.len(),
            days.len(),
            day_words(last)
        ),
    };
    let mut svg = format!(
        "<svg class=\"strip\" viewBox=\"0 0 {} 28\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\">",
        days.len() * 10,
        esc(&label)
    );
    for (i, d) in days.iter().enumerate() {
        svg.push_str(&format!(
            "<rect x=\"{}\" y=\"0\" width=\"8\" height=\"28\" rx=\"1.5\" class=\"{}\"><title>{}</title></rect>",
            i * 10,
            class(&d.status),
            esc(&day_words(d))
        ));
    }
    svg.push_str("</svg>");
    svg
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1f2328}\
main{max-width:52rem;margin:0 auto;padding:1.5rem 1rem}h1{font-size:1.6rem;margin:.2rem 0 1rem}\
h2{font-size:1.15rem;margin:1.5rem 0 .6rem}.overall{padding:.9rem 1rem;border-radius:8px;\
font-weight:600;margin:0}.ok{background:#dafbe1;color:#116329}.bad{background:#ffebe9;color:#82071e}\
ul{list-style:none;padding:0;margin:0}li.monitor{background:#fff;border:1px solid #d0d7de;\
border-radius:8px;padding:.8rem 1rem;margin:.6rem 0}.head{display:flex;flex-wrap:wrap;gap:.4rem 1rem;\
align-items:baseline;margin-bottom:.5rem}.name{font-weight:600;flex:1 1 12rem}.state{font-weight:600}\
.state.up{color:#116329}.state.down{color:#a40e26}.state.paused,.state.new{color:#57606a}\
.muted,.edges{color:#57606a;font-size:.9rem}svg.strip{width:100%;height:28px;display:block}\
.edges{display:flex;justify-content:space-between;margin-top:.2rem}li.incident{margin:.3rem 0}\
rect.up{fill:#2da44e}rect.down{fill:#cf222e}rect.paused{fill:#8c959f}rect.none{fill:#d0d7de}\
@media (prefers-color-scheme: dark){body{background:#0d1117;color:#e6edf3}\
li.monitor{background:#161b22;border-color:#30363d}.ok{background:#033a16;color:#aff5b4}\
.bad{background:#490202;color:#ffdcd7}.state.up{color:#7ee787}.state.down{color:#ff9492}\
.state.paused,.state.new,.muted,.edges{color:#9198a1}rect.none{fill:#30363d}}";

/// The whole page.
pub fn page(p: &PublicStatus) -> String {
    let when = |rfc: &str| {
        Timestamp::parse_rfc3339(rfc)
            .map(|t| t.local_text(Some(&p.zone), false))
            .unwrap_or_else(|| rfc.to_string())
    };
    let overall = match p.incidents.len() {
        0 => "<p class=\"overall ok\" role=\"status\">All systems operational</p>".to_string(),
        1 => "<p class=\"overall bad\" role=\"status\">1 incident now</p>".to_string(),
        n => format!("<p class=\"overall bad\" role=\"status\">{n} incidents now</p>"),
    };
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><style>{STYLE}</style></head><body><main><h1>{t}</h1>{overall}",
        t = esc(&p.title)
    );
    if !p.incidents.is_empty() {
        html.push_str("<section aria-labelledby=\"incidents\"><h2 id=\"incidents\">Current incidents</h2><ul>");
        for i in &p.incidents {
            html.push_str(&format!(
                "<li class=\"incident\"><strong>{}</strong> is down since <time datetime=\"{}\">{}</time></li>",
                esc(&i.name),
                esc(&i.since),
                esc(&when(&i.since))
            ));
        }
        html.push_str("</ul></section>");
    }
    html.push_str("<section aria-labelledby=\"days\"><h2 id=\"days\">The last 90 days</h2>");
    if p.monitors.is_empty() {
        html.push_str("<p class=\"muted\">Nothing is shown on this page yet.</p>");
    }
    html.push_str("<ul>");
    for m in &p.monitors {
        let state = match m.status.as_str() {
            "up" => "Up",
            "down" => "Down",
            "paused" => "Paused",
            _ => "Waiting for its first run",
        };
        let uptime = m
            .uptime
            .map(|u| format!("{u} % uptime"))
            .unwrap_or_else(|| "no data yet".into());
        html.push_str(&format!(
            "<li class=\"monitor\"><div class=\"head\"><span class=\"name\">{}</span>\
             <span class=\"state {}\">{state}</span><span class=\"muted\">{uptime}</span></div>{}\
             <div class=\"edges\" aria-hidden=\"true\"><span>90 days ago</span><span>Today</span></div></li>",
            esc(&m.name),
            esc(&m.status),
            strip(&m.name, &m.days)
        ));
    }
    html.push_str(&format!(
        "</ul></section><p class=\"muted\">Updated {} · days in {}.</p></main></body></html>",
        esc(&when(&p.updated_at)),
        esc(&p.zone)
    ));
    html
}
