//! Flows (docs/behaviour.md, "Flows (entity SLAs)"): business entities (orders, invoices,
//! tickets) moving through
//! ordered stages, each with an SLA for leaving it, to a terminal stage. These are the
//! rules — what a flow may look like, what an event does to an entity, when it is due
//! and how a breach reads — with no IO: storage keeps one row per entity with its due
//! time in an index, the scheduler asks the index.

mod calendar;
mod entity;
pub mod mapping;
pub mod read;
pub mod stats;

pub use calendar::Calendar;
pub use entity::{apply, EntityState, Outcome};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::problem::Severity;

/// Most stages (terminal ones included) a flow may have.
pub const MAX_STAGES: usize = 50;
/// Longest stage name.
pub const MAX_STAGE_NAME: usize = 64;
/// Longest entity id.
pub const MAX_ENTITY: usize = 128;
/// How far in the future an event's `at` may be (clocks differ a little).
pub const MAX_FUTURE_MS: i64 = 5 * 60_000;

/// One stage an entity passes through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// Its name (`authorized`).
    pub name: String,
    /// How long an entity may stay in it (ms).
    pub sla_ms: i64,
    /// The severity of a breach in it (default `error`).
    pub severity: String,
    /// The business calendar its SLA counts in (none: wall-clock time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    /// One alert for the stage when many of its entities breach at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate: Option<stats::Aggregate>,
}

/// A project's calendars by name.
pub type Calendars = std::collections::BTreeMap<String, Calendar>;

/// A flow's stages and terminal stages, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowDef {
    /// The stages in order.
    pub stages: Vec<Stage>,
    /// Where entities finish (`delivered`, `cancelled`): reachable from any stage, final.
    pub terminal: Vec<String>,
    /// How the events services already publish are read (none: Overdue's own form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<mapping::Mapping>,
}

/// Where a stage name sits in a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The stage at this index.
    Stage(usize),
    /// A terminal stage.
    Terminal,
}

/// Why a flow or an event was refused, in words for the API's 400.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FlowError {
    /// The definition is wrong.
    #[error("{0}")]
    Invalid(String),
    /// The event names a stage the flow does not have.
    #[error("stage {stage:?} is not a stage of this flow; its stages are: {known}")]
    UnknownStage {
        /// The name given.
        stage: String,
        /// The flow's stages, comma-separated.
        known: String,
    },
    /// The event's `at` is too far ahead of the server's clock.
    #[error(
        "at is more than 5 minutes in the future ({0}); send the time the entity reached the stage"
    )]
    Future(String),
}

/// Checks a name used in URLs: 1-64 of letters, digits, `-`, `_`, `.`.
fn check_name(what: &str, name: &str, max: usize) -> Result<(), FlowError> {
    let ok = !name.is_empty()
        && name.chars().count() <= max
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if ok {
        Ok(())
    } else {
        Err(FlowError::Invalid(format!(
            "{what} {name:?} must be 1-{max} letters, digits, '-', '_', '.' or ':'"
        )))
    }
}

/// Checks an entity id (from a URL or a batch).
pub fn check_entity(entity: &str) -> Result<(), FlowError> {
    check_name("entity", entity, MAX_ENTITY)
}

impl FlowDef {
    /// Checks the definition: 1+ stages, names unique and URL-safe, SLAs from 1 s to 365
    /// days, known severities, at most [`MAX_STAGES`] in all.
    pub fn validate(&self) -> Result<(), FlowError> {
        if self.stages.is_empty() {
            return Err(FlowError::Invalid(
                "stages: give at least one stage, e.g. [{\"name\": \"placed\", \"sla\": \"1h\"}]"
                    .into(),
            ));
        }
        if self.stages.len() + self.terminal.len() > MAX_STAGES {
            return Err(FlowError::Invalid(format!(
                "a flow has at most {MAX_STAGES} stages, terminal ones included"
            )));
        }
        let mut seen: Vec<&str> = Vec::new();
        for (i, s) in self.stages.iter().enumerate() {
            check_name(&format!("stages[{i}].name"), &s.name, MAX_STAGE_NAME)?;
            crate::duration::Dur(s.sla_ms)
                .check_range(&format!("stages[{i}].sla"))
                .map_err(|e| FlowError::Invalid(e.to_string()))?;
            if Severity::parse(&s.severity).is_none() {
                return Err(FlowError::Invalid(format!(
                    "stages[{i}].severity must be one of critical, error, warning, info"
                )));
            }
            if let Some(a) = &s.aggregate {
                a.validate(&format!("stages[{i}].aggregate"))?;
            }
            if seen.contains(&s.name.as_str()) {
                return Err(FlowError::Invalid(format!(
                    "stage {:?} is named twice",
                    s.name
                )));
            }
            seen.push(&s.name);
        }
        for (i, t) in self.terminal.iter().enumerate() {
            check_name(&format!("terminal[{i}]"), t, MAX_STAGE_NAME)?;
            if seen.contains(&t.as_str()) {
                return Err(FlowError::Invalid(format!("stage {t:?} is named twice")));
            }
            seen.push(t);
        }
        if let Some(m) = &self.mapping {
            m.validate(&seen).map_err(FlowError::Invalid)?;
        }
        Ok(())
    }

