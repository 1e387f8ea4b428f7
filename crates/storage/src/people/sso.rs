//! Single sign-on's writes (docs/security.md, "Single sign-on"): a sign-in under way
//! (the state's hash with its nonce and PKCE verifier, for ten minutes), the person
//! the provider sends back (found by the provider's subject, linked by address or made
//! new as the core's rules allow), their open invitations taken, the group mapping's
//! memberships brought in line, and — when they have a second factor — the step that
//! asks for its code. The rules are the core's (`overdue_core::sso`).

use std::collections::BTreeMap;

use diesel::prelude::*;
use overdue_core::sso::{may_link, Person};
use overdue_core::Role;

use crate::base::schema::{invitations, memberships, sso_identities as ids, sso_logins as logins};
use crate::base::tx::Tx;
use crate::people::accounts::{self, NewSession, OWN_PROJECT};
use crate::people::projects::{hash_key, random_text};
use crate::people::{second_factor, team};
use crate::{AnyConnection, StoreError};

/// How long a sign-in may stay at the provider, and a second factor's code be awaited.
pub const PENDING_MS: i64 = 10 * 60 * 1000;

/// Records a sign-in sent to the provider: `state` is kept only hashed (it also sits
/// in the browser's cookie); `nonce` and `verifier` come back to check the answer.
pub fn begin(tx: &mut Tx<'_>, state: &str, nonce: &str, verifier: &str) -> Result<(), StoreError> {
    let now = tx.now();
    diesel::insert_into(logins::table)
        .values((
            logins::state_hash.eq(hash_key(state)),
            logins::nonce.eq(nonce),
            logins::verifier.eq(verifier),
            logins::expires_at.eq(now.0 + PENDING_MS),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// The nonce and PKCE verifier of the sign-in `state` named, taken once: a state used
/// or expired is `None`.
pub fn take(tx: &mut Tx<'_>, state: &str) -> Result<Option<(String, String)>, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let row: Option<(String, String, i64)> = logins::table
        .find(hash_key(state))
        .filter(logins::user_id.is_null())
        .select((logins::nonce, logins::verifier, logins::expires_at))
        .first(c)
        .optional()?;
    diesel::delete(logins::table.find(hash_key(state))).execute(c)?;
    Ok(row.filter(|(_, _, at)| *at > now.0).map(|(n, v, _)| (n, v)))
}

/// Who the provider sent back, and what the operator set for them.
pub struct Arrival<'a> {
    /// The provider's issuer URL (a subject is unique only with it).
    pub issuer: &'a str,
    /// The provider's subject (`sub`).
    pub subject: &'a str,
    /// Their address and whether the provider checked it.
    pub person: Person,
    /// The domains the provider is trusted for.
    pub domains: &'a [String],
    /// The role their groups give per project (id or name), and every project the
    /// mapping names (a membership it made there goes when no group gives one).
    pub roles: BTreeMap<String, Role>,
    /// Every project the mapping names.
    pub managed: Vec<String>,
    /// The sign-up mode admits their address (a new account gets a project of its own).
    pub may_sign_up: bool,
}

/// The end of a provider's sign-in.
pub enum Outcome {
    /// Signed in: the user's id, e-mail and new session.
    SignedIn(String, String, NewSession),
    /// They have a second factor: its code is asked next, with this ticket (kept in
    /// the browser's cookie, stored hashed).
    AskCode(String),
}

/// Signs in the person the provider sent back (see the module's rules).
pub fn arrive(tx: &mut Tx<'_>, a: &Arrival<'_>) -> Result<Outcome, StoreError> {
    let now = tx.now();
    let known: Option<String> = ids::table
        .find((a.issuer, a.subject))
        .select(ids::user_id)
        .first(tx.conn())
        .optional()?;
    let user = match known {
        Some(u) => u,
        None => first_arrival(tx, a)?,
    };
    if a.person.verified {
        take_invitations(tx, &user, &a.person.email)?;
    }
    sync_groups(tx, &user, a)?;
    if second_factor::enabled(tx.conn(), &user)? {
        let ticket = format!("oss_{}", random_text(40));
        diesel::insert_into(logins::table)
            .values((
                logins::state_hash.eq(hash_key(&ticket)),
                logins::nonce.eq(""),
                logins::verifier.eq(""),
                logins::user_id.eq(Some(&user)),
                logins::expires_at.eq(now.0 + PENDING_MS),
            ))
            .execute(tx.conn())?;
        return Ok(Outcome::AskCode(ticket));
    }
    let email = accounts::email_of(tx.conn(), &user)?;
    let session = accounts::create_session(tx, &user)?;
    Ok(Outcome::SignedIn(user, email, session))
}

/// A subject seen for the first time: linked to the account with its address when the
/// core allows it, or a new account when the address is checked and something admits
/// it (the sign-up mode, a group, an invitation).
fn first_arrival(tx: &mut Tx<'_>, a: &Arrival<'_>) -> Result<String, StoreError> {
    let now = tx.now();
    let email = &a.person.email;
    let user = match accounts::find_by_email(tx.conn(), email)? {
        Some(u) => {
            may_link(a.domains, &a.person).map_err(StoreError::Capped)?;
            u.id
        }
        None => {
            if !a.person.verified {
                return Err(StoreError::Capped(format!(
                    "the provider did not confirm the address {email} (email_verified), so \
                     no account is made for it: ask the provider's administrator"
                )));
            }
            let invited = open_invitations(tx.conn(), email, now.0)? > 0;
            if !(a.may_sign_up || invited || !a.roles.is_empty()) {
                return Err(StoreError::Capped(format!(
                    "there is no account for {email} on this server, and neither a group nor \
                     an invitation gives you a project: ask the owner of a project to invite \
                     you"
                )));
            }
            // No argon2 hash matches "!": no password signs in until one is set.
            let u = accounts::create_user(tx, email, "!")?;
            if !invited && a.roles.is_empty() {
                accounts::create_project(tx, &u.id, OWN_PROJECT, false)?;
            }
            u.id
        }
    };
    diesel::insert_into(ids::table)
        .values((
            ids::issuer.eq(a.issuer),
            ids::subject.eq(a.subject),
            ids::user_id.eq(&user),
            ids::created_at.eq(now.0),
        ))
        .execute(tx.conn())?;
    Ok(user)
}

fn open_invitations(c: &mut AnyConnection, email: &str, now: i64) -> Result<i64, StoreError> {
    Ok(invitations::table
        .filter(invitations::email.eq(email))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .count()
        .get_result(c)?)
}

/// Takes the open invitations to the address the provider checked: the invitation
/// was sent to it, and the provider vouches it is theirs.
fn take_invitations(tx: &mut Tx<'_>, user: &str, email: &str) -> Result<(), StoreError> {
    let now = tx.now();
    let open: Vec<String> = invitations::table
        .filter(invitations::email.eq(email))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::expires_at.gt(now.0))
        .select(invitations::token_hash)
        .load(tx.conn())?;
    for hash in open {
        let inv = team::invitation_by_hash(tx.conn(), &hash, now)?;
        accounts::set_role(tx, &inv.project_id, user, inv.role)?;
        team::accepted(tx, &hash)?;
    }
    Ok(())
}

/// Brings the memberships the mapping made in line with the person's groups now: made
/// or changed where a group gives a role, removed where none does any more. A
/// membership made by hand (an invitation, a role an admin set) is left alone.
fn sync_groups(tx: &mut Tx<'_>, user: &str, a: &Arrival<'_>) -> Result<(), StoreError> {
    let now = tx.now();
    for name in &a.managed {
        let found = crate::people::projects::named(tx.conn(), name)?;
        let [project] = found.as_slice() else {
            tracing::warn!(
                project = %name,
                matches = found.len(),
                "OVERDUE_OIDC_ROLES names no single project by this id or name; skipped"
            );
            continue;
        };
        let c = tx.conn();
        let this = memberships::table
            .filter(memberships::project_id.eq(&project.id))
            .filter(memberships::user_id.eq(user));
        let current: Option<(String, bool)> = this
            .select((memberships::role, memberships::from_group))
            .first(c)
            .optional()?;
        match (current, a.roles.get(name)) {
            (None, Some(role)) => {
                diesel::insert_into(memberships::table)
                    .values((
                        memberships::project_id.eq(&project.id),
                        memberships::user_id.eq(user),
                        memberships::role.eq(role.as_str()),
                        memberships::created_at.eq(now.0),
                        memberships::from_group.eq(true),
                    ))
                    .execute(c)?;
            }
            (Some((_, true)), Some(role)) => {
                diesel::update(this)
                    .set(memberships::role.eq(role.as_str()))
                    .execute(c)?;
            }
            (Some((_, true)), None) => {
                diesel::delete(this).execute(c)?;
            }
            (Some((_, false)), _) | (None, None) => {}
        }
    }
    Ok(())
}

/// The user a sign-in waiting for its second factor (`ticket` from the cookie) is for.
pub fn waiting_user(
    c: &mut AnyConnection,
    ticket: &str,
    now: overdue_core::Timestamp,
) -> Result<String, StoreError> {
    let user: Option<Option<String>> = logins::table
        .find(hash_key(ticket))
        .filter(logins::expires_at.gt(now.0))
        .select(logins::user_id)
        .first(c)
        .optional()?;
    match user {
        Some(Some(user)) => Ok(user),
        _ => Err(StoreError::Invalid(
            "this sign-in has expired or was finished: sign in with single sign-on again".into(),
        )),
    }
}

/// Ends a sign-in that waited for the second factor: `ticket` from the cookie, the
/// `factor` from the person (a code, or a passkey the server verified); a wrong code
/// writes nothing (the ticket stays for another try). The user's id, e-mail and session.
pub fn finish(
    tx: &mut Tx<'_>,
    ticket: &str,
    factor: second_factor::Factor<'_>,
) -> Result<(String, String, NewSession), StoreError> {
    let now = tx.now();
    let user = waiting_user(tx.conn(), ticket, now)?;
    let session = second_factor::sign_in_factor(tx, &user, factor)?;
    diesel::delete(logins::table.find(hash_key(ticket))).execute(tx.conn())?;
    let email = accounts::email_of(tx.conn(), &user)?;
    Ok((user, email, session))
}

/// Drops sign-ins past their time (by the index on `expires_at`); how many.
pub fn prune(tx: &mut Tx<'_>) -> Result<usize, StoreError> {
    let now = tx.now();
    Ok(diesel::delete(logins::table.filter(logins::expires_at.le(now.0))).execute(tx.conn())?)
}
