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
/// Most due monitors read at a time. They are flipped in the order of their ids, in jobs
/// of [`BATCH`]: the tables written per flip are keyed by monitor (flips, open alerts,
/// the outbox's order per channel), so in id order a commit writes neighbouring index
/// pages instead of one random page per flip and index: a burst of 100,000 on SQLite
/// was down in 21.4 s instead of 28.4 s (docs/benchmarks.md, "Session 21").
const READ: i64 = 20_000;
/// How often the heartbeat is written.
const HEARTBEAT_MS: i64 = 1_000;
/// Longest sleep, so deadlines written by other instances are seen within a second.
const MAX_SLEEP_MS: i64 = 1_000;

/// Runs until `shutdown` resolves.
pub async fn run(store: Store, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut last_beat: Option<i64> = None;
    let mut queue = std::collections::VecDeque::new();
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
        let wake_at = match tick(&store, &mut queue).await {
            Ok(Some(at)) => at,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!("scheduler: {e}");
                // Read afresh once the database answers again.
                queue.clear();
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
async fn tick(
    store: &Store,
    queue: &mut std::collections::VecDeque<String>,
) -> Result<Option<i64>, overdue_storage::StoreError> {
    let now = store.now();
    // What is left of the last read goes first; monitors pinged since are re-checked in
    // the writer's transaction and left alone.
    if queue.is_empty() {
        let mut due = store.read(move |c| monitors::due(c, now, READ)).await?;
        due.sort_unstable();
        *queue = due.into();
    }
    if !queue.is_empty() {
        let job: Vec<String> = queue.drain(..queue.len().min(BATCH as usize)).collect();
        let n = store.apply_deadlines(job).await?;
        if n > 0 {
            tracing::debug!("scheduler: {n} monitors went down");
        }
        // More read, or maybe more due: again at once (after the heartbeat).
        return Ok(None);
    }
    let next = store.read(monitors::earliest_deadline).await?;
    let cap = store.now().millis() + MAX_SLEEP_MS;
    Ok(Some(next.map_or(cap, |t: Timestamp| t.millis().min(cap))))
}
