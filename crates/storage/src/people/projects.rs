//! Projects and their API keys. Keys are random, shown once, stored as SHA-256 hashes:
//! they carry 190 bits of entropy, so a fast hash is enough (no dictionary to attack).

use diesel::prelude::*;
use rand::distributions::Alphanumeric;
use rand::Rng;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::base::models::ProjectRow;
use crate::base::schema::{api_keys, projects};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// A project with freshly made keys (the only time the keys are readable).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CreatedProject {
    /// Project id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Read-write API key.
    pub api_key: String,
    /// Read-only API key.
    pub read_only_key: String,
    /// Key for `/ping/<ping_key>/<slug>` URLs.
    pub ping_key: String,
}

/// What an API key grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyGrant {
    /// The project it belongs to.
    pub project_id: String,
    /// Read-only keys may not change anything.
    pub read_only: bool,
    /// The key's name (who did it, in records such as an acknowledgement).
    pub name: String,
}

/// A random alphanumeric string (tokens and keys).
pub(crate) fn random_text(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// The stored form of a key.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Creates a project with a read-write key, a read-only key and a ping key.
pub fn create(tx: &mut Tx<'_>, name: &str) -> Result<CreatedProject, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let row = ProjectRow {
        id: Uuid::new_v4().hyphenated().to_string(),
        name: name.to_string(),
        ping_key: random_text(22).to_lowercase(),
        created_at: now.0,
        badge_key: Some(random_text(24).to_lowercase()),
        tz: String::new(),
        storm_wait_ms: overdue_core::route::storm::Storm::DEFAULT.wait_ms,
        storm_interval_ms: overdue_core::route::storm::Storm::DEFAULT.interval_ms,
        hours_calendar: None,
        availability_target: None,
        require_second_factor: false,
    };
    diesel::insert_into(projects::table)
        .values(&row)
        .execute(c)?;
    let api_key = create_key(tx, &row.id, "default", false)?;
    let read_only_key = create_key(tx, &row.id, "default read-only", true)?;
    Ok(CreatedProject {
        id: row.id,
        name: row.name,
        api_key,
        read_only_key,
        ping_key: row.ping_key,
    })
}

/// Adds an API key to a project and returns it in clear text (once).
pub fn create_key(
    tx: &mut Tx<'_>,
    project: &str,
    name: &str,
    read_only: bool,
) -> Result<String, StoreError> {
    create_key_with_id(tx, project, name, read_only).map(|(_, key)| key)
}

/// As [`create_key`], also returning the key's id.
pub fn create_key_with_id(
    tx: &mut Tx<'_>,
    project: &str,
    name: &str,
    read_only: bool,
) -> Result<(String, String), StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let id = Uuid::new_v4().hyphenated().to_string();
    let key = format!(
        "{}{}",
        if read_only { "odr_" } else { "odk_" },
        random_text(32)
    );
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(&id),
            api_keys::project_id.eq(project),
            api_keys::name.eq(name),
            api_keys::prefix.eq(&key[..8]),
            api_keys::key_hash.eq(hash_key(&key)),
            api_keys::read_only.eq(read_only),
            api_keys::created_at.eq(now.0),
        ))
        .execute(c)?;
    Ok((id, key))
}

/// Looks up what a presented key grants.
pub fn authenticate(c: &mut AnyConnection, key: &str) -> Result<Option<KeyGrant>, StoreError> {
    let found: Option<(String, bool, String)> = api_keys::table
        .filter(api_keys::key_hash.eq(hash_key(key)))
        .select((api_keys::project_id, api_keys::read_only, api_keys::name))
        .first(c)
        .optional()?;
    Ok(found.map(|(project_id, read_only, name)| KeyGrant {
        project_id,
        read_only,
        name,
    }))
}

/// The project whose badge key is `key`.
pub fn by_badge_key(c: &mut AnyConnection, key: &str) -> Result<Option<ProjectRow>, StoreError> {
    Ok(projects::table
        .filter(projects::badge_key.eq(key))
        .select(ProjectRow::as_select())
        .first(c)
        .optional()?)
}

/// Number of projects (to detect an empty instance).
pub fn count(c: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(projects::table.count().get_result(c)?)
}

/// One project.
pub fn get(c: &mut AnyConnection, id: &str) -> Result<ProjectRow, StoreError> {
    projects::table
        .find(id)
        .select(ProjectRow::as_select())
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("project"))
}

/// The projects whose id or name is `text` (several when names repeat).
pub fn named(c: &mut AnyConnection, text: &str) -> Result<Vec<ProjectRow>, StoreError> {
    Ok(projects::table
        .filter(projects::id.eq(text).or(projects::name.eq(text)))
        .select(ProjectRow::as_select())
        .limit(3)
        .load(c)?)
}

