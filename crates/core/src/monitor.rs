//! The monitor state machine (SPEC §3): stored status, runs, deadlines and flips.
//!
//! Storage loads a monitor's [`MonitorState`] (and its open runs when it has any), calls
//! [`on_ping`] or [`on_deadline`] with `now`, and writes back what comes out: the new
//! state, the run actions and at most one [`Flip`].

mod kinds;

use uuid::Uuid;

pub use kinds::{DeadlineKind, DownReason, OpenRun, RunOutcome, Signal, Status};

use crate::{Dur, EventKind, Schedule, Timestamp};

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
    /// A successful run shorter than this is a failure (`too_short`).
    pub min_runtime: Option<Dur>,
    /// Runs allowed at once: a `start` while this many are open is an overlap.
    pub concurrency: Option<u32>,
    /// Consecutive failed (or too short) runs before down (at least 1).
    pub down_after: u32,
    /// Consecutive successes before a down monitor is up again (at least 1).
    pub up_after: u32,
}

impl MonitorConfig {
    /// Settings with only a schedule and grace; every option at its default.
    pub fn basic(schedule: Schedule, grace: Dur) -> MonitorConfig {
        MonitorConfig {
            schedule,
            grace,
            max_runtime: None,
            manual_resume: false,
            min_runtime: None,
            concurrency: None,
            down_after: 1,
            up_after: 1,
        }
    }

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
    /// Failed or too-short runs in a row (for `down_after`).
    pub fail_streak: u32,
    /// Successes in a row (for `up_after`).
    pub success_streak: u32,
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
            fail_streak: 0,
            success_streak: 0,
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
    /// Events that notify without a status change (a run overlapped).
    pub events: Vec<EventKind>,
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
        events: Vec::new(),
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
            let repeated = rid.is_some() && same.is_some();
            if let Some(limit) = cfg.concurrency {
                if !repeated && remaining.len() >= limit as usize {
                    out.events.push(EventKind::RunOverlapped);
                }
            }
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
            let mut failed = signal == Signal::Fail;
            let mut reason = DownReason::Failed;
            if let Some(i) = idx {
                let run = remaining.remove(i);
                let duration_ms = now.since(run.started_at);
                // A success faster than min_runtime did nothing: a failure.
                let short = !failed && cfg.min_runtime.is_some_and(|m| duration_ms < m.millis());
                if short {
                    failed = true;
                    reason = DownReason::TooShort;
                }
                out.duration_ms = Some(duration_ms);
                out.runs.push(RunAction::Close {
                    run_id: run.id,
                    outcome: if short { RunOutcome::TooShort } else { outcome },
                    duration_ms,
                });
            }
            next.run_started_at = remaining.iter().map(|r| r.started_at).min();
            if failed {
                next.fail_streak = state.fail_streak.saturating_add(1);
                next.success_streak = 0;
                if state.status == Status::Down || next.fail_streak >= cfg.down_after.max(1) {
                    next.status = Status::Down;
                    next.down_reason = Some(reason);
                } else {
                    // Tolerated (down_after): the job ran; the next run is due as usual.
                    next.next_due = cfg.schedule.next_due(now);
                }
            } else {
                next.success_streak = state.success_streak.saturating_add(1);
                next.fail_streak = 0;
                next.last_success = Some(now);
                next.next_due = cfg.schedule.next_due(now);
                // A down monitor needs up_after successes in a row to be up again.
                if state.status != Status::Down || next.success_streak >= cfg.up_after.max(1) {
                    next.status = Status::Up;
                    next.down_reason = None;
                }
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
    // Missed and hung go down at once; up_after counts from here.
    next.fail_streak = 0;
    next.success_streak = 0;
    next.recompute_deadline(cfg);
    Some(PingOutcome {
        flip: flip_between(state, &next),
        state: next,
        runs,
        duration_ms: None,
        ignored: false,
        events: Vec::new(),
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
        events: Vec::new(),
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
        events: Vec::new(),
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
