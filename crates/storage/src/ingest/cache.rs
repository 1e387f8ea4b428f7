//! The SQLite writer's copy of the monitor rows it works on. Every SQLite write of this
//! process runs on the writer thread, so the writer knows each change it makes; a change
//! made by another process on the same file shows in `PRAGMA data_version`, read at the
//! start of every batch. A ping then costs an insert and an update, not a row load too.
//!
//! PostgreSQL is shared by several instances: a row is cached only for the batch that
//! locked it (`FOR UPDATE`, held to the commit), and the batch's monitors are locked in
//! one statement before its first ping ([`RowCache::lock_batch`]).

use std::collections::HashMap;
use std::sync::Arc;

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use overdue_core::{MonitorConfig, MonitorState};
use uuid::Uuid;

use crate::base::conn::AnyConnection;
use crate::base::models::MonitorRow;
use crate::base::schema::monitors;
use crate::base::tx::lock_monitor;
use crate::StoreError;

/// Entries kept at most (about 200 bytes each); past it the cache starts over.
const MAX_ROWS: usize = 1_000_000;

/// What a ping or a deadline needs of a monitor: its rules and its state. The rest of
/// the row (name, tags…) is read only when a flip notifies, which is rare.
#[derive(Clone)]
pub(crate) struct Hot {
    /// The rules, parsed once.
    pub(crate) cfg: Arc<MonitorConfig>,
    /// Only POST pings count.
    pub(crate) post_only: bool,
    /// The state as stored.
    pub(crate) state: MonitorState,
    /// Pings so far.
    pub(crate) n_pings: i64,
    /// Whether other monitors depend on it: events of a monitor without dependents
    /// make no query for them.
    pub(crate) downstream: bool,
    /// Whether it runs after other monitors: a flip of a monitor without any makes no
    /// query for a down upstream.
    pub(crate) upstream: bool,
    /// Whether it is a member of a chain (as `downstream`).
    pub(crate) in_chain: bool,
    /// Whether it may have open problems (a run's good end then resolves the stale
    /// ones; without any, a success makes no query for them). Read with the row; a
    /// problem report drops the monitor's cached entry, so the next ping reads it again.
    pub(crate) problems: bool,
}

impl Hot {
    fn from_row(row: &MonitorRow) -> Result<Hot, StoreError> {
        Ok(Hot {
            cfg: Arc::new(row.config()?),
            post_only: row.methods == "POST",
            state: row.state(),
            n_pings: row.n_pings,
            downstream: false,
            upstream: true,
            in_chain: false,
            problems: true,
        })
    }
}

/// A monitor loaded for a change: its hot part, and the whole row when it was read
/// from the database for this (a cache miss, or PostgreSQL).
pub(crate) struct Loaded {
    /// Rules and state.
    pub(crate) hot: Hot,
    /// The row, when it was read.
    pub(crate) row: Option<MonitorRow>,
}

/// Monitors as last written by this writer, keyed by id: across batches on SQLite,
/// within one batch on PostgreSQL.
pub(crate) struct RowCache {
    /// Kept from one batch to the next (SQLite).
    across_batches: bool,
    rows: HashMap<Uuid, Hot>,
    /// Whole rows read by [`RowCache::lock_batch`] for this batch and not changed since:
    /// a flip's message reads its name and tags from here instead of reading the row
    /// again (a round trip per flip on PostgreSQL).
    read: HashMap<Uuid, MonitorRow>,
    data_version: Option<i64>,
}
#[derive(QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = BigInt)]
    data_version: i64,
}

impl RowCache {
    /// A cache kept across batches (SQLite) or only within one (PostgreSQL).
    pub(crate) fn new(across_batches: bool) -> RowCache {
        RowCache {
            across_batches,
            rows: HashMap::new(),
            read: HashMap::new(),
            data_version: None,
        }
    }

    /// Forgets everything (a failed batch, a write that changed monitors).
    pub(crate) fn clear(&mut self) {
        self.rows.clear();
        self.read.clear();
    }

    /// Called inside each batch's transaction, before its first read: drops the rows
    /// when another connection committed since the last batch.
    pub(crate) fn begin_batch(&mut self, c: &mut AnyConnection) -> Result<(), StoreError> {
        self.read.clear();
        if !self.across_batches {
            // Other instances write these rows between our batches.
            self.rows.clear();
            return Ok(());
        }
        let AnyConnection::Sqlite(lite) = c else {
            return Ok(());
        };
        let v = diesel::sql_query("PRAGMA data_version")
            .get_result::<DataVersion>(lite)?
            .data_version;
        if self.data_version != Some(v) {
            self.rows.clear();
            self.data_version = Some(v);
        }
        Ok(())
    }

