//! `overdue apply -f overdue.toml` (docs/behaviour.md, "Configuration as code"): channels,
//! monitors, flows, routes and
//! silences declared in a file, made so through the management API — matched by
//! channel name, monitor slug, flow slug, route name and silence comment; idempotent
//! (a second run changes nothing); `--dry-run` prints the changes and makes none;
//! `--prune` deletes what the file no longer names. Secrets stay out of the file: a
//! channel's secret field may name an environment variable
//! (`"${OVERDUE_SECRET_PAGERDUTY_KEY}"`, rules in [`vars`]), and a channel's secret is
//! compared by its digest (`secret_digests`), so an unchanged one is left alone. Errors name the file, the line and the field.

mod diff;
pub mod export;
pub mod vars;

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::manage::Api;

/// The kinds of object, in the order they are applied (what is named comes first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Channel,
    Monitor,
    Flow,
    Route,
    Silence,
}

impl Kind {
    pub(crate) const ALL: [Kind; 5] = [
        Kind::Channel,
        Kind::Monitor,
        Kind::Flow,
        Kind::Route,
        Kind::Silence,
    ];

    pub(crate) fn word(self) -> &'static str {
        match self {
            Kind::Channel => "channel",
            Kind::Monitor => "monitor",
            Kind::Flow => "flow",
            Kind::Route => "route",
            Kind::Silence => "silence",
        }
    }

    pub(crate) fn list_path(self) -> &'static str {
        match self {
            Kind::Channel => "/api/v1/channels",
            Kind::Monitor => "/api/v1/monitors",
            Kind::Flow => "/api/v1/flows",
            Kind::Route => "/api/v1/routes",
            Kind::Silence => "/api/v1/silences",
        }
    }

    fn list_field(self) -> &'static str {
        match self {
            Kind::Channel => "channels",
            Kind::Monitor => "monitors",
            Kind::Flow => "flows",
            Kind::Route => "routes",
            Kind::Silence => "silences",
        }
    }

    /// What names an object of this kind (in the file and on the server).
    fn key_of(self, v: &Value) -> Option<String> {
        let text = |f: &str| v[f].as_str().map(str::to_string).filter(|s| !s.is_empty());
        match self {
            Kind::Channel | Kind::Route => text("name"),
            Kind::Monitor => text("slug"),
            Kind::Flow => text("slug").or_else(|| overdue_core::flow::slug_of(&text("name")?)),
            Kind::Silence => text("comment"),
        }
    }

    fn key_field(self) -> &'static str {
        match self {
            Kind::Channel | Kind::Route => "name",
            Kind::Monitor => "slug",
            Kind::Flow => "name",
            Kind::Silence => "comment",
        }
    }

    /// The server's path of an existing object.
    fn path_of(self, v: &Value) -> String {
        let id = match self {
            Kind::Monitor => v["uuid"].as_str().or(v["id"].as_str()),
            Kind::Flow => v["slug"].as_str(),
            _ => v["id"].as_str(),
        };
        // Ids and slugs come from the server; encoded all the same.
        let id = id.unwrap_or_default();
        let segment = overdue_client::path(&[id]).unwrap_or_else(|_| format!("/{id}"));
        format!("{}{segment}", self.list_path())
    }

    /// Fields the server takes but does not show back (not compared).
    fn unshown(self) -> &'static [&'static str] {
        match self {
            Kind::Silence => &["duration", "for", "starts_at"],
            _ => &[],
        }
    }
}

/// The file: one array of tables per kind.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    channel: Vec<toml::Spanned<toml::Table>>,
    #[serde(default)]
    monitor: Vec<toml::Spanned<toml::Table>>,
    #[serde(default)]
    flow: Vec<toml::Spanned<toml::Table>>,
    #[serde(default)]
    route: Vec<toml::Spanned<toml::Table>>,
    #[serde(default)]
    silence: Vec<toml::Spanned<toml::Table>>,
}

/// One declared object.
#[derive(Debug, Clone)]
struct Item {
    kind: Kind,
    line: usize,
    key: String,
    body: Value,
}

/// Options of a run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Print the changes, make none.
    pub dry_run: bool,
    /// Delete what the file does not name.
    pub prune: bool,
    /// Variables a channel secret may name besides `OVERDUE_SECRET_…` (`--allow-env`).
    pub allow_env: Vec<String>,
}

