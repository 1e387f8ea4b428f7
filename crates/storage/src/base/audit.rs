//! The audit log (docs/security.md, "Audit log"): one row per change, written in the
//! change's own unit of work, so a change is never without its record nor a record
//! without its change.
//!
//! Who and what are gathered while a request is read: the server arms a [`Draft`] for
//! each changing API request and runs the handler inside [`scope`]; its extractors fill
//! in the project and the actor (the key's name or the user) and the body's fields,
//! secrets masked. [`crate::Store::write`] takes the armed draft of the task it is
//! called from and writes it after the unit of work's own changes, in the same
//! transaction — once per request, by its first write ([`crate::Store::write_quiet`]
//! for writes that change nothing of the project, such as the sign-in gate's counts).

use std::sync::{Arc, Mutex};

use diesel::prelude::*;
use overdue_core::Timestamp;
use serde_json::Value;

use crate::base::schema::{audit_events as ae, memberships};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

tokio::task_local! {
    static DRAFT: Draft;
}

/// What a request's record says so far.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// The project changed (`None`: the person's own, such as a sign-in).
    pub project: Option<String>,
    /// The signed-in user who acted, if it was one.
    pub user_id: Option<String>,
    /// Who: an e-mail, `key <name>`, `setup link` or `cli`.
    pub actor: Option<String>,
    /// From where (the client's address as the sign-in gate sees it).
    pub address: String,
    /// What was done: `create`, `change`, `delete`, `pause`, `sign-in`, …
    pub action: String,
    /// To what kind of object: `monitors`, `channels`, `account`, …
    pub object: String,
    /// Which one, when the request names it.
    pub object_id: Option<String>,
    /// The fields sent, secrets as "changed" ([`masked`]).
    pub fields: Value,
}

/// A request's record in the making, shared by its extractors and its first write.
#[derive(Debug, Clone, Default)]
pub struct Draft(Arc<Mutex<(Entry, bool)>>);

impl Draft {
    /// A draft for a changing request: what, to what, from where.
    pub fn new(entry: Entry) -> Draft {
        Draft(Arc::new(Mutex::new((entry, false))))
    }

    /// Changes the entry (the extractors fill who and the fields).
    pub fn fill(&self, f: impl FnOnce(&mut Entry)) {
        if let Ok(mut g) = self.0.lock() {
            f(&mut g.0);
        }
    }

    /// The entry to write, once: `None` when taken already or when nobody is known
    /// (an anonymous request changes no project).
    fn take(&self) -> Option<Entry> {
        let mut g = self.0.lock().ok()?;
        if g.1 || g.0.actor.is_none() || (g.0.project.is_none() && g.0.user_id.is_none()) {
            return None;
        }
        g.1 = true;
        Some(g.0.clone())
    }
}

/// Runs `f` (a request's handling) with `draft` as its record.
pub async fn scope<F: std::future::Future>(draft: Draft, f: F) -> F::Output {
    DRAFT.scope(draft, f).await
}

/// Fills the current request's draft, if it has one.
pub fn fill(f: impl FnOnce(&mut Entry)) {
    let _ = DRAFT.try_with(|d| d.fill(f));
}

/// The current request's draft, if it has one (taken by a write).
pub(crate) fn current() -> Option<Draft> {
    DRAFT.try_with(Draft::clone).ok()
}

/// Writes the draft's entry in the unit of work, if it is complete and not yet written.
pub(crate) fn flush(tx: &mut Tx<'_>, draft: &Draft) -> Result<(), StoreError> {
    let Some(e) = draft.take() else {
        return Ok(());
    };
    let at = tx.now().0;
    diesel::insert_into(ae::table)
        .values((
            ae::project_id.eq(e.project),
            ae::user_id.eq(e.user_id),
            ae::at.eq(at),
            ae::actor.eq(e.actor.unwrap_or_default()),
            ae::address.eq(e.address),
            ae::action.eq(e.action),
            ae::object.eq(e.object),
            ae::object_id.eq(e.object_id),
            ae::fields.eq(e.fields.to_string()),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// Field names whose values are secrets (a part of the name is enough): recorded as
/// "changed", never as their value.
const SECRET: [&str; 8] = [
    "password", "secret", "token", "key", "url", "header", "auth", "code",
];

/// Longest text value kept per field.
const TEXT_MAX: usize = 200;

/// The fields of a request body as the log keeps them: secrets (by their name, at any
/// depth) as "changed", long texts cut, and past 4 KiB only the names.
pub fn masked(body: &Value) -> Value {
    fn walk(v: &Value, secret: bool) -> Value {
        match v {
            _ if secret => Value::String("changed".into()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| {
                        let k_low = k.to_ascii_lowercase();
                        let s = SECRET.iter().any(|w| k_low.contains(w));
                        (k.clone(), walk(v, s))
                    })
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(|v| walk(v, false)).collect()),
            Value::String(t) if t.chars().count() > TEXT_MAX => {
                Value::String(format!("{}…", t.chars().take(TEXT_MAX).collect::<String>()))
            }
            other => other.clone(),
        }
    }
    let kept = walk(body, false);
    if kept.to_string().len() <= 4096 {
        return kept;
    }
    match kept {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, _)| (k, Value::String("changed".into())))
                .collect(),
        ),
        _ => Value::String("changed".into()),
    }
}

