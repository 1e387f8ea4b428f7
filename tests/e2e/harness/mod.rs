//! Test support: backends, a spawned app, a webhook receiver.

pub(crate) mod smtp;
pub(crate) mod webdriver;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use diesel::connection::SimpleConnection;
use overdue::{ensure_default_project, open_store, system_clock, ServeArgs, Settings};
use overdue_storage::{people::projects, DbUrl, Store};
use serde_json::Value;
use tokio::sync::{oneshot, Notify};

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

fn admin_url() -> String {
    std::env::var("OVERDUE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `Some` when PostgreSQL is reachable. In CI (`CI=true`) a missing PostgreSQL fails the
/// test instead of skipping it.
pub fn postgres_available() -> Option<()> {
    match DbUrl::Postgres(admin_url()).connect() {
        Ok(_) => Some(()),
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "PostgreSQL is required in CI but unreachable at {}: {e}",
                    admin_url()
                );
            }
            eprintln!(
                "skipping: PostgreSQL unreachable at {} ({e}); see README",
                admin_url()
            );
            None
        }
    }
}

/// A fresh database for one test; returns its URL. SQLite: empty (migrated on open).
/// PostgreSQL: a copy of a migrated template (`CREATE DATABASE … TEMPLATE`, a tenth of
/// the time of 20 migrations); test databases are named with their creation time, and
/// those older than an hour are dropped here, so repeated runs do not pile them up.
pub fn fresh_database(backend: Backend) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let name = format!(
        "overdue_t_{secs}_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(&name);
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}", dir.join("overdue.db").display())
        }
        Backend::Postgres => {
            let admin = admin_url();
            let mut c = DbUrl::Postgres(admin.clone()).connect().unwrap();
            drop_old_databases(&mut c, secs);
            let template = pg_template(&admin);
            c.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .unwrap();
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
            format!("{base}/{name}")
        }
    }
}

/// The migrated template the PostgreSQL test databases are copied from, made once per
/// set of migrations: its name carries a digest of `migrations/postgres`, so a changed
/// migration makes a new one (and the old ones are dropped). It is migrated under a
/// temporary name and renamed when done, under an advisory lock, so that neither a
/// concurrent test binary nor an interrupted run leaves a half-migrated template.
fn pg_template(admin: &str) -> &'static str {
    static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        use diesel::prelude::*;
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres");
        let mut files: Vec<_> = walk(&dir);
        files.sort();
        use sha2::Digest;
        let mut digest = sha2::Sha256::new();
        for f in &files {
            digest.update(f.strip_prefix(&dir).unwrap().to_string_lossy().as_bytes());
            digest.update(std::fs::read(f).unwrap());
        }
        let name = format!("overdue_tpl_{}", &hex::encode(digest.finalize())[..16]);
        let mut c = DbUrl::Postgres(admin.to_string()).connect().unwrap();
        c.batch_execute("SELECT pg_advisory_lock(2028120401)")
            .unwrap();
        #[derive(QueryableByName)]
        struct Db {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        let all: Vec<Db> =
            diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'overdue_tpl_%'")
                .load(&mut c)
                .unwrap();
        if !all.iter().any(|d| d.datname == name) {
            for old in &all {
                let _ = c.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    old.datname
                ));
            }
            let building = format!("{name}_building");
            c.batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .unwrap();
            c.batch_execute(&format!("CREATE DATABASE {building}"))
                .unwrap();
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
            overdue_storage::migrate_url(&format!("{base}/{building}")).unwrap();
            c.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                .unwrap();
        }
        c.batch_execute("SELECT pg_advisory_unlock(2028120401)")
            .unwrap();
        name
    })
}

/// The files under `dir`, recursively.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn drop_old_databases(c: &mut overdue_storage::AnyConnection, now_secs: u64) {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Db {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let Ok(dbs) =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'overdue_t_%'")
            .load::<Db>(c)
    else {
        return;
    };
    for db in dbs {
        let created: Option<u64> = db.datname.split('_').nth(2).and_then(|s| s.parse().ok());
        if created.is_some_and(|t| t + 3_600 < now_secs) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                db.datname
            ));
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
            Some(p) => (p.api_key, p.read_only_key, p.ping_key),
            None => {
                // A restart: make fresh keys for the existing project.
                let now = store.now();
                store
                    .write(move |tx| {
                        let project = projects::any(tx.conn())?;
                        let rw = projects::create_key(tx, &project.id, "test", false, now)?;
                        let ro = projects::create_key(tx, &project.id, "test-ro", true, now)?;
                        Ok((rw, ro, project.ping_key))
                    })
                    .await
                    .unwrap()
            }
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
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
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(d) = self.done.take() {
            let _ = d.await;
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

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub at: std::time::SystemTime,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A real HTTP server that records webhook deliveries; optionally fails every n-th.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    answer: Arc<std::sync::atomic::AtomicU16>,
    pub got: Arc<Mutex<Vec<Received>>>,
    notify: Arc<Notify>,
    hold: Arc<AtomicBool>,
}

