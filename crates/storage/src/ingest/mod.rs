//! Group-commit ingest: one writer thread per process takes pings (and deadline flips)
//! from a queue, applies everything queued in one transaction, commits, then answers
//! each request. Throughput grows with concurrency because the cost of a commit (an
//! fsync) is shared by the whole batch; a 200 still means "on disk".

mod apply;
mod cache;
mod linked;
mod pending;
mod release;
mod stats;
mod target;

use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use overdue_core::{PingCode, Progress, Report, Signal, Timestamp};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use apply::apply_job;
use cache::RowCache;

use crate::base::conn::{write_tx, AnyConnection, DbUrl};
use crate::base::tx::Tx;
use crate::{Clock, StoreError, Wakeups};

/// Which monitor a ping is for.
#[derive(Debug, Clone)]
pub enum PingTarget {
    /// `/ping/<code>`.
    Code(PingCode),
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
    /// The step it names (`/step/<name>`, `?step=`), name already checked for form.
    pub step: Option<String>,
    /// Progress (`/progress`), already checked.
    pub progress: Option<Progress>,
    /// The completion report read from the body.
    pub report: Option<Report>,
    /// Why a body meant as a report could not be read (the ping still counts).
    pub report_error: Option<String>,
    /// On a start: the run fans out to this many children.
    pub children: Option<u32>,
    /// This ping is a child's: it counts toward the open run with this rid (of any
    /// monitor of the project) and does not change the monitor it was sent to.
    pub parent: Option<Uuid>,
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
    /// Refused before anything was written (an unknown step): what to fix.
    Invalid(String),
}

/// A write run by the writer inside its batch transaction (SQLite: every write goes
/// through the one writer, so nothing waits on SQLite's lock). Taken out on first use:
/// a batch retried after a failure answers it "unavailable" instead of running it twice.
type WriteFn = Box<dyn FnOnce(&mut Tx<'_>) -> Result<Box<dyn Any + Send>, StoreError> + Send>;

enum Job {
    /// A write (its effects say which cached monitors it changed).
    Write(
        std::sync::Mutex<Option<WriteFn>>,
        oneshot::Sender<Result<Box<dyn Any + Send>, StoreError>>,
    ),
    /// The scheduler's heartbeat with the outage rule (which moves deadlines only
    /// after an outage: the cached rows are kept otherwise).
    Heartbeat(Timestamp, oneshot::Sender<Result<usize, StoreError>>),
    Ping(
        Box<PingRequest>,
        oneshot::Sender<Result<PingReply, StoreError>>,
    ),
    /// Deadlines to apply, the reply, and how many flipped in earlier batches (a job
    /// cut short to let pings by goes on in the writer's next batch).
    Deadlines(
        Vec<String>,
        oneshot::Sender<Result<usize, StoreError>>,
        usize,
    ),
}

/// Sends work to the writer threads. SQLite has one writer (it allows one anyway);
/// PostgreSQL has several, each owning the monitors whose id hashes to it, so pings of
/// one monitor stay in order and two writers never wait on each other's row locks.
#[derive(Clone)]
pub(crate) struct IngestHandle {
    writers: Vec<mpsc::Sender<Job>>,
    /// Pings sent to each writer and not yet taken into a batch: a burst of deadlines
    /// gives way to them (docs/architecture.md, "A flip never starves a ping").
    waiting: Vec<Arc<AtomicUsize>>,
    /// The writers pings are shared among (the first ones); on PostgreSQL one more
    /// applies deadlines alone.
    ping_writers: usize,
    /// Held while any handle lives: the SQLite checkpointer stops with the last one.
    _alive: Arc<()>,
}

/// How long a batch applies deadlines while pings wait: then it commits, and the rest of
/// the deadlines go on in the next batch, after the pings that waited. Why 4 ms: a ping
/// waits for the rest of a slice and its commit; with 8 ms the paced pings of a burst had
/// a p99 of 25–37 ms, with 4 ms 11–19 ms, for a burst flipped 10–40 % slower (more
/// commits; docs/benchmarks.md, "Session 22").
const DEADLINE_SLICE: std::time::Duration = std::time::Duration::from_millis(4);

/// What a batch did of a deadline job: monitors flipped, ids left for the next batch.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DeadlinesDone {
    /// Monitors that went down (or otherwise flipped).
    pub(crate) flipped: usize,
    /// Ids not looked at because pings were waiting.
    pub(crate) left: usize,
}

