//! The flows benchmark (docs/behaviour.md, "Flows (entity SLAs)"): many open entities
//! seeded in bulk, then the real
//! server: start-up, memory and idle CPU with them open, flow events over HTTP batches
//! (events per second), and how soon after its SLA a breach opens while they wait.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use overdue_core::flow::{FlowDef, Stage};
use overdue_storage::base::schema::{alerts, flow_entities};
use overdue_storage::flows::{self, NewFlow};
use overdue_storage::{DbUrl, Store, StoreOptions, SystemClock};
use serde_json::json;

use crate::{seed, server};

/// What to measure.
pub struct Options {
    /// Open entities seeded before the server starts.
    pub entities: usize,
    /// Events sent over HTTP (each moves one seeded entity on).
    pub events: usize,
    /// Events per request.
    pub batch: usize,
    /// Concurrent clients.
    pub clients: usize,
    /// A broker and how many events to consume from it.
    pub amqp: Option<(String, usize)>,
    /// The orders flow reads the service's own messages through a mapping
    /// (`{"orderId", "status": "Packed", "customer"}`), the customer kept as an attribute.
    pub mapped: bool,
}

fn stage(name: &str, sla_ms: i64) -> Stage {
    Stage {
        name: name.into(),
        sla_ms,
        severity: "error".into(),
        calendar: None,
        aggregate: None,
    }
}

/// Seeds `n` entities in `placed` (due in a day) with multi-row INSERTs.
fn insert_entities(url: &str, flow: &str, n: usize, now: i64) -> Result<()> {
    let mut c = DbUrl::parse(url)?.connect()?;
    let due = now + 86_400_000;
    for start in (0..n).step_by(10_000) {
        let chunk = (n - start).min(10_000);
        c.batch_execute("BEGIN")?;
        for part in (0..chunk).step_by(1_000) {
            let rows = (chunk - part).min(1_000);
            let mut sql = String::from(
                "INSERT INTO flow_entities (flow_id, entity, stage, stage_index, entered_at, floor_at, due_at, breach_alert, finished_at, updated_at) VALUES ",
            );
            for i in 0..rows {
                if i > 0 {
                    sql.push(',');
                }
                let k = start + part + i;
                sql.push_str(&format!(
                    "('{flow}', 'e{k}', 'placed', 0, {now}, NULL, {due}, NULL, NULL, {now})"
                ));
            }
            c.batch_execute(&sql).context("seeding entities")?;
        }
        c.batch_execute("COMMIT")?;
    }
    // The counts of now that every change keeps (`flow_stats`, bucket i64::MAX).
    c.batch_execute(&format!(
        "INSERT INTO flow_stats (flow_id, stage, metric, bucket, n) VALUES ('{flow}', 'placed', 'open', {}, {n})",
        i64::MAX
    ))?;
    Ok(())
}

