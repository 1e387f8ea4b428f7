//! Acknowledging alerts — through the API, an acknowledgement link, or the problem
//! they are about: one notion, written in one place. The alert and its problem change
//! together, and paging channels are told (their incident stops escalating).

use diesel::prelude::*;
use overdue_core::alert::{self, AckDecision, AlertStatus};
use overdue_core::Transition;

use crate::alerting::alerts::{get, AlertRow};
use crate::alerting::tokens::token_hash;
use crate::base::schema::{ack_tokens, alerts, channels, problems};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// What acknowledging did.
#[derive(Debug, Clone)]
pub struct Acknowledged {
    /// The alert (or the group's lead) as it is now.
    pub alert: AlertRow,
    /// `false`: someone had already acknowledged it (answered with who).
    pub changed: bool,
    /// Alerts acknowledged by this call (a group link: all of its open ones).
    pub count: u64,
}

/// Acknowledges alert `id` of `project` by `by` with an optional note. An alert
/// already acknowledged answers who did; a resolved one is a `Conflict`. A problem
/// alert acknowledges its problem too; paging channels are told.
pub fn acknowledge(
    tx: &mut Tx<'_>,
    project: &str,
    id: i64,
    by: &str,
    note: Option<&str>,
) -> Result<Acknowledged, StoreError> {
    let row = get(tx.conn(), project, id)?;
    ack_rows(tx, (row, vec![]), false, by, note)
}

/// What acknowledging several alerts did: how many it acknowledged, and the ids left
/// as they were (already acknowledged; resolved).
pub type AcknowledgedMany = (u64, Vec<i64>, Vec<i64>);

/// Acknowledges alerts `ids` of `project` by `by` (the Alerts page's bulk action). An
/// id that is not an alert of the project is a `NotFound` and nothing is written;
/// alerts already acknowledged or resolved are left as they were.
pub fn acknowledge_many(
    tx: &mut Tx<'_>,
    project: &str,
    ids: &[i64],
    by: &str,
    note: Option<&str>,
) -> Result<AcknowledgedMany, StoreError> {
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        rows.push(get(tx.conn(), project, *id)?);
    }
    let (mut acked, mut already, mut resolved) = (0, Vec::new(), Vec::new());
    for row in rows {
        match alert::acknowledge(row.status()) {
            AckDecision::Acknowledge => {
                acked += ack_rows(tx, (row, vec![]), false, by, note)?.count
            }
            AckDecision::Already => already.push(row.id),
            AckDecision::Resolved => resolved.push(row.id),
        }
    }
    Ok((acked, already, resolved))
}

/// Acknowledges an alert's whole group (an acknowledgement link: "acknowledge all 14").
pub(crate) fn acknowledge_group(
    tx: &mut Tx<'_>,
    lead: AlertRow,
    by: &str,
) -> Result<Acknowledged, StoreError> {
    let members: Vec<AlertRow> = alerts::table
        .filter(alerts::group_id.eq(lead.id))
        .filter(alerts::id.ne(lead.id))
        .filter(alerts::status.eq(AlertStatus::Open.as_str()))
        .select(AlertRow::as_select())
        .load(tx.conn())?;
    ack_rows(tx, (lead, members), false, by, None)
}

/// Acknowledges `lead` and `members`; `each`: every one is its own incident on
/// paging channels (a storm's snapshot), else the lead stands for them.
fn ack_rows(
    tx: &mut Tx<'_>,
    (lead, members): (AlertRow, Vec<AlertRow>),
    each: bool,
    by: &str,
    note: Option<&str>,
) -> Result<Acknowledged, StoreError> {
    let now = tx.now();
    let lead_open = alert::acknowledge(lead.status());
    if lead_open == AckDecision::Resolved && members.is_empty() {
        return Err(StoreError::Conflict(format!(
            "alert {} is resolved ({}): there is nothing to acknowledge",
            lead.id,
            lead.resolved_reason.as_deref().unwrap_or("over")
        )));
    }
    let mut targets: Vec<&AlertRow> = members.iter().collect();
    if lead_open == AckDecision::Acknowledge {
        targets.insert(0, &lead);
    }
    let c = tx.conn();
    for a in &targets {
        let changed = diesel::update(
            alerts::table
                .find(a.id)
                .filter(alerts::status.eq(AlertStatus::Open.as_str())),
        )
        .set((
            alerts::status.eq(AlertStatus::Acknowledged.as_str()),
            alerts::acknowledged_at.eq(now.0),
            alerts::acknowledged_by.eq(by),
            alerts::ack_note.eq(note),
        ))
        .execute(c)?;
        if changed > 0 {
            crate::alerting::tallies::acknowledged(c, a.counted(), by, now)?;
        }
        if let Some(pid) = a.problem_id {
            diesel::update(
                problems::table
                    .find(pid)
                    .filter(problems::acknowledged_at.is_null()),
            )
            .set((
                problems::acknowledged_at.eq(now.0),
                problems::acknowledged_by.eq(by),
            ))
            .execute(c)?;
        }
    }
    let count = targets.len() as u64;
    if count > 0 {
        // Paging channels keep an incident per group: tell them it is looked after,
        // whoever owns the alert (a monitor or a flow).
        let mut note = lead.note(Transition::Acknowledge, count);
        // A storm's link acknowledges alerts the pager got one by one: each its own
        // incident. Otherwise the group's lead is the incident.
        note.incidents = if each {
            targets.iter().map(|a| a.dedup_key.clone()).collect()
        } else {
            vec![lead.dedup_key.clone()]
        };
        if let Some(monitor) = &lead.monitor_id {
            crate::alerting::notices::announce(tx, monitor, note)?;
        } else if let Some(flow) = &lead.flow_id {
            crate::alerting::notices::announce_flow(tx, flow, note)?;
        }
    }
    let alert = get(tx.conn(), &lead.project_id, lead.id)?;
    Ok(Acknowledged {
        alert,
        changed: count > 0,
        count,
    })
}

