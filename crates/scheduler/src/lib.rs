//! Overdue's background tasks, one set per `overdue serve` process:
//!
//! - [`deadlines`]: sleeps until the earliest deadline in the index (or until the
//!   writer says an earlier one appeared) and flips what has passed;
//! - [`notifier`]: delivers the outbox with retries, one lease per entry;
//!
//! The deadline loop also writes the heartbeat (every second) and applies the outage
//! rule in the same transaction, before it looks for due monitors.
//!
//! Several processes on one PostgreSQL may run all of them: every flip is a conditional
//! change inside a row lock and every delivery a conditional claim, so work is done once.

pub mod deadlines;
pub mod notifier;
