//! The breach loop of flows (docs/behaviour.md, "Flows (entity SLAs)"): like the deadline
//! loop of monitors, it asks the
//! index on `flow_entities.due_at` for what has passed and for the earliest next due
//! time, and sleeps until then — at most half a second, so entities written by other
//! instances are seen and a breach is found within a second of its SLA. No scan of
//! the entities: millions may be open.

use std::future::Future;
use std::time::Duration;

use overdue_core::Timestamp;
use overdue_storage::{flows, Store};

/// Most breaches opened per transaction.
const BATCH: i64 = 500;
/// Longest sleep.
const MAX_SLEEP_MS: i64 = 500;

/// Runs until `shutdown` resolves. `broker`: flow events also come from a message
/// broker, so breaches wait until its queue is known to be applied up to their time.
pub async fn run(store: Store, broker: bool, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        let sleep_ms = match tick(&store, broker).await {
            Ok(Some(ms)) => ms,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!("flow breaches: {e}");
                MAX_SLEEP_MS
            }
        };
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(Duration::from_millis(sleep_ms as u64)) => {}
        }
    }
}

/// Opens what is due; returns how long to sleep, or `None` to run again at once.
async fn tick(store: &Store, broker: bool) -> Result<Option<i64>, overdue_storage::StoreError> {
    let now = store.now();
    // The horizon: time up to which every event that could move an entity is in (the
    // broker's backlog applied). Without a broker, or before it was ever seen, now.
    let horizon = if broker {
        let seen = store
            .read(overdue_storage::base::service::caught_up_at)
            .await?;
        Timestamp(seen.map_or(now.0, |s| s.min(now.0)))
    } else {
        now
    };
    let checks = store
        .read(move |c| flows::aggregates_due(c, now, BATCH))
        .await?;
    if !checks.is_empty() {
        store
            .write(move |tx| flows::check_aggregates(tx, &checks))
            .await?;
    }
    let due = store.read(move |c| flows::due(c, horizon, BATCH)).await?;
    if !due.is_empty() {
        let full = due.len() as i64 == BATCH;
        let opened = store
            .write(move |tx| flows::fire_breaches(tx, &due))
            .await?;
        if opened > 0 {
            tracing::debug!("flow breaches: {opened} opened");
        }
        if full {
            return Ok(None);
        }
    }
    let next = store.read(flows::earliest).await?;
    Ok(Some(sleep_ms(
        next.map(Timestamp::millis),
        horizon.millis(),
        store.now().millis(),
    )))
}

/// How long to sleep (ms) with the earliest due time `next`, the broker's `horizon`
/// and `now`: until `next`, at most [`MAX_SLEEP_MS`]. A due time already past but
/// beyond the horizon waits for the broker to catch up, which nothing here can hasten:
/// it is looked at again after the longest sleep, never in a busy loop (a broker that
/// is away never moves the horizon).
fn sleep_ms(next: Option<i64>, horizon: i64, now: i64) -> i64 {
    match next {
        None => MAX_SLEEP_MS,
        Some(t) if t > now => (t - now).min(MAX_SLEEP_MS),
        Some(t) if t > horizon => MAX_SLEEP_MS,
        // Due and within the horizon: written after this pass read what was due.
        Some(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_a_busy_wait_for_the_broker() {
        let now = 10_000;
        // Nothing due: the longest sleep; something soon: until then.
        assert_eq!(sleep_ms(None, now, now), MAX_SLEEP_MS);
        assert_eq!(sleep_ms(Some(now + 120), now, now), 120);
        assert_eq!(sleep_ms(Some(now + 5_000), now, now), MAX_SLEEP_MS);
        // Past due but the broker's queue is applied only up to 2 s ago: wait for it,
        // whether it comes back or not.
        assert_eq!(sleep_ms(Some(now - 1_000), now - 2_000, now), MAX_SLEEP_MS);
        // Past due within the horizon (arrived during the pass): at once.
        assert_eq!(sleep_ms(Some(now - 1_000), now, now), 0);
    }
}
