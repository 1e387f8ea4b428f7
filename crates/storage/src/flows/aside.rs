//! What senders send that cannot be read, and what they send twice (docs/behaviour.md,
//! "What senders send"): a flow event that cannot be read is kept aside — reason, raw
//! message, source — rather than refused, and listed for the project's people; a
//! message id already applied to a flow (a broker's redelivery, a push sent again) is
//! not applied again. Both kept 7 days.

use std::borrow::Cow;
use std::collections::HashSet;

use diesel::prelude::*;
use overdue_core::Timestamp;

use super::EventIn;
use crate::base::schema::{flow_kept_aside, flow_seen, flows};
use crate::base::statements::on_inner;
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// How long kept-aside messages and seen message ids are kept.
pub const KEEP_MS: i64 = 7 * 86_400_000;
/// Most kept-aside messages a project keeps: the oldest give way to new ones, so a
/// sender that sends nothing readable cannot fill the disk (at most 16 KiB each).
pub const COUNT_CAP: usize = 10_000;

/// A message that could not be read.
#[derive(Debug, Clone)]
pub struct Unread {
    /// The flow it was for, when known (its id).
    pub flow_id: Option<String>,
    /// Where it came from: `http`, `push`, `amqp`.
    pub source: String,
    /// Why, in words.
    pub reason: String,
    /// The message as it came (cut).
    pub raw: String,
    /// Its whole size in bytes.
    pub size: i64,
}

/// A kept-aside message as listed.
#[derive(Debug, Clone, Queryable)]
#[allow(missing_docs)]
pub struct AsideRow {
    pub id: i64,
    pub flow_id: Option<String>,
    pub flow_slug: Option<String>,
    pub source: String,
    pub reason: String,
    pub raw: String,
    pub size: i64,
    pub received_at: i64,
}

