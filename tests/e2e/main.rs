//! End-to-end tests: a real server on port 0 per test, on SQLite and on PostgreSQL
//! (a fresh database per test), with real HTTP webhook receivers.

mod alerting;
mod browser;
mod compat;
mod flows;
mod harness;
mod monitoring;
mod people;
mod platform;
