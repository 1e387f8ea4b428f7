//! Wiring of the `overdue` binary: settings, and [`serve`] which runs the HTTP server,
//! the scheduler, the notifier and the heartbeat in one process.

pub mod config;

use std::net::TcpListener;
use std::sync::Arc;

use anyhow::{Context, Result};
use overdue_notify::{AddressPolicy, Webhooks};
use overdue_scheduler::notifier::NotifierOptions;
use overdue_server::ServerConfig;
use overdue_storage::{projects, Clock, Store, StoreOptions, SystemClock};
use tokio::sync::watch;

pub use config::{ServeArgs, Settings};

/// Opens (creating and migrating) the database.
pub fn open_store(settings: &Settings, clock: Arc<dyn Clock>) -> Result<Store> {
    let opts = StoreOptions {
        keep_pings: settings.keep_pings,
        ..StoreOptions::default()
    };
    Store::open(&settings.database_url, opts, clock)
        .map_err(|e| anyhow::anyhow!("DATABASE_URL: {e}"))
}

/// On an empty database, creates the default project and returns its keys.
pub async fn ensure_default_project(store: &Store) -> Result<Option<projects::CreatedProject>> {
    let now = store.now();
    let created = store
        .write(move |c| {
            if projects::count(c)? > 0 {
                return Ok(None);
            }
            projects::create(c, "Default", now).map(Some)
        })
        .await?;
    Ok(created)
}

/// Runs everything until `shutdown` resolves: the server on `listener`, the deadline
/// loop (with the heartbeat and the outage rule) and the notifier.
pub async fn serve(
    settings: Settings,
    store: Store,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let policy = AddressPolicy {
        allow_private: settings.webhook_allow_private,
    };
    let webhooks = Webhooks::new(policy, settings.webhook_timeout).map_err(anyhow::Error::msg)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|v| *v).await;
    };
    let tasks = vec![
        tokio::spawn(overdue_scheduler::deadlines::run(
            store.clone(),
            stopped(stop_rx.clone()),
        )),
        tokio::spawn(overdue_scheduler::prune(
            store.clone(),
            settings.keep_history,
            stopped(stop_rx.clone()),
        )),
        tokio::spawn(overdue_scheduler::notifier::run(
            store.clone(),
            webhooks,
            NotifierOptions {
                worker_id: uuid::Uuid::new_v4().to_string(),
                retry_base: settings.retry_base,
                concurrency: 32,
            },
            stopped(stop_rx.clone()),
        )),
    ];
    let config = ServerConfig {
        site_url: settings.site_url.clone(),
        ping_body_limit: settings.ping_body_limit,
        address_policy: policy,
    };
    let result = overdue_server::run(listener, store, config, shutdown).await;
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = t.await;
    }
    result.context("HTTP server failed")
}

/// The system clock, boxed for [`open_store`].
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}
