//! The outbox: notifications written with the change that caused them, claimed by one
//! worker at a time (a lease, so any instance may deliver and a dead one's claims
//! expire), delivered in order per (channel, monitor), retried with backoff.

use diesel::dsl::exists;
use diesel::prelude::*;
use overdue_core::Timestamp;

use crate::base::models::OutboxRow;
use crate::base::schema::{deliveries, outbox};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// How long delivery of one notification is retried.
pub const GIVE_UP_AFTER_MS: i64 = 24 * 3_600_000;

/// Claims up to `limit` deliverable entries for worker `me`. An entry is deliverable
/// when it is pending, due, unclaimed (or its claim expired), and no older entry for
/// the same channel and monitor is still pending (order per destination; one-off
/// entries without a monitor, such as test messages, are not ordered). A claim lasts
/// `lease_ms`: when the worker dies, another takes its entries over after that.
pub fn claim(
    tx: &mut Tx<'_>,
    me: &str,
    now: Timestamp,
    limit: i64,
    lease_ms: i64,
) -> Result<Vec<OutboxRow>, StoreError> {
    let c = tx.conn();
    if let AnyConnection::Postgresql(pg) = &mut *c {
        // Planned for the outbox as it is now, not as it was when the statement was
        // first prepared: a generic plan made while the outbox was empty joins it to
        // itself by sequential scans, and a burst of 10,000 pending rows then took 45 s
        // per claim (found by `overdue-bench notify`). For this transaction only.
        diesel::sql_query("SET LOCAL plan_cache_mode = force_custom_plan").execute(pg)?;
    }
    // Order per destination: an entry waits while an older one for the same channel
    // and monitor is pending (in flight, or in backoff). Filtered in the query, so the
    // LIMIT counts claimable entries only and a blocked one never hides the rest.
    let older = diesel::alias!(outbox as older);
    let blocked = older
        .filter(older.field(outbox::state).eq("pending"))
        .filter(older.field(outbox::channel_id).eq(outbox::channel_id))
        .filter(older.field(outbox::monitor_id).eq(outbox::monitor_id))
        .filter(older.field(outbox::recipient).eq(outbox::recipient))
        .filter(older.field(outbox::id).lt(outbox::id));
    let candidates: Vec<OutboxRow> = outbox::table
        .filter(outbox::state.eq("pending"))
        .filter(outbox::next_attempt_at.le(now.0))
        .filter(
            outbox::locked_until
                .is_null()
                .or(outbox::locked_until.lt(now.0)),
        )
        .filter(diesel::dsl::not(exists(blocked)))
        // The index order (outbox_claim): no sort however many are pending.
        .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(c)?;
    let mut claimed = Vec::new();
    for row in candidates {
        // The conditional update is the claim: only one worker changes the row.
        let n = diesel::update(
            outbox::table
                .filter(outbox::id.eq(row.id))
                .filter(outbox::state.eq("pending"))
                .filter(
                    outbox::locked_until
                        .is_null()
                        .or(outbox::locked_until.lt(now.0)),
                ),
        )
        .set((
            outbox::locked_by.eq(me),
            outbox::locked_until.eq(now.0 + lease_ms),
        ))
        .execute(c)?;
        if n == 1 {
            claimed.push(row);
        }
    }
    Ok(claimed)
}

/// The result of one delivery attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// HTTP status, when a response arrived.
    pub status_code: Option<i32>,
    /// What went wrong, when it did.
    pub error: Option<String>,
    /// How long the attempt took.
    pub duration_ms: i64,
    /// The receiver accepted it.
    pub ok: bool,
    /// Retrying cannot help (refused address, bad template, a 404 or 410).
    pub permanent: bool,
    /// The receiver asked to wait this long before the next try (HTTP 429
    /// `Retry-After`); the backoff is never shorter.
    pub retry_after_ms: Option<i64>,
}

/// Records an attempt: done on success, else the next try after an exponential backoff
/// (`base_ms` doubled per attempt, at most an hour apart), failed after 24 hours.
/// Only the worker holding the claim may record.
pub fn record(
    tx: &mut Tx<'_>,
    row: &OutboxRow,
    me: &str,
    attempt: &Attempt,
    now: Timestamp,
    base_ms: i64,
) -> Result<(), StoreError> {
    let c = tx.conn();
    let attempts = row.attempts + 1;
    diesel::insert_into(deliveries::table)
        .values((
            deliveries::outbox_id.eq(row.id),
            deliveries::channel_id.eq(&row.channel_id),
            deliveries::attempt.eq(attempts),
            deliveries::attempted_at.eq(now.0),
            deliveries::status_code.eq(attempt.status_code),
            deliveries::error.eq(&attempt.error),
            deliveries::duration_ms.eq(attempt.duration_ms),
        ))
        .execute(c)?;
    // A channel that keeps failing raises its own alert; its next success resolves it.
    crate::alerting::channel_health::after_attempt(tx, &row.channel_id, attempt.ok, now)?;
    let c = tx.conn();
    let mine = outbox::table
        .filter(outbox::id.eq(row.id))
        .filter(outbox::locked_by.eq(me));
    if attempt.ok {
        diesel::update(mine)
            .set((
                outbox::state.eq("sent"),
                outbox::attempts.eq(attempts),
                outbox::done_at.eq(now.0),
                outbox::locked_until.eq(None::<i64>),
                outbox::last_error.eq(None::<String>),
            ))
            .execute(c)?;
        return Ok(());
    }
    let shift = attempts.clamp(0, 30) as u32 - 1;
    let delay = base_ms
        .saturating_mul(1_i64 << shift.min(30))
        .min(3_600_000)
        .max(attempt.retry_after_ms.unwrap_or(0).min(GIVE_UP_AFTER_MS));
    let next = now.0 + delay;
    let give_up = attempt.permanent || next > row.created_at + GIVE_UP_AFTER_MS;
    diesel::update(mine)
        .set((
            outbox::state.eq(if give_up { "failed" } else { "pending" }),
            outbox::attempts.eq(attempts),
            outbox::next_attempt_at.eq(next),
            outbox::locked_until.eq(None::<i64>),
            outbox::last_error.eq(&attempt.error),
            outbox::done_at.eq(if give_up { Some(now.0) } else { None }),
        ))
        .execute(c)?;
    Ok(())
}