/// A TOML value as JSON (dates as their text).
fn to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(f) => json!(f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

/// Reads and checks the file: TOML errors and missing keys or variables name the line.
fn load(path: &Path, allowed: &vars::Allowed<'_>) -> Result<Vec<Item>> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {name}"))?;
    let doc: FileDoc = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start].lines().count().max(1));
        let msg = e.message().trim().to_string();
        match line {
            Some(l) => anyhow!("{name}:{l}: {msg} (the file takes [[channel]], [[monitor]], [[flow]], [[route]] and [[silence]])"),
            None => anyhow!("{name}: {msg}"),
        }
    })?;
    let mut items = Vec::new();
    let groups = [
        (Kind::Channel, doc.channel),
        (Kind::Monitor, doc.monitor),
        (Kind::Flow, doc.flow),
        (Kind::Route, doc.route),
        (Kind::Silence, doc.silence),
    ];
    for (kind, tables) in groups {
        for t in tables {
            let line = text[..t.span().start].lines().count() + 1;
            let mut body = to_json(&toml::Value::Table(t.into_inner()));
            let key = kind.key_of(&body).ok_or_else(|| {
                anyhow!(
                    "{name}:{line}: {} needs {:?}: it is how the file names it",
                    kind.word(),
                    kind.key_field()
                )
            })?;
            let at = format!("{name}:{line}: {} {key}", kind.word());
            if kind == Kind::Channel {
                vars::expand_channel(&mut body, &at, allowed)?;
            }
            if items.iter().any(|i: &Item| i.kind == kind && i.key == key) {
                bail!("{at}: named twice in the file");
            }
            items.push(Item {
                kind,
                line,
                key,
                body,
            });
        }
    }
    Ok(items)
}

/// Channel names in `channels` lists (and escalation steps) as the ids the API takes.
fn with_channel_ids(body: &mut Value, ids: &Map<String, Value>, at: &str) -> Result<()> {
    let swap = |list: &mut Value, at: &str| -> Result<()> {
        if let Value::Array(a) = list {
            for c in a.iter_mut() {
                let name = c.as_str().unwrap_or_default().to_string();
                *c = ids.get(&name).cloned().ok_or_else(|| {
                    anyhow!("{at}: no channel named {name:?} in the file or the project")
                })?;
            }
        }
        Ok(())
    };
    if let Some(list) = body.get_mut("channels") {
        swap(list, &format!("{at}: channels"))?;
    }
    if let Some(Value::Array(steps)) = body.get_mut("escalate") {
        for (i, step) in steps.iter_mut().enumerate() {
            if let Some(list) = step.get_mut("channels") {
                swap(list, &format!("{at}: escalate[{i}].channels"))?;
            }
        }
    }
    Ok(())
}

/// The server's objects of a kind, by key (those without one cannot be named).
fn existing(api: &Api, kind: Kind) -> Result<Vec<(String, Value)>> {
    let v = api.call("GET", kind.list_path(), None)?;
    Ok(v[kind.list_field()]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|o| Some((kind.key_of(&o)?, o)))
        .collect())
}

/// A monitor as the server shows it, with its schedule's fields where the file writes
/// them.
fn comparable(kind: Kind, current: &Value) -> Value {
    let mut c = current.clone();
    if kind == Kind::Monitor {
        if let (Some(o), Some(s)) = (c.as_object_mut(), current["schedule"].as_object()) {
            for f in ["cron", "tz", "period"] {
                if let Some(v) = s.get(f) {
                    o.insert(f.into(), v.clone());
                }
            }
        }
    }
    c
}

