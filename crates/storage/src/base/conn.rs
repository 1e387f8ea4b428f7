//! Connections: one enum over both backends, an r2d2 manager that picks the backend from
//! the URL (never by trial), per-connection SQLite settings, and write transactions.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

use crate::StoreError;

/// A connection to either backend; query bodies are written once against it.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// PostgreSQL (libpq, TLS through OpenSSL: `sslmode=require` works).
    Postgresql(PgConnection),
    /// SQLite (bundled).
    Sqlite(SqliteConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// A SQLite file path (from `sqlite://path`, `sqlite:path` or a bare path).
    Sqlite(String),
    /// A PostgreSQL URL (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

impl DbUrl {
    /// Parses a `DATABASE_URL`. A bare path is SQLite; anything with another scheme is
    /// refused rather than guessed.
    pub fn parse(url: &str) -> Result<DbUrl, StoreError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_string()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            return Err(StoreError::Config(
                "DATABASE_URL is empty: use sqlite://overdue.db or postgres://…".into(),
            ));
        }
        if path.contains("://") {
            return Err(StoreError::Config(format!(
                "DATABASE_URL {url:?} has an unknown scheme: use sqlite://path or postgres://…"
            )));
        }
        Ok(DbUrl::Sqlite(path.to_string()))
    }

    /// True for SQLite.
    pub fn is_sqlite(&self) -> bool {
        matches!(self, DbUrl::Sqlite(_))
    }

    /// Opens one connection with the settings Overdue relies on.
    pub fn connect(&self) -> Result<AnyConnection, StoreError> {
        match self {
            DbUrl::Sqlite(path) => {
                let mut c = SqliteConnection::establish(path)
                    .map_err(|e| StoreError::Unavailable(format!("sqlite {path}: {e}")))?;
                // busy_timeout first: switching to WAL needs a lock, and another
                // process may hold one for a moment. WAL lets readers run beside the
                // writer; synchronous=FULL makes every commit durable on disk before a
                // ping is answered.
                c.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF;",
                )?;
                Ok(AnyConnection::Sqlite(c))
            }
            DbUrl::Postgres(url) => {
                // OpenSSL initialised by us first, without its exit handler: libpq would
                // register OpenSSL's cleanup at exit, which then tore down OpenSSL under
                // a pool thread still opening a TLS connection (a segfault at the end of
                // one CLI command in ~15, seen with `project create`).
                openssl_sys::init();
                let c = PgConnection::establish(url)
                    .map_err(|e| StoreError::Unavailable(format!("postgres: {e}")))?;
                Ok(AnyConnection::Postgresql(c))
            }
        }
    }
}

impl DbUrl {
    /// Opens the ingest writer's connection. On SQLite it gets a larger page cache
    /// (32 MB instead of 2 MB): the writer touches the monitor rows and the index pages
    /// of every ping, and re-reading them from the OS cost a tenth of its time.
    pub fn connect_writer(&self) -> Result<AnyConnection, StoreError> {
        let mut c = self.connect()?;
        match &mut c {
            // The WAL is copied back into the file by a checkpointer thread of its own
            // (`checkpoint_loop`), not inside the writer's commits: the copy cost the
            // writer 7 % of its time in a burst while the other core was idle.
            // Once the WAL has been copied back and starts again from its beginning,
            // the file is cut to [`WAL_LIMIT`].
            AnyConnection::Sqlite(lite) => lite.batch_execute(&format!(
                "PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = 0; \
                 PRAGMA journal_size_limit = {WAL_LIMIT};"
            ))?,
            // The writer runs the same few statements (primary keys, arrays of them)
            // thousands of times a second: PostgreSQL's custom plan per execution cost
            // about a fifth of its time at 64 clients; one generic plan serves them all.
            AnyConnection::Postgresql(pg) => {
                pg.batch_execute("SET plan_cache_mode = force_generic_plan")?
            }
        }
        Ok(c)
    }
}

/// The size a SQLite WAL file is cut back to when it starts again from its beginning
/// (`journal_size_limit`). Why: while commits follow each other closely the
/// checkpointer never catches up with the last one, and SQLite starts the WAL again only
/// when a write begins with every frame copied back; a 100,000 burst grew the file to a
/// gigabyte, which it kept for good (docs/benchmarks.md, "Session 23").
const WAL_LIMIT: u64 = 64 << 20;

/// How often the checkpointer copies the WAL back into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// SQLite: copies committed pages from the WAL into the database file beside the writer
/// (a passive checkpoint, which never blocks it), every [`CHECKPOINT_EVERY`] while
/// `alive` has an owner. SQLite's own checkpoint (after 1,000 pages) would run inside
/// a commit of the writer, which has turned it off.
pub(crate) fn checkpoint_loop(url: DbUrl, alive: std::sync::Weak<()>) {
    let mut conn = None;
    while alive.upgrade().is_some() {
        std::thread::sleep(CHECKPOINT_EVERY);
        if conn.is_none() {
            conn = url.connect().ok();
        }
        if let Some(c) = conn.as_mut() {
            if let Err(e) = c.batch_execute("PRAGMA wal_checkpoint(PASSIVE);") {
                tracing::warn!("checkpoint: {e}");
                conn = None;
            }
        }
    }
}

/// r2d2 manager for [`AnyConnection`].
#[derive(Debug, Clone)]
pub struct Manager(pub DbUrl);

impl diesel::r2d2::ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, Self::Error> {
        self.0.connect().map_err(|e| {
            diesel::r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(
                e.to_string(),
            ))
        })
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken()
    }
}

/// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite (take the write lock
/// up front, so two writers never deadlock on a lock upgrade), `BEGIN` on PostgreSQL.
/// Not reentrant: `f` must not open another transaction.
pub fn write_tx<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let begin = match conn {
        AnyConnection::Sqlite(_) => "BEGIN IMMEDIATE",
        AnyConnection::Postgresql(_) => "BEGIN",
    };
    conn.batch_execute(begin)?;
    match f(conn) {
        Ok(v) => match conn.batch_execute("COMMIT") {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = conn.batch_execute("ROLLBACK");
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = conn.batch_execute("ROLLBACK");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_backend_explicitly() {
        assert_eq!(
            DbUrl::parse("sqlite://x.db").unwrap(),
            DbUrl::Sqlite("x.db".into())
        );
        assert_eq!(
            DbUrl::parse("sqlite:x.db").unwrap(),
            DbUrl::Sqlite("x.db".into())
        );
        assert_eq!(DbUrl::parse("x.db").unwrap(), DbUrl::Sqlite("x.db".into()));
        assert!(
            DbUrl::parse("postgres://u@h/db").unwrap()
                == DbUrl::Postgres("postgres://u@h/db".into())
        );
        assert!(DbUrl::parse("mysql://h/db").is_err());
        assert!(DbUrl::parse("").is_err());
    }
}
