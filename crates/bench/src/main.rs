//! `overdue-bench`: seeds a database, runs the real `overdue` binary on it, drives HTTP
//! load with its own keep-alive client and prints figures. See docs/benchmarks.md.

mod flows;
mod ingest;
mod load;
mod notify;
mod reports;
mod seed;
mod server;
mod tenants;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "overdue-bench", about = "Overdue benchmarks: prints figures")]
struct Cli {
    /// Database to create and seed (sqlite://path or postgres://…); it is wiped first.
    #[arg(long, default_value = "sqlite:///tmp/overdue-bench.db")]
    database_url: String,
    /// The overdue binary [default: next to this one].
    #[arg(long)]
    overdue_bin: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ping throughput and latency, compared with `/health/live` (the stack's ceiling).
    Ingest {
        /// Monitors the pings are spread over.
        #[arg(long, default_value_t = 10_000)]
        monitors: usize,
        /// Concurrent keep-alive clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Seconds per measurement.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Also measure latency at this fixed rate (pings/s); 0 skips it.
        #[arg(long, default_value_t = 5_000)]
        rate: u64,
        /// Servers on the one database (PostgreSQL), the clients spread over them; each
        /// figure is also taken against the first alone in the same run.
        #[arg(long, default_value_t = 1)]
        instances: usize,
    },
    /// Detection latency, idle CPU, start-up time and memory with many monitors.
    Scheduler {
        /// Monitors in the index.
        #[arg(long, default_value_t = 100_000)]
        monitors: usize,
        /// Monitors due in the same second for the burst test; 0 skips it.
        #[arg(long, default_value_t = 0)]
        burst: usize,
    },
    /// Notification delivery: monitors going down in the same second, each message to
    /// a local HTTP receiver or SMTP server; messages per second and flip → message.
    Notify {
        /// Monitors going down at once (one message each).
        #[arg(long, default_value_t = 1_000)]
        monitors: usize,
        /// Where the messages go.
        #[arg(long, value_enum, default_value_t = notify::Kind::Webhook)]
        kind: notify::Kind,
        /// Route every alert through this many routes (the last one matches) instead of
        /// assigning the channel to the monitors; 0: assigned.
        #[arg(long, default_value_t = 0)]
        routes: usize,
        /// Timers (reminders, escalations) waiting in the index meanwhile.
        #[arg(long, default_value_t = 0)]
        timers: usize,
    },
    /// Flows: many open entities, events over HTTP batches, breach detection.
    Flows {
        /// Open entities seeded in bulk.
        #[arg(long, default_value_t = 1_000_000)]
        entities: usize,
        /// Events sent over HTTP (each moves one entity on).
        #[arg(long, default_value_t = 200_000)]
        events: usize,
        /// Events per request.
        #[arg(long, default_value_t = 1_000)]
        batch: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 4)]
        clients: usize,
        /// Also consume this many events from RabbitMQ (messages of one event each)
        /// at `--amqp-url`; 0 skips it.
        #[arg(long, default_value_t = 0)]
        amqp_events: usize,
        /// The broker for `--amqp-events`.
        #[arg(long, default_value = "amqp://guest:guest@127.0.0.1:5672/%2f")]
        amqp_url: String,
        /// Send the service's own messages, read through the flow's mapping.
        #[arg(long)]
        mapped: bool,
    },
    /// Two projects on one server, one flooding: the other's ping latency alone, beside
    /// one at its rate limit, beside one flooding, and beside the flood unlimited.
    Tenants {
        /// Monitors in each project.
        #[arg(long, default_value_t = 5_000)]
        monitors: usize,
        /// The flooding project's clients (back to back).
        #[arg(long, default_value_t = 48)]
        flood_clients: usize,
        /// The quiet project's pace, pings/s.
        #[arg(long, default_value_t = 500)]
        quiet_rate: u64,
        /// The quiet project's clients.
        #[arg(long, default_value_t = 16)]
        quiet_clients: usize,
        /// Signals per second per project on the limited server.
        #[arg(long, default_value_t = 2_000)]
        limit: u64,
        /// Seconds per measurement.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Reports over a long history: counters seeded in bulk, each report timed.
    Reports {
        /// Monitors with a history (an alert a week each).
        #[arg(long, default_value_t = 10_000)]
        monitors: usize,
        /// Days of history, all covered by the reports.
        #[arg(long, default_value_t = 365)]
        days: i64,
        /// Runs of each report.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let bin = server::binary(cli.overdue_bin.as_deref())?;
        println!(
            "machine: {} cores, {}",
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(0),
            server::cpu_model()
        );
        println!("database: {}", cli.database_url);
        match cli.command {
            Command::Ingest {
                monitors,
                clients,
                seconds,
                rate,
                instances,
            } => {
                let o = ingest::Options {
                    monitors,
                    clients,
                    seconds,
                    rate,
                    instances,
                };
                ingest::run(&bin, &cli.database_url, o).await?;
            }
            Command::Scheduler { monitors, burst } => {
                server::scheduler_bench(&bin, &cli.database_url, monitors, burst).await?;
            }
            Command::Notify {
                monitors,
                kind,
                routes,
                timers,
            } => {
                let opts = notify::Options {
                    monitors,
                    kind,
                    routes,
                    timers,
                };
                notify::run(&bin, &cli.database_url, opts).await?;
            }
            Command::Flows {
                entities,
                events,
                batch,
                clients,
                amqp_events,
                amqp_url,
                mapped,
            } => {
                let o = flows::Options {
                    entities,
                    events,
                    batch,
                    clients,
                    amqp: (amqp_events > 0).then_some((amqp_url, amqp_events)),
                    mapped,
                };
                flows::run(&bin, &cli.database_url, o).await?;
            }
            Command::Tenants {
                monitors,
                flood_clients,
                quiet_rate,
                quiet_clients,
                limit,
                seconds,
            } => {
                let o = tenants::Options {
                    monitors,
                    flood_clients,
                    quiet_rate,
                    quiet_clients,
                    limit,
                    seconds,
                };
                tenants::run(&bin, &cli.database_url, o).await?;
            }
            Command::Reports {
                monitors,
                days,
                runs,
            } => {
                let o = reports::Options {
                    monitors,
                    days,
                    runs,
                };
                reports::run(&bin, &cli.database_url, o).await?;
            }
        }
        Ok(())
    })
}
