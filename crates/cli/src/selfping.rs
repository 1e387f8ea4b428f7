//! Overdue watches itself (docs/behaviour.md, "Overdue's own outages"): with
//! `OVERDUE_SELF_PING_URL` this instance pings
//! another monitor — another Overdue, a Healthchecks — every `OVERDUE_SELF_PING_PERIOD`,
//! so that its own death is noticed by someone else. While its database is unreachable
//! it sends `<url>/fail` with the reason instead: alive, but not doing its job.

use std::time::Duration;

use overdue_storage::Store;

/// Pings `url` every `period` until `shutdown` resolves.
pub async fn run(
    store: Store,
    url: String,
    period: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("Overdue/", env!("CARGO_PKG_VERSION"), " self-ping"))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("self-ping disabled: {e}");
            return;
        }
    };
    loop {
        let req = match store.read(overdue_storage::people::projects::count).await {
            Ok(_) => client.get(&url),
            Err(e) => client
                .post(format!("{url}/fail"))
                .body(format!("Overdue cannot reach its database: {e}")),
        };
        match req.send().await {
            Ok(r) if r.status().is_success() => {}
            // The URL is a ping code (a secret of the other side): never logged.
            Ok(r) => tracing::warn!("self-ping answered {}", r.status()),
            Err(e) => tracing::warn!("self-ping failed: {}", e.without_url()),
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(period) => {}
        }
    }
}
