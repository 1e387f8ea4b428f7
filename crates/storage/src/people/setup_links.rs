//! One-time setup links (docs/security.md, "The first account"): while an instance has
//! no account, every start of `overdue serve` makes a link with a random token and
//! prints it; only the token's hash is kept. Only such a link creates the first owner,
//! so whoever reaches the URL first cannot claim the instance. Spending one removes
//! them all.

use diesel::prelude::*;

use crate::base::schema::setup_links;
use crate::base::tx::Tx;
use crate::people::projects::{hash_key, random_text};
use crate::{AnyConnection, StoreError};

/// A new link's token (the caller checked that the instance has no account:
/// `accounts::setup_link`).
pub(crate) fn make(tx: &mut Tx<'_>) -> Result<String, StoreError> {
    let now = tx.now().0;
    let c = tx.conn();
    let token = random_text(32);
    diesel::insert_into(setup_links::table)
        .values((
            setup_links::token_hash.eq(hash_key(&token)),
            setup_links::created_at.eq(now),
        ))
        .execute(c)?;
    Ok(token)
}

/// Whether `token` is a link not yet spent (read before any password is hashed).
pub fn valid(c: &mut AnyConnection, token: &str) -> Result<bool, StoreError> {
    let n: i64 = setup_links::table
        .filter(setup_links::token_hash.eq(hash_key(token.trim())))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

/// Spends `token`: `false` when it is not (or no longer) a link; on success every link
/// goes.
pub(crate) fn spend(c: &mut AnyConnection, token: &str) -> Result<bool, StoreError> {
    let gone = diesel::delete(
        setup_links::table.filter(setup_links::token_hash.eq(hash_key(token.trim()))),
    )
    .execute(c)?;
    if gone == 0 {
        return Ok(false);
    }
    diesel::delete(setup_links::table).execute(c)?;
    Ok(true)
}
