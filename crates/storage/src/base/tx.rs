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
    /// Monitors and flows changed by committed writes, not yet announced to the other
    /// instances (PostgreSQL: the announcer sends them a few times a second, outside
    /// every write's transaction; `None` on SQLite, one process).
    pub(crate) unannounced: Option<std::sync::Mutex<Unannounced>>,
}

/// Ids changed by this process's committed writes, waiting for the announcer.
#[derive(Debug, Default)]
pub(crate) struct Unannounced {
    /// Changed monitors.
    pub(crate) monitors: std::collections::BTreeSet<String>,
    /// Changed flows.
    pub(crate) flows: std::collections::BTreeSet<String>,
}

impl Wakeups {
    pub(crate) fn new(announces: bool) -> Wakeups {
        Wakeups {
            unannounced: announces.then(|| std::sync::Mutex::new(Unannounced::default())),
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
        if let Some(waiting) = &self.unannounced {
            if !(effects.changed.is_empty() && effects.flows.is_empty()) {
                if let Ok(mut w) = waiting.lock() {
                    w.monitors.extend(effects.changed.iter().cloned());
                    w.flows.extend(effects.flows.iter().cloned());
                }
            }
        }
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
    /// Rows a deadline job writes at its end, on PostgreSQL (`None`: written at once).
    later: Option<crate::base::later::Later>,
    /// Report counters a deadline job writes at its end on SQLite, summed per key and in
    /// key order (`None`: written at once).
    tallies: Option<crate::base::tallies::Tallies>,
    /// Who asked for this write (a person's e-mail, `key <name>`), for the messages
    /// that say so ("paused by …"); `None` for what Overdue does by itself.
    by: Option<String>,
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
            later: None,
            tallies: None,
            by: None,
        }
    }

    /// Says who asks for this write (a person's e-mail, `key <name>`): messages it
    /// writes name them ("paused by ann@example.com").
    pub fn acting_as(&mut self, who: &str) {
        self.by = Some(who.to_string());
    }

    /// Who asked for this write, when a person or key did.
    pub(crate) fn by(&self) -> Option<&str> {
        self.by.as_deref()
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
            later: None,
            tallies: None,
            by: None,
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

    /// From now on the rows a flip appends (state, flip, alert, token, message) wait
    /// for [`Tx::end_later`], on PostgreSQL; on SQLite, where a statement is no round
    /// trip, they are written at once as before, but for report counters: summed per
    /// key, the project's counter of a burst is one write per job, and the rest go in
    /// key order (docs/benchmarks.md, "Session 28").
    pub(crate) fn defer_appends(&mut self) {
        if matches!(self.c, AnyConnection::Postgresql(_)) {
            if self.later.is_none() {
                self.later = Some(crate::base::later::Later::default());
            }
        } else if self.tallies.is_none() {
            self.tallies = Some(crate::base::tallies::Tallies::default());
        }
    }

    /// The connection and the rows waiting, when appends wait.
    pub(crate) fn later(
        &mut self,
    ) -> Option<(&mut diesel::PgConnection, &mut crate::base::later::Later)> {
        match (&mut *self.c, self.later.as_mut()) {
            (AnyConnection::Postgresql(pg), Some(later)) => Some((pg, later)),
            _ => None,
        }
    }

    /// How many rows wait for the job's end.
    pub(crate) fn later_rows(&self) -> usize {
        self.later.as_ref().map_or(0, |l| l.len())
    }

    /// Writes the rows waiting, before a read that must see them; appends go on
    /// waiting afterwards.
    pub(crate) fn flush_later(&mut self) -> Result<(), StoreError> {
        match self.later() {
            Some((pg, later)) => later.write(pg, false),
            None => Ok(()),
        }
    }

    /// Writes the rows waiting, report counters too, and stops deferring (the job's
    /// end).
    pub(crate) fn end_later(&mut self) -> Result<(), StoreError> {
        if let Some((pg, later)) = self.later() {
            later.write(pg, true)?;
        }
        self.later = None;
        if let Some(mut t) = self.tallies.take() {
            t.write_each(self.c)?;
        }
        Ok(())
    }

    /// Adds `n` to a report counter: at once, or at the job's end when appends wait (a
    /// burst).
    pub(crate) fn tally(
        &mut self,
        key: crate::base::tallies::Key,
        n: i64,
    ) -> Result<(), StoreError> {
        if let Some(t) = self.tallies.as_mut() {
            t.add(key, n);
            return Ok(());
        }
        match self.later() {
            Some((_, later)) => {
                later.tallies.add(key, n);
                Ok(())
            }
            None => crate::base::tallies::upsert(self.c, &key, n),
        }
    }

    /// Adds to several report counters (a span's time per bucket): with the job's when
    /// they wait, else summed and written at once — one `UNNEST` upsert per table on
    /// PostgreSQL, one upsert per key on SQLite.
    pub(crate) fn tally_many(
        &mut self,
        counts: impl IntoIterator<Item = (crate::base::tallies::Key, i64)>,
    ) -> Result<(), StoreError> {
        let waiting = self.tallies.is_some() || self.later.is_some();
        let mut now = crate::base::tallies::Tallies::default();
        for (key, n) in counts {
            if waiting {
                self.tally(key, n)?;
            } else {
                now.add(key, n);
            }
        }
        if let AnyConnection::Postgresql(pg) = &mut *self.c {
            return now.write(pg);
        }
        now.write_each(self.c)
    }

    /// What this write changed, to publish once it committed.
    pub(crate) fn into_effects(self) -> Effects {
        debug_assert!(self.later.is_none(), "rows left waiting at commit");
        debug_assert!(self.tallies.is_none(), "counters left waiting at commit");
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
