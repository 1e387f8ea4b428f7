//! A project's routes (docs/behaviour.md, "Routing"), stored in order (`position`), their
//! matcher, window
//! and channels as JSON: created, changed, reordered and deleted through the unit of
//! work, and read as the core's [`Route`]s when a message is written.

use diesel::prelude::*;
use overdue_core::route::{Matcher, Route, Window};
use overdue_core::Timestamp;
use uuid::Uuid;

use crate::base::schema::{channels, routes};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// A stored route.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = routes)]
#[allow(missing_docs)]
pub struct RouteRow {
    pub id: String,
    pub project_id: String,
    pub position: i32,
    pub name: String,
    pub matcher: String,
    pub active: Option<String>,
    pub quiet: Option<String>,
    pub digest_at: Option<String>,
    pub group_by: Option<String>,
    pub group_wait_ms: Option<i64>,
    pub group_interval_ms: Option<i64>,
    pub channels: String,
    pub repeat_every_ms: Option<i64>,
    pub escalate: Option<String>,
    pub continue_matching: bool,
    pub escalate_loop: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A route's settings, checked by the caller (names, matcher and window values); the
/// channels are checked here against the project.
#[derive(Debug, Clone)]
pub struct NewRoute {
    /// Display name.
    pub name: String,
    /// What it matches.
    pub matcher: Matcher,
    /// When it applies.
    pub active: Option<Window>,
    /// When it is quiet (its messages wait).
    pub quiet: Option<Window>,
    /// When it sends the daily digest.
    pub digest_at: Option<overdue_core::route::DailyAt>,
    /// Grouping: `monitor`, `all`, `tag:<key>`.
    pub group_by: Option<String>,
    /// The first alert's wait (ms).
    pub group_wait_ms: Option<i64>,
    /// The least time between two messages of one group (ms).
    pub group_interval_ms: Option<i64>,
    /// Where it sends (channel ids of the project).
    pub channels: Vec<String>,
    /// Matching goes on after it.
    pub continue_matching: bool,
    /// Remind this often while open and unacknowledged (ms).
    pub repeat_every_ms: Option<i64>,
    /// Escalation steps.
    pub escalate: Vec<overdue_core::route::Step>,
    /// The steps start over after the last one.
    pub escalate_loop: bool,
}

impl RouteRow {
    /// The route as the rules see it (a stored value that no longer reads matches
    /// nothing rather than everything).
    pub fn rule(&self) -> Route {
        let matcher = serde_json::from_str(&self.matcher).unwrap_or_else(|_| Matcher {
            kinds: vec!["none".into()],
            ..Default::default()
        });
        Route {
            id: self.id.clone(),
            matcher,
            active: self
                .active
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok()),
            quiet: self
                .quiet
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok()),
            digest_at: self
                .digest_at
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok()),
            group_by: self.group_by.clone(),
            group_wait_ms: self.group_wait_ms,
            group_interval_ms: self.group_interval_ms,
            channels: serde_json::from_str(&self.channels).unwrap_or_default(),
            continue_matching: self.continue_matching,
            repeat_every_ms: self.repeat_every_ms,
            escalate: self
                .escalate
                .as_deref()
                .and_then(|e| serde_json::from_str(e).ok())
                .unwrap_or_default(),
            escalate_loop: self.escalate_loop,
        }
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// A project's routes, in order.
pub fn list(c: &mut AnyConnection, project: &str) -> Result<Vec<RouteRow>, StoreError> {
    Ok(routes::table
        .filter(routes::project_id.eq(project))
        .order((routes::position.asc(), routes::created_at.asc()))
        .select(RouteRow::as_select())
        .load(c)?)
}

/// One route of a project.
pub fn get(c: &mut AnyConnection, project: &str, id: &str) -> Result<RouteRow, StoreError> {
    routes::table
        .filter(routes::id.eq(id))
        .filter(routes::project_id.eq(project))
        .select(RouteRow::as_select())
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("route"))
}

/// Every channel id must be a channel of the project.
pub(crate) fn check_channels(
    c: &mut AnyConnection,
    project: &str,
    ids: &[String],
) -> Result<(), StoreError> {
    let found: Vec<String> = channels::table
        .filter(channels::project_id.eq(project))
        .filter(channels::id.eq_any(ids))
        .select(channels::id)
        .load(c)?;
    match ids.iter().find(|id| !found.contains(id)) {
        Some(id) => Err(StoreError::Invalid(format!(
            "channels: {id:?} is not a channel of this project"
        ))),
        None => Ok(()),
    }
}

/// The channels a route sends to, its escalation steps' included.
fn all_channels(new: &NewRoute) -> Vec<String> {
    let mut all = new.channels.clone();
    all.extend(new.escalate.iter().flat_map(|s| s.channels.iter().cloned()));
    all
}

