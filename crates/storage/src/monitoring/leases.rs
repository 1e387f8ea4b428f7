//! Exclusive leases (docs/behaviour.md, "Exclusive leases"): one holder run per monitor at
//! a time. A grant returns a
//! fencing token that grows with every grant of the monitor; the holder's pings renew
//! it, its run's end releases it, and it expires after its ttl.

use diesel::prelude::*;
use overdue_core::{PingCode, Timestamp};

use crate::base::schema::{leases, monitors};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// The answer to a lock request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lock {
    /// Granted (or renewed, for the same holder).
    Granted {
        /// The fencing token.
        token: i64,
        /// Until when, unless renewed.
        expires_at: i64,
    },
    /// Another run holds it.
    Held {
        /// The holder's run id.
        rid: String,
        /// Until when.
        expires_at: i64,
    },
}

/// Grants `monitor`'s lease to run `rid` for `ttl_ms`, unless another live run holds it.
pub fn lock(tx: &mut Tx<'_>, code: PingCode, rid: &str, ttl_ms: i64) -> Result<Lock, StoreError> {
    let now = tx.now();
    let monitor = &code.monitor().to_string();
    let c = tx.conn();
    exists(c, monitor)?;
    let current: Option<(String, i64, i64)> = leases::table
        .find(monitor)
        .select((leases::rid, leases::token, leases::expires_at))
        .first(c)
        .optional()?;
    let expires_at = now.0 + ttl_ms;
    match current {
        Some((holder, _, until)) if holder != rid && until > now.0 => Ok(Lock::Held {
            rid: holder,
            expires_at: until,
        }),
        Some((holder, token, _)) => {
            // The same holder keeps its token; a new holder gets the next one.
            let token = if holder == rid { token } else { token + 1 };
            diesel::update(leases::table.find(monitor))
                .set((
                    leases::rid.eq(rid),
                    leases::token.eq(token),
                    leases::ttl_ms.eq(ttl_ms),
                    leases::expires_at.eq(expires_at),
                ))
                .execute(c)?;
            Ok(Lock::Granted { token, expires_at })
        }
        None => {
            diesel::insert_into(leases::table)
                .values((
                    leases::monitor_id.eq(monitor),
                    leases::rid.eq(rid),
                    leases::token.eq(1_i64),
                    leases::ttl_ms.eq(ttl_ms),
                    leases::expires_at.eq(expires_at),
                ))
                .execute(c)?;
            Ok(Lock::Granted {
                token: 1,
                expires_at,
            })
        }
    }
}

/// Releases the lease if `rid` holds it; returns whether it did. The row stays (expired)
/// so the next grant's token still grows.
pub fn unlock(tx: &mut Tx<'_>, code: PingCode, rid: &str) -> Result<bool, StoreError> {
    let now = tx.now();
    let monitor = &code.monitor().to_string();
    let c = tx.conn();
    exists(c, monitor)?;
    let n = diesel::update(
        leases::table
            .filter(leases::monitor_id.eq(monitor))
            .filter(leases::rid.eq(rid))
            .filter(leases::expires_at.gt(now.0)),
    )
    .set(leases::expires_at.eq(now.0))
    .execute(c)?;
    Ok(n > 0)
}

fn exists(c: &mut AnyConnection, monitor: &str) -> Result<(), StoreError> {
    let n: i64 = monitors::table
        .filter(monitors::id.eq(monitor))
        .count()
        .get_result(c)?;
    if n == 0 {
        return Err(StoreError::NotFound("monitor"));
    }
    Ok(())
}

/// A ping of run `rid`: an end releases its lease, anything else renews it for its ttl.
/// One indexed update, and only for pings that carry a run id.
pub(crate) fn touch(
    c: &mut AnyConnection,
    monitor: &str,
    rid: &str,
    ends: bool,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mine = leases::table
        .filter(leases::monitor_id.eq(monitor))
        .filter(leases::rid.eq(rid))
        .filter(leases::expires_at.gt(now.0));
    if ends {
        diesel::update(mine)
            .set(leases::expires_at.eq(now.0))
            .execute(c)?;
    } else {
        diesel::update(mine)
            .set(leases::expires_at.eq(leases::ttl_ms + now.0))
            .execute(c)?;
    }
    Ok(())
}
