//! The report by e-mail (docs/behaviour.md, "The report by e-mail"): a project's weekly
//! or monthly summary is a row of `report_mails` with its next due time (indexed). The
//! scheduler reads the earliest; a due row is claimed with a conditional update that
//! moves it to the next time, and in the same unit of work the period's reports are
//! read and one outbox row per address is written (durable, retried, in the delivery
//! log). The message is rendered — text, HTML, PNG charts — when it is sent.

use diesel::prelude::*;
use overdue_core::report::mail::{minute_of_day, next_at, period_of, time_of_day, Every};
use overdue_core::Timestamp;
use overdue_types::reports::{ReportMail, ReportMailSettings};

use super::{build, Ask, Report};
use crate::base::schema::{outbox, projects, report_mails};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

pub use crate::base::outbox::REPORT_MAIL;

/// A summary to set: how often, to whom (checked addresses), at what time of day.
#[derive(Debug, Clone)]
pub struct MailSetting {
    /// `week` or `month`.
    pub every: String,
    /// The addresses (checked by the caller).
    pub to: Vec<String>,
    /// `HH:MM`, `None`: 08:00.
    pub at: Option<String>,
}

/// The project's zone (UTC when unset).
fn zone_of(c: &mut AnyConnection, project: &str) -> Result<String, StoreError> {
    let tz: String = projects::table
        .find(project)
        .select(projects::tz)
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("project"))?;
    Ok(if tz.is_empty() { "UTC".into() } else { tz })
}

/// Sets (or with `None` removes) the project's summary, due next from now.
pub fn set(
    tx: &mut Tx<'_>,
    project: &str,
    setting: Option<&MailSetting>,
) -> Result<(), StoreError> {
    let c = tx.conn();
    let Some(s) = setting else {
        diesel::delete(report_mails::table.find(project)).execute(c)?;
        return Ok(());
    };
    let every = Every::parse(&s.every).map_err(StoreError::Invalid)?;
    let minute = match &s.at {
        Some(at) => minute_of_day(at).map_err(StoreError::Invalid)?,
        None => 8 * 60,
    };
    let recipients = serde_json::to_string(&s.to)
        .map_err(|e| StoreError::Internal(format!("report mail: {e}")))?;
    let tz = zone_of(c, project)?;
    let now = tx.now().0;
    let due = next_at(every, minute, &tz, now)
        .ok_or_else(|| StoreError::Invalid("report_mail: no next time in this zone".into()))?;
    let c = tx.conn();
    diesel::delete(report_mails::table.find(project)).execute(c)?;
    diesel::insert_into(report_mails::table)
        .values((
            report_mails::project_id.eq(project),
            report_mails::every.eq(every.as_str()),
            report_mails::recipients.eq(recipients),
            report_mails::at_minute.eq(minute as i32),
            report_mails::due_at.eq(due),
        ))
        .execute(c)?;
    Ok(())
}

/// A project with its reports' calendar (by name) and its summary by e-mail.
pub type Settings = (
    crate::base::models::ProjectRow,
    Option<String>,
    Option<ReportMailSettings>,
);

/// Project `id`'s settings, its summary by e-mail with them.
pub fn settings(c: &mut AnyConnection, id: &str) -> Result<Settings, StoreError> {
    let (p, calendar) = crate::people::projects::with_calendar(c, id)?;
    let mail = get(c, id)?;
    Ok((p, calendar, mail))
}

/// Changes project `id`'s settings (`mail`: its summary by e-mail, `Some(None)` to stop
/// it); a new zone moves the summary's next time to its time of day there.
pub fn change_settings(
    tx: &mut Tx<'_>,
    id: &str,
    change: &crate::people::projects::SettingsChange,
    mail: Option<Option<MailSetting>>,
) -> Result<Settings, StoreError> {
    crate::people::projects::change(tx, id, change)?;
    if let Some((on, by)) = &change.require_second_factor {
        crate::people::second_factor::require(tx, id, *on, by)?;
    }
    match mail {
        Some(m) => set(tx, id, m.as_ref())?,
        None if change.tz.is_some() => rearm(tx, id)?,
        None => {}
    }
    settings(tx.conn(), id)
}

/// Moves the project's summary to its next time in its (new) zone, if it has one.
fn rearm(tx: &mut Tx<'_>, project: &str) -> Result<(), StoreError> {
    if let Some(s) = get(tx.conn(), project)? {
        let setting = MailSetting {
            every: s.every,
            to: s.to,
            at: Some(s.at),
        };
        set(tx, project, Some(&setting))?;
    }
    Ok(())
}

/// The project's summary, as set.
pub fn get(c: &mut AnyConnection, project: &str) -> Result<Option<ReportMailSettings>, StoreError> {
    let row: Option<(String, String, i32, i64)> = report_mails::table
        .find(project)
        .select((
            report_mails::every,
            report_mails::recipients,
            report_mails::at_minute,
            report_mails::due_at,
        ))
        .first(c)
        .optional()?;
    Ok(row.map(|(every, to, minute, due)| ReportMailSettings {
        every,
        to: serde_json::from_str(&to).unwrap_or_default(),
        at: time_of_day(minute.max(0) as u32),
        next_at: Timestamp(due).to_rfc3339(),
    }))
}

