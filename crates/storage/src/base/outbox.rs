//! The outbox: notifications written with the change that caused them, claimed by one
//! worker at a time (a lease, so any instance may deliver and a dead one's claims
//! expire), delivered in order per (channel, monitor), retried with backoff.
//!
//! Alert messages go to a channel; account mail (a password reset, an invitation, an
//! address confirmation: docs/security.md, "Account mail") goes to one address and no
//! channel. Its link is a credential: the stored payload holds it apart from the text
//! ([`LINK`] in the body), and loses it once the mail is sent or given up.

use diesel::dsl::exists;
use diesel::prelude::*;
use overdue_core::Timestamp;

use crate::base::models::OutboxRow;
use crate::base::schema::{deliveries, outbox};
use crate::base::statements::{fixed, on_inner};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// How long delivery of one notification is retried.
pub const GIVE_UP_AFTER_MS: i64 = 24 * 3_600_000;

/// An entry no worker holds: pending, and never claimed or its claim expired at `now`
/// (what a claim's conditional update asks, for one row or many).
#[diesel::dsl::auto_type]
fn unheld(now: i64) -> _ {
    let pending: &'static str = "pending";
    outbox::state.eq(pending).and(
        outbox::locked_until
            .is_null()
            .or(outbox::locked_until.lt(now)),
    )
}

/// A claim: held by worker `me` until `until`.
#[diesel::dsl::auto_type]
fn lease<'a>(me: &'a str, until: i64) -> _ {
    (outbox::locked_by.eq(me), outbox::locked_until.eq(until))
}

/// A delivered entry's columns: sent at `now`, one attempt more, no claim, no error
/// (recorded by the worker holding it, so no one changed its attempts meanwhile).
#[diesel::dsl::auto_type]
fn delivered(now: i64) -> _ {
    let state: &'static str = "sent";
    let one: i32 = 1;
    let unlocked: Option<i64> = None;
    let no_error: Option<String> = None;
    (
        outbox::state.eq(state),
        outbox::attempts.eq(outbox::attempts + one),
        outbox::done_at.eq(now),
        outbox::locked_until.eq(unlocked),
        outbox::last_error.eq(no_error),
    )
}

