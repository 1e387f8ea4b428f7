//! Flow events across a real broker restart (docs/behaviour.md, "Flows (entity SLAs)"):
//! the test runs its own RabbitMQ
//! node (Debian's `rabbitmq-server`, on free ports and its own data directory, so the
//! machine's broker that the rest of the suite shares is left alone), stops it with
//! SIGTERM as a service manager would, and starts it again on the same data. Overdue
//! keeps serving and stays ready (readiness is about the database) while it is away,
//! holds a breach that fell due meanwhile (events may still sit in the queue), then
//! reconnects by itself, consumes what was queued, and opens the breach once the queue
//! is drained. On SQLite: the broker's side does not depend on the database, and
//! consumption on PostgreSQL is covered by `amqp` and `amqp_ha`.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use lapin::options::{BasicPublishOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use serde_json::{json, Value};

use crate::harness::{free_port, fresh_database, Backend, TestApp};

pub(crate) const SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";

/// How long one call to the broker may take: a node that takes a connection but never
/// answers (booting, stopping, a disk alarm blocking publishers) fails the test with
/// words instead of holding the suite until CI's own limit.
const CALL: Duration = Duration::from_secs(30);

/// `fut`, or a panic naming `what` after [`CALL`].
pub(crate) async fn within<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(CALL, fut).await {
        Ok(v) => v,
        Err(_) => panic!("the test's broker did not answer within {CALL:?}: {what}"),
    }
}

/// A connection, if the broker takes one within [`CALL`].
pub(crate) async fn connect(url: &str) -> Option<Connection> {
    tokio::time::timeout(
        CALL,
        Connection::connect(url, ConnectionProperties::default()),
    )
    .await
    .ok()
    .and_then(Result::ok)
}

/// A RabbitMQ node of this test's own.
pub(crate) struct Broker {
    dir: PathBuf,
    node: String,
    port: u16,
    dist: u16,
    child: Option<Child>,
}

