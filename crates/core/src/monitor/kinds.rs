//! The closed sets of the state machine: statuses, down reasons, deadline kinds,
//! signals and run outcomes, with their stored text forms.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::run::StepMark;
use crate::Timestamp;

/// The stored status of a monitor. `late` and `running` are derived, never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Never pinged.
    New,
    /// Last verdict: fine.
    Up,
    /// Last verdict: not fine (see [`DownReason`]).
    Down,
    /// Not watched until resumed.
    Paused,
}

impl Status {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Up => "up",
            Status::Down => "down",
            Status::Paused => "paused",
        }
    }
    /// Parses the stored text form.
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "new" => Status::New,
            "up" => Status::Up,
            "down" => Status::Down,
            "paused" => Status::Paused,
            _ => return None,
        })
    }
}

/// Why a monitor went down: a closed set (docs/behaviour.md, "States and runs").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DownReason {
    /// No ping arrived by due + grace.
    Missed,
    /// The job reported failure (`/fail` or a non-zero exit status).
    Failed,
    /// A started run did not end within `max_runtime`.
    Hung,
    /// A run ended faster than `min_runtime` (a job that did nothing).
    TooShort,
    /// A run sent no progress, log or step for `stall_timeout`.
    Stalled,
    /// An upstream's event (`after`, `on_failure_of`) expected a ping that never came.
    MissedAfter,
    /// A fan-out run passed its max runtime with children missing.
    Incomplete,
    /// A chain did not finish by its end-to-end deadline.
    ChainDeadline,
}

impl DownReason {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            DownReason::Missed => "missed",
            DownReason::Failed => "failed",
            DownReason::Hung => "hung",
            DownReason::TooShort => "too_short",
            DownReason::Stalled => "stalled",
            DownReason::MissedAfter => "missed_after",
            DownReason::Incomplete => "incomplete",
            DownReason::ChainDeadline => "chain_deadline",
        }
    }
    /// Parses the stored text form.
    pub fn parse(s: &str) -> Option<DownReason> {
        Some(match s {
            "missed" => DownReason::Missed,
            "failed" => DownReason::Failed,
            "hung" => DownReason::Hung,
            "too_short" => DownReason::TooShort,
            "stalled" => DownReason::Stalled,
            "missed_after" => DownReason::MissedAfter,
            "incomplete" => DownReason::Incomplete,
            "chain_deadline" => DownReason::ChainDeadline,
            _ => return None,
        })
    }
}

/// What kind of expectation a deadline stands for; it becomes the down reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeadlineKind {
    /// due + grace passed without a success.
    Missed,
    /// start + max_runtime passed with the run still open.
    Hung,
    /// A run stayed in a step longer than the step's max duration (down as `hung`, with
    /// the step named).
    Step,
    /// A run sent nothing for `stall_timeout`.
    Stalled,
    /// An armed expectation (a dependency) passed without a ping.
    MissedAfter,
}

impl DeadlineKind {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::Missed => "missed",
            DeadlineKind::Hung => "hung",
            DeadlineKind::Step => "step",
            DeadlineKind::Stalled => "stalled",
            DeadlineKind::MissedAfter => "missed_after",
        }
    }
    /// Parses the stored text form.
    pub fn parse(s: &str) -> Option<DeadlineKind> {
        match s {
            "missed" => Some(DeadlineKind::Missed),
            "hung" => Some(DeadlineKind::Hung),
            "step" => Some(DeadlineKind::Step),
            "stalled" => Some(DeadlineKind::Stalled),
            "missed_after" => Some(DeadlineKind::MissedAfter),
            _ => None,
        }
    }
    pub(crate) fn reason(self) -> DownReason {
        match self {
            DeadlineKind::Missed => DownReason::Missed,
            DeadlineKind::Hung | DeadlineKind::Step => DownReason::Hung,
            DeadlineKind::Stalled => DownReason::Stalled,
            DeadlineKind::MissedAfter => DownReason::MissedAfter,
        }
    }
}

/// What a ping says, after the URL (and exit status) was interpreted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Signal {
    /// `/ping/<id>`, exit status 0.
    #[default]
    Success,
    /// `/start`.
    Start,
    /// `/fail`, exit status 1–255.
    Fail,
    /// `/log`: recorded, changes nothing.
    Log,
    /// `/warn`: success with warnings.
    Warn,
    /// `/progress`: the open run's progress; resets its stall timer.
    Progress,
    /// `/step/<name>`: the open run enters a step (a run starts when none is open).
    Step,
}

impl From<crate::run::ReportStatus> for Signal {
    /// The signal a report's status stands for.
    fn from(status: crate::run::ReportStatus) -> Signal {
        use crate::run::ReportStatus;
        match status {
            ReportStatus::Success => Signal::Success,
            ReportStatus::Warn => Signal::Warn,
            ReportStatus::Fail => Signal::Fail,
        }
    }
}