/// Claims up to `limit` deliverable entries for worker `me`. An entry is deliverable
/// when it is pending, due, unclaimed (or its claim expired), and no older entry for
/// the same channel and monitor is still pending (order per destination; one-off
/// entries without a monitor, such as test messages, are not ordered). A claim lasts
/// `lease_ms`: when the worker dies, another takes its entries over after that.
pub fn claim(
    tx: &mut Tx<'_>,
    me: &str,
    limit: i64,
    lease_ms: i64,
) -> Result<Vec<OutboxRow>, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    if let AnyConnection::Postgresql(pg) = &mut *c {
        // Planned for the outbox as it is now, not as it was when the statement was
        // first prepared: a generic plan made while the outbox was empty joins it to
        // itself by sequential scans, and a burst of 10,000 pending rows then took 45 s
        // per claim (found by `overdue-bench notify`). For this transaction only.
        diesel::sql_query("SET LOCAL plan_cache_mode = force_custom_plan").execute(pg)?;
        // A claim is a lease: one lost with a crash of the database leaves its rows
        // pending and unclaimed, delivered later, so its commit need not wait for the
        // disk (the delivery's record still does).
        diesel::sql_query("SET LOCAL synchronous_commit = off").execute(pg)?;
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
    let due = outbox::table
        .filter(outbox::state.eq("pending"))
        .filter(outbox::next_attempt_at.le(now.0))
        .filter(
            outbox::locked_until
                .is_null()
                .or(outbox::locked_until.lt(now.0)),
        )
        .filter(diesel::dsl::not(exists(blocked)))
        // The index order (outbox_claim): no sort however many are pending.
        .order((outbox::next_attempt_at.asc(), outbox::id.asc()));
    let candidates: Vec<OutboxRow> = match &mut *c {
        AnyConnection::Postgresql(pg) => {
            due.select(OutboxRow::as_select()).limit(limit).load(pg)?
        }
        // SQLite steps the index lazily, so taking `limit` rows reads no more; a bound
        // `LIMIT ?` made it prepare the statement again on every claim.
        AnyConnection::Sqlite(lite) => due
            .select(OutboxRow::as_select())
            .load_iter::<OutboxRow, diesel::connection::DefaultLoadingMode>(lite)?
            .take(usize::try_from(limit).unwrap_or(0))
            .collect::<Result<_, _>>()?,
    };
    let mut claimed = Vec::new();
    // Rows are locked in id order, as the notifier records them: two
    // transactions of the outbox never wait on each other in a circle (a long burst,
    // whose leases expire while deliveries are recorded, deadlocked them otherwise).
    let mut candidates = candidates;
    candidates.sort_by_key(|r| r.id);
    if let AnyConnection::Postgresql(pg) = &mut *c {
        // One conditional update for all: `id = ANY(…)` walks the primary key in id
        // order, so the locks keep that order too. Planned once for any values: a plan
        // made for these values sees `state = 'pending'` and, with statistics from
        // before a burst, ANDs the primary key with all of `outbox_claim`, which then
        // held 100,000 rows: 4 ms a claim, a tenth of the database's time in a burst
        // (docs/benchmarks.md, "Session 23").
        diesel::sql_query("SET LOCAL plan_cache_mode = force_generic_plan").execute(pg)?;
        let ids: Vec<i64> = candidates.iter().map(|r| r.id).collect();
        let won: std::collections::HashSet<i64> = diesel::update(
            outbox::table
                .filter(outbox::id.eq_any(&ids))
                .filter(unheld(now.0)),
        )
        .set(lease(me, now.0 + lease_ms))
        .returning(outbox::id)
        .get_results::<i64>(pg)?
        .into_iter()
        .collect();
        candidates.retain(|r| won.contains(&r.id));
        claimed = candidates;
        claimed.sort_by_key(|r| (r.next_attempt_at, r.id));
        return Ok(claimed);
    }
    for row in candidates {
        // The conditional update is the claim: only one worker changes the row.
        let claim = fixed::<_, ClaimOne>(
            diesel::update(
                outbox::table
                    .filter(outbox::id.eq(row.id))
                    .filter(unheld(now.0)),
            )
            .set(lease(me, now.0 + lease_ms)),
        );
        // On the inner connection: prepared once, not per row.
        let n = on_inner!(c, |inner| claim.execute(inner))?;
        if n == 1 {
            claimed.push(row);
        }
    }
    claimed.sort_by_key(|r| (r.next_attempt_at, r.id));
    Ok(claimed)
}

