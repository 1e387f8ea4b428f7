//! The monitor state machine (docs/behaviour.md, "States and runs"): stored status, runs,
//! deadlines and flips.
//!
//! Storage loads a monitor's [`MonitorState`] (and its open runs when it has any), calls
//! [`on_ping`] or [`on_deadline`] with `now`, and writes back what comes out: the new
//! state, the run actions and at most one [`Flip`].

mod config;
mod kinds;
mod timers;

use uuid::Uuid;

pub use config::MonitorConfig;
pub use kinds::{Children, DeadlineKind, DownReason, OpenRun, RunOutcome, Signal, Status};
/// The one rule of how a monitor is shown (docs/behaviour.md, "States and runs").
pub use overdue_types::shown_state;
pub use timers::{arm, on_child, on_deadline, pause, reschedule, resume};

use crate::deps::Expectation;
use crate::run::{Progress, Report, StepMark};
use crate::{EventKind, Timestamp};

/// The instant at which a monitor goes down unless something arrives first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// When.
    pub at: Timestamp,
    /// Why.
    pub kind: DeadlineKind,
}

/// The mutable state of a monitor, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorState {
    /// Stored status.
    pub status: Status,
    /// Why it is down, while it is.
    pub down_reason: Option<DownReason>,
    /// What the reason concerns, when it says more: the step a run hung in, or why a
    /// report counted as a failure.
    pub down_detail: Option<String>,
    /// The last run ended with warnings (up, with warnings).
    pub warned: bool,
    /// An upstream's event expects a ping from this monitor by a time (docs/behaviour.md,
    /// "Dependencies, suppression, fan-in and chains").
    pub expect: Option<Expectation>,
    /// Its last down flip was not notified (an upstream was down): its recovery is not
    /// notified either.
    pub muted: bool,
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
            down_detail: None,
            warned: false,
            expect: None,
            muted: false,
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
        let past_due = self.next_due.is_some_and(|due| now > due);
        overdue_types::shown_state(
            self.status.as_str(),
            self.run_started_at.is_some(),
            past_due,
        )
    }

    /// Recomputes the deadline from status, open runs and next due (docs/behaviour.md,
    /// "States and runs"): while
    /// runs are open, the earliest of their deadlines (max runtime, step, stall)
    /// replaces due + grace; new monitors only hang; down and paused monitors have none.
    /// `open_runs` are the runs open after the change.
    pub fn recompute_deadline(&mut self, cfg: &MonitorConfig, open_runs: &[OpenRun]) {
        self.run_started_at = open_runs.iter().map(|r| r.started_at).min();
        self.deadline = match (self.status, self.next_due) {
            (Status::Down | Status::Paused, _) => None,
            _ if !open_runs.is_empty() => open_runs
                .iter()
                .map(|r| cfg.run_deadline(r))
                .min_by_key(|d| d.at),
            (Status::Up, Some(due)) => Some(Deadline {
                at: due.plus(cfg.grace),
                kind: DeadlineKind::Missed,
            }),
            _ => None,
        };
        // An armed expectation is one more deadline, in the same index.
        if let (Some(e), Status::New | Status::Up) = (&self.expect, self.status) {
            if self.deadline.is_none_or(|d| e.at < d.at) {
                self.deadline = Some(Deadline {
                    at: e.at,
                    kind: DeadlineKind::MissedAfter,
                });
            }
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
        /// The step it starts in, if the starting ping named one.
        steps: Vec<StepMark>,
        /// Children it announced (`children=N`): a fan-out run.
        children: Option<u32>,
    },
    /// A child of a fan-out run reported its end.
    Children {
        /// Which run.
        run_id: i64,
        /// Its children so far.
        children: Children,
    },
    /// A sign of life of an open run: progress, a log chunk or a step.
    Touch {
        /// Which run.
        run_id: i64,
        /// Its whole step timeline, when this ping entered a new step.
        steps: Option<Vec<StepMark>>,
        /// Its progress, when this ping reported some.
        progress: Option<Progress>,
    },
    /// Close an open run.
    Close {
        /// Which run.
        run_id: i64,
        /// How it ended.
        outcome: RunOutcome,
        /// Its duration in milliseconds.
        duration_ms: i64,
        /// The ping ended it (its exit status and report belong to the run).
        by_ping: bool,
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

    /// Whether this flip notifies, given that an upstream of the monitor is down
    /// (`suppressed`): a down while suppressed is muted, and so is the recovery of a
    /// muted down — one root cause, one alert, and no stale alerts when it lifts.
    /// Records the muting in `after` (the state being saved).
    pub fn settle(&self, after: &mut MonitorState, suppressed: bool) -> bool {
        if !self.notifies() {
            return false;
        }
        if self.to == Status::Down {
            after.muted = suppressed;
            return !suppressed;
        }
        let was_muted = after.muted;
        after.muted = false;
        !was_muted
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
    /// The open run a log, progress or step ping went to.
    pub run: Option<i64>,
    /// The ping ended a run (or was an end) that counted as a success: monitors `after`
    /// this one are now expected.
    pub succeeded: bool,
}

impl PingOutcome {
    fn unchanged(state: &MonitorState) -> PingOutcome {
        PingOutcome {
            state: state.clone(),
            runs: Vec::new(),
            flip: None,
            duration_ms: None,
            ignored: false,
            events: Vec::new(),
            run: None,
            succeeded: false,
        }
    }
}

/// A ping as the state machine sees it.
#[derive(Debug, Clone, Default)]
pub struct Ping {
    /// What it says.
    pub signal: Signal,
    /// The job's run id.
    pub rid: Option<Uuid>,
    /// The step it names (`/step/<name>` or `step=`), checked with
    /// [`MonitorConfig::check_step`].
    pub step: Option<String>,
    /// Progress (`/progress`).
    pub progress: Option<Progress>,
    /// The completion report in its body.
    pub report: Option<Report>,
    /// On a start: the run fans out to this many children (`children=N`).
    pub children: Option<u32>,
}

/// Applies a ping with only a signal and a run id (see [`apply_ping`]).
pub fn on_ping(
    cfg: &MonitorConfig,
    state: &MonitorState,
    open_runs: &[OpenRun],
    signal: Signal,
    rid: Option<Uuid>,
    now: Timestamp,
) -> PingOutcome {
    let ping = Ping {
        signal,
        rid,
        ..Ping::default()
    };
    apply_ping(cfg, state, open_runs, &ping, now)
}

/// The open run a ping without a start or an end belongs to: the one with its rid;
/// without rid, the latest run without rid, else the latest run.
fn run_of(runs: &[OpenRun], rid: Option<Uuid>) -> Option<usize> {
    if rid.is_some() {
        return runs.iter().position(|r| r.rid == rid);
    }
    let latest = |only_without_rid: bool| {
        runs.iter()
            .enumerate()
            .filter(|(_, r)| !only_without_rid || r.rid.is_none())
            .max_by_key(|(_, r)| r.started_at)
            .map(|(i, _)| i)
    };
    latest(true).or_else(|| latest(false))
}

/// Applies a ping. `open_runs` must hold every open run of the monitor (storage may skip
/// loading them when `state.run_started_at` is `None`: there are none then). A step
/// name must have passed [`MonitorConfig::check_step`].
pub fn apply_ping(
    cfg: &MonitorConfig,
    state: &MonitorState,
    open_runs: &[OpenRun],
    ping: &Ping,
    now: Timestamp,
) -> PingOutcome {
    let mut next = state.clone();
    let mut out = PingOutcome::unchanged(state);
    if state.status == Status::Paused && cfg.manual_resume && ping.signal != Signal::Log {
        out.ignored = true;
        return out;
    }
    let mut runs: Vec<OpenRun> = open_runs.to_vec();
    // A start or an end is the ping an armed expectation waits for.
    if !matches!(ping.signal, Signal::Log | Signal::Progress) {
        next.expect = None;
    }
    let step_mark = |name: &String| StepMark {
        name: name.clone(),
        at: now.0,
    };
    match ping.signal {
        Signal::Log | Signal::Progress | Signal::Step => {
            let Some(i) = run_of(&runs, ping.rid) else {
                if ping.signal != Signal::Step {
                    // Nothing is running: recorded, changes nothing.
                    return out;
                }
                // A step with no open run starts one in that step.
                let steps = ping.step.iter().map(step_mark).collect();
                start_run(cfg, &mut runs, ping.rid, steps, None, now, &mut out);
                next.recompute_deadline(cfg, &runs);
                out.flip = flip_between(state, &next);
                out.state = next;
                return out;
            };
            let run = &mut runs[i];
            run.active_at = now;
            let entered = ping
                .step
                .as_ref()
                .filter(|s| run.current_step().map(|m| &m.name) != Some(*s));
            if let Some(name) = entered {
                run.steps.push(step_mark(name));
            }
            out.run = Some(run.id);
            out.runs.push(RunAction::Touch {
                run_id: run.id,
                steps: entered.map(|_| run.steps.clone()),
                progress: ping.progress.clone(),
            });
        }
        Signal::Start => {
            let steps = ping.step.iter().map(step_mark).collect();
            start_run(
                cfg,
                &mut runs,
                ping.rid,
                steps,
                ping.children,
                now,
                &mut out,
            );
        }
        Signal::Success | Signal::Warn | Signal::Fail => {
            end_run(cfg, state, &mut next, &mut runs, ping, now, &mut out);
        }
    }
    next.recompute_deadline(cfg, &runs);
    out.flip = flip_between(state, &next);
    out.state = next;
    out
}

/// A start: opens a run (or, without rid, replaces the open run without rid, whose job
/// restarted and never said how it ended); a repeated start of the same rid is ignored.
fn start_run(
    cfg: &MonitorConfig,
    runs: &mut Vec<OpenRun>,
    rid: Option<Uuid>,
    steps: Vec<StepMark>,
    children: Option<u32>,
    now: Timestamp,
    out: &mut PingOutcome,
) {
    let same = runs.iter().position(|r| r.rid == rid);
    let repeated = rid.is_some() && same.is_some();
    if let Some(limit) = cfg.concurrency {
        if !repeated && runs.len() >= limit as usize {
            out.events.push(EventKind::RunOverlapped);
        }
    }
    match (rid, same) {
        (Some(_), Some(_)) => return,
        (None, Some(i)) => {
            let old = runs.remove(i);
            out.runs.push(RunAction::Close {
                run_id: old.id,
                outcome: RunOutcome::Superseded,
                duration_ms: now.since(old.started_at),
                by_ping: false,
            });
        }
        (_, None) => {}
    }
    out.runs.push(RunAction::Open {
        rid,
        steps: steps.clone(),
        children,
    });
    // Id 0: storage assigns the real one; only its times matter for the deadline.
    runs.push(OpenRun {
        steps,
        children: children.map(|expected| Children {
            expected,
            ..Children::default()
        }),
        ..OpenRun::new(0, rid, now)
    });
}

/// An end (`success`, `warn`, `fail`): closes its run and counts toward `down_after`
/// or `up_after`.
fn end_run(
    cfg: &MonitorConfig,
    state: &MonitorState,
    next: &mut MonitorState,
    runs: &mut Vec<OpenRun>,
    ping: &Ping,
    now: Timestamp,
    out: &mut PingOutcome,
) {
    let outcome = match ping.signal {
        Signal::Success => RunOutcome::Success,
        Signal::Warn => RunOutcome::Warn,
        _ => RunOutcome::Fail,
    };
    // The run this end belongs to: the one with the same rid; without rid, the latest
    // open run without rid. An end for no open run ends nothing.
    let idx = match ping.rid {
        Some(_) => runs.iter().position(|r| r.rid == ping.rid),
        None => runs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.rid.is_none())
            .max_by_key(|(_, r)| r.started_at)
            .map(|(i, _)| i),
    };
    let mut failed = outcome == RunOutcome::Fail;
    let mut reason = DownReason::Failed;
    // Mass unit failures are one systemic failure (max_failed, max_failed_ratio).
    let mut detail = None;
    if !failed {
        detail = ping
            .report
            .as_ref()
            .and_then(|r| r.too_many_failed(cfg.max_failed, cfg.max_failed_ratio));
        failed = detail.is_some();
    }
    let mut closed = if failed && outcome != RunOutcome::Fail {
        RunOutcome::Fail
    } else {
        outcome
    };
    if let Some(i) = idx {
        // A fan-out run's own success waits for its children: they end it.
        if !failed && runs[i].children.is_some_and(|c| c.missing() > 0) {
            out.run = Some(runs[i].id);
            return;
        }
        let run = runs.remove(i);
        let duration_ms = now.since(run.started_at);
        out.run = Some(run.id);
        // A success faster than min_runtime did nothing: a failure.
        if !failed && cfg.min_runtime.is_some_and(|m| duration_ms < m.millis()) {
            failed = true;
            reason = DownReason::TooShort;
            closed = RunOutcome::TooShort;
        }
        out.duration_ms = Some(duration_ms);
        out.runs.push(RunAction::Close {
            run_id: run.id,
            outcome: closed,
            duration_ms,
            by_ping: true,
        });
    }
    next.warned = !failed && outcome == RunOutcome::Warn;
    if failed {
        next.fail_streak = state.fail_streak.saturating_add(1);
        next.success_streak = 0;
        if state.status == Status::Down || next.fail_streak >= cfg.down_after.max(1) {
            next.status = Status::Down;
            next.down_reason = Some(reason);
            next.down_detail = detail;
        } else {
            // Tolerated (down_after): the job ran; the next run is due as usual.
            next.next_due = cfg.schedule.next_due(now);
        }
        return;
    }
    out.succeeded = true;
    next.success_streak = state.success_streak.saturating_add(1);
    next.fail_streak = 0;
    next.last_success = Some(now);
    next.next_due = cfg.schedule.next_due(now);
    if next.warned && cfg.notify_warn {
        out.events.push(EventKind::RunWarned);
    }
    // A down monitor needs up_after successes in a row to be up again.
    if state.status != Status::Down || next.success_streak >= cfg.up_after.max(1) {
        next.status = Status::Up;
        next.down_reason = None;
        next.down_detail = None;
    }
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
mod run_tests;
#[cfg(test)]
mod tests;
