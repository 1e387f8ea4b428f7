//! The monitor state machine (SPEC §3): stored status, runs, deadlines and flips.
//!
//! Storage loads a monitor's [`MonitorState`] (and its open runs when it has any), calls
//! [`on_ping`] or [`on_deadline`] with `now`, and writes back what comes out: the new
//! state, the run actions and at most one [`Flip`].

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Dur, Schedule, Timestamp};

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

/// Why a monitor went down: a closed set (SPEC §3). Later issues add the rest of the set
/// (`too_short`, `stalled`, `missed_after`, `incomplete`, `chain_deadline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DownReason {
    /// No ping arrived by due + grace.
    Missed,
    /// The job reported failure (`/fail` or a non-zero exit status).
    Failed,
    /// A started run did not end within `max_runtime`.
    Hung,
}

impl DownReason {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            DownReason::Missed => "missed",
            DownReason::Failed => "failed",
            DownReason::Hung => "hung",
        }
    }
    /// Parses the stored text form.
    pub fn parse(s: &str) -> Option<DownReason> {
        Some(match s {
            "missed" => DownReason::Missed,
            "failed" => DownReason::Failed,
            "hung" => DownReason::Hung,
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
}

impl DeadlineKind {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::Missed => "missed",
            DeadlineKind::Hung => "hung",
        }
    }
    /// Parses the stored text form.
    pub fn parse(s: &str) -> Option<DeadlineKind> {
        match s {
            "missed" => Some(DeadlineKind::Missed),
            "hung" => Some(DeadlineKind::Hung),
            _ => None,
        }
    }
    fn reason(self) -> DownReason {
        match self {
            DeadlineKind::Missed => DownReason::Missed,
            DeadlineKind::Hung => DownReason::Hung,
        }
    }
}

/// The instant at which a monitor goes down unless something arrives first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// When.
    pub at: Timestamp,
    /// Why.
    pub kind: DeadlineKind,
}

/// The settings of a monitor that the state machine needs.
#[derive(Debug, Clone)]
pub struct MonitorConfig {
    /// When it is due.
    pub schedule: Schedule,
    /// How long after due it may still ping before going down.
    pub grace: Dur,
    /// How long a started run may take; `None` means `grace` (as Healthchecks does).
    pub max_runtime: Option<Dur>,
    /// When set, pings do not resume a paused monitor.
    pub manual_resume: bool,
}

impl MonitorConfig {
    /// The effective max runtime.
    pub fn max_runtime(&self) -> Dur {
        self.max_runtime.unwrap_or(self.grace)
    }
}

/// The mutable state of a monitor, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorState {
    /// Stored status.
    pub status: Status,
    /// Why it is down, while it is.
    pub down_reason: Option<DownReason>,
    /// The last success (or warn).
    pub last_success: Option<Timestamp>,
    /// The start of the earliest open run, if any run is open.
    pub run_started_at: Option<Timestamp>,
    /// When it is next due (from the last success).
    pub next_due: Option<Timestamp>,
    /// The indexed deadline the scheduler watches.
    pub deadline: Option<Deadline>,
}

impl MonitorState {
    /// A freshly created monitor.
    pub fn new_monitor() -> MonitorState {
        MonitorState {
            status: Status::New,
            down_reason: None,
            last_success: None,
            run_started_at: None,
            next_due: None,
            deadline: None,
        }
    }

    /// Derived display state: `late` while past due but inside grace, `running` while a
    /// run is open, else the stored status.
    pub fn display_status(&self, now: Timestamp) -> &'static str {
        match self.status {
            Status::Up | Status::New if self.run_started_at.is_some() => "running",
            Status::Up => match self.next_due {
                Some(due) if now > due => "late",
                _ => "up",
            },
            s => s.as_str(),
        }
    }

    /// Recomputes the deadline from status, open runs and next due (SPEC §3): while a
    /// run is open, start + max_runtime replaces due + grace; new monitors only hang;
    /// down and paused monitors have none.
    pub fn recompute_deadline(&mut self, cfg: &MonitorConfig) {
        self.deadline = match (self.status, self.run_started_at, self.next_due) {
            (Status::Down | Status::Paused, _, _) => None,
            (_, Some(start), _) => Some(Deadline {
                at: start.plus(cfg.max_runtime()),
                kind: DeadlineKind::Hung,
            }),
            (Status::Up, None, Some(due)) => Some(Deadline {
                at: due.plus(cfg.grace),
                kind: DeadlineKind::Missed,
            }),
            _ => None,
        };
    }
}

