//! `/ack/<token>`: acknowledging an alert from the message that announced it. GET shows
//! a page naming the alert with a confirm button and changes nothing (mail scanners
//! open links); the button POSTs, the token being the credential (no session needed),
//! and the page then says who acknowledged and when. Pages send
//! `Referrer-Policy: no-referrer` so the token never leaves in a `Referer`.

use actix_web::{web, HttpRequest, HttpResponse};
use overdue_core::AlertStatus;
use overdue_notify::text::html as esc;
use overdue_storage::alerting::acks::{self as alerts, Link};
use overdue_storage::{people::accounts, StoreError};

use crate::http::error::ApiError;
use crate::AppState;

/// Registers the acknowledgement pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/ack/{token}", web::get().to(show))
        .route("/ack/{token}", web::post().to(confirm));
}

/// A token as issued: hex, of a sane length (anything else is no token).
fn well_formed(token: &str) -> bool {
    (16..=128).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn page(status: actix_web::http::StatusCode, title: &str, body: &str) -> HttpResponse {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <title>{t} · Overdue</title><style>body{{font-family:system-ui,sans-serif;\
         max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1f2933}}\
         h1{{font-size:1.4rem}}.box{{border:1px solid #d0d7de;border-radius:8px;\
         padding:1rem;margin:1rem 0}}button{{font-size:1rem;padding:.6rem 1.2rem;\
         border-radius:6px;border:0;background:#0b6bcb;color:#fff;cursor:pointer}}\
         .muted{{color:#57606a}}a{{color:#0b6bcb}}\
         @media (prefers-color-scheme: dark){{body{{background:#0d1117;color:#e6edf3}}\
         .box{{border-color:#30363d}}.muted{{color:#8b949e}}a{{color:#58a6ff}}\
         button{{background:#1f6feb}}}}</style></head><body><h1>{t}</h1>{body}</body></html>",
        t = esc(title)
    );
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ))
        .body(html)
}

fn not_found() -> HttpResponse {
    page(
        actix_web::http::StatusCode::NOT_FOUND,
        "Unknown link",
        "<p>This acknowledgement link is not known. It may be mistyped, or its alert was \
         removed with its history.</p>",
    )
}

fn when(ms: i64) -> String {
    overdue_core::Timestamp(ms).local_text(None, false)
}

/// What the page says about the alert of a link.
fn describe(link: &Link) -> String {
    let a = &link.alert;
    let mut out = format!(
        "<div class=\"box\"><strong>{}</strong><br><span class=\"muted\">{} alert · opened {}</span>",
        esc(&a.summary),
        esc(&a.severity),
        esc(&when(a.opened_at))
    );
    if link.group_size > 1 {
        out.push_str(&format!(
            "<p>This message announced {} alerts; {} of them still open.</p>",
            link.group_size, link.open
        ));
    }
    // Where to look next: the monitor the alert is about, and the alerts page.
    let mut links = Vec::new();
    if let Some(m) = &a.monitor_id {
        let public = overdue_core::PublicRef::of(m);
        links.push(format!(
            "<a href=\"/monitors/{}\">Open the monitor</a>",
            esc(public.as_str())
        ));
    }
    links.push("<a href=\"/alerts\">Open the alerts</a>".to_string());
    out.push_str(&format!("<p>{}</p>", links.join(" · ")));
    out.push_str("</div>");
    out
}

async fn load(state: &AppState, token: String) -> Result<Option<Link>, ApiError> {
    Ok(state
        .store
        .read(move |c| alerts::by_token(c, &token))
        .await?)
}

async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner();
    if !well_formed(&token) {
        return Ok(not_found());
    }
    let Some(link) = load(&state, token).await? else {
        return Ok(not_found());
    };
    let a = &link.alert;
    let ok = actix_web::http::StatusCode::OK;
    let mut body = describe(&link);
    if link.open == 0 {
        match a.status() {
            AlertStatus::Resolved => body.push_str(&format!(
                "<p>It is resolved ({}, {}): there is nothing to acknowledge.</p>",
                esc(a.resolved_reason.as_deref().unwrap_or("over")),
                esc(&a.resolved_at.map(when).unwrap_or_default())
            )),
            _ => body.push_str(&format!(
                "<p>Already acknowledged by <strong>{}</strong> at {}.</p>",
                esc(a.acknowledged_by.as_deref().unwrap_or("someone")),
                esc(&a.acknowledged_at.map(when).unwrap_or_default())
            )),
        }
        return Ok(page(ok, "Acknowledge alert", &body));
    }
    let label = if link.open > 1 {
        format!("Acknowledge all {}", link.open)
    } else {
        "Acknowledge".to_string()
    };
    body.push_str(&format!(
        "<form method=\"post\"><button type=\"submit\">{}</button></form>\
         <p class=\"muted\">Acknowledging tells the others someone looks after it; it \
         stays open until what it is about recovers.</p>",
        esc(&label)
    ));
    Ok(page(ok, "Acknowledge alert", &body))
}

/// Who acknowledges: the signed-in user, else the recipient the link was sent to
/// ("ann@example.com (e-mail)"), else the channel it came through ("via Slack (ops)").
async fn actor(state: &AppState, req: &HttpRequest, link: &Link) -> Result<String, ApiError> {
    if let Some(cookie) = req.cookie(crate::http::auth::SESSION_COOKIE) {
        let (token, now) = (cookie.value().to_string(), state.store.now());
        // Attribution only: the link's token is the credential.
        let user = state
            .store
            .read(move |c| accounts::session(c, &token, now))
            .await?;
        if let Some(u) = user {
            return Ok(u.email);
        }
    }
    let Some(ch) = &link.channel else {
        return Ok("via a link of a deleted channel".into());
    };
    Ok(match ch.kind.as_str() {
        // The link was this recipient's own.
        "email" if link.recipient.is_some() => {
            format!("{} (e-mail)", link.recipient.as_deref().unwrap_or_default())
        }
        "email" => {
            let to: Vec<String> = serde_json::from_str::<overdue_notify::EmailConfig>(&ch.config)
                .map(|c| c.to)
                .unwrap_or_default();
            format!("via e-mail to {}", to.join(", "))
        }
        "slack" => format!("via Slack ({})", ch.name),
        "pagerduty" => format!("via PagerDuty ({})", ch.name),
        _ => format!("via {} ({})", ch.kind, ch.name),
    })
}

async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner();
    if !well_formed(&token) {
        return Ok(not_found());
    }
    let Some(link) = load(&state, token.clone()).await? else {
        return Ok(not_found());
    };
    let by = actor(&state, &req, &link).await?;
    let result = state
        .store
        .write(move |tx| alerts::acknowledge_by_token(tx, &token, &by))
        .await;
    let done = match result {
        Ok(Some(done)) => done,
        Ok(None) => return Ok(not_found()),
        Err(StoreError::Conflict(m)) => {
            return Ok(page(
                actix_web::http::StatusCode::CONFLICT,
                "Nothing to acknowledge",
                &format!("{}<p>{}</p>", describe(&link), esc(&m)),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let a = &done.alert;
    let what = if done.count > 1 {
        format!("{} alerts are", done.count)
    } else {
        "The alert is".to_string()
    };
    let body = format!(
        "{}<p>{what} acknowledged by <strong>{}</strong> at {}.</p>",
        describe(&link),
        esc(a.acknowledged_by.as_deref().unwrap_or("you")),
        esc(&a.acknowledged_at.map(when).unwrap_or_default())
    );
    Ok(page(actix_web::http::StatusCode::OK, "Acknowledged", &body))
}
