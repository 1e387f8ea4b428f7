//! What a burst of flips writes at the end of its job, on PostgreSQL
//! (docs/architecture.md, "A burst of flips"): the monitors' states, the flips, the
//! alerts, the acknowledgement tokens and the outbox rows of a deadline job wait here and
//! go out as one statement per table ([`crate::base::unnest`]), instead of five round
//! trips per flip. An alert's id is taken from its sequence beforehand (a block at a
//! time), so its messages can name it before it is written.
//!
//! Nothing inside the job reads these rows back, except where a flip asks about other
//! alerts or messages (a resolution, a paging channel's cap, an upstream's state, a
//! dependent): those call [`crate::base::tx::Tx::flush_later`] first, so every read
//! inside the transaction still sees every write before it.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::base::models::{MonitorStateColumns, PingColumns};
use crate::base::unnest::{InsertAlerts, InsertFlips, InsertOutbox, InsertTokens, States};
use crate::StoreError;

/// Alert ids taken from the sequence at a time (the unused rest of a block is a gap in
/// the ids, as a rolled-back insert leaves).
const ID_BLOCK: i64 = 256;

/// The rows a deadline job appends, waiting for its end.
#[derive(Default)]
pub(crate) struct Later {
    /// Alert ids taken from the sequence and not used yet, next first.
    ids: std::collections::VecDeque<i64>,
    /// Monitors' states.
    pub(crate) states: States,
    /// Status changes.
    pub(crate) flips: InsertFlips,
    /// Alerts, with their ids.
    pub(crate) alerts: InsertAlerts,
    /// Acknowledgement tokens.
    pub(crate) tokens: InsertTokens,
    /// Messages.
    pub(crate) outbox: InsertOutbox,
    /// Report counters: written at the job's end only (nothing in a job reads them),
    /// summed per key over the whole job.
    pub(crate) tallies: crate::base::tallies::Tallies,
}

impl Later {
    /// An id for a new alert.
    pub(crate) fn alert_id(&mut self, c: &mut diesel::PgConnection) -> Result<i64, StoreError> {
        if self.ids.is_empty() {
            #[derive(QueryableByName)]
            struct Next {
                #[diesel(sql_type = BigInt)]
                id: i64,
            }
            let block: Vec<Next> = diesel::sql_query(
                // The identity's sequence by its name, a constant: looked up once
                // per statement, not once per id.
                "SELECT nextval('alerts_id_seq') AS id FROM generate_series(1, $1)",
            )
            .bind::<BigInt, _>(ID_BLOCK)
            .load(c)?;
            let mut ids: Vec<i64> = block.into_iter().map(|n| n.id).collect();
            ids.sort_unstable();
            self.ids.extend(ids);
        }
        self.ids
            .pop_front()
            .ok_or_else(|| StoreError::Internal("no alert id from the sequence".into()))
    }

    /// Monitor `id`'s new state (`ping`: its counters, `None` leaves them as stored).
    pub(crate) fn state(
        &mut self,
        id: &str,
        cols: MonitorStateColumns,
        ping: Option<&PingColumns>,
        now: i64,
    ) {
        self.states.set(id, cols, ping, now);
    }

    /// How many rows wait.
    pub(crate) fn len(&self) -> usize {
        self.states.len()
            + self.flips.len()
            + self.alerts.len()
            + self.tokens.len()
            + self.outbox.len()
    }

    /// Writes what waits, one statement per table that has rows: states, flips, alerts,
    /// tokens, messages, and at the job's end (`end`) the report counters.
    pub(crate) fn write(
        &mut self,
        c: &mut diesel::PgConnection,
        end: bool,
    ) -> Result<(), StoreError> {
        self.states.write(c)?;
        self.flips.write(c)?;
        self.alerts.write(c)?;
        self.tokens.write(c)?;
        self.outbox.write(c)?;
        if end {
            self.tallies.write(c)?;
        }
        Ok(())
    }
}