/// Gives back entries `me` claimed and did not start to deliver, so they can be claimed
/// again at once rather than when their lease ends (the notifier claims a lot ahead of
/// its free slots and gives back what waited too long for one). Returns how many.
pub fn release(tx: &mut Tx<'_>, me: &str, ids: &[i64]) -> Result<usize, StoreError> {
    let nobody: Option<String> = None;
    let unlocked: Option<i64> = None;
    let n = diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .filter(outbox::locked_by.eq(me))
            .filter(outbox::state.eq("pending")),
    )
    .set((
        outbox::locked_by.eq(nobody),
        outbox::locked_until.eq(unlocked),
    ))
    .execute(tx.conn())?;
    Ok(n)
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
/// Only the worker holding the claim may record. A channel's attempt is also logged in
/// `deliveries` (what admins read per channel), and so is a summary e-mail's (in the
/// project's log); account mail is recorded on its row alone, and its link is dropped once it is sent or given up. Alert messages are
/// recorded through `alerting::channel_health::record_all`, which also follows the
/// channel's health.
pub fn record(
    tx: &mut Tx<'_>,
    row: &OutboxRow,
    me: &str,
    attempt: &Attempt,
    base_ms: i64,
) -> Result<(), StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let attempts = row.attempts + 1;
    // Each statement on the inner connection, prepared once (a burst records
    // thousands of attempts a second).
    // A summary e-mail is logged for its project under an id no channel has.
    let logged_as = match (&row.channel_id, &row.project_id) {
        (Some(channel), _) => Some(channel.clone()),
        (None, Some(project)) if row.event == REPORT_MAIL => Some(summary_log_id(project)),
        _ => None,
    };
    if let Some(channel) = &logged_as {
        let log = diesel::insert_into(deliveries::table).values((
            deliveries::outbox_id.eq(row.id),
            deliveries::channel_id.eq(channel),
            deliveries::attempt.eq(attempts),
            deliveries::attempted_at.eq(now.0),
            deliveries::status_code.eq(attempt.status_code),
            deliveries::error.eq(&attempt.error),
            deliveries::duration_ms.eq(attempt.duration_ms),
        ));
        on_inner!(c, |inner| log.execute(inner))?;
    }
    let c = tx.conn();
    let mine = outbox::table
        .filter(outbox::id.eq(row.id))
        .filter(outbox::locked_by.eq(me));
    if attempt.ok {
        forget_link(c, row)?;
        let sent = fixed::<_, RecordSent>(diesel::update(mine).set(delivered(now.0)));
        on_inner!(c, |inner| sent.execute(inner))?;
        return Ok(());
    }
    let shift = attempts.clamp(0, 30) as u32 - 1;
    let delay = base_ms
        .saturating_mul(1_i64 << shift.min(30))
        .min(3_600_000)
        .max(attempt.retry_after_ms.unwrap_or(0).min(GIVE_UP_AFTER_MS));
    let next = now.0 + delay;
    let give_up = attempt.permanent || next > row.created_at + GIVE_UP_AFTER_MS;
    if give_up {
        forget_link(c, row)?;
    }
    let retry = fixed::<_, RecordFailed>(diesel::update(mine).set((
        outbox::state.eq(if give_up { "failed" } else { "pending" }),
        outbox::attempts.eq(attempts),
        outbox::next_attempt_at.eq(next),
        outbox::locked_until.eq(None::<i64>),
        outbox::last_error.eq(&attempt.error),
        outbox::done_at.eq(if give_up { Some(now.0) } else { None }),
    )));
    on_inner!(c, |inner| retry.execute(inner))?;
    Ok(())
}

/// Cache keys of the notifier's one-row updates ([`fixed`]).
struct ClaimOne;
/// See [`ClaimOne`].
struct RecordSent;
/// See [`ClaimOne`].
struct RecordFailed;

/// Records successful attempts of alert messages (each with a channel) as [`record`]
/// does, in two statements for all of them on PostgreSQL: one insert into the delivery
/// log, one update of the rows this worker holds (`id = ANY(…)`: locked in id order, as
/// claims lock them). Other rows and SQLite go one by one through [`record`].
pub fn record_sent(
    tx: &mut Tx<'_>,
    sent: &[&(OutboxRow, Attempt)],
    me: &str,
) -> Result<(), StoreError> {
    let now = tx.now();
    let AnyConnection::Postgresql(pg) = tx.conn() else {
        return Err(StoreError::Internal(
            "set-based records are PostgreSQL's".into(),
        ));
    };
    let mut log = crate::base::unnest::InsertDeliveries::default();
    let mut ids = Vec::with_capacity(sent.len());
    for (row, attempt) in sent {
        let Some(channel) = &row.channel_id else {
            return Err(StoreError::Internal("a message without a channel".into()));
        };
        log.outbox_id.push(row.id);
        log.channel_id.push(channel.clone());
        log.attempt.push(row.attempts + 1);
        log.attempted_at.push(now.0);
        log.status_code.push(attempt.status_code);
        log.error.push(attempt.error.clone());
        log.duration_ms.push(attempt.duration_ms);
        ids.push(row.id);
    }
    ids.sort_unstable();
    log.write(pg)?;
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(&ids))
            .filter(outbox::locked_by.eq(me)),
    )
    .set(delivered(now.0))
    .execute(pg)?;
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

/// Outbox rows by id (a channel test waits for its own).
pub fn get_many(c: &mut AnyConnection, ids: &[i64]) -> Result<Vec<OutboxRow>, StoreError> {
    Ok(outbox::table
        .filter(outbox::id.eq_any(ids))
        .order(outbox::id.asc())
        .select(OutboxRow::as_select())
        .load(c)?)
}

