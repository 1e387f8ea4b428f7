//! The dashboard in real headless Chromium, and the endpoints it relies on; the Alerts
//! page as a triage view.

pub(crate) mod dashboard;
pub(crate) mod dashboard_api;
pub(crate) mod glance;
pub(crate) mod list;
pub(crate) mod people;
pub(crate) mod triage;
