//! Overdue's background tasks, one set per `overdue serve` process:
//!
//! - [`deadlines`]: sleeps until the earliest deadline in the index (or until the
//!   writer says an earlier one appeared) and flips what has passed;
//! - [`notifier`]: delivers the outbox with retries, one lease per entry;
//! - [`heartbeat`]: records that the service is alive, for the outage rule.
//!
//! Several processes on one PostgreSQL may run all of them: every flip is a conditional
//! change inside a row lock and every delivery a conditional claim, so work is done once.

pub mod deadlines;
pub mod notifier;

use std::future::Future;
use std::time::Duration;

use overdue_storage::{service, Store};

/// Records liveness every second until `shutdown` resolves.
pub async fn heartbeat(store: Store, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        let now = store.now();
        if let Err(e) = store.read(move |c| service::heartbeat(c, now)).await {
            tracing::warn!("heartbeat: {e}");
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}
