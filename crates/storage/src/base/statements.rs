//! Hand-written statements of the ingest hot path. Diesel never caches a prepared
//! `UPDATE` (its changesets may skip `None` fields, so the SQL can vary), and a query run
//! through the `MultiConnection` enum re-serialises its SQL on every execution. The one
//! update every ping and every flip makes is written here with a fixed shape and a
//! static query id, and run on the inner connection, so each backend prepares it once
//! per connection.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Bool, HasSqlType, Integer, Nullable, Text};
use diesel::{QueryResult, RunQueryDsl};

use crate::base::models::{MonitorStateColumns, PingColumns};

/// Runs the same expression on whichever backend `c` holds, so a query built with the
/// DSL executes on the inner connection (cached by type) instead of through the enum.
macro_rules! on_inner {
    ($c:expr, |$conn:ident| $body:expr) => {
        match $c {
            $crate::base::conn::AnyConnection::Postgresql($conn) => $body,
            $crate::base::conn::AnyConnection::Sqlite($conn) => $body,
        }
    };
}
pub(crate) use on_inner;

/// Runs an insert of one row on the inner connection and returns the new row's id:
/// `RETURNING id` on PostgreSQL, the plain insert and `last_insert_rowid()` on SQLite,
/// where `RETURNING` is run as a trigger and so copies every page the insert touches
/// into a statement journal first (10 % of the writer in a burst, docs/benchmarks.md
/// "Session 20").
macro_rules! insert_id {
    ($c:expr, $insert:expr, $id:expr) => {
        match $c {
            $crate::base::conn::AnyConnection::Postgresql(inner) => {
                $insert.returning($id).get_result::<i64>(inner)
            }
            $crate::base::conn::AnyConnection::Sqlite(inner) => $insert
                .execute(inner)
                .and_then(|_| $crate::base::statements::last_rowid(inner)),
        }
    };
}
pub(crate) use insert_id;

diesel::define_sql_function! {
    /// SQLite's id of the row the connection inserted last.
    fn last_insert_rowid() -> diesel::sql_types::BigInt;
}

/// The id of the row this SQLite connection inserted last (one prepared statement).
pub(crate) fn last_rowid(c: &mut diesel::SqliteConnection) -> diesel::QueryResult<i64> {
    diesel::select(last_insert_rowid()).get_result(c)
}

/// A query whose SQL text never varies, prepared once per connection under the cache
/// key `K`. Diesel prepares every `UPDATE` again on each run, since a changeset may
/// skip `None` fields; an update built from fixed column lists (no `Option<Eq>`) has
/// one text, and the notifier runs one per claimed and per delivered message.
pub(crate) struct Fixed<Q, K>(pub(crate) Q, std::marker::PhantomData<K>);

/// Wraps `query`, whose SQL must be the same on every run, to be cached under `K`.
pub(crate) fn fixed<Q, K>(query: Q) -> Fixed<Q, K> {
    Fixed(query, std::marker::PhantomData)
}

impl<Q, K: 'static> QueryId for Fixed<Q, K> {
    type QueryId = K;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<Q: QueryFragment<DB>, K, DB: Backend> QueryFragment<DB> for Fixed<Q, K> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q, K, Conn> RunQueryDsl<Conn> for Fixed<Q, K> {}

/// `UPDATE monitors SET <state>, <ping counters>, updated_at WHERE id = ?`. Ping
/// counters left `None` keep their stored value (`COALESCE`), which is what a flip made
/// by the scheduler needs.
pub(crate) struct SaveState<'a> {
    pub(crate) id: &'a str,
    pub(crate) state: &'a MonitorStateColumns,
    pub(crate) n_pings: Option<i64>,
    pub(crate) last_ping_at: Option<i64>,
    pub(crate) last_duration_ms: Option<i64>,
    pub(crate) updated_at: i64,
}

impl<'a> SaveState<'a> {
    /// The update for a transition, with the ping's counters when a ping caused it.
    pub(crate) fn new(
        id: &'a str,
        state: &'a MonitorStateColumns,
        ping: Option<&PingColumns>,
        updated_at: i64,
    ) -> SaveState<'a> {
        SaveState {
            id,
            state,
            n_pings: ping.map(|p| p.n_pings),
            last_ping_at: ping.and_then(|p| p.last_ping_at),
            last_duration_ms: ping.and_then(|p| p.last_duration_ms),
            updated_at,
        }
    }
}

/// The statement cache key of [`SaveState`] (one SQL text for every execution).
pub(crate) struct SaveStateId;

impl QueryId for SaveState<'_> {
    type QueryId = SaveStateId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<DB> QueryFragment<DB> for SaveState<'_>
where
    DB: Backend + HasSqlType<BigInt> + HasSqlType<Text> + HasSqlType<Integer> + HasSqlType<Bool>,
    i64: ToSql<BigInt, DB>,
    bool: ToSql<Bool, DB>,
    i32: ToSql<Integer, DB>,
    Option<i64>: ToSql<Nullable<BigInt>, DB>,
    str: ToSql<Text, DB>,
    String: ToSql<Text, DB>,
    Option<String>: ToSql<Nullable<Text>, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let s = self.state;
        out.push_sql("UPDATE monitors SET status = ");
        out.push_bind_param::<Text, _>(&s.status)?;
        out.push_sql(", down_reason = ");
        out.push_bind_param::<Nullable<Text>, _>(&s.down_reason)?;
        out.push_sql(", down_detail = ");
        out.push_bind_param::<Nullable<Text>, _>(&s.down_detail)?;
        out.push_sql(", warned = ");
        out.push_bind_param::<Bool, _>(&s.warned)?;
        out.push_sql(", links = ");
        out.push_bind_param::<Text, _>(&s.links)?;
        out.push_sql(", last_success_at = ");
        out.push_bind_param::<Nullable<BigInt>, _>(&s.last_success_at)?;
        out.push_sql(", run_started_at = ");
        out.push_bind_param::<Nullable<BigInt>, _>(&s.run_started_at)?;
        out.push_sql(", next_due_at = ");
        out.push_bind_param::<Nullable<BigInt>, _>(&s.next_due_at)?;
        out.push_sql(", deadline_at = ");
        out.push_bind_param::<Nullable<BigInt>, _>(&s.deadline_at)?;
        out.push_sql(", deadline_kind = ");
        out.push_bind_param::<Nullable<Text>, _>(&s.deadline_kind)?;
        out.push_sql(", fail_streak = ");
        out.push_bind_param::<Integer, _>(&s.fail_streak)?;
        out.push_sql(", success_streak = ");
        out.push_bind_param::<Integer, _>(&s.success_streak)?;
        out.push_sql(", n_pings = COALESCE(");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.n_pings)?;
        out.push_sql(", n_pings), last_ping_at = COALESCE(");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.last_ping_at)?;
        out.push_sql(", last_ping_at), last_duration_ms = COALESCE(");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.last_duration_ms)?;
        out.push_sql(", last_duration_ms), updated_at = ");
        out.push_bind_param::<BigInt, _>(&self.updated_at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<Text, _>(self.id)?;
        Ok(())
    }
}

impl<Conn> RunQueryDsl<Conn> for SaveState<'_> {}
