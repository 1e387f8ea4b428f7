//! Notification delivery: a burst of monitors due in the same second, each with one
//! channel — a local HTTP receiver (webhook, or posing as ntfy for the HTTP presets) or
//! a local SMTP server (e-mail, through lettre) — and the figures: messages delivered
//! per second, and the time from each flip (its row in `flips`) to its message
//! arriving.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use diesel::prelude::*;
use overdue_storage::base::schema::flips;
use overdue_storage::DbUrl;

use crate::seed;
use crate::server::Server;

/// Where the messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// A local HTTP receiver.
    Webhook,
    /// A local SMTP server.
    Email,
    /// A local HTTP receiver posing as an ntfy server (an HTTP preset).
    Ntfy,
}

/// (monitor name, arrival in ms since the epoch).
type Arrivals = Arc<Mutex<Vec<(String, i64)>>>;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// What to measure.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Monitors going down at once.
    pub monitors: usize,
    /// Where the messages go.
    pub kind: Kind,
    /// Routes every alert is matched against (0: the channel is assigned).
    pub routes: usize,
    /// Timers waiting in the index meanwhile.
    pub timers: usize,
}

/// Runs the benchmark with `opts.monitors` monitors going down at once.
pub async fn run(bin: &str, db: &str, opts: Options) -> Result<()> {
    let (n, kind) = (opts.monitors, opts.kind);
    let seeded = seed::fresh(db, 0, 0, 0).await?;
    let arrivals: Arrivals = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let (env, channel) = match kind {
        Kind::Webhook => {
            let url = start_http(arrivals.clone())?;
            (
                vec![(
                    "OVERDUE_WEBHOOK_ALLOW_PRIVATE".to_string(),
                    "true".to_string(),
                )],
                serde_json::json!({"kind": "webhook", "name": "bench", "url": url}),
            )
        }
        Kind::Ntfy => {
            let url = start_http(arrivals.clone())?;
            (
                vec![
                    (
                        "OVERDUE_WEBHOOK_ALLOW_PRIVATE".to_string(),
                        "true".to_string(),
                    ),
                    (
                        "OVERDUE_SITE_URL".to_string(),
                        "http://overdue.bench".to_string(),
                    ),
                ],
                serde_json::json!({"kind": "ntfy", "name": "bench", "topic": "bench", "url": url}),
            )
        }
        Kind::Email => {
            let addr = start_smtp(arrivals.clone())?;
            (
                vec![
                    (
                        "OVERDUE_SITE_URL".to_string(),
                        "http://overdue.bench".to_string(),
                    ),
                    ("OVERDUE_SMTP_URL".to_string(), format!("smtp://{addr}")),
                    (
                        "OVERDUE_EMAIL_FROM".to_string(),
                        "bench@example.com".to_string(),
                    ),
                ],
                serde_json::json!({"kind": "email", "name": "bench", "to": ["ops@example.com"]}),
            )
        }
    };
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let srv = Server::start(bin, db, &env).await?;
    let created: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/v1/channels", srv.base))
        .header("X-Api-Key", &seeded.api_key)
        .json(&channel)
        .send()
        .await?
        .json()
        .await?;
    let channel_id = created["id"]
        .as_str()
        .ok_or_else(|| anyhow!("channel: {created}"))?
        .to_string();
    let routed = opts.routes > 0;
    if routed {
        create_routes(&srv.base, &seeded.api_key, &channel_id, opts.routes).await?;
    }
    if opts.timers > 0 {
        seed_timers(db, opts.timers)?;
        let t0 = srv.cpu_ticks();
        tokio::time::sleep(Duration::from_secs(10)).await;
        let ticks = srv.cpu_ticks() - t0;
        println!(
            "idle CPU over 10 s with {} timers waiting: {:.2} % of one core ({ticks} ticks)",
            opts.timers,
            ticks as f64 / 10.0
        );
    }
    let due = now_ms() + 10_000;
    let assigned = (!routed).then_some(channel_id.as_str());
    let ids = seed::insert_monitors(db, &seeded.project, n, due, assigned)?;
    tokio::time::sleep(Duration::from_millis((due - now_ms()).max(0) as u64)).await;
    let started = Instant::now();
    while arrivals.lock().map(|a| a.len()).unwrap_or(0) < n
        && started.elapsed() < Duration::from_secs(600)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = arrivals.lock().map(|a| a.clone()).unwrap_or_default();
    let mut c = DbUrl::parse(db)?.connect()?;
    let flipped: Vec<(String, i64)> = flips::table
        .filter(flips::to_status.eq("down"))
        .select((flips::monitor_id, flips::created_at))
        .load(&mut c)?;
    let flip_at: HashMap<String, i64> = flipped.into_iter().collect();
    let mut latencies = Vec::with_capacity(got.len());
    for (name, at) in &got {
        let k: Option<usize> = name.strip_prefix('m').and_then(|k| k.parse().ok());
        if let Some(f) = k.and_then(|k| ids.get(k)).and_then(|id| flip_at.get(id)) {
            latencies.push(at - f);
        }
    }
    latencies.sort_unstable();
    let first_flip = flip_at.values().min().copied().unwrap_or(due);
    let last = got.iter().map(|(_, a)| *a).max().unwrap_or(first_flip);
    let span = ((last - first_flip) as f64 / 1000.0).max(0.001);
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(-1)
    };
    println!(
        "{kind:?}{}: {} of {n} messages arrived; {:.0} messages/s (first flip to last message: {span:.2} s)",
        if routed { format!(" through {} routes", opts.routes) } else { String::new() },
        got.len(),
        got.len() as f64 / span
    );
    println!(
        "flip → message: min {} ms, median {} ms, p99 {} ms, max {} ms",
        pct(0.0),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    srv.stop();
    Ok(())
}

