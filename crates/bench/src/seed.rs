//! Seeding: a wiped database with one project and many monitors, written with multi-row
//! INSERTs (the bench's own SQL; the values are generated, never user input).

use anyhow::{Context, Result};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use overdue_storage::{people::projects, DbUrl, Store, StoreOptions, SystemClock};

/// What was seeded.
pub struct Seeded {
    pub ids: Vec<String>,
    pub api_key: String,
    pub project: String,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Wipes the database, migrates it, creates a project and `n` up monitors whose
/// deadlines are a day away.
pub async fn fresh(url: &str, n: usize, _reserved: usize, _reserved2: usize) -> Result<Seeded> {
    match DbUrl::parse(url)? {
        DbUrl::Sqlite(path) => {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
        DbUrl::Postgres(_) => {
            create_pg_database(url)?;
            let mut c = DbUrl::parse(url)?.connect()?;
            c.batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")?;
        }
    }
    let store = Store::open(
        url,
        StoreOptions::default(),
        std::sync::Arc::new(SystemClock),
    )?;
    let p = store.write(move |tx| projects::create(tx, "bench")).await?;
    let started = std::time::Instant::now();
    let far = now_ms() + 86_400_000;
    let ids = insert_monitors(url, &p.id, n, far, None)?;
    println!(
        "seeded {n} monitors in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(Seeded {
        ids,
        api_key: p.api_key,
        project: p.id,
    })
}

/// Adds a project named `name` with `n` up monitors to a database [`fresh`] made.
pub async fn another_project(url: &str, name: &str, n: usize) -> Result<Seeded> {
    let store = Store::open(
        url,
        StoreOptions::default(),
        std::sync::Arc::new(SystemClock),
    )?;
    let name = name.to_string();
    let p = store.write(move |tx| projects::create(tx, &name)).await?;
    let ids = insert_monitors(url, &p.id, n, now_ms() + 86_400_000, None)?;
    Ok(Seeded {
        ids,
        api_key: p.api_key,
        project: p.id,
    })
}

/// Creates the PostgreSQL database named by `url` when it does not exist yet (through
/// the server's `postgres` database), so the documented commands work on a new machine.
fn create_pg_database(url: &str) -> Result<()> {
    if DbUrl::parse(url)?.connect().is_ok() {
        return Ok(());
    }
    let (base, rest) = url
        .rsplit_once('/')
        .ok_or_else(|| anyhow::anyhow!("no database name in {url}"))?;
    let name = rest.split('?').next().unwrap_or(rest);
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        anyhow::bail!("database name {name:?}: use letters, digits and _");
    }
    let mut admin = DbUrl::parse(&format!("{base}/postgres"))?.connect()?;
    admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
    Ok(())
}

/// Inserts `n` up monitors with `deadline_at = deadline`, optionally all on one channel.
pub fn insert_monitors(
    url: &str,
    project: &str,
    n: usize,
    deadline: i64,
    channel: Option<&str>,
) -> Result<Vec<String>> {
    let mut c = DbUrl::parse(url)?.connect()?;
    let mut ids = Vec::with_capacity(n);
    let last = deadline - 86_400_000 - 3_600_000;
    for chunk_start in (0..n).step_by(2_000) {
        let chunk = (n - chunk_start).min(2_000);
        c.batch_execute("BEGIN")?;
        for part in (0..chunk).step_by(500) {
            let rows = (chunk - part).min(500);
            let mut sql = String::from(
                "INSERT INTO monitors (id, project_id, name, slug, description, tags, schedule_kind, period_ms, cron_expr, tz, grace_ms, \
                 max_runtime_ms, methods, manual_resume, status, down_reason, last_ping_at, last_success_at, run_started_at, next_due_at, \
                 deadline_at, deadline_kind, last_duration_ms, n_pings, created_at, updated_at) VALUES ",
            );
            let mut links =
                String::from("INSERT INTO monitor_channels (monitor_id, channel_id) VALUES ");
            for i in 0..rows {
                let id = uuid::Uuid::new_v4().hyphenated().to_string();
                if i > 0 {
                    sql.push(',');
                    links.push(',');
                }
                let k = chunk_start + part + i;
                sql.push_str(&format!(
                    "('{id}', '{project}', 'm{k}', NULL, '', '', 'interval', 86400000, NULL, 'UTC', 3600000, NULL, '', false, 'up', NULL, \
                     {last}, {last}, NULL, {due}, {deadline}, 'missed', NULL, 0, {last}, {last})",
                    due = deadline - 3_600_000
                ));
                if let Some(ch) = channel {
                    links.push_str(&format!("('{id}', '{ch}')"));
                }
                ids.push(id);
            }
            c.batch_execute(&sql).context("seeding monitors")?;
            if channel.is_some() {
                c.batch_execute(&links)?;
            }
        }
        c.batch_execute("COMMIT")?;
    }
    Ok(ids)
}

/// Pings stored in the database.
pub async fn count_pings(url: &str) -> Result<i64> {
    let mut c = DbUrl::parse(url)?.connect()?;
    Ok(overdue_storage::base::schema::pings::table
        .count()
        .get_result(&mut c)?)
}
