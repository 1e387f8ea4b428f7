//! Public references of monitors (see `overdue_core::PublicRef`): what readers, page
//! URLs and webhook receivers name a monitor by, looked up here when a request names a
//! monitor by one. A monitor's UUID (its ping code) is accepted where it was before.

use diesel::prelude::*;

use crate::base::schema::{monitor_refs, monitors};
use crate::base::statements::on_inner;
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

/// Monitors given their public reference per transaction by [`backfill_batch`].
pub const BACKFILL_BATCH: i64 = 1_000;

/// Gives up to `limit` monitors without a public reference (made before references
/// existed) their reference, in one statement, looking at ids after `after` in id
/// order; returns how many and the last id looked at, to go on from. Run in the
/// background after start-up, one batch per transaction through the writer, until it
/// returns 0 (docs/architecture.md, "Start-up"). Going on from the last id keeps each
/// batch's read short: starting over each time walked the monitors already filled, and
/// 100,000 of them kept a core a quarter busy for seconds after start.
pub fn backfill_batch(
    c: &mut AnyConnection,
    limit: i64,
    after: Option<&str>,
) -> Result<(usize, Option<String>), StoreError> {
    let mut q = monitors::table
        .left_join(monitor_refs::table.on(monitor_refs::monitor_id.eq(monitors::id)))
        .filter(monitor_refs::public_ref.is_null())
        .select(monitors::id)
        .order(monitors::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(monitors::id.gt(after.to_string()));
    }
    let missing: Vec<String> = q.load(c)?;
    let Some(last) = missing.last().cloned() else {
        return Ok((0, None));
    };
    insert_refs(c, &missing)?;
    Ok((missing.len(), Some(last)))
}

/// Gives `ids` the reference their id makes, leaving those that have it. Why not a
/// plain insert: two instances started together on one PostgreSQL both fill the same
/// monitors, and the second one's batch failed on the first one's rows (seen starting
/// two for `overdue-bench ingest --instances 2`); the reference a monitor gets depends
/// on its id alone, so the row either made is the same.
fn insert_refs(c: &mut AnyConnection, ids: &[String]) -> Result<(), StoreError> {
    let rows: Vec<_> = ids
        .iter()
        .map(|id| {
            (
                monitor_refs::public_ref.eq(String::from(overdue_core::PublicRef::of(id))),
                monitor_refs::monitor_id.eq(id.as_str()),
            )
        })
        .collect();
    // One multi-row insert: a statement per row took 22 s for 100,000 monitors on
    // PostgreSQL. SQLite takes at most 32,766 bound values per statement, and
    // [`BACKFILL_BATCH`] rows bind two each.
    on_inner!(c, |inner| diesel::insert_into(monitor_refs::table)
        .values(&rows)
        .on_conflict_do_nothing()
        .execute(inner))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::conn::DbUrl;
    use crate::monitoring::monitors::{insert, MonitorSettings};

    /// A database with `n` monitors in one project and none of their references: their
    /// ids, in the order made.
    fn monitors_without_refs(n: usize) -> (AnyConnection, Vec<String>) {
        let mut c = DbUrl::Sqlite(":memory:".into()).connect().unwrap();
        crate::migrate(&mut c).unwrap();
        let now = overdue_core::Timestamp(1_000);
        let caps = crate::base::caps::Caps::default();
        let project = {
            let mut tx = crate::Tx::new(&mut c, now, caps);
            crate::people::projects::create(&mut tx, "p").unwrap().id
        };
        let ids = (0..n)
            .map(|i| {
                let s = MonitorSettings::from_slug(&format!("m{i}"));
                insert(&mut c, &project, &s, now, caps).unwrap().id
            })
            .collect();
        diesel::delete(monitor_refs::table).execute(&mut c).unwrap();
        (c, ids)
    }

    /// Monitors without a reference get theirs a batch at a time, each the reference
    /// their id gives, and a run with nothing left does nothing.
    #[test]
    fn references_are_filled_in_batches() {
        let (mut c, _) = monitors_without_refs(2_500);
        let mut after: Option<String> = None;
        let batches: Vec<usize> = (0..4)
            .map(|_| {
                let (n, last) = backfill_batch(&mut c, BACKFILL_BATCH, after.as_deref()).unwrap();
                after = last.or(after.take());
                n
            })
            .collect();
        assert_eq!(batches, [1_000, 1_000, 500, 0]);
        let pairs: Vec<(String, String)> = monitor_refs::table
            .select((monitor_refs::public_ref, monitor_refs::monitor_id))
            .load(&mut c)
            .unwrap();
        assert_eq!(pairs.len(), 2_500);
        for (public, id) in pairs {
            assert_eq!(public, String::from(overdue_core::PublicRef::of(&id)));
        }
    }

    /// Another instance filling the same monitors at the same time: the rows it made
    /// first are left as they are, the rest are filled, and nothing fails.
    #[test]
    fn references_another_instance_made_are_left() {
        let (mut c, ids) = monitors_without_refs(10);
        insert_refs(&mut c, &ids[..4]).unwrap();
        insert_refs(&mut c, &ids).unwrap();
        let n: i64 = monitor_refs::table.count().get_result(&mut c).unwrap();
        assert_eq!(n, 10);
    }
}
