//! Monitor operations shared by `/api/v1` and the v3 mirror; each API only renders.

use overdue_storage::base::models::MonitorRow;
use overdue_storage::{monitoring::deps, monitoring::monitors};

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::{parse_monitor, AppState};

/// The monitor of the caller's project a path names — by its public reference or its
/// UUID (`what` names it in errors: "monitor", "check"); another project's monitor is a
/// 404 like an unknown one. Returns its id.
pub async fn owned_monitor(
    state: &AppState,
    auth: &Auth,
    id: &str,
    what: &str,
) -> Result<String, ApiError> {
    let text = id.trim().to_string();
    if overdue_core::PublicRef::parse(&text).is_none() {
        parse_monitor(&text, what)?;
    }
    let project = auth.project.clone();
    state
        .store
        .read(move |c| overdue_storage::monitoring::refs::resolve(c, &project, &text))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("{what} not found")))
}

/// As [`owned_monitor`], typed.
pub async fn owned_monitor_id(
    state: &AppState,
    auth: &Auth,
    id: &str,
    what: &str,
) -> Result<overdue_core::MonitorId, ApiError> {
    let id = owned_monitor(state, auth, id, what).await?;
    overdue_core::MonitorId::parse(&id)
        .ok_or_else(|| ApiError::Internal(format!("stored monitor id {id:?} is not a UUID")))
}

/// Pause or resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// Stop watching.
    Pause,
    /// Watch again (409 when not paused).
    Resume,
}

/// Pauses or resumes a monitor of the caller's project; returns its id.
pub async fn switch(
    state: &AppState,
    auth: &Auth,
    id: &str,
    what: &str,
    op: Switch,
) -> Result<String, ApiError> {
    auth.require_write()?;
    let id2 = owned_monitor_id(state, auth, id, what).await?;
    let id = id2.to_string();
    let (project, actor) = (auth.project.clone(), auth.actor.clone());
    state
        .store
        .write(move |tx| {
            tx.acting_as(&actor);
            monitors::set_paused(tx, &project, &id2, op == Switch::Pause)
        })
        .await?;
    Ok(id)
}

/// Inside a write transaction: saves the dependencies given in `input` (`after`,
/// `on_failure_of`; a kind not given keeps its edges). Upstreams are named by UUID or
/// slug; unknown ones, other projects' and cycles are refused (nothing is written).
pub fn save_links(
    tx: &mut overdue_storage::Tx<'_>,
    project: &str,
    id: &overdue_core::MonitorId,
    input: &overdue_types::MonitorInput,
) -> Result<(), overdue_storage::StoreError> {
    let id = &id.to_string();
    use overdue_core::LinkKind;
    use overdue_storage::StoreError;
    if input.after.is_none() && input.on_failure_of.is_none() {
        return Ok(());
    }
    let existing = deps::edges(tx.conn(), id, true)?;
    let mut ups = Vec::new();
    for (kind, field, given) in [
        (LinkKind::After, "after", &input.after),
        (LinkKind::OnFailure, "on_failure_of", &input.on_failure_of),
    ] {
        let Some(given) = given else {
            ups.extend(
                existing
                    .iter()
                    .filter(|e| e.kind == kind)
                    .map(|e| (e.other.clone(), kind, e.within_ms)),
            );
            continue;
        };
        for (i, l) in given.list().iter().enumerate() {
            let within =
                crate::monitoring::validate::duration(&format!("{field}[{i}].within"), &l.within)
                    .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let up = deps::resolve(tx.conn(), project, &l.monitor).map_err(|_| {
                StoreError::Invalid(format!(
                    "{field}[{i}].monitor: no monitor {:?} in this project (give its UUID or slug)",
                    l.monitor
                ))
            })?;
            // One edge per (upstream, kind): a repeat is the caller's slip, named here
            // rather than left to the primary key.
            if ups.iter().any(|(u, k, _)| *u == up && *k == kind) {
                return Err(StoreError::Invalid(format!(
                    "{field}[{i}].monitor: {:?} is listed twice in {field}",
                    l.monitor
                )));
            }
            ups.push((up, kind, within.millis()));
        }
    }
    deps::set_upstreams(tx, project, id, &ups)
}

/// Inside a write transaction: applies `input` over the monitor's current settings,
/// validates the result and saves it (due time and deadline recomputed). A refusal is
/// `Invalid`, so the caller's transaction writes nothing.
pub fn update_settings(
    tx: &mut overdue_storage::Tx<'_>,
    project: &str,
    id: &overdue_core::MonitorId,
    input: &overdue_types::MonitorInput,
) -> Result<(), overdue_storage::StoreError> {
    let row = monitors::get(tx.conn(), project, &id.to_string())?;
    let settings = edited(input)(&row)?;
    monitors::update(tx, project, id, &settings)?;
    Ok(())
}

/// How `input` changes a stored monitor's settings: what it leaves out stays; a chain
/// takes no schedule.
pub fn edited(
    input: &overdue_types::MonitorInput,
) -> impl FnOnce(&MonitorRow) -> Result<monitors::MonitorSettings, overdue_storage::StoreError> + '_
{
    move |row| {
        let base = monitors::MonitorSettings::from_row(row)?;
        overdue_core::chain::refuse_schedule(
            base.rules.chain.is_some(),
            input.period.is_some() || input.cron.is_some() || input.schedule.is_some(),
        )
        .map_err(|e| overdue_storage::StoreError::Invalid(e.into()))?;
        crate::monitoring::validate::apply(input, base)
            .map_err(|e| overdue_storage::StoreError::Invalid(e.to_string()))
    }
}

/// Whether the database answers (a cheap read), or the one mapping's 503: readiness
/// here and the v3 mirror's `/status/`.
pub(crate) async fn database_answers(state: &AppState) -> Result<(), ApiError> {
    state
        .store
        .read(overdue_storage::people::projects::count)
        .await?;
    Ok(())
}