/// The fields of a channel that differ: settings against its (masked) config, secrets
/// by digest.
fn channel_changes(desired: &Value, current: &Value) -> Result<Vec<String>> {
    let (d, id) = (
        desired.as_object().cloned().unwrap_or_default(),
        current["id"].as_str().unwrap_or_default(),
    );
    if d.get("kind") != current.get("kind") {
        bail!(
            "kind: a channel's kind cannot change ({} → {}); give the new one another name",
            current["kind"],
            d.get("kind").unwrap_or(&Value::Null)
        );
    }
    let digests = current["secret_digests"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for (k, v) in &d {
        let same = match k.as_str() {
            "kind" | "name" => true,
            "is_default" | "is_fallback" => diff::holds(k, v, &current[k.as_str()]),
            "headers" => v.as_object().is_some_and(|h| {
                h.iter().all(|(hk, hv)| {
                    let field = format!("headers.{hk}");
                    digests.get(&field).and_then(Value::as_str)
                        == Some(
                            overdue_core::secret_digest(
                                id,
                                &field,
                                hv.as_str().unwrap_or_default(),
                            )
                            .as_str(),
                        )
                }) && current["config"]["headers"]
                    .as_object()
                    .map_or(0, |c| c.len())
                    == h.len()
            }),
            _ => match digests.get(k) {
                Some(dg) => {
                    dg.as_str()
                        == Some(
                            overdue_core::secret_digest(id, k, v.as_str().unwrap_or_default())
                                .as_str(),
                        )
                }
                None => diff::holds(k, v, &current["config"][k.as_str()]),
            },
        };
        if !same {
            out.push(k.clone());
        }
    }
    Ok(out)
}

/// One changed field as a diff line: `    grace: 3600 → "2h"` (a secret says only that
/// it changed).
fn shown_change(kind: Kind, field: &str, desired: &Value, current: &Value) -> String {
    let secret = current["secret_digests"].as_object().is_some_and(|d| {
        d.contains_key(field) || (field == "headers" && d.keys().any(|k| k.starts_with("headers.")))
    });
    if secret {
        return format!("    {field}: (secret, changed)");
    }
    let now = match kind {
        Kind::Channel if !matches!(field, "is_default" | "is_fallback") => {
            current["config"][field].clone()
        }
        _ => comparable(kind, current)[field].clone(),
    };
    format!("    {field}: {now} → {}", desired[field])
}

/// Applies the file; returns the report (one line per change).
pub fn run(api: &Api, path: &Path, opts: Options) -> Result<String> {
    let env = |name: &str| std::env::var(name).ok();
    let allowed = vars::Allowed {
        extra: &opts.allow_env,
        env: &env,
    };
    let items = load(path, &allowed)?;
    let file = path.display().to_string();
    let mut report = Vec::new();
    let mut unchanged = 0;
    // Objects created, changed or deleted (the report also has a line per field).
    let mut count = 0;
    // Channel names → ids: the project's, then those this run creates.
    let mut channel_ids = Map::new();
    for kind in Kind::ALL {
        let current = existing(api, kind)?;
        if kind == Kind::Monitor {
            for (k, v) in existing(api, Kind::Channel)? {
                channel_ids.insert(k, v["id"].clone());
            }
        }
        for item in items.iter().filter(|i| i.kind == kind) {
            let at = format!("{file}:{}: {} {}", item.line, kind.word(), item.key);
            let mut body = item.body.clone();
            with_channel_ids(&mut body, &channel_ids, &at)?;
            let found = current.iter().find(|(k, _)| *k == item.key).map(|(_, v)| v);
            let Some(cur) = found else {
                report.push(format!("+ {} {}", kind.word(), item.key));
                count += 1;
                let created = if opts.dry_run {
                    json!({ "id": format!("(new {})", item.key) })
                } else {
                    api.call("POST", kind.list_path(), Some(&body))
                        .with_context(|| at.clone())?
                };
                if kind == Kind::Channel {
                    channel_ids.insert(item.key.clone(), created["id"].clone());
                }
                continue;
            };
            let changes = match kind {
                Kind::Channel => channel_changes(&body, cur).map_err(|e| anyhow!("{at}: {e}"))?,
                _ => diff::changed(&body, &comparable(kind, cur), kind.unshown()),
            };
            if changes.is_empty() {
                unchanged += 1;
                continue;
            }
            report.push(format!(
                "~ {} {}: {}",
                kind.word(),
                item.key,
                changes.join(", ")
            ));
            count += 1;
            report.extend(changes.iter().map(|k| shown_change(kind, k, &body, cur)));
            if opts.dry_run {
                continue;
            }
            if kind == Kind::Silence {
                // Silences are not edited: the old one ends, the file's starts.
                api.call("DELETE", &kind.path_of(cur), None)
                    .with_context(|| at.clone())?;
                api.call("POST", kind.list_path(), Some(&body))
                    .with_context(|| at.clone())?;
                continue;
            }
            let mut patch = Map::new();
            let schedule = ["cron", "tz", "period", "schedule"];
            for (k, v) in body.as_object().into_iter().flatten() {
                let goes = changes.contains(k)
                    || (kind == Kind::Monitor
                        && schedule.contains(&k.as_str())
                        && changes.iter().any(|c| schedule.contains(&c.as_str())));
                if goes {
                    patch.insert(k.clone(), v.clone());
                }
            }
            api.call("PATCH", &kind.path_of(cur), Some(&Value::Object(patch)))
                .with_context(|| at.clone())?;
        }
    }
    if opts.prune {
        for kind in Kind::ALL.iter().rev() {
            for (key, cur) in existing(api, *kind)? {
                if items.iter().any(|i| i.kind == *kind && i.key == key) {
                    continue;
                }
                report.push(format!("- {} {}", kind.word(), key));
                count += 1;
                if !opts.dry_run {
                    api.call("DELETE", &kind.path_of(&cur), None)
                        .with_context(|| format!("deleting {} {key}", kind.word()))?;
                }
            }
        }
    }
    let verb = if opts.dry_run {
        "would change"
    } else {
        "changed"
    };
    if report.is_empty() {
        report.push(format!("no changes ({unchanged} as the file says)"));
    } else {
        report.push(format!("{verb} {count}; {unchanged} as the file says"));
    }
    Ok(report.join("\n"))
}
