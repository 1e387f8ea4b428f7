//! A person's second factor (docs/security.md, "Second factor"): enrolling a TOTP
//! secret (kept pending until a code from it is given) or adding passkeys (their rows
//! are `passkeys`'), ten recovery codes (stored hashed, each used once), checking it at
//! sign-in and at a password reset, turning it off, and an owner's requirement that a
//! project's members have one. The code rules are the core's
//! (`overdue_core::second_factor`).

use diesel::prelude::*;
use overdue_core::second_factor as rules;
use rand::RngCore;

use crate::base::schema::{
    memberships, projects, recovery_codes as rc, second_factors as sf, sessions,
};
use crate::base::tx::Tx;
use crate::people::accounts::{self, NewSession};
use crate::people::passkeys::{self, PasskeyRow};
use crate::people::projects::hash_key;
use crate::{AnyConnection, StoreError};

/// What checking a person's second factor found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// They have none: nothing to check.
    NotEnrolled,
    /// The code was right (and is now spent).
    Passed,
    /// They have one and no code came: ask for it.
    Missing,
    /// The code was wrong, or spent already.
    Wrong,
}

/// Whether `user` has a second factor in use: a TOTP secret or a passkey.
pub fn enabled(c: &mut AnyConnection, user: &str) -> Result<bool, StoreError> {
    Ok(totp_enabled(c, user)? || passkeys::any(c, user)?)
}

/// Whether `user` has a TOTP secret in use.
pub fn totp_enabled(c: &mut AnyConnection, user: &str) -> Result<bool, StoreError> {
    let at: Option<Option<i64>> = sf::table
        .find(user)
        .select(sf::enabled_at)
        .first(c)
        .optional()?;
    Ok(at.flatten().is_some())
}

/// Starts enrolling `user` (again): a new pending secret, returned in base32 with its
/// `otpauth://` link for `email`. A secret in use stays in use until a code from the
/// new one is confirmed.
pub fn start(tx: &mut Tx<'_>, user: &str, email: &str) -> Result<(String, String), StoreError> {
    let mut bytes = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = rules::encode_secret(bytes);
    let url = rules::otpauth_url(&secret, email).map_err(StoreError::Internal)?;
    let c = tx.conn();
    let updated = diesel::update(sf::table.find(user))
        .set(sf::pending.eq(Some(&secret)))
        .execute(c)?;
    if updated == 0 {
        diesel::insert_into(sf::table)
            .values((sf::user_id.eq(user), sf::pending.eq(Some(&secret))))
            .execute(c)?;
    }
    Ok((secret, url))
}

/// Confirms the pending secret with a code from it: it is in use from now on, ten new
/// recovery codes are made (returned, shown once), and every other session of `user`
/// ends (`keep`: this one's token), since they were made without it.
pub fn confirm(
    tx: &mut Tx<'_>,
    user: &str,
    code: &str,
    keep: &str,
) -> Result<Vec<String>, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let pending: Option<Option<String>> = sf::table
        .find(user)
        .select(sf::pending)
        .first(c)
        .optional()?;
    let Some(secret) = pending.flatten() else {
        return Err(StoreError::Conflict(
            "no second factor is being set up: start again (POST /api/v1/auth/totp/start)".into(),
        ));
    };
    let Some(step) = rules::accepted_step(&secret, code, now, None) else {
        return Err(StoreError::Invalid(
            "code: that is not the current code of the new secret: check the app's clock \
             and type the 6 digits it shows now"
                .into(),
        ));
    };
    diesel::update(sf::table.find(user))
        .set((
            sf::secret.eq(Some(&secret)),
            sf::pending.eq(None::<String>),
            sf::last_step.eq(Some(step)),
            sf::enabled_at.eq(Some(now.0)),
        ))
        .execute(c)?;
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::token_hash.ne(hash_key(keep))),
    )
    .execute(c)?;
    new_recovery_codes(tx, user)
}

/// Replaces `user`'s recovery codes with ten new ones; returns them (shown once).
fn new_recovery_codes(tx: &mut Tx<'_>, user: &str) -> Result<Vec<String>, StoreError> {
    let c = tx.conn();
    diesel::delete(rc::table.filter(rc::user_id.eq(user))).execute(c)?;
    let mut codes = Vec::with_capacity(rules::RECOVERY_CODES);
    for _ in 0..rules::RECOVERY_CODES {
        let mut bytes = [0u8; 10];
        rand::thread_rng().fill_bytes(&mut bytes);
        let code = rules::recovery_code(bytes);
        diesel::insert_into(rc::table)
            .values((rc::user_id.eq(user), rc::code_hash.eq(hash_key(&code))))
            .execute(c)?;
        codes.push(code);
    }
    Ok(codes)
}