/// The oldest project (the default one on a fresh instance).
pub fn any(c: &mut AnyConnection) -> Result<ProjectRow, StoreError> {
    projects::table
        .order(projects::created_at.asc())
        .select(ProjectRow::as_select())
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("project"))
}

/// On an empty instance, the default project ("Default") with its keys; `None` once
/// any project exists.
pub fn create_first(tx: &mut Tx<'_>) -> Result<Option<CreatedProject>, StoreError> {
    if count(tx.conn())? > 0 {
        return Ok(None);
    }
    create(tx, "Default").map(Some)
}

/// The candidates for the project a broker queue feeds (docs/behaviour.md, "Flows (entity SLAs)"): the projects
/// named `wanted` (id or name) when given, else the instance's only project (none when
/// it has several); with the number of projects, for the caller's refusal.
pub fn for_broker(
    c: &mut AnyConnection,
    wanted: Option<&str>,
) -> Result<(Vec<ProjectRow>, i64), StoreError> {
    if let Some(w) = wanted {
        return Ok((named(c, w)?, 0));
    }
    let n = count(c)?;
    let only = if n == 1 { vec![any(c)?] } else { Vec::new() };
    Ok((only, n))
}

/// A change of a project's settings: each `Some` is set.
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    /// Its new name (checked by the caller).
    pub name: Option<String>,
    /// Whether members need a second factor, and who asks (they must have one); set by
    /// `people::second_factor::require`.
    pub require_second_factor: Option<(bool, String)>,
    /// Its time zone (an IANA name the caller checked; empty: UTC).
    pub tz: Option<String>,
    /// Its storm setting (`Some(None)`: off; docs/behaviour.md, "Storms").
    pub storm: Option<Option<overdue_core::route::storm::Storm>>,
    /// Its reports' business calendar, by name (`Some(None)`: none).
    pub calendar: Option<Option<String>>,
    /// Its reports' availability target, percent (checked; `Some(None)`: the default).
    pub availability_target: Option<Option<f64>>,
}

/// The id of the calendar named `name` in project `project`; an unknown name is
/// refused in words.
fn calendar_named(c: &mut AnyConnection, project: &str, name: &str) -> Result<String, StoreError> {
    use crate::base::schema::calendars;
    calendars::table
        .filter(calendars::project_id.eq(project))
        .filter(calendars::name.eq(name.trim()))
        .select(calendars::id)
        .first(c)
        .optional()?
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "calendar: no calendar named {name:?} in this project (create it under /api/v1/calendars first)"
            ))
        })
}

/// The name of the calendar a project's reports count working hours by.
pub fn hours_calendar_name(
    c: &mut AnyConnection,
    row: &ProjectRow,
) -> Result<Option<String>, StoreError> {
    use crate::base::schema::calendars;
    let Some(id) = &row.hours_calendar else {
        return Ok(None);
    };
    Ok(calendars::table
        .find(id)
        .select(calendars::name)
        .first(c)
        .optional()?)
}

/// Project `id` with the name of its reports' business calendar (the settings API).
pub fn with_calendar(
    c: &mut AnyConnection,
    id: &str,
) -> Result<(ProjectRow, Option<String>), StoreError> {
    let p = get(c, id)?;
    let calendar = hours_calendar_name(c, &p)?;
    Ok((p, calendar))
}

/// Changes project `id`'s settings and returns the project.
pub fn change(
    tx: &mut Tx<'_>,
    id: &str,
    change: &SettingsChange,
) -> Result<ProjectRow, StoreError> {
    let c = tx.conn();
    get(c, id)?;
    if let Some(name) = &change.name {
        diesel::update(projects::table.find(id))
            .set(projects::name.eq(name))
            .execute(c)?;
    }
    if let Some(tz) = &change.tz {
        diesel::update(projects::table.find(id))
            .set(projects::tz.eq(tz))
            .execute(c)?;
    }
    if let Some(calendar) = &change.calendar {
        let calendar_id = match calendar {
            Some(name) => Some(calendar_named(c, id, name)?),
            None => None,
        };
        diesel::update(projects::table.find(id))
            .set(projects::hours_calendar.eq(calendar_id))
            .execute(c)?;
    }
    if let Some(target) = change.availability_target {
        let milli = target.map(|t| (t * 1000.0).round() as i64);
        diesel::update(projects::table.find(id))
            .set(projects::availability_target.eq(milli))
            .execute(c)?;
    }
    if let Some(storm) = change.storm {
        let (wait, interval) = storm.map_or((0, 0), |s| (s.wait_ms, s.interval_ms));
        diesel::update(projects::table.find(id))
            .set((
                projects::storm_wait_ms.eq(wait),
                projects::storm_interval_ms.eq(interval),
            ))
            .execute(c)?;
    }
    get(c, id)
}
