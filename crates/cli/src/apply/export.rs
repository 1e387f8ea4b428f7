//! `overdue export`: the project as a file `overdue apply` takes — what a team checks
//! into its repository to start managing Overdue as code. Channel secrets are never
//! written: each becomes `"${OVERDUE_<CHANNEL>_<FIELD>}"`, listed at the top so the
//! environment can provide them. Monitors without a slug cannot be named by a file:
//! they are listed in a comment.

use anyhow::Result;
use serde_json::{Map, Value};

use super::Kind;
use crate::manage::Api;

/// What each kind's file entry keeps of the server's object (the rest is state or
/// shown only).
fn fields(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Channel => &["name", "kind", "is_default", "is_fallback"],
        Kind::Monitor => &[
            "name",
            "slug",
            "description",
            "tags",
            "grace",
            "max_runtime",
            "min_runtime",
            "methods",
            "manual_resume",
            "concurrency",
            "down_after",
            "up_after",
            "steps",
            "stall_timeout",
            "notify_warn",
            "severity",
            "max_failed",
            "max_failed_ratio",
            "max_failed_children",
            "resolve_problems",
            "channels",
        ],
        Kind::Flow => &[
            "name",
            "stages",
            "terminal",
            "tags",
            "channels",
            "retention",
        ],
        Kind::Route => &[
            "name",
            "match",
            "active",
            "quiet",
            "digest_at",
            "channels",
            "continue",
            "repeat_every",
            "escalate",
            "escalate_loop",
            "group_by",
            "group_wait",
            "group_interval",
        ],
        Kind::Silence => &["comment", "match", "ends_at", "recurring"],
    }
}

/// Stage fields that are statistics, not settings.
const STAGE_STATS: &[&str] = &[
    "p50",
    "p95",
    "p50_before",
    "p95_before",
    "entities",
    "breached",
];

/// `null` cannot be written in TOML: dropped (as are empty objects).
fn without_nulls(v: Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Array(a) => Some(Value::Array(
            a.into_iter().filter_map(without_nulls).collect(),
        )),
        Value::Object(o) => {
            let o: Map<String, Value> = o
                .into_iter()
                .filter_map(|(k, v)| Some((k, without_nulls(v)?)))
                .collect();
            (!o.is_empty()).then_some(Value::Object(o))
        }
        other => Some(other),
    }
}

/// `OVERDUE_OPS_PAGER_ROUTING_KEY` for channel "ops pager", field `routing_key`.
fn variable(channel: &str, field: &str) -> String {
    let up = |s: &str| {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    format!("{}{}_{}", super::vars::PREFIX, up(channel), up(field))
}

/// Channel ids in `channels` lists (and escalation steps) as names.
fn names_for_ids(v: &mut Value, names: &Map<String, Value>) {
    let swap = |list: &mut Value| {
        if let Value::Array(a) = list {
            for c in a.iter_mut() {
                if let Some(n) = c.as_str().and_then(|id| names.get(id)) {
                    *c = n.clone();
                }
            }
        }
    };
    if let Some(list) = v.get_mut("channels") {
        swap(list);
    }
    if let Some(Value::Array(steps)) = v.get_mut("escalate") {
        for s in steps.iter_mut() {
            if let Some(list) = s.get_mut("channels") {
                swap(list);
            }
        }
    }
}

/// The project as a file, and the environment variables it names.
pub fn run(api: &Api) -> Result<String> {
    let mut doc = Map::new();
    let mut variables = Vec::new();
    let mut unnamed = Vec::new();
    let channels = api.call("GET", Kind::Channel.list_path(), None)?;
    let names: Map<String, Value> = channels["channels"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["name"].clone(),
            )
        })
        .collect();
    for kind in Kind::ALL {
        let listed = api.call("GET", kind.list_path(), None)?;
        let mut out = Vec::new();
        for obj in listed[kind.list_field()].as_array().into_iter().flatten() {
            if kind == Kind::Monitor && obj["slug"].as_str().is_none_or(str::is_empty) {
                unnamed.push(obj["name"].as_str().unwrap_or_default().to_string());
                continue;
            }
            let mut entry = Map::new();
            for f in fields(kind) {
                if let Some(v) = obj.get(*f) {
                    entry.insert((*f).to_string(), v.clone());
                }
            }
            match kind {
                Kind::Monitor => {
                    for (k, v) in obj["schedule"].as_object().into_iter().flatten() {
                        if k != "kind" {
                            entry.insert(k.clone(), v.clone());
                        }
                    }
                }
                Kind::Flow => {
                    if let Some(Value::Array(stages)) = entry.get_mut("stages") {
                        for s in stages.iter_mut().filter_map(Value::as_object_mut) {
                            s.retain(|k, _| !STAGE_STATS.contains(&k.as_str()));
                        }
                    }
                }
                Kind::Channel => {
                    let name = obj["name"].as_str().unwrap_or_default();
                    let secret = obj["secret_digests"]
                        .as_object()
                        .cloned()
                        .unwrap_or_default();
                    for (k, v) in obj["config"].as_object().into_iter().flatten() {
                        let value = if k == "headers" {
                            let mut h = Map::new();
                            for (hk, _) in v.as_object().into_iter().flatten() {
                                let var = variable(name, &format!("header_{hk}"));
                                h.insert(hk.clone(), Value::String(format!("${{{var}}}")));
                                variables.push(var);
                            }
                            Value::Object(h)
                        } else if secret.contains_key(k) {
                            let var = variable(name, k);
                            variables.push(var.clone());
                            Value::String(format!("${{{var}}}"))
                        } else {
                            v.clone()
                        };
                        entry.insert(k.clone(), value);
                    }
                }
                _ => {}
            }
            let mut entry = Value::Object(entry);
            names_for_ids(&mut entry, &names);
            if let Some(e) = without_nulls(entry) {
                out.push(e);
            }
        }
        if !out.is_empty() {
            doc.insert(kind.word().to_string(), Value::Array(out));
        }
    }
    let mut text = String::from(
        "# Overdue configuration: `overdue apply -f <this file>` makes the project so.\n",
    );
    if !variables.is_empty() {
        text.push_str("# Secrets come from the environment: ");
        text.push_str(&variables.join(", "));
        text.push('\n');
    }
    for n in &unnamed {
        text.push_str(&format!(
            "# monitor {n:?} has no slug: give it one to manage it here\n"
        ));
    }
    text.push('\n');
    text.push_str(&toml::to_string_pretty(&Value::Object(doc))?);
    Ok(text)
}
