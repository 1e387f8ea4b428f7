//! Passkeys' rows (docs/security.md, "Second factor"): each registered credential with
//! the relying-party library's record of it (kept as its JSON: public key, counter),
//! and each ceremony under way — its state, named by a random id stored hashed, taken
//! once, for five minutes (pruned by the index on `expires_at`). Verifying a passkey is
//! the server's (it holds the relying party); what a passkey means for signing in is
//! `second_factor`'s.

use diesel::prelude::*;

use crate::base::schema::{passkey_challenges as pc, passkeys as pk};
use crate::base::tx::Tx;
use crate::people::projects::{hash_key, random_text};
use crate::{AnyConnection, StoreError};

/// How long a ceremony (adding a passkey, or using one) may take.
pub const CEREMONY_MS: i64 = 5 * 60 * 1000;

/// A ceremony adds a passkey.
pub const REGISTER: &str = "register";
/// A ceremony uses one to sign in.
pub const AUTHENTICATE: &str = "authenticate";

/// One registered passkey.
#[derive(Debug, Clone, Queryable)]
pub struct PasskeyRow {
    /// The credential's id (base64url), as the browser names it.
    pub id: String,
    /// Whose it is.
    pub user_id: String,
    /// The name its owner gave it ("laptop").
    pub name: String,
    /// The relying-party library's record of it, as JSON.
    pub credential: String,
    /// When it was added.
    pub created_at: i64,
    /// When it last signed in.
    pub last_used_at: Option<i64>,
}

/// `user`'s passkeys, oldest first.
pub fn of_user(c: &mut AnyConnection, user: &str) -> Result<Vec<PasskeyRow>, StoreError> {
    Ok(pk::table
        .filter(pk::user_id.eq(user))
        .order((pk::created_at.asc(), pk::id.asc()))
        .load(c)?)
}

/// Whether `user` has a passkey.
pub fn any(c: &mut AnyConnection, user: &str) -> Result<bool, StoreError> {
    let n: i64 = pk::table
        .filter(pk::user_id.eq(user))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

/// Records a ceremony for `user` with the library's `state`; returns its id (shown to
/// the browser once, stored hashed).
pub fn begin(tx: &mut Tx<'_>, user: &str, kind: &str, state: &str) -> Result<String, StoreError> {
    let now = tx.now();
    let id = format!("opk_{}", random_text(32));
    diesel::insert_into(pc::table)
        .values((
            pc::id_hash.eq(hash_key(&id)),
            pc::user_id.eq(user),
            pc::kind.eq(kind),
            pc::state.eq(state),
            pc::expires_at.eq(now.0 + CEREMONY_MS),
        ))
        .execute(tx.conn())?;
    Ok(id)
}

/// The ceremony `id` of `kind`, taken once: its user and state; used, expired or of
/// another kind: `None`.
pub fn take(tx: &mut Tx<'_>, id: &str, kind: &str) -> Result<Option<(String, String)>, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let row: Option<(String, String, i64)> = pc::table
        .find(hash_key(id))
        .filter(pc::kind.eq(kind))
        .select((pc::user_id, pc::state, pc::expires_at))
        .first(c)
        .optional()?;
    diesel::delete(pc::table.find(hash_key(id))).execute(c)?;
    Ok(row
        .filter(|(_, _, at)| *at > now.0)
        .map(|(user, state, _)| (user, state)))
}

/// Adds a passkey; one registered already (to anyone) is a conflict.
pub(crate) fn insert(c: &mut AnyConnection, row: &PasskeyRow) -> Result<(), StoreError> {
    let taken: i64 = pk::table.find(&row.id).count().get_result(c)?;
    if taken > 0 {
        return Err(StoreError::Conflict(
            "this passkey is registered already: each passkey is added once".into(),
        ));
    }
    diesel::insert_into(pk::table)
        .values((
            pk::id.eq(&row.id),
            pk::user_id.eq(&row.user_id),
            pk::name.eq(&row.name),
            pk::credential.eq(&row.credential),
            pk::created_at.eq(row.created_at),
            pk::last_used_at.eq(row.last_used_at),
        ))
        .execute(c)?;
    Ok(())
}

/// Marks `user`'s passkey `id` used at `now`, with the library's updated record
/// (`None`: unchanged). A passkey not theirs is `NotFound`.
pub(crate) fn used(
    c: &mut AnyConnection,
    user: &str,
    id: &str,
    credential: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    let mine = pk::table.filter(pk::id.eq(id)).filter(pk::user_id.eq(user));
    let n = match credential {
        Some(cred) => diesel::update(mine)
            .set((pk::last_used_at.eq(Some(now)), pk::credential.eq(cred)))
            .execute(c)?,
        None => diesel::update(mine)
            .set(pk::last_used_at.eq(Some(now)))
            .execute(c)?,
    };
    if n == 0 {
        return Err(StoreError::NotFound("passkey"));
    }
    Ok(())
}

/// Deletes `user`'s passkey `id`; not theirs: `NotFound`.
pub(crate) fn delete(c: &mut AnyConnection, user: &str, id: &str) -> Result<(), StoreError> {
    let n =
        diesel::delete(pk::table.filter(pk::id.eq(id)).filter(pk::user_id.eq(user))).execute(c)?;
    if n == 0 {
        return Err(StoreError::NotFound("passkey"));
    }
    Ok(())
}

/// Drops ceremonies past their time (by the index on `expires_at`); how many.
pub fn prune(tx: &mut Tx<'_>) -> Result<usize, StoreError> {
    let now = tx.now();
    Ok(diesel::delete(pc::table.filter(pc::expires_at.le(now.0))).execute(tx.conn())?)
}
