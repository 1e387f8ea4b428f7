//! Group-commit ingest: one writer thread per process takes pings (and deadline flips)
//! from a queue, applies everything queued in one transaction, commits, then answers
//! each request. Throughput grows with concurrency because the cost of a commit (an
//! fsync) is shared by the whole batch; a 200 still means "on disk".

use std::any::Any;
use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use overdue_core::{on_deadline, on_ping, OpenRun, Signal, Timestamp};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::conn::{write_tx, AnyConnection, DbUrl};
use crate::models::{MonitorRow, NewPing, PingColumns};
use crate::schema::{monitors, pings, projects};
use crate::{monitors as mon, Clock, StoreError, Wakeups};

/// Which monitor a ping is for.
#[derive(Debug, Clone)]
pub enum PingTarget {
    /// `/ping/<uuid>`.
    Id(Uuid),
    /// `/ping/<ping_key>/<slug>`; `create` for `?create=1`.
    Slug {
        /// The project's ping key.
        ping_key: String,
        /// The monitor's slug.
        slug: String,
        /// Create the monitor when it does not exist.
        create: bool,
    },
}

/// One received ping, already validated by the server.
#[derive(Debug, Clone)]
pub struct PingRequest {
    /// Which monitor.
    pub target: PingTarget,
    /// What it says.
    pub signal: Signal,
    /// The exit status, for `/ping/<id>/<code>`.
    pub exit_status: Option<i32>,
    /// The run id (`?rid=`).
    pub rid: Option<Uuid>,
    /// HTTP method.
    pub method: String,
    /// `http` or `https`.
    pub scheme: String,
    /// Client address.
    pub remote_addr: String,
    /// User agent (truncated).
    pub user_agent: String,
    /// Body, truncated to the limit.
    pub body: Vec<u8>,
    /// The body's size before truncation.
    pub body_size: i64,
}

/// The answer to a ping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PingReply {
    /// Stored. `created` when `?create=1` made the monitor.
    Stored {
        /// The monitor it was stored on.
        monitor_id: String,
        /// The monitor was created by this ping.
        created: bool,
    },
    /// No such monitor.
    NotFound,
    /// The slug matches more than one monitor, or similar.
    Conflict(String),
}

/// A write run by the writer inside its batch transaction (SQLite: every write goes
/// through the one writer, so nothing waits on SQLite's lock). Taken out on first use:
/// a batch retried after a failure answers it "unavailable" instead of running it twice.
type WriteFn =
    Box<dyn FnOnce(&mut AnyConnection) -> Result<Box<dyn Any + Send>, StoreError> + Send>;

enum Job {
    Write(
        std::sync::Mutex<Option<WriteFn>>,
        oneshot::Sender<Result<Box<dyn Any + Send>, StoreError>>,
    ),
    Ping(
        Box<PingRequest>,
        oneshot::Sender<Result<PingReply, StoreError>>,
    ),
    Deadlines(Vec<String>, oneshot::Sender<Result<usize, StoreError>>),
}

/// Sends work to the writer threads. SQLite has one writer (it allows one anyway);
/// PostgreSQL has several, each owning the monitors whose id hashes to it, so pings of
/// one monitor stay in order and two writers never wait on each other's row locks.
#[derive(Clone)]
pub(crate) struct IngestHandle {
    writers: Vec<mpsc::Sender<Job>>,
}

/// Writers for PostgreSQL: each spends most of its time waiting on round trips.
const POSTGRES_WRITERS: usize = 4;

fn shard(key: &str, n: usize) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    (h.finish() % n as u64) as usize
}

impl IngestHandle {
    pub(crate) fn start(
        url: DbUrl,
        max_batch: usize,
        keep_pings: i64,
        clock: Arc<dyn Clock>,
        wake: Arc<Wakeups>,
    ) -> IngestHandle {
        let n = if url.is_sqlite() { 1 } else { POSTGRES_WRITERS };
        let mut writers = Vec::with_capacity(n);
        for i in 0..n {
            let (tx, rx) = mpsc::channel(65_536);
            let writer = Writer {
                url: url.clone(),
                conn: None,
                clock: clock.clone(),
                wake: wake.clone(),
                max_batch,
                keep_pings,
            };
            let spawned = std::thread::Builder::new()
                .name(format!("overdue-writer-{i}"))
                .spawn(move || writer.run(rx));
            if let Err(e) = spawned {
                tracing::error!("cannot start a writer thread: {e}");
            }
            writers.push(tx);
        }
        IngestHandle { writers }
    }

