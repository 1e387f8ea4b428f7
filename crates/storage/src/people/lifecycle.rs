//! A project as an object (docs/behaviour.md, "Projects"): what it holds, handing it
//! over to another member, and deleting it with everything that names it. Each is one
//! unit of work the server's `people::project` calls once.

use diesel::prelude::*;
use overdue_core::Role;

use crate::base::schema::{
    ack_tokens, alert_timers, alerts, api_keys, audit_events, calendars, chain_members, channels,
    deliveries, dependencies, flips, flow_aggregates, flow_entities, flow_events, flow_kept_aside,
    flow_seen, flow_stats, flows, invitations, leases, memberships, monitor_channels, monitor_refs,
    monitors, outbox, page_overflow_alerts, page_overflows, pings, problems, project_limits,
    projects, report_mails, report_months, report_project, report_tallies, route_groups, routes,
    run_children, run_logs, runs, silences, status_keys, status_pages, storm_members, storms,
    users,
};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// What a project holds, as its deletion names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Contents {
    /// Monitors (chains included).
    pub monitors: i64,
    /// Channels.
    pub channels: i64,
    /// Flows.
    pub flows: i64,
    /// Public status pages.
    pub status_pages: i64,
    /// API keys.
    pub keys: i64,
    /// Members (the owners included).
    pub members: i64,
}

impl Contents {
    /// The list in words: "3 monitors, 1 channel, its 2 API keys and 2 members' access".
    pub fn words(&self) -> String {
        let n = |k: i64, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
        let whose = if self.members == 1 {
            "member's"
        } else {
            "members'"
        };
        format!(
            "{}, {}, {}, {}, {} and {} {whose} access",
            n(self.monitors, "monitor", "monitors"),
            n(self.channels, "channel", "channels"),
            n(self.flows, "flow", "flows"),
            n(self.status_pages, "status page", "status pages"),
            n(self.keys, "API key", "API keys"),
            self.members,
        )
    }
}

/// Project `project`'s name and what it holds.
pub fn named_contents(
    c: &mut AnyConnection,
    project: &str,
) -> Result<(String, Contents), StoreError> {
    let name = crate::people::projects::get(c, project)?.name;
    Ok((name, contents(c, project)?))
}

/// What project `project` holds (its callers found the project first).
fn contents(c: &mut AnyConnection, project: &str) -> Result<Contents, StoreError> {
    Ok(Contents {
        monitors: monitors::table
            .filter(monitors::project_id.eq(project))
            .count()
            .get_result(c)?,
        channels: channels::table
            .filter(channels::project_id.eq(project))
            .count()
            .get_result(c)?,
        flows: flows::table
            .filter(flows::project_id.eq(project))
            .count()
            .get_result(c)?,
        status_pages: status_pages::table
            .filter(status_pages::project_id.eq(project))
            .count()
            .get_result(c)?,
        keys: api_keys::table
            .filter(api_keys::project_id.eq(project))
            .count()
            .get_result(c)?,
        members: memberships::table
            .filter(memberships::project_id.eq(project))
            .count()
            .get_result(c)?,
    })
}

/// Hands project `project` over from its owner `from` (a user id) to the member with
/// the address `to`: they become owner, `from` stays as admin. Refused in words when
/// `to` is no member or is `from`.
pub fn transfer(tx: &mut Tx<'_>, project: &str, from: &str, to: &str) -> Result<(), StoreError> {
    let c = tx.conn();
    let target: Option<String> = users::table
        .inner_join(memberships::table.on(memberships::user_id.eq(users::id)))
        .filter(memberships::project_id.eq(project))
        .filter(users::email.eq(to))
        .select(users::id)
        .first(c)
        .optional()?;
    let Some(target) = target else {
        return Err(StoreError::Invalid(format!(
            "to: {to} is not a member of this project: invite them first, then hand it over"
        )));
    };
    if target == from {
        return Err(StoreError::Invalid(
            "to: that is you: name the member who should own the project".into(),
        ));
    }
    crate::people::accounts::set_role(tx, project, &target, Role::Owner)?;
    crate::people::accounts::set_role(tx, project, from, Role::Admin)
}

