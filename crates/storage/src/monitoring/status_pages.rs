//! Public status pages (docs/behaviour.md, "Status pages"): a page per project or tag,
//! read by anyone with its key, showing the monitors of its scope under the names the
//! owner chose — their status, 90-day strips and the incidents now — and nothing else
//! of the project: never an id, a ping URL, a tag or a name the owner replaced.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use overdue_core::{PublicRef, Timestamp};
use overdue_types::status_pages::{PublicIncident, PublicMonitor, PublicStatus};
use rand::distributions::Alphanumeric;
use rand::Rng;

use crate::base::schema::{monitors, projects, status_pages};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// Most pages per project.
pub const MAX_PAGES: i64 = 20;
/// Most monitors one page shows (the first by the name shown).
pub const MAX_SHOWN: usize = 100;
/// Days of each strip.
const DAYS: usize = 90;

/// A status page as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = status_pages)]
#[allow(missing_docs)]
pub struct PageRow {
    pub id: String,
    pub project_id: String,
    /// The key in its public URL.
    pub key: String,
    pub title: String,
    pub scope: String,
    /// JSON object: public reference → name shown.
    pub aliases: String,
    /// JSON array of public references.
    pub hidden: String,
    pub created_at: i64,
}

impl PageRow {
    /// Its aliases (public reference → name shown).
    pub fn alias_map(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.aliases).unwrap_or_default()
    }

    /// The public references it leaves off.
    pub fn hidden_list(&self) -> Vec<String> {
        serde_json::from_str(&self.hidden).unwrap_or_default()
    }
}

/// What to set on a page (fields `None` are kept).
#[derive(Debug, Clone, Default)]
pub struct PageChange {
    /// Its title.
    pub title: Option<String>,
    /// `project` or `tag:<name>`.
    pub scope: Option<String>,
    /// Monitor (id or public reference) → name shown.
    pub aliases: Option<BTreeMap<String, String>>,
    /// Monitors (id or public reference) to leave off.
    pub hidden: Option<Vec<String>>,
}

/// The project's pages, oldest first.
pub fn list(c: &mut AnyConnection, project: &str) -> Result<Vec<PageRow>, StoreError> {
    Ok(status_pages::table
        .filter(status_pages::project_id.eq(project))
        .order((status_pages::created_at.asc(), status_pages::id.asc()))
        .select(PageRow::as_select())
        .load(c)?)
}

/// One page of the project.
pub fn get(c: &mut AnyConnection, project: &str, id: &str) -> Result<PageRow, StoreError> {
    status_pages::table
        .filter(status_pages::project_id.eq(project))
        .filter(status_pages::id.eq(id))
        .select(PageRow::as_select())
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("status page"))
}

/// A checked title.
fn title(text: &str) -> Result<String, StoreError> {
    let t = text.trim();
    let n = t.chars().count();
    if n == 0 || n > 100 {
        return Err(StoreError::Invalid(
            "title must be 1 to 100 characters".into(),
        ));
    }
    Ok(t.to_string())
}

/// A checked scope: `project` or `tag:<name>`.
fn scope(text: &str) -> Result<String, StoreError> {
    let t = text.trim();
    match t.strip_prefix("tag:") {
        _ if t == "project" => Ok(t.into()),
        Some(tag) if !tag.trim().is_empty() && !tag.contains(char::is_whitespace) => {
            Ok(format!("tag:{tag}"))
        }
        _ => Err(StoreError::Invalid(format!(
            "scope {t:?} is neither project nor tag:<name>"
        ))),
    }
}

/// A monitor of the project named by id or public reference, as its public reference.
fn public_ref(
    c: &mut AnyConnection,
    project: &str,
    field: &str,
    text: &str,
) -> Result<String, StoreError> {
    let id = crate::monitoring::refs::resolve(c, project, text)?.ok_or_else(|| {
        StoreError::Invalid(format!("{field}: no monitor {text:?} in this project"))
    })?;
    Ok(PublicRef::of(&id).into())
}

/// Applies `change` to `row` (checked), writing nothing.
fn changed(
    c: &mut AnyConnection,
    project: &str,
    row: &mut PageRow,
    change: &PageChange,
) -> Result<(), StoreError> {
    if let Some(t) = &change.title {
        row.title = title(t)?;
    }
    if let Some(s) = &change.scope {
        row.scope = scope(s)?;
    }
    if let Some(aliases) = &change.aliases {
        if aliases.len() > MAX_SHOWN {
            return Err(StoreError::Invalid(format!("aliases: at most {MAX_SHOWN}")));
        }
        let mut out = BTreeMap::new();
        for (monitor, name) in aliases {
            let shown = name.trim();
            if shown.is_empty() || shown.chars().count() > 100 {
                return Err(StoreError::Invalid(format!(
                    "aliases: the name for {monitor:?} must be 1 to 100 characters"
                )));
            }
            out.insert(
                public_ref(c, project, "aliases", monitor)?,
                shown.to_string(),
            );
        }
        row.aliases = serde_json::to_string(&out).unwrap_or_else(|_| "{}".into());
    }
    if let Some(hidden) = &change.hidden {
        let mut out = Vec::new();
        for monitor in hidden.iter().take(10_000) {
            out.push(public_ref(c, project, "hidden", monitor)?);
        }
        out.sort();
        out.dedup();
        row.hidden = serde_json::to_string(&out).unwrap_or_else(|_| "[]".into());
    }
    Ok(())
}

