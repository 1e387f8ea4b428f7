//! The deadline loop (as mini-redis' expiry task): the database index on `deadline_at`
//! holds every deadline; the loop asks it for what has passed and for the earliest next
//! one, and sleeps until then, until the writer wakes it for an earlier deadline, or for
//! at most a second (deadlines written by other instances). Idle cost is two indexed
//! lookups per second whatever the number of monitors.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;

use overdue_core::Timestamp;
use overdue_storage::{monitoring::monitors, Store};

/// Most monitors sent to the writer at a time. Small: a job's monitors stay locked
/// until it commits (PostgreSQL), and a ping of one of them waits that long. Pings of
/// other monitors never wait for a burst: on PostgreSQL deadlines have a writer of
/// their own, and on SQLite the writer gives way to waiting pings after a slice of time
/// (docs/architecture.md, "A flip never starves a ping"). Jobs of 1,000 measured no
/// faster (docs/benchmarks.md, "Session 19").
const BATCH: i64 = 200;
/// How often the heartbeat is written.
const HEARTBEAT_MS: i64 = 1_000;
/// Longest sleep, so deadlines written by other instances are seen within a second.
const MAX_SLEEP_MS: i64 = 1_000;

/// Runs until `shutdown` resolves.
pub async fn run(store: Store, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut last_beat: Option<i64> = None;
    loop {
        // Heartbeat and outage rule first, in one transaction: after an outage (of the
        // process or of the database) no deadline inside it may flip. While the
        // database is unreachable this fails and nothing is flipped.
        let now = store.now();
        if last_beat.is_none_or(|t| now.millis() - t >= HEARTBEAT_MS) {
            match store.heartbeat().await {
                Ok(moved) => {
                    if moved > 0 {
                        tracing::info!("outage rule: {moved} deadlines that fell while Overdue could not take pings moved to now + grace");
                    }
                    last_beat = Some(now.millis());
                }
                Err(e) => {
                    tracing::warn!("scheduler: {e}");
                    last_beat = None;
                    tokio::select! {
                        _ = &mut shutdown => return,
                        _ = tokio::time::sleep(Duration::from_millis(MAX_SLEEP_MS as u64)) => {}
                    }
                    continue;
                }
            }
        }
        let wake_at = match tick(&store).await {
            Ok(Some(at)) => at,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!("scheduler: {e}");
                store.now().millis() + MAX_SLEEP_MS
            }
        };
        store.wake.scheduler_next.store(wake_at, Ordering::Relaxed);
        let sleep_ms = (wake_at - store.now().millis()).clamp(0, MAX_SLEEP_MS) as u64;
        tokio::select! {
            _ = &mut shutdown => return,
            _ = store.wake.scheduler.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(sleep_ms)) => {}
        }
    }
}

/// Flips what is due; returns when to wake next, or `None` to run again at once.
async fn tick(store: &Store) -> Result<Option<i64>, overdue_storage::StoreError> {
    let now = store.now();
    let due = store.read(move |c| monitors::due(c, now, BATCH)).await?;
    let full = due.len() as i64 == BATCH;
    if !due.is_empty() {
        let n = store.apply_deadlines(due).await?;
        if n > 0 {
            tracing::debug!("scheduler: {n} monitors went down");
        }
        if full {
            return Ok(None);
        }
    }
    let next = store.read(monitors::earliest_deadline).await?;
    let cap = store.now().millis() + MAX_SLEEP_MS;
    Ok(Some(next.map_or(cap, |t: Timestamp| t.millis().min(cap))))
}
