//! The unit of work: every write — a ping batch, an API change, a background job — runs
//! as one [`Tx`]: a connection inside a write transaction, the instant of record, and
//! the [`Effects`] the write had. The effects are published once, after commit, by
//! [`crate::Store::write`] (or the ingest writer): the scheduler woken for an earlier
//! deadline, the notifier for new outbox rows, the live view told which monitors
//! changed. On SQLite they also tell the writer which of its cached monitor rows to
//! drop — so no caller chooses a cache scope, and no write path wakes anyone by hand.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use diesel::prelude::*;
use overdue_core::Timestamp;

use crate::base::models::MonitorRow;
use crate::base::schema::monitors;
use tokio::sync::Notify;

use crate::base::conn::AnyConnection;
use crate::base::error::StoreError;

/// What a write changed that other parts of the process care about.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    /// The earliest `deadline_at` written (wakes the scheduler if earlier than its plan).
    pub(crate) earliest_deadline: Option<Timestamp>,
    /// Outbox rows written (wakes the notifier).
    pub(crate) notifications: usize,
    /// Collect changed monitor ids: someone listens to the live view, or the SQLite
    /// writer must know which cached rows a write touched.
    pub(crate) track: bool,
    /// Monitors whose row (state, settings, problems) changed, for the live view and
    /// the SQLite writer's cache.
    pub(crate) changed: Vec<String>,
    /// Monitors changed in ways no id list names (dependency edges, chain members,
    /// deletions): the SQLite writer drops its whole cache.
    pub(crate) structure: bool,
    /// Flows whose entities, breaches or settings changed (the live view of the Flows
    /// page; a handful per write, so always kept).
    pub(crate) flows: std::collections::BTreeSet<String>,
}

impl Effects {
    /// Effects that collect changed ids when `track`.
    pub(crate) fn tracking(track: bool) -> Effects {
        Effects {
            track,
            ..Effects::default()
        }
    }

    /// Monitor `id` changed.
    pub(crate) fn changed(&mut self, id: &str) {
        if self.track {
            self.changed.push(id.to_string());
        }
    }

    /// A deadline was written (`None`: cleared, nothing to wake for).
    pub(crate) fn deadline(&mut self, at: Option<i64>) {
        if let Some(at) = at {
            let at = Timestamp(at);
            self.earliest_deadline = Some(self.earliest_deadline.map_or(at, |e| e.min(at)));
        }
    }

    /// Adds what another committed write had.
    pub(crate) fn merge(&mut self, other: Effects) {
        if let Some(at) = other.earliest_deadline {
            self.earliest_deadline = Some(self.earliest_deadline.map_or(at, |e| e.min(at)));
        }
        self.notifications += other.notifications;
        if self.track {
            self.changed.extend(other.changed);
        }
        self.structure |= other.structure;
        self.flows.extend(other.flows);
    }
}

/// Signals between the writer and the background loops of this process.
#[derive(Debug)]
pub struct Wakeups {
    /// Woken when a deadline earlier than `scheduler_next` was written.
    pub scheduler: Notify,
    /// When the scheduler plans to wake next (ms; `i64::MAX` when idle).
    pub scheduler_next: AtomicI64,
    /// Woken when notifications were written to the outbox.
    pub outbox: Notify,
    /// Ids of monitors changed by pings and flips, one message per committed batch
    /// (for the dashboard's live view; sent only while someone listens).
    pub changes: tokio::sync::broadcast::Sender<Arc<Vec<String>>>,
    /// Ids of flows changed by events, breaches or edits, one message per commit (for
    /// the Flows page's live view; sent only while someone listens).
    pub flow_changes: tokio::sync::broadcast::Sender<Arc<Vec<String>>>,
    /// This process among the instances sharing a PostgreSQL database (random): its own
    /// announcements are not relayed back to it (see [`crate::base::live`]).
    pub instance: String,
}

impl Wakeups {
    pub(crate) fn new() -> Wakeups {
        Wakeups {
            scheduler: Notify::new(),
            scheduler_next: AtomicI64::new(i64::MAX),
            outbox: Notify::new(),
            changes: tokio::sync::broadcast::channel(256).0,
            flow_changes: tokio::sync::broadcast::channel(256).0,
            instance: format!("{:016x}", rand::random::<u64>()),
        }
    }

    /// Hands what another instance changed to this process's live view.
    pub(crate) fn relay(&self, monitors: Vec<String>, flows: Vec<String>) {
        if !monitors.is_empty() && self.changes.receiver_count() > 0 {
            let _ = self.changes.send(Arc::new(monitors));
        }
        if !flows.is_empty() && self.flow_changes.receiver_count() > 0 {
            let _ = self.flow_changes.send(Arc::new(flows));
        }
    }

    /// Tells this process what a committed write changed: called once per commit, never
    /// before it (a woken loop must find the rows).
    pub(crate) fn publish(&self, effects: Effects) {
        if !effects.changed.is_empty() && self.changes.receiver_count() > 0 {
            let mut ids = effects.changed;
            ids.sort_unstable();
            ids.dedup();
            let _ = self.changes.send(Arc::new(ids));
        }
        if !effects.flows.is_empty() && self.flow_changes.receiver_count() > 0 {
            let _ = self
                .flow_changes
                .send(Arc::new(effects.flows.into_iter().collect()));
        }
        if let Some(at) = effects.earliest_deadline {
            self.deadline_written(at);
        }
        if effects.notifications > 0 {
            self.outbox.notify_one();
        }
    }

