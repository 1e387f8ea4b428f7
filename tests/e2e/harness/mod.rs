//! Test support: backends and the story budget (`both!`), a spawned app; databases
//! (`db`), webhook receivers (`receiver`), the binary as a process (`process`), a real
//! SMTP server (`smtp`) and a WebDriver client (`webdriver`).

mod db;
pub mod oidc;
mod process;
mod receiver;
pub(crate) mod smtp;
pub(crate) mod webdriver;

pub use db::{fresh_database, postgres_available};
pub use process::{free_port, start_binary};
pub use receiver::{Received, Receiver};

use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use overdue::{ensure_default_project, open_store, system_clock, ServeArgs, Settings};
use overdue_storage::{people::projects, Store};
use serde_json::Value;
use tokio::sync::oneshot;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body on both backends: `both!(name, body_fn)`.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::harness::within_budget(
                    concat!(stringify!($name), " on SQLite"),
                    super::$body($crate::harness::Backend::Sqlite),
                )
                .await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(()) = $crate::harness::postgres_available() {
                    $crate::harness::within_budget(
                        concat!(stringify!($name), " on PostgreSQL"),
                        super::$body($crate::harness::Backend::Postgres),
                    )
                    .await
                }
            }
        }
    };
}

/// The longest a story may take (a loaded 2-core CI machine included): a slower one
/// fails with its name rather than hiding in the suite's total (docs/benchmarks.md,
/// "The suite's time").
pub const STORY_BUDGET: Duration = Duration::from_secs(150);

/// Runs a story, failing it by name when it takes longer than [`STORY_BUDGET`]. With
/// `OVERDUE_STORY_TIMES=<file>` each story's time is appended to that file (name, tab,
/// seconds), to find the slow ones.
pub async fn within_budget(name: &str, story: impl std::future::Future<Output = ()>) {
    let started = std::time::Instant::now();
    if tokio::time::timeout(STORY_BUDGET, story).await.is_err() {
        panic!("{name} took more than {STORY_BUDGET:?}: make it wait on a condition, or split it");
    }
    if let Some(path) = std::env::var_os("OVERDUE_STORY_TIMES") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(f, "{name}\t{:.2}", started.elapsed().as_secs_f64());
        }
    }
}

/// Settings for a test server on `database_url`.
pub fn settings(database_url: &str) -> Settings {
    let mut s = ServeArgs {
        database_url: Some(database_url.into()),
        webhook_allow_private: Some("true".into()),
        retry_base: Some("1s".into()),
        webhook_timeout: Some("5s".into()),
        // A digest at a fixed hour would come in the middle of unrelated tests.
        digest_hour: Some("off".into()),
        ..Default::default()
    }
    .resolve()
    .unwrap();
    s.listen = "127.0.0.1:0".parse().unwrap();
    // The test server's address is its site URL (set once it listens).
    s.site_url_given = true;
    s
}

