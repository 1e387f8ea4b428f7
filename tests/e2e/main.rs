//! End-to-end tests: a real server on port 0 per test, on SQLite and on PostgreSQL
//! (a fresh database per test), with real HTTP webhook receivers.

mod access;
mod accounts;
mod alert_delivery;
mod alerts;
mod api;
mod bad_input;
mod browser;
mod chains;
mod cli;
mod client;
mod dashboard_api;
mod db_outage;
mod deps;
mod escalation;
mod escalation_loop;
mod fanin;
mod flows;
mod grouping;
mod hardening;
mod harness;
mod leases;
mod lifecycle;
mod multi;
mod ping;
mod presets;
mod problems;
mod restart;
mod retention;
mod routing;
mod run_rules;
mod runs;
mod silences;
mod smtp;
mod takeover;
mod webdriver;
