//! A route's groups (docs/behaviour.md, "Routing"): alerts of one group key gathered
//! during `group_wait`
//! (and never sooner than `group_interval` after the group's last message) go out as
//! one message — "3 alerts in team:db: …" — whose acknowledgement link acknowledges
//! them all (their `group_id` is the first's). Alerts acknowledged or resolved before
//! the message are left out (nobody heard of them). The route's reminders and
//! escalation then follow the group's first alert.

use diesel::prelude::*;
use overdue_core::{AlertStatus, EventKind, EventRecord, Timestamp, Transition};

use crate::alerting::timers::{arm, TimerRow};
use crate::base::schema::{alert_timers, alerts, route_groups};
use crate::base::tx::Tx;
use crate::StoreError;

/// Sends the message of group `key` of route `route` from its due `members` (each
/// claimed here). Returns whether a message was written.
pub(crate) fn fire_group(
    tx: &mut Tx<'_>,
    route: &str,
    key: &str,
    members: &[&TimerRow],
) -> Result<bool, StoreError> {
    let now = tx.now();
    let mut open: Vec<(i64, EventRecord, String)> = Vec::new();
    let mut project = String::new();
    for t in members {
        let c = tx.conn();
        if diesel::delete(alert_timers::table.find(t.id)).execute(c)? == 0 {
            continue;
        }
        let a: Option<(String, String, String)> = alerts::table
            .find(t.alert_id)
            .select((alerts::status, alerts::project_id, alerts::dedup_key))
            .first(c)
            .optional()?;
        let Some((status, p, dedup)) = a else {
            continue;
        };
        if AlertStatus::parse(&status) != Some(AlertStatus::Open) {
            continue;
        }
        let Some(record) = t
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str::<EventRecord>(p).ok())
        else {
            continue;
        };
        project = p;
        open.push((t.alert_id, record, dedup));
    }
    let Some((lead, first, _)) = open.first().cloned() else {
        return Ok(false);
    };
    let c = tx.conn();
    let Ok(stored) = crate::alerting::routes::get(c, &project, route) else {
        // The route is gone: its waiting alerts are routed anew, never dropped.
        for (_, record, _) in &open {
            if let Some(row) = crate::alerting::notices::owner_of(tx.conn(), &record.monitor.uuid)?
            {
                crate::alerting::notices::enqueue_for(tx, &row, std::slice::from_ref(record))?;
            }
        }
        return Ok(!open.is_empty());
    };
    let rule = stored.rule();
    // Paging channels had their event per alert already.
    let kinds: Vec<(String, String)> = crate::base::schema::channels::table
        .filter(crate::base::schema::channels::id.eq_any(&rule.channels))
        .select((
            crate::base::schema::channels::id,
            crate::base::schema::channels::kind,
        ))
        .load(c)?;
    let channels: Vec<String> = kinds
        .into_iter()
        .filter(|(_, k)| !overdue_core::alert::is_paging(k))
        .map(|(id, _)| id)
        .collect();
    let record = if open.len() == 1 {
        first
    } else {
        let ids: Vec<i64> = open.iter().map(|(id, _, _)| *id).collect();
        diesel::update(alerts::table.filter(alerts::id.eq_any(&ids)))
            .set(alerts::group_id.eq(lead))
            .execute(c)?;
        grouped(key, &open, &project, now)
    };
    diesel::delete(route_groups::table.find((route, key))).execute(c)?;
    diesel::insert_into(route_groups::table)
        .values((
            route_groups::route_id.eq(route),
            route_groups::group_key.eq(key),
            route_groups::last_sent_at.eq(now.0),
        ))
        .execute(c)?;
    arm(c, lead, &[&rule], now)?;
    let monitor = first_monitor(&open);
    crate::alerting::messages::send_to(
        tx,
        &project,
        &monitor,
        &channels,
        record,
        Transition::Trigger,
    )
    .map(|_| true)
}

fn first_monitor(open: &[(i64, EventRecord, String)]) -> String {
    open.first()
        .map(|(_, r, _)| r.monitor.uuid.clone())
        .unwrap_or_default()
}

/// One message for several alerts: the group's name, each alert's headline listed,
/// the first alert's note covering them all.
fn grouped(
    key: &str,
    open: &[(i64, EventRecord, String)],
    project: &str,
    now: Timestamp,
) -> EventRecord {
    let (_, first, _) = &open[0];
    let mut note = first.alert.clone();
    if let Some(n) = note.as_mut() {
        n.count = open.len() as u64;
        n.incidents = open.iter().map(|(_, _, d)| d.clone()).collect();
        n.ack_token = None;
    }
    let items = open
        .iter()
        .take(overdue_core::ProblemsNote::MAX_ITEMS)
        .map(|(_, r, _)| overdue_core::ProblemItem::headline_of(r))
        .collect();
    EventRecord {
        event: EventKind::Grouped,
        monitor: overdue_core::MonitorRef {
            uuid: String::new(),
            name: key.to_string(),
            slug: None,
            tags: Vec::new(),
            project: project.to_string(),
            project_name: None,
        },
        status: "down".into(),
        previous_status: "up".into(),
        reason: None,
        detail: None,
        at: now.to_rfc3339(),
        body: None,
        problems: Some(overdue_core::ProblemsNote {
            count: open.len() as u64,
            items,
        }),
        alert: note,
        expected: None,
        last_ping: None,
        expected_at: None,
        last_ping_at: None,
        run: None,
    }
}
