//! PostgreSQL's set-based writes (docs/architecture.md, "Writes on PostgreSQL"): many
//! rows of one table in one statement, each column bound as an array and read back
//! with `UNNEST`. One SQL text whatever the count of rows, so PostgreSQL parses and
//! plans it once per connection (diesel keeps it prepared: a static query id), and a
//! batch of a thousand rows is one round trip instead of a thousand.

use std::collections::HashMap;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Binary, Bool, Integer, Nullable, Text};

use crate::base::models::{MonitorStateColumns, PingColumns};

/// An `INSERT … SELECT … FROM UNNEST(…) WITH ORDINALITY … ORDER BY` statement for one
/// table: rows go in in the order they were pushed, so generated ids follow it (the
/// outbox's order per destination is its ids').
macro_rules! unnest_insert {
    ($(#[$doc:meta])* $name:ident, $key:ident, $table:literal,
     { $($col:ident : $rust:ty => $sql:ty),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Default)]
        pub(crate) struct $name {
            $(
                #[doc = concat!("The `", stringify!($col), "` of each row.")]
                pub(crate) $col: Vec<$rust>,
            )+
        }

        /// Its statement cache key.
        pub(crate) struct $key;

        impl QueryId for $name {
            type QueryId = $key;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl RunQueryDsl<diesel::PgConnection> for $name {}

        impl $name {
            /// How many rows wait.
            pub(crate) fn len(&self) -> usize {
                [$(self.$col.len()),+][0]
            }

            /// Writes the rows waiting (none: no statement) and empties the list.
            pub(crate) fn write(&mut self, c: &mut diesel::PgConnection) -> QueryResult<usize> {
                if self.len() == 0 {
                    return Ok(0);
                }
                let all = std::mem::take(self);
                all.execute(c)
            }
        }

        impl QueryFragment<Pg> for $name {
            fn walk_ast<'q>(&'q self, mut out: AstPass<'_, 'q, Pg>) -> QueryResult<()> {
                let cols = [$(stringify!($col)),+].join(", ");
                out.push_sql(&format!(
                    "INSERT INTO {} ({cols}) SELECT {cols} FROM UNNEST(",
                    $table
                ));
                let mut first = true;
                $(
                    if !first {
                        out.push_sql(", ");
                    }
                    first = false;
                    out.push_bind_param::<Array<$sql>, _>(&self.$col)?;
                )+
                let _ = first;
                out.push_sql(&format!(") WITH ORDINALITY AS v({cols}, ord) ORDER BY ord"));
                Ok(())
            }
        }
    };
}

unnest_insert!(
    /// Pings of a writer batch.
    InsertPings, InsertPingsId, "pings", {
        monitor_id: String => Text,
        n: i64 => BigInt,
        kind: String => Text,
        exit_status: Option<i32> => Nullable<Integer>,
        created_at: i64 => BigInt,
        rid: Option<String> => Nullable<Text>,
        method: String => Text,
        scheme: String => Text,
        remote_addr: String => Text,
        user_agent: String => Text,
        body: Vec<u8> => Binary,
        body_size: i64 => BigInt,
        duration_ms: Option<i64> => Nullable<BigInt>,
    }
);

unnest_insert!(
    /// Status changes of a burst of flips.
    InsertFlips, InsertFlipsId, "flips", {
        monitor_id: String => Text,
        created_at: i64 => BigInt,
        from_status: String => Text,
        to_status: String => Text,
        reason: Option<String> => Nullable<Text>,
        detail: Option<String> => Nullable<Text>,
    }
);

unnest_insert!(
    /// Alerts of a burst of flips, with the ids taken for them beforehand.
    InsertAlerts, InsertAlertsId, "alerts", {
        id: i64 => BigInt,
        project_id: String => Text,
        monitor_id: Option<String> => Nullable<Text>,
        channel_id: Option<String> => Nullable<Text>,
        flow_id: Option<String> => Nullable<Text>,
        kind: String => Text,
        dedup_key: String => Text,
        severity: String => Text,
        summary: String => Text,
        status: String => Text,
        problem_id: Option<i64> => Nullable<BigInt>,
        opened_at: i64 => BigInt,
        resolved_at: Option<i64> => Nullable<BigInt>,
        resolved_reason: Option<String> => Nullable<Text>,
    }
);

unnest_insert!(
    /// Acknowledgement tokens of a burst's messages (hashed).
    InsertTokens, InsertTokensId, "ack_tokens", {
        token_hash: String => Text,
        alert_id: i64 => BigInt,
        channel_id: String => Text,
        created_at: i64 => BigInt,
        recipient: Option<String> => Nullable<Text>,
        alert_ids: Option<String> => Nullable<Text>,
    }
);

unnest_insert!(
    /// Outbox rows of a burst's messages, pending.
    InsertOutbox, InsertOutboxId, "outbox", {
        project_id: String => Text,
        channel_id: String => Text,
        monitor_id: Option<String> => Nullable<Text>,
        event: String => Text,
        payload: String => Text,
        idempotency_key: String => Text,
        created_at: i64 => BigInt,
        state: String => Text,
        attempts: i32 => Integer,
        next_attempt_at: i64 => BigInt,
        alert_id: Option<i64> => Nullable<BigInt>,
        transition: Option<String> => Nullable<Text>,
        recipient: String => Text,
    }
);

unnest_insert!(
    /// The delivery log's rows of a lot of recorded attempts.
    InsertDeliveries, InsertDeliveriesId, "deliveries", {
        outbox_id: i64 => BigInt,
        channel_id: String => Text,
        attempt: i32 => Integer,
        attempted_at: i64 => BigInt,
        status_code: Option<i32> => Nullable<Integer>,
        error: Option<String> => Nullable<Text>,
        duration_ms: i64 => BigInt,
    }
);

impl States {
    /// How many states wait.
    pub(crate) fn len(&self) -> usize {
        self.states.len()
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

/// Monitors' states waiting to be written, one per monitor (a later state of the same
/// monitor replaces the earlier one).
#[derive(Default)]
pub(crate) struct States {
    states: Vec<PendingState>,
    by_id: HashMap<String, usize>,
}

impl States {
    /// Monitor `id`'s new state and counters (`ping`: `None` leaves them as stored);
    /// replaces what waited for it (its values are absolute; a counter the later one
    /// leaves as stored keeps the earlier one).
    pub(crate) fn set(
        &mut self,
        id: &str,
        cols: MonitorStateColumns,
        ping: Option<&PingColumns>,
        now: i64,
    ) {
        let new = PendingState {
            id: id.to_string(),
            cols,
            n_pings: ping.map(|p| p.n_pings),
            last_ping_at: ping.and_then(|p| p.last_ping_at),
            last_duration_ms: ping.and_then(|p| p.last_duration_ms),
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

    /// Writes the states waiting (none: no statement) and empties the list.
    pub(crate) fn write(&mut self, c: &mut diesel::PgConnection) -> QueryResult<usize> {
        if self.states.is_empty() {
            return Ok(0);
        }
        let s = std::mem::take(&mut self.states);
        self.by_id.clear();
        UpdateStates::of(s).execute(c)
    }
}

/// One `UPDATE` for the states of many monitors, the same columns `SaveState` writes
/// (crate::base::statements), each column an array.
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

/// Its statement cache key.
struct UpdateStatesId;

impl QueryId for UpdateStates {
    type QueryId = UpdateStatesId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl RunQueryDsl<diesel::PgConnection> for UpdateStates {}

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