/// What a ping says, after the URL (and exit status) was interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Signal {
    /// `/ping/<id>`, exit status 0.
    Success,
    /// `/start`.
    Start,
    /// `/fail`, exit status 1–255.
    Fail,
    /// `/log`: recorded, changes nothing.
    Log,
    /// `/warn`: success with warnings.
    Warn,
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
        }
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
        }
    }
}

/// A change to the runs table that storage must apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunAction {
    /// Open a new run.
    Open {
        /// The job's run id.
        rid: Option<Uuid>,
    },
    /// Close an open run.
    Close {
        /// Which run.
        run_id: i64,
        /// How it ended.
        outcome: RunOutcome,
        /// Its duration in milliseconds.
        duration_ms: i64,
    },
}

/// A change of stored status, with its reason; kept as history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flip {
    /// Status before.
    pub from: Status,
    /// Status after.
    pub to: Status,
    /// Why, when the monitor went down.
    pub reason: Option<DownReason>,
}

impl Flip {
    /// Only → down and down → up notify (new → up and paused → up do not).
    pub fn notifies(&self) -> bool {
        self.to == Status::Down || (self.from == Status::Down && self.to == Status::Up)
    }
}

/// The result of applying a ping or a deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingOutcome {
    /// The state to store.
    pub state: MonitorState,
    /// Run rows to open or close.
    pub runs: Vec<RunAction>,
    /// The status change, if any.
    pub flip: Option<Flip>,
    /// The duration of the run this ping ended, if it ended one.
    pub duration_ms: Option<i64>,
    /// True when the ping was recorded but ignored (paused with manual resume).
    pub ignored: bool,
}

/// Applies a ping. `open_runs` must hold every open run of the monitor (storage may skip
/// loading them when `state.run_started_at` is `None`: there are none then).
pub fn on_ping(
    cfg: &MonitorConfig,
    state: &MonitorState,
    open_runs: &[OpenRun],
    signal: Signal,
    rid: Option<Uuid>,
    now: Timestamp,
) -> PingOutcome {
    let mut next = state.clone();
    let mut out = PingOutcome {
        state: state.clone(),
        runs: Vec::new(),
        flip: None,
        duration_ms: None,
        ignored: false,
    };
    if state.status == Status::Paused && cfg.manual_resume && signal != Signal::Log {
        out.ignored = true;
        return out;
    }
    let mut remaining: Vec<&OpenRun> = open_runs.iter().collect();
    match signal {
        Signal::Log => return out,
        Signal::Start => {
            // A start without rid replaces an open run without rid (the job restarted
            // and never said how the previous run ended); with a rid, a repeated start
            // of the same run is ignored.
            let same = remaining.iter().position(|r| r.rid == rid);
            match (rid, same) {
                (Some(_), Some(_)) => {}
                (None, Some(i)) => {
                    let old = remaining.remove(i);
                    out.runs.push(RunAction::Close {
                        run_id: old.id,
                        outcome: RunOutcome::Superseded,
                        duration_ms: now.since(old.started_at),
                    });
                    out.runs.push(RunAction::Open { rid });
                }
                (_, None) => out.runs.push(RunAction::Open { rid }),
            }
            next.run_started_at = remaining
                .iter()
                .map(|r| r.started_at)
                .chain(std::iter::once(now))
                .min();
        }
        Signal::Success | Signal::Warn | Signal::Fail => {
            let outcome = match signal {
                Signal::Success => RunOutcome::Success,
                Signal::Warn => RunOutcome::Warn,
                _ => RunOutcome::Fail,
            };
            // The run this end belongs to: the one with the same rid; without rid, the
            // latest open run without rid. An end for no open run ends nothing.
            let idx = match rid {
                Some(_) => remaining.iter().position(|r| r.rid == rid),
                None => remaining
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.rid.is_none())
                    .max_by_key(|(_, r)| r.started_at)
                    .map(|(i, _)| i),
            };
            if let Some(i) = idx {
                let run = remaining.remove(i);
                let duration_ms = now.since(run.started_at);
                out.duration_ms = Some(duration_ms);
                out.runs.push(RunAction::Close {
                    run_id: run.id,
                    outcome,
                    duration_ms,
                });
            }
            next.run_started_at = remaining.iter().map(|r| r.started_at).min();
            if signal == Signal::Fail {
                next.status = Status::Down;
                next.down_reason = Some(DownReason::Failed);
            } else {
                next.status = Status::Up;
                next.down_reason = None;
                next.last_success = Some(now);
                next.next_due = cfg.schedule.next_due(now);
            }
        }
    }
    next.recompute_deadline(cfg);
    out.flip = flip_between(state, &next);
    out.state = next;
    out
}

