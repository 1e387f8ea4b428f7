//! What a monitor's event does to the monitors linked to it (docs/behaviour.md,
//! "Dependencies, suppression, fan-in and chains"): the chains it is a member of move,
//! the monitors that depend on it are armed. Written in the transaction of the event.

use diesel::prelude::*;
use overdue_core::{Dur, Expectation, LinkKind, Ping, PingOutcome, Signal, Status};

use super::cache::{Loaded, RowCache};
use crate::base::schema::monitors;
use crate::base::tx::Tx;
use crate::{monitoring::transition, StoreError};

/// Moves the runs of the chains `id` belongs to (docs/behaviour.md, "Dependencies,
/// suppression, fan-in and chains"): the first member's start
/// (or, without one, its end) opens a chain run, a member's start or end moves the open
/// run into that member's step, and the last member's success ends it.
pub(super) fn feed_chains(
    tx: &mut Tx<'_>,
    cache: &mut RowCache,
    id: &str,
    signal: Signal,
    out: &PingOutcome,
) -> Result<(), StoreError> {
    let now = tx.now();
    let started = signal == Signal::Start;
    if !(started || out.succeeded) {
        return Ok(());
    }
    let member = crate::monitoring::chains::of_member(tx.c, id)?;
    if member.is_empty() {
        return Ok(());
    }
    let name: String = monitors::table
        .find(id)
        .select(monitors::name)
        .first(tx.c)?;
    for m in member {
        let Some(Loaded { hot, row }) = cache.load(tx.c, &m.chain)? else {
            continue;
        };
        let pings = overdue_core::chain::signals_for(overdue_core::chain::MemberEvent {
            first: m.first,
            last: m.last,
            started,
            succeeded: out.succeeded,
            chain_running: hot.state.run_started_at.is_some(),
        });
        let (mut state, mut step) = (hot.state.clone(), Some(name.clone()));
        for signal in pings {
            let open = if state.run_started_at.is_some() {
                crate::monitoring::runs::open_runs(tx.c, &m.chain)?
            } else {
                Vec::new()
            };
            let ping = Ping {
                signal,
                step: if signal == Signal::Success {
                    None
                } else {
                    step.take()
                },
                ..Ping::default()
            };
            let mut moved = overdue_core::apply_ping(&hot.cfg, &state, &open, &ping, now);
            transition::apply_outcome(tx, &m.chain, row.as_ref(), &mut moved, None)?;
            cache.saved(&m.chain, &moved.state, None);
            state = moved.state;
        }
        tx.fx.changed(&m.chain);
    }
    Ok(())
}

/// Arms the expectations of the monitors that depend on `id` (docs/behaviour.md,
/// "Dependencies, suppression, fan-in and chains"): a success arms
/// those `after` it, going down those `on_failure_of` it. Their rows are written in this
/// transaction, so the upstream's event and the dependents' deadlines commit together.
pub(super) fn arm_dependents(
    tx: &mut Tx<'_>,
    cache: &mut RowCache,
    id: &str,
    downstream: bool,
    out: &PingOutcome,
) -> Result<(), StoreError> {
    let now = tx.now();
    if !downstream {
        return Ok(());
    }
    // Its dependents read states, flips and alerts that may wait with the job's flips.
    tx.flush_later()?;
    super::release::release_muted(tx, cache, id, out)?;
    let went_down = out.flip.is_some_and(|f| f.to == Status::Down);
    let Some(kind) = LinkKind::armed_by(out.succeeded, went_down) else {
        return Ok(());
    };
    // The live view: a status change of this monitor changes what its downstream shows
    // (suppressed or not).
    if tx.fx.track && out.flip.is_some() {
        for id in crate::monitoring::deps::downstream_all(tx.c, id)? {
            tx.fx.changed(&id);
        }
    }
    let dependents = crate::monitoring::deps::dependents(tx.c, id, kind)?;
    if dependents.is_empty() {
        return Ok(());
    }
    let name: String = monitors::table
        .find(id)
        .select(monitors::name)
        .first(tx.c)?;
    for (dep, within) in dependents {
        let Some(Loaded { hot, row }) = cache.load(tx.c, &dep)? else {
            continue;
        };
        let open = if hot.state.run_started_at.is_some() {
            crate::monitoring::runs::open_runs(tx.c, &dep)?
        } else {
            Vec::new()
        };
        let exp = Expectation {
            at: now.plus(Dur(within)),
            upstream: id.to_string(),
            name: name.clone(),
            kind,
        };
        let Some(mut armed) = overdue_core::arm(&hot.cfg, &hot.state, &open, exp) else {
            continue;
        };
        transition::apply_outcome(tx, &dep, row.as_ref(), &mut armed, None)?;
        cache.saved(&dep, &armed.state, None);
        tx.fx.changed(&dep);
    }
    Ok(())
}