/// Ping writers for PostgreSQL (one more applies deadlines). A batch costs a few round trips whatever its size
/// (docs/architecture.md, "Writes on PostgreSQL"), so fewer writers make larger batches
/// and fewer commits: at 64 clients two took 9,200–11,000 pings/s, four 8,400 and one
/// 8,000 (docs/benchmarks.md, "Session 17"). Two keep one batch in flight while the
/// other commits.
const POSTGRES_WRITERS: usize = 2;

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
        caps: crate::base::caps::Caps,
        clock: Arc<dyn Clock>,
        wake: Arc<Wakeups>,
    ) -> IngestHandle {
        // PostgreSQL: a writer of its own for deadlines, so a burst of flips never holds
        // a ping's batch (they meet only on the rows both lock, in id order).
        let ping_writers = if url.is_sqlite() { 1 } else { POSTGRES_WRITERS };
        let n = if url.is_sqlite() { 1 } else { ping_writers + 1 };
        let mut writers = Vec::with_capacity(n);
        let mut waiting = Vec::with_capacity(n);
        for i in 0..n {
            let (tx, rx) = mpsc::channel(65_536);
            let pings_waiting = Arc::new(AtomicUsize::new(0));
            waiting.push(pings_waiting.clone());
            let writer = Writer {
                stats: stats::WriterStats::new(),
                pings_waiting,
                url: url.clone(),
                conn: None,
                cache: RowCache::new(url.is_sqlite()),
                clock: clock.clone(),
                wake: wake.clone(),
                max_batch,
                limits: apply::Limits {
                    keep: keep_pings,
                    caps,
                },
            };
            let spawned = std::thread::Builder::new()
                .name(format!("overdue-writer-{i}"))
                .spawn(move || writer.run(rx));
            if let Err(e) = spawned {
                tracing::error!("cannot start a writer thread: {e}");
            }
            writers.push(tx);
        }
        let alive = Arc::new(());
        if url.is_sqlite() {
            let (url, weak) = (url.clone(), Arc::downgrade(&alive));
            let spawned = std::thread::Builder::new()
                .name("overdue-checkpoint".into())
                .spawn(move || crate::base::conn::checkpoint_loop(url, weak));
            if let Err(e) = spawned {
                tracing::error!("cannot start the checkpointer: {e}");
            }
        }
        IngestHandle {
            writers,
            waiting,
            ping_writers,
            _alive: alive,
        }
    }

    pub(crate) async fn ping(&self, req: PingRequest) -> Result<PingReply, StoreError> {
        let key = match &req.target {
            PingTarget::Code(code) => code.to_string(),
            // A slug ping is owned by the writer of the slug, so `?create=1` races on
            // one slug are serialised.
            PingTarget::Slug { ping_key, slug, .. } => format!("{ping_key}/{slug}"),
        };
        let (reply, rx) = oneshot::channel();
        let writer = shard(&key, self.ping_writers);
        self.waiting[writer].fetch_add(1, Ordering::Relaxed);
        if let Err(e) = self.send(writer, Job::Ping(Box::new(req), reply)).await {
            self.waiting[writer].fetch_sub(1, Ordering::Relaxed);
            return Err(e);
        }
        rx.await
            .map_err(|_| StoreError::Unavailable("writer stopped".into()))?
    }

    /// Runs `f` on writer 0 inside its batch transaction (used for every write on
    /// SQLite); its effects are published with the batch's, after the commit.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let boxed: WriteFn = Box::new(move |c| f(c).map(|v| Box::new(v) as Box<dyn Any + Send>));
        let (reply, rx) = oneshot::channel();
        let job = Job::Write(std::sync::Mutex::new(Some(boxed)), reply);
        self.send(0, job).await?;
        let any = rx
            .await
            .map_err(|_| StoreError::Unavailable("writer stopped".into()))??;
        any.downcast::<T>()
            .map(|b| *b)
            .map_err(|_| StoreError::Internal("write returned an unexpected type".into()))
    }

    /// The heartbeat and outage rule, on writer 0; returns how many deadlines moved.
    pub(crate) async fn heartbeat(&self, now: Timestamp) -> Result<usize, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(0, Job::Heartbeat(now, reply)).await?;
        rx.await
            .map_err(|_| StoreError::Unavailable("writer stopped".into()))?
    }

    /// Sends the ids to the deadline writer (the last one: SQLite's only writer, or
    /// PostgreSQL's writer for deadlines); returns how many flipped.
    pub(crate) async fn deadlines(&self, ids: Vec<String>) -> Result<usize, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let (reply, rx) = oneshot::channel();
        self.send(self.writers.len() - 1, Job::Deadlines(ids, reply, 0))
            .await?;
        rx.await
            .map_err(|_| StoreError::Unavailable("writer stopped".into()))?
    }

    async fn send(&self, writer: usize, job: Job) -> Result<(), StoreError> {
        self.writers[writer]
            .send(job)
            .await
            .map_err(|_| StoreError::Unavailable("writer stopped".into()))
    }
}

