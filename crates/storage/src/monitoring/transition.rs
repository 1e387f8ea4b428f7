//! A monitor's state transition written to the database: run rows, the state columns
//! with the indexed deadline, the flip and its outbox rows — shared by pings, deadlines,
//! dependencies, chains and API changes (pause, resume), all inside the caller's
//! transaction.

use diesel::prelude::*;
use overdue_core::{EventKind, PingOutcome, Status};

use crate::alerting::notices::Notice;
use crate::base::models::{MonitorRow, MonitorStateColumns, PingColumns};
use crate::base::schema::flips;
use crate::base::statements::{on_inner, SaveState};
use crate::base::tx::Tx;
use crate::StoreError;

/// What the writer's batch primes (`Tx::prime`) for a monitor it read with no
/// dependency on another.
pub(crate) const NO_UPSTREAM: &str = "no upstream";

/// What a ping adds to a transition.
pub(crate) struct PingEffects<'a> {
    /// Exit status and report, recorded on the run it closes.
    pub end: crate::monitoring::runs::RunEnd,
    /// Body for the notification (`$BODY`).
    pub body: Option<String>,
    /// Count and times to write with the state.
    pub columns: &'a PingColumns,
}

/// Writes a transition: run rows, state columns, and for a flip its history row and,
/// when it notifies, one outbox row per assigned channel — all in the caller's
/// transaction, so a flip and its notifications commit together or not at all.
/// `row`: the monitor's row when the caller has it; read here when a notification
/// needs its name and tags.
pub(crate) fn apply_outcome(
    tx: &mut Tx<'_>,
    id: &str,
    row: Option<&MonitorRow>,
    out: &mut PingOutcome,
    ping: Option<PingEffects<'_>>,
) -> Result<(), StoreError> {
    let now = tx.now();
    // One root cause, one alert: a down while an upstream is down is muted (and then
    // its recovery); decided before the state is written, which records it.
    let notify = match out.flip {
        Some(flip) if flip.notifies() => {
            // A monitor the batch knows to have no upstream makes no query for one.
            let asks = flip.to == Status::Down && !tx.knows(NO_UPSTREAM, id);
            if asks {
                // The upstream's state may wait with the job's other flips.
                tx.flush_later()?;
            }
            let suppressed = asks && crate::monitoring::deps::down_upstream(tx.c, id)?.is_some();
            flip.settle(&mut out.state, suppressed)
        }
        _ => false,
    };
    let none = crate::monitoring::runs::RunEnd::default();
    let end = ping.as_ref().map_or(&none, |p| &p.end);
    crate::monitoring::runs::apply(tx.c, id, &out.runs, end, now)?;
    let cols = MonitorStateColumns::from(&out.state);
    tx.fx.deadline(cols.deadline_at);
    // One UPDATE per transition: state, and for a ping its count and times (a burst's
    // on PostgreSQL wait for one statement at the job's end).
    let counters = ping.as_ref().map(|p| p.columns);
    if let Some((_, later)) = tx.later() {
        later.state(id, cols, counters, now.0);
    } else {
        let save = SaveState::new(id, &cols, counters, now.0);
        on_inner!(tx.c, |inner| save.execute(inner))?;
    }
    let evidence = ping.map_or_else(Default::default, |p| crate::alerting::notices::Evidence {
        body: p.body,
        pinged_at: p.columns.last_ping_at,
        run: overdue_core::event::RunNote::of(p.end.exit_status, out.duration_ms),
    });
    let mut notices = Vec::new();
    if let Some(flip) = out.flip {
        // Time down or paused is counted for reports as its span ends (before this
        // flip is written: the last one is the span's start).
        crate::monitoring::spans::ended(tx, id, row, flip.from)?;
        if let Some((_, later)) = tx.later() {
            let f = &mut later.flips;
            f.monitor_id.push(id.to_string());
            f.created_at.push(now.0);
            f.from_status.push(flip.from.as_str().to_string());
            f.to_status.push(flip.to.as_str().to_string());
            f.reason.push(flip.reason.map(|r| r.as_str().to_string()));
            f.detail.push(out.state.down_detail.clone());
        } else {
            let new_flip = (
                flips::monitor_id.eq(id),
                flips::created_at.eq(now.0),
                flips::from_status.eq(flip.from.as_str()),
                flips::to_status.eq(flip.to.as_str()),
                flips::reason.eq(flip.reason.map(|r| r.as_str())),
                flips::detail.eq(&out.state.down_detail),
            );
            on_inner!(tx.c, |inner| diesel::insert_into(flips::table)
                .values(new_flip)
                .execute(inner))?;
        }
        if notify {
            notices.push(Notice {
                kind: if flip.to == Status::Down {
                    EventKind::MonitorDown
                } else {
                    EventKind::MonitorUp
                },
                status: flip.to,
                previous: flip.from,
                reason: flip.reason,
                detail: (flip.to == Status::Down)
                    .then(|| out.state.down_detail.clone())
                    .flatten(),
            });
        } else if flip.from == Status::Down && flip.to == Status::Paused {
            // Nobody watches a paused monitor: its down alert resolves (no repeat or
            // incident stays open); announced only if the down was.
            // Says who paused it, when a person or a key did.
            notices.push(Notice {
                kind: EventKind::MonitorPaused,
                status: flip.to,
                previous: flip.from,
                reason: None,
                detail: tx.by().map(str::to_string),
            });
        }
    }
    // Events that notify without a status change (an overlapping run).
    for kind in &out.events {
        notices.push(Notice {
            kind: *kind,
            status: out.state.status,
            previous: out.state.status,
            reason: None,
            detail: None,
        });
    }
    if notices.is_empty() {
        return Ok(());
    }
    crate::alerting::notices::enqueue(tx, id, row, &notices, evidence)
}
