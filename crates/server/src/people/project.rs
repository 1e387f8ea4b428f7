//! `/api/v1/project`: the current project's settings. Its time zone (an IANA name;
//! empty: UTC) is where messages show the times of monitors without a zone of their own
//! (docs/behaviour.md, "Channels"); its storm setting gathers alerts that open together
//! (docs/behaviour.md, "Storms"); its business calendar gives reports their working
//! hours (docs/behaviour.md, "Reports"). Anyone who reads the project reads it; changing it
//! needs the admin role or a read-write key.

use actix_web::{web, HttpResponse};
use overdue_core::route::storm::Storm;
use overdue_storage::people::projects;
use overdue_storage::reports::mail::{self, MailSetting};
use overdue_types::{ProjectSettings, ProjectSettingsInput, StormInput, StormSettings};

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::AppState;

/// Registers the project settings routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/project", web::get().to(show))
        .route("/project", web::patch().to(change))
        .route("/project", web::delete().to(remove));
}

/// `DELETE /project` (docs/behaviour.md, "Projects").
async fn remove(
    auth: Auth,
    state: web::Data<AppState>,
    body: crate::http::body::Body<overdue_types::DeleteProjectInput>,
) -> Result<HttpResponse, ApiError> {
    crate::people::lifecycle::delete(auth, state, body).await
}

fn render((p, calendar, mail): &mail::Settings) -> ProjectSettings {
    ProjectSettings {
        report_mail: mail.clone(),
        calendar: calendar.clone(),
        availability_target: p.availability_target.map(|t| t as f64 / 1000.0),
        id: p.id.clone(),
        name: p.name.clone(),
        require_second_factor: p.require_second_factor,
        tz: Some(p.tz.clone()).filter(|t| !t.is_empty()),
        storm: p.storm().map(|s| StormSettings {
            wait: s.wait_ms / 1_000,
            interval: s.interval_ms / 1_000,
        }),
    }
}

async fn show(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let project = auth.project.clone();
    let p = state
        .store
        .read(move |c| mail::settings(c, &project))
        .await?;
    Ok(HttpResponse::Ok().json(render(&p)))
}

async fn change(
    auth: Auth,
    state: web::Data<AppState>,
    body: crate::http::body::Body<ProjectSettingsInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let input = body.into_inner()?;
    let name = match &input.name {
        Some(n) => {
            auth.require_owner()?;
            Some(overdue_core::text::name("name", n, 100).map_err(ApiError::BadRequest)?)
        }
        None => None,
    };
    let require_second_factor = match input.require_second_factor {
        Some(on) => {
            auth.require_owner()?;
            let by = auth.user_id.clone().ok_or_else(|| {
                ApiError::Forbidden("this needs the owner's own session, not an API key".into())
            })?;
            Some((on, by))
        }
        None => None,
    };
    if input.name.is_none()
        && input.require_second_factor.is_none()
        && input.tz.is_none()
        && input.storm.is_none()
        && input.calendar.is_none()
        && input.availability_target.is_none()
        && input.report_mail.is_none()
    {
        return Err(ApiError::BadRequest(
            "nothing to change: give name or require_second_factor (owners), tz (a time zone), storm ({\"wait\": \"30s\", \"interval\": \"5m\"} or null), calendar (a calendar's name or null), availability_target (a percentage such as 99.5, or null) or report_mail ({\"every\": \"week\", \"to\": [\"ops@example.com\"], \"at\": \"08:00\"} or null)"
                .into(),
        ));
    }
    let availability_target = input
        .availability_target
        .map(|t| {
            t.map(overdue_core::report::availability::checked_target)
                .transpose()
        })
        .transpose()
        .map_err(ApiError::BadRequest)?;
    let tz = input.tz.map(|t| t.trim().to_string());
    if let Some(tz) = &tz {
        crate::http::parse::zone(tz)?;
    }
    let storm = input
        .storm
        .map(|s| s.map(storm_of).transpose())
        .transpose()?;
    let report_mail = input
        .report_mail
        .map(|m| m.map(mail_of).transpose())
        .transpose()?;
    let change = projects::SettingsChange {
        name,
        require_second_factor,
        tz,
        storm,
        calendar: input.calendar,
        availability_target,
    };
    let project = auth.project.clone();
    let p = state
        .store
        .write(move |tx| mail::change_settings(tx, &project, &change, report_mail))
        .await?;
    Ok(HttpResponse::Ok().json(render(&p)))
}

/// A summary by e-mail from input: its addresses checked as an e-mail channel's (the
/// rest is checked where it is stored).
fn mail_of(m: overdue_types::reports::ReportMailInput) -> Result<MailSetting, ApiError> {
    let mut to = overdue_notify::email::EmailConfig { to: m.to };
    to.validate()
        .map_err(|e| ApiError::BadRequest(format!("report_mail.{e}")))?;
    Ok(MailSetting {
        every: m.every,
        to: to.to,
        at: m.at,
    })
}

/// A storm setting from input, checked by the core's rule.
fn storm_of(s: StormInput) -> Result<Storm, ApiError> {
    let ms = |field: &str, d: &overdue_types::DurationInput| {
        crate::monitoring::validate::duration(field, d).map(|d| d.millis())
    };
    let wait = ms("storm.wait", &s.wait)?;
    let interval = s
        .interval
        .as_ref()
        .map(|d| ms("storm.interval", d))
        .transpose()?;
    Storm::checked(wait, interval).map_err(ApiError::BadRequest)
}
