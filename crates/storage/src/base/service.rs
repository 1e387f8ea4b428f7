//! Service-wide facts: the last time any instance was alive, and the outage rule.

use diesel::prelude::*;
use overdue_core::Timestamp;

use crate::base::schema::{monitors, service_state};
use crate::{AnyConnection, StoreError};

const LAST_ALIVE: &str = "last_alive";

/// Records that an instance is alive now, after applying the outage rule for the gap
/// since the last heartbeat. Call inside a write transaction, before looking for due
/// monitors: whatever ended the gap (a restart, or the database coming back), deadlines
/// inside it are moved before any of them can flip. Returns how many moved.
pub fn heartbeat(c: &mut AnyConnection, now: Timestamp) -> Result<usize, StoreError> {
    let moved = forgive_outage(c, now)?;
    touch(c, now)?;
    Ok(moved)
}

fn touch(c: &mut AnyConnection, now: Timestamp) -> Result<(), StoreError> {
    touch_key(c, LAST_ALIVE, now)
}

/// The broker's queue of flow events was seen empty with everything taken from it
/// applied: flow events up to `now` are in. Only ever moves forward.
pub fn caught_up(c: &mut AnyConnection, now: Timestamp) -> Result<(), StoreError> {
    touch_key(c, CAUGHT_UP, now)
}

/// Until when flow events from the broker are known to be applied (`None`: never
/// recorded). Breaches wait for it: an entity's next event may still be in the queue.
pub fn caught_up_at(c: &mut AnyConnection) -> Result<Option<i64>, StoreError> {
    Ok(service_state::table
        .find(CAUGHT_UP)
        .select(service_state::value)
        .first(c)
        .optional()?)
}

const CAUGHT_UP: &str = "amqp_caught_up";

fn touch_key(c: &mut AnyConnection, key: &str, now: Timestamp) -> Result<(), StoreError> {
    let n = diesel::update(service_state::table.find(key))
        .set(service_state::value.eq(now.0))
        .filter(service_state::value.lt(now.0))
        .execute(c)?;
    if n == 0 {
        let exists: i64 = service_state::table
            .filter(service_state::key.eq(key))
            .count()
            .get_result(c)?;
        if exists == 0 {
            diesel::insert_into(service_state::table)
                .values((service_state::key.eq(key), service_state::value.eq(now.0)))
                .execute(c)?;
        }
    }
    Ok(())
}

/// A gap between heartbeats longer than this is an outage (heartbeats come every second).
pub const OUTAGE_AFTER_MS: i64 = 3_000;

/// The outage rule: deadlines that fell while no instance was alive (after the last
/// heartbeat, up to now) are moved to `now + grace`, so jobs whose pings could not
/// arrive get their grace again from start-up. Must run before this process's first
/// heartbeat. A gap shorter than [`OUTAGE_AFTER_MS`] means another instance was alive,
/// and nothing moves; flow entities whose SLA ended inside get the outage's length back.
/// Returns how many monitors and entities moved.
pub fn forgive_outage(c: &mut AnyConnection, now: Timestamp) -> Result<usize, StoreError> {
    let last: Option<i64> = service_state::table
        .find(LAST_ALIVE)
        .select(service_state::value)
        .first(c)
        .optional()?;
    let Some(last) = last else {
        return Ok(0);
    };
    if now.0 - last < OUTAGE_AFTER_MS {
        return Ok(0);
    }
    // Remembered, so uptime leaves the outage out (docs/behaviour.md, "Uptime").
    diesel::insert_into(crate::base::schema::service_outages::table)
        .values((
            crate::base::schema::service_outages::started_at.eq(last),
            crate::base::schema::service_outages::ended_at.eq(now.0),
        ))
        .execute(c)?;
    let moved = diesel::update(
        monitors::table
            .filter(monitors::deadline_at.gt(last))
            .filter(monitors::deadline_at.le(now.0)),
    )
    .set(monitors::deadline_at.eq((monitors::grace_ms + now.0).nullable()))
    .execute(c)?;
    // Flow entities whose SLA ended inside the outage get its length back: the time
    // when their events could not be taken in does not count (an index range).
    use crate::base::schema::flow_entities;
    let entities = diesel::update(
        flow_entities::table
            .filter(flow_entities::due_at.gt(last))
            .filter(flow_entities::due_at.le(now.0)),
    )
    .set(flow_entities::due_at.eq(flow_entities::due_at + (now.0 - last)))
    .execute(c)?;
    Ok(moved + entities)
}

/// What `/metrics` reports of the service: the last heartbeat (ms), notifications
/// waiting, open problems. Index lookups only (the outbox's pending index, the open
/// problems' partial index), whatever the number of monitors.
pub fn gauges(c: &mut AnyConnection) -> Result<(Option<i64>, i64, i64), StoreError> {
    use crate::base::schema::{outbox, problems};
    let alive: Option<i64> = service_state::table
        .find(LAST_ALIVE)
        .select(service_state::value)
        .first(c)
        .optional()?;
    let pending: i64 = outbox::table
        .filter(outbox::state.eq("pending"))
        .count()
        .get_result(c)?;
    let open: i64 = problems::table
        .filter(problems::resolved_at.is_null())
        .count()
        .get_result(c)?;
    Ok((alive, pending, open))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::conn::{write_tx, DbUrl};
    use crate::base::schema::service_outages;

    fn outages(c: &mut AnyConnection) -> Vec<(i64, i64)> {
        service_outages::table
            .select((service_outages::started_at, service_outages::ended_at))
            .load(c)
            .unwrap()
    }

    /// A gap between heartbeats is remembered as an outage (uptime leaves it out);
    /// retention drops it once it is older than the history it explains.
    #[test]
    fn outages_are_remembered_then_pruned() {
        let mut c = DbUrl::Sqlite(":memory:".into()).connect().unwrap();
        crate::migrate(&mut c).unwrap();
        heartbeat(&mut c, Timestamp(10_000)).unwrap();
        heartbeat(&mut c, Timestamp(11_000)).unwrap();
        assert_eq!(outages(&mut c), vec![], "a second apart is no outage");
        heartbeat(&mut c, Timestamp(60_000)).unwrap();
        assert_eq!(outages(&mut c), vec![(11_000, 60_000)]);
        write_tx(&mut c, |c| {
            let mut tx = crate::Tx::new(c, Timestamp(70_000), crate::base::caps::Caps::default());
            crate::retention::prune_old(&mut tx, Timestamp(50_000))
        })
        .unwrap();
        assert_eq!(
            outages(&mut c),
            vec![(11_000, 60_000)],
            "ended after the horizon"
        );
        write_tx(&mut c, |c| {
            let mut tx = crate::Tx::new(c, Timestamp(70_000), crate::base::caps::Caps::default());
            crate::retention::prune_old(&mut tx, Timestamp(61_000))
        })
        .unwrap();
        assert_eq!(outages(&mut c), vec![]);
    }
}
