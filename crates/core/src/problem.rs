//! Problems (docs/behaviour.md, "Problems (per-unit errors)"): one failing unit (an
//! invoice, a customer) keyed by a string, open
//! until resolved. This module decides what a report, a run's end or the passing of
//! time does to a unit's problem; storage applies it.

use serde::{Deserialize, Serialize};

use crate::{Dur, Timestamp};

mod report;

pub use report::{read_report, ReportRead};

/// How bad a unit's failure is. Ordered: a report at a higher severity than the one
/// already notified is an escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Listed; collected into the digest.
    Info,
    /// Listed; collected into the digest.
    Warning,
    /// Notifies.
    Error,
    /// Notifies.
    Critical,
}

impl Severity {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }

    /// Reads a wire name (`warn` is accepted for `warning`).
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "info" => Severity::Info,
            "warning" | "warn" => Severity::Warning,
            "error" => Severity::Error,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }

    /// Reads a severity as reporters write it, in any case: the wire names and the
    /// usual spellings of logging libraries (`debug`, `notice`, `err`, `fatal`, `crit`,
    /// `emergency`, `alert`, `failure`).
    pub fn read_loosely(s: &str) -> Option<Severity> {
        let word = s.trim().to_ascii_lowercase();
        if let Some(sev) = Severity::parse(&word) {
            return Some(sev);
        }
        Some(match word.as_str() {
            "debug" | "trace" | "information" | "informational" | "notice" | "ok" => Severity::Info,
            "warnings" | "caution" => Severity::Warning,
            "err" | "errors" | "fail" | "failed" | "failure" | "severe" | "high" => Severity::Error,
            "crit" | "fatal" | "emergency" | "emerg" | "alert" | "panic" | "blocker" => {
                Severity::Critical
            }
            _ => return None,
        })
    }

    /// The default route: `error` and `critical` notify, the others are listed only.
    pub fn notifies(self) -> bool {
        self >= Severity::Error
    }
}

/// When a monitor's open problems resolve without an explicit `/resolve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AutoResolve {
    /// A run that completes (success or warn) without re-reporting an open key that was
    /// reported before the run started resolves it: the unit went through.
    #[default]
    OnNextRun,
    /// Only `/resolve`, the dashboard or the API.
    Explicit,
    /// This long without a new report.
    After(Dur),
}

impl AutoResolve {
    /// Reads `on_next_run`, `explicit`, or `after <duration>` (`after 2h`).
    pub fn parse(text: &str) -> Result<AutoResolve, String> {
        let t = text.trim();
        match t {
            "on_next_run" => Ok(AutoResolve::OnNextRun),
            "explicit" => Ok(AutoResolve::Explicit),
            _ => {
                let rest = t.strip_prefix("after").map(str::trim).ok_or_else(|| {
                    format!(
                        "resolve {text:?}: use \"on_next_run\", \"explicit\" or \"after <duration>\" such as \"after 2h\""
                    )
                })?;
                let d =
                    crate::parse_duration(rest).map_err(|e| format!("resolve {text:?}: {e}"))?;
                if d.millis() < 1_000 || d.millis() > 90 * 86_400_000 {
                    return Err(format!(
                        "resolve {text:?}: the duration must be 1 s to 90 days"
                    ));
                }
                Ok(AutoResolve::After(d))
            }
        }
    }

    /// The text form, as [`AutoResolve::parse`] reads it.
    pub fn to_text(self) -> String {
        match self {
            AutoResolve::OnNextRun => "on_next_run".into(),
            AutoResolve::Explicit => "explicit".into(),
            AutoResolve::After(d) => format!("after {}", d.to_text()),
        }
    }

    /// When a problem last seen at `seen` resolves by itself, if ever by time.
    pub fn expires(self, seen: Timestamp) -> Option<Timestamp> {
        match self {
            AutoResolve::After(d) => Some(Timestamp(seen.0.saturating_add(d.millis()))),
            _ => None,
        }
    }
}

/// Open problems kept per monitor by default; past it new keys are counted, not listed.
pub const DEFAULT_CAP: usize = 10_000;

/// A resolved key reported again within this long rejoins its old occurrence quietly.
pub const REJOIN_WINDOW: Dur = Dur(24 * 3_600_000);

/// The key of the one problem that counts what the cap dropped.
pub const OVERFLOW_KEY: &str = "overdue:overflow";

/// Longest key, message; most bytes of details.
pub const MAX_KEY: usize = 200;
/// Longest message (characters).
pub const MAX_MESSAGE: usize = 2_000;
/// Most bytes of a problem's `details` JSON.
pub const MAX_DETAILS: usize = 8_192;

/// One unit that failed, as a job reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reported {
    /// The unit (`invoice:123`).
    pub key: String,
    /// How bad (default `error`).
    pub severity: Severity,
    /// What went wrong.
    pub message: String,
    /// Anything else, as JSON text.
    pub details: Option<String>,
    /// The fields whose control characters were replaced by U+FFFD (a signal is stored,
    /// never refused for its form: [`crate::text::scrub`]).
    pub replaced: Vec<&'static str>,
}

