//! Status keys (docs/behaviour.md, "Pings"): one heartbeat URL per status — start,
//! success, fail — that records that status with a plain GET. A key is
//! `<status>_<32 hex digits>` (128 random bits): the credential, as a ping code is,
//! shown only to roles that may write. Handing keys out again replaces them.

use diesel::prelude::*;
use uuid::Uuid;

use crate::base::schema::{monitors, status_keys};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// The statuses a key may record, in the order they are shown.
pub const STATUSES: [&str; 3] = ["start", "success", "fail"];

/// Whether `text` has the form of a status key (its status, `_`, 32 hex digits).
pub fn looks_like_key(text: &str) -> bool {
    text.split_once('_').is_some_and(|(status, rest)| {
        STATUSES.contains(&status)
            && rest.len() == 32
            && rest.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// A monitor's keys, `(status, key)` in [`STATUSES`] order; empty when it has none.
pub fn of_monitor(
    c: &mut AnyConnection,
    monitor: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut keys: Vec<(String, String)> = status_keys::table
        .filter(status_keys::monitor_id.eq(monitor))
        .select((status_keys::status, status_keys::key))
        .load(c)?;
    keys.sort_by_key(|(s, _)| STATUSES.iter().position(|x| x == s));
    Ok(keys)
}

/// Hands out a new key per status to a monitor of `project`, replacing any it had.
pub fn hand_out(
    tx: &mut Tx<'_>,
    project: &str,
    monitor: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let now = tx.now();
    crate::monitoring::monitors::get(tx.conn(), project, monitor)?;
    let c = tx.conn();
    diesel::delete(status_keys::table.filter(status_keys::monitor_id.eq(monitor))).execute(c)?;
    for status in STATUSES {
        let key = format!("{status}_{}", Uuid::new_v4().simple());
        diesel::insert_into(status_keys::table)
            .values((
                status_keys::key.eq(&key),
                status_keys::monitor_id.eq(monitor),
                status_keys::status.eq(status),
                status_keys::created_at.eq(now.0),
            ))
            .execute(c)?;
    }
    of_monitor(c, monitor)
}

/// Takes back a monitor's keys (they stop working at once); also when it is deleted.
pub fn revoke(tx: &mut Tx<'_>, project: &str, monitor: &str) -> Result<(), StoreError> {
    crate::monitoring::monitors::get(tx.conn(), project, monitor)?;
    forget(tx.conn(), monitor)
}

/// Deletes a monitor's keys.
pub(crate) fn forget(c: &mut AnyConnection, monitor: &str) -> Result<(), StoreError> {
    diesel::delete(status_keys::table.filter(status_keys::monitor_id.eq(monitor))).execute(c)?;
    Ok(())
}

/// The monitor (its ping code) and the status a key records; `None` for no such key.
pub fn resolve(c: &mut AnyConnection, key: &str) -> Result<Option<(String, String)>, StoreError> {
    Ok(status_keys::table
        .inner_join(monitors::table.on(monitors::id.eq(status_keys::monitor_id)))
        .filter(status_keys::key.eq(key))
        .select((monitors::id, status_keys::status))
        .first(c)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::looks_like_key;

    #[test]
    fn the_form_of_a_key() {
        assert!(looks_like_key("start_0123456789abcdef0123456789abcdef"));
        assert!(looks_like_key("fail_0123456789abcdef0123456789abcdef"));
        for bad in [
            "warn_0123456789abcdef0123456789abcdef",
            "start_0123456789ABCDEF0123456789ABCDEF",
            "start_0123",
            "start-0123456789abcdef0123456789abcdef",
            "0123456789abcdef0123456789abcdef",
        ] {
            assert!(!looks_like_key(bad), "{bad}");
        }
    }
}