/// Checks `code` (a current TOTP code or an unused recovery code) for `user`, spending
/// it when right. Nothing is written unless it passes.
pub fn check(tx: &mut Tx<'_>, user: &str, code: Option<&str>) -> Result<Check, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let row: Option<(Option<String>, Option<i64>)> = sf::table
        .find(user)
        .select((sf::secret, sf::last_step))
        .first(c)
        .optional()?;
    let totp = match row {
        Some((Some(secret), last)) => Some((secret, last)),
        _ => None,
    };
    if totp.is_none() && !passkeys::any(c, user)? {
        return Ok(Check::NotEnrolled);
    }
    let Some(code) = code.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(Check::Missing);
    };
    if let Some((secret, last)) = &totp {
        if let Some(step) = rules::accepted_step(secret, code, now, *last) {
            diesel::update(sf::table.find(user))
                .set(sf::last_step.eq(Some(step)))
                .execute(c)?;
            return Ok(Check::Passed);
        }
    }
    let Some(typed) = rules::normal_recovery_code(code) else {
        return Ok(Check::Wrong);
    };
    let spent = diesel::update(
        rc::table
            .filter(rc::user_id.eq(user))
            .filter(rc::code_hash.eq(hash_key(&typed)))
            .filter(rc::used_at.is_null()),
    )
    .set(rc::used_at.eq(Some(now.0)))
    .execute(c)?;
    Ok(if spent == 1 {
        Check::Passed
    } else {
        Check::Wrong
    })
}

/// What a person gives for their second factor.
#[derive(Debug, Clone, Copy)]
pub enum Factor<'a> {
    /// A code of the app or a recovery code (`None`: nothing given).
    Code(Option<&'a str>),
    /// One of their passkeys, verified by the server for this request: its id and the
    /// library's updated record when it changed.
    Passkey {
        /// The passkey's id.
        id: &'a str,
        /// Its updated record.
        record: Option<&'a str>,
    },
}

/// Passes `factor` for `user` ([`pass`] for a code; a verified passkey of theirs is
/// marked used).
pub fn pass_factor(tx: &mut Tx<'_>, user: &str, factor: Factor<'_>) -> Result<(), StoreError> {
    match factor {
        Factor::Code(code) => pass(tx, user, code),
        Factor::Passkey { id, record } => {
            let now = tx.now();
            passkeys::used(tx.conn(), user, id, record, now.0)
        }
    }
}

/// Passes when `user` has no second factor or `code` is right (and spends it); else
/// `StoreError::SecondFactor`, so the unit of work writes nothing.
pub fn pass(tx: &mut Tx<'_>, user: &str, code: Option<&str>) -> Result<(), StoreError> {
    match check(tx, user, code)? {
        Check::NotEnrolled | Check::Passed => Ok(()),
        Check::Missing => Err(StoreError::SecondFactor { missing: true }),
        Check::Wrong => Err(StoreError::SecondFactor { missing: false }),
    }
}

/// Signs `user` in when their second factor (if any) passes: the new session.
pub fn sign_in(tx: &mut Tx<'_>, user: &str, code: Option<&str>) -> Result<NewSession, StoreError> {
    pass(tx, user, code)?;
    accounts::create_session(tx, user)
}

/// Turns `user`'s second factor off, given a code (TOTP or recovery): refused while a
/// project of theirs requires one.
pub fn disable(tx: &mut Tx<'_>, user: &str, code: &str) -> Result<(), StoreError> {
    if !passkeys::any(tx.conn(), user)? {
        refuse_if_required(tx.conn(), user)?;
    }
    match check(tx, user, Some(code))? {
        Check::Passed if totp_enabled(tx.conn(), user)? => {}
        Check::Passed | Check::NotEnrolled => {
            return Err(StoreError::Conflict(
                "you have no authenticator app to turn off".into(),
            ))
        }
        Check::Missing | Check::Wrong => {
            return Err(StoreError::Invalid(
                "code: wrong or used already: give the current code or a recovery code".into(),
            ))
        }
    }
    let c = tx.conn();
    diesel::delete(sf::table.find(user)).execute(c)?;
    // Recovery codes stand for any factor: they stay while a passkey does.
    if !passkeys::any(c, user)? {
        diesel::delete(rc::table.filter(rc::user_id.eq(user))).execute(c)?;
    }
    Ok(())
}

