//! Overdue's storage: one schema on SQLite and PostgreSQL, embedded migrations, the
//! group-commit ingest writer and every query the server and scheduler need.
//!
//! Reads and management writes run on an r2d2 pool in `spawn_blocking`; pings and
//! deadline flips go through one writer thread per process that commits them in batches
//! ([`ingest`]), so a 200 is only sent after the ping's batch is on disk.

pub mod alerting;
pub mod base;
pub mod flows;
pub mod ingest;
pub mod monitoring;
pub mod people;
pub mod reports;
pub mod retention;

use std::sync::Arc;

use diesel::r2d2::Pool;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use overdue_core::Timestamp;

use base::{caps, conn, live, service, tx};
use monitoring::refs;

pub use base::error::StoreError;
pub use conn::{AnyConnection, DbUrl};
/// The database driver's error, as wrapped by [`StoreError::Db`].
pub use diesel::result::Error as DbError;
pub use ingest::{PingReply, PingRequest, PingTarget};
pub use tx::{Tx, Wakeups};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// The clock of record. Production uses the system clock; tests may substitute their own.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Timestamp(ms)
    }
}

/// Settings of the storage layer.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Connections in the read pool.
    pub pool_size: u32,
    /// Most pings committed in one transaction.
    pub max_batch: usize,
    /// Pings (and finished runs) kept per monitor.
    pub keep_pings: i64,
    /// The operator's caps per project and per user.
    pub caps: caps::Caps,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            pool_size: 8,
            max_batch: 1_000,
            keep_pings: 100,
            caps: caps::Caps::default(),
        }
    }
}

/// A handle on the database: cheap to clone, shared by server and background tasks.
#[derive(Clone)]
pub struct Store {
    pool: Pool<conn::Manager>,
    url: DbUrl,
    ingest: ingest::IngestHandle,
    /// Wake-ups for this process's scheduler and notifier.
    pub wake: Arc<Wakeups>,
    /// The clock of record.
    pub clock: Arc<dyn Clock>,
    caps: caps::Caps,
}

impl Store {
    /// Opens the database, applies pending migrations and starts the ingest writer.
    /// Must be called inside a tokio runtime.
    pub fn open(url: &str, opts: StoreOptions, clock: Arc<dyn Clock>) -> Result<Store, StoreError> {
        let url = DbUrl::parse(url)?;
        let mut first = url.connect()?;
        migrate(&mut first)?;
        drop(first);
        let pool = Pool::builder()
            .max_size(opts.pool_size)
            .min_idle(Some(1))
            // Short: while the database is down, requests answer 503 quickly.
            .connection_timeout(std::time::Duration::from_secs(2))
            // A SQLite file connection cannot go stale, so a read need not ask `SELECT 1`
            // first (one per delivery in a burst); a PostgreSQL one can (a restart).
            .test_on_check_out(!url.is_sqlite())
            .build(conn::Manager(url.clone()))
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let wake = Arc::new(Wakeups::new(!url.is_sqlite()));
        live::start_relay(&url, &wake);
        let ingest = ingest::IngestHandle::start(
            url.clone(),
            opts.max_batch,
            opts.keep_pings,
            opts.caps,
            clock.clone(),
            wake.clone(),
        );
        let store = Store {
            pool,
            url,
            ingest,
            wake,
            clock,
            caps: opts.caps,
        };
        tokio::spawn(store.clone().backfill_refs());
        Ok(store)
    }

    /// Gives monitors made before public references existed their reference, a batch
    /// per transaction through the writer, in the background: the server is ready at
    /// once and pings never wait behind the whole fill (docs/architecture.md,
    /// "Start-up"). Until a monitor has its reference, a page URL naming it by that
    /// reference is not found; its UUID works throughout.
    async fn backfill_refs(self) {
        let mut filled = 0;
        let mut after: Option<String> = None;
        loop {
            let from = after.clone();
            match self
                .write(move |tx| {
                    refs::backfill_batch(tx.conn(), refs::BACKFILL_BATCH, from.as_deref())
                })
                .await
            {
                Ok((0, _)) => break,
                Ok((n, last)) => {
                    filled += n;
                    after = last;
                }
                Err(e) => {
                    tracing::warn!("public references: {e}; the next start fills the rest");
                    break;
                }
            }
        }
        if filled > 0 {
            tracing::info!("gave {filled} monitors their public reference");
        }
    }

    /// The operator's caps.
    pub fn caps(&self) -> caps::Caps {
        self.caps
    }

    /// True when the backend is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.url.is_sqlite()
    }

    /// The database file, on SQLite.
    pub fn sqlite_path(&self) -> Option<&str> {
        match &self.url {
            DbUrl::Sqlite(path) => Some(path),
            DbUrl::Postgres(_) => None,
        }
    }

    /// The current instant by the clock of record.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool
                .get()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Internal(format!("blocking task failed: {e}")))?
    }

    /// Runs `f` as one unit of work ([`Tx`]): in a write transaction, then, after the
    /// commit, publishes what it changed (scheduler, notifier, live view). On SQLite it
    /// runs on the writer thread inside its next batch (SQLite has one write lock:
    /// contending for it from many connections makes writers time out under load), and
    /// the writer drops the cached monitor rows the write says it changed; on
    /// PostgreSQL on a pooled connection, in parallel with everything else.
    ///
    /// A changing API request's record (`base::audit`) is written in the first such
    /// unit of work of its request, after `f`'s own changes.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let draft = base::audit::current();
        self.write_quiet(move |tx| {
            let value = f(tx)?;
            if let Some(d) = &draft {
                base::audit::flush(tx, d)?;
            }
            Ok(value)
        })
        .await
    }

    /// [`Store::write`] without the request's audit record: for writes that change
    /// nothing anyone asked to change (the sign-in gate's counts).
    pub async fn write_quiet<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        if self.is_sqlite() {
            return self.ingest.write(f).await;
        }
        let now = self.now();
        let caps = self.caps;
        let (value, effects) = self
            .read(move |c| {
                conn::write_tx(c, |c| {
                    let mut tx = Tx::new(c, now, caps);
                    let value = f(&mut tx)?;
                    Ok((value, tx.fx))
                })
            })
            .await?;
        self.wake.publish(effects);
        Ok(value)
    }

    /// Records that this instance is alive, after applying the outage rule (see
    /// [`service::heartbeat`]); returns how many deadlines the rule moved.
    pub async fn heartbeat(&self) -> Result<usize, StoreError> {
        let now = self.now();
        if self.is_sqlite() {
            return self.ingest.heartbeat(now).await;
        }
        self.read(move |c| conn::write_tx(c, |c| service::heartbeat(c, now)))
            .await
    }

    /// Records a ping through the group-commit writer; returns after its batch committed.
    pub async fn ping(&self, req: PingRequest) -> Result<PingReply, StoreError> {
        self.ingest.ping(req).await
    }

    /// Applies passed deadlines of these monitors (re-checked inside the transaction,
    /// so a monitor pinged meanwhile, or handled by another instance, is left alone).
    /// Returns how many flipped.
    pub async fn apply_deadlines(&self, ids: Vec<String>) -> Result<usize, StoreError> {
        self.ingest.deadlines(ids).await
    }
}

fn migrate(conn: &mut AnyConnection) -> Result<(), StoreError> {
    let res = match conn {
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    res.map_err(|e| StoreError::Migration(e.to_string()))
}

/// Applies pending migrations to the database at `url` and returns how it went.
pub fn migrate_url(url: &str) -> Result<(), StoreError> {
    let mut c = DbUrl::parse(url)?.connect()?;
    migrate(&mut c)
}
