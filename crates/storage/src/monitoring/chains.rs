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
    let c = tx.conn();
    for (i, m) in chain.members.iter().enumerate() {
        diesel::insert_into(chain_members::table)
            .values((
                chain_members::chain_id.eq(&row.id),
                chain_members::monitor_id.eq(m),
                chain_members::position.eq(i as i32),
            ))
            .execute(c)?;
    }
    monitors::set_channels(tx, project, &row, chain.channels.as_deref())?;
    Ok(row)
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

/// Creates a chain whose `members` are as the caller named them (public reference,
/// UUID or slug): each is resolved in the project, and an unknown or repeated one is
/// refused by its position.
pub fn create_named(
    tx: &mut Tx<'_>,
    project: &str,
    mut chain: NewChain,
) -> Result<MonitorRow, StoreError> {
    let mut ids = Vec::with_capacity(chain.members.len());
    for (i, m) in chain.members.iter().enumerate() {
        let id = crate::monitoring::deps::resolve(tx.conn(), project, m).map_err(|_| {
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
    chain.members = ids;
    create(tx, project, &chain)
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
        let members: Vec<MonitorRow> = chain_members::table
            .inner_join(mon::table.on(mon::id.eq(chain_members::monitor_id)))
            .filter(chain_members::chain_id.eq(&chain.id))
            .order(chain_members::position.asc())
            .select(MonitorRow::as_select())
            .load(c)?;
        out.push((chain, members));
    }
    Ok(out)
}
