//! `overdue-bench ingest`: durable pings per second and their latency against the
//! stack's ceiling (`/health/live`), on one server or several sharing one PostgreSQL
//! database (docs/benchmarks.md).

use std::time::Duration;

use anyhow::{anyhow, Result};

use crate::{load, seed, server};

/// What to measure.
pub struct Options {
    /// Monitors the pings are spread over.
    pub monitors: usize,
    /// Concurrent keep-alive clients, in all.
    pub clients: usize,
    /// Seconds per measurement.
    pub seconds: u64,
    /// A paced rate to measure latency at; 0 skips it.
    pub rate: u64,
    /// Servers on the one database.
    pub instances: usize,
}

/// Seeds, starts the servers, prints the figures: with several instances, each figure
/// is taken on the first alone and then on all of them, in the same run.
pub async fn run(bin: &str, db: &str, o: Options) -> Result<()> {
    if o.instances == 0 {
        return Err(anyhow!("--instances must be at least 1"));
    }
    if o.instances > 1 && !db.starts_with("postgres") {
        return Err(anyhow!(
            "several instances need a PostgreSQL --database-url: a SQLite file is written by one process"
        ));
    }
    let seeded = seed::fresh(db, o.monitors, 0, 0).await?;
    let mut servers = Vec::with_capacity(o.instances);
    for _ in 0..o.instances {
        servers.push(server::Server::start(bin, db, &[]).await?);
    }
    let all: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let d = Duration::from_secs(o.seconds);
    let mut acked = 0;
    let mut sets = vec![(String::new(), all[..1].to_vec())];
    if o.instances > 1 {
        sets[0].0 = "one instance: ".into();
        sets.push((format!("{} instances: ", o.instances), all.clone()));
    }
    let mut totals = Vec::new();
    for (one, bases) in &sets {
        let live = load::run_over(bases, load::Target::Live, &[], o.clients, d, 0).await;
        live.print(&format!("{one}GET /health/live (no database work)"));
        let pings = load::run_over(bases, load::Target::Ping, &seeded.ids, o.clients, d, 0).await;
        pings.print(&format!("{one}GET /ping/<uuid> (durable)"));
        println!(
            "{one}ping / live ratio: {:.2}",
            pings.per_sec() / live.per_sec()
        );
        acked += pings.ok;
        totals.push(pings.per_sec());
        if o.rate > 0 {
            let paced =
                load::run_over(bases, load::Target::Ping, &seeded.ids, o.clients, d, o.rate).await;
            paced.print(&format!("{one}GET /ping/<uuid> paced at {}/s", o.rate));
            acked += paced.ok;
        }
    }
    if let [one, many] = totals[..] {
        println!(
            "{} instances against one: {:.2} × the pings/s",
            o.instances,
            many / one
        );
    }
    let stored = seed::count_pings(db).await?;
    println!("pings acknowledged: {acked}, stored: {stored}");
    for s in servers {
        s.stop();
    }
    Ok(())
}
