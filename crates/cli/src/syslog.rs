//! `overdue syslog-forward` (docs/behaviour.md, "API"): the far end of rsyslog's `omprog`.
//! rsyslog's
//! rules engine picks the messages and, through a template, writes one JSON line per
//! message on our standard input: `{"monitor": "<uuid | ping_key/slug>", "signal":
//! "success|start|fail|warn|log|problems|resolve", "key": "invoice:123", "severity":
//! "error", "message": "…"}`. Lines are taken at once into a bounded queue (rsyslog is
//! never blocked: past the bound the oldest line is dropped and counted), then sent in
//! order — consecutive problems and resolutions of one monitor in one request — with
//! retries while Overdue is unreachable or busy. A line that can never succeed (not
//! JSON, a 4xx) is logged on standard error and skipped.

use std::collections::VecDeque;
use std::io::BufRead;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use overdue_client::{Client, Error, Problem, Severity};
use serde::Deserialize;

/// One line from rsyslog.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    /// The monitor: UUID or `<ping key>/<slug>`.
    pub monitor: String,
    /// What the message means (default `success`).
    #[serde(default)]
    pub signal: Option<String>,
    /// The unit, for `problems` and `resolve`.
    #[serde(default)]
    pub key: Option<String>,
    /// For `problems`: info, warning, error (default) or critical.
    #[serde(default)]
    pub severity: Option<String>,
    /// The log message (a ping's body; a problem's message).
    #[serde(default)]
    pub message: Option<String>,
}

/// What to do with a line.
#[derive(Debug, Clone, PartialEq)]
enum Action {
    /// A ping: `/ping/<monitor><suffix>` with the message as body.
    Ping(&'static str),
    /// A failed unit.
    Problem(Severity),
    /// A unit that is fine again.
    Resolve,
}

/// Reads one line: the action, or why the line is skipped.
fn parse(text: &str) -> Result<(Line, Action), String> {
    let line: Line = serde_json::from_str(text)
        .map_err(|e| format!("not a JSON line as the template writes it: {e}"))?;
    if line.monitor.trim().is_empty() {
        return Err("monitor is empty".into());
    }
    // A path in the field (`<uuid>/../../ack/<token>`) must never reach another URL.
    overdue_client::ping_path(&line.monitor, "").map_err(|e| e.to_string())?;
    let needs_key = || {
        line.key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|_| ())
            .ok_or_else(|| {
                "problems and resolve need the unit's key (did the template's regex match?)"
                    .to_string()
            })
    };
    let action = match line.signal.as_deref().unwrap_or("success").trim() {
        "success" | "" => Action::Ping(""),
        "start" => Action::Ping("/start"),
        "fail" => Action::Ping("/fail"),
        "warn" => Action::Ping("/warn"),
        "log" => Action::Ping("/log"),
        "problems" | "problem" => {
            needs_key()?;
            Action::Problem(match line.severity.as_deref().unwrap_or("error") {
                "info" => Severity::Info,
                "warning" => Severity::Warning,
                "error" => Severity::Error,
                "critical" => Severity::Critical,
                other => {
                    return Err(format!(
                        "severity {other:?}: use info, warning, error or critical"
                    ))
                }
            })
        }
        "resolve" => {
            needs_key()?;
            Action::Resolve
        }
        other => {
            return Err(format!(
                "signal {other:?}: use success, start, fail, warn, log, problems or resolve"
            ))
        }
    };
    Ok((line, action))
}

/// The lines between rsyslog and the sender: bounded, the oldest dropped when full.
struct Queue {
    lines: Mutex<(VecDeque<String>, bool, u64)>,
    ready: Condvar,
    bound: usize,
}

impl Queue {
    fn push(&self, line: String) {
        let Ok(mut q) = self.lines.lock() else { return };
        if q.0.len() >= self.bound {
            q.0.pop_front();
            q.2 += 1;
            if q.2.is_power_of_two() {
                eprintln!(
                    "overdue syslog-forward: queue full, {} oldest lines dropped so far",
                    q.2
                );
            }
        }
        q.0.push_back(line);
        self.ready.notify_one();
    }

