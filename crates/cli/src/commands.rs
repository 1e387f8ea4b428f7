//! The commands beyond serving and the management API's shortcuts: the container's
//! health probe, configuration as code (`apply`, `export`) and the syslog forwarder.
//! Flattened into the top-level command list.

use anyhow::{anyhow, Result};
use clap::Subcommand;

/// More top-level commands.
#[derive(Subcommand)]
pub(crate) enum More {
    /// Exit 0 when the server answers `/health/ready` (its database answers), else 1 —
    /// a container's HEALTHCHECK without curl in the image.
    Health {
        /// Overdue's base URL.
        #[arg(long, env = "OVERDUE_URL", default_value = "http://127.0.0.1:8000")]
        url: String,
    },
    /// The far end of rsyslog's omprog: one JSON line per message on standard input
    /// (`{"monitor", "signal", "key", "severity", "message"}`, written by an rsyslog
    /// template), sent as pings, problems and resolutions — batched, retried while
    /// Overdue is away, never blocking rsyslog. See docs/recipes.md.
    SyslogForward {
        /// Overdue's base URL.
        #[arg(long, env = "OVERDUE_URL", default_value = "http://127.0.0.1:8000")]
        url: String,
        /// Lines held while Overdue is away (then the oldest are dropped).
        #[arg(long, default_value_t = 100_000)]
        queue: usize,
        /// After rsyslog closes the pipe: how long to keep retrying what is left.
        #[arg(long, default_value = "10s")]
        drain_for: String,
    },
}

/// Runs one of them; the process's exit code.
pub(crate) fn run(command: &More) -> Result<i32> {
    match command {
        More::SyslogForward {
            url,
            queue,
            drain_for,
        } => {
            let drain =
                overdue_core::parse_duration(drain_for).map_err(|e| anyhow!("--drain-for: {e}"))?;
            overdue::syslog::run(&overdue::syslog::Forward {
                url: url.clone(),
                queue: *queue,
                max_backoff: std::time::Duration::from_secs(30),
                drain_for: std::time::Duration::from_millis(drain.millis() as u64),
            })?;
            Ok(0)
        }
        More::Health { url } => {
            let client =
                overdue_client::Client::new(url).map_err(|e| anyhow!("OVERDUE_URL: {e}"))?;
            match client.health() {
                Ok(body) => {
                    println!("{body}");
                    Ok(0)
                }
                Err(e) => {
                    eprintln!("not ready: {e}");
                    Ok(1)
                }
            }
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM (a service manager's stop): `serve` then drains.
pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