/// Refuses when a project of `user`'s requires a second factor of its members (taking
/// their last one away would lock them out of it).
fn refuse_if_required(c: &mut AnyConnection, user: &str) -> Result<(), StoreError> {
    let required: Vec<String> = memberships::table
        .inner_join(projects::table.on(projects::id.eq(memberships::project_id)))
        .filter(memberships::user_id.eq(user))
        .filter(projects::require_second_factor.eq(true))
        .select(projects::name)
        .load(c)?;
    if !required.is_empty() {
        return Err(StoreError::Conflict(format!(
            "{} require a second factor of their members: leave them or ask their owners \
             first",
            required.join(", ")
        )));
    }
    Ok(())
}

/// Adds a passkey `row` for its user (verified by the server): every other session of
/// theirs ends (`keep`: this one's token), since they were made without it; when they
/// have no recovery code left, ten new ones are made and returned (shown once).
pub fn add_passkey(
    tx: &mut Tx<'_>,
    row: &PasskeyRow,
    keep: &str,
) -> Result<Option<Vec<String>>, StoreError> {
    let c = tx.conn();
    passkeys::insert(c, row)?;
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(&row.user_id))
            .filter(sessions::token_hash.ne(hash_key(keep))),
    )
    .execute(c)?;
    if codes_left(c, &row.user_id)? > 0 {
        return Ok(None);
    }
    new_recovery_codes(tx, &row.user_id).map(Some)
}

/// Removes `user`'s passkey `id`: refused when it is their last second factor and a
/// project of theirs requires one; their recovery codes go with their last factor.
pub fn remove_passkey(tx: &mut Tx<'_>, user: &str, id: &str) -> Result<(), StoreError> {
    let c = tx.conn();
    let others = passkeys::of_user(c, user)?
        .iter()
        .filter(|p| p.id != id)
        .count();
    let last = others == 0 && !totp_enabled(c, user)?;
    if last {
        refuse_if_required(c, user)?;
    }
    passkeys::delete(c, user, id)?;
    if last {
        diesel::delete(rc::table.filter(rc::user_id.eq(user))).execute(c)?;
    }
    Ok(())
}

/// Signs `user` in when `factor` passes: the new session.
pub fn sign_in_factor(
    tx: &mut Tx<'_>,
    user: &str,
    factor: Factor<'_>,
) -> Result<NewSession, StoreError> {
    pass_factor(tx, user, factor)?;
    accounts::create_session(tx, user)
}

/// Signs `user` in with their passkey `id`, verified by the server for this sign-in
/// (`credential`: the library's updated record, when it changed): the new session.
pub fn sign_in_with_passkey(
    tx: &mut Tx<'_>,
    user: &str,
    id: &str,
    credential: Option<&str>,
) -> Result<NewSession, StoreError> {
    let record = credential;
    pass_factor(tx, user, Factor::Passkey { id, record })?;
    accounts::create_session(tx, user)
}

/// Sets whether project `project`'s members need a second factor; `by` (who asks)
/// must have one to turn it on, or they would lock themselves out.
pub fn require(tx: &mut Tx<'_>, project: &str, on: bool, by: &str) -> Result<(), StoreError> {
    let c = tx.conn();
    if on && !enabled(c, by)? {
        return Err(StoreError::Conflict(
            "set up your own second factor first (Account page): requiring one without it \
             would lock you out of this project"
                .into(),
        ));
    }
    diesel::update(projects::table.find(project))
        .set(projects::require_second_factor.eq(on))
        .execute(c)?;
    Ok(())
}

/// What the account page shows of `user`.
#[derive(Debug, Clone)]
pub struct Account {
    /// Their projects.
    pub memberships: Vec<accounts::Membership>,
    /// They have a second factor (an authenticator app or a passkey).
    pub second_factor: bool,
    /// They have an authenticator app.
    pub authenticator_app: bool,
    /// Recovery codes they have not used.
    pub codes_left: i64,
}

/// What the account page shows of `user`.
pub fn account_of(c: &mut AnyConnection, user: &str) -> Result<Account, StoreError> {
    Ok(Account {
        memberships: accounts::memberships_of(c, user)?,
        second_factor: enabled(c, user)?,
        authenticator_app: totp_enabled(c, user)?,
        codes_left: codes_left(c, user)?,
    })
}

/// Recovery codes `user` has not used.
pub fn codes_left(c: &mut AnyConnection, user: &str) -> Result<i64, StoreError> {
    Ok(rc::table
        .filter(rc::user_id.eq(user))
        .filter(rc::used_at.is_null())
        .count()
        .get_result(c)?)
}
