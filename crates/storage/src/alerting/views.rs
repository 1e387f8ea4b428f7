//! Alerts and channels as the API shows them, each read in one call per request: a
//! page of alerts with the timers that hold them, an alert with its messages and their
//! delivery attempts, the channels with whether each works.

use std::collections::HashMap;

use crate::alerting::alerts::{self, AlertRow};
use crate::alerting::triage::{self, Filter};
use crate::alerting::{channels, timers};
use crate::base::models::{ChannelRow, DeliveryRow, OutboxRow};
use crate::{AnyConnection, StoreError};

/// A page of `project`'s alerts by `f` (the Alerts page's read, `triage`).
#[derive(Debug, Clone)]
pub struct AlertsPage {
    /// The alerts, newest first.
    pub rows: Vec<AlertRow>,
    /// The timers holding them: (alert, kind, until).
    pub holds: Vec<(i64, String, i64)>,
    /// The names of the monitors and flows they are about, by id.
    pub names: HashMap<String, String>,
}

/// A page of `project`'s alerts by `f` (a channel of another project is not found),
/// with the timers holding them and the names of
/// what they are about.
pub fn alerts_page(
    c: &mut AnyConnection,
    project: &str,
    f: &Filter,
) -> Result<AlertsPage, StoreError> {
    if let Some(ch) = &f.channel {
        // Another project's channel is no channel here: 404, not an empty page.
        channels::get(c, project, ch)?;
    }
    let rows = triage::list(c, project, f)?;
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let holds = timers::holds(c, &ids)?;
    let names = triage::names(c, &rows)?;
    Ok(AlertsPage { rows, holds, names })
}

/// Alert `id` of `project` with the messages of its group (its lead's) and their
/// delivery attempts.
pub fn alert(
    c: &mut AnyConnection,
    project: &str,
    id: i64,
) -> Result<(AlertRow, Vec<OutboxRow>, Vec<DeliveryRow>), StoreError> {
    let a = alerts::get(c, project, id)?;
    let lead = a.group_id.unwrap_or(a.id);
    let messages = alerts::messages(c, lead)?;
    let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
    let attempts = alerts::attempts(c, &ids)?;
    Ok((a, messages, attempts))
}

/// `project`'s channels, with whether each works (its last attempt succeeded).
pub fn channels(
    c: &mut AnyConnection,
    project: &str,
) -> Result<(Vec<ChannelRow>, HashMap<String, bool>), StoreError> {
    let rows = channels::list(c, project)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    Ok((rows, channels::health(c, &ids)?))
}
