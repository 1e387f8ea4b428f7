//! The page cap on the write path (rules in `overdue_core::page_cap`): before a
//! message goes to a paging channel, a trigger beyond the channel's cap joins the
//! channel's overflow incident (the first one beyond opens it), and the resolution of
//! an alert in an overflow closes the overflow when it was the last open one. Counted
//! from the channel's outbox rows of the last ten minutes (an index range), so the cap
//! holds across restarts and instances.

use std::collections::BTreeSet;

use diesel::prelude::*;
use overdue_core::{page_cap, EventRecord, Timestamp, Transition};

use crate::base::schema::{
    alerts, outbox, page_overflow_alerts as members, page_overflows as overflows,
};
use crate::base::statements::on_inner;
use crate::{AnyConnection, StoreError};

/// What goes to a paging channel in place of a message.
pub(crate) enum Page {
    /// The message as it is.
    Send,
    /// This message instead: an overflow's trigger, or a resolution naming fewer or
    /// other incidents.
    Instead(Box<EventRecord>),
    /// Nothing: the alert stands in an overflow incident.
    Nothing,
}

/// The paging channel a message would go to.
pub(crate) struct Paged<'a> {
    /// The project.
    pub(crate) project: &'a str,
    /// The channel's id.
    pub(crate) channel: &'a str,
    /// Its stored settings (`page_limit`).
    pub(crate) config: &'a str,
}

/// Applies the cap of `to` to `record`.
pub(crate) fn cap(
    c: &mut AnyConnection,
    to: &Paged<'_>,
    record: &EventRecord,
    now: Timestamp,
) -> Result<Page, StoreError> {
    let Some(note) = &record.alert else {
        return Ok(Page::Send);
    };
    match note.transition {
        Transition::Trigger | Transition::Escalate => admit(c, to, record, now),
        Transition::Resolve | Transition::Acknowledge => settle(c, to, record, now),
        _ => Ok(Page::Send),
    }
}

/// The channels holding an overflow incident for any of `alerts` (they hear of the
/// alerts' resolution, which may close it).
pub(crate) fn channels_of(c: &mut AnyConnection, ids: &[i64]) -> Result<Vec<String>, StoreError> {
    let q = members::table
        .inner_join(overflows::table.on(overflows::id.eq(members::overflow_id)))
        .filter(members::alert_id.eq_any(ids))
        .select(overflows::channel_id)
        .distinct();
    Ok(on_inner!(c, |inner| q.load(inner))?)
}

/// The alerts a message names (`id`, dedup key): its incidents', or its own.
fn named(
    c: &mut AnyConnection,
    project: &str,
    record: &EventRecord,
) -> Result<Vec<(i64, String)>, StoreError> {
    let Some(note) = &record.alert else {
        return Ok(Vec::new());
    };
    if note.incidents.is_empty() {
        return Ok(vec![(note.id, note.dedup_key.clone())]);
    }
    let q = alerts::table
        .filter(alerts::project_id.eq(project))
        .filter(alerts::dedup_key.eq_any(&note.incidents))
        .select((alerts::id, alerts::dedup_key));
    Ok(on_inner!(c, |inner| q.load(inner))?)
}

/// The open memberships of `ids` in the channel's open overflows: (overflow, alert, key).
fn memberships(
    c: &mut AnyConnection,
    channel: &str,
    ids: &[i64],
) -> Result<Vec<(i64, i64, String)>, StoreError> {
    let q = members::table
        .inner_join(overflows::table.on(overflows::id.eq(members::overflow_id)))
        .filter(overflows::channel_id.eq(channel))
        .filter(overflows::closed_at.is_null())
        .filter(members::alert_id.eq_any(ids))
        .filter(members::open.eq(true))
        .select((
            members::overflow_id,
            members::alert_id,
            overflows::dedup_key,
        ));
    Ok(on_inner!(c, |inner| q.load(inner))?)
}

