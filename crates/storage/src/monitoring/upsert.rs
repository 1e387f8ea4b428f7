//! Healthchecks' create-or-update (`POST /api/v3/checks/` with `unique`, docs/compatibility.md,
//! "Management API v3"): one unit of work that finds the monitor the `unique` fields name (a query for the few
//! candidates by name and slug, never a list of the project in front of the pings) and
//! changes it, or creates one. The caller's API types stay the caller's: it passes how
//! an existing monitor's settings change and how its channel list resolves.

use crate::alerting::channels;
use crate::base::models::MonitorRow;
use crate::base::tx::Tx;
use crate::monitoring::monitors::{self, MonitorSettings};
use crate::{AnyConnection, StoreError};

/// Which existing monitor an upsert changes: the first with this name and/or slug (each
/// when given) that `matches`.
pub struct Lookup<'a, M: Fn(&MonitorRow) -> bool> {
    /// The name the `unique` fields ask for.
    pub name: Option<&'a str>,
    /// The slug the `unique` fields ask for.
    pub slug: Option<&'a str>,
    /// The rest of the `unique` comparison.
    pub matches: M,
}

/// Changes the monitor `lookup` finds (its new settings from `edit`) or creates one with
/// `new`; either way, when `channels` is given, the monitor's channels become what it
/// resolves to. Returns the monitor's id and whether it was created.
pub fn upsert<M, E, C>(
    tx: &mut Tx<'_>,
    project: &str,
    lookup: Option<Lookup<'_, M>>,
    edit: E,
    new: MonitorSettings,
    channels: Option<C>,
) -> Result<(String, bool), StoreError>
where
    M: Fn(&MonitorRow) -> bool,
    E: FnOnce(&MonitorRow) -> Result<MonitorSettings, StoreError>,
    C: FnOnce(&mut AnyConnection) -> Result<Vec<String>, StoreError>,
{
    if let Some(l) = lookup {
        let found = monitors::named(tx.conn(), project, l.name, l.slug)?
            .into_iter()
            .find(|r| (l.matches)(r));
        if let Some(existing) = found {
            let id = existing.monitor_id()?;
            let settings = edit(&existing)?;
            monitors::update(tx, project, &id, &settings)?;
            if let Some(resolve) = channels {
                let ids = resolve(tx.conn())?;
                channels::set_for_monitor(tx, project, &id, &ids)?;
            }
            return Ok((existing.id, false));
        }
    }
    let ids = match channels {
        Some(resolve) => Some(resolve(tx.conn())?),
        None => None,
    };
    let row = monitors::create(tx, project, &new, ids.as_deref())?;
    Ok((row.id, true))
}
