//! `overdue-bench`: seeds a database, runs the real `overdue` binary on it, drives HTTP
//! load with its own keep-alive client and prints figures. See docs/benchmarks.md.

mod flows;
mod load;
mod notify;
mod seed;
mod server;

use std::time::Duration;

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
            } => {
                let seeded = seed::fresh(&cli.database_url, monitors, 0, 0).await?;
                let srv = server::Server::start(&bin, &cli.database_url, &[]).await?;
                let d = Duration::from_secs(seconds);
                let live = load::run(&srv.base, load::Target::Live, &[], clients, d, 0).await;
                live.print("GET /health/live (no database work)");
                let pings =
                    load::run(&srv.base, load::Target::Ping, &seeded.ids, clients, d, 0).await;
                pings.print("GET /ping/<uuid> (durable)");
                println!("ping / live ratio: {:.2}", pings.per_sec() / live.per_sec());
                let mut acked = pings.ok;
                if rate > 0 {
                    let paced =
                        load::run(&srv.base, load::Target::Ping, &seeded.ids, clients, d, rate)
                            .await;
                    paced.print(&format!("GET /ping/<uuid> paced at {rate}/s"));
                    acked += paced.ok;
                }
                let stored = seed::count_pings(&cli.database_url).await?;
                println!("pings acknowledged: {acked}, stored: {stored}");
                srv.stop();
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
            } => {
                let o = flows::Options {
                    entities,
                    events,
                    batch,
                    clients,
                    amqp: (amqp_events > 0).then_some((amqp_url, amqp_events)),
                };
                flows::run(&bin, &cli.database_url, o).await?;
            }
        }
        Ok(())
    })
}