/// A stored record.
#[derive(Debug, Clone, Queryable)]
pub struct Record {
    /// Its id (the page cursor: newer records have larger ids).
    pub id: i64,
    /// The project, `None` for a person's own (sign-ins).
    pub project_id: Option<String>,
    /// The user who acted, if one did.
    pub user_id: Option<String>,
    /// When, ms since the epoch.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// From where.
    pub address: String,
    /// What.
    pub action: String,
    /// To what kind of object.
    pub object: String,
    /// Which one.
    pub object_id: Option<String>,
    /// The fields as JSON text.
    pub fields: String,
}

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only records older than this id (the previous page's last).
    pub before: Option<i64>,
    /// Only this actor (exact).
    pub actor: Option<String>,
    /// Only this kind of object.
    pub object: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// From this time on (ms).
    pub since: Option<i64>,
    /// Before this time (ms).
    pub until: Option<i64>,
}

/// Project `project`'s records, newest first, at most `limit`: its own and its
/// members' personal ones (sign-ins).
pub fn list(
    c: &mut AnyConnection,
    project: &str,
    f: &Filter,
    limit: i64,
) -> Result<Vec<Record>, StoreError> {
    let members = memberships::table
        .filter(memberships::project_id.eq(project.to_string()))
        .select(memberships::user_id);
    let mut q = ae::table
        .filter(
            ae::project_id.eq(project.to_string()).or(ae::project_id
                .is_null()
                .and(ae::user_id.eq_any(members.nullable()))),
        )
        .into_boxed();
    if let Some(b) = f.before {
        q = q.filter(ae::id.lt(b));
    }
    if let Some(a) = &f.actor {
        q = q.filter(ae::actor.eq(a.clone()));
    }
    if let Some(o) = &f.object {
        q = q.filter(ae::object.eq(o.clone()));
    }
    if let Some(a) = &f.action {
        q = q.filter(ae::action.eq(a.clone()));
    }
    if let Some(s) = f.since {
        q = q.filter(ae::at.ge(s));
    }
    if let Some(u) = f.until {
        q = q.filter(ae::at.lt(u));
    }
    Ok(q.order(ae::id.desc()).limit(limit).load(c)?)
}

/// Records deleted per call of [`prune`], so no transaction holds locks long.
const PRUNE_BATCH: i64 = 5_000;

/// Deletes at most [`PRUNE_BATCH`] records older than `before` (index
/// `audit_events_at`); returns how many went.
pub fn prune(tx: &mut Tx<'_>, before: Timestamp) -> Result<usize, StoreError> {
    let c = tx.conn();
    let old: Vec<i64> = ae::table
        .filter(ae::at.lt(before.0))
        .select(ae::id)
        .limit(PRUNE_BATCH)
        .load(c)?;
    Ok(diesel::delete(ae::table.filter(ae::id.eq_any(&old))).execute(c)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_said_changed_at_any_depth() {
        let body = json!({
            "name": "hook",
            "url": "https://hooks.example.com/T000/secret",
            "headers": {"X-Token": "abc"},
            "settings": {"routing_key": "R0UT1NG", "to": ["ops@example.com"]},
            "current_password": "hunter22",
            "period": 60,
        });
        let m = masked(&body);
        assert_eq!(m["name"], "hook");
        assert_eq!(m["url"], "changed");
        assert_eq!(m["headers"], "changed");
        assert_eq!(m["settings"]["routing_key"], "changed");
        assert_eq!(m["settings"]["to"], json!(["ops@example.com"]));
        assert_eq!(m["current_password"], "changed");
        assert_eq!(m["period"], 60);
        let text = m.to_string();
        for secret in ["T000", "abc", "R0UT1NG", "hunter22"] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[test]
    fn long_bodies_keep_their_names() {
        let long = "x".repeat(300);
        assert!(masked(&json!({"note": long}))["note"]
            .as_str()
            .unwrap()
            .ends_with('…'));
        let many: serde_json::Map<String, Value> = (0..100)
            .map(|i| (format!("f{i}"), json!("y".repeat(100))))
            .collect();
        let m = masked(&Value::Object(many));
        assert_eq!(m["f7"], "changed");
    }

    #[test]
    fn a_draft_is_written_once_and_only_with_someone_behind_it() {
        let d = Draft::new(Entry {
            action: "create".into(),
            ..Entry::default()
        });
        assert!(d.take().is_none(), "nobody known");
        d.fill(|e| {
            e.actor = Some("key ci".into());
            e.project = Some("p".into());
        });
        assert!(d.take().is_some());
        assert!(d.take().is_none(), "once");
    }
}
