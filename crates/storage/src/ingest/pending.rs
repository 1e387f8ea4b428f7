//! PostgreSQL's batched writes (docs/architecture.md, "Writes on PostgreSQL"): within one
//! writer batch, the pings to store and the state of the monitors whose pings changed
//! nothing else wait here and go out as one multi-row `INSERT` and one `UPDATE … FROM
//! UNNEST`, instead of two round trips per ping. Anything else the batch does (a flip, a
//! run, a problem, a dependent, a deadline) first writes what waits, so every read of
//! the database inside the batch sees every write before it.

use std::collections::HashMap;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Binary, Bool, Integer, Nullable, Text};

use crate::base::conn::AnyConnection;
use crate::base::models::{MonitorStateColumns, PingColumns};
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

/// A monitor's state to write, with the ping counters (`None`: as stored).
struct PendingState {
    id: String,
    cols: MonitorStateColumns,
    n_pings: Option<i64>,
    last_ping_at: Option<i64>,
    last_duration_ms: Option<i64>,
    updated_at: i64,
}

/// What waits to be written, in the order it came.
#[derive(Default)]
pub(super) struct Pending<'b> {
    pings: Vec<PendingPing<'b>>,
    states: Vec<PendingState>,
    /// Index in `states` by monitor: a later state of the same monitor replaces it.
    by_id: HashMap<String, usize>,
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
        let new = PendingState {
            id: id.to_string(),
            cols,
            n_pings: Some(ping.n_pings),
            last_ping_at: ping.last_ping_at,
            last_duration_ms: ping.last_duration_ms,
            updated_at: now,
        };
        match self.by_id.get(id) {
            Some(&i) => {
                let old = &self.states[i];
                let merged = PendingState {
                    n_pings: new.n_pings.or(old.n_pings),
                    last_ping_at: new.last_ping_at.or(old.last_ping_at),
                    last_duration_ms: new.last_duration_ms.or(old.last_duration_ms),
                    ..new
                };
                self.states[i] = merged;
            }
            None => {
                self.by_id.insert(id.to_string(), self.states.len());
                self.states.push(new);
            }
        }
    }

    /// Writes everything waiting: the states, then the pings.
    pub(super) fn flush(&mut self, c: &mut AnyConnection) -> Result<(), StoreError> {
        let AnyConnection::Postgresql(pg) = c else {
            return Err(StoreError::Internal(
                "batched writes are PostgreSQL's".into(),
            ));
        };
        if !self.states.is_empty() {
            let s = std::mem::take(&mut self.states);
            self.by_id.clear();
            UpdateStates::of(s).execute(pg)?;
        }
        if !self.pings.is_empty() {
            let all = std::mem::take(&mut self.pings);
            InsertPings::of(all).execute(pg)?;
        }
        Ok(())
    }
}

/// One `UPDATE` for the states of many monitors, the same columns `SaveState` writes
/// (crate::base::statements), each column an array. One SQL text whatever the count,
/// so PostgreSQL parses and plans it once per connection (diesel keeps it prepared: a
/// static query id).
struct UpdateStates {
    id: Vec<String>,
    status: Vec<String>,
    down_reason: Vec<Option<String>>,
    down_detail: Vec<Option<String>>,
    warned: Vec<bool>,
    links: Vec<String>,
    last_success_at: Vec<Option<i64>>,
    run_started_at: Vec<Option<i64>>,
    next_due_at: Vec<Option<i64>>,
    deadline_at: Vec<Option<i64>>,
    deadline_kind: Vec<Option<String>>,
    fail_streak: Vec<i32>,
    success_streak: Vec<i32>,
    n_pings: Vec<Option<i64>>,
    last_ping_at: Vec<Option<i64>>,
    last_duration_ms: Vec<Option<i64>>,
    updated_at: Vec<i64>,
}

impl UpdateStates {
    fn of(s: Vec<PendingState>) -> UpdateStates {
        let mut u = UpdateStates {
            id: Vec::with_capacity(s.len()),
            status: Vec::new(),
            down_reason: Vec::new(),
            down_detail: Vec::new(),
            warned: Vec::new(),
            links: Vec::new(),
            last_success_at: Vec::new(),
            run_started_at: Vec::new(),
            next_due_at: Vec::new(),
            deadline_at: Vec::new(),
            deadline_kind: Vec::new(),
            fail_streak: Vec::new(),
            success_streak: Vec::new(),
            n_pings: Vec::new(),
            last_ping_at: Vec::new(),
            last_duration_ms: Vec::new(),
            updated_at: Vec::new(),
        };
        for x in s {
            let c = x.cols;
            u.id.push(x.id);
            u.status.push(c.status);
            u.down_reason.push(c.down_reason);
            u.down_detail.push(c.down_detail);
            u.warned.push(c.warned);
            u.links.push(c.links);
            u.last_success_at.push(c.last_success_at);
            u.run_started_at.push(c.run_started_at);
            u.next_due_at.push(c.next_due_at);
            u.deadline_at.push(c.deadline_at);
            u.deadline_kind.push(c.deadline_kind);
            u.fail_streak.push(c.fail_streak);
            u.success_streak.push(c.success_streak);
            u.n_pings.push(x.n_pings);
            u.last_ping_at.push(x.last_ping_at);
            u.last_duration_ms.push(x.last_duration_ms);
            u.updated_at.push(x.updated_at);
        }
        u
    }
}