    /// The monitor `id`: locked for this transaction (PostgreSQL) or from the cache.
    /// `Err(Internal)` when its stored settings cannot be read.
    pub(crate) fn load(
        &mut self,
        c: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<Loaded>, StoreError> {
        let key = Uuid::try_parse(id).ok();
        if let Some(k) = key {
            if let Some(hot) = self.rows.get(&k) {
                return Ok(Some(Loaded {
                    hot: hot.clone(),
                    row: self.read.get(&k).cloned(),
                }));
            }
        }
        let Some((row, downstream, upstream, in_chain, problems)) = lock_monitor_flags(c, id)?
        else {
            return Ok(None);
        };
        let mut hot = Hot::from_row(&row)?;
        hot.downstream = downstream;
        hot.upstream = upstream;
        hot.in_chain = in_chain;
        hot.problems = problems;
        if let Some(k) = key {
            if self.rows.len() >= MAX_ROWS {
                self.rows.clear();
            }
            self.rows.insert(k, hot.clone());
        }
        Ok(Some(Loaded {
            hot,
            row: Some(row),
        }))
    }

    /// Forgets monitor `id` (a write changed what the cache keeps of it).
    pub(crate) fn forget(&mut self, id: &str) {
        if let Ok(key) = Uuid::try_parse(id) {
            self.rows.remove(&key);
            self.read.remove(&key);
        }
    }

    /// Records whether `id` still has open problems.
    pub(crate) fn set_problems(&mut self, id: &str, open: bool) {
        if let Some(hot) = Uuid::try_parse(id).ok().and_then(|k| self.rows.get_mut(&k)) {
            hot.problems = open;
        }
    }

    /// Records what a transition just wrote to `id`: its state and ping count.
    pub(crate) fn saved(&mut self, id: &str, state: &MonitorState, n_pings: Option<i64>) {
        let Ok(key) = Uuid::try_parse(id) else {
            return;
        };
        // The row as read no longer matches: a later load in this batch reads it again.
        self.read.remove(&key);
        if let Some(hot) = self.rows.get_mut(&key) {
            hot.state = state.clone();
            if let Some(n) = n_pings {
                hot.n_pings = n;
            }
        }
    }
}

/// A row as [`with_flags`] selects it: the monitor, then whether others depend on it,
/// whether it depends on others, whether it is a chain member, whether it has open
/// problems.
type WithFlags = (MonitorRow, bool, bool, bool, bool);

/// A monitor's row with whether other monitors depend on it, whether it depends on
/// others, whether it is a chain member and whether it has open problems: one select
/// for one row or a batch's rows.
macro_rules! with_flags {
    () => {{
        use crate::base::schema::{chain_members, dependencies, problems};
        use diesel::dsl::exists;
        (
            MonitorRow::as_select(),
            exists(dependencies::table.filter(dependencies::upstream_id.eq(monitors::id))),
            exists(dependencies::table.filter(dependencies::monitor_id.eq(monitors::id))),
            exists(chain_members::table.filter(chain_members::monitor_id.eq(monitors::id))),
            exists(
                problems::table
                    .filter(problems::monitor_id.eq(monitors::id))
                    .filter(problems::resolved_at.is_null()),
            ),
        )
    }};
}

impl RowCache {
    /// Loads the monitors `ids` in one statement and keeps them (their whole rows for
    /// this batch). PostgreSQL locks them, in the order of their ids (two writers or
    /// instances that lock overlapping sets never wait on each other in a circle);
    /// SQLite's writer holds the write lock already. Ids that are no monitor are left
    /// out: a ping to them answers "not found" as before.
    pub(crate) fn lock_batch(
        &mut self,
        c: &mut AnyConnection,
        ids: &[String],
    ) -> Result<(), StoreError> {
        let mut ids: Vec<&str> = ids
            .iter()
            .map(String::as_str)
            .filter(|id| Uuid::try_parse(id).is_ok_and(|k| !self.rows.contains_key(&k)))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(());
        }
        let rows: Vec<WithFlags> = match c {
            AnyConnection::Postgresql(pg) => monitors::table
                .filter(monitors::id.eq_any(&ids))
                .order(monitors::id)
                .select(with_flags!())
                .for_update()
                .load(pg)?,
            AnyConnection::Sqlite(lite) => monitors::table
                .filter(monitors::id.eq_any(&ids))
                .select(with_flags!())
                .load(lite)?,
        };
        if self.rows.len() + rows.len() > MAX_ROWS {
            self.rows.clear();
        }
        for (row, downstream, upstream, in_chain, problems) in rows {
            let Ok(key) = Uuid::try_parse(&row.id) else {
                continue;
            };
            // Unreadable settings: left to `load`, which says so for its own job.
            let Ok(mut hot) = Hot::from_row(&row) else {
                continue;
            };
            hot.downstream = downstream;
            hot.upstream = upstream;
            hot.in_chain = in_chain;
            hot.problems = problems;
            self.rows.insert(key, hot);
            self.read.insert(key, row);
        }
        Ok(())
    }
}

/// As [`lock_monitor`] (a row lock on PostgreSQL), with the flags of [`with_flags`]. On
/// PostgreSQL they come with the locked row in one round trip (every ping loads it); on
/// SQLite they are read once per cache fill.
fn lock_monitor_flags(c: &mut AnyConnection, id: &str) -> Result<Option<WithFlags>, StoreError> {
    match c {
        AnyConnection::Postgresql(pg) => Ok(monitors::table
            .find(id)
            .select(with_flags!())
            .for_update()
            .first(pg)
            .optional()?),
        AnyConnection::Sqlite(_) => {
            let Some(row) = lock_monitor(c, id)? else {
                return Ok(None);
            };
            let downstream = crate::monitoring::deps::has_dependents(c, id)?;
            let upstream = crate::monitoring::deps::has_upstream(c, id)?;
            let in_chain = crate::monitoring::chains::is_member(c, id)?;
            let problems = crate::monitoring::problems::has_open(c, id)?;
            Ok(Some((row, downstream, upstream, in_chain, problems)))
        }
    }
}