/// `n` routes: the first `n - 1` match a tag no monitor has (every alert is tried
/// against them), the last matches everything and sends to `channel`.
async fn create_routes(base: &str, key: &str, channel: &str, n: usize) -> Result<()> {
    let http = reqwest::Client::new();
    for i in 0..n {
        let matcher = if i + 1 < n {
            serde_json::json!({"tags": [format!("team:t{i}")], "severities": ["critical"]})
        } else {
            serde_json::json!({})
        };
        let r = http
            .post(format!("{base}/api/v1/routes"))
            .header("X-Api-Key", key)
            .json(&serde_json::json!({"name": format!("r{i}"), "match": matcher, "channels": [channel]}))
            .send()
            .await?;
        if !r.status().is_success() {
            return Err(anyhow!("route {i}: {}", r.text().await?));
        }
    }
    Ok(())
}

/// `n` timers due in a day (reminders of alerts that do not exist: they only wait).
fn seed_timers(db: &str, n: usize) -> Result<()> {
    use diesel::connection::SimpleConnection;
    let mut c = DbUrl::parse(db)?.connect()?;
    let due = now_ms() + 86_400_000;
    for start in (0..n).step_by(1_000) {
        let rows = (n - start).min(1_000);
        let values: Vec<String> = (0..rows)
            .map(|i| {
                format!(
                    "({}, 'none', 'repeat', 0, {})",
                    start + i + 1_000_000,
                    due + i as i64
                )
            })
            .collect();
        c.batch_execute(&format!(
            "INSERT INTO alert_timers (alert_id, route_id, kind, step, due_at) VALUES {}",
            values.join(",")
        ))?;
    }
    Ok(())
}

fn start_http(arrivals: Arrivals) -> Result<String> {
    use actix_web::{web, App, HttpResponse, HttpServer};
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let data = web::Data::new(arrivals);
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).default_service(web::to(
            |a: web::Data<Arrivals>, body: web::Bytes| async move {
                let at = now_ms();
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                // A webhook's document names the monitor; ntfy's title is
                // "DOWN: m17 — missed (…)".
                let name = match v["monitor"]["name"].as_str() {
                    Some(n) => n.to_string(),
                    None => v["title"]
                        .as_str()
                        .and_then(|t| t.split_whitespace().nth(1))
                        .unwrap_or("")
                        .to_string(),
                };
                if let Ok(mut list) = a.lock() {
                    list.push((name, at));
                }
                HttpResponse::Ok().finish()
            },
        ))
    })
    .workers(2)
    .disable_signals()
    .listen(listener)?
    .run();
    tokio::spawn(server);
    Ok(url)
}

#[derive(Clone)]
struct Sink {
    arrivals: Arrivals,
    data: Vec<u8>,
}

impl mailin::Handler for Sink {
    fn data_start(&mut self, _: &str, _: &str, _: bool, _: &[String]) -> mailin::Response {
        self.data.clear();
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin::Response {
        let at = now_ms();
        let subject = mail_parser::MessageParser::default()
            .parse(&self.data)
            .and_then(|m| m.subject().map(str::to_string))
            .unwrap_or_default();
        // "[Overdue] DOWN: m17 — missed (…)": the monitor's name.
        let name = subject
            .split_whitespace()
            .nth(2)
            .unwrap_or_default()
            .to_string();
        if let Ok(mut list) = self.arrivals.lock() {
            list.push((name, at));
        }
        mailin::response::OK
    }
}

fn start_smtp(arrivals: Arrivals) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?.to_string();
    let builder = mailin::SessionBuilder::new("bench-smtp");
    let sink = Sink {
        arrivals,
        data: Vec::new(),
    };
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (builder, sink) = (builder.clone(), sink.clone());
            std::thread::spawn(move || serve(stream, &builder, sink));
        }
    });
    Ok(addr)
}

fn serve(stream: TcpStream, builder: &mailin::SessionBuilder, sink: Sink) {
    let remote: IpAddr = stream
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or([127, 0, 0, 1].into());
    // Answers go out at once (no Nagle delay against the client's delayed ACK).
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut session = builder.build(remote, sink);
    if session.greeting().write_to(&mut writer).is_err() {
        return;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let res = session.process(&line);
        match res.action {
            mailin::Action::NoReply => {}
            mailin::Action::Close => {
                let _ = res.write_to(&mut writer);
                let _ = writer.flush();
                return;
            }
            _ => {
                if res.write_to(&mut writer).is_err() || writer.flush().is_err() {
                    return;
                }
            }
        }
    }
}