    pub(crate) async fn ping(&self, req: PingRequest) -> Result<PingReply, StoreError> {
        let key = match &req.target {
            PingTarget::Id(id) => id.hyphenated().to_string(),
            // A slug ping is owned by the writer of the slug, so `?create=1` races on
            // one slug are serialised.
            PingTarget::Slug { ping_key, slug, .. } => format!("{ping_key}/{slug}"),
        };
        let (reply, rx) = oneshot::channel();
        self.send(
            shard(&key, self.writers.len()),
            Job::Ping(Box::new(req), reply),
        )
        .await?;
        rx.await
            .map_err(|_| StoreError::Unavailable("writer stopped".into()))?
    }

    /// Runs `f` on writer 0 inside its batch transaction (used for every write on SQLite).
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
    {
        let boxed: WriteFn = Box::new(move |c| f(c).map(|v| Box::new(v) as Box<dyn Any + Send>));
        let (reply, rx) = oneshot::channel();
        self.send(0, Job::Write(std::sync::Mutex::new(Some(boxed)), reply))
            .await?;
        let any = rx
            .await
            .map_err(|_| StoreError::Unavailable("writer stopped".into()))??;
        any.downcast::<T>()
            .map(|b| *b)
            .map_err(|_| StoreError::Internal("write returned an unexpected type".into()))
    }

    /// Sends each id to the writer that owns it; returns how many flipped.
    pub(crate) async fn deadlines(&self, ids: Vec<String>) -> Result<usize, StoreError> {
        let mut parts: Vec<Vec<String>> = vec![Vec::new(); self.writers.len()];
        for id in ids {
            parts[shard(&id, self.writers.len())].push(id);
        }
        let mut waits = Vec::new();
        for (i, part) in parts.into_iter().enumerate().filter(|(_, p)| !p.is_empty()) {
            let (reply, rx) = oneshot::channel();
            self.send(i, Job::Deadlines(part, reply)).await?;
            waits.push(rx);
        }
        let mut flipped = 0;
        for rx in waits {
            flipped += rx
                .await
                .map_err(|_| StoreError::Unavailable("writer stopped".into()))??;
        }
        Ok(flipped)
    }

    async fn send(&self, writer: usize, job: Job) -> Result<(), StoreError> {
        self.writers[writer]
            .send(job)
            .await
            .map_err(|_| StoreError::Unavailable("writer stopped".into()))
    }
}

struct Writer {
    url: DbUrl,
    conn: Option<AnyConnection>,
    clock: Arc<dyn Clock>,
    wake: Arc<Wakeups>,
    max_batch: usize,
    keep_pings: i64,
}

/// What a committed batch wrote that other loops care about.
#[derive(Default)]
pub(crate) struct Effects {
    pub(crate) earliest_deadline: Option<Timestamp>,
    pub(crate) notifications: usize,
}

impl Effects {
    pub(crate) fn deadline(&mut self, at: Option<i64>) {
        if let Some(at) = at {
            let at = Timestamp(at);
            self.earliest_deadline = Some(self.earliest_deadline.map_or(at, |e| e.min(at)));
        }
    }
}

enum Answer {
    Write(Result<Box<dyn Any + Send>, StoreError>),
    Ping(Result<PingReply, StoreError>),
    Deadlines(Result<usize, StoreError>),
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        while let Some(first) = rx.blocking_recv() {
            let mut batch = vec![first];
            while batch.len() < self.max_batch {
                match rx.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.process(batch);
        }
    }

    fn process(&mut self, batch: Vec<Job>) {
        let mut last_err = None;
        // A failed transaction changed nothing: retry the whole batch (a PostgreSQL
        // deadlock or serialization failure between instances, a dropped connection).
        for attempt in 0..3 {
            if attempt > 0 {
                std::thread::sleep(std::time::Duration::from_millis(50 * attempt));
            }
            let now = self.clock.now();
            let keep = self.keep_pings;
            let conn = match self.connection() {
                Ok(c) => c,
                Err(e) => {
                    last_err = Some(e);
                    continue;
                }
            };
            let mut effects = Effects::default();
            let result = write_tx(conn, |c| {
                batch
                    .iter()
                    .map(|job| apply_job(c, job, now, keep, &mut effects))
                    .collect::<Result<Vec<Answer>, StoreError>>()
            });
            match result {
                Ok(answers) => {
                    self.publish(&effects);
                    for (job, answer) in batch.into_iter().zip(answers) {
                        match (job, answer) {
                            (Job::Write(_, tx), Answer::Write(r)) => {
                                let _ = tx.send(r);
                            }
                            (Job::Ping(_, tx), Answer::Ping(r)) => {
                                let _ = tx.send(r);
                            }
                            (Job::Deadlines(_, tx), Answer::Deadlines(r)) => {
                                let _ = tx.send(r);
                            }
                            _ => {}
                        }
                    }
                    return;
                }
                Err(e) => {
                    tracing::warn!("ingest batch failed (attempt {}): {e}", attempt + 1);
                    self.conn = None;
                    last_err = Some(e);
                }
            }
        }
        let msg = last_err.map_or_else(|| "unknown".to_string(), |e| e.to_string());
        for job in batch {
            match job {
                Job::Write(_, tx) => {
                    let _ = tx.send(Err(StoreError::Unavailable(msg.clone())));
                }
                Job::Ping(_, tx) => {
                    let _ = tx.send(Err(StoreError::Unavailable(msg.clone())));
                }
                Job::Deadlines(_, tx) => {
                    let _ = tx.send(Err(StoreError::Unavailable(msg.clone())));
                }
            }
        }
    }