    /// Where `stage` sits, if the flow has it.
    pub fn place(&self, stage: &str) -> Option<Place> {
        if let Some(i) = self.stages.iter().position(|s| s.name == stage) {
            return Some(Place::Stage(i));
        }
        self.terminal
            .iter()
            .any(|t| t == stage)
            .then_some(Place::Terminal)
    }

    /// When an entity entering stage `i` at `entered` is due: its SLA in wall-clock time,
    /// or in its calendar's working time (a calendar gone: wall-clock time).
    pub fn due(&self, i: usize, entered: i64, calendars: &Calendars) -> i64 {
        let s = &self.stages[i];
        s.calendar
            .as_ref()
            .and_then(|c| calendars.get(c))
            .and_then(|c| c.add(entered, s.sla_ms))
            .unwrap_or_else(|| entered.saturating_add(s.sla_ms))
    }

    /// Every stage name, in order, terminal ones last: `placed, authorized, delivered`.
    pub fn names(&self) -> String {
        self.stages
            .iter()
            .map(|s| s.name.as_str())
            .chain(self.terminal.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How long, in words: `45s`, `12m`, `4h 10m`, `2d 3h`.
pub fn human(ms: i64) -> String {
    let s = ms.max(0) / 1_000;
    let (d, h, m) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// A breach in words: `12345 stuck in authorized for 4h 10m`.
pub fn breach_text(entity: &str, stage: &str, entered_at: i64, now: i64) -> String {
    format!("{entity} stuck in {stage} for {}", human(now - entered_at))
}

/// The slug of a flow's name: lowercase letters, digits and `_`, other runs become
/// `-`; `None` when nothing is left or the name is over 200 characters.
pub fn slug_of(name: &str) -> Option<String> {
    let mut slug = String::new();
    for ch in name.trim().to_lowercase().chars() {
        if ch.is_ascii_alphanumeric() || ch == '_' {
            slug.push(ch);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-').to_string();
    (!slug.is_empty() && name.trim().chars().count() <= 200).then_some(slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn orders() -> FlowDef {
        let stage = |name: &str, h: i64| Stage {
            name: name.into(),
            sla_ms: h * 3_600_000,
            severity: "error".into(),
            calendar: None,
            aggregate: None,
        };
        FlowDef {
            stages: vec![
                stage("placed", 1),
                stage("authorized", 4),
                stage("shipped", 48),
            ],
            terminal: vec!["delivered".into(), "cancelled".into()],
            mapping: None,
        }
    }

    #[test]
    fn a_flow_is_checked() {
        assert_eq!(orders().validate(), Ok(()));
        let mut twice = orders();
        twice.terminal.push("placed".into());
        assert_eq!(
            twice.validate().unwrap_err().to_string(),
            "stage \"placed\" is named twice"
        );
        let mut slashed = orders();
        slashed.stages[1].name = "a/b".into();
        assert!(slashed
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("stages[1].name"));
        let mut zero = orders();
        zero.stages[0].sla_ms = 0;
        assert_eq!(
            zero.validate().unwrap_err().to_string(),
            "stages[0].sla must be between 1 second and 365 days, got 0 s"
        );
        let empty = FlowDef {
            stages: vec![],
            terminal: vec![],
            mapping: None,
        };
        assert!(empty.validate().is_err());
    }

    #[test]
    fn places_and_names() {
        let f = orders();
        assert_eq!(f.place("authorized"), Some(Place::Stage(1)));
        assert_eq!(f.place("cancelled"), Some(Place::Terminal));
        assert_eq!(f.place("lost"), None);
        assert_eq!(
            f.names(),
            "placed, authorized, shipped, delivered, cancelled"
        );
    }

    #[test]
    fn breaches_read_well() {
        assert_eq!(human(45_000), "45s");
        assert_eq!(human(15 * 60_000), "15m");
        assert_eq!(human(4 * 3_600_000 + 10 * 60_000), "4h 10m");
        assert_eq!(human(2 * 86_400_000 + 3 * 3_600_000 + 5), "2d 3h");
        assert_eq!(
            breach_text("12345", "authorized", 0, 4 * 3_600_000 + 10 * 60_000),
            "12345 stuck in authorized for 4h 10m"
        );
    }
}
