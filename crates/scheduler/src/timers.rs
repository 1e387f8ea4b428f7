//! The timer loop of routed alerts (repeat, escalation steps): like the deadline loop,
//! it asks the index on `alert_timers.due_at` for what has passed and for the earliest
//! next one, and sleeps until then (at most a second, so timers armed by other
//! instances are seen). Each due timer is claimed inside the transaction that writes its
//! messages.

use std::future::Future;
use std::time::Duration;

use overdue_storage::{alerting::firing, alerting::timers, Store};

/// Most timers fired per transaction.
const BATCH: i64 = 200;
/// Longest sleep.
const MAX_SLEEP_MS: i64 = 1_000;

/// Runs until `shutdown` resolves.
pub async fn run(store: Store, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        let sleep_ms = match tick(&store).await {
            Ok(Some(ms)) => ms,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!("alert timers: {e}");
                MAX_SLEEP_MS
            }
        };
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(Duration::from_millis(sleep_ms as u64)) => {}
        }
    }
}

/// Fires what is due; returns how long to sleep, or `None` to run again at once.
async fn tick(store: &Store) -> Result<Option<i64>, overdue_storage::StoreError> {
    let now = store.now();
    let due = store.read(move |c| timers::due(c, now, BATCH)).await?;
    if !due.is_empty() {
        let full = due.len() as i64 == BATCH;
        let fired = store.write(move |tx| firing::fire_batch(tx, &due)).await?;
        if fired > 0 {
            tracing::debug!("alert timers: {fired} reminders or escalations written");
        }
        if full {
            return Ok(None);
        }
    }
    let next = store.read(timers::earliest).await?;
    let now = store.now().millis();
    Ok(Some(next.map_or(MAX_SLEEP_MS, |t| {
        (t.millis() - now).clamp(0, MAX_SLEEP_MS)
    })))
}