impl Signal {
    /// The stored text form (Healthchecks' ping `type`).
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Success => "success",
            Signal::Start => "start",
            Signal::Fail => "fail",
            Signal::Log => "log",
            Signal::Warn => "warn",
            Signal::Progress => "progress",
            Signal::Step => "step",
        }
    }

    /// The signal a status word stands for, as jobs write it (docs/behaviour.md,
    /// "Pings"): any case, spaces, `-` and `_` alike; `ok`, `done`, `completed`,
    /// `succeeded` are a success, `error`, `failed`, `failure` a failure, `started`,
    /// `running`, `begin` a start, `warning` a warn. `None`: not a status — the caller
    /// keeps the signal as a log line and never turns it into an outcome.
    pub fn from_word(word: &str) -> Option<Signal> {
        let w = word.trim().to_lowercase().replace(['-', ' '], "_");
        Some(match w.as_str() {
            "success" | "ok" | "done" | "complete" | "completed" | "succeeded" | "successful"
            | "pass" | "passed" => Signal::Success,
            "start" | "started" | "running" | "begin" | "run" => Signal::Start,
            "fail" | "failed" | "failure" | "error" | "errored" => Signal::Fail,
            "warn" | "warning" | "warnings" | "success_with_warning" | "success_with_warnings" => {
                Signal::Warn
            }
            "log" => Signal::Log,
            "progress" => Signal::Progress,
            "step" => Signal::Step,
            _ => return None,
        })
    }

    /// Log, progress and step pings of an open run belong to the run (its log,
    /// progress and timeline), not to the ping history they would push out.
    pub fn belongs_to_run(self) -> bool {
        matches!(self, Signal::Log | Signal::Progress | Signal::Step)
    }

    /// Whether this ping is the monitor's "last ping": every signal but a log, and
    /// none that went to an open run's data.
    pub fn is_last_ping(self, went_to_run: bool) -> bool {
        self != Signal::Log && !went_to_run
    }
}

/// A run that has started and not ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRun {
    /// Storage's row id.
    pub id: i64,
    /// The job's run id, when it sent one.
    pub rid: Option<Uuid>,
    /// When it started.
    pub started_at: Timestamp,
    /// The steps it entered, in order (the last one is the current step).
    pub steps: Vec<StepMark>,
    /// Its last sign of life: start, progress, log or step (for `stall_timeout`).
    pub active_at: Timestamp,
    /// A fan-out run (`start` with `children=N`): its children so far.
    pub children: Option<Children>,
}

/// The children of a fan-out run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Children {
    /// How many it announced.
    pub expected: u32,
    /// Children that succeeded.
    pub ok: u32,
    /// Children that failed.
    pub failed: u32,
}

impl Children {
    /// Children that have not reported an end.
    pub fn missing(&self) -> u32 {
        self.expected.saturating_sub(self.ok + self.failed)
    }
}

impl OpenRun {
    /// A run that started at `started_at` and has sent nothing since.
    pub fn new(id: i64, rid: Option<Uuid>, started_at: Timestamp) -> OpenRun {
        OpenRun {
            id,
            rid,
            started_at,
            steps: Vec::new(),
            active_at: started_at,
            children: None,
        }
    }

    /// The step it is in, if it entered one.
    pub fn current_step(&self) -> Option<&StepMark> {
        self.steps.last()
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunOutcome {
    /// Ended with success.
    Success,
    /// Ended with success-with-warnings.
    Warn,
    /// Ended with failure.
    Fail,
    /// Passed max_runtime and was closed by the scheduler.
    Timeout,
    /// A new start without rid replaced it (the job never reported its end).
    Superseded,
    /// Closed because the monitor was paused.
    Cancelled,
    /// Ended with success before `min_runtime`: counted as a failure.
    TooShort,
    /// Sent nothing for `stall_timeout` and was closed by the scheduler.
    Stalled,
    /// A fan-out run closed at its max runtime with children missing.
    Incomplete,
}

impl RunOutcome {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Success => "success",
            RunOutcome::Warn => "warn",
            RunOutcome::Fail => "fail",
            RunOutcome::Timeout => "timeout",
            RunOutcome::Superseded => "superseded",
            RunOutcome::Cancelled => "cancelled",
            RunOutcome::TooShort => "too_short",
            RunOutcome::Stalled => "stalled",
            RunOutcome::Incomplete => "incomplete",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Signal;

    #[test]
    fn status_words_as_jobs_write_them() {
        for (word, want) in [
            ("success", Signal::Success),
            ("OK", Signal::Success),
            (" done ", Signal::Success),
            ("Completed", Signal::Success),
            ("error", Signal::Fail),
            ("FAILED", Signal::Fail),
            ("failure", Signal::Fail),
            ("started", Signal::Start),
            ("running", Signal::Start),
            ("warning", Signal::Warn),
            ("success-with-warning", Signal::Warn),
            ("log", Signal::Log),
        ] {
            assert_eq!(Signal::from_word(word), Some(want), "{word}");
        }
        for word in ["", "finished-ish", "42", "succes"] {
            assert_eq!(Signal::from_word(word), None, "{word}");
        }
    }
}
