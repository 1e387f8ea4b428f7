//! Business calendars of a project (their rules: `overdue_core::flow::Calendar`),
//! named by flows' stages. A calendar a stage uses cannot be deleted; a changed
//! calendar applies to entities entering such a stage from then on.

use diesel::prelude::*;
use overdue_core::flow::{Calendar, Calendars, FlowDef};
use uuid::Uuid;

use crate::base::schema::{calendars, flows};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// A calendar as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = calendars)]
#[allow(missing_docs)]
pub struct CalendarRow {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub definition: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl CalendarRow {
    /// Its rules (a stored value that no longer reads has no working time).
    pub fn calendar(&self) -> Option<Calendar> {
        serde_json::from_str(&self.definition).ok()
    }
}

/// A project's calendars, by name.
pub fn list(c: &mut AnyConnection, project: &str) -> Result<Vec<CalendarRow>, StoreError> {
    Ok(calendars::table
        .filter(calendars::project_id.eq(project))
        .order(calendars::name.asc())
        .select(CalendarRow::as_select())
        .load(c)?)
}

/// A project's calendars as the rules take them.
pub fn of_project(c: &mut AnyConnection, project: &str) -> Result<Calendars, StoreError> {
    Ok(list(c, project)?
        .into_iter()
        .filter_map(|r| Some((r.name.clone(), r.calendar()?)))
        .collect())
}

/// The calendar named `name` in `project`.
pub fn get(c: &mut AnyConnection, project: &str, name: &str) -> Result<CalendarRow, StoreError> {
    calendars::table
        .filter(calendars::project_id.eq(project))
        .filter(calendars::name.eq(name))
        .select(CalendarRow::as_select())
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("calendar"))
}

/// Checks that every stage's calendar exists in the project.
pub(crate) fn check_named(
    c: &mut AnyConnection,
    project: &str,
    def: &FlowDef,
) -> Result<(), StoreError> {
    let known = of_project(c, project)?;
    for (i, s) in def.stages.iter().enumerate() {
        if let Some(name) = &s.calendar {
            if !known.contains_key(name) {
                return Err(StoreError::Invalid(format!(
                    "stages[{i}].calendar: no calendar {name:?} in this project; create it first (POST /api/v1/calendars)"
                )));
            }
        }
    }
    Ok(())
}

fn json(cal: &Calendar) -> Result<String, StoreError> {
    serde_json::to_string(cal).map_err(|e| StoreError::Internal(e.to_string()))
}

/// Creates the calendar `name` (a conflict when the project has one of that name).
pub fn create(
    tx: &mut Tx<'_>,
    project: &str,
    name: &str,
    cal: &Calendar,
) -> Result<CalendarRow, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    if get(c, project, name).is_ok() {
        return Err(StoreError::Conflict(format!(
            "a calendar named {name:?} already exists; PUT /api/v1/calendars/{name} replaces it"
        )));
    }
    let row = CalendarRow {
        id: Uuid::new_v4().hyphenated().to_string(),
        project_id: project.to_string(),
        name: name.to_string(),
        definition: json(cal)?,
        created_at: now.0,
        updated_at: now.0,
    };
    diesel::insert_into(calendars::table)
        .values(&row)
        .execute(c)?;
    Ok(row)
}

/// Replaces calendar `name`'s definition: entities entering its stages from now on
/// count by it.
pub fn replace(
    tx: &mut Tx<'_>,
    project: &str,
    name: &str,
    cal: &Calendar,
) -> Result<CalendarRow, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let old = get(c, project, name)?;
    diesel::update(calendars::table.find(&old.id))
        .set((
            calendars::definition.eq(json(cal)?),
            calendars::updated_at.eq(now.0),
        ))
        .execute(c)?;
    get(c, project, name)
}

/// Deletes a calendar no stage uses (else a conflict naming the flow).
pub fn delete(tx: &mut Tx<'_>, project: &str, name: &str) -> Result<(), StoreError> {
    let c = tx.conn();
    let row = get(c, project, name)?;
    let all: Vec<(String, String)> = flows::table
        .filter(flows::project_id.eq(project))
        .select((flows::name, flows::definition))
        .load(c)?;
    for (flow, def) in all {
        let def: Option<FlowDef> = serde_json::from_str(&def).ok();
        let uses =
            def.is_some_and(|d| d.stages.iter().any(|s| s.calendar.as_deref() == Some(name)));
        if uses {
            return Err(StoreError::Conflict(format!(
                "calendar {name:?} is used by flow {flow:?}; change its stages first"
            )));
        }
    }
    diesel::delete(calendars::table.find(&row.id)).execute(c)?;
    Ok(())
}