/// Adds a route at the end of the project's list.
pub fn create(tx: &mut Tx<'_>, project: &str, new: NewRoute) -> Result<RouteRow, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    check_channels(c, project, &all_channels(&new))?;
    let last: Option<i32> = routes::table
        .filter(routes::project_id.eq(project))
        .select(diesel::dsl::max(routes::position))
        .first(c)?;
    let row = RouteRow {
        id: Uuid::new_v4().hyphenated().to_string(),
        project_id: project.to_string(),
        position: last.map_or(0, |p| p + 1),
        name: new.name,
        matcher: to_json(&new.matcher),
        active: new.active.as_ref().map(to_json),
        quiet: new.quiet.as_ref().map(to_json),
        digest_at: new.digest_at.as_ref().map(to_json),
        group_by: new.group_by.clone(),
        group_wait_ms: new.group_wait_ms,
        group_interval_ms: new.group_interval_ms,
        channels: to_json(&new.channels),
        repeat_every_ms: new.repeat_every_ms,
        escalate: (!new.escalate.is_empty()).then(|| to_json(&new.escalate)),
        continue_matching: new.continue_matching,
        escalate_loop: new.escalate_loop,
        created_at: now.0,
        updated_at: now.0,
    };
    diesel::insert_into(routes::table).values(&row).execute(c)?;
    Ok(row)
}

/// Replaces a route's settings (its place stays): `change` gets the stored route and
/// says what it becomes.
pub fn update(
    tx: &mut Tx<'_>,
    project: &str,
    id: &str,
    change: impl FnOnce(&RouteRow) -> NewRoute,
) -> Result<RouteRow, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let new = change(&get(c, project, id)?);
    check_channels(c, project, &all_channels(&new))?;
    diesel::update(routes::table.find(id))
        .set((
            routes::name.eq(&new.name),
            routes::matcher.eq(to_json(&new.matcher)),
            routes::active.eq(new.active.as_ref().map(to_json)),
            routes::quiet.eq(new.quiet.as_ref().map(to_json)),
            routes::digest_at.eq(new.digest_at.as_ref().map(to_json)),
            routes::group_by.eq(&new.group_by),
            routes::group_wait_ms.eq(new.group_wait_ms),
            routes::group_interval_ms.eq(new.group_interval_ms),
            routes::channels.eq(to_json(&new.channels)),
            routes::repeat_every_ms.eq(new.repeat_every_ms),
            routes::escalate.eq((!new.escalate.is_empty()).then(|| to_json(&new.escalate))),
            routes::continue_matching.eq(new.continue_matching),
            routes::escalate_loop.eq(new.escalate_loop),
            routes::updated_at.eq(now.0),
        ))
        .execute(c)?;
    get(c, project, id)
}

/// Deletes a route.
pub fn delete(tx: &mut Tx<'_>, project: &str, id: &str) -> Result<(), StoreError> {
    let c = tx.conn();
    get(c, project, id)?;
    diesel::delete(routes::table.find(id)).execute(c)?;
    Ok(())
}

/// Puts the project's routes in the order given: every route of the project, once.
pub fn reorder(
    tx: &mut Tx<'_>,
    project: &str,
    ids: &[String],
) -> Result<Vec<RouteRow>, StoreError> {
    let c = tx.conn();
    let current = list(c, project)?;
    let mut sorted: Vec<&String> = ids.iter().collect();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != ids.len() {
        return Err(StoreError::Invalid("ids: a route is named twice".into()));
    }
    if let Some(id) = ids.iter().find(|id| !current.iter().any(|r| &r.id == *id)) {
        return Err(StoreError::Invalid(format!(
            "ids: {id:?} is not a route of this project"
        )));
    }
    if ids.len() != current.len() {
        return Err(StoreError::Invalid(format!(
            "ids must name every route of the project once: {} given, {} routes",
            ids.len(),
            current.len()
        )));
    }
    for (i, id) in ids.iter().enumerate() {
        diesel::update(routes::table.find(id))
            .set(routes::position.eq(i as i32))
            .execute(c)?;
    }
    list(c, project)
}

/// The names of the project's routes that send to `channel` (a channel in use cannot be
/// deleted).
pub fn using_channel(
    c: &mut AnyConnection,
    project: &str,
    channel: &str,
) -> Result<Vec<String>, StoreError> {
    Ok(list(c, project)?
        .into_iter()
        .filter(|r| {
            let rule = r.rule();
            rule.channels.iter().any(|ch| ch == channel)
                || rule
                    .escalate
                    .iter()
                    .any(|s| s.channels.iter().any(|ch| ch == channel))
        })
        .map(|r| r.name)
        .collect())
}

/// The project's routes as the rules see them.
pub fn rules(c: &mut AnyConnection, project: &str) -> Result<Vec<Route>, StoreError> {
    Ok(list(c, project)?.iter().map(RouteRow::rule).collect())
}

