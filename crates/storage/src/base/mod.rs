//! The base every domain stands on (docs/architecture.md, "The map"): connections to
//! either backend, the unit of work ([`tx::Tx`]), the schema and its rows, errors, the
//! operator's caps, the statements cache, and the live relay between instances.
//! It imports no domain.

pub mod audit;
pub mod caps;
pub mod conn;
pub mod error;
pub(crate) mod later;
pub(crate) mod live;
pub mod models;
pub mod outbox;
pub mod schema;
pub mod service;
pub(crate) mod statements;
pub(crate) mod tallies;
pub(crate) mod tx;
pub(crate) mod unnest;
