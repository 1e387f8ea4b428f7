//! Suppression ends like a silence (docs/behaviour.md, "Dependencies, suppression, fan-in
//! and chains"): while an upstream is down, a
//! downstream's down is muted (one root cause, one alert). When the upstream recovers
//! and a downstream is still down — with no other down upstream — its down is its own
//! problem now: it is unmuted and its alert opens, in the transaction of the
//! upstream's recovery.

use diesel::prelude::*;
use overdue_core::{EventKind, PingOutcome, Status};

use super::cache::{Loaded, RowCache};
use crate::alerting::notices::Notice;
use crate::base::models::MonitorStateColumns;
use crate::base::statements::{on_inner, SaveState};
use crate::base::tx::Tx;
use crate::StoreError;

/// After monitor `id`'s outcome `out`: when it recovered, raises the muted downs
/// downstream of it that nothing else suppresses.
pub(super) fn release_muted(
    tx: &mut Tx<'_>,
    cache: &mut RowCache,
    id: &str,
    out: &PingOutcome,
) -> Result<(), StoreError> {
    let now = tx.now();
    if !out
        .flip
        .is_some_and(|f| f.from == Status::Down && f.to != Status::Down)
    {
        return Ok(());
    }
    for dep in crate::monitoring::deps::downstream_all(tx.c, id)? {
        let Some(Loaded { hot, .. }) = cache.load(tx.c, &dep)? else {
            continue;
        };
        if hot.state.status != Status::Down || !hot.state.muted {
            continue;
        }
        if crate::monitoring::deps::down_upstream(tx.c, &dep)?.is_some() {
            continue;
        }
        let mut state = hot.state.clone();
        state.muted = false;
        let cols = MonitorStateColumns::from(&state);
        let save = SaveState::new(&dep, &cols, None, now.0);
        on_inner!(tx.c, |inner| save.execute(inner))?;
        cache.saved(&dep, &state, None);
        tx.fx.changed(&dep);
        let notice = Notice {
            kind: EventKind::MonitorDown,
            status: Status::Down,
            previous: Status::Up,
            reason: state.down_reason,
            detail: state.down_detail.clone(),
        };
        // The row as read is stale (muted): the notice reads it again.
        crate::alerting::notices::enqueue(tx, &dep, None, &[notice], Default::default())?;
    }
    Ok(())
}
