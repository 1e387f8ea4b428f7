//! The settings of a monitor that the state machine needs, and the deadline of a run
//! that follows from them.

use super::{Deadline, DeadlineKind, OpenRun};
use crate::run::StepRule;
use crate::{Dur, Schedule};

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
    /// Declared steps, in order. Empty: any step name is accepted, none has a limit.
    pub steps: Vec<StepRule>,
    /// A running job that sends no progress, log or step for this long is stalled.
    pub stall_timeout: Option<Dur>,
    /// A run that ends with warnings notifies (`run.warn`); by default it does not.
    pub notify_warn: bool,
    /// A report with more `failed` units than this turns a success into a failure.
    pub max_failed: Option<u64>,
    /// A report whose failed / processed is above this turns a success into a failure.
    pub max_failed_ratio: Option<f64>,
    /// Children of a fan-out run that may fail before the run fails.
    pub max_failed_children: u32,
    /// A chain: its runs are its members' (docs/behaviour.md, "Dependencies, suppression,
    /// fan-in and chains"); a run past its deadline is down as
    /// `chain_deadline`, naming the member where it stopped.
    pub chain: bool,
    /// A run must end by the next fire time of this schedule after it started ("finish
    /// by 06:00 Europe/Riga"), besides `max_runtime`.
    pub finish_by: Option<Schedule>,
    /// How its open problems resolve without an explicit `/resolve` (docs/behaviour.md,
    /// "Problems (per-unit errors)").
    pub auto_resolve: crate::problem::AutoResolve,
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
            steps: Vec::new(),
            stall_timeout: None,
            notify_warn: false,
            max_failed: None,
            max_failed_ratio: None,
            max_failed_children: 0,
            chain: false,
            finish_by: None,
            auto_resolve: crate::problem::AutoResolve::OnNextRun,
        }
    }

    /// The effective max runtime.
    pub fn max_runtime(&self) -> Dur {
        self.max_runtime.unwrap_or(self.grace)
    }

    /// Refuses a step name this monitor does not declare (when it declares any).
    pub fn check_step(&self, name: &str) -> Result<(), String> {
        crate::run::check_step_name(name)?;
        if self.steps.is_empty() || self.steps.iter().any(|s| s.name == name) {
            return Ok(());
        }
        let known: Vec<&str> = self.steps.iter().map(|s| s.name.as_str()).collect();
        Err(format!(
            "unknown step {name:?}: this monitor's steps are {}",
            known.join(", ")
        ))
    }

    /// The earliest instant at which an open run is in trouble, and why: its max
    /// runtime, its current step's max duration, or its stall timeout.
    pub fn run_deadline(&self, run: &OpenRun) -> Deadline {
        let mut d = Deadline {
            at: run.started_at.plus(self.max_runtime()),
            kind: DeadlineKind::Hung,
        };
        if let Some(by) = self
            .finish_by
            .as_ref()
            .and_then(|s| s.next_due(run.started_at))
        {
            d.at = d.at.min(by);
        }
        let step_limit = run.current_step().and_then(|mark| {
            let rule = self.steps.iter().find(|s| s.name == mark.name)?;
            Some(crate::Timestamp(mark.at).plus(rule.max?))
        });
        if let Some(at) = step_limit.filter(|at| *at < d.at) {
            d = Deadline {
                at,
                kind: DeadlineKind::Step,
            };
        }
        if let Some(stall) = self.stall_timeout {
            let at = run.active_at.plus(stall);
            if at < d.at {
                d = Deadline {
                    at,
                    kind: DeadlineKind::Stalled,
                };
            }
        }
        d
    }
}
