//! Confirming an address before an account exists for it (docs/security.md,
//! "Invitations" and "Sign-up"): a newcomer who takes an invitation, or signs up where
//! the operator allows it, gets a link mailed to the address; only that link lets them
//! choose a password. The token is random, stored as
//! a SHA-256 hash, works for a day and once.

use diesel::prelude::*;
use overdue_core::Timestamp;

use crate::base::schema::address_confirmations as ac;
use crate::base::tx::Tx;
use crate::people::projects::{hash_key, random_text};
use crate::StoreError;

/// How long a confirmation link works.
pub const CONFIRM_MS: i64 = 86_400_000;

/// Within this time of a link to an address, asking again mails nothing new.
pub const CONFIRM_QUIET_MS: i64 = 60_000;

/// Makes a confirmation link's token for `email` joining through the invitation whose
/// token hashes to `invitation_hash` (`None`: signing up, for a project of its own);
/// `None` when a link went to that address in the
/// last [`CONFIRM_QUIET_MS`] (a form cannot flood a mailbox).
pub fn create(
    tx: &mut Tx<'_>,
    email: &str,
    invitation_hash: Option<&str>,
) -> Result<Option<String>, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let recent: i64 = ac::table
        .filter(ac::email.eq(email))
        .filter(ac::created_at.gt(now.0 - CONFIRM_QUIET_MS))
        .count()
        .get_result(c)?;
    if recent > 0 {
        return Ok(None);
    }
    diesel::delete(ac::table.filter(ac::expires_at.le(now.0))).execute(c)?;
    let token = format!("odc_{}", random_text(32));
    diesel::insert_into(ac::table)
        .values((
            ac::token_hash.eq(hash_key(&token)),
            ac::email.eq(email),
            ac::invitation_hash.eq(invitation_hash),
            ac::created_at.eq(now.0),
            ac::expires_at.eq(now.0 + CONFIRM_MS),
        ))
        .execute(c)?;
    Ok(Some(token))
}

/// A confirmation link that can still be used: the address and the invitation's hash
/// (`None` for a sign-up).
pub fn find(
    c: &mut crate::AnyConnection,
    token: &str,
    now: Timestamp,
) -> Result<(String, Option<String>), StoreError> {
    ac::table
        .filter(ac::token_hash.eq(hash_key(token)))
        .filter(ac::used_at.is_null())
        .filter(ac::expires_at.gt(now.0))
        .select((ac::email, ac::invitation_hash))
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound(
            "confirmation link (or it was used or expired: open the invitation or sign up again)",
        ))
}

/// Uses a confirmation link: returns what [`find`] does and marks it used.
pub fn take(tx: &mut Tx<'_>, token: &str) -> Result<(String, Option<String>), StoreError> {
    let now = tx.now();
    let found = find(tx.conn(), token, now)?;
    diesel::update(ac::table.filter(ac::token_hash.eq(hash_key(token))))
        .set(ac::used_at.eq(Some(now.0)))
        .execute(tx.conn())?;
    Ok(found)
}