    fn close(&self) {
        if let Ok(mut q) = self.lines.lock() {
            q.1 = true;
            self.ready.notify_one();
        }
    }

    /// Up to `n` lines, waiting for the first; `None` once closed and empty.
    fn take(&self, n: usize) -> Option<Vec<String>> {
        let mut q = self.lines.lock().ok()?;
        while q.0.is_empty() && !q.1 {
            q = self.ready.wait(q).ok()?;
        }
        if q.0.is_empty() {
            return None;
        }
        let k = n.min(q.0.len());
        Some(q.0.drain(..k).collect())
    }
}

/// Settings of the forwarder.
#[derive(Debug, Clone)]
pub struct Forward {
    /// Overdue's base URL.
    pub url: String,
    /// Lines held while Overdue is away.
    pub queue: usize,
    /// Longest wait between retries.
    pub max_backoff: Duration,
    /// After standard input ends: how long to keep retrying what is left.
    pub drain_for: Duration,
}

/// Runs until standard input ends and what it brought is sent (or `drain_for` passed).
pub fn run(settings: &Forward) -> Result<()> {
    let client = Client::new(&settings.url).map_err(|e| anyhow!("--url: {e}"))?;
    let queue = Arc::new(Queue {
        lines: Mutex::new((VecDeque::new(), false, 0)),
        ready: Condvar::new(),
        bound: settings.queue.max(1),
    });
    let reader = {
        let queue = queue.clone();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                match line {
                    Ok(l) if l.trim().is_empty() => {}
                    Ok(l) => queue.push(l),
                    Err(_) => break,
                }
            }
            queue.close();
        })
    };
    let mut closed_at: Option<Instant> = None;
    while let Some(batch) = queue.take(500) {
        let parsed: Vec<(Line, Action)> = batch
            .iter()
            .filter_map(|text| match parse(text) {
                Ok(p) => Some(p),
                Err(why) => {
                    eprintln!("overdue syslog-forward: skipped {text:?}: {why}");
                    None
                }
            })
            .collect();
        for group in groups(&parsed) {
            send_with_retry(&client, group, settings, &queue, &mut closed_at);
        }
    }
    let _ = reader.join();
    Ok(())
}

/// Consecutive lines that go in one request: problems (or resolutions) of one monitor.
fn groups(lines: &[(Line, Action)]) -> Vec<&[(Line, Action)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=lines.len() {
        let joins = i < lines.len() && {
            let (a, b) = (&lines[start], &lines[i]);
            a.0.monitor == b.0.monitor
                && matches!(
                    (&a.1, &b.1),
                    (Action::Problem(_), Action::Problem(_)) | (Action::Resolve, Action::Resolve)
                )
        };
        if !joins {
            out.push(&lines[start..i]);
            start = i;
        }
    }
    out
}

fn send(client: &Client, group: &[(Line, Action)]) -> Result<(), Error> {
    let (first, action) = &group[0];
    let monitor = first.monitor.trim();
    let message = |l: &Line| l.message.as_deref().unwrap_or("").trim().to_string();
    match action {
        Action::Ping(suffix) => {
            let body = message(first);
            let body = (!body.is_empty()).then_some((body, false));
            client.send(monitor, suffix, &[], body)
        }
        Action::Problem(_) => {
            let problems: Vec<Problem> = group
                .iter()
                .filter_map(|(l, a)| match a {
                    Action::Problem(sev) => Some(Problem::new(
                        l.key.clone().unwrap_or_default().trim(),
                        *sev,
                        message(l),
                    )),
                    _ => None,
                })
                .collect();
            client.problems(monitor, &problems).map(|_| ())
        }
        Action::Resolve => {
            let keys: Vec<String> = group
                .iter()
                .filter_map(|(l, _)| l.key.as_deref().map(|k| k.trim().to_string()))
                .collect();
            client.resolve(monitor, &keys).map(|_| ())
        }
    }
}