/// Applies a passed deadline: returns `None` when the deadline is not (or no longer) due.
/// Open runs past max_runtime are closed as timed out, so a late end does not reopen them.
pub fn on_deadline(
    cfg: &MonitorConfig,
    state: &MonitorState,
    open_runs: &[OpenRun],
    now: Timestamp,
) -> Option<PingOutcome> {
    let deadline = state.deadline?;
    if deadline.at > now {
        return None;
    }
    let mut next = state.clone();
    let mut runs = Vec::new();
    if deadline.kind == DeadlineKind::Hung {
        let limit = cfg.max_runtime();
        for r in open_runs {
            if r.started_at.plus(limit) <= now {
                runs.push(RunAction::Close {
                    run_id: r.id,
                    outcome: RunOutcome::Timeout,
                    duration_ms: now.since(r.started_at),
                });
            }
        }
        next.run_started_at = open_runs
            .iter()
            .filter(|r| r.started_at.plus(limit) > now)
            .map(|r| r.started_at)
            .min();
    }
    next.status = Status::Down;
    next.down_reason = Some(deadline.kind.reason());
    next.recompute_deadline(cfg);
    Some(PingOutcome {
        flip: flip_between(state, &next),
        state: next,
        runs,
        duration_ms: None,
        ignored: false,
    })
}

/// Pauses a monitor: no deadline, open runs cancelled.
pub fn pause(state: &MonitorState, open_runs: &[OpenRun], now: Timestamp) -> PingOutcome {
    let mut next = state.clone();
    next.status = Status::Paused;
    next.down_reason = None;
    next.run_started_at = None;
    next.deadline = None;
    PingOutcome {
        flip: flip_between(state, &next),
        state: next,
        runs: open_runs
            .iter()
            .map(|r| RunAction::Close {
                run_id: r.id,
                outcome: RunOutcome::Cancelled,
                duration_ms: now.since(r.started_at),
            })
            .collect(),
        duration_ms: None,
        ignored: false,
    }
}

/// Resumes a paused monitor: it becomes `new` and waits for its next ping, as in
/// Healthchecks. Returns `None` when it was not paused.
pub fn resume(state: &MonitorState) -> Option<PingOutcome> {
    if state.status != Status::Paused {
        return None;
    }
    let mut next = MonitorState::new_monitor();
    next.last_success = state.last_success;
    Some(PingOutcome {
        flip: flip_between(state, &next),
        state: next,
        runs: Vec::new(),
        duration_ms: None,
        ignored: false,
    })
}

/// Recomputes due and deadline after the schedule or grace changed.
pub fn reschedule(cfg: &MonitorConfig, state: &MonitorState) -> MonitorState {
    let mut next = state.clone();
    if let Some(last) = state.last_success {
        next.next_due = cfg.schedule.next_due(last);
    }
    next.recompute_deadline(cfg);
    next
}

fn flip_between(before: &MonitorState, after: &MonitorState) -> Option<Flip> {
    (before.status != after.status).then_some(Flip {
        from: before.status,
        to: after.status,
        reason: if after.status == Status::Down {
            after.down_reason
        } else {
            None
        },
    })
}

#[cfg(test)]
mod tests;
