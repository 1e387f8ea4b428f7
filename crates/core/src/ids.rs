//! Typed identifiers of a monitor, so the secret one is never handed where the other
//! belongs. Two names exist for a monitor:
//!
//! - [`PingCode`]: the UUID in its ping URLs (`/ping/<code>`). A secret: whoever knows it
//!   can change the monitor's state. Only the ping protocol takes it, and only roles and
//!   keys that may write are shown it.
//! - [`MonitorId`]: how the management API, storage and the dashboard name the monitor.
//!
//! Today both hold the same value (a monitor's row id is its ping code); keeping them
//! apart in the types is what lets a public reference replace [`MonitorId`] in responses
//! without a single place mixing the two up unnoticed.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The one UUID rule for ids in URLs (paths, ping URLs, run ids): the canonical
/// hyphenated form, 36 characters, either case, as Healthchecks' URLs take it. Other
/// spellings of a UUID (32 hex digits, braces, `urn:uuid:`) are not ids here.
pub fn canonical_uuid(text: &str) -> Option<Uuid> {
    let hyphens = text.len() == 36 && [8, 13, 18, 23].iter().all(|&i| text.as_bytes()[i] == b'-');
    Uuid::try_parse(text).ok().filter(|_| hyphens)
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random one.
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }
            /// Parses the canonical form ([`canonical_uuid`]).
            pub fn parse(text: &str) -> Option<Self> {
                canonical_uuid(text.trim()).map(Self)
            }
            /// The UUID.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }

        /// The hyphenated lowercase form, as stored.
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

uuid_id!(
    /// The secret in a monitor's ping URLs (`/ping/<code>`).
    PingCode
);
uuid_id!(
    /// A monitor as the management API and storage name it.
    MonitorId
);

/// A monitor's public reference: safe to show to any reader (viewers, read-only keys,
/// webhook receivers, page URLs), because the ping code cannot be computed back from
/// it. The first 40 hex digits of the SHA-256 of the code's hyphenated form — the same
/// value as the v3 mirror's `unique_key`, so one monitor has one public name. A type of
/// its own: a reference cannot be passed where a ping code or a monitor id belongs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicRef(String);

impl PublicRef {
    /// The reference of the monitor whose ping code (its row id) is `code`.
    pub fn of(code: &str) -> PublicRef {
        use sha2::{Digest, Sha256};
        let mut hex = hex::encode(Sha256::digest(code.trim().to_ascii_lowercase().as_bytes()));
        hex.truncate(40);
        PublicRef(hex)
    }

    /// `text` as a reference, when it has the shape of one (40 lowercase hex digits).
    pub fn parse(text: &str) -> Option<PublicRef> {
        let shaped = text.len() == 40
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        shaped.then(|| PublicRef(text.to_string()))
    }

    /// Its text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PublicRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<PublicRef> for String {
    fn from(r: PublicRef) -> String {
        r.0
    }
}

/// The digest by which `overdue apply` learns whether a channel's secret changed
/// without anyone reading it back: SHA-256 over the channel's id, the field and the
/// value (the id salts it: equal secrets of two channels digest apart).
pub fn secret_digest(channel_id: &str, field: &str, value: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [channel_id, field, value] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())
}

impl PingCode {
    /// This code's monitor's public reference.
    pub fn public_ref(self) -> PublicRef {
        PublicRef::of(&self.to_string())
    }

    /// The monitor this code pings. The one place a code becomes an id: today the row
    /// id is the code itself.
    pub fn monitor(self) -> MonitorId {
        MonitorId(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_uuid_rule() {
        let id = "0b5e8a3e-5f6c-4b7a-9d2e-1c3f4a5b6c7d";
        assert!(canonical_uuid(id).is_some());
        assert!(canonical_uuid(&id.to_uppercase()).is_some());
        assert!(canonical_uuid(&id.replace('-', "")).is_none());
        assert!(canonical_uuid(&format!("{{{id}}}")).is_none());
        assert!(canonical_uuid(&format!("urn:uuid:{id}")).is_none());
        assert!(MonitorId::parse(&id.replace('-', "")).is_none());
    }

    #[test]
    fn either_case_is_one_id() {
        let a = PingCode::parse("5d9e2a4c-7f31-4c5b-9a0e-2f6d8c1b3a77").unwrap();
        assert_eq!(
            PingCode::parse("5D9E2A4C-7F31-4C5B-9A0E-2F6D8C1B3A77"),
            Some(a)
        );
        assert_eq!(PingCode::parse("5D9E2A4C7F314C5B9A0E2F6D8C1B3A77"), None);
        assert_eq!(a.to_string(), "5d9e2a4c-7f31-4c5b-9a0e-2f6d8c1b3a77");
        assert_eq!(a.monitor().to_string(), a.to_string());
        assert_eq!(MonitorId::parse("nope"), None);
        let r = a.public_ref();
        assert_eq!(PublicRef::parse(r.as_str()), Some(r.clone()), "{r}");
        assert_eq!(r, PublicRef::of("5D9E2A4C-7F31-4C5B-9A0E-2F6D8C1B3A77"));
        assert!(!r.as_str().contains("5d9e2a4c"));
    }
}