/// The event of account mail rows (their `event` column).
pub const ACCOUNT_MAIL: &str = "account.mail";

/// The event of a project's summary e-mail rows (docs/behaviour.md, "The report by
/// e-mail").
pub const REPORT_MAIL: &str = "report.mail";

/// The `channel_id` the summary e-mails of `project` are logged under in `deliveries`:
/// no channel has it (channel ids are UUIDs).
pub fn summary_log_id(project: &str) -> String {
    format!("report-mail:{project}")
}

/// Where an account mail's link goes in its body: control characters, which no name,
/// address or text of ours may hold (a project named `{link}` stays a name).
pub const LINK: &str = "\u{1}link\u{1}";

/// An e-mail about someone's account, as the outbox keeps it: the body says [`LINK`]
/// where the link goes, and the link is kept apart so that it can be dropped.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AccountMail {
    /// The one address it goes to.
    pub to: String,
    /// Its subject.
    pub subject: String,
    /// Its text, with [`LINK`] where the link goes.
    pub body: String,
    /// The link (a credential); `None` once the mail was sent or given up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl AccountMail {
    /// The text as sent, the link in its place; `None` when the body wants a link that
    /// was dropped (it cannot be sent again).
    pub fn text(&self) -> Option<String> {
        match &self.link {
            Some(link) => Some(self.body.replace(LINK, link)),
            None if self.body.contains(LINK) => None,
            None => Some(self.body.clone()),
        }
    }
}

/// Queues account mail (docs/security.md, "Account mail"), in the unit of work that
/// made its link: durable, retried like alert messages, recorded on its row. `kind`
/// names it (`reset`, `invitation`, `join`), `project` is the one it is about, if any.
pub fn enqueue_mail(
    tx: &mut Tx<'_>,
    kind: &str,
    project: Option<&str>,
    mail: &AccountMail,
) -> Result<(), StoreError> {
    let now = tx.now();
    let payload = serde_json::to_string(mail)
        .map_err(|e| StoreError::Internal(format!("account mail: {e}")))?;
    diesel::insert_into(outbox::table)
        .values((
            outbox::project_id.eq(project),
            outbox::channel_id.eq(None::<String>),
            outbox::monitor_id.eq(None::<String>),
            outbox::event.eq(ACCOUNT_MAIL),
            outbox::payload.eq(payload),
            outbox::idempotency_key.eq(format!("{kind}-{}", uuid::Uuid::new_v4())),
            outbox::created_at.eq(now.0),
            outbox::state.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now.0),
            outbox::recipient.eq(&mail.to),
        ))
        .execute(tx.conn())?;
    tx.fx.notifications += 1;
    Ok(())
}

/// The account mail sent (or being sent) to `address`, newest first: what an operator
/// reads when someone says the mail never came (its state, tries and last error; the
/// link is gone once it was sent).
pub fn mail_to(c: &mut AnyConnection, address: &str) -> Result<Vec<OutboxRow>, StoreError> {
    Ok(outbox::table
        .filter(outbox::event.eq(ACCOUNT_MAIL))
        .filter(outbox::recipient.eq(address))
        .order(outbox::id.desc())
        .select(OutboxRow::as_select())
        .load(c)?)
}