struct RecvState {
    answer: Arc<std::sync::atomic::AtomicU16>,
    got: Arc<Mutex<Vec<Received>>>,
    notify: Arc<Notify>,
    hold: Arc<AtomicBool>,
    fail_every: usize,
    counter: Mutex<usize>,
}

async fn receive(req: HttpRequest, body: web::Bytes, st: web::Data<RecvState>) -> HttpResponse {
    // Held requests are answered (and recorded) only after the hold is lifted; one
    // whose sender gave up or died meanwhile is dropped unrecorded.
    while st.hold.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let n = {
        let mut c = st.counter.lock().unwrap();
        *c += 1;
        *c
    };
    if st.fail_every > 0 && n % st.fail_every == 0 {
        return HttpResponse::InternalServerError().body("planned failure");
    }
    st.got.lock().unwrap().push(Received {
        method: req.method().to_string(),
        path: req.uri().to_string(),
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: std::time::SystemTime::now(),
    });
    st.notify.notify_waiters();
    match st.answer.load(Ordering::SeqCst) {
        0 => HttpResponse::Ok().body("thanks"),
        code => HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
            .content_type("application/json")
            .body(r#"{"ok":false,"description":"Forbidden: bot was blocked by the user"}"#),
    }
}

impl Receiver {
    /// Starts a receiver that accepts everything.
    pub async fn start() -> Receiver {
        Self::start_failing(0).await
    }

    /// Starts a receiver that answers 500 to every `n`-th request (0: never).
    pub async fn start_failing(fail_every: usize) -> Receiver {
        let got = Arc::new(Mutex::new(Vec::new()));
        let notify = Arc::new(Notify::new());
        let hold = Arc::new(AtomicBool::new(false));
        let answer = Arc::new(std::sync::atomic::AtomicU16::new(0));
        let state = web::Data::new(RecvState {
            answer: answer.clone(),
            got: got.clone(),
            notify: notify.clone(),
            hold: hold.clone(),
            fail_every,
            counter: Mutex::new(0),
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .default_service(web::to(receive))
        })
        .workers(2)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Receiver {
            url,
            answer,
            got,
            notify,
            hold,
        }
    }

    /// Records requests and answers them with `status` (0: 200 again).
    pub fn answer_with(&self, status: u16) {
        self.answer.store(status, Ordering::SeqCst);
    }

    /// While `true`, requests hang unanswered (a slow receiver).
    pub fn hold(&self, on: bool) {
        self.hold.store(on, Ordering::SeqCst);
    }

    pub fn all(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Received deliveries whose JSON `event` is `event` for monitor `id`.
    pub fn events(&self, id: &str, event: &str) -> Vec<Received> {
        self.all()
            .into_iter()
            .filter(|r| {
                let j = r.json();
                // `id`: the monitor's UUID or its public reference.
                j["event"] == event
                    && (j["monitor"]["id"] == overdue_core::PublicRef::of(id).to_string()
                        || j["monitor"]["id"] == id)
            })
            .collect()
    }

    /// Waits until `pred` holds over the received list, up to `within`.
    pub async fn wait_for(
        &self,
        within: Duration,
        pred: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let all = self.all();
            if pred(&all) {
                return all;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                panic!(
                    "receiver condition not met within {within:?}; got {} requests: {:?}",
                    all.len(),
                    all.iter().map(|r| &r.body).collect::<Vec<_>>()
                );
            }
            let _ =
                tokio::time::timeout(left.min(Duration::from_millis(100)), self.notify.notified())
                    .await;
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real `overdue serve` process.
pub struct Proc {
    pub child: Child,
    pub base: String,
}

/// Starts the real binary (with extra environment) and waits until it answers; returns
/// its stdout's first lines.
pub async fn start_binary(db: &str, envs: &[(&str, &str)]) -> (Proc, String) {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_overdue"))
        .arg("serve")
        .env("DATABASE_URL", db)
        .env("OVERDUE_LISTEN", format!("127.0.0.1:{port}"))
        .env("OVERDUE_LOG", "warn")
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = http.get(format!("{base}/health/ready")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut out = String::new();
    if let Some(stdout) = child.stdout.take() {
        use std::io::{BufRead, BufReader};
        let mut lines = BufReader::new(stdout).lines();
        while let Some(Ok(line)) = lines.next() {
            let last = line.starts_with("Overdue is listening");
            out.push_str(&line);
            out.push('\n');
            if last {
                break;
            }
        }
    }
    (Proc { child, base }, out)
}