impl Broker {
    /// A node on free ports in a fresh directory, not started yet; `None` (the test is
    /// skipped) where RabbitMQ's server is not installed, which CI does not allow.
    pub(crate) fn new() -> Option<Broker> {
        if !Path::new(SERVER).exists() {
            assert!(
                std::env::var("CI").is_err(),
                "RabbitMQ's server ({SERVER}) is needed in CI"
            );
            eprintln!("skipped: no {SERVER}");
            return None;
        }
        let n: u64 = rand::random();
        let dir = std::env::temp_dir().join(format!("overdue-rabbit-{n:x}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("plugins"), "[].").unwrap();
        Some(Broker {
            node: format!("overdue-{n:x}@localhost"),
            dir,
            port: free_port(),
            dist: free_port(),
            child: None,
        })
    }

    pub(crate) fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// Starts the node (again, on the same data) and waits until it takes connections.
    pub(crate) async fn start(&mut self) {
        let log = std::fs::File::create(self.dir.join("out.log")).unwrap();
        let child = Command::new(SERVER)
            .current_dir(&self.dir)
            .env("HOME", &self.dir)
            .env("RABBITMQ_NODENAME", &self.node)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", self.port.to_string())
            .env("RABBITMQ_DIST_PORT", self.dist.to_string())
            .env("RABBITMQ_MNESIA_BASE", self.dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", self.dir.join("log"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", self.dir.join("plugins"))
            .env("RABBITMQ_CONFIG_FILE", self.dir.join("none"))
            .env(
                "RABBITMQ_ADVANCED_CONFIG_FILE",
                self.dir.join("none.config"),
            )
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            // Its own process group: the stop reaches the script and the Erlang VM.
            .process_group(0)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let until = tokio::time::Instant::now() + Duration::from_secs(60);
        while tokio::time::Instant::now() < until {
            if connect(&self.url()).await.is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let out = std::fs::read_to_string(self.dir.join("out.log")).unwrap_or_default();
        panic!("the test's RabbitMQ node did not start within 60 s:\n{out}");
    }

    /// Stops the node as a service manager does (SIGTERM) and waits until it is gone.
    pub(crate) async fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let group = format!("-{}", child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        for _ in 0..300 {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The VM may outlive the script by a moment: the port must be free again.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = child.wait();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .stderr(Stdio::null())
                .status();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn publish(url: &str, queue: &str, body: Value) {
    let conn = connect(url)
        .await
        .expect("the test's broker takes a connection");
    let ch = within("a channel", conn.create_channel()).await.unwrap();
    let payload = body.to_string();
    let published = ch.basic_publish(
        "".into(),
        queue.into(),
        BasicPublishOptions::default(),
        payload.as_bytes(),
        // Persistent: the message outlives a broker restart.
        BasicProperties::default().with_delivery_mode(2),
    );
    within("a publish", async {
        published.await.unwrap().await.unwrap()
    })
    .await;
    let _ = within("closing", conn.close(200, "published".into())).await;
}

async fn stage_of(app: &TestApp, id: &str) -> Option<String> {
    let (s, e) = app
        .api("GET", &format!("/api/v1/flows/orders/entities/{id}"), None)
        .await;
    (s == 200).then(|| e["stage"].as_str().unwrap_or_default().to_string())
}

async fn wait_stage(app: &TestApp, id: &str, stage: &str, secs: u64) {
    for _ in 0..secs * 10 {
        if stage_of(app, id).await.as_deref() == Some(stage) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{id} never reached {stage}: {:?}", stage_of(app, id).await);
}

pub(crate) async fn text(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.http.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub(crate) async fn open_breaches(app: &TestApp) -> Vec<String> {
    let (_, open) = app.api("GET", "/api/v1/alerts?status=open", None).await;
    open["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["summary"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_broker_restart_loses_nothing() {
    let Some(mut broker) = Broker::new() else {
        return;
    };
    broker.start().await;
    let url = broker.url();
    let queue = "overdue.flow-events";
    let db = fresh_database(Backend::Sqlite);
    let consumer = url.clone();
    let app = TestApp::spawn_on(&db, move |s| s.amqp = Some((consumer, queue.to_string()))).await;
    let (s, f) = app
        .api(
            "POST",
            "/api/v1/flows",
            Some(json!({"name": "orders", "stages": [{"name": "placed", "sla": 3}, {"name": "shipped", "sla": "1d"}], "terminal": ["delivered"]})),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    // Overdue declares the missing queue durable; wait until it exists.
    for _ in 0..100 {
        let conn = connect(&url)
            .await
            .expect("the test's broker takes a connection");
        let ch = within("a channel", conn.create_channel()).await.unwrap();
        let passive = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        let asked = ch.queue_declare(queue.into(), passive, FieldTable::default());
        let there = within("the queue's declaration", asked).await.is_ok();
        let _ = within("closing", conn.close(200, "looked".into())).await;
        if there {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    publish(
        &url,
        queue,
        json!({"flow": "orders", "entity": "r1", "stage": "placed"}),
    )
    .await;
    wait_stage(&app, "r1", "placed", 10).await;

    // The broker goes down: Overdue stays ready and takes HTTP events; r1's SLA passes
    // but its breach waits (an event moving it on may be in the queue).
    broker.stop().await;
    let (s, ready) = text(&app, "/health/ready").await;
    assert_eq!(s, 200, "readiness is about the database: {ready}");
    let mut seen_down = false;
    for _ in 0..100 {
        if text(&app, "/metrics")
            .await
            .1
            .contains("overdue_amqp_connected 0")
        {
            seen_down = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen_down, "/metrics says the broker is away");
    let (s, b) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(json!([{"entity": "h1", "stage": "shipped"}])),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        open_breaches(&app).await,
        Vec::<String>::new(),
        "no breach while the queue may hold its events"
    );

    // Back on the same data: the durable queue is still there; what is published now
    // is consumed once Overdue has reconnected on its own, and r1's breach opens when
    // the queue is seen drained.
    broker.start().await;
    publish(
        &url,
        queue,
        json!({"flow": "orders", "entity": "r2", "stage": "shipped"}),
    )
    .await;
    wait_stage(&app, "r2", "shipped", 60).await;
    assert!(text(&app, "/metrics")
        .await
        .1
        .contains("overdue_amqp_connected 1"));
    let mut breached = Vec::new();
    for _ in 0..100 {
        breached = open_breaches(&app).await;
        if !breached.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(breached.len(), 1, "{breached:?}");
    assert!(breached[0].contains("r1 stuck in placed"), "{breached:?}");
    // r1 moving on through the restarted broker resolves it.
    publish(
        &url,
        queue,
        json!({"flow": "orders", "entity": "r1", "stage": "delivered"}),
    )
    .await;
    for _ in 0..100 {
        if open_breaches(&app).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(open_breaches(&app).await, Vec::<String>::new());
    app.stop().await;
    broker.stop().await;
}
