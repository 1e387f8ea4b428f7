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
    /// Make the project as a file declares it (channels, monitors, flows, routes,
    /// silences), through the API (`OVERDUE_URL`, `OVERDUE_API_KEY`, read-write).
    Apply {
        /// The file (TOML).
        #[arg(short = 'f', long = "file")]
        file: std::path::PathBuf,
        /// Print the changes, make none.
        #[arg(long)]
        dry_run: bool,
        /// Delete what the file does not name (monitors without a slug are kept).
        #[arg(long)]
        prune: bool,
        /// Let a channel secret name this variable too (by default only OVERDUE_SECRET_…;
        /// OVERDUE_API_KEY never); repeat for several.
        #[arg(long = "allow-env", value_name = "NAME")]
        allow_env: Vec<String>,
        /// Overdue's base URL.
        #[arg(long, env = "OVERDUE_URL", default_value = "http://127.0.0.1:8000")]
        url: String,
        /// A read-write API key of the project.
        #[arg(long, env = "OVERDUE_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
    },
    /// Write the project as a file `overdue apply` takes (secrets as ${VARIABLES}).
    Export {
        /// Write here instead of standard output.
        #[arg(short = 'o', long = "output")]
        output: Option<std::path::PathBuf>,
        /// Overdue's base URL.
        #[arg(long, env = "OVERDUE_URL", default_value = "http://127.0.0.1:8000")]
        url: String,
        /// A read-write API key of the project (a read-only one sees no channel settings).
        #[arg(long, env = "OVERDUE_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
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
        More::Apply {
            file,
            dry_run,
            prune,
            allow_env,
            url,
            api_key,
        } => {
            let api = overdue::manage::Api::new(url, api_key.as_deref())?;
            let opts = overdue::apply::Options {
                dry_run: *dry_run,
                prune: *prune,
                allow_env: allow_env.clone(),
            };
            println!("{}", overdue::apply::run(&api, file, opts)?);
            Ok(0)
        }
        More::Export {
            output,
            url,
            api_key,
        } => {
            let api = overdue::manage::Api::new(url, api_key.as_deref())?;
            let text = overdue::apply::export::run(&api)?;
            match output {
                Some(p) => std::fs::write(p, text)
                    .map_err(|e| anyhow!("cannot write {}: {e}", p.display()))?,
                None => print!("{text}"),
            }
            Ok(0)
        }
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
