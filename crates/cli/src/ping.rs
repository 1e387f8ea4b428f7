//! `overdue ping <monitor> <signal>`: one ping from a shell, through the Rust client.

use anyhow::{anyhow, Result};

/// `overdue ping`'s options beyond signal, body and rid.
pub(crate) struct PingExtra {
    pub(crate) step: Option<String>,
    pub(crate) done: Option<u64>,
    pub(crate) total: Option<u64>,
    /// For `progress`; for `problems`, the message.
    pub(crate) msg: Option<String>,
    pub(crate) keys: Vec<String>,
    pub(crate) severity: Option<String>,
}

pub(crate) fn ping(
    monitor: &str,
    signal: &str,
    extra: &PingExtra,
    body: Option<&str>,
    rid: Option<&str>,
    url: &str,
) -> Result<()> {
    use overdue_client::{Client, Signal};
    let rid = rid
        .map(|r| uuid::Uuid::try_parse(r.trim()).map_err(|_| anyhow!("--rid {r:?} is not a UUID")))
        .transpose()?;
    let mut query: Vec<(&str, String)> = rid.map(|r| ("rid", r.to_string())).into_iter().collect();
    let action = match signal.trim() {
        unit @ ("problems" | "resolve") => {
            // A flag typed at a shell is checked here: the server would store an unknown
            // severity as an error (a report is a signal), and the person means a level.
            if let Some(s) = extra.severity.as_deref() {
                if overdue_core::problem::Severity::read_loosely(s).is_none() {
                    return Err(anyhow!(
                        "--severity {s:?}: use info, warning, error or critical"
                    ));
                }
            }
            let json = match (&extra.keys[..], body) {
                ([], Some(b)) => b.to_string(),
                ([], None) => {
                    return Err(anyhow!(
                        "{unit} needs --key KEY (repeatable) or --body with the JSON report"
                    ))
                }
                (keys, _) if unit == "resolve" => serde_json::to_string(keys)?,
                (keys, _) => serde_json::to_string(
                    &keys
                        .iter()
                        .map(|k| {
                            serde_json::json!({
                                "key": k,
                                "severity": extra.severity.as_deref().unwrap_or("error"),
                                "message": extra.msg.as_deref().unwrap_or(""),
                            })
                        })
                        .collect::<Vec<_>>(),
                )?,
            };
            let client = Client::new(url).map_err(|e| anyhow!("OVERDUE_URL: {e}"))?;
            let answer =
                client.request(monitor, &format!("/{unit}"), &query, Some((json, true)))?;
            println!("{answer}");
            return Ok(());
        }
        "progress" => {
            let done = extra
                .done
                .ok_or_else(|| anyhow!("progress needs --done N (and --total M)"))?;
            query.push(("done", done.to_string()));
            query.extend(extra.total.map(|t| ("total", t.to_string())));
            query.extend(extra.msg.clone().map(|m| ("msg", m)));
            "/progress".to_string()
        }
        "step" => {
            let name = extra
                .step
                .as_deref()
                .ok_or_else(|| anyhow!("step needs --step NAME"))?;
            let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
            format!("/step/{name}")
        }
        other => {
            let sig = Signal::parse(other).ok_or_else(|| {
                anyhow!("{signal:?}: use success, start, fail, warn, log, progress, step, problems or resolve")
            })?;
            query.extend(extra.step.clone().map(|s| ("step", s)));
            sig.suffix().to_string()
        }
    };
    let client = Client::new(url).map_err(|e| anyhow!("OVERDUE_URL: {e}"))?;
    client.send(
        monitor,
        &action,
        &query,
        body.map(|b| (b.to_string(), false)),
    )?;
    Ok(())
}