/// The monitors a batch's deadlines are about, and its pings' (by code) when `pings`.
fn batch_monitors(batch: &[Job], pings: bool) -> Vec<String> {
    let mut ids = Vec::new();
    for job in batch {
        match job {
            Job::Ping(req, _) if pings => {
                if let PingTarget::Code(code) = &req.target {
                    ids.push(code.monitor().to_string());
                }
            }
            Job::Deadlines(list, ..) => ids.extend(list.iter().cloned()),
            Job::Ping(..) | Job::Write(..) | Job::Heartbeat(..) => {}
        }
    }
    ids
}

struct Writer {
    /// Pings sent to this writer and not yet in a batch.
    pings_waiting: Arc<AtomicUsize>,
    url: DbUrl,
    conn: Option<AnyConnection>,
    cache: RowCache,
    clock: Arc<dyn Clock>,
    wake: Arc<Wakeups>,
    max_batch: usize,
    limits: apply::Limits,
    /// Its time per second, logged at debug level.
    stats: stats::WriterStats,
}

enum Answer {
    Write(Result<Box<dyn Any + Send>, StoreError>),
    Heartbeat(Result<usize, StoreError>),
    Ping(Result<PingReply, StoreError>),
    Deadlines(Result<DeadlinesDone, StoreError>),
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        // A deadline job cut short goes on in the next batch, after the jobs queued
        // meanwhile (pings first: a flip never starves a ping).
        let mut carried: Vec<Job> = Vec::new();
        loop {
            let waiting_since = std::time::Instant::now();
            let first = if carried.is_empty() {
                match rx.blocking_recv() {
                    Some(job) => Some(job),
                    None => return,
                }
            } else {
                rx.try_recv().ok()
            };
            let mut batch: Vec<Job> = first.into_iter().collect();
            while batch.len() < self.max_batch {
                match rx.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.stats.idle(waiting_since.elapsed());
            let pings = batch.iter().filter(|j| matches!(j, Job::Ping(..))).count();
            self.pings_waiting.fetch_sub(pings, Ordering::Relaxed);
            if carried.is_empty() || batch.is_empty() {
                batch.append(&mut carried);
                carried = self.process(batch);
            } else {
                // The pings that waited behind a cut burst go first, in a batch of their
                // own: a ping then waits for one slice of the burst, not for the next
                // too. Other jobs go on with the burst (a lot of recorded deliveries
                // would hold the pings' commit).
                let (pings, others): (Vec<Job>, Vec<Job>) =
                    batch.into_iter().partition(|j| matches!(j, Job::Ping(..)));
                let mut rest = std::mem::take(&mut carried);
                if pings.is_empty() {
                    rest.extend(others);
                } else {
                    rest.extend(self.process(pings));
                    rest.extend(others);
                }
                carried = self.process(rest);
            }
        }
    }

