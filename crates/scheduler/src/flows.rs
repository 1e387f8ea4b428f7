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
    let now = store.now().millis();
    Ok(Some(next.map_or(MAX_SLEEP_MS, |t| {
        (t.millis() - now).clamp(0, MAX_SLEEP_MS)
    })))
}
