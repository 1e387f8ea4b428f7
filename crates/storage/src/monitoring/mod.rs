//! Monitors and what happens to them (docs/architecture.md, "The map"): their rows,
//! runs, chains, dependencies, leases, public references, state transitions, history,
//! the dashboard's summary and problems. It may use alerting (a transition opens a
//! notice), never the other way round.

pub mod cascade;
pub mod chains;
pub mod deps;
pub mod history;
pub mod leases;
pub mod monitors;
pub mod problems;
pub mod refs;
pub mod runs;
pub(crate) mod spans;
pub mod status_keys;
pub mod status_pages;
pub mod summary;
pub(crate) mod transition;
pub mod upsert;
pub mod views;
