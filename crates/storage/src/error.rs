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
}

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

    /// True when trying again may succeed: the database could not be reached, lost the
    /// connection, held a lock or refused a serialization conflict between instances —
    /// as opposed to a request that hit a bug (an internal error).
    pub fn is_transient(&self) -> bool {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match self {
            StoreError::Unavailable(_) => true,
            StoreError::Db(E::DatabaseError(kind, _)) => !matches!(
                kind,
                K::UniqueViolation
                    | K::ForeignKeyViolation
                    | K::NotNullViolation
                    | K::CheckViolation
            ),
            StoreError::Db(
                E::BrokenTransactionManager
                | E::AlreadyInTransaction
                | E::RollbackErrorOnCommit { .. },
            ) => true,
            _ => false,
        }
    }
}