/// Deletes project `project` and every row that names it, when `confirm` is its name
/// (else `Invalid`, saying what would go). Returns its name and what went. Set-based: one statement
/// per table, so a project of thousands of monitors is a few statements, not thousands.
pub fn delete(
    tx: &mut Tx<'_>,
    project: &str,
    confirm: &str,
) -> Result<(String, Contents), StoreError> {
    let name = crate::people::projects::get(tx.conn(), project)?.name;
    let gone = contents(tx.conn(), project)?;
    if confirm.trim() != name {
        return Err(StoreError::Invalid(format!(
            "confirm: deleting \"{name}\" removes its {} for good: send confirm with the \
             project's name, \"{name}\"",
            gone.words()
        )));
    }
    // Cached monitors, slugs and flags of every instance go.
    tx.structure_changed();
    let c = tx.conn();
    let p = project;
    let ms = || {
        monitors::table
            .filter(monitors::project_id.eq(p))
            .select(monitors::id)
    };
    let rs = || {
        runs::table
            .filter(runs::monitor_id.eq_any(ms()))
            .select(runs::id)
    };
    diesel::delete(run_logs::table.filter(run_logs::run_id.eq_any(rs()))).execute(c)?;
    diesel::delete(run_children::table.filter(run_children::run_id.eq_any(rs()))).execute(c)?;
    diesel::delete(run_children::table.filter(run_children::monitor_id.eq_any(ms()))).execute(c)?;
    diesel::delete(runs::table.filter(runs::monitor_id.eq_any(ms()))).execute(c)?;
    diesel::delete(pings::table.filter(pings::monitor_id.eq_any(ms()))).execute(c)?;
    diesel::delete(flips::table.filter(flips::monitor_id.eq_any(ms()))).execute(c)?;
    diesel::delete(
        dependencies::table.filter(
            dependencies::monitor_id
                .eq_any(ms())
                .or(dependencies::upstream_id.eq_any(ms())),
        ),
    )
    .execute(c)?;
    diesel::delete(chain_members::table.filter(chain_members::chain_id.eq_any(ms()))).execute(c)?;
    diesel::delete(chain_members::table.filter(chain_members::monitor_id.eq_any(ms())))
        .execute(c)?;
    diesel::delete(leases::table.filter(leases::monitor_id.eq_any(ms()))).execute(c)?;
    diesel::delete(monitor_channels::table.filter(monitor_channels::monitor_id.eq_any(ms())))
        .execute(c)?;
    diesel::delete(status_keys::table.filter(status_keys::monitor_id.eq_any(ms()))).execute(c)?;
    diesel::delete(monitor_refs::table.filter(monitor_refs::monitor_id.eq_any(ms()))).execute(c)?;
    let als = || {
        alerts::table
            .filter(alerts::project_id.eq(p))
            .select(alerts::id)
    };
    diesel::delete(ack_tokens::table.filter(ack_tokens::alert_id.eq_any(als()))).execute(c)?;
    diesel::delete(storm_members::table.filter(storm_members::alert_id.eq_any(als())))
        .execute(c)?;
    diesel::delete(alert_timers::table.filter(alert_timers::alert_id.eq_any(als()))).execute(c)?;
    diesel::delete(
        page_overflow_alerts::table.filter(page_overflow_alerts::alert_id.eq_any(als())),
    )
    .execute(c)?;
    let rts = || {
        routes::table
            .filter(routes::project_id.eq(p))
            .select(routes::id)
    };
    diesel::delete(route_groups::table.filter(route_groups::route_id.eq_any(rts()))).execute(c)?;
    let chs = || {
        channels::table
            .filter(channels::project_id.eq(p))
            .select(channels::id)
    };
    diesel::delete(deliveries::table.filter(deliveries::channel_id.eq_any(chs()))).execute(c)?;
    // The summary e-mail's attempts are logged under a channel id of its own.
    let summary = format!("report-mail:{p}");
    diesel::delete(deliveries::table.filter(deliveries::channel_id.eq(summary))).execute(c)?;
    let fls = || {
        flows::table
            .filter(flows::project_id.eq(p))
            .select(flows::id)
    };
    diesel::delete(flow_entities::table.filter(flow_entities::flow_id.eq_any(fls()))).execute(c)?;
    diesel::delete(flow_events::table.filter(flow_events::flow_id.eq_any(fls()))).execute(c)?;
    diesel::delete(flow_stats::table.filter(flow_stats::flow_id.eq_any(fls()))).execute(c)?;
    diesel::delete(flow_aggregates::table.filter(flow_aggregates::flow_id.eq_any(fls())))
        .execute(c)?;
    diesel::delete(flow_seen::table.filter(flow_seen::flow_id.eq_any(fls()))).execute(c)?;
    // Then every row that names the project itself, the project last.
    diesel::delete(flow_kept_aside::table.filter(flow_kept_aside::project_id.eq(p))).execute(c)?;
    diesel::delete(flows::table.filter(flows::project_id.eq(p))).execute(c)?;
    diesel::delete(alerts::table.filter(alerts::project_id.eq(p))).execute(c)?;
    diesel::delete(problems::table.filter(problems::project_id.eq(p))).execute(c)?;
    diesel::delete(outbox::table.filter(outbox::project_id.eq(p))).execute(c)?;
    diesel::delete(routes::table.filter(routes::project_id.eq(p))).execute(c)?;
    diesel::delete(channels::table.filter(channels::project_id.eq(p))).execute(c)?;
    diesel::delete(storms::table.filter(storms::project_id.eq(p))).execute(c)?;
    diesel::delete(silences::table.filter(silences::project_id.eq(p))).execute(c)?;
    diesel::delete(page_overflows::table.filter(page_overflows::project_id.eq(p))).execute(c)?;
    diesel::delete(calendars::table.filter(calendars::project_id.eq(p))).execute(c)?;
    diesel::delete(report_tallies::table.filter(report_tallies::project_id.eq(p))).execute(c)?;
    diesel::delete(report_project::table.filter(report_project::project_id.eq(p))).execute(c)?;
    diesel::delete(project_limits::table.filter(project_limits::project_id.eq(p))).execute(c)?;
    diesel::delete(report_months::table.filter(report_months::project_id.eq(p))).execute(c)?;
    diesel::delete(report_mails::table.filter(report_mails::project_id.eq(p))).execute(c)?;
    diesel::delete(status_pages::table.filter(status_pages::project_id.eq(p))).execute(c)?;
    diesel::delete(invitations::table.filter(invitations::project_id.eq(p))).execute(c)?;
    diesel::delete(memberships::table.filter(memberships::project_id.eq(p))).execute(c)?;
    diesel::delete(api_keys::table.filter(api_keys::project_id.eq(p))).execute(c)?;
    diesel::delete(monitors::table.filter(monitors::project_id.eq(p))).execute(c)?;
    diesel::delete(audit_events::table.filter(audit_events::project_id.eq(p))).execute(c)?;
    diesel::delete(projects::table.find(p)).execute(c)?;
    Ok((name, gone))
}
