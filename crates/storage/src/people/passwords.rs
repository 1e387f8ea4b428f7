//! A user's password: hashing and checking it (argon2id), changing it, "forgot
//! password" links (a random token stored as a SHA-256 hash, valid an hour, used once)
//! and ending sessions. The rules for a new password are the core's
//! (`overdue_core::credentials`); hashing is CPU work of tens of milliseconds, which
//! callers keep off their async workers and outside write transactions.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use diesel::prelude::*;
use overdue_core::Timestamp;

use crate::base::outbox::{self, AccountMail};
use crate::base::schema::{password_resets, sessions, users};
use crate::base::tx::Tx;
use crate::people::projects::{hash_key, random_text};
use crate::StoreError;

/// How long a reset link works.
pub const RESET_MS: i64 = 3_600_000;

/// Within this time of a link, asking again sends nothing new: a form cannot be used to
/// flood someone's mailbox.
pub const RESET_QUIET_MS: i64 = 60_000;

/// Hashes a password with argon2id (a random salt; the PHC string keeps the settings).
pub fn hash(password: &str) -> Result<String, StoreError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Internal(format!("cannot hash the password: {e}")))
}

/// True when `password` matches the stored argon2 hash.
pub fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Sets a user's password hash.
pub fn set_password(tx: &mut Tx<'_>, user: &str, hash: &str) -> Result<(), StoreError> {
    let n = diesel::update(users::table.filter(users::id.eq(user)))
        .set(users::password_hash.eq(hash))
        .execute(tx.conn())?;
    if n == 0 {
        return Err(StoreError::NotFound("user"));
    }
    Ok(())
}

/// Ends every session of `user` but the one whose token is `keep`; returns how many
/// ended.
pub fn end_sessions(tx: &mut Tx<'_>, user: &str, keep: Option<&str>) -> Result<usize, StoreError> {
    let mine = sessions::table.filter(sessions::user_id.eq(user));
    let n = match keep {
        Some(token) => diesel::delete(mine.filter(sessions::token_hash.ne(hash_key(token))))
            .execute(tx.conn())?,
        None => diesel::delete(mine).execute(tx.conn())?,
    };
    Ok(n)
}

/// A new password for `user` (its hash): set, and every session of theirs ends but the
/// one whose token is `keep` (a password changed because it leaked locks the other side
/// out). Returns how many ended.
pub fn change_password(
    tx: &mut Tx<'_>,
    user: &str,
    hash: &str,
    keep: Option<&str>,
) -> Result<usize, StoreError> {
    set_password(tx, user, hash)?;
    end_sessions(tx, user, keep)
}

/// `overdue user password`: the user of `email` gets the password `hash`, every session
/// of theirs ends; returns how many. An unknown address is refused by name.
pub fn change_password_of(tx: &mut Tx<'_>, email: &str, hash: &str) -> Result<usize, StoreError> {
    let user = crate::people::accounts::find_by_email(tx.conn(), email)?
        .ok_or_else(|| StoreError::Invalid(format!("no user with the e-mail {email:?}")))?;
    change_password(tx, &user.id, hash, None)
}

/// A reset link taken: the link is used up, the user gets the password `hash`, every
/// session of theirs ends, and a new one starts (the answer signs them in). Returns the
/// user's id and the session; `NotFound` when the link is unknown, used or expired. A
/// person with a second factor gives it too (a code or a verified passkey: a mailbox
/// alone is not enough); without it nothing is used up.
pub fn reset_password(
    tx: &mut Tx<'_>,
    token: &str,
    hash: &str,
    factor: crate::people::second_factor::Factor<'_>,
) -> Result<(String, crate::people::accounts::NewSession), StoreError> {
    let now = tx.now();
    let user = find_reset(tx.conn(), token, now)?;
    crate::people::second_factor::pass_factor(tx, &user, factor)?;
    let user = take_reset(tx, token)?;
    change_password(tx, &user, hash, None)?;
    let session = crate::people::accounts::create_session(tx, &user)?;
    Ok((user, session))
}

/// "Forgot password" for `email`: when it has an account and no link was made for it in
/// the last [`RESET_QUIET_MS`], makes a reset link (`link_base` + a new token, stored
/// hashed) and queues `mail` with it (docs/security.md, "Account mail"). Otherwise
/// nothing: the caller answers the same either way.
pub fn request_reset(
    tx: &mut Tx<'_>,
    email: &str,
    mut mail: AccountMail,
    link_base: &str,
) -> Result<(), StoreError> {
    let now = tx.now();
    let Some(user) = crate::people::accounts::find_by_email(tx.conn(), email)? else {
        return Ok(());
    };
    let c = tx.conn();
    let recent: i64 = password_resets::table
        .filter(password_resets::user_id.eq(&user.id))
        .filter(password_resets::created_at.gt(now.0 - RESET_QUIET_MS))
        .count()
        .get_result(c)?;
    if recent > 0 {
        return Ok(());
    }
    // Old links of this user are of no use once a new one is asked for.
    diesel::delete(password_resets::table.filter(password_resets::user_id.eq(&user.id)))
        .execute(c)?;
    let token = format!("odr_{}", random_text(32));
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::token_hash.eq(hash_key(&token)),
            password_resets::user_id.eq(&user.id),
            password_resets::created_at.eq(now.0),
            password_resets::expires_at.eq(now.0 + RESET_MS),
        ))
        .execute(c)?;
    mail.link = Some(format!("{link_base}{token}"));
    outbox::enqueue_mail(tx, "reset", None, &mail)
}

/// The user of a reset link that can still be used; `NotFound` when the token is
/// unknown, used or expired.
pub fn find_reset(
    c: &mut crate::AnyConnection,
    token: &str,
    now: Timestamp,
) -> Result<String, StoreError> {
    password_resets::table
        .filter(password_resets::token_hash.eq(hash_key(token)))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now.0))
        .select(password_resets::user_id)
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound(
            "reset link (or it was used or expired: ask for a new one)",
        ))
}

/// Uses a reset link: returns its user and marks it used. `NotFound` when the token is
/// unknown, used or expired.
pub fn take_reset(tx: &mut Tx<'_>, token: &str) -> Result<String, StoreError> {
    let now = tx.now();
    let user = find_reset(tx.conn(), token, now)?;
    diesel::update(password_resets::table.filter(password_resets::token_hash.eq(hash_key(token))))
        .set(password_resets::used_at.eq(Some(now.0)))
        .execute(tx.conn())?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hashed_with_argon2id_and_verified() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(!h.contains("correct horse"));
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong horse", &h));
        assert!(!verify("correct horse", "not a hash"));
    }
}
