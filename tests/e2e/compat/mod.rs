//! What peers' clients send and expect: Healthchecks' clients, the v3 mirror and
//! `/api/v1`, the OpenAPI document, the Rust client.

pub(crate) mod api;
pub(crate) mod client;
pub(crate) mod healthchecks;
pub(crate) mod openapi;
