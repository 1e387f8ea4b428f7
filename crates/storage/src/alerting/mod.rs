//! Alerting (docs/architecture.md, "The map"): notices and alerts, acknowledgements,
//! messages and the outbox, channels and their health, routes, silences, grouping, storms and
//! paging timers. It knows nothing of monitors and flows beyond the ids in its rows, and
//! their names and tags, read through the schema for the Alerts page (`triage`).

pub mod acks;
pub mod alerts;
pub mod channel_health;
pub mod channels;
pub mod firing;
pub(crate) mod grouping;
pub mod messages;
pub(crate) mod notices;
pub(crate) mod paging;
pub mod routes;
pub mod silences;
pub(crate) mod storms;
pub(crate) mod tallies;
pub mod timers;
pub mod tokens;
pub mod triage;
pub mod views;
