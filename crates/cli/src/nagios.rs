//! `overdue nagios <monitor|tag:NAME>`: a Nagios/Icinga check plugin (docs/behaviour.md,
//! "API"). One
//! status line with perfdata, and the plugin exit codes: 0 OK, 1 WARNING, 2 CRITICAL,
//! 3 UNKNOWN. Overdue's verdict is reported as it is; the plugin decides nothing.

use anyhow::{anyhow, Result};
use serde_json::Value;

/// Plugin exit codes.
pub const OK: i32 = 0;
/// Late (past due, within grace).
pub const WARNING: i32 = 1;
/// Down.
pub const CRITICAL: i32 = 2;
/// Overdue could not answer, or the monitor or tag is unknown.
pub const UNKNOWN: i32 = 3;

fn word(code: i32) -> &'static str {
    match code {
        OK => "OK",
        WARNING => "WARNING",
        CRITICAL => "CRITICAL",
        _ => "UNKNOWN",
    }
}

/// The code of one monitor's shown state.
fn code_of(state: &str) -> i32 {
    match state {
        "down" => CRITICAL,
        "late" => WARNING,
        _ => OK,
    }
}

/// Evaluates `target` (a monitor's UUID, slug or name, or `tag:NAME`) against the
/// monitors of `/api/v1/monitors`: (exit code, status line).
pub fn evaluate(target: &str, monitors: &[Value]) -> (i32, String) {
    let state = |m: &Value| m["state"].as_str().unwrap_or("unknown").to_string();
    let name = |m: &Value| m["name"].as_str().unwrap_or("?").to_string();
    if let Some(tag) = target.strip_prefix("tag:") {
        let chosen: Vec<&Value> = monitors
            .iter()
            .filter(|m| {
                m["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t.as_str() == Some(tag)))
            })
            .collect();
        if chosen.is_empty() {
            return (
                UNKNOWN,
                format!("OVERDUE UNKNOWN - no monitor has tag {tag:?}"),
            );
        }
        let (mut up, mut late, mut down) = (0, 0, 0);
        let mut bad = Vec::new();
        for m in &chosen {
            match code_of(&state(m)) {
                CRITICAL => {
                    down += 1;
                    bad.push(format!("{} down", name(m)));
                }
                WARNING => {
                    late += 1;
                    bad.push(format!("{} late", name(m)));
                }
                _ => up += 1,
            }
        }
        let code = if down > 0 {
            CRITICAL
        } else if late > 0 {
            WARNING
        } else {
            OK
        };
        let detail = if bad.is_empty() {
            format!("all {} monitors up", chosen.len())
        } else {
            bad.join(", ")
        };
        return (
            code,
            format!(
                "OVERDUE {} - tag {tag}: {detail} | up={up} late={late} down={down}",
                word(code)
            ),
        );
    }
    let found = monitors.iter().find(|m| {
        // A UUID names its monitor by the public reference readers see.
        m["id"].as_str() == Some(target)
            || m["id"].as_str() == Some(overdue_core::PublicRef::of(target).as_str())
            || m["slug"].as_str() == Some(target)
            || m["name"].as_str() == Some(target)
    });
    let Some(m) = found else {
        return (
            UNKNOWN,
            format!("OVERDUE UNKNOWN - no monitor {target:?} (give its UUID, slug or name, or tag:NAME)"),
        );
    };
    let st = state(m);
    let code = code_of(&st);
    let mut line = format!("OVERDUE {} - {} is {st}", word(code), name(m));
    if let Some(r) = m["down_reason"].as_str().filter(|_| st == "down") {
        line.push_str(&format!(" ({r}"));
        if let Some(d) = m["down_detail"].as_str() {
            line.push_str(&format!(": {d}"));
        }
        line.push(')');
    }
    let mut perf = vec![format!(
        "open_problems={}",
        m["open_problems"].as_i64().unwrap_or(0)
    )];
    if let Some(d) = m["last_duration"].as_f64() {
        perf.push(format!("last_duration={d}s"));
    }
    (code, format!("{line} | {}", perf.join(" ")))
}

/// Runs the plugin: fetches the monitors with `api_key` from `url`, prints the line,
/// returns the exit code. Any failure is UNKNOWN with the reason.
pub fn run(target: &str, url: &str, api_key: Option<&str>) -> i32 {
    let (code, line) = match fetch(url, api_key) {
        Ok(monitors) => evaluate(target.trim(), &monitors),
        Err(e) => (UNKNOWN, format!("OVERDUE UNKNOWN - {e:#}")),
    };
    println!("{line}");
    code
}

fn fetch(url: &str, api_key: Option<&str>) -> Result<Vec<Value>> {
    let key = api_key.ok_or_else(|| {
        anyhow!("no API key: set OVERDUE_API_KEY or --api-key (a read-only key is enough)")
    })?;
    let client = overdue_client::Client::new(url).map_err(|e| anyhow!("OVERDUE_URL: {e}"))?;
    let v = client.api_get("/api/v1/monitors", key)?;
    Ok(v["monitors"].as_array().cloned().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn verdicts_and_lines() {
        let ms = vec![
            json!({"id": "u1", "name": "db", "slug": "db", "state": "down", "tags": ["prod"],
                   "down_reason": "hung", "down_detail": "load", "open_problems": 2}),
            json!({"id": "u2", "name": "web", "state": "late", "tags": ["prod"]}),
            json!({"id": "u3", "name": "cron", "state": "running", "tags": ["ops"],
                   "last_duration": 12.5}),
        ];
        assert_eq!(
            evaluate("db", &ms),
            (
                CRITICAL,
                "OVERDUE CRITICAL - db is down (hung: load) | open_problems=2".into()
            )
        );
        assert_eq!(evaluate("u2", &ms).0, WARNING);
        assert_eq!(
            evaluate("cron", &ms).1,
            "OVERDUE OK - cron is running | open_problems=0 last_duration=12.5s"
        );
        assert_eq!(
            evaluate("tag:prod", &ms),
            (
                CRITICAL,
                "OVERDUE CRITICAL - tag prod: db down, web late | up=0 late=1 down=1".into()
            )
        );
        assert_eq!(
            evaluate("tag:ops", &ms).1,
            "OVERDUE OK - tag ops: all 1 monitors up | up=1 late=0 down=0"
        );
        assert_eq!(evaluate("tag:none", &ms).0, UNKNOWN);
        assert_eq!(evaluate("nope", &ms).0, UNKNOWN);
    }
}
