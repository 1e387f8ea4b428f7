//! The load generator: `clients` tasks on keep-alive connections, each sending requests
//! back to back (or paced to a total rate), recording every latency.

use std::time::{Duration, Instant};

/// What to request.
#[derive(Clone, Copy)]
pub enum Target {
    /// `GET /health/live`: the server stack without database work.
    Live,
    /// `GET /ping/<uuid>` over the seeded monitors, round-robin.
    Ping,
}

/// Figures of one run.
pub struct Stats {
    pub ok: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub lat_us: Vec<u32>,
}

impl Stats {
    pub fn per_sec(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    fn pct(&self, p: f64) -> f64 {
        if self.lat_us.is_empty() {
            return 0.0;
        }
        let i = ((self.lat_us.len() as f64 - 1.0) * p).round() as usize;
        self.lat_us[i] as f64 / 1_000.0
    }

    pub fn print(&self, what: &str) {
        println!(
            "{what}: {:.0} req/s ({} ok, {} errors in {:.1} s); latency ms p50 {:.2} p90 {:.2} p99 {:.2} max {:.2}",
            self.per_sec(),
            self.ok,
            self.errors,
            self.elapsed.as_secs_f64(),
            self.pct(0.50),
            self.pct(0.90),
            self.pct(0.99),
            self.pct(1.0)
        );
    }
}

/// Runs the load for `duration`; `rate` > 0 paces the total to that many requests/s.
pub async fn run(
    base: &str,
    target: Target,
    ids: &[String],
    clients: usize,
    duration: Duration,
    rate: u64,
) -> Stats {
    run_over(&[base.to_string()], target, ids, clients, duration, rate).await
}

/// [`run`] over several servers: client `w` sends to `bases[w % bases.len()]`, so the
/// load is spread evenly over instances sharing one database.
pub async fn run_over(
    bases: &[String],
    target: Target,
    ids: &[String],
    clients: usize,
    duration: Duration,
    rate: u64,
) -> Stats {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    let started = Instant::now();
    let end = started + duration;
    let mut tasks = Vec::new();
    for w in 0..clients {
        let http = http.clone();
        let base = &bases[w % bases.len().max(1)];
        let urls: Vec<String> = match target {
            Target::Live => vec![format!("{base}/health/live")],
            Target::Ping => ids
                .iter()
                .skip(w)
                .step_by(clients)
                .map(|id| format!("{base}/ping/{id}"))
                .collect(),
        };
        let gap = (rate > 0).then(|| Duration::from_secs_f64(clients as f64 / rate as f64));
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut errors, mut lat) = (0u64, 0u64, Vec::new());
            let mut i = 0usize;
            let mut next = Instant::now()
                + gap.map_or(Duration::ZERO, |g| g.mul_f64(w as f64 / clients as f64));
            while Instant::now() < end {
                if let Some(g) = gap {
                    tokio::time::sleep_until(next.into()).await;
                    next += g;
                }
                let t0 = Instant::now();
                let url = &urls[i % urls.len().max(1)];
                i += 1;
                match http.get(url).send().await {
                    Ok(r) => {
                        let good = r.status().is_success();
                        // Read to the end either way: the connection is then kept.
                        let _ = r.bytes().await;
                        if good {
                            ok += 1;
                            lat.push(t0.elapsed().as_micros().min(u32::MAX as u128) as u32);
                        } else {
                            errors += 1;
                        }
                    }
                    Err(_) => errors += 1,
                }
            }
            (ok, errors, lat)
        }));
    }
    let mut stats = Stats {
        ok: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        lat_us: Vec::new(),
    };
    for t in tasks {
        if let Ok((ok, errors, lat)) = t.await {
            stats.ok += ok;
            stats.errors += errors;
            stats.lat_us.extend(lat);
        }
    }
    stats.elapsed = started.elapsed();
    stats.lat_us.sort_unstable();
    stats
}
