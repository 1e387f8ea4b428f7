//! A project's silences (docs/behaviour.md, "Routing"): stored with their matcher and
//! window as JSON,
//! created and ended through the unit of work (never deleted: the history stays), read
//! as the core's [`Silence`]s when a message is written. Ending one early makes the
//! alerts it held due at once.

use diesel::prelude::*;
use overdue_core::route::{Matcher, Silence, Window};
use overdue_core::Timestamp;
use uuid::Uuid;

use crate::base::schema::{alert_timers, monitors, silences};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// A stored silence.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = silences)]
#[allow(missing_docs)]
pub struct SilenceRow {
    pub id: String,
    pub project_id: String,
    pub matcher: String,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub recurring: Option<String>,
    pub author: String,
    pub comment: String,
    pub created_at: i64,
    pub ended_at: Option<i64>,
}

impl SilenceRow {
    /// The silence as the rules see it (ended early: ends then).
    pub fn rule(&self) -> Silence {
        let end = match (self.ends_at, self.ended_at) {
            (Some(e), Some(x)) => Some(e.min(x)),
            (e, x) => e.or(x),
        };
        Silence {
            id: self.id.clone(),
            matcher: serde_json::from_str(&self.matcher).unwrap_or_else(|_| Matcher {
                kinds: vec!["none".into()],
                ..Default::default()
            }),
            starts_at: Timestamp(self.starts_at),
            ends_at: end.map(Timestamp),
            recurring: self
                .recurring
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok()),
        }
    }

    /// `active`, `upcoming` or `ended` at `now`.
    pub fn state(&self, now: Timestamp) -> &'static str {
        let rule = self.rule();
        if rule.ends_at.is_some_and(|e| e <= now) {
            "ended"
        } else if rule.starts_at > now {
            "upcoming"
        } else {
            "active"
        }
    }
}

/// A new silence, checked by the caller.
#[derive(Debug, Clone)]
pub struct NewSilence {
    /// What it silences.
    pub matcher: Matcher,
    /// From.
    pub starts_at: Timestamp,
    /// Until.
    pub ends_at: Option<Timestamp>,
    /// A weekly window.
    pub recurring: Option<Window>,
    /// Who made it.
    pub author: String,
    /// Why.
    pub comment: String,
}

/// Creates a silence; returns it and how many of the project's monitors its tags and
/// name patterns match now (0: it silences nothing today, a warning for the caller).
pub fn create(
    tx: &mut Tx<'_>,
    project: &str,
    new: NewSilence,
) -> Result<(SilenceRow, usize), StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let row = SilenceRow {
        id: Uuid::new_v4().hyphenated().to_string(),
        project_id: project.to_string(),
        matcher: serde_json::to_string(&new.matcher).unwrap_or_else(|_| "{}".into()),
        starts_at: new.starts_at.0,
        ends_at: new.ends_at.map(|t| t.0),
        recurring: new
            .recurring
            .as_ref()
            .and_then(|w| serde_json::to_string(w).ok()),
        author: new.author,
        comment: new.comment,
        created_at: now.0,
        ended_at: None,
    };
    diesel::insert_into(silences::table)
        .values(&row)
        .execute(c)?;
    let rows: Vec<(String, Option<String>, String)> = monitors::table
        .filter(monitors::project_id.eq(project))
        .select((monitors::name, monitors::slug, monitors::tags))
        .load(c)?;
    let m = &new.matcher;
    let matching = rows
        .iter()
        .filter(|(name, slug, tags)| {
            let tags: Vec<String> = tags.split_whitespace().map(str::to_string).collect();
            m.tags.iter().all(|t| tags.contains(t))
                && (m.monitors.is_empty()
                    || m.monitors.iter().any(|p| {
                        overdue_core::route::glob(p, name)
                            || slug
                                .as_deref()
                                .is_some_and(|s| overdue_core::route::glob(p, s))
                    }))
        })
        .count();
    Ok((row, matching))
}

/// A project's silences, newest first.
pub fn list(c: &mut AnyConnection, project: &str) -> Result<Vec<SilenceRow>, StoreError> {
    Ok(silences::table
        .filter(silences::project_id.eq(project))
        .order(silences::created_at.desc())
        .select(SilenceRow::as_select())
        .load(c)?)
}

/// One silence of a project.
pub fn get(c: &mut AnyConnection, project: &str, id: &str) -> Result<SilenceRow, StoreError> {
    silences::table
        .filter(silences::id.eq(id))
        .filter(silences::project_id.eq(project))
        .select(SilenceRow::as_select())
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("silence"))
}

/// Ends a silence now (kept in the history); the alerts it held are due at once.
pub fn end(tx: &mut Tx<'_>, project: &str, id: &str) -> Result<SilenceRow, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let row = get(c, project, id)?;
    if row.state(now) == "ended" {
        return Err(StoreError::Conflict("the silence has already ended".into()));
    }
    diesel::update(silences::table.find(id))
        .set(silences::ended_at.eq(now.0))
        .execute(c)?;
    diesel::update(
        alert_timers::table
            .filter(alert_timers::route_id.eq(id))
            .filter(alert_timers::kind.eq("silence")),
    )
    .set(alert_timers::due_at.eq(now.0))
    .execute(c)?;
    get(c, project, id)
}

/// The project's silences that may be active at `now` (not ended, started).
pub fn current(
    c: &mut AnyConnection,
    project: &str,
    now: Timestamp,
) -> Result<Vec<Silence>, StoreError> {
    let rows: Vec<SilenceRow> = silences::table
        .filter(silences::project_id.eq(project))
        .filter(silences::ended_at.is_null())
        .filter(silences::starts_at.le(now.0))
        .filter(silences::ends_at.is_null().or(silences::ends_at.gt(now.0)))
        .select(SilenceRow::as_select())
        .load(c)?;
    Ok(rows.iter().map(SilenceRow::rule).collect())
}
