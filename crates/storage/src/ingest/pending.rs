//! PostgreSQL's batched writes (docs/architecture.md, "Writes on PostgreSQL"): within one
//! writer batch, the pings to store and the state of the monitors whose pings changed
//! nothing else wait here and go out as one multi-row `INSERT` and one `UPDATE … FROM
//! UNNEST`, instead of two round trips per ping. Anything else the batch does (a flip, a
//! run, a problem, a dependent, a deadline) first writes what waits, so every read of
//! the database inside the batch sees every write before it.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text};

use crate::base::conn::AnyConnection;
use crate::base::models::{MonitorStateColumns, NewPing, PingColumns};
use crate::base::schema::pings;
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

/// Rows per `INSERT` (13 values each, under PostgreSQL's 65,535 bound parameters).
const PINGS_PER_INSERT: usize = 2_000;

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
            update_states(pg, &s)?;
        }
        if !self.pings.is_empty() {
            let all = std::mem::take(&mut self.pings);
            for chunk in all.chunks(PINGS_PER_INSERT) {
                let rows: Vec<NewPing<'_>> = chunk
                    .iter()
                    .map(|p| NewPing {
                        monitor_id: &p.monitor_id,
                        n: p.n,
                        kind: p.kind,
                        exit_status: p.exit_status,
                        created_at: p.created_at,
                        rid: p.rid.clone(),
                        method: p.method,
                        scheme: p.scheme,
                        remote_addr: p.remote_addr,
                        user_agent: p.user_agent,
                        body: p.body,
                        body_size: p.body_size,
                        duration_ms: p.duration_ms,
                    })
                    .collect();
                diesel::insert_into(pings::table)
                    .values(&rows)
                    .execute(pg)?;
            }
        }
        Ok(())
    }
}

/// One `UPDATE` for the states of many monitors, the same columns [`SaveState`] writes
/// (crate::base::statements).
fn update_states(pg: &mut diesel::PgConnection, s: &[PendingState]) -> Result<(), StoreError> {
    fn col<T>(s: &[PendingState], f: impl Fn(&PendingState) -> T) -> Vec<T> {
        s.iter().map(f).collect()
    }
    diesel::sql_query(
        "UPDATE monitors AS m SET status = v.status, down_reason = v.down_reason, \
         down_detail = v.down_detail, warned = v.warned, links = v.links, \
         last_success_at = v.last_success_at, run_started_at = v.run_started_at, \
         next_due_at = v.next_due_at, deadline_at = v.deadline_at, \
         deadline_kind = v.deadline_kind, fail_streak = v.fail_streak, \
         success_streak = v.success_streak, n_pings = COALESCE(v.n_pings, m.n_pings), \
         last_ping_at = COALESCE(v.last_ping_at, m.last_ping_at), \
         last_duration_ms = COALESCE(v.last_duration_ms, m.last_duration_ms), \
         updated_at = v.updated_at \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::text[], \
         $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::text[], $12::int[], \
         $13::int[], $14::bigint[], $15::bigint[], $16::bigint[], $17::bigint[]) \
         AS v(id, status, down_reason, down_detail, warned, links, last_success_at, \
         run_started_at, next_due_at, deadline_at, deadline_kind, fail_streak, \
         success_streak, n_pings, last_ping_at, last_duration_ms, updated_at) \
         WHERE m.id = v.id",
    )
    .bind::<Array<Text>, _>(col(s, |x| x.id.clone()))
    .bind::<Array<Text>, _>(col(s, |x| x.cols.status.clone()))
    .bind::<Array<Nullable<Text>>, _>(col(s, |x| x.cols.down_reason.clone()))
    .bind::<Array<Nullable<Text>>, _>(col(s, |x| x.cols.down_detail.clone()))
    .bind::<Array<Bool>, _>(col(s, |x| x.cols.warned))
    .bind::<Array<Text>, _>(col(s, |x| x.cols.links.clone()))
    .bind::<Array<Nullable<BigInt>>, _>(col(s, |x| x.cols.last_success_at))
    .bind::<Array<Nullable<BigInt>>, _>(col(s, |x| x.cols.run_started_at))
    .bind::<Array<Nullable<BigInt>>, _>(col(s, |x| x.cols.next_due_at))
    .bind::<Array<Nullable<BigInt>>, _>(col(s, |x| x.cols.deadline_at))
    .bind::<Array<Nullable<Text>>, _>(col(s, |x| x.cols.deadline_kind.clone()))
    .bind::<Array<Integer>, _>(col(s, |x| x.cols.fail_streak))
    .bind::<Array<Integer>, _>(col(s, |x| x.cols.success_streak))
    .bind::<Array<Nullable<BigInt>>, _>(col(s, |x| x.n_pings))
    .bind::<Array<Nullable<BigInt>>, _>(col(s, |x| x.last_ping_at))
    .bind::<Array<Nullable<BigInt>>, _>(col(s, |x| x.last_duration_ms))
    .bind::<Array<BigInt>, _>(col(s, |x| x.updated_at))
    .execute(pg)?;
    Ok(())
}