/// Makes a page (a title is needed); its key is new and random.
pub fn create(tx: &mut Tx<'_>, project: &str, change: &PageChange) -> Result<PageRow, StoreError> {
    let now = tx.now().0;
    let c = tx.conn();
    let count: i64 = status_pages::table
        .filter(status_pages::project_id.eq(project))
        .count()
        .get_result(c)?;
    if count >= MAX_PAGES {
        return Err(StoreError::Invalid(format!(
            "a project has at most {MAX_PAGES} status pages: delete one first"
        )));
    }
    if change.title.is_none() {
        return Err(StoreError::Invalid("title is required".into()));
    }
    let key: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    let mut row = PageRow {
        id: uuid::Uuid::new_v4().hyphenated().to_string(),
        project_id: project.into(),
        key: key.to_lowercase(),
        title: String::new(),
        scope: "project".into(),
        aliases: "{}".into(),
        hidden: "[]".into(),
        created_at: now,
    };
    changed(c, project, &mut row, change)?;
    diesel::insert_into(status_pages::table)
        .values((
            status_pages::id.eq(&row.id),
            status_pages::project_id.eq(&row.project_id),
            status_pages::key.eq(&row.key),
            status_pages::title.eq(&row.title),
            status_pages::scope.eq(&row.scope),
            status_pages::aliases.eq(&row.aliases),
            status_pages::hidden.eq(&row.hidden),
            status_pages::created_at.eq(row.created_at),
        ))
        .execute(c)?;
    Ok(row)
}

/// Changes a page.
pub fn update(
    tx: &mut Tx<'_>,
    project: &str,
    id: &str,
    change: &PageChange,
) -> Result<PageRow, StoreError> {
    let c = tx.conn();
    let mut row = get(c, project, id)?;
    changed(c, project, &mut row, change)?;
    diesel::update(status_pages::table.find(id))
        .set((
            status_pages::title.eq(&row.title),
            status_pages::scope.eq(&row.scope),
            status_pages::aliases.eq(&row.aliases),
            status_pages::hidden.eq(&row.hidden),
        ))
        .execute(c)?;
    Ok(row)
}

/// Deletes a page: its link stops working at once.
pub fn delete(tx: &mut Tx<'_>, project: &str, id: &str) -> Result<(), StoreError> {
    let c = tx.conn();
    get(c, project, id)?;
    diesel::delete(status_pages::table.find(id)).execute(c)?;
    Ok(())
}

/// The page with key `key` as the public reads it at `now`; `None`: no such page.
pub fn public(
    c: &mut AnyConnection,
    key: &str,
    now: Timestamp,
) -> Result<Option<PublicStatus>, StoreError> {
    let Some(page): Option<PageRow> = status_pages::table
        .filter(status_pages::key.eq(key))
        .select(PageRow::as_select())
        .first(c)
        .optional()?
    else {
        return Ok(None);
    };
    let tz: String = projects::table
        .find(&page.project_id)
        .select(projects::tz)
        .first::<String>(c)
        .optional()?
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "UTC".into());
    let (aliases, hidden) = (page.alias_map(), page.hidden_list());
    let tag = page.scope.strip_prefix("tag:");
    let rows: Vec<(String, String, String, String)> = monitors::table
        .filter(monitors::project_id.eq(&page.project_id))
        .select((
            monitors::id,
            monitors::name,
            monitors::tags,
            monitors::status,
        ))
        .load(c)?;
    let mut shown: Vec<(String, String, String)> = rows
        .into_iter()
        .filter(|(_, _, tags, _)| tag.is_none_or(|t| tags.split_whitespace().any(|x| x == t)))
        .filter_map(|(id, name, _, status)| {
            let public = String::from(PublicRef::of(&id));
            if hidden.contains(&public) {
                return None;
            }
            Some((id, aliases.get(&public).cloned().unwrap_or(name), status))
        })
        .collect();
    shown.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    shown.truncate(MAX_SHOWN);
    let ids: Vec<String> = shown.iter().map(|s| s.0.clone()).collect();
    let since = now.0 - (DAYS as i64 + 1) * 86_400_000;
    let histories: HashMap<String, overdue_core::uptime::History> =
        crate::monitoring::history::histories_since(c, &ids, since)?
            .into_iter()
            .collect();
    let mut out = Vec::new();
    let mut incidents = Vec::new();
    for (id, name, status) in shown {
        let Some(h) = histories.get(&id) else {
            continue;
        };
        if status == "down" {
            let since = h
                .changes
                .iter()
                .rev()
                .find(|c| c.to == "down")
                .map_or(h.created_at, |c| c.at);
            incidents.push(PublicIncident {
                name: name.clone(),
                since: Timestamp(since).to_rfc3339(),
            });
        }
        let days = overdue_core::uptime::days(h, now.0, &tz, DAYS)
            .into_iter()
            .map(Into::into)
            .collect();
        let uptime = overdue_core::uptime::share(h, now.0, DAYS as i64 * 86_400_000)
            .map(overdue_core::uptime::three_decimals);
        out.push(PublicMonitor {
            name,
            status,
            uptime,
            days,
        });
    }
    Ok(Some(PublicStatus {
        title: page.title,
        overall: if incidents.is_empty() {
            "operational".into()
        } else {
            "incident".into()
        },
        zone: tz,
        updated_at: now.to_rfc3339(),
        monitors: out,
        incidents,
    }))
}