/// Whether an error may pass (retry) or never will (skip the lines).
fn transient(e: &Error) -> bool {
    match e {
        Error::Unreachable(_) => true,
        Error::Status { status, .. } => *status == 408 || *status == 429 || *status >= 500,
        Error::Invalid(_) => false,
    }
}

fn send_with_retry(
    client: &Client,
    group: &[(Line, Action)],
    settings: &Forward,
    queue: &Queue,
    closed_at: &mut Option<Instant>,
) {
    let mut wait = Duration::from_millis(500);
    loop {
        match send(client, group) {
            Ok(()) => return,
            Err(e) if transient(&e) => {
                let closed = queue.lines.lock().map(|q| q.1).unwrap_or(true);
                if closed {
                    let since = *closed_at.get_or_insert_with(Instant::now);
                    if since.elapsed() > settings.drain_for {
                        eprintln!(
                            "overdue syslog-forward: gave up on {} lines for {} after input ended: {e}",
                            group.len(),
                            group[0].0.monitor
                        );
                        return;
                    }
                }
                eprintln!("overdue syslog-forward: will retry in {wait:?}: {e}");
                std::thread::sleep(wait);
                wait = (wait * 2).min(settings.max_backoff);
            }
            Err(e) => {
                eprintln!(
                    "overdue syslog-forward: skipped {} lines for {}: {e}",
                    group.len(),
                    group[0].0.monitor
                );
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_their_actions() {
        let (_, a) = parse(r#"{"monitor": "k/backup"}"#).unwrap();
        assert_eq!(a, Action::Ping(""));
        let (l, a) = parse(r#"{"monitor": "k/billing", "signal": "problems", "key": "invoice:1", "severity": "critical", "message": " declined"}"#).unwrap();
        assert_eq!(
            (a, l.key.as_deref()),
            (Action::Problem(Severity::Critical), Some("invoice:1"))
        );
        for (text, says) in [
            ("not json", "not a JSON line"),
            (
                r#"{"monitor": "k/b", "signal": "problems"}"#,
                "need the unit's key",
            ),
            (
                r#"{"monitor": "k/b", "signal": "problems", "key": ""}"#,
                "need the unit's key",
            ),
            (
                r#"{"monitor": "k/b", "signal": "explode"}"#,
                "signal \"explode\"",
            ),
            (r#"{"monitor": "", "signal": "fail"}"#, "monitor is empty"),
            (
                r#"{"monitor": "9f1c/../../../ack/tok", "signal": "fail"}"#,
                "give its UUID or <ping key>/<slug>",
            ),
            (
                r#"{"monitor": "k/..", "signal": "fail"}"#,
                "cannot be part of a URL path",
            ),
            (r#"{"monitor": "k/b", "colour": 1}"#, "unknown field"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }

    #[test]
    fn consecutive_problems_of_a_monitor_travel_together() {
        let l = |m: &str, s: &str| {
            parse(&format!(
                r#"{{"monitor": "{m}", "signal": "{s}", "key": "x"}}"#
            ))
            .unwrap()
        };
        let lines = vec![
            l("a", "problems"),
            l("a", "problems"),
            l("b", "problems"),
            l("b", "resolve"),
            l("b", "resolve"),
            l("b", "success"),
            l("b", "success"),
        ];
        let sizes: Vec<usize> = groups(&lines).iter().map(|g| g.len()).collect();
        assert_eq!(sizes, [2, 1, 2, 1, 1]);
    }

    #[test]
    fn a_full_queue_drops_the_oldest() {
        let q = Queue {
            lines: Mutex::new((VecDeque::new(), false, 0)),
            ready: Condvar::new(),
            bound: 2,
        };
        for s in ["1", "2", "3"] {
            q.push(s.into());
        }
        q.close();
        assert_eq!(q.take(10), Some(vec!["2".to_string(), "3".to_string()]));
        assert_eq!(q.take(10), None);
    }
}