/// Runs the benchmark.
pub async fn run(bin: &str, db: &str, o: Options) -> Result<()> {
    let seeded = seed::fresh(db, 0, 0, 0).await?;
    let store = Store::open(db, StoreOptions::default(), Arc::new(SystemClock))?;
    let project = seeded.project.clone();
    let now = store.now();
    let mapping = o.mapped.then(|| {
        serde_json::from_value(json!({"entity": "/orderId", "stage": "status"}))
            .expect("a valid mapping")
    });
    let new = |name: &str, stages: Vec<Stage>| NewFlow {
        name: name.into(),
        slug: name.into(),
        def: FlowDef {
            stages,
            terminal: vec!["delivered".into()],
            mapping: if name == "orders" {
                mapping.clone()
            } else {
                None
            },
        },
        tags: String::new(),
        retention_ms: flows::DEFAULT_RETENTION_MS,
        channels: Vec::new(),
    };
    let orders = new(
        "orders",
        vec![stage("placed", 86_400_000), stage("packed", 86_400_000)],
    );
    let probe = new("probe", vec![stage("waiting", 2_000)]);
    let p = project.clone();
    let orders = store.write(move |tx| flows::create(tx, &p, orders)).await?;
    let p = project.clone();
    store.write(move |tx| flows::create(tx, &p, probe)).await?;
    drop(store);
    let t0 = Instant::now();
    insert_entities(db, &orders.id, o.entities, now.0)?;
    println!(
        "seeded {} open entities in {:.1} s",
        o.entities,
        t0.elapsed().as_secs_f64()
    );
    let queue = format!("overdue-bench-{}", std::process::id());
    let env: Vec<(&str, &str)> = match &o.amqp {
        Some((url, _)) => vec![
            ("OVERDUE_AMQP_URL", url.as_str()),
            ("OVERDUE_AMQP_QUEUE", queue.as_str()),
        ],
        None => Vec::new(),
    };
    let srv = server::Server::start(bin, db, &env).await?;
    println!(
        "start-up with {} open entities: {:.2} s to ready",
        o.entities,
        srv.started_in.as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!("resident memory after start: {:.1} MB", srv.rss_mb());
    let c0 = srv.cpu_ticks();
    tokio::time::sleep(Duration::from_secs(10)).await;
    println!(
        "idle CPU over 10 s with them open: {:.2} % of one core",
        (srv.cpu_ticks() - c0) as f64 / 10.0
    );

    // Ingest: each event moves one seeded entity from placed to packed.
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/flows/orders/events", srv.base);
    let n = o.events.min(o.entities.max(1));
    let per = n.div_ceil(o.clients.max(1));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..o.clients.max(1) {
        let (http, url, key) = (http.clone(), url.clone(), seeded.api_key.clone());
        let (from, to) = (c * per, ((c + 1) * per).min(n));
        let (batch, mapped) = (o.batch.max(1), o.mapped);
        tasks.push(tokio::spawn(async move {
            let mut sent = 0usize;
            let mut i = from;
            while i < to {
                let end = (i + batch).min(to);
                let events: Vec<serde_json::Value> = (i..end)
                    .map(|k| {
                        if mapped {
                            json!({"orderId": format!("e{k}"), "status": "Packed", "customer": format!("c{}", k % 997)})
                        } else {
                            json!({"entity": format!("e{k}"), "stage": "packed"})
                        }
                    })
                    .collect();
                let r = http
                    .post(&url)
                    .header("X-Api-Key", &key)
                    .json(&events)
                    .send()
                    .await;
                if r.is_ok_and(|r| r.status().is_success()) {
                    sent += end - i;
                }
                i = end;
            }
            sent
        }));
    }
    let mut stored = 0;
    for t in tasks {
        stored += t.await?;
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "events over HTTP: {stored} stored in {secs:.1} s = {:.0} events/s ({} per request, {} clients)",
        stored as f64 / secs,
        o.batch,
        o.clients
    );
    println!("resident memory after ingest: {:.1} MB", srv.rss_mb());

    if let Some((url, n)) = &o.amqp {
        amqp_rate(db, url, &queue, *n, o.events).await?;
    }

    // Detection: 50 probes whose 2 s SLA runs out while the rest wait.
    // Whole seconds: the time as sent (RFC 3339 without fractions).
    let at = now_ms() / 1_000 * 1_000;
    let probes: Vec<serde_json::Value> = (0..50)
        .map(|k| json!({"entity": format!("p{k}"), "stage": "waiting", "at": rfc3339(at)}))
        .collect();
    let r = http
        .post(format!("{}/api/v1/flows/probe/events", srv.base))
        .header("X-Api-Key", &seeded.api_key)
        .json(&probes)
        .send()
        .await?;
    if !r.status().is_success() {
        return Err(anyhow!("probe events refused: {}", r.text().await?));
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut c = DbUrl::parse(db)?.connect()?;
    let mut lat: Vec<i64> = alerts::table
        .filter(alerts::kind.eq("flow"))
        .select(alerts::opened_at)
        .load::<i64>(&mut c)?
        .into_iter()
        .map(|o| o - (at + 2_000))
        .collect();
    lat.sort_unstable();
    println!(
        "breach after the SLA ({} of 50 probes): min {} ms, median {} ms, max {} ms",
        lat.len(),
        lat.first().copied().unwrap_or(-1),
        lat.get(lat.len() / 2).copied().unwrap_or(-1),
        lat.last().copied().unwrap_or(-1)
    );
    let open: i64 = flow_entities::table
        .filter(flow_entities::finished_at.is_null())
        .count()
        .get_result(&mut c)?;
    println!("open entities at the end: {open}");
    srv.stop();
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn rfc3339(ms: i64) -> String {
    overdue_core::Timestamp(ms).to_rfc3339()
}

/// Publishes `n` messages (one event each, moving seeded entities `from..` on) to the
/// queue the server consumes, then waits until all are stored: events per second.
async fn amqp_rate(db: &str, url: &str, queue: &str, n: usize, from: usize) -> Result<()> {
    use lapin::options::{BasicPublishOptions, QueueDeclareOptions};
    use lapin::types::FieldTable;
    use lapin::{BasicProperties, Connection, ConnectionProperties};
    let conn = Connection::connect(url, ConnectionProperties::default()).await?;
    let ch = conn.create_channel().await?;
    ch.queue_declare(
        queue.into(),
        QueueDeclareOptions::durable(),
        FieldTable::default(),
    )
    .await?;
    let mut c = DbUrl::parse(db)?.connect()?;
    let before: i64 = overdue_storage::base::schema::flow_events::table
        .count()
        .get_result(&mut c)?;
    let t0 = Instant::now();
    for k in from..from + n {
        let body = format!(r#"{{"flow": "orders", "entity": "e{k}", "stage": "packed"}}"#);
        ch.basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions::default(),
            body.as_bytes(),
            BasicProperties::default(),
        )
        .await?;
    }
    let published = t0.elapsed().as_secs_f64();
    loop {
        let now: i64 = overdue_storage::base::schema::flow_events::table
            .count()
            .get_result(&mut c)?;
        if now - before >= n as i64 {
            break;
        }
        if t0.elapsed() > Duration::from_secs(600) {
            return Err(anyhow!("only {} of {n} AMQP events stored", now - before));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "events from RabbitMQ: {n} messages published in {published:.1} s, all stored after {secs:.1} s = {:.0} events/s",
        n as f64 / secs
    );
    ch.queue_delete(queue.into(), Default::default()).await?;
    Ok(())
}