/// Drops the link of an account mail row (sent, or given up): the database keeps what
/// was sent to whom, never a working credential.
fn forget_link(c: &mut AnyConnection, row: &OutboxRow) -> Result<(), StoreError> {
    if row.channel_id.is_some() || row.event != ACCOUNT_MAIL {
        return Ok(());
    }
    let Ok(mut mail) = serde_json::from_str::<AccountMail>(&row.payload) else {
        return Ok(());
    };
    mail.link = None;
    let payload = serde_json::to_string(&mail)
        .map_err(|e| StoreError::Internal(format!("account mail: {e}")))?;
    diesel::update(outbox::table.filter(outbox::id.eq(row.id)))
        .set(outbox::payload.eq(payload))
        .execute(c)?;
    Ok(())
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
            claim(&mut tx, me, 10, 1_000)
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

    /// Given back, an entry is claimable at once; another worker's claim is not given
    /// back by this one.
    #[test]
    fn entries_given_back_are_claimed_again_at_once() {
        let mut c = DbUrl::Sqlite(":memory:".into()).connect().unwrap();
        crate::migrate(&mut c).unwrap();
        pending(&mut c, 1, "chat", "m1");
        pending(&mut c, 2, "mail", "m1");
        assert_eq!(claim_as(&mut c, "a", 10), vec![1, 2]);
        let given = write_tx(&mut c, |c| {
            let mut tx = Tx::new(c, Timestamp(11), crate::base::caps::Caps::default());
            release(&mut tx, "b", &[1, 2])?;
            release(&mut tx, "a", &[2])
        })
        .unwrap();
        assert_eq!(given, 1);
        assert_eq!(claim_as(&mut c, "b", 20), vec![2]);
    }

    #[test]
    fn account_mail_keeps_its_link_until_sent_and_never_after() {
        let mut c = DbUrl::Sqlite(":memory:".into()).connect().unwrap();
        crate::migrate(&mut c).unwrap();
        let mail = AccountMail {
            to: "ann@example.com".into(),
            subject: "Reset".into(),
            body: format!("Open {LINK} within an hour"),
            link: Some("https://o.example/reset/odr_secret".into()),
        };
        write_tx(&mut c, |c| {
            let mut tx = Tx::new(c, Timestamp(5), crate::base::caps::Caps::default());
            enqueue_mail(&mut tx, "reset", None, &mail)
        })
        .unwrap();
        let rows = write_tx(&mut c, |c| {
            let mut tx = Tx::new(c, Timestamp(10), crate::base::caps::Caps::default());
            claim(&mut tx, "a", 10, 1_000)
        })
        .unwrap();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(
            (row.channel_id.as_deref(), row.project_id.as_deref()),
            (None, None)
        );
        assert_eq!(row.recipient, "ann@example.com");
        let kept: AccountMail = serde_json::from_str(&row.payload).unwrap();
        assert_eq!(
            kept.text().as_deref(),
            Some("Open https://o.example/reset/odr_secret within an hour")
        );
        // A failed try keeps the link (it is retried), a success drops it.
        let mut attempt = Attempt {
            status_code: None,
            error: Some("relay down".into()),
            duration_ms: 1,
            ok: false,
            permanent: false,
            retry_after_ms: None,
        };
        write_tx(&mut c, |c| {
            let mut tx = Tx::new(c, Timestamp(20), crate::base::caps::Caps::default());
            record(&mut tx, row, "a", &attempt, 1_000)
        })
        .unwrap();
        let stored = get_many(&mut c, &[row.id]).unwrap().remove(0);
        assert!(stored.payload.contains("odr_secret"));
        assert_eq!(stored.state, "pending");
        attempt.ok = true;
        attempt.error = None;
        let again = write_tx(&mut c, |c| {
            let mut tx = Tx::new(c, Timestamp(2_000), crate::base::caps::Caps::default());
            claim(&mut tx, "a", 10, 1_000)
        })
        .unwrap();
        write_tx(&mut c, |c| {
            let mut tx = Tx::new(c, Timestamp(2_001), crate::base::caps::Caps::default());
            record(&mut tx, &again[0], "a", &attempt, 1_000)
        })
        .unwrap();
        let stored = get_many(&mut c, &[row.id]).unwrap().remove(0);
        assert_eq!(stored.state, "sent");
        assert!(!stored.payload.contains("odr_secret"), "{}", stored.payload);
        let sent: AccountMail = serde_json::from_str(&stored.payload).unwrap();
        assert_eq!(
            sent.text(),
            None,
            "a mail whose link was dropped is never sent again"
        );
        // A name that looks like a placeholder is only a name.
        let named = AccountMail {
            to: "ann@example.com".into(),
            subject: "Join \"{link}\"".into(),
            body: "Join \"{link}\": sign in".into(),
            link: None,
        };
        assert_eq!(named.text().as_deref(), Some("Join \"{link}\": sign in"));
        let logged: i64 = crate::base::schema::deliveries::table
            .count()
            .get_result(&mut c)
            .unwrap();
        assert_eq!(logged, 0, "account mail is not in a channel's delivery log");
    }
}
