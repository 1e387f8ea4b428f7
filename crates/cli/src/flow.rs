//! `overdue flow event|import|entity|list` (docs/behaviour.md, "Flows (entity SLAs)"):
//! flow events from a shell, a
//! script or a pipe, through the API with a read-write key (`OVERDUE_API_KEY`):
//! `overdue flow event orders 12345 authorized`, or a batch of JSON lines on stdin.

use std::io::BufRead;

use anyhow::{anyhow, Result};
use serde_json::{json, Value};

use crate::manage::Api;

/// `overdue flow …`.
#[derive(clap::Subcommand)]
pub enum FlowCommand {
    /// An entity reached a stage: `overdue flow event orders 12345 authorized`.
    Event {
        /// The flow (its slug).
        flow: String,
        /// The entity's id.
        entity: String,
        /// The stage it reached.
        stage: String,
        /// When (RFC 3339) [default: now].
        #[arg(long)]
        at: Option<String>,
    },
    /// Events from stdin, one JSON object per line: `{"entity": "1", "stage": "placed"}`.
    Import {
        /// The flow (its slug).
        flow: String,
    },
    /// One entity: its stage, due time and history.
    Entity {
        /// The flow (its slug).
        flow: String,
        /// The entity's id.
        entity: String,
        /// The API's JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The project's flows with the entities in each stage.
    List {
        /// The API's JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs one `overdue flow` command; its output.
pub fn run(api: &Api, command: &FlowCommand) -> Result<String> {
    match command {
        FlowCommand::Event {
            flow,
            entity,
            stage,
            at,
        } => event(api, flow, entity, stage, at.as_deref()),
        FlowCommand::Import { flow } => import(api, flow, std::io::stdin().lock()),
        FlowCommand::Entity { flow, entity, json } => self::entity(api, flow, entity, *json),
        FlowCommand::List { json } => list(api, *json),
    }
}

/// Most events sent per request (the API's limit).
const BATCH: usize = 10_000;

fn events_path(flow: &str) -> Result<String> {
    Ok(overdue_client::path(&[
        "api", "v1", "flows", flow, "events",
    ])?)
}

/// One event: `entity` reached `stage` (at `at`, RFC 3339, if given).
pub fn event(api: &Api, flow: &str, entity: &str, stage: &str, at: Option<&str>) -> Result<String> {
    let mut e = json!({ "entity": entity, "stage": stage });
    if let Some(at) = at {
        e["at"] = at.into();
    }
    let r = api.call("POST", &events_path(flow)?, Some(&json!([e])))?;
    Ok(if r["applied"].as_u64() == Some(1) {
        format!("{entity}: {stage}")
    } else {
        format!("{entity}: {stage} recorded (it did not move the entity)")
    })
}

/// Events from `input`: one JSON object per line (`{"entity", "stage", "at"}`), or
/// one JSON list; sent in batches. Blank lines are skipped; a bad line stops with its
/// number before anything is sent.
pub fn import(api: &Api, flow: &str, input: impl BufRead) -> Result<String> {
    let mut events: Vec<Value> = Vec::new();
    for (n, line) in input.lines().enumerate() {
        let line = line?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(line).map_err(|e| anyhow!("line {}: not JSON ({e})", n + 1))?;
        match v {
            Value::Array(a) => events.extend(a),
            Value::Object(_) => events.push(v),
            _ => return Err(anyhow!("line {}: expected an event object", n + 1)),
        }
    }
    if events.is_empty() {
        return Err(anyhow!(
            "no events on stdin: one {{\"entity\", \"stage\"}} object per line"
        ));
    }
    let (mut stored, mut applied, mut kept) = (0, 0, 0);
    let mut first = None;
    // Every batch is sent: what the server cannot read it keeps aside, the rest it stores.
    for chunk in events.chunks(BATCH) {
        let r = api.call(
            "POST",
            &events_path(flow)?,
            Some(&Value::Array(chunk.to_vec())),
        )?;
        stored += r["stored"].as_u64().unwrap_or(0);
        applied += r["applied"].as_u64().unwrap_or(0);
        kept += r["kept_aside"].as_u64().unwrap_or(0);
        if first.is_none() {
            first = r["problems"][0].as_str().map(str::to_string);
        }
    }
    let done = format!("{stored} events stored, {applied} moved an entity");
    if kept > 0 {
        return Err(anyhow!(
            "{done}; {kept} could not be read and were kept aside (the Flows page; overdue's GET /api/v1/kept-aside): {}",
            first.unwrap_or_default()
        ));
    }
    Ok(done)
}

/// One entity: its stage, times and history.
pub fn entity(api: &Api, flow: &str, entity: &str, as_json: bool) -> Result<String> {
    let path = overdue_client::path(&["api", "v1", "flows", flow, "entities", entity])?;
    let e = api.call("GET", &path, None)?;
    if as_json {
        return Ok(serde_json::to_string_pretty(&e)?);
    }
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut out = format!(
        "{} in {} since {}",
        text(&e["entity"]),
        text(&e["stage"]),
        text(&e["entered_at"])
    );
    if e["due_at"].is_string() {
        out += &format!(", due by {}", text(&e["due_at"]));
    }
    if e["breach_alert"].is_number() {
        out += ", breached";
    }
    if e["finished_at"].is_string() {
        out += &format!(", finished {}", text(&e["finished_at"]));
    }
    out.push('\n');
    for h in e["history"].as_array().into_iter().flatten() {
        let moved = if h["applied"] == true {
            ""
        } else {
            " (did not move it)"
        };
        out += &format!("  {}  {}{moved}\n", text(&h["at"]), text(&h["stage"]));
    }
    Ok(out)
}

/// The project's flows with their stages' counts.
pub fn list(api: &Api, as_json: bool) -> Result<String> {
    let r = api.call("GET", "/api/v1/flows", None)?;
    if as_json {
        return Ok(serde_json::to_string_pretty(&r)?);
    }
    let mut out = String::new();
    for f in r["flows"].as_array().into_iter().flatten() {
        out += &format!("{}\n", f["slug"].as_str().unwrap_or(""));
        for s in f["stages"].as_array().into_iter().flatten() {
            out += &format!(
                "  {:<20} {:>8} in it, {:>6} breached\n",
                s["name"].as_str().unwrap_or(""),
                s["entities"],
                s["breached"]
            );
        }
    }
    Ok(out)
}
