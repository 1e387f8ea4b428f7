//! Chains (docs/behaviour.md, "Dependencies, suppression, fan-in and chains"): a chain is
//! a monitor with no schedule of its own (`none`) whose runs
//! follow its members — the first member's start opens a chain run, each member's start
//! or end moves it into that member's step, the last member's success ends it — with one
//! end-to-end deadline (`max_runtime` = "within", `finish_by` = "by 06:00 in a zone").

use diesel::prelude::*;
use overdue_core::Schedule;

use crate::base::models::{ChainRule, MonitorRow, Rules};
use crate::base::schema::{chain_members, monitors as mon};
use crate::base::tx::Tx;
use crate::monitoring::monitors::{self, MonitorSettings};
use crate::{AnyConnection, StoreError};

/// A chain to create.
#[derive(Debug, Clone)]
pub struct NewChain {
    /// Display name.
    pub name: String,
    /// Member monitor ids, first to last.
    pub members: Vec<String>,
    /// Must finish within this long of its start (ms).
    pub within_ms: Option<i64>,
    /// Must finish by the next fire time of this cron expression in this zone.
    pub finish_by: Option<(String, String)>,
    /// The chain's channels (ids), when named.
    pub channels: Option<Vec<String>>,
}

/// Longest a chain run may take when only "finish by" bounds it: a year.
const NO_LIMIT_MS: i64 = 365 * 86_400_000;

/// Creates the chain's monitor and its member rows; members must be monitors of the
/// project.
pub fn create(tx: &mut Tx<'_>, project: &str, chain: &NewChain) -> Result<MonitorRow, StoreError> {
    // Members gain the chain flag the SQLite writer caches.
    tx.structure_changed();
    let (now, caps) = (tx.now(), tx.caps());
    let c = tx.conn();
    for (i, m) in chain.members.iter().enumerate() {
        monitors::get(c, project, m).map_err(|_| {
            StoreError::Invalid(format!("members[{i}]: no monitor {m:?} in this project"))
        })?;
    }
    let settings = MonitorSettings {
        name: chain.name.clone(),
        slug: None,
        description: String::new(),
        tags: vec!["chain".into()],
        schedule: Schedule::None,
        grace_ms: 1_000,
        max_runtime_ms: Some(chain.within_ms.unwrap_or(NO_LIMIT_MS)),
        methods: String::new(),
        manual_resume: false,
        rules: Rules {
            chain: Some(ChainRule {
                members: chain.members.clone(),
                finish_by: chain.finish_by.clone(),
            }),
            ..Rules::default()
        },
    };
    let row = monitors::insert(c, project, &settings, now, caps)?;
    tx.changed(&row.id);
    put_members(tx.conn(), &row.id, &chain.members)?;
    monitors::set_channels(tx, project, &row, chain.channels.as_deref())?;
    Ok(row)
}