/// What an acknowledgement link names.
#[derive(Debug, Clone)]
pub struct Link {
    /// The alert (a group's lead).
    pub alert: AlertRow,
    /// Alerts in its group.
    pub group_size: u64,
    /// Of them, still open.
    pub open: u64,
    /// The channel the link was sent through (none if since deleted).
    pub channel: Option<crate::base::models::ChannelRow>,
    /// The address it was sent to, for a link in an e-mail.
    pub recipient: Option<String>,
    /// The alerts a storm's gathered message named (its link acknowledges exactly
    /// these); `None`: the alert's group.
    pub members: Option<Vec<i64>>,
}

/// The alert an acknowledgement token names (`None`: no such token).
pub fn by_token(c: &mut AnyConnection, token: &str) -> Result<Option<Link>, StoreError> {
    type Found = (i64, String, Option<String>, Option<String>);
    let found: Option<Found> = ack_tokens::table
        .find(token_hash(token))
        .select((
            ack_tokens::alert_id,
            ack_tokens::channel_id,
            ack_tokens::recipient,
            ack_tokens::alert_ids,
        ))
        .first(c)
        .optional()?;
    let Some((alert_id, channel_id, recipient, snapshot)) = found else {
        return Ok(None);
    };
    let members: Option<Vec<i64>> = snapshot.map(|ids| {
        ids.split_whitespace()
            .filter_map(|id| id.parse().ok())
            .collect()
    });
    let alert: Option<AlertRow> = alerts::table
        .find(alert_id)
        .select(AlertRow::as_select())
        .first(c)
        .optional()?;
    let Some(alert) = alert else {
        return Ok(None);
    };
    let (group_size, open): (i64, i64) = match &members {
        // The alerts named, with those each stands for (a report's problems).
        Some(ids) => (
            alerts::table
                .filter(alerts::id.eq_any(ids).or(alerts::group_id.eq_any(ids)))
                .count()
                .get_result(c)?,
            alerts::table
                .filter(alerts::id.eq_any(ids).or(alerts::group_id.eq_any(ids)))
                .filter(alerts::status.eq(AlertStatus::Open.as_str()))
                .count()
                .get_result(c)?,
        ),
        None => (
            alerts::table
                .filter(alerts::group_id.eq(alert.id).or(alerts::id.eq(alert.id)))
                .count()
                .get_result(c)?,
            alerts::table
                .filter(alerts::group_id.eq(alert.id).or(alerts::id.eq(alert.id)))
                .filter(alerts::status.eq(AlertStatus::Open.as_str()))
                .count()
                .get_result(c)?,
        ),
    };
    let channel = channels::table
        .find(&channel_id)
        .select(crate::base::models::ChannelRow::as_select())
        .first(c)
        .optional()?;
    Ok(Some(Link {
        alert,
        group_size: group_size as u64,
        open: open as u64,
        channel,
        recipient,
        members,
    }))
}

/// Acknowledges what a token names (its whole group) by `by`. `None`: no such token.
pub fn acknowledge_by_token(
    tx: &mut Tx<'_>,
    token: &str,
    by: &str,
) -> Result<Option<Acknowledged>, StoreError> {
    let Some(link) = by_token(tx.conn(), token)? else {
        return Ok(None);
    };
    let Some(ids) = link.members else {
        return acknowledge_group(tx, link.alert, by).map(Some);
    };
    // A storm's link: the alerts its message named that are still open.
    let lead = link.alert;
    let members: Vec<AlertRow> = alerts::table
        .filter(alerts::id.eq_any(&ids).or(alerts::group_id.eq_any(&ids)))
        .filter(alerts::id.ne(lead.id))
        .filter(alerts::status.eq(AlertStatus::Open.as_str()))
        .select(AlertRow::as_select())
        .load(tx.conn())?;
    ack_rows(tx, (lead, members), true, by, None).map(Some)
}