/// The earliest time a pending entry becomes due, to sleep until then.
pub fn next_due(c: &mut AnyConnection) -> Result<Option<Timestamp>, StoreError> {
    let next: Option<i64> = outbox::table
        .filter(outbox::state.eq("pending"))
        .order(outbox::next_attempt_at.asc())
        .select(outbox::next_attempt_at)
        .first(c)
        .optional()?;
    Ok(next.map(Timestamp))
}

/// Writes a channel test: a one-shot alert (resolved at once) and its message to
/// channel `channel` of `project`. Returns the outbox rows written (one per recipient).
pub fn enqueue_test(
    tx: &mut Tx<'_>,
    project: &str,
    channel: &crate::base::models::ChannelRow,
    mut record: overdue_core::EventRecord,
) -> Result<Vec<i64>, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let alert = crate::alerting::alerts::open(
        c,
        crate::alerting::alerts::NewAlert {
            project,
            monitor: None,
            channel: None,
            flow: None,
            kind: overdue_core::AlertKind::Test,
            severity: "info",
            summary: record.headline(),
            unique: now.0.to_string(),
            problem_id: None,
        },
        now,
    )?;
    record.alert = Some(alert.note(overdue_core::Transition::Once, 1));
    let to = crate::alerting::messages::Target {
        project,
        channel: &channel.id,
        kind: &channel.kind,
        config: &channel.config,
        monitor: None,
    };
    crate::alerting::messages::write_message(tx.c, &to, &record, now, &mut tx.fx)
}

/// The payload of the first message about alert `alert` to (`channel`, `recipient`):
/// the message a later one answers (its subject, for e-mail threads).
pub fn first_message(
    c: &mut AnyConnection,
    alert: i64,
    channel: &str,
    recipient: &str,
) -> Result<Option<String>, StoreError> {
    Ok(outbox::table
        .filter(outbox::alert_id.eq(alert))
        .filter(outbox::channel_id.eq(channel))
        .filter(outbox::recipient.eq(recipient))
        .filter(outbox::transition.eq("trigger"))
        .order(outbox::id.asc())
        .select(outbox::payload)
        .first(c)
        .optional()?)
}

/// Outbox rows by id (a channel test waits for its own).
pub fn get_many(c: &mut AnyConnection, ids: &[i64]) -> Result<Vec<OutboxRow>, StoreError> {
    Ok(outbox::table
        .filter(outbox::id.eq_any(ids))
        .order(outbox::id.asc())
        .select(OutboxRow::as_select())
        .load(c)?)
}

/// The claim's conditional update, on an in-memory SQLite database.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::conn::{write_tx, DbUrl};

    fn pending(c: &mut AnyConnection, id: i64, channel: &str, monitor: &str) {
        diesel::sql_query(format!(
            "INSERT INTO outbox (id, project_id, channel_id, monitor_id, event, payload, \
             idempotency_key, created_at, state, attempts, next_attempt_at, recipient) \
             VALUES ({id}, 'p', '{channel}', '{monitor}', 'monitor.down', '{{}}', 'k{id}', 0, \
             'pending', 0, 0, '')"
        ))
        .execute(c)
        .unwrap();
    }

    fn claim_as(c: &mut AnyConnection, me: &str, now: i64) -> Vec<i64> {
        write_tx(c, |c| {
            let mut tx = Tx::new(c, Timestamp(now), crate::base::caps::Caps::default());
            claim(&mut tx, me, Timestamp(now), 10, 1_000)
        })
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
    }

    #[test]
    fn one_worker_claims_an_entry_in_order_per_destination_until_its_lease_ends() {
        let mut c = DbUrl::Sqlite(":memory:".into()).connect().unwrap();
        crate::migrate(&mut c).unwrap();
        pending(&mut c, 1, "chat", "m1");
        pending(&mut c, 2, "chat", "m1"); // waits for 1: same channel and monitor
        pending(&mut c, 3, "mail", "m1");
        assert_eq!(claim_as(&mut c, "a", 10), vec![1, 3]);
        // Claimed: nobody else gets them while the lease lasts.
        assert_eq!(claim_as(&mut c, "b", 20), Vec::<i64>::new());
        // The lease expired (worker a died): b takes them over, still in order.
        assert_eq!(claim_as(&mut c, "b", 2_000), vec![1, 3]);
    }
}
