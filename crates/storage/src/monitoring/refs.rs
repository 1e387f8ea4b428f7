//! Public references of monitors (see `overdue_core::PublicRef`): what readers, page
//! URLs and webhook receivers name a monitor by, looked up here when a request names a
//! monitor by one. A monitor's UUID (its ping code) is accepted where it was before.

use diesel::prelude::*;

use crate::base::schema::{monitor_refs, monitors};
use crate::{AnyConnection, StoreError};

/// Records the public reference of a new monitor.
pub(crate) fn insert(c: &mut AnyConnection, monitor: &str) -> Result<(), StoreError> {
    diesel::insert_into(monitor_refs::table)
        .values((
            monitor_refs::public_ref.eq(overdue_core::PublicRef::of(monitor).as_str()),
            monitor_refs::monitor_id.eq(monitor),
        ))
        .execute(c)?;
    Ok(())
}

/// Forgets a deleted monitor's reference.
pub(crate) fn delete(c: &mut AnyConnection, monitor: &str) -> Result<(), StoreError> {
    diesel::delete(monitor_refs::table.filter(monitor_refs::monitor_id.eq(monitor))).execute(c)?;
    Ok(())
}

/// The id of the monitor of `project` that `text` names: its public reference or its
/// UUID. `None` when no monitor of the project has it.
pub fn resolve(
    c: &mut AnyConnection,
    project: &str,
    text: &str,
) -> Result<Option<String>, StoreError> {
    let text = text.trim();
    let id = if let Some(public) = overdue_core::PublicRef::parse(text) {
        let found: Option<String> = monitor_refs::table
            .find(public.as_str())
            .select(monitor_refs::monitor_id)
            .first(c)
            .optional()?;
        match found {
            Some(id) => id,
            None => return Ok(None),
        }
    } else {
        match overdue_core::ids::canonical_uuid(text) {
            Some(u) => u.hyphenated().to_string(),
            None => return Ok(None),
        }
    };
    Ok(monitors::table
        .filter(monitors::id.eq(&id))
        .filter(monitors::project_id.eq(project))
        .select(monitors::id)
        .first(c)
        .optional()?)
}

/// Gives every monitor without a public reference its reference (monitors created
/// before references existed), 1,000 per statement; returns how many.
pub fn backfill(c: &mut AnyConnection) -> Result<usize, StoreError> {
    let mut done = 0;
    loop {
        let missing: Vec<String> = monitors::table
            .left_join(monitor_refs::table.on(monitor_refs::monitor_id.eq(monitors::id)))
            .filter(monitor_refs::public_ref.is_null())
            .select(monitors::id)
            .limit(1_000)
            .load(c)?;
        if missing.is_empty() {
            return Ok(done);
        }
        let rows: Vec<_> = missing
            .iter()
            .map(|id| {
                (
                    monitor_refs::public_ref.eq(String::from(overdue_core::PublicRef::of(id))),
                    monitor_refs::monitor_id.eq(id.as_str()),
                )
            })
            .collect();
        for row in rows {
            diesel::insert_into(monitor_refs::table)
                .values(row)
                .execute(c)?;
        }
        done += missing.len();
    }
}
