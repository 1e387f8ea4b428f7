//! `/api/v1` for alerting (docs/architecture.md, "The map"): alerts and their
//! acknowledgement (by API or link), channels, routes and silences.

pub mod acks;
pub mod alerts;
pub mod channel_input;
pub mod channels;
pub mod routes;
pub mod silences;