/// One `INSERT … SELECT FROM UNNEST` for many pings, each column an array: one SQL
/// text, prepared once.
struct InsertPings {
    monitor_id: Vec<String>,
    n: Vec<i64>,
    kind: Vec<String>,
    exit_status: Vec<Option<i32>>,
    created_at: Vec<i64>,
    rid: Vec<Option<String>>,
    method: Vec<String>,
    scheme: Vec<String>,
    remote_addr: Vec<String>,
    user_agent: Vec<String>,
    body: Vec<Vec<u8>>,
    body_size: Vec<i64>,
    duration_ms: Vec<Option<i64>>,
}

impl InsertPings {
    fn of(p: Vec<PendingPing<'_>>) -> InsertPings {
        let mut i = InsertPings {
            monitor_id: Vec::with_capacity(p.len()),
            n: Vec::new(),
            kind: Vec::new(),
            exit_status: Vec::new(),
            created_at: Vec::new(),
            rid: Vec::new(),
            method: Vec::new(),
            scheme: Vec::new(),
            remote_addr: Vec::new(),
            user_agent: Vec::new(),
            body: Vec::new(),
            body_size: Vec::new(),
            duration_ms: Vec::new(),
        };
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
}

/// The statement cache keys of the two.
struct UpdateStatesId;
struct InsertPingsId;

impl QueryId for UpdateStates {
    type QueryId = UpdateStatesId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryId for InsertPings {
    type QueryId = InsertPingsId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl RunQueryDsl<diesel::PgConnection> for UpdateStates {}
impl RunQueryDsl<diesel::PgConnection> for InsertPings {}

impl QueryFragment<Pg> for UpdateStates {
    fn walk_ast<'q>(&'q self, mut out: AstPass<'_, 'q, Pg>) -> QueryResult<()> {
        out.push_sql(
            "UPDATE monitors AS m SET status = v.status, down_reason = v.down_reason, \
             down_detail = v.down_detail, warned = v.warned, links = v.links, \
             last_success_at = v.last_success_at, run_started_at = v.run_started_at, \
             next_due_at = v.next_due_at, deadline_at = v.deadline_at, \
             deadline_kind = v.deadline_kind, fail_streak = v.fail_streak, \
             success_streak = v.success_streak, n_pings = COALESCE(v.n_pings, m.n_pings), \
             last_ping_at = COALESCE(v.last_ping_at, m.last_ping_at), \
             last_duration_ms = COALESCE(v.last_duration_ms, m.last_duration_ms), \
             updated_at = v.updated_at FROM UNNEST(",
        );
        out.push_bind_param::<Array<Text>, _>(&self.id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.status)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.down_reason)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.down_detail)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Bool>, _>(&self.warned)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.links)?;
        for v in [
            &self.last_success_at,
            &self.run_started_at,
            &self.next_due_at,
            &self.deadline_at,
        ] {
            out.push_sql(", ");
            out.push_bind_param::<Array<Nullable<BigInt>>, _>(v)?;
        }
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.deadline_kind)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.fail_streak)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.success_streak)?;
        for v in [&self.n_pings, &self.last_ping_at, &self.last_duration_ms] {
            out.push_sql(", ");
            out.push_bind_param::<Array<Nullable<BigInt>>, _>(v)?;
        }
        out.push_sql(", ");
        out.push_bind_param::<Array<BigInt>, _>(&self.updated_at)?;
        out.push_sql(
            ") AS v(id, status, down_reason, down_detail, warned, links, last_success_at, \
             run_started_at, next_due_at, deadline_at, deadline_kind, fail_streak, \
             success_streak, n_pings, last_ping_at, last_duration_ms, updated_at) \
             WHERE m.id = v.id",
        );
        Ok(())
    }
}

impl QueryFragment<Pg> for InsertPings {
    fn walk_ast<'q>(&'q self, mut out: AstPass<'_, 'q, Pg>) -> QueryResult<()> {
        out.push_sql(
            "INSERT INTO pings (monitor_id, n, kind, exit_status, created_at, rid, method, \
             scheme, remote_addr, user_agent, body, body_size, duration_ms) \
             SELECT * FROM UNNEST(",
        );
        out.push_bind_param::<Array<Text>, _>(&self.monitor_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<BigInt>, _>(&self.n)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.kind)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Integer>>, _>(&self.exit_status)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<BigInt>, _>(&self.created_at)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.rid)?;
        for v in [
            &self.method,
            &self.scheme,
            &self.remote_addr,
            &self.user_agent,
        ] {
            out.push_sql(", ");
            out.push_bind_param::<Array<Text>, _>(v)?;
        }
        out.push_sql(", ");
        out.push_bind_param::<Array<Binary>, _>(&self.body)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<BigInt>, _>(&self.body_size)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.duration_ms)?;
        out.push_sql(")");
        Ok(())
    }
}