/// A running server with the default project's keys.
pub struct TestApp {
    pub base: String,
    pub api_key: String,
    pub read_only_key: String,
    pub ping_key: String,
    pub store: Store,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    /// Starts a server on a fresh database.
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_on(&fresh_database(backend), settings_hook(|_| {})).await
    }

    /// Starts a server with a webhook receiver and a channel to it; returns the app,
    /// the receiver and the channel's id.
    pub async fn spawn_with_receiver(backend: Backend) -> (TestApp, Receiver, String) {
        let app = TestApp::spawn(backend).await;
        let rx = Receiver::start().await;
        let ch = app.webhook(&rx.url).await;
        (app, rx, ch)
    }

    /// Starts a server on an existing database, with adjusted settings.
    pub async fn spawn_on(database_url: &str, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        Self::spawn_clocked(database_url, adjust, system_clock()).await
    }

    /// Starts a server whose clock runs `shift` milliseconds ahead of the system's (a
    /// test moves time by changing it: quiet hours, windows).
    pub async fn spawn_shifted(backend: Backend) -> (TestApp, Arc<std::sync::atomic::AtomicI64>) {
        let shift = Arc::new(std::sync::atomic::AtomicI64::new(0));
        let clock = Arc::new(ShiftedClock(shift.clone()));
        let app = Self::spawn_clocked(&fresh_database(backend), |_| {}, clock).await;
        (app, shift)
    }

    /// Starts a server on an existing database whose clock runs `shift` ahead.
    pub async fn spawn_shifted_on(
        database_url: &str,
        adjust: impl FnOnce(&mut Settings),
        shift: Arc<std::sync::atomic::AtomicI64>,
    ) -> TestApp {
        Self::spawn_clocked(database_url, adjust, Arc::new(ShiftedClock(shift))).await
    }

    async fn spawn_clocked(
        database_url: &str,
        adjust: impl FnOnce(&mut Settings),
        clock: Arc<dyn overdue_storage::Clock>,
    ) -> TestApp {
        let mut s = settings(database_url);
        adjust(&mut s);
        let store = open_store(&s, clock).unwrap();
        let created = ensure_default_project(&store).await.unwrap();
        let (api_key, read_only_key, ping_key) = match created {
            Some(p) => {
                // Stories count messages one per alert: storms (gathered messages,
                // on by default) are the storm stories' to turn on.
                let id = p.id.clone();
                store
                    .write(move |tx| {
                        let off = projects::SettingsChange {
                            name: None,
                            require_second_factor: None,
                            tz: None,
                            storm: Some(None),
                            calendar: None,
                            availability_target: None,
                        };
                        projects::change(tx, &id, &off)
                    })
                    .await
                    .unwrap();
                (p.api_key, p.read_only_key, p.ping_key)
            }
            None => {
                // A restart: make fresh keys for the existing project.
                store
                    .write(move |tx| {
                        let project = projects::any(tx.conn())?;
                        let rw = projects::create_key(tx, &project.id, "test", false)?;
                        let ro = projects::create_key(tx, &project.id, "test-ro", true)?;
                        Ok((rw, ro, project.ping_key))
                    })
                    .await
                    .unwrap()
            }
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        // A story that sets the site URL to `http://localhost` is served under that
        // host name (passkeys belong to a domain; an IP address holds none).
        let base = if s.site_url == "http://localhost" {
            format!("http://localhost:{}", listener.local_addr().unwrap().port())
        } else {
            format!("http://{}", listener.local_addr().unwrap())
        };
        s.site_url = base.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn({
            let store = store.clone();
            async move {
                overdue::serve(s, store, listener, async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
            }
        });
        TestApp {
            base,
            api_key,
            read_only_key,
            ping_key,
            store,
            http: reqwest::Client::new(),
            stop: Some(stop),
            done: Some(done),
        }
    }

    /// Stops the server and its background tasks.
    /// Moves a shifted clock (`shift`, from [`TestApp::spawn_shifted`]) to `t` (ms) as if
    /// Overdue had been running all along: the last heartbeat is set to `t` first, so no
    /// heartbeat sees a gap and records an outage (docs/behaviour.md, "Overdue's own
    /// outages"), which uptime and availability would leave out.
    pub async fn jump(&self, shift: &std::sync::atomic::AtomicI64, t: i64) {
        use diesel::RunQueryDsl;
        self.store
            .write(move |tx| {
                diesel::sql_query(format!(
                    "UPDATE service_state SET value = {t} WHERE key = 'last_alive'"
                ))
                .execute(tx.conn())
                .map_err(overdue_storage::StoreError::from)
            })
            .await
            .unwrap();
        let now = chrono::Utc::now().timestamp_millis();
        shift.store(t - now, std::sync::atomic::Ordering::SeqCst);
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(d) = self.done.take() {
            let _ = d.await;
        }
    }

    /// Waits until the outbox holds nothing pending: every message delivered (or
    /// given up). A story that moves the clock calls it first, so no delivery in
    /// flight outlives its lease and goes out twice.
    pub async fn settled(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let pending: i64 = self
                .store
                .read(|c| {
                    use diesel::prelude::*;
                    use overdue_storage::base::schema::outbox::dsl as o;
                    Ok(o::outbox
                        .filter(o::state.eq("pending"))
                        .count()
                        .get_result(c)?)
                })
                .await
                .unwrap();
            if pending == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{pending} messages still pending"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A JSON request with the read-write key; returns status and body.
    pub async fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.api_with(&self.api_key, method, path, body).await
    }

    pub async fn api_with(
        &self,
        key: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .http
            .request(m, self.url(path))
            .header("X-Api-Key", key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Sends a raw body with a content type (for broken JSON tests).
    pub async fn api_raw(&self, method: &str, path: &str, body: &str) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let resp = self
            .http
            .request(m, self.url(path))
            .header("X-Api-Key", &self.api_key)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Creates a monitor through `/api/v1` and returns its id.
    pub async fn monitor(&self, body: Value) -> String {
        let (status, m) = self.api("POST", "/api/v1/monitors", Some(body)).await;
        assert_eq!(status, 201, "{m}");
        m["uuid"].as_str().unwrap().to_string()
    }

    /// Creates a webhook channel pointing at `url` and returns its id.
    pub async fn webhook(&self, url: &str) -> String {
        let (status, c) = self
            .api(
                "POST",
                "/api/v1/channels",
                Some(serde_json::json!({"kind": "webhook", "name": "hook", "url": url})),
            )
            .await;
        assert_eq!(status, 201, "{c}");
        c["id"].as_str().unwrap().to_string()
    }

    /// Pings `/ping/<path>` with GET and returns the status.
    pub async fn ping(&self, path: &str) -> u16 {
        self.http
            .get(self.url(&format!("/ping/{path}")))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// The monitor as `/api/v1` shows it.
    pub async fn get_monitor(&self, id: &str) -> Value {
        let (status, m) = self
            .api("GET", &format!("/api/v1/monitors/{id}"), None)
            .await;
        assert_eq!(status, 200, "{m}");
        m
    }

    /// Whether the monitor has a stored ping of `kind` with exactly `body`.
    pub async fn has_ping(&self, id: &str, kind: &str, body: &str) -> bool {
        let (_, pings) = self
            .api("GET", &format!("/api/v1/monitors/{id}/pings"), None)
            .await;
        pings["pings"]
            .as_array()
            .is_some_and(|l| l.iter().any(|p| p["kind"] == kind && p["body"] == body))
    }

    /// Waits until the monitor's stored status is `status`, up to `within`.
    pub async fn wait_status(&self, id: &str, status: &str, within: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let m = self.get_monitor(id).await;
            if m["status"] == status {
                return m;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("monitor {id} did not become {status} within {within:?}: {m}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The system's clock moved by a shift the test controls.
struct ShiftedClock(Arc<std::sync::atomic::AtomicI64>);

impl overdue_storage::Clock for ShiftedClock {
    fn now(&self) -> overdue_core::Timestamp {
        let real = overdue_storage::Clock::now(&overdue_storage::SystemClock);
        overdue_core::Timestamp(real.0 + self.0.load(Ordering::SeqCst))
    }
}

fn settings_hook(f: impl FnOnce(&mut Settings)) -> impl FnOnce(&mut Settings) {
    f
}