/// When the earliest summary is due (ms), of any project.
pub fn earliest(c: &mut AnyConnection) -> Result<Option<i64>, StoreError> {
    Ok(report_mails::table
        .select(diesel::dsl::min(report_mails::due_at))
        .first::<Option<i64>>(c)?)
}

/// Sends the summaries due now, at most `limit`: each claimed (moved to its next time
/// only if still due, so one instance sends it), its reports read, one outbox row per
/// address. Returns how many summaries went out.
pub fn send_due(tx: &mut Tx<'_>, limit: i64) -> Result<usize, StoreError> {
    let now = tx.now().0;
    let due: Vec<(String, String, String, i32, i64)> = report_mails::table
        .filter(report_mails::due_at.le(now))
        .order(report_mails::due_at.asc())
        .limit(limit)
        .select((
            report_mails::project_id,
            report_mails::every,
            report_mails::recipients,
            report_mails::at_minute,
            report_mails::due_at,
        ))
        .load(tx.conn())?;
    let mut sent = 0;
    for (project, every, recipients, minute, due_at) in due {
        let every = Every::parse(&every).unwrap_or(Every::Week);
        let tz = zone_of(tx.conn(), &project)?;
        let minute = minute.max(0) as u32;
        // After a long stop, the next time after now: one summary, not one per week
        // missed.
        let Some(next) = next_at(every, minute, &tz, now.max(due_at)) else {
            continue;
        };
        let claimed = diesel::update(
            report_mails::table
                .filter(report_mails::project_id.eq(&project))
                .filter(report_mails::due_at.eq(due_at)),
        )
        .set(report_mails::due_at.eq(next))
        .execute(tx.conn())?;
        if claimed == 0 {
            continue;
        }
        let to: Vec<String> = serde_json::from_str(&recipients).unwrap_or_default();
        // The period that ended before the time it was due.
        let Some((from, until, title)) = period_of(every, &tz, due_at) else {
            continue;
        };
        let mail = summary(tx.conn(), &project, every, &from, &until, title, now)?;
        for address in to {
            enqueue(
                tx,
                &project,
                ReportMail {
                    to: address,
                    ..mail.clone()
                },
            )?;
        }
        sent += 1;
    }
    Ok(sent)
}

/// The figures of one summary (for its first address; the caller sets each).
fn summary(
    c: &mut AnyConnection,
    project: &str,
    every: Every,
    from: &str,
    to: &str,
    title: String,
    now: i64,
) -> Result<ReportMail, StoreError> {
    let ask = Ask {
        from: Some(from.to_string()),
        to: Some(to.to_string()),
        ..Ask::default()
    };
    let now = Timestamp(now);
    let mut read = |name: &str| build(c, project, name, &ask, now);
    let (Report::Alerts(alerts), Report::Response(response), Report::OutOfHours(hours)) =
        (read("alerts")?, read("response")?, read("out-of-hours")?)
    else {
        return Err(StoreError::Internal(
            "report mail: a report of another kind".into(),
        ));
    };
    let (Report::Noisiest(noisiest), Report::Availability(mut availability)) =
        (read("noisiest")?, read("availability")?)
    else {
        return Err(StoreError::Internal(
            "report mail: a report of another kind".into(),
        ));
    };
    availability.rows.truncate(10);
    let name: String = projects::table
        .find(project)
        .select(projects::name)
        .first(c)?;
    Ok(ReportMail {
        to: String::new(),
        project: name,
        every: every.as_str().into(),
        title,
        link: format!("/reports?from={from}&to={to}"),
        alerts,
        response,
        out_of_hours: hours,
        noisiest,
        availability,
    })
}

/// One outbox row: no channel, the address as its recipient, the figures as payload.
fn enqueue(tx: &mut Tx<'_>, project: &str, mail: ReportMail) -> Result<(), StoreError> {
    let now = tx.now().0;
    let payload = serde_json::to_string(&mail)
        .map_err(|e| StoreError::Internal(format!("report mail: {e}")))?;
    diesel::insert_into(outbox::table)
        .values((
            outbox::project_id.eq(Some(project)),
            outbox::channel_id.eq(None::<String>),
            outbox::monitor_id.eq(None::<String>),
            outbox::event.eq(REPORT_MAIL),
            outbox::payload.eq(payload),
            outbox::idempotency_key.eq(format!("report-{}", uuid::Uuid::new_v4())),
            outbox::created_at.eq(now),
            outbox::state.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::recipient.eq(&mail.to),
        ))
        .execute(tx.conn())?;
    tx.fx.notifications += 1;
    Ok(())
}
