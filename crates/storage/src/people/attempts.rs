//! Attempts at a password or a token, counted in the database so that every instance
//! shares one count (docs/security.md, "Sign-in limits"). An attempt is *reserved*
//! before the password is checked: the count only rises while it is under the limit, in
//! the one write transaction, so parallel guesses cannot all slip past one check.

use diesel::prelude::*;

use crate::base::schema::auth_attempts;
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// Counters are kept at most this long (longer than any window).
pub const FORGET_MS: i64 = 86_400_000;

/// One counter: its key (e.g. `ip 203.0.113.0`) and how many attempts a window allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// The counter's key.
    pub key: String,
    /// Attempts allowed per window.
    pub limit: i64,
}

/// Reserves one attempt in every bucket, or refuses them all: `Limited` (with the
/// seconds until the fullest bucket's window ends) when any is at its limit, and then
/// nothing is counted. Counters of ended windows start again at zero.
pub fn reserve(
    tx: &mut Tx<'_>,
    buckets: &[Bucket],
    window_ms: i64,
    refusal: &str,
) -> Result<(), StoreError> {
    let now = tx.now();
    let c = tx.conn();
    // Counters older than any window are forgotten (an index range, not a scan of the
    // table). This is the only clean-up: no counter is dropped while its window runs.
    diesel::delete(auth_attempts::table.filter(auth_attempts::window_start.le(now.0 - FORGET_MS)))
        .execute(c)?;
    for b in buckets {
        let row = (
            auth_attempts::bucket.eq(&b.key),
            auth_attempts::attempts.eq(0_i64),
            auth_attempts::window_start.eq(now.0),
        );
        // The multi-backend connection has no upsert: each backend's own.
        match c {
            AnyConnection::Postgresql(pg) => diesel::insert_into(auth_attempts::table)
                .values(row)
                .on_conflict_do_nothing()
                .execute(pg)?,
            AnyConnection::Sqlite(lite) => diesel::insert_into(auth_attempts::table)
                .values(row)
                .on_conflict_do_nothing()
                .execute(lite)?,
        };
        // A window that has ended starts again at zero.
        diesel::update(
            auth_attempts::table
                .filter(auth_attempts::bucket.eq(&b.key))
                .filter(auth_attempts::window_start.le(now.0 - window_ms)),
        )
        .set((
            auth_attempts::attempts.eq(0_i64),
            auth_attempts::window_start.eq(now.0),
        ))
        .execute(c)?;
        // Conditional: between instances on PostgreSQL the row lock makes the second
        // updater re-check `attempts < limit` against the first one's count.
        let n = diesel::update(
            auth_attempts::table
                .filter(auth_attempts::bucket.eq(&b.key))
                .filter(auth_attempts::attempts.lt(b.limit)),
        )
        .set(auth_attempts::attempts.eq(auth_attempts::attempts + 1))
        .execute(c)?;
        if n == 0 {
            let start: i64 = auth_attempts::table
                .filter(auth_attempts::bucket.eq(&b.key))
                .select(auth_attempts::window_start)
                .first(c)?;
            let wait = overdue_core::attempts::wait_secs(start, window_ms, now);
            // An error rolls the transaction back: the buckets counted before this one
            // are not charged for an attempt that was refused.
            return Err(StoreError::Limited(
                format!("{refusal}; try again in {wait} s"),
                wait,
            ));
        }
    }
    Ok(())
}

/// Gives a reserved attempt back (it succeeded): the bucket counts only failures.
pub fn release(tx: &mut Tx<'_>, key: &str) -> Result<(), StoreError> {
    diesel::update(
        auth_attempts::table
            .filter(auth_attempts::bucket.eq(key))
            .filter(auth_attempts::attempts.gt(0_i64)),
    )
    .set(auth_attempts::attempts.eq(auth_attempts::attempts - 1))
    .execute(tx.conn())?;
    Ok(())
}

/// Forgets a bucket (a right password clears that account's failures from there).
pub fn forget(tx: &mut Tx<'_>, key: &str) -> Result<(), StoreError> {
    diesel::delete(auth_attempts::table.filter(auth_attempts::bucket.eq(key)))
        .execute(tx.conn())?;
    Ok(())
}

/// A password or token attempt succeeded: the address gets its reserved attempt back
/// ([`release`]) and, when it named an account, that account's failures are forgotten.
pub fn succeeded(tx: &mut Tx<'_>, address: &str, account: Option<&str>) -> Result<(), StoreError> {
    release(tx, address)?;
    match account {
        Some(key) => forget(tx, key),
        None => Ok(()),
    }
}
