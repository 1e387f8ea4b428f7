//! What peers' clients and tools expect (docs/architecture.md, "The map"): the
//! Healthchecks v3 mirror and Prometheus metrics.

pub mod metrics;
pub mod v3;
