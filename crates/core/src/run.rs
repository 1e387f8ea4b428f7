//! What a run carries besides its start and end (docs/behaviour.md, "Steps, progress,
//! stalls and reports"): named steps with their
//! own max durations, progress with a percentage and an ETA, and the completion report.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Dur, Timestamp};

/// A declared step of a monitor: its name and how long a run may stay in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRule {
    /// The step's name, as sent in `/step/<name>`.
    pub name: String,
    /// How long a run may stay in this step (`None`: only the run's max runtime).
    pub max: Option<Dur>,
}

/// One entry of a run's step timeline: the step entered and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepMark {
    /// The step's name.
    pub name: String,
    /// When the run entered it (ms since the epoch).
    pub at: i64,
}

/// Checks a step name: 1–64 letters, digits, `-`, `_` or `.` (it travels in a URL path).
pub fn check_step_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(format!(
            "step name {name:?} is invalid: use 1-64 letters, digits, '-', '_' or '.'"
        ));
    }
    Ok(())
}

/// Progress of an open run: `done` of `total` units, and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Units done.
    pub done: u64,
    /// Units in all, when known.
    pub total: Option<u64>,
    /// A free message (up to 200 characters).
    pub msg: Option<String>,
}

impl Progress {
    /// Parses the query parameters of `/progress`; every refusal says what to send.
    pub fn parse(
        done: Option<&str>,
        total: Option<&str>,
        msg: Option<&str>,
    ) -> Result<Progress, String> {
        fn count(name: &str, v: &str) -> Result<u64, String> {
            v.trim()
                .parse::<u64>()
                .map_err(|_| format!("{name} must be a whole number of 0 or more, not {v:?}"))
        }
        let done = match done {
            Some(v) => count("done", v)?,
            None if msg.is_some() => 0,
            None => return Err("progress needs done=N (and total=M, msg=… if known)".into()),
        };
        let total = total.map(|v| count("total", v)).transpose()?;
        if let Some(t) = total {
            if done > t {
                return Err(format!("done ({done}) must not exceed total ({t})"));
            }
        }
        let msg =
            msg.map(|m| crate::text::scrub(&m.chars().take(200).collect::<String>()).into_owned());
        Ok(Progress { done, total, msg })
    }

    /// Whole percent done, when the total is known.
    pub fn percent(&self) -> Option<u8> {
        match self.total {
            Some(0) => Some(100),
            Some(t) => Some((self.done.min(t) * 100 / t) as u8),
            None => None,
        }
    }

    /// When the run should be done at its average pace so far (linear from its start):
    /// `None` before the first unit or without a total.
    pub fn eta(&self, started_at: Timestamp, now: Timestamp) -> Option<Timestamp> {
        let total = self.total?;
        if self.done == 0 {
            return None;
        }
        let elapsed = now.since(started_at).max(0) as u128;
        let left = (total - self.done.min(total)) as u128;
        let more = elapsed * left / self.done as u128;
        Some(now.plus(Dur(more.min(i64::MAX as u128 / 2) as i64)))
    }
}

/// The completion report a job may send as the body of `success`, `warn` or `fail`
/// (docs/behaviour.md, "Pings"). Items of `errors` and `warnings` may be strings or
/// objects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The outcome the job claims (the URL wins when they disagree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ReportStatus>,
    /// Errors met.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<serde_json::Value>,
    /// Warnings met.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<serde_json::Value>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    /// Named counters (`processed`, `failed`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counts: BTreeMap<String, u64>,
}

/// The `status` of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportStatus {
    /// Done.
    Success,
    /// Done with warnings (`warning` is accepted too).
    #[serde(alias = "warning")]
    Warn,
    /// Failed.
    Fail,
}

/// What a ping body turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyReport {
    /// Plain text, or JSON that is not a report: stored as the body only.
    Plain,
    /// A report.
    Report(Report),
    /// Meant as a report but unreadable: the reason, naming the field.
    Malformed(String),
}

/// Keys that make a JSON object a report. A Healthchecks script that posts some other
/// JSON as its body keeps working: only objects with one of these keys are reports.
const REPORT_KEYS: [&str; 5] = ["status", "errors", "warnings", "log", "counts"];

impl BodyReport {
    /// Reads a body: a report is a JSON object with a report key, or JUnit XML
    /// ([`crate::junit`]); a body declared
    /// `application/json` that does not parse as an object is malformed; anything else
    /// is plain. `truncated`: the body was cut at the limit, so it cannot be read.
    pub fn detect(body: &[u8], declared_json: bool, truncated: bool) -> BodyReport {
        let trimmed = body.trim_ascii_start();
        // Test runners' and data-quality tools' JUnit XML is a report too.
        if !declared_json && crate::junit::looks_like(trimmed) {
            if truncated {
                return BodyReport::Malformed(
                    "JUnit report is larger than the ping body limit".into(),
                );
            }
            return match crate::junit::read(trimmed) {
                Ok(j) => BodyReport::Report(Report::from(j)),
                Err(e) => BodyReport::Malformed(e),
            };
        }
        if !declared_json && !trimmed.starts_with(b"{") {
            return BodyReport::Plain;
        }
        if truncated {
            return if declared_json {
                BodyReport::Malformed("report is larger than the ping body limit".into())
            } else {
                BodyReport::Plain
            };
        }
        let value: serde_json::Value = match serde_json::from_slice(trimmed) {
            Ok(v) => v,
            Err(e) if declared_json => {
                return BodyReport::Malformed(format!("report is not valid JSON: {e}"))
            }
            Err(_) => return BodyReport::Plain,
        };
        let Some(obj) = value.as_object() else {
            return if declared_json {
                BodyReport::Malformed("report must be a JSON object".into())
            } else {
                BodyReport::Plain
            };
        };
        if !obj.keys().any(|k| REPORT_KEYS.contains(&k.as_str())) {
            return BodyReport::Plain;
        }
        match serde_path_to_error::deserialize::<_, Report>(value) {
            Ok(r) => BodyReport::Report(r),
            Err(e) => BodyReport::Malformed(format!("report field {}: {}", e.path(), e.inner())),
        }
    }
}