    /// Runs one batch; returns the deadline jobs to go on with (cut short).
    fn process(&mut self, batch: Vec<Job>) -> Vec<Job> {
        let mut last_err = None;
        // A failed transaction changed nothing: retry the whole batch (a PostgreSQL
        // deadlock or serialization failure between instances, a dropped connection).
        for attempt in 0..3 {
            if attempt > 0 {
                std::thread::sleep(std::time::Duration::from_millis(50 * attempt));
            }
            let now = self.clock.now();
            let limits = self.limits;
            if self.conn.is_none() {
                match self.url.connect_writer() {
                    Ok(c) => self.conn = Some(c),
                    Err(e) => {
                        last_err = Some(e);
                        continue;
                    }
                }
            }
            let Some(conn) = self.conn.as_mut() else {
                continue;
            };
            let cache = &mut self.cache;
            // On PostgreSQL other instances' pages may listen: always collect.
            let track = !self.url.is_sqlite() || self.wake.changes.receiver_count() > 0;
            let pings_waiting = &*self.pings_waiting;
            let sqlite = self.url.is_sqlite();
            let started = std::time::Instant::now();
            let mut applied = std::time::Duration::ZERO;
            let result = write_tx(conn, |c| {
                cache.begin_batch(c)?;
                // PostgreSQL: the batch's monitors locked in one round trip, its simple
                // pings written in two statements at the end (`pending`). SQLite keeps
                // its pings' monitors across batches and reads a burst's in one
                // statement.
                let mut pending = (!sqlite).then(pending::Pending::default);
                cache.lock_batch(c, &batch_monitors(&batch, !sqlite))?;
                // The batch is one unit of work: one instant of record for its jobs.
                let mut tx = Tx::tracking(c, now, limits.caps, track);
                // A burst's monitors' own channels, read together for their messages.
                crate::alerting::notices::prime_assigned(&mut tx, &batch_monitors(&batch, false))?;
                // Both databases: on PostgreSQL a cut burst once made the notifier crawl,
                // which was a channel's open alert asked after every delivery, now once
                // per channel and lot (docs/benchmarks.md, "Session 18").
                let slice = apply::Slice {
                    started: std::time::Instant::now(),
                    length: DEADLINE_SLICE,
                    pings_waiting,
                };
                let answers = batch
                    .iter()
                    .map(|job| apply_job(&mut tx, cache, job, &limits, pending.as_mut(), &slice))
                    .collect::<Result<Vec<Answer>, StoreError>>()?;
                if let Some(p) = pending.as_mut() {
                    p.flush(tx.c)?;
                }
                applied = started.elapsed();
                Ok((answers, tx.into_effects()))
            });
            // A failed attempt is not a batch: its time would read as a commit.
            if result.is_ok() {
                self.stats
                    .batch(applied, started.elapsed(), stats::kinds(&batch));
            }
            match result {
                Ok((answers, effects)) => {
                    self.wake.publish(effects);
                    let mut carried = Vec::new();
                    for (job, answer) in batch.into_iter().zip(answers) {
                        match (job, answer) {
                            (Job::Write(_, tx), Answer::Write(r)) => {
                                let _ = tx.send(r);
                            }
                            (Job::Heartbeat(_, tx), Answer::Heartbeat(r)) => {
                                let _ = tx.send(r);
                            }
                            (Job::Ping(_, tx), Answer::Ping(r)) => {
                                let _ = tx.send(r);
                            }
                            (Job::Deadlines(ids, tx, before), Answer::Deadlines(r)) => match r {
                                Ok(d) if d.left > 0 => {
                                    let rest = ids[ids.len() - d.left..].to_vec();
                                    carried.push(Job::Deadlines(rest, tx, before + d.flipped));
                                }
                                Ok(d) => {
                                    let _ = tx.send(Ok(before + d.flipped));
                                }
                                Err(e) => {
                                    let _ = tx.send(Err(e));
                                }
                            },
                            _ => {}
                        }
                    }
                    return carried;
                }
                Err(e) => {
                    tracing::warn!("ingest batch failed (attempt {}): {e}", attempt + 1);
                    // Rolled back: cached rows may hold changes that never committed.
                    self.cache.clear();
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
                Job::Heartbeat(_, tx) => {
                    let _ = tx.send(Err(StoreError::Unavailable(msg.clone())));
                }
                Job::Ping(_, tx) => {
                    let _ = tx.send(Err(StoreError::Unavailable(msg.clone())));
                }
                Job::Deadlines(_, tx, _) => {
                    let _ = tx.send(Err(StoreError::Unavailable(msg.clone())));
                }
            }
        }
        Vec::new()
    }
}
