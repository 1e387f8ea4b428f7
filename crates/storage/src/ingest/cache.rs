//! The SQLite writer's copy of the monitor rows it works on. Every SQLite write of this
//! process runs on the writer thread, so the writer knows each change it makes; a change
//! made by another process on the same file shows in `PRAGMA data_version`, read at the
//! start of every batch. A ping then costs an insert and an update, not a row load too.
//!
//! PostgreSQL is shared by several instances and takes the row lock anyway: no cache.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::apply::lock_monitor;
use crate::conn::AnyConnection;
use crate::models::{MonitorRow, MonitorStateColumns, PingColumns};
use crate::StoreError;

/// Rows kept at most; past it the cache starts over (a full clear is cheap and rare).
const MAX_ROWS: usize = 200_000;

/// Monitor rows as last written by this writer (SQLite only).
pub(crate) struct RowCache {
    enabled: bool,
    rows: HashMap<String, MonitorRow>,
    data_version: Option<i64>,
}

#[derive(QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = BigInt)]
    data_version: i64,
}

impl RowCache {
    /// A cache that is used on SQLite and bypassed on PostgreSQL.
    pub(crate) fn new(enabled: bool) -> RowCache {
        RowCache {
            enabled,
            rows: HashMap::new(),
            data_version: None,
        }
    }

    /// Forgets everything (a failed batch, a write that changed monitors).
    pub(crate) fn clear(&mut self) {
        self.rows.clear();
    }

    /// Called inside each batch's transaction, before its first read: drops the rows
    /// when another connection committed since the last batch.
    pub(crate) fn begin_batch(&mut self, c: &mut AnyConnection) -> Result<(), StoreError> {
        if !self.enabled {
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

    /// The row of `id`, locked for this transaction (PostgreSQL) or from the cache.
    pub(crate) fn load(
        &mut self,
        c: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<MonitorRow>, StoreError> {
        if !self.enabled {
            return lock_monitor(c, id);
        }
        if let Some(row) = self.rows.get(id) {
            return Ok(Some(row.clone()));
        }
        let row = lock_monitor(c, id)?;
        if let Some(row) = &row {
            if self.rows.len() >= MAX_ROWS {
                self.rows.clear();
            }
            self.rows.insert(row.id.clone(), row.clone());
        }
        Ok(row)
    }

    /// Records what was just written to `id` by a transition.
    pub(crate) fn saved(
        &mut self,
        id: &str,
        state: &MonitorStateColumns,
        ping: Option<&PingColumns>,
        now: i64,
    ) {
        if !self.enabled {
            return;
        }
        if let Some(row) = self.rows.get_mut(id) {
            row.apply(state, ping, now);
        }
    }
}
