//! `overdue-bench tenants`: two projects on one server, one flooding, the other pinging
//! at a steady pace (issue 35, docs/security.md "Limits"). The quiet project's latency
//! is measured alone, beside a project sending at its rate limit, beside one flooding
//! far past it, and — on a second server without the limit, in the same run — beside
//! the same flood unlimited: what the limit buys (docs/benchmarks.md, "Two tenants").

use std::time::Duration;

use anyhow::Result;

use crate::{load, seed, server};

/// What to measure.
pub struct Options {
    /// Monitors in each project.
    pub monitors: usize,
    /// The flooding project's clients, sending back to back.
    pub flood_clients: usize,
    /// The quiet project's pace, pings/s.
    pub quiet_rate: u64,
    /// The quiet project's clients.
    pub quiet_clients: usize,
    /// Each project's signals per second (`OVERDUE_MAX_EVENTS_PER_SECOND`).
    pub limit: u64,
    /// Seconds per measurement.
    pub seconds: u64,
}

/// Seeds two projects and prints the quiet one's figures under each kind of neighbour.
pub async fn run(bin: &str, db: &str, o: Options) -> Result<()> {
    let flood = seed::fresh(db, o.monitors, 0, 0).await?;
    let quiet = seed::another_project(db, "quiet", o.monitors).await?;
    let d = Duration::from_secs(o.seconds);
    let limit = o.limit.to_string();
    for (label, rate) in [("limited", limit.as_str()), ("unlimited", "100000000")] {
        let srv =
            server::Server::start(bin, db, &[("OVERDUE_MAX_EVENTS_PER_SECOND", rate)]).await?;
        let bases = [srv.base.clone()];
        println!("== server {label} ({rate} signals/s per project)");
        let live = load::run_over(&bases, load::Target::Live, &[], 64, d, 0).await;
        live.print("GET /health/live (no database work)");
        // Warm the quiet project's connections and caches, then measure it alone.
        let _ = load::run_over(
            &bases,
            load::Target::Ping,
            &quiet.ids,
            o.quiet_clients,
            Duration::from_secs(2),
            o.quiet_rate,
        )
        .await;
        let alone = load::run_over(
            &bases,
            load::Target::Ping,
            &quiet.ids,
            o.quiet_clients,
            d,
            o.quiet_rate,
        )
        .await;
        alone.print(&format!("quiet project alone, paced at {}/s", o.quiet_rate));
        let neighbours: [(&str, u64); 2] = [("at its limit", o.limit), ("flooding", 0)];
        for (what, pace) in neighbours {
            let (q, f) = tokio::join!(
                load::run_over(
                    &bases,
                    load::Target::Ping,
                    &quiet.ids,
                    o.quiet_clients,
                    d,
                    o.quiet_rate
                ),
                load::run_over(
                    &bases,
                    load::Target::Ping,
                    &flood.ids,
                    o.flood_clients,
                    d,
                    pace
                ),
            );
            let how = if pace > 0 {
                format!("paced at {pace}/s")
            } else {
                "back to back".into()
            };
            f.print(&format!(
                "  the other project {what} ({} clients, {how}; errors: refused 429)",
                o.flood_clients
            ));
            q.print(&format!("quiet project beside one {what}"));
            // Let the flood's refusals and the bucket settle before the next step.
            tokio::time::sleep(Duration::from_secs(11)).await;
        }
        srv.stop();
    }
    Ok(())
}