/// `text` scrubbed, noting `field` in `replaced` when anything was replaced.
pub(crate) fn scrubbed(
    field: &'static str,
    text: String,
    replaced: &mut Vec<&'static str>,
) -> String {
    match crate::text::scrub(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(clean) => {
            replaced.push(field);
            clean
        }
    }
}

/// Checks a unit key: a non-empty string of at most 200 characters, not in Overdue's
/// own `overdue:` namespace. Control characters are kept here: a report replaces them
/// (and says so), a `/resolve` replaces them the same way to find the stored key.
pub fn check_key(v: Option<&serde_json::Value>) -> Result<String, String> {
    let key = match v {
        Some(serde_json::Value::String(s)) => s.trim().to_string(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        None | Some(serde_json::Value::Null) => {
            return Err("key is required: the unit that failed, such as \"invoice:123\"".into())
        }
        Some(_) => return Err("key must be a string".into()),
    };
    if key.is_empty() || key.chars().count() > MAX_KEY {
        return Err(format!("key must be 1-{MAX_KEY} characters"));
    }
    if key.starts_with("overdue:") {
        return Err("keys starting with \"overdue:\" are reserved".into());
    }
    Ok(key)
}

/// Reads a `/resolve` body: `["invoice:123", …]`, `[{"key": …}, …]`, `{"key": …}` or
/// `{"keys": [...]}`.
pub fn parse_keys(body: &[u8], max_items: usize) -> Result<Vec<String>, String> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| format!("the body must be JSON: [\"invoice:123\", …] ({e})"))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut obj) => match obj.remove("keys") {
            Some(serde_json::Value::Array(items)) => items,
            Some(_) => return Err("keys must be an array of keys".into()),
            None => vec![serde_json::Value::Object(obj)],
        },
        _ => return Err("the body must be a JSON array of keys".into()),
    };
    if items.is_empty() {
        return Err("the body lists no keys".into());
    }
    if items.len() > max_items {
        return Err(format!(
            "{} keys in one request; send at most {max_items}",
            items.len()
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let v = match item {
                serde_json::Value::Object(o) => o.get("key"),
                other => Some(other),
            };
            check_key(v)
                .map(|k| crate::text::scrub(&k).into_owned())
                .map_err(|e| format!("key {i}: {e}"))
        })
        .collect()
}

/// A unit's problem as stored, as far as a decision needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// Resolved at (None: open).
    pub resolved_at: Option<Timestamp>,
    /// The highest severity notified for this occurrence (None: none notified).
    pub notified: Option<Severity>,
    /// Muted until.
    pub muted_until: Option<Timestamp>,
}

/// What a report does to one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A new occurrence; `reopens` when the key had a resolved occurrence before (linked).
    Open {
        /// It reopens an older, resolved occurrence.
        reopens: bool,
        /// Notify its opening.
        notify: bool,
    },
    /// The open occurrence is seen again (count, last seen, message).
    Repeat {
        /// Its severity rose past what was notified: notify the escalation.
        escalate: bool,
    },
    /// Resolved less than 24 h ago: the old occurrence opens again, quietly unless its
    /// severity rises past what was notified.
    Rejoin {
        /// As for `Repeat`.
        escalate: bool,
    },
}

/// Decides what a report of `severity` does, given the latest occurrence of its key.
pub fn on_report(latest: Option<Known>, severity: Severity, now: Timestamp) -> Decision {
    let escalate = |k: &Known| {
        severity.notifies()
            && k.notified.is_none_or(|n| severity > n)
            && k.muted_until.is_none_or(|m| m <= now)
    };
    match latest {
        None => Decision::Open {
            reopens: false,
            notify: severity.notifies(),
        },
        Some(k) => match k.resolved_at {
            None => Decision::Repeat {
                escalate: escalate(&k),
            },
            Some(at) if now.since(at) < REJOIN_WINDOW.millis() => Decision::Rejoin {
                escalate: escalate(&k),
            },
            Some(_) => Decision::Open {
                reopens: true,
                notify: severity.notifies(),
            },
        },
    }
}

/// How a problem shows: `resolved`, `muted` (until a time still to come),
/// `acknowledged`, or `open` — in that order of precedence.
pub fn display_status(
    resolved: bool,
    muted_until: Option<Timestamp>,
    acknowledged: bool,
    now: Timestamp,
) -> &'static str {
    if resolved {
        "resolved"
    } else if muted_until.is_some_and(|m| m > now) {
        "muted"
    } else if acknowledged {
        "acknowledged"
    } else {
        "open"
    }
}

/// For `on_next_run`: a run that ended now with success or warn resolves the open
/// problems last seen before this cutoff (reported before the run's start and not
/// since). The run started `duration` ago when it was started; a run without a start
/// spans back to the previous success (a job that pings only its end). `None`: nothing
/// resolves (no earlier run to compare with).
pub fn run_cutoff(
    policy: AutoResolve,
    duration_ms: Option<i64>,
    previous_success: Option<Timestamp>,
    now: Timestamp,
) -> Option<Timestamp> {
    if policy != AutoResolve::OnNextRun {
        return None;
    }
    match duration_ms {
        Some(d) => Some(Timestamp(now.0 - d)),
        None => previous_success,
    }
}

#[cfg(test)]
mod tests;