/// Writes a chain's member rows, first to last.
fn put_members(c: &mut AnyConnection, chain: &str, members: &[String]) -> Result<(), StoreError> {
    for (i, m) in members.iter().enumerate() {
        diesel::insert_into(chain_members::table)
            .values((
                chain_members::chain_id.eq(chain),
                chain_members::monitor_id.eq(m),
                chain_members::position.eq(i as i32),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// Where a monitor stands in a chain.
pub(crate) struct Membership {
    /// The chain's id.
    pub chain: String,
    /// The first member.
    pub first: bool,
    /// The last member.
    pub last: bool,
}

/// The chains `monitor` is a member of, and where it stands in each.
pub(crate) fn of_member(
    c: &mut AnyConnection,
    monitor: &str,
) -> Result<Vec<Membership>, StoreError> {
    let rows: Vec<(String, i32)> = chain_members::table
        .filter(chain_members::monitor_id.eq(monitor))
        .select((chain_members::chain_id, chain_members::position))
        .load(c)?;
    let mut out = Vec::with_capacity(rows.len());
    for (chain, pos) in rows {
        // Positions, not counts: a deleted member leaves a gap.
        let (lo, hi): (Option<i32>, Option<i32>) = chain_members::table
            .filter(chain_members::chain_id.eq(&chain))
            .select((
                diesel::dsl::min(chain_members::position),
                diesel::dsl::max(chain_members::position),
            ))
            .first(c)?;
        out.push(Membership {
            chain,
            first: lo == Some(pos),
            last: hi == Some(pos),
        });
    }
    Ok(out)
}

/// Whether `monitor` belongs to any chain.
pub(crate) fn is_member(c: &mut AnyConnection, monitor: &str) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(
        chain_members::table.filter(chain_members::monitor_id.eq(monitor)),
    ))
    .get_result(c)?)
}

/// The members as the caller named them (public reference, UUID or slug), resolved in
/// the project; an unknown or repeated one is refused by its position.
fn resolve_members(
    c: &mut AnyConnection,
    project: &str,
    named: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut ids = Vec::with_capacity(named.len());
    for (i, m) in named.iter().enumerate() {
        let id = crate::monitoring::deps::resolve(c, project, m).map_err(|_| {
            StoreError::Invalid(format!(
                "members[{i}]: no monitor {m:?} in this project (give its UUID or slug)"
            ))
        })?;
        if ids.contains(&id) {
            return Err(StoreError::Invalid(format!(
                "members[{i}]: {m:?} is already in the chain"
            )));
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Creates a chain whose `members` are as the caller named them ([`resolve_members`]).
pub fn create_named(
    tx: &mut Tx<'_>,
    project: &str,
    mut chain: NewChain,
) -> Result<MonitorRow, StoreError> {
    chain.members = resolve_members(tx.conn(), project, &chain.members)?;
    create(tx, project, &chain)
}

/// Replaces a chain's name, members (as the caller named them) and deadline; its
/// channels when given. A run already open keeps the deadline it started with; the
/// next run follows the new members (docs/behaviour.md, "Dependencies, suppression,
/// fan-in and chains").
pub fn replace_named(
    tx: &mut Tx<'_>,
    project: &str,
    id: &overdue_core::MonitorId,
    chain: NewChain,
) -> Result<MonitorRow, StoreError> {
    let row = monitors::get(tx.conn(), project, &id.to_string())?;
    if row.rules()?.chain.is_none() {
        return Err(StoreError::NotFound("chain"));
    }
    let members = resolve_members(tx.conn(), project, &chain.members)?;
    // Members gain or lose the chain flag the SQLite writer caches.
    tx.structure_changed();
    let mut settings = MonitorSettings::from_row(&row)?;
    settings.name = chain.name;
    settings.max_runtime_ms = Some(chain.within_ms.unwrap_or(NO_LIMIT_MS));
    settings.rules.chain = Some(ChainRule {
        members: members.clone(),
        finish_by: chain.finish_by,
    });
    let updated = monitors::update(tx, project, id, &settings)?;
    let c = tx.conn();
    diesel::delete(chain_members::table.filter(chain_members::chain_id.eq(&row.id))).execute(c)?;
    put_members(c, &row.id, &members)?;
    if chain.channels.is_some() {
        monitors::set_channels(tx, project, &updated, chain.channels.as_deref())?;
    }
    Ok(updated)
}

/// One chain of a project with its members and its last run; `NotFound` when `id` is
/// not a chain of the project.
#[allow(clippy::type_complexity)]
pub fn one_with_last_run(
    c: &mut AnyConnection,
    project: &str,
    id: &str,
) -> Result<
    (
        MonitorRow,
        Vec<MonitorRow>,
        Option<crate::base::models::RunRow>,
    ),
    StoreError,
> {
    let chain = monitors::get(c, project, id).map_err(|_| StoreError::NotFound("chain"))?;
    if chain.rules()?.chain.is_none() {
        return Err(StoreError::NotFound("chain"));
    }
    let members = members_of(c, &chain.id)?;
    let last = crate::monitoring::history::runs(c, &chain.id, 1)?
        .into_iter()
        .next();
    Ok((chain, members, last))
}

/// A chain's members' rows, in member order.
fn members_of(c: &mut AnyConnection, chain: &str) -> Result<Vec<MonitorRow>, StoreError> {
    Ok(chain_members::table
        .inner_join(mon::table.on(mon::id.eq(chain_members::monitor_id)))
        .filter(chain_members::chain_id.eq(chain))
        .order(chain_members::position.asc())
        .select(MonitorRow::as_select())
        .load(c)?)
}

/// The chains of a project ([`list`]), each with its last run.
#[allow(clippy::type_complexity)]
pub fn list_with_last_run(
    c: &mut AnyConnection,
    project: &str,
) -> Result<
    Vec<(
        MonitorRow,
        Vec<MonitorRow>,
        Option<crate::base::models::RunRow>,
    )>,
    StoreError,
> {
    list(c, project)?
        .into_iter()
        .map(|(chain, members)| {
            let last = crate::monitoring::history::runs(c, &chain.id, 1)?
                .into_iter()
                .next();
            Ok((chain, members, last))
        })
        .collect()
}

/// The chains of a project with their members' rows, in member order.
pub fn list(
    c: &mut AnyConnection,
    project: &str,
) -> Result<Vec<(MonitorRow, Vec<MonitorRow>)>, StoreError> {
    let chains: Vec<MonitorRow> = mon::table
        .filter(mon::project_id.eq(project))
        .filter(mon::schedule_kind.eq("none"))
        .order(mon::name.asc())
        .select(MonitorRow::as_select())
        .load(c)?;
    let mut out = Vec::with_capacity(chains.len());
    for chain in chains {
        let members = members_of(c, &chain.id)?;
        out.push((chain, members));
    }
    Ok(out)
}
