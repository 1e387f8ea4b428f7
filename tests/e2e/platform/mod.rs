//! The service as a process: restarts and SIGKILL, several instances, database
//! outages, the container files, the CLI and `overdue apply`, syslog, hardening and
//! bad input.

pub(crate) mod apply;
pub(crate) mod bad_input;
pub(crate) mod cli;
pub(crate) mod control_chars;
pub(crate) mod db_outage;
pub(crate) mod docker;
pub(crate) mod hardening;
pub(crate) mod multi;
pub(crate) mod restart;
pub(crate) mod syslog;
pub(crate) mod takeover;
