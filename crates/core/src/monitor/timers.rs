//! Transitions not caused by a ping of the monitor itself: a passed deadline, a child
//! run's end, an upstream arming an expectation, pause and resume from the API, and
//! new settings. Each returns the outcome to write, like `apply_ping`.

use uuid::Uuid;

use super::*;
use crate::deps::Expectation;
use crate::Timestamp;

/// Applies a passed deadline: returns `None` when the deadline is not (or no longer) due.
/// Open runs past one of their limits (max runtime, step, stall) are closed as timed out
/// or stalled, so a late end does not reopen them.
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
    let mut out = PingOutcome::unchanged(state);
    let mut runs = Vec::new();
    // Why it goes down: the missed deadline, or the earliest run limit that passed.
    let mut cause: Option<(Deadline, DownReason, Option<String>)> = None;
    if deadline.kind == DeadlineKind::Missed {
        cause = Some((deadline, DownReason::Missed, None));
        runs = open_runs.to_vec();
    } else if deadline.kind == DeadlineKind::MissedAfter {
        let upstream = state.expect.as_ref().map(|e| e.name.clone());
        cause = Some((deadline, DownReason::MissedAfter, upstream));
        next.expect = None;
        runs = open_runs.to_vec();
    } else {
        for r in open_runs {
            let d = cfg.run_deadline(r);
            if d.at > now {
                runs.push(r.clone());
                continue;
            }
            // A fan-out run out of time with children missing is incomplete.
            let missing = r
                .children
                .filter(|c| c.missing() > 0 && d.kind == DeadlineKind::Hung);
            out.runs.push(RunAction::Close {
                run_id: r.id,
                outcome: match (d.kind, missing) {
                    (_, Some(_)) => RunOutcome::Incomplete,
                    (DeadlineKind::Stalled, _) => RunOutcome::Stalled,
                    _ => RunOutcome::Timeout,
                },
                duration_ms: now.since(r.started_at),
                by_ping: false,
            });
            if cause.as_ref().is_none_or(|(c, _, _)| d.at < c.at) {
                cause = Some(match missing {
                    Some(c) => (
                        d,
                        DownReason::Incomplete,
                        Some(format!(
                            "{} of {} children missing",
                            c.missing(),
                            c.expected
                        )),
                    ),
                    // A chain names the member where it stopped.
                    None if cfg.chain && d.kind == DeadlineKind::Hung => (
                        d,
                        DownReason::ChainDeadline,
                        r.current_step().map(|m| format!("stopped at {}", m.name)),
                    ),
                    None => (
                        d,
                        d.kind.reason(),
                        (d.kind == DeadlineKind::Step)
                            .then(|| r.current_step().map(|m| m.name.clone()))
                            .flatten(),
                    ),
                });
            }
        }
    }
    if let Some((_, reason, detail)) = cause {
        next.status = Status::Down;
        next.down_reason = Some(reason);
        next.down_detail = detail;
        next.warned = false;
        // Missed, hung and stalled go down at once; up_after counts from here.
        next.fail_streak = 0;
        next.success_streak = 0;
    }
    next.recompute_deadline(cfg, &runs);
    if next == *state {
        return None;
    }
    out.flip = flip_between(state, &next);
    out.state = next;
    Some(out)
}

/// A child of the fan-out run `parent` (a rid of this monitor's open runs) reported an
/// end (docs/behaviour.md, "Dependencies, suppression, fan-in and chains"): counted; the
/// run succeeds when all its children succeeded (within
/// `max_failed_children`) and fails as soon as more failed than allowed. `None` when no
/// open fan-out run has that rid.
pub fn on_child(
    cfg: &MonitorConfig,
    state: &MonitorState,
    open_runs: &[OpenRun],
    parent: Uuid,
    ok: bool,
    now: Timestamp,
) -> Option<PingOutcome> {
    let i = open_runs
        .iter()
        .position(|r| r.rid == Some(parent) && r.children.is_some())?;
    let mut runs = open_runs.to_vec();
    let mut c = runs[i].children?;
    if ok {
        c.ok = c.ok.saturating_add(1);
    } else {
        c.failed = c.failed.saturating_add(1);
    }
    runs[i].children = Some(c);
    let mut out = PingOutcome::unchanged(state);
    out.runs.push(RunAction::Children {
        run_id: runs[i].id,
        children: c,
    });
    let too_many = c.failed > cfg.max_failed_children;
    if !too_many && c.missing() > 0 {
        out.run = Some(runs[i].id);
        return Some(out);
    }
    // Complete, or failed beyond tolerance: the run ends as if its job had said so.
    let end = Ping {
        signal: if too_many {
            Signal::Fail
        } else {
            Signal::Success
        },
        rid: Some(parent),
        ..Ping::default()
    };
    let mut next = state.clone();
    end_run(cfg, state, &mut next, &mut runs, &end, now, &mut out);
    if too_many && next.status == Status::Down {
        next.down_detail = Some(format!("{} of {} children failed", c.failed, c.expected));
    }
    next.recompute_deadline(cfg, &runs);
    out.flip = flip_between(state, &next);
    out.state = next;
    Some(out)
}

/// Arms an expectation (an upstream's event, docs/behaviour.md, "Dependencies,
/// suppression, fan-in and chains"): this monitor must ping by
/// `exp.at`. A new arming replaces the previous one. `None` for a paused monitor.
pub fn arm(
    cfg: &MonitorConfig,
    state: &MonitorState,
    open_runs: &[OpenRun],
    exp: Expectation,
) -> Option<PingOutcome> {
    if state.status == Status::Paused {
        return None;
    }
    let mut next = state.clone();
    next.expect = Some(exp);
    next.recompute_deadline(cfg, open_runs);
    Some(PingOutcome {
        state: next,
        ..PingOutcome::unchanged(state)
    })
}

/// Pauses a monitor: no deadline, open runs cancelled.
pub fn pause(state: &MonitorState, open_runs: &[OpenRun], now: Timestamp) -> PingOutcome {
    let mut next = state.clone();
    next.status = Status::Paused;
    next.down_reason = None;
    next.down_detail = None;
    next.expect = None;
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
                by_ping: false,
            })
            .collect(),
        ..PingOutcome::unchanged(state)
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
        ..PingOutcome::unchanged(state)
    })
}

/// Recomputes due and deadline after the settings changed.
pub fn reschedule(
    cfg: &MonitorConfig,
    state: &MonitorState,
    open_runs: &[OpenRun],
) -> MonitorState {
    let mut next = state.clone();
    if let Some(last) = state.last_success {
        next.next_due = cfg.schedule.next_due(last);
    }
    next.recompute_deadline(cfg, open_runs);
    next
}
