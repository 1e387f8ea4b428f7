//! The reports benchmark (docs/behaviour.md, "Reports"): a year of report counters for
//! many monitors seeded in bulk (each monitor an alert a week: opened, paged,
//! acknowledged, resolved, half an hour down — six counters, and the project's and
//! months' counters beside them; one monitor in a hundred down now), then each report
//! over the whole year through
//! the real server, timed from request to the last byte.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use diesel::connection::SimpleConnection;
use overdue_storage::DbUrl;

use crate::{seed, server};

/// What to measure.
pub struct Options {
    /// Monitors with a history.
    pub monitors: usize,
    /// Days of history (the report covers them all).
    pub days: i64,
    /// Runs of each report.
    pub runs: usize,
}

const WEEK: i64 = 7 * 86_400_000;
const BUCKET: i64 = 900_000;

/// Seeds an alert a week per monitor over `days` before `now`, at a time of day of its
/// own: six counters each (alert, page, time to acknowledge, time to resolve, two
/// quarter-hours down).
fn insert_tallies(url: &str, project: &str, ids: &[String], days: i64, now: i64) -> Result<usize> {
    let mut c = DbUrl::parse(url)?.connect()?;
    let start = now - days * 86_400_000;
    let mut rows = 0;
    let mut sql = String::new();
    let mut n_in = 0;
    c.batch_execute("BEGIN")?;
    for (k, id) in ids.iter().enumerate() {
        let offset = (k as i64 * 7_919 * 60_000) % WEEK;
        let mut at = start + offset;
        while at < now {
            let b = at - at.rem_euclid(BUCKET);
            for (bucket, metric, n) in [
                (b, "alert|failed|error", 1),
                (b, "page|bench-channel", 1),
                (b + 2 * BUCKET, "ack|37", 1),
                (b + 8 * BUCKET, "fix|48", 1),
                // Down half an hour: two buckets of time down (availability).
                (b, "downms", BUCKET),
                (b + BUCKET, "downms", BUCKET),
            ] {
                if n_in == 0 {
                    sql.push_str(
                        "INSERT INTO report_tallies (project_id, bucket, subject, metric, n) VALUES ",
                    );
                } else {
                    sql.push(',');
                }
                sql.push_str(&format!("('{project}', {bucket}, '{id}', '{metric}', {n})"));
                n_in += 1;
                rows += 1;
                if n_in == 1_000 {
                    c.batch_execute(&sql).context("seeding counters")?;
                    sql.clear();
                    n_in = 0;
                }
            }
            at += WEEK;
        }
        if k % 1_000 == 999 {
            c.batch_execute("COMMIT; BEGIN")?;
        }
    }
    if n_in > 0 {
        c.batch_execute(&sql)?;
    }
    c.batch_execute("COMMIT")?;
    // Every monitor pinged since the year's start; one in a hundred is down now (a span
    // the availability report reads from its status).
    c.batch_execute(&format!(
        "UPDATE monitors SET n_pings = 1, created_at = {start} WHERE project_id = '{project}'; \
         UPDATE monitors SET status = 'down' WHERE project_id = '{project}' AND name LIKE '%00'"
    ))?;
    // The project's and the months' counters, as the write path keeps them: added by
    // the migration that brought them, run again over what was seeded.
    let rollups = match DbUrl::parse(url)? {
        DbUrl::Sqlite(_) => ROLLUPS_SQLITE,
        DbUrl::Postgres(_) => ROLLUPS_POSTGRES,
    };
    c.batch_execute(rollups).context("adding the rollups")?;
    Ok(rows)
}

const ROLLUPS_SQLITE: &str =
    include_str!("../../../migrations/sqlite/2026-12-10-000031_report_rollups/up.sql");
const ROLLUPS_POSTGRES: &str =
    include_str!("../../../migrations/postgres/2026-12-10-000031_report_rollups/up.sql");

/// Runs the benchmark.
pub async fn run(bin: &str, url: &str, o: Options) -> Result<()> {
    let seeded = seed::fresh(url, o.monitors, 0, 0).await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    let t = Instant::now();
    let rows = insert_tallies(url, &seeded.project, &seeded.ids, o.days, now)?;
    println!(
        "seeded {rows} counters ({} monitors, {} days) in {:.1} s",
        o.monitors,
        o.days,
        t.elapsed().as_secs_f64()
    );
    let server = server::Server::start(bin, url, &[]).await?;
    let http = reqwest::Client::new();
    let period = format!("period={}d", o.days);
    // Every report there is, by the server's own list.
    for name in overdue_storage::reports::NAMES {
        let mut times: Vec<Duration> = Vec::new();
        let mut size = 0;
        for _ in 0..o.runs {
            let t = Instant::now();
            let r = http
                .get(format!("{}/api/v1/reports/{name}?{period}", server.base))
                .header("X-Api-Key", &seeded.api_key)
                .send()
                .await?;
            anyhow::ensure!(r.status().is_success(), "{name}: {}", r.status());
            size = r.bytes().await?.len();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "report {name:>12}: median {:>6.0} ms, max {:>6.0} ms ({} runs, {size} bytes)",
            times[times.len() / 2].as_secs_f64() * 1_000.0,
            times[times.len() - 1].as_secs_f64() * 1_000.0,
            o.runs
        );
    }
    server.stop();
    Ok(())
}