/// A trigger: sent while the channel is under its cap; beyond it, the alerts join the
/// open overflow (the first beyond opens one and its message goes instead).
fn admit(
    c: &mut AnyConnection,
    to: &Paged<'_>,
    record: &EventRecord,
    now: Timestamp,
) -> Result<Page, StoreError> {
    let ids: Vec<i64> = named(c, to.project, record)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    // An alert already in the overflow (escalated to the channel again) adds nothing.
    if !memberships(c, to.channel, &ids)?.is_empty() {
        return Ok(Page::Nothing);
    }
    let limit = page_cap::limit_of(to.config);
    let since = now.0 - page_cap::WINDOW_MS;
    let sent = outbox::table
        .filter(outbox::channel_id.eq(to.channel))
        .filter(outbox::created_at.gt(since))
        .filter(outbox::transition.eq_any(["trigger", "escalate"]))
        .count();
    let sent: i64 = on_inner!(c, |inner| sent.get_result(inner))?;
    if page_cap::admits(sent, limit) {
        return Ok(Page::Send);
    }
    let open = overflows::table
        .filter(overflows::channel_id.eq(to.channel))
        .filter(overflows::closed_at.is_null())
        .select(overflows::id);
    let open: Option<i64> = on_inner!(c, |inner| open.first(inner).optional())?;
    let (overflow, page) = match open {
        Some(id) => (id, Page::Nothing),
        None => {
            let new = diesel::insert_into(overflows::table)
                .values((
                    overflows::project_id.eq(to.project),
                    overflows::channel_id.eq(to.channel),
                    overflows::dedup_key.eq(""),
                    overflows::opened_at.eq(now.0),
                ))
                .returning(overflows::id);
            let id: i64 = on_inner!(c, |inner| new.get_result(inner))?;
            let key = page_cap::overflow_key(to.channel, id);
            let set = diesel::update(overflows::table.find(id)).set(overflows::dedup_key.eq(&key));
            on_inner!(c, |inner| set.execute(inner))?;
            let first = page_cap::overflow_record(record, &key, limit, now);
            (id, Page::Instead(Box::new(first)))
        }
    };
    for alert in ids {
        let row = diesel::insert_into(members::table).values((
            members::overflow_id.eq(overflow),
            members::alert_id.eq(alert),
            members::open.eq(true),
        ));
        on_inner!(c, |inner| row.execute(inner))?;
    }
    Ok(page)
}

/// A resolution or acknowledgement: the alerts in an overflow are left out (an
/// acknowledgement of one of them is not the overflow's); a resolution closes each
/// overflow whose last open alert it was, and names it.
fn settle(
    c: &mut AnyConnection,
    to: &Paged<'_>,
    record: &EventRecord,
    now: Timestamp,
) -> Result<Page, StoreError> {
    let Some(note) = &record.alert else {
        return Ok(Page::Send);
    };
    let named = named(c, to.project, record)?;
    let ids: Vec<i64> = named.iter().map(|(id, _)| *id).collect();
    let rows = memberships(c, to.channel, &ids)?;
    if rows.is_empty() {
        return Ok(Page::Send);
    }
    let inside: BTreeSet<i64> = rows.iter().map(|(_, a, _)| *a).collect();
    let mut keys: Vec<String> = named
        .into_iter()
        .filter(|(id, _)| !inside.contains(id))
        .map(|(_, k)| k)
        .collect();
    if note.transition == Transition::Resolve {
        let touched: BTreeSet<(i64, String)> =
            rows.iter().map(|(o, _, k)| (*o, k.clone())).collect();
        for (overflow, key) in touched {
            let done = diesel::update(
                members::table
                    .filter(members::overflow_id.eq(overflow))
                    .filter(members::alert_id.eq_any(&ids)),
            )
            .set(members::open.eq(false));
            on_inner!(c, |inner| done.execute(inner))?;
            let left = members::table
                .filter(members::overflow_id.eq(overflow))
                .filter(members::open.eq(true))
                .count();
            let left: i64 = on_inner!(c, |inner| left.get_result(inner))?;
            if left == 0 {
                let close = diesel::update(overflows::table.find(overflow))
                    .set(overflows::closed_at.eq(now.0));
                on_inner!(c, |inner| close.execute(inner))?;
                keys.push(key);
            }
        }
    }
    if keys.is_empty() {
        return Ok(Page::Nothing);
    }
    let mut instead = record.clone();
    if let Some(n) = instead.alert.as_mut() {
        n.incidents = keys;
    }
    Ok(Page::Instead(Box::new(instead)))
}