    /// Wakes the scheduler if `deadline` is earlier than its planned wake-up.
    pub fn deadline_written(&self, deadline: Timestamp) {
        if deadline.millis() < self.scheduler_next.load(Ordering::Relaxed) {
            self.scheduler.notify_one();
        }
    }
}

/// One unit of work: a connection inside a write transaction, its instant of record,
/// and what it changed. Storage functions that write take it; reads take a plain
/// connection.
pub struct Tx<'a> {
    pub(crate) c: &'a mut AnyConnection,
    now: Timestamp,
    pub(crate) fx: Effects,
    caps: crate::base::caps::Caps,
    /// What the batch read once of its projects and channels, when it remembers.
    memo: Option<Memo>,
}

/// Reads a batch of flips makes again and again (a project's routes, silences, name,
/// storm setting; a channel's kind and settings), kept for the batch: a burst of
/// 100,000 flips in one project read them once per batch, not once per flip
/// (docs/architecture.md, "A burst of flips"). Only the ingest writer's batch keeps
/// them: its jobs never change them, and a write job inside it clears them.
type Memo = std::collections::HashMap<(&'static str, String), Box<dyn std::any::Any + Send>>;

impl<'a> Tx<'a> {
    /// A unit of work on `c`, which the caller has put inside a write transaction.
    pub(crate) fn new(
        c: &'a mut AnyConnection,
        now: Timestamp,
        caps: crate::base::caps::Caps,
    ) -> Tx<'a> {
        Tx {
            c,
            now,
            fx: Effects::tracking(true),
            caps,
            memo: None,
        }
    }

    /// A unit of work whose effects collect changed monitor ids only when `track` (the
    /// ingest writer's batch: on SQLite with nobody watching, the list is not needed).
    pub(crate) fn tracking(
        c: &'a mut AnyConnection,
        now: Timestamp,
        caps: crate::base::caps::Caps,
        track: bool,
    ) -> Tx<'a> {
        Tx {
            c,
            now,
            fx: Effects::tracking(track),
            caps,
            memo: Some(Memo::new()),
        }
    }

    /// `load(connection)` for `key` of `kind`, read once per batch when this unit of
    /// work remembers (the ingest writer's batch), else read now. `T` is cheap to clone
    /// (an `Arc` for lists).
    pub(crate) fn remember<T: Clone + Send + 'static>(
        &mut self,
        kind: &'static str,
        key: &str,
        load: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Some(memo) = self.memo.as_mut() else {
            return load(self.c);
        };
        let k = (kind, key.to_string());
        if let Some(v) = memo.get(&k).and_then(|b| b.downcast_ref::<T>()) {
            return Ok(v.clone());
        }
        let v = load(self.c)?;
        memo.insert(k, Box::new(v.clone()));
        Ok(v)
    }

    /// Records `value` for `key` of `kind` as if read (something the batch already
    /// knows); nothing when this unit of work does not remember.
    pub(crate) fn prime<T: Send + 'static>(&mut self, kind: &'static str, key: &str, value: T) {
        if let Some(memo) = self.memo.as_mut() {
            memo.insert((kind, key.to_string()), Box::new(value));
        }
    }

    /// Whether this unit of work remembers what it reads (the writer's batch).
    pub(crate) fn remembers(&self) -> bool {
        self.memo.is_some()
    }

    /// Whether `key` of `kind` was primed or remembered.
    pub(crate) fn knows(&self, kind: &'static str, key: &str) -> bool {
        self.memo
            .as_ref()
            .is_some_and(|m| m.contains_key(&(kind, key.to_string())))
    }

    /// Forgets what was remembered: a write inside the batch may have changed it.
    pub(crate) fn forget_remembered(&mut self) {
        if let Some(m) = self.memo.as_mut() {
            m.clear();
        }
    }

    /// What this write changed, to publish once it committed.
    pub(crate) fn into_effects(self) -> Effects {
        self.fx
    }

    /// The operator's caps, for what this write creates.
    pub fn caps(&self) -> crate::base::caps::Caps {
        self.caps
    }

    /// The instant of record of this write.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The connection, for reads inside the transaction.
    pub fn conn(&mut self) -> &mut AnyConnection {
        self.c
    }

    /// Loads monitor `id` for a change (see [`lock_monitor`]) and records that it
    /// changes. `None` when it does not exist.
    pub(crate) fn lock_monitor(&mut self, id: &str) -> Result<Option<MonitorRow>, StoreError> {
        let row = lock_monitor(self.c, id)?;
        if row.is_some() {
            self.fx.changed(id);
        }
        Ok(row)
    }

    /// Records that monitor `id` changed (created, edited).
    pub(crate) fn changed(&mut self, id: &str) {
        self.fx.changed(id);
    }

    /// Records that flow `id` changed (its entities, breaches or settings).
    pub(crate) fn flow_changed(&mut self, id: &str) {
        if !self.fx.flows.contains(id) {
            self.fx.flows.insert(id.to_string());
        }
    }

    /// Records that monitors changed in ways no id names (edges, members, deletions).
    pub(crate) fn structure_changed(&mut self) {
        self.fx.structure = true;
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
