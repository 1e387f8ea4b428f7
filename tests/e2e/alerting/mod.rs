//! Alerting: alerts and their delivery (webhooks, e-mail, presets), routes, silences,
//! groups, storms, a burst of deadlines, the Alerts page's filters and bulk actions,
//! reminders and escalation, secrets that never follow a moved channel.

pub(crate) mod alert_delivery;
pub(crate) mod alerts;
pub(crate) mod burst;
pub(crate) mod escalation;
pub(crate) mod escalation_loop;
pub(crate) mod evidence;
pub(crate) mod grouping;
pub(crate) mod moved;
pub(crate) mod presets;
pub(crate) mod routes;
pub(crate) mod silences;
pub(crate) mod storms;
pub(crate) mod triage;
