//! Storage errors: what went wrong, in terms the server maps to HTTP once.

use thiserror::Error;

/// Everything storage can fail with.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The row asked for does not exist (or belongs to another project).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule was broken (e.g. slug already used).
    #[error("{0}")]
    Conflict(String),
    /// The input was refused by a domain rule.
    #[error("{0}")]
    Invalid(String),
    /// The database could not be reached or failed; callers answer 503.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A query failed.
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    /// Migrations could not be applied.
    #[error("migration failed: {0}")]
    Migration(String),
    /// The configuration (URL) is wrong.
    #[error("{0}")]
    Config(String),
    /// A stored value could not be read back (a bug or a hand-edited row).
    #[error("internal error: {0}")]
    Internal(String),
    /// A limit on attempts was reached (nothing was written); the number is the seconds
    /// until the next attempt may be made.
    #[error("{0}")]
    Limited(String, i64),
    /// A cap of the operator's was reached (the message names it); nothing was written.
    #[error("{0}")]
    Capped(String),
    /// The person's second factor is needed (`missing`: no code came) or the code was
    /// wrong; nothing was written (docs/security.md, "Second factor").
    #[error("{}", if *missing { ASK_CODE } else { WRONG_CODE })]
    SecondFactor {
        /// No code came (the password was right: ask for the code).
        missing: bool,
    },
}

/// What a sign-in without its second factor's code is told.
pub const ASK_CODE: &str = "second factor: enter the 6-digit code from your authenticator \
     app or one of your recovery codes, or use your passkey";

/// What a sign-in with a wrong code or passkey answer is told.
pub const WRONG_CODE: &str = "second factor: that code is wrong or was used already: enter \
     the current one, or a recovery code";

/// Words of database messages that are worth a retry.
const TRANSIENT: [&str; 11] = [
    "locked",
    "busy",
    "deadlock",
    "timeout",
    "timed out",
    "connection",
    "terminating",
    "shutting down",
    "too many clients",
    "could not serialize",
    "canceling statement",
];

/// Words of database messages about a value that cannot be stored.
const BAD_DATA: [&str; 6] = [
    "invalid byte sequence",
    "null character",
    "unsupported unicode escape",
    "value too long",
    "out of range",
    "invalid input syntax",
];

impl StoreError {
    /// True for unique-constraint violations, so callers can name the field.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Db(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }

    /// True when the database refused a value it cannot store (on PostgreSQL: a NUL
    /// character, an invalid byte sequence, a value out of range): the request's fault,
    /// answered 400, never an outage.
    pub fn is_bad_data(&self) -> bool {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match self {
            StoreError::Db(E::DatabaseError(K::Unknown, info)) => {
                let m = info.message().to_ascii_lowercase();
                BAD_DATA.iter().any(|t| m.contains(t))
            }
            _ => false,
        }
    }

    /// True when trying again may succeed: the database could not be reached, lost the
    /// connection, held a lock or refused a serialization conflict between instances —
    /// as opposed to a request that hit a bug (an internal error).
    pub fn is_transient(&self) -> bool {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match self {
            StoreError::Unavailable(_) => true,
            StoreError::Db(E::DatabaseError(kind, info)) => match kind {
                K::UnableToSendCommand
                | K::SerializationFailure
                | K::ReadOnlyTransaction
                | K::ClosedConnection => true,
                // Neither database gives a class for these: a lock, a deadlock, a lost
                // or refused connection are worth a retry; anything else (a value the
                // database cannot store, a bug) is permanent and never an outage.
                K::Unknown => {
                    let m = info.message().to_ascii_lowercase();
                    TRANSIENT.iter().any(|t| m.contains(t))
                }
                _ => false,
            },
            StoreError::Db(
                E::BrokenTransactionManager
                | E::AlreadyInTransaction
                | E::RollbackErrorOnCommit { .. },
            ) => true,
            _ => false,
        }
    }
}
