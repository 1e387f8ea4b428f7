//! `overdue silence add|list|end` (docs/behaviour.md, "Routing"): silences from a shell or
//! a deploy script,
//! through the API with a read-write key (`OVERDUE_API_KEY`):
//! `overdue silence add --match tag=db --for 2h --comment "migration"`.

use anyhow::{anyhow, Result};
use serde_json::{json, Map, Value};

use crate::manage::Api;

/// `overdue silence …`.
#[derive(clap::Subcommand)]
pub enum SilenceCommand {
    /// Silence what matches for a while: `--match tag=db --for 2h --comment "migration"`.
    Add {
        /// What to silence: tag=, monitor= (slug or name, `*` wildcards), kind=,
        /// reason=, severity=; repeat it to narrow.
        #[arg(long = "match", required = true)]
        matches: Vec<String>,
        /// How long (`2h`, `30m`).
        #[arg(long = "for")]
        duration: Option<String>,
        /// Until (RFC 3339), instead of --for.
        #[arg(long)]
        until: Option<String>,
        /// Why (shown with the silence and its summary).
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// The project's silences: active, upcoming and ended.
    List {
        /// The API's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// End a silence now: what it held goes out at once.
    End {
        /// The silence's id.
        id: String,
    },
}

/// Runs one `overdue silence` command; its output.
pub fn run(api: &Api, command: &SilenceCommand) -> Result<String> {
    match command {
        SilenceCommand::Add {
            matches,
            duration,
            until,
            comment,
        } => add(api, matches, duration.as_deref(), until.as_deref(), comment),
        SilenceCommand::List { json } => list(api, *json),
        SilenceCommand::End { id } => end(api, id),
    }
}

/// The `match` object from `--match key=value` items (repeatable; the same key twice
/// adds to its list).
pub fn matcher(items: &[String]) -> Result<Value> {
    let mut m = Map::new();
    for item in items {
        let (key, value) = item
            .split_once('=')
            .ok_or_else(|| anyhow!("--match takes key=value (tag=db), got {item:?}"))?;
        let field = match key.trim() {
            "tag" => "tags",
            "monitor" => "monitors",
            "kind" => "kinds",
            "reason" => "reasons",
            "severity" => "severities",
            other => {
                return Err(anyhow!(
                    "--match takes tag=, monitor=, kind=, reason= or severity=, got {other:?}"
                ))
            }
        };
        let list = m
            .entry(field.to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(a) = list {
            a.push(Value::String(value.trim().to_string()));
        }
    }
    if m.is_empty() {
        return Err(anyhow!(
            "say what to silence: --match tag=db (or monitor=, kind=, reason=, severity=)"
        ));
    }
    Ok(Value::Object(m))
}

/// Adds a silence; prints its id, end and any warning.
pub fn add(
    api: &Api,
    items: &[String],
    duration: Option<&str>,
    until: Option<&str>,
    comment: &str,
) -> Result<String> {
    let mut body = json!({ "match": matcher(items)?, "comment": comment });
    match (duration, until) {
        (Some(d), None) => body["for"] = d.into(),
        (None, Some(u)) => body["ends_at"] = u.into(),
        (None, None) => return Err(anyhow!("say how long: --for 2h or --until <RFC 3339>")),
        (Some(_), Some(_)) => return Err(anyhow!("give either --for or --until, not both")),
    }
    let s = api.call("POST", "/api/v1/silences", Some(&body))?;
    let mut out = format!(
        "silence {} until {}",
        s["id"].as_str().unwrap_or(""),
        s["ends_at"].as_str().unwrap_or("")
    );
    if let Some(w) = s["warning"].as_str() {
        out.push_str(&format!("\nwarning: {w}"));
    }
    Ok(out)
}

/// The project's silences, a line each (or the API's JSON).
pub fn list(api: &Api, as_json: bool) -> Result<String> {
    let v = api.call("GET", "/api/v1/silences", None)?;
    if as_json {
        return Ok(serde_json::to_string_pretty(&v)?);
    }
    let mut out = String::from("ID                                    STATE     UNTIL                      MATCH  COMMENT\n");
    for s in v["silences"].as_array().cloned().unwrap_or_default() {
        out.push_str(&format!(
            "{:<37} {:<9} {:<26} {}  {}\n",
            s["id"].as_str().unwrap_or(""),
            s["state"].as_str().unwrap_or(""),
            s["ends_at"].as_str().unwrap_or("-"),
            s["match"],
            s["comment"].as_str().unwrap_or("")
        ));
    }
    Ok(out)
}

/// Ends a silence now.
pub fn end(api: &Api, id: &str) -> Result<String> {
    let path = overdue_client::path(&["api", "v1", "silences", id])?;
    let s = api.call("DELETE", &path, None)?;
    Ok(format!(
        "silence {} ended at {}",
        s["id"].as_str().unwrap_or(id),
        s["ended_at"].as_str().unwrap_or("")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_items() {
        let m = matcher(&["tag=db".into(), "tag=prod".into(), "monitor=db-*".into()]).unwrap();
        assert_eq!(m, json!({"tags": ["db", "prod"], "monitors": ["db-*"]}));
        assert!(matcher(&["team=db".into()])
            .unwrap_err()
            .to_string()
            .contains("tag="));
        assert!(matcher(&[]).is_err());
    }
}
