//! Alerts and channels as the API shows them, each read in one call per request: a
//! page of alerts with the timers that hold them, an alert with its messages and their
//! delivery attempts, the channels with whether each works.

use std::collections::HashMap;

use crate::alerting::alerts::{self, AlertRow, Filter};
use crate::alerting::{channels, timers};
use crate::base::models::{ChannelRow, DeliveryRow, OutboxRow};
use crate::{AnyConnection, StoreError};

/// A page of `project`'s alerts by `f`, with the timers holding them (alert, kind, until).
#[allow(clippy::type_complexity)]
pub fn alerts_page(
    c: &mut AnyConnection,
    project: &str,
    f: &Filter,
) -> Result<(Vec<AlertRow>, Vec<(i64, String, i64)>), StoreError> {
    let rows = alerts::list(c, project, f)?;
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    Ok((rows, timers::holds(c, &ids)?))
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
