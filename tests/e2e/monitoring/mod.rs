//! Monitors and what happens to them: pings, states, runs, leases, dependencies,
//! fan-in, chains, problems, schedules through DST nights, retention.

pub(crate) mod availability;
pub(crate) mod chains;
pub(crate) mod deps;
pub(crate) mod dst_nights;
pub(crate) mod fanin;
pub(crate) mod leases;
pub(crate) mod lifecycle;
pub(crate) mod numbers;
pub(crate) mod ping;
pub(crate) mod problems;
pub(crate) mod report_mail;
pub(crate) mod reports;
pub(crate) mod retention;
pub(crate) mod run_rules;
pub(crate) mod runs;
pub(crate) mod status_page;