    fn connection(&mut self) -> Result<&mut AnyConnection, StoreError> {
        if self.conn.is_none() {
            self.conn = Some(self.url.connect()?);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| StoreError::Unavailable("no connection".into()))
    }

    fn publish(&self, effects: &Effects) {
        if let Some(at) = effects.earliest_deadline {
            self.wake.deadline_written(at);
        }
        if effects.notifications > 0 {
            self.wake.outbox.notify_one();
        }
    }
}

/// Applies one job. Database errors abort the batch (returned as `Err`); everything
/// else is the job's own answer.
fn apply_job(
    c: &mut AnyConnection,
    job: &Job,
    now: Timestamp,
    keep: i64,
    fx: &mut Effects,
) -> Result<Answer, StoreError> {
    match job {
        Job::Write(f, _) => {
            let taken = f.lock().ok().and_then(|mut g| g.take());
            let Some(f) = taken else {
                return Ok(Answer::Write(Err(StoreError::Unavailable(
                    "write interrupted by a failed batch; retry".into(),
                ))));
            };
            // A savepoint per write: its failure undoes only itself, not the batch.
            c.batch_execute("SAVEPOINT job")?;
            let r = f(c);
            if r.is_err() {
                c.batch_execute("ROLLBACK TO job")?;
            }
            c.batch_execute("RELEASE job")?;
            Ok(Answer::Write(r))
        }
        Job::Ping(req, _) => Ok(Answer::Ping(own(apply_ping(c, req, now, keep, fx))?)),
        Job::Deadlines(ids, _) => {
            let mut flipped = 0;
            for id in ids {
                if apply_deadline(c, id, now, fx)? {
                    flipped += 1;
                }
            }
            Ok(Answer::Deadlines(Ok(flipped)))
        }
    }
}

/// Splits database errors (abort the batch) from the job's own errors.
fn own<T>(r: Result<T, StoreError>) -> Result<Result<T, StoreError>, StoreError> {
    match r {
        Err(e @ StoreError::Db(_)) | Err(e @ StoreError::Unavailable(_)) => Err(e),
        other => Ok(other),
    }
}

fn resolve(
    c: &mut AnyConnection,
    target: &PingTarget,
    now: Timestamp,
) -> Result<Option<(String, bool)>, StoreError> {
    match target {
        PingTarget::Id(id) => Ok(Some((id.hyphenated().to_string(), false))),
        PingTarget::Slug {
            ping_key,
            slug,
            create,
        } => {
            let project: Option<String> = projects::table
                .filter(projects::ping_key.eq(ping_key))
                .select(projects::id)
                .first(c)
                .optional()?;
            let Some(project) = project else {
                return Ok(None);
            };
            let found: Option<String> = monitors::table
                .filter(monitors::project_id.eq(&project))
                .filter(monitors::slug.eq(slug))
                .select(monitors::id)
                .first(c)
                .optional()?;
            match (found, create) {
                (Some(id), _) => Ok(Some((id, false))),
                (None, false) => Ok(None),
                (None, true) => {
                    let id = mon::create_from_slug(c, &project, slug, now)?;
                    Ok(Some((id, true)))
                }
            }
        }
    }
}