/// Keeps `items` aside for `project`, in the caller's transaction; past
/// [`COUNT_CAP`] the project's oldest give way.
pub fn keep(tx: &mut Tx<'_>, project: &str, items: &[Unread]) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    let now = tx.now();
    let c = tx.conn();
    // The newest rows that stay with these added (an index walk of at most the cap).
    let room = COUNT_CAP.saturating_sub(items.len().min(COUNT_CAP)) as i64;
    let cut: Option<i64> = flow_kept_aside::table
        .filter(flow_kept_aside::project_id.eq(project))
        .order(flow_kept_aside::id.desc())
        .select(flow_kept_aside::id)
        .offset(room)
        .limit(1)
        .first(c)
        .optional()?;
    if let Some(cut) = cut {
        diesel::delete(
            flow_kept_aside::table
                .filter(flow_kept_aside::project_id.eq(project))
                .filter(flow_kept_aside::id.le(cut)),
        )
        .execute(c)?;
    }
    for u in items.iter().rev().take(COUNT_CAP).rev() {
        diesel::insert_into(flow_kept_aside::table)
            .values((
                flow_kept_aside::project_id.eq(project),
                flow_kept_aside::flow_id.eq(u.flow_id.as_deref()),
                flow_kept_aside::source.eq(&u.source),
                flow_kept_aside::reason.eq(&u.reason),
                flow_kept_aside::raw.eq(&u.raw),
                flow_kept_aside::size.eq(u.size),
                flow_kept_aside::received_at.eq(now.0),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// Keeps an event of the curl URL aside: flow `slug` of the project of `ping_key`
/// (`NotFound` when there is none), with why and what was asked.
pub fn keep_for_ping_key(
    tx: &mut Tx<'_>,
    ping_key: &str,
    slug: &str,
    reason: String,
    raw: String,
) -> Result<(), StoreError> {
    let flow = super::by_ping_key(tx.conn(), ping_key, slug)?;
    let size = raw.len() as i64;
    let unread = Unread {
        flow_id: Some(flow.id),
        source: "http".into(),
        reason,
        raw,
        size,
    };
    keep(tx, &flow.project_id, &[unread])
}

/// The newest kept-aside messages of `project` (of flow `flow`, slug or id, when
/// given), before id `before`, at most `limit`; and how many the project (or flow)
/// holds, counted up to [`COUNT_CAP`].
pub fn list(
    c: &mut AnyConnection,
    project: &str,
    flow: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<(usize, Vec<AsideRow>), StoreError> {
    let flow_id = match flow {
        Some(f) => Some(super::get(c, project, f)?.id),
        None => None,
    };
    let base = || {
        let mut q = flow_kept_aside::table
            .left_join(flows::table.on(flows::id.nullable().eq(flow_kept_aside::flow_id)))
            .filter(flow_kept_aside::project_id.eq(project))
            .into_boxed();
        if let Some(f) = &flow_id {
            q = q.filter(flow_kept_aside::flow_id.eq(f.clone()));
        }
        q
    };
    let count = base()
        .select(flow_kept_aside::id)
        .limit(COUNT_CAP as i64)
        .load::<i64>(c)?
        .len();
    let mut q = base();
    if let Some(b) = before {
        q = q.filter(flow_kept_aside::id.lt(b));
    }
    let rows = q
        .order(flow_kept_aside::id.desc())
        .limit(limit)
        .select((
            flow_kept_aside::id,
            flow_kept_aside::flow_id,
            flows::slug.nullable(),
            flow_kept_aside::source,
            flow_kept_aside::reason,
            flow_kept_aside::raw,
            flow_kept_aside::size,
            flow_kept_aside::received_at,
        ))
        .load::<AsideRow>(c)?;
    Ok((count, rows))
}

/// Deletes the kept-aside message `id` of `project` (dealt with); `NotFound` when the
/// project has none of that id.
pub fn dismiss(tx: &mut Tx<'_>, project: &str, id: i64) -> Result<(), StoreError> {
    let n = diesel::delete(
        flow_kept_aside::table
            .filter(flow_kept_aside::project_id.eq(project))
            .filter(flow_kept_aside::id.eq(id)),
    )
    .execute(tx.conn())?;
    if n == 0 {
        return Err(StoreError::NotFound("kept-aside message"));
    }
    Ok(())
}

/// `events` without those whose message id `flow_id` already applied (or that come
/// twice in the list), recording the new ids as seen, in the caller's transaction.
pub(super) fn unseen<'a>(
    c: &mut AnyConnection,
    flow_id: &str,
    events: &'a [EventIn],
    now: Timestamp,
) -> Result<Cow<'a, [EventIn]>, StoreError> {
    if events.iter().all(|e| e.message_id.is_none()) {
        return Ok(Cow::Borrowed(events));
    }
    let ids: Vec<&str> = events
        .iter()
        .filter_map(|e| e.message_id.as_deref())
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    for chunk in ids.chunks(500) {
        let found: Vec<String> = flow_seen::table
            .filter(flow_seen::flow_id.eq(flow_id))
            .filter(flow_seen::message_id.eq_any(chunk))
            .select(flow_seen::message_id)
            .load(c)?;
        seen.extend(found);
    }
    let mut kept = Vec::with_capacity(events.len());
    for e in events {
        match &e.message_id {
            Some(id) if !seen.insert(id.clone()) => {}
            Some(id) => {
                let row = (
                    flow_seen::flow_id.eq(flow_id),
                    flow_seen::message_id.eq(id),
                    flow_seen::seen_at.eq(now.0),
                );
                // Another instance may have taken the same redelivery a moment ago:
                // then both apply it, which events allow (they are idempotent).
                on_inner!(c, |inner| diesel::insert_into(flow_seen::table)
                    .values(row)
                    .on_conflict_do_nothing()
                    .execute(inner))?;
                kept.push(e.clone());
            }
            None => kept.push(e.clone()),
        }
    }
    Ok(Cow::Owned(kept))
}

/// Deletes at most `batch` kept-aside messages and seen ids older than [`KEEP_MS`].
pub(super) fn prune(
    c: &mut AnyConnection,
    now: Timestamp,
    batch: i64,
) -> Result<usize, StoreError> {
    let before = now.0 - KEEP_MS;
    let old: Vec<i64> = flow_kept_aside::table
        .filter(flow_kept_aside::received_at.lt(before))
        .select(flow_kept_aside::id)
        .limit(batch)
        .load(c)?;
    let mut n = diesel::delete(flow_kept_aside::table.filter(flow_kept_aside::id.eq_any(&old)))
        .execute(c)?;
    let stale: Vec<(String, String)> = flow_seen::table
        .filter(flow_seen::seen_at.lt(before))
        .select((flow_seen::flow_id, flow_seen::message_id))
        .limit(batch)
        .load(c)?;
    for key in stale {
        n += diesel::delete(flow_seen::table.find(key)).execute(c)?;
    }
    Ok(n)
}
