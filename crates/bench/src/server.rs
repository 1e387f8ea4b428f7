//! The server under test (the real `overdue` binary as a child process) and the
//! scheduler benchmark.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use diesel::prelude::*;
use overdue_storage::base::schema::{flips, monitors, outbox};
use overdue_storage::DbUrl;

use crate::{load, seed};

/// Finds the `overdue` binary.
pub fn binary(given: Option<&str>) -> Result<String> {
    if let Some(b) = given {
        return Ok(b.to_string());
    }
    let me = std::env::current_exe()?;
    let candidate = me.with_file_name("overdue");
    if candidate.exists() {
        return Ok(candidate.display().to_string());
    }
    Err(anyhow!("overdue binary not found next to {}; build it (cargo build --release -p overdue) or pass --overdue-bin", me.display()))
}

/// The CPU model, for the figures.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// A running server.
pub struct Server {
    child: Child,
    pub base: String,
    pub started_in: Duration,
}

impl Server {
    /// Starts the binary on `db` and waits until `/health/ready` answers.
    pub async fn start(bin: &str, db: &str, env: &[(&str, &str)]) -> Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let t0 = Instant::now();
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .env("DATABASE_URL", db)
            .env("OVERDUE_LISTEN", format!("127.0.0.1:{port}"))
            // Warnings only, unless the operator asks for more (the writer's own second:
            // `OVERDUE_BENCH_SERVER_LOG=overdue_storage::ingest=debug`, docs/benchmarks.md).
            .env(
                "OVERDUE_LOG",
                std::env::var("OVERDUE_BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::null())
            // The benches measure the instance, not a project's rate (docs/security.md,
            // "Limits"); the two-tenant bench sets its own.
            .env("OVERDUE_MAX_EVENTS_PER_SECOND", "100000000");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().context("starting overdue")?;
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        loop {
            if let Ok(r) = http.get(format!("{base}/health/ready")).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            if t0.elapsed() > Duration::from_secs(300) {
                return Err(anyhow!("server did not become ready"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(Server {
            child,
            base,
            started_in: t0.elapsed(),
        })
    }

    fn proc_status(&self, key: &str) -> Option<u64> {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = s.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// Resident memory in MB.
    pub fn rss_mb(&self) -> f64 {
        self.proc_status("VmRSS:").unwrap_or(0) as f64 / 1024.0
    }

    /// CPU time used so far (user + system), in clock ticks.
    pub fn cpu_ticks(&self) -> u64 {
        let s =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        let after = s.rsplit(')').next().unwrap_or("");
        let f: Vec<&str> = after.split_whitespace().collect();
        let utime: u64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0);
        let stime: u64 = f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
        utime + stime
    }

    pub fn stop(self) {}
}

impl Drop for Server {
    /// The server never outlives the bench, even when the bench fails half-way.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Start-up, memory, idle CPU and detection latency with `n` monitors; then, if asked, a
/// burst of `burst` monitors due in the same second, delivered to a local receiver,
/// while pings keep flowing.
pub async fn scheduler_bench(bin: &str, db: &str, n: usize, burst: usize) -> Result<()> {
    let seeded = seed::fresh(db, n, 0, 0).await?;
    // Seeded monitors count toward the per-project cap of 5,000 (docs/security.md).
    let srv = Server::start(
        bin,
        db,
        &[
            ("OVERDUE_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("OVERDUE_MAX_MONITORS", "10000000"),
        ],
    )
    .await?;
    println!(
        "start-up with {n} monitors: {:.2} s to ready",
        srv.started_in.as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!("resident memory after start: {:.1} MB", srv.rss_mb());
    let t0 = srv.cpu_ticks();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let ticks = srv.cpu_ticks() - t0;
    println!(
        "idle CPU over 10 s: {:.2} % of one core ({ticks} ticks)",
        ticks as f64 / 10.0
    );

    // Detection: 20 monitors created and pinged through the API (period 2 s, grace 1 s).
    let http = reqwest::Client::new();
    let mut probes = Vec::new();
    for i in 0..20 {
        let m: serde_json::Value = http
            .post(format!("{}/api/v1/monitors", srv.base))
            .header("X-Api-Key", &seeded.api_key)
            .json(&serde_json::json!({"name": format!("probe{i}"), "period": 2, "grace": 1}))
            .send()
            .await?
            .json()
            .await?;
        // The ping code (`id` is the public reference, which pings nothing).
        let id = m["uuid"]
            .as_str()
            .ok_or_else(|| anyhow!("create failed: {m}"))?
            .to_string();
        http.get(format!("{}/ping/{id}", srv.base)).send().await?;
        probes.push(id);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut c = DbUrl::parse(db)?.connect()?;
    let mut lat = Vec::new();
    for id in &probes {
        let success: Option<i64> = monitors::table
            .find(id)
            .select(monitors::last_success_at)
            .first(&mut c)?;
        let flipped: Option<i64> = flips::table
            .filter(flips::monitor_id.eq(id))
            .filter(flips::to_status.eq("down"))
            .select(flips::created_at)
            .first(&mut c)
            .optional()?;
        if let (Some(s), Some(f)) = (success, flipped) {
            lat.push(f - (s + 3_000));
        }
    }
    lat.sort_unstable();
    println!(
        "detection after the deadline ({} of 20 probes flipped): min {} ms, median {} ms, max {} ms",
        lat.len(),
        lat.first().copied().unwrap_or(-1),
        lat.get(lat.len() / 2).copied().unwrap_or(-1),
        lat.last().copied().unwrap_or(-1)
    );

    if burst > 0 {
        let received = Arc::new(AtomicU64::new(0));
        let recv_url = start_receiver(received.clone())?;
        let m: serde_json::Value = http
            .post(format!("{}/api/v1/channels", srv.base))
            .header("X-Api-Key", &seeded.api_key)
            .json(&serde_json::json!({"kind": "webhook", "name": "bench", "url": recv_url}))
            .send()
            .await?
            .json()
            .await?;
        let channel = m["id"]
            .as_str()
            .ok_or_else(|| anyhow!("channel: {m}"))?
            .to_string();
        // One message per alert: storms off through their documented setting
        // (docs/behaviour.md, "Storms"; a webhook is not gathered anyway).
        let r = http
            .patch(format!("{}/api/v1/project", srv.base))
            .header("X-Api-Key", &seeded.api_key)
            .json(&serde_json::json!({"storm": null}))
            .send()
            .await?;
        if !r.status().is_success() {
            return Err(anyhow!("turning storms off: {}", r.text().await?));
        }
        let due = now_ms() + 15_000;
        let t = Instant::now();
        seed::insert_monitors(db, &seeded.project, burst, due, Some(&channel))?;
        println!(
            "burst: seeded {burst} monitors due at the same second in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let wait = Duration::from_millis((due - now_ms()).max(0) as u64);
        // Pings at 1,000/s through the burst window, to see what the burst does to ingest.
        let ids = seeded.ids.clone();
        let base = srv.base.clone();
        let pinger = tokio::spawn(async move {
            load::run(
                &base,
                load::Target::Ping,
                &ids,
                16,
                wait + Duration::from_secs(20),
                1_000,
            )
            .await
        });
        tokio::time::sleep(wait).await;
        let mut all_flipped = None;
        let mut all_sent = None;
        let start = Instant::now();
        // Progress is read from the flips written since the last look (a range of the
        // primary key), not by counting the monitors that are down: that count read all
        // 200,000 rows five times a second, a third of a core of the database under
        // test (docs/benchmarks.md, "Session 23"). The burst's flips come from the one
        // deadline writer, committed in id order, so a range already read gets no
        // later rows.
        let mut seen: i64 = flips::table
            .select(diesel::dsl::max(flips::id))
            .first::<Option<i64>>(&mut c)?
            .unwrap_or(0);
        let mut down = 0usize;
        while start.elapsed() < Duration::from_secs(300)
            && (all_flipped.is_none() || all_sent.is_none())
        {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if all_flipped.is_none() {
                let new: Vec<i64> = flips::table
                    .filter(flips::id.gt(seen))
                    .filter(flips::to_status.eq("down"))
                    .filter(flips::created_at.ge(due))
                    .select(flips::id)
                    .load(&mut c)?;
                down += new.len();
                seen = new.iter().copied().max().unwrap_or(seen);
                if down >= burst {
                    all_flipped = Some(now_ms() - due);
                }
            }
            if all_sent.is_none() && received.load(Ordering::Relaxed) as usize >= burst {
                all_sent = Some(now_ms() - due);
            }
        }
        let pending: i64 = outbox::table
            .filter(outbox::state.eq("pending"))
            .count()
            .get_result(&mut c)?;
        println!(
            "burst of {burst}: all down {} ms after the deadline, all delivered {} ms after it ({} received, {pending} pending)",
            all_flipped.unwrap_or(-1),
            all_sent.unwrap_or(-1),
            received.load(Ordering::Relaxed)
        );
        let pings = pinger.await?;
        pings.print("pings during the burst (paced 1,000/s)");
    }
    srv.stop();
    Ok(())
}

fn start_receiver(count: Arc<AtomicU64>) -> Result<String> {
    use actix_web::{web, App, HttpResponse, HttpServer};
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let count = web::Data::new(count);
    let server = HttpServer::new(move || {
        App::new().app_data(count.clone()).default_service(web::to(
            |c: web::Data<Arc<AtomicU64>>| async move {
                c.fetch_add(1, Ordering::Relaxed);
                HttpResponse::Ok().finish()
            },
        ))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    tokio::spawn(server);
    Ok(url)
}