/// One channel an alert would reach, and the route that chose it (`None`: the
/// monitor's own channels).
#[derive(Debug, Clone)]
pub struct Reach {
    /// The channel.
    pub channel: crate::base::models::ChannelRow,
    /// The route's id and name.
    pub route: Option<(String, String)>,
}

/// A quiet route that would hold the alert, and when it would send it.
#[derive(Debug, Clone)]
pub struct Held {
    /// The route's id and name.
    pub route: (String, String),
    /// When its quiet window ends.
    pub until: Timestamp,
}

/// An escalation step the alert would take if nobody acknowledged it.
#[derive(Debug, Clone)]
pub struct StepAt {
    /// The route's id and name.
    pub route: (String, String),
    /// When the step fires: its delay after the alert opened, or after the route's quiet
    /// window ends when the route holds it.
    pub at: Timestamp,
    /// The step's channels, id and name.
    pub channels: Vec<(String, String)>,
}

/// What a route preview finds.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The severity used.
    pub severity: String,
    /// The channels reached now.
    pub reach: Vec<Reach>,
    /// The quiet routes that would hold it.
    pub held: Vec<Held>,
    /// The escalation steps of the routes it takes, in time order.
    pub steps: Vec<StepAt>,
}

/// What an alert of `kind` (with `reason`, `severity`) about `monitor` would reach at
/// `at`: the same choice a real message makes, and the escalation steps that would
/// follow (docs/behaviour.md, "Routing").
pub fn preview(
    c: &mut AnyConnection,
    project: &str,
    monitor: &str,
    kind: &str,
    reason: Option<&str>,
    severity: Option<&str>,
    at: Timestamp,
) -> Result<Preview, StoreError> {
    use crate::base::schema::{monitor_channels, monitors};
    let row: crate::base::models::MonitorRow = monitors::table
        .find(monitor)
        .filter(monitors::project_id.eq(project))
        .select(crate::base::models::MonitorRow::as_select())
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("monitor"))?;
    let severity = match severity {
        Some(s) => s.to_string(),
        None => match kind {
            "down" => row.rules()?.severity.unwrap_or_else(|| "error".into()),
            "event" => "warning".into(),
            "digest" => "info".into(),
            _ => "error".into(),
        },
    };
    let assigned: Vec<String> = monitor_channels::table
        .filter(monitor_channels::monitor_id.eq(&row.id))
        .select(monitor_channels::channel_id)
        .load(c)?;
    let stored = list(c, project)?;
    let rules: Vec<Route> = stored.iter().map(RouteRow::rule).collect();
    let tags = row.tag_list();
    let subject = overdue_core::route::Subject {
        kind,
        reason,
        severity: &severity,
        tags: &tags,
        slug: row.slug.as_deref(),
        name: &row.name,
    };
    let selection = overdue_core::route::select(&rules, &assigned, &subject, at);
    let name_of = |id: &str| {
        stored
            .iter()
            .find(|r| r.id == id)
            .map(|r| (r.id.clone(), r.name.clone()))
    };
    let held: Vec<Held> = selection
        .held
        .iter()
        .filter_map(|(id, until)| {
            Some(Held {
                route: name_of(id)?,
                until: *until,
            })
        })
        .collect();
    let channel_of = |c: &mut AnyConnection, id: &str| {
        channels::table
            .find(id)
            .select(crate::base::models::ChannelRow::as_select())
            .first(c)
            .optional()
    };
    let mut out = Vec::with_capacity(selection.channels.len());
    for (ch, route) in &selection.channels {
        let Some(channel) = channel_of(c, ch)? else {
            continue;
        };
        let route = route.as_ref().and_then(|id| name_of(id));
        out.push(Reach { channel, route });
    }
    // The routes taken, each once: those that send now (from `at`) and those that
    // hold (from the end of their quiet window).
    let mut taken: Vec<(String, Timestamp)> = Vec::new();
    let sending = selection.channels.iter().filter_map(|(_, r)| r.clone());
    for (id, from) in sending.map(|id| (id, at)).chain(
        selection
            .held
            .iter()
            .map(|(id, until)| (id.clone(), *until)),
    ) {
        if !taken.iter().any(|(t, _)| *t == id) {
            taken.push((id, from));
        }
    }
    let mut steps = Vec::new();
    for (id, from) in taken {
        let (Some(rule), Some(route)) = (rules.iter().find(|r| r.id == id), name_of(&id)) else {
            continue;
        };
        for step in &rule.escalate {
            let mut named = Vec::new();
            for ch in &step.channels {
                if let Some(row) = channel_of(c, ch)? {
                    named.push((row.id, row.name));
                }
            }
            steps.push(StepAt {
                route: route.clone(),
                at: Timestamp(from.0 + step.after_ms),
                channels: named,
            });
        }
    }
    steps.sort_by_key(|s| s.at.0);
    Ok(Preview {
        severity,
        reach: out,
        held,
        steps,
    })
}