impl From<crate::junit::Junit> for Report {
    /// A JUnit report as a completion report: counts `tests`, `failures`, `errors`,
    /// `skipped`, and `processed` / `failed` for the failure limits; failing cases are
    /// its errors, skipped ones its warnings; the status says what the tests did (the
    /// URL still decides the outcome).
    fn from(j: crate::junit::Junit) -> Report {
        let failed = j.failures + j.errors;
        let counts = BTreeMap::from([
            ("tests".to_string(), j.tests),
            ("failures".to_string(), j.failures),
            ("errors".to_string(), j.errors),
            ("skipped".to_string(), j.skipped),
            ("processed".to_string(), j.tests),
            ("failed".to_string(), failed),
        ]);
        let status = match (failed, j.skipped) {
            (0, 0) => ReportStatus::Success,
            (0, _) => ReportStatus::Warn,
            _ => ReportStatus::Fail,
        };
        Report {
            status: Some(status),
            errors: j
                .failed_cases
                .into_iter()
                .map(serde_json::Value::String)
                .collect(),
            warnings: j
                .skipped_cases
                .into_iter()
                .map(serde_json::Value::String)
                .collect(),
            log: None,
            counts,
        }
    }
}

impl Report {
    /// The `failed` count when a `max_failed` or `max_failed_ratio` rule refuses it:
    /// a message for the run, else `None`. The ratio is failed / processed.
    pub fn too_many_failed(&self, max: Option<u64>, ratio: Option<f64>) -> Option<String> {
        let failed = *self.counts.get("failed")?;
        if let Some(m) = max {
            if failed > m {
                return Some(format!("{failed} units failed (max_failed {m})"));
            }
        }
        if let Some(r) = ratio {
            let processed = self.counts.get("processed").copied().unwrap_or(0).max(1);
            if failed as f64 / processed as f64 > r {
                return Some(format!(
                    "{failed} of {processed} units failed (max_failed_ratio {r})"
                ));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_parse_and_refusals() {
        let p = Progress::parse(Some("50"), Some("200"), Some("rows")).unwrap();
        assert_eq!(p.percent(), Some(25));
        assert!(Progress::parse(Some("-1"), None, None)
            .unwrap_err()
            .contains("done"));
        assert!(Progress::parse(Some("5"), Some("4"), None)
            .unwrap_err()
            .contains("must not exceed"));
        assert!(Progress::parse(Some("x"), None, None).is_err());
        assert!(Progress::parse(None, None, None).is_err());
        assert_eq!(Progress::parse(None, None, Some("hi")).unwrap().done, 0);
    }

    #[test]
    fn eta_is_linear_from_the_start() {
        let p = Progress::parse(Some("25"), Some("100"), None).unwrap();
        // 25 % in 10 s: 30 s left.
        assert_eq!(
            p.eta(Timestamp(0), Timestamp(10_000)),
            Some(Timestamp(40_000))
        );
        let zero = Progress::parse(Some("0"), Some("100"), None).unwrap();
        assert_eq!(zero.eta(Timestamp(0), Timestamp(10_000)), None);
    }

    #[test]
    fn reports_are_detected_only_when_meant() {
        assert_eq!(
            BodyReport::detect(b"all good", false, false),
            BodyReport::Plain
        );
        assert_eq!(
            BodyReport::detect(b"{\"a\":1}", false, false),
            BodyReport::Plain
        );
        assert_eq!(
            BodyReport::detect(b"{broken", false, false),
            BodyReport::Plain
        );
        let BodyReport::Report(r) = BodyReport::detect(
            br#"{"status":"warning","warnings":["w"],"counts":{"processed":3,"failed":1}}"#,
            false,
            false,
        ) else {
            panic!("not a report")
        };
        assert_eq!(r.status, Some(ReportStatus::Warn));
        assert_eq!(r.counts["failed"], 1);
        let BodyReport::Malformed(m) =
            BodyReport::detect(br#"{"counts":{"processed":-3}}"#, false, false)
        else {
            panic!("not malformed")
        };
        assert!(m.contains("counts.processed"), "{m}");
        assert!(matches!(
            BodyReport::detect(b"{broken", true, false),
            BodyReport::Malformed(_)
        ));
        assert!(matches!(
            BodyReport::detect(br#"{"errors":"x"}"#, false, false),
            BodyReport::Malformed(_)
        ));
    }

    #[test]
    fn failed_counts_against_limits() {
        let r = Report {
            counts: [("processed".to_string(), 100), ("failed".to_string(), 3)].into(),
            ..Report::default()
        };
        assert!(r.too_many_failed(Some(3), None).is_none());
        assert!(r.too_many_failed(Some(2), None).is_some());
        assert!(r.too_many_failed(None, Some(0.05)).is_none());
        assert!(r.too_many_failed(None, Some(0.01)).is_some());
    }

    #[test]
    fn step_names() {
        assert!(check_step_name("load-2.b").is_ok());
        assert!(check_step_name("").is_err());
        assert!(check_step_name("a b").is_err());
    }
}
