//! PostgreSQL's batched writes (docs/architecture.md, "Writes on PostgreSQL"): within one
//! writer batch, the pings to store and the state of the monitors whose pings changed
//! nothing else wait here and go out as one multi-row `INSERT` and one `UPDATE … FROM
//! UNNEST`, instead of two round trips per ping. Anything else the batch does (a flip, a
//! run, a problem, a dependent, a deadline) first writes what waits, so every read of
//! the database inside the batch sees every write before it.

use crate::base::conn::AnyConnection;
use crate::base::models::{MonitorStateColumns, PingColumns};
use crate::base::unnest::{InsertPings, States};
use crate::StoreError;

/// A ping to insert (its monitor's id owned, the rest borrowed from the request).
pub(super) struct PendingPing<'b> {
    pub(super) monitor_id: String,
    pub(super) n: i64,
    pub(super) kind: &'b str,
    pub(super) exit_status: Option<i32>,
    pub(super) created_at: i64,
    pub(super) rid: Option<String>,
    pub(super) method: &'b str,
    pub(super) scheme: &'b str,
    pub(super) remote_addr: &'b str,
    pub(super) user_agent: &'b str,
    pub(super) body: &'b [u8],
    pub(super) body_size: i64,
    pub(super) duration_ms: Option<i64>,
}

impl PendingPing<'_> {
    /// The row as inserted one at a time (SQLite, where nothing waits).
    pub(super) fn as_new(&self) -> crate::base::models::NewPing<'_> {
        crate::base::models::NewPing {
            monitor_id: &self.monitor_id,
            n: self.n,
            kind: self.kind,
            exit_status: self.exit_status,
            created_at: self.created_at,
            rid: self.rid.clone(),
            method: self.method,
            scheme: self.scheme,
            remote_addr: self.remote_addr,
            user_agent: self.user_agent,
            body: self.body,
            body_size: self.body_size,
            duration_ms: self.duration_ms,
        }
    }
}

/// What waits to be written, in the order it came.
#[derive(Default)]
pub(super) struct Pending<'b> {
    pings: Vec<PendingPing<'b>>,
    states: States,
}

impl<'b> Pending<'b> {
    /// A ping to insert with the others.
    pub(super) fn ping(&mut self, p: PendingPing<'b>) {
        self.pings.push(p);
    }

    /// Monitor `id`'s new state and counters; replaces what waited for it (its values
    /// are absolute; a counter the later one leaves as stored keeps the earlier one).
    pub(super) fn state(
        &mut self,
        id: &str,
        cols: MonitorStateColumns,
        ping: &PingColumns,
        now: i64,
    ) {
        self.states.set(id, cols, Some(ping), now);
    }

    /// Writes everything waiting: the states, then the pings.
    pub(super) fn flush(&mut self, c: &mut AnyConnection) -> Result<(), StoreError> {
        let AnyConnection::Postgresql(pg) = c else {
            return Err(StoreError::Internal(
                "batched writes are PostgreSQL's".into(),
            ));
        };
        self.states.write(pg)?;
        if !self.pings.is_empty() {
            insert_pings(std::mem::take(&mut self.pings)).write(pg)?;
        }
        Ok(())
    }
}

/// The pings as one `INSERT … FROM UNNEST`.
fn insert_pings(p: Vec<PendingPing<'_>>) -> InsertPings {
    let mut i = InsertPings::default();
    for x in p {
        i.monitor_id.push(x.monitor_id);
        i.n.push(x.n);
        i.kind.push(x.kind.to_string());
        i.exit_status.push(x.exit_status);
        i.created_at.push(x.created_at);
        i.rid.push(x.rid);
        i.method.push(x.method.to_string());
        i.scheme.push(x.scheme.to_string());
        i.remote_addr.push(x.remote_addr.to_string());
        i.user_agent.push(x.user_agent.to_string());
        i.body.push(x.body.to_vec());
        i.body_size.push(x.body_size);
        i.duration_ms.push(x.duration_ms);
    }
    i
}
