//! Acknowledgement tokens (docs/behaviour.md, "Acknowledgement links"): issued per
//! (alert, channel, recipient) with the message that asks someone to act, stored only
//! as a key derived from the token.

use diesel::prelude::*;
use overdue_core::AlertNote;

use crate::base::schema::ack_tokens;
use crate::base::statements::on_inner;
use crate::base::tx::Tx;
use crate::StoreError;

/// Hex digits of the alert id a token begins with (docs/architecture.md, "The path of an
/// alert").
const ALERT_PREFIX: usize = 16;
/// Hex digits of a token's secret: 24 random bytes.
const SECRET_HEX: usize = 48;

/// The key under which an acknowledgement token is stored: its hash, after the alert
/// id the token begins with. Why the id first: the key orders a burst's new tokens
/// after each other, so a commit writes the index's last pages instead of one random
/// page per flip (a random key cost SQLite a WAL frame per flip, docs/benchmarks.md
/// "Session 22"). Tokens issued before carry no id (48 digits) and keep their bare hash.
pub fn token_hash(token: &str) -> String {
    // The SHA-256 in hex, as the other stored keys (alerting does not import people).
    let hash = sha256_hex(token);
    match token.get(..ALERT_PREFIX) {
        Some(id) if token.len() == ALERT_PREFIX + SECRET_HEX => format!("{id}{hash}"),
        _ => hash,
    }
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A new acknowledgement token for (alert, channel): the alert id in 16 hex digits, then
/// 24 random bytes (the secret); only its key ([`token_hash`]) is stored. Returns the
/// token.
pub(crate) fn issue_token(
    tx: &mut Tx<'_>,
    alert: &AlertNote,
    channel: &str,
    recipient: Option<&str>,
) -> Result<String, StoreError> {
    let now = tx.now();
    // A storm's gathered message acknowledges the alerts it names, and no others.
    let members = (!alert.members.is_empty()).then(|| {
        alert
            .members
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    });
    use rand::RngCore;
    let mut bytes = [0u8; SECRET_HEX / 2];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = format!("{:016x}{}", alert.id, hex::encode(bytes));
    // In a burst on PostgreSQL it waits for the job's end (`Tx::defer_appends`).
    if let Some((_, later)) = tx.later() {
        let t = &mut later.tokens;
        t.token_hash.push(token_hash(&token));
        t.alert_id.push(alert.id);
        t.channel_id.push(channel.to_string());
        t.created_at.push(now.0);
        t.recipient.push(recipient.map(str::to_string));
        t.alert_ids.push(members);
        return Ok(token);
    }
    let values = (
        ack_tokens::token_hash.eq(token_hash(&token)),
        ack_tokens::alert_id.eq(alert.id),
        ack_tokens::channel_id.eq(channel),
        ack_tokens::created_at.eq(now.0),
        ack_tokens::recipient.eq(recipient),
        ack_tokens::alert_ids.eq(members),
    );
    on_inner!(tx.c, |inner| diesel::insert_into(ack_tokens::table)
        .values(values)
        .execute(inner))?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_its_alert_id_then_a_secret_and_its_key_keeps_the_id_first() {
        let token = format!("{:016x}{}", 42, "ab".repeat(24));
        let key = token_hash(&token);
        assert!(key.starts_with("000000000000002a"), "{key}");
        assert_eq!(key.len(), 16 + 64);
        // The secret is hashed with the id: another secret, another key.
        let other = format!("{:016x}{}", 42, "cd".repeat(24));
        assert_ne!(token_hash(&other)[16..], key[16..]);
        // Later alerts' keys sort after earlier ones': a burst appends to the index.
        let later = format!("{:016x}{}", 43, "00".repeat(24));
        assert!(token_hash(&later) > key);
    }

    #[test]
    fn a_token_issued_before_keeps_its_bare_hash() {
        let old = "ab".repeat(24);
        let key = token_hash(&old);
        assert_eq!(key.len(), 64);
        assert_eq!(key, sha256_hex(&old));
        // Any other length is hashed bare too (the server refuses it before asking).
        assert_eq!(token_hash("abc").len(), 64);
    }
}