/// Loads a monitor row for a change: `SELECT … FOR UPDATE` on PostgreSQL (the row lock
/// that serialises instances); on SQLite the transaction already holds the write lock.
/// `None` when it does not exist.
pub(crate) fn lock_monitor(
    c: &mut AnyConnection,
    id: &str,
) -> Result<Option<MonitorRow>, StoreError> {
    let row = match c {
        AnyConnection::Postgresql(pg) => monitors::table
            .find(id)
            .select(MonitorRow::as_select())
            .for_update()
            .first(pg)
            .optional()?,
        // No `.first()`: its bound `LIMIT ?` makes SQLite (built with STAT4) recompile
        // the statement on every execution; a primary-key lookup needs no limit.
        AnyConnection::Sqlite(lite) => monitors::table
            .find(id)
            .select(MonitorRow::as_select())
            .load(lite)?
            .into_iter()
            .next(),
    };
    Ok(row)
}

fn apply_ping(
    c: &mut AnyConnection,
    req: &PingRequest,
    now: Timestamp,
    keep: i64,
    fx: &mut Effects,
) -> Result<PingReply, StoreError> {
    let Some((id, created)) = resolve(c, &req.target, now)? else {
        return Ok(PingReply::NotFound);
    };
    let Some(row) = lock_monitor(c, &id)? else {
        return Ok(PingReply::NotFound);
    };
    let n = row.n_pings + 1;
    // A monitor that insists on POST stores other methods as ignored pings.
    let method_ignored = row.methods == "POST" && req.method != "POST";
    let mut kind = if method_ignored {
        "ign"
    } else {
        req.signal.as_str()
    };
    let mut duration = None;
    let mut counted = PingColumns {
        n_pings: n,
        last_ping_at: None,
        last_duration_ms: None,
    };
    if method_ignored {
        diesel::update(monitors::table.find(&id))
            .set(&counted)
            .execute(c)?;
    } else {
        let cfg = row.config()?;
        let state = row.state();
        let open = if state.run_started_at.is_some() {
            mon::open_runs(c, &id)?
        } else {
            Vec::<OpenRun>::new()
        };
        let out = on_ping(&cfg, &state, &open, req.signal, req.rid, now);
        if out.ignored {
            kind = "ign";
            diesel::update(monitors::table.find(&id))
                .set(&counted)
                .execute(c)?;
        } else {
            duration = out.duration_ms;
            if req.signal != Signal::Log {
                counted.last_ping_at = Some(now.0);
            }
            counted.last_duration_ms = out.duration_ms;
            let body = (!req.body.is_empty()).then(|| {
                String::from_utf8_lossy(&req.body[..req.body.len().min(10_240)]).into_owned()
            });
            mon::apply_outcome(
                c,
                &row,
                &out,
                now,
                Some(mon::PingEffects {
                    exit_status: req.exit_status,
                    body,
                    columns: &counted,
                }),
                fx,
            )?;
        }
    }
    diesel::insert_into(pings::table)
        .values(NewPing {
            monitor_id: &id,
            n,
            kind,
            exit_status: req.exit_status,
            created_at: now.0,
            rid: req.rid.map(|r| r.hyphenated().to_string()),
            method: &req.method,
            scheme: &req.scheme,
            remote_addr: &req.remote_addr,
            user_agent: &req.user_agent,
            body: &req.body,
            body_size: req.body_size,
            duration_ms: duration,
        })
        .execute(c)?;
    // Retention: every 10th ping of a monitor drops what is past the limit (an index
    // range on (monitor_id, n): no scan, and nine pings in ten pay nothing).
    if n % 10 == 0 && n > keep {
        crate::retention::trim_monitor(c, &id, n - keep, keep)?;
    }
    Ok(PingReply::Stored {
        monitor_id: id,
        created,
    })
}

fn apply_deadline(
    c: &mut AnyConnection,
    id: &str,
    now: Timestamp,
    fx: &mut Effects,
) -> Result<bool, StoreError> {
    let Some(row) = lock_monitor(c, id)? else {
        return Ok(false);
    };
    let state = row.state();
    let cfg = match row.config() {
        Ok(cfg) => cfg,
        Err(e) => {
            // Unreadable settings (a hand-edited row): take it out of the index rather
            // than selecting it again on every tick.
            tracing::error!("{e}; its deadline is cleared");
            diesel::update(monitors::table.find(id))
                .set(monitors::deadline_at.eq(None::<i64>))
                .execute(c)?;
            return Ok(false);
        }
    };
    let open = if state.run_started_at.is_some() {
        mon::open_runs(c, id)?
    } else {
        Vec::new()
    };
    let Some(out) = on_deadline(&cfg, &state, &open, now) else {
        return Ok(false);
    };
    mon::apply_outcome(c, &row, &out, now, None, fx)?;
    Ok(out.flip.is_some())
}
