//! Steps, stalls, progress and reports in the state machine.

use super::*;
use crate::run::{Progress, Report, StepRule};
use crate::{Dur, Schedule};
use uuid::Uuid;

fn t(secs: i64) -> Timestamp {
    Timestamp(secs * 1_000)
}

fn cfg() -> MonitorConfig {
    let mut c = MonitorConfig::basic(Schedule::interval(Dur::secs(3600)).unwrap(), Dur::secs(60));
    c.max_runtime = Some(Dur::secs(1000));
    c.steps = vec![
        StepRule {
            name: "extract".into(),
            max: Some(Dur::secs(30)),
        },
        StepRule {
            name: "load".into(),
            max: None,
        },
    ];
    c
}

fn ping(signal: Signal, step: Option<&str>) -> Ping {
    Ping {
        signal,
        step: step.map(str::to_string),
        ..Ping::default()
    }
}

/// Applies `out`'s run actions to `runs` as storage would (new runs get id 1, 2, …).
fn store(runs: &mut Vec<OpenRun>, out: &PingOutcome, now: Timestamp) {
    for a in &out.runs {
        match a {
            RunAction::Open {
                rid,
                steps,
                children,
            } => runs.push(OpenRun {
                steps: steps.clone(),
                children: children.map(|expected| Children {
                    expected,
                    ..Children::default()
                }),
                ..OpenRun::new(runs.len() as i64 + 1, *rid, now)
            }),
            RunAction::Children { .. } => {}
            RunAction::Touch { run_id, steps, .. } => {
                let r = runs.iter_mut().find(|r| r.id == *run_id).unwrap();
                r.active_at = now;
                if let Some(s) = steps {
                    r.steps = s.clone();
                }
            }
            RunAction::Close { run_id, .. } => runs.retain(|r| r.id != *run_id),
        }
    }
}

#[test]
fn a_step_that_overruns_is_hung_in_that_step() {
    let c = cfg();
    let mut runs = Vec::new();
    let s0 = MonitorState::new_monitor();
    let out = apply_ping(&c, &s0, &runs, &ping(Signal::Start, None), t(100));
    store(&mut runs, &out, t(100));
    let out = apply_ping(
        &c,
        &out.state,
        &runs,
        &ping(Signal::Step, Some("extract")),
        t(110),
    );
    store(&mut runs, &out, t(110));
    let d = out.state.deadline.unwrap();
    assert_eq!((d.at, d.kind), (t(140), DeadlineKind::Step));
    assert!(on_deadline(&c, &out.state, &runs, t(139)).is_none());
    let down = on_deadline(&c, &out.state, &runs, t(140)).unwrap();
    assert_eq!(down.state.status, Status::Down);
    assert_eq!(down.state.down_reason, Some(DownReason::Hung));
    assert_eq!(down.state.down_detail.as_deref(), Some("extract"));
    assert!(matches!(
        down.runs[0],
        RunAction::Close {
            outcome: RunOutcome::Timeout,
            ..
        }
    ));
}

#[test]
fn a_step_without_open_run_starts_one_and_a_step_without_limit_uses_max_runtime() {
    let c = cfg();
    let mut runs = Vec::new();
    let out = apply_ping(
        &c,
        &MonitorState::new_monitor(),
        &runs,
        &ping(Signal::Step, Some("load")),
        t(100),
    );
    store(&mut runs, &out, t(100));
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].current_step().unwrap().name, "load");
    let d = out.state.deadline.unwrap();
    assert_eq!((d.at, d.kind), (t(1100), DeadlineKind::Hung));
    assert_eq!(
        c.check_step("bogus").unwrap_err(),
        "unknown step \"bogus\": this monitor's steps are extract, load"
    );
}

#[test]
fn a_stall_goes_down_while_runtime_is_still_allowed_and_progress_resets_it() {
    let mut c = cfg();
    c.steps.clear();
    c.stall_timeout = Some(Dur::secs(20));
    let mut runs = Vec::new();
    let out = apply_ping(
        &c,
        &MonitorState::new_monitor(),
        &runs,
        &ping(Signal::Start, None),
        t(100),
    );
    store(&mut runs, &out, t(100));
    assert_eq!(out.state.deadline.unwrap().at, t(120));
    let progress = Ping {
        signal: Signal::Progress,
        progress: Some(Progress::parse(Some("5"), Some("10"), None).unwrap()),
        ..Ping::default()
    };
    let out = apply_ping(&c, &out.state, &runs, &progress, t(115));
    assert_eq!(out.run, Some(1));
    store(&mut runs, &out, t(115));
    let d = out.state.deadline.unwrap();
    assert_eq!((d.at, d.kind), (t(135), DeadlineKind::Stalled));
    let down = on_deadline(&c, &out.state, &runs, t(135)).unwrap();
    assert_eq!(down.state.down_reason, Some(DownReason::Stalled));
    assert!(matches!(
        down.runs[0],
        RunAction::Close {
            outcome: RunOutcome::Stalled,
            ..
        }
    ));
}

#[test]
fn log_and_progress_without_a_run_change_nothing() {
    let c = cfg();
    let s = MonitorState::new_monitor();
    for sig in [Signal::Log, Signal::Progress] {
        let out = apply_ping(&c, &s, &[], &ping(sig, None), t(1));
        assert!(out.runs.is_empty() && out.flip.is_none() && out.run.is_none());
    }
}

#[test]
fn warn_is_up_with_warnings_and_notifies_only_when_asked() {
    let mut c = cfg();
    let out = apply_ping(
        &c,
        &MonitorState::new_monitor(),
        &[],
        &ping(Signal::Warn, None),
        t(1),
    );
    assert_eq!(out.state.status, Status::Up);
    assert!(out.state.warned);
    assert!(out.events.is_empty());
    c.notify_warn = true;
    let again = apply_ping(&c, &out.state, &[], &ping(Signal::Warn, None), t(2));
    assert_eq!(again.events, vec![EventKind::RunWarned]);
    let ok = apply_ping(&c, &again.state, &[], &ping(Signal::Success, None), t(3));
    assert!(!ok.state.warned);
}

#[test]
fn too_many_failed_units_turn_a_success_into_a_failure() {
    let mut c = cfg();
    c.max_failed = Some(2);
    let report = Report {
        counts: [("processed".to_string(), 10), ("failed".to_string(), 3)].into(),
        ..Report::default()
    };
    let p = Ping {
        report: Some(report),
        ..ping(Signal::Success, None)
    };
    let out = apply_ping(&c, &MonitorState::new_monitor(), &[], &p, t(1));
    assert_eq!(out.state.status, Status::Down);
    assert_eq!(out.state.down_reason, Some(DownReason::Failed));
    assert_eq!(
        out.state.down_detail.as_deref(),
        Some("3 units failed (max_failed 2)")
    );
}

fn fan_out(c: &MonitorConfig, n: u32) -> (MonitorState, Vec<OpenRun>, Uuid) {
    let rid = Uuid::from_u128(7);
    let p = Ping {
        signal: Signal::Start,
        rid: Some(rid),
        children: Some(n),
        ..Ping::default()
    };
    let out = apply_ping(c, &MonitorState::new_monitor(), &[], &p, t(100));
    let mut runs = Vec::new();
    store(&mut runs, &out, t(100));
    (out.state, runs, rid)
}

/// Applies children counts as storage would.
fn count(runs: &mut [OpenRun], out: &PingOutcome) {
    for a in &out.runs {
        if let RunAction::Children { run_id, children } = a {
            runs.iter_mut().find(|r| r.id == *run_id).unwrap().children = Some(*children);
        }
    }
}

#[test]
fn a_fan_out_run_succeeds_with_its_children_and_waits_for_them() {
    let c = cfg();
    let (s, mut runs, rid) = fan_out(&c, 3);
    // The parent's own success waits for the children.
    let own = apply_ping(
        &c,
        &s,
        &runs,
        &Ping {
            signal: Signal::Success,
            rid: Some(rid),
            ..Ping::default()
        },
        t(101),
    );
    assert!(own.runs.is_empty() && own.state.status == Status::New);
    let mut state = s;
    for i in 0..3 {
        let out = on_child(&c, &state, &runs, rid, true, t(102 + i)).unwrap();
        count(&mut runs, &out);
        state = out.state.clone();
        if i < 2 {
            assert_eq!(state.status, Status::New);
        } else {
            assert_eq!(state.status, Status::Up);
            assert!(out.succeeded);
        }
    }
    assert!(on_child(&c, &state, &[], Uuid::from_u128(8), true, t(110)).is_none());
}

#[test]
fn children_failing_beyond_the_tolerance_fail_the_run_and_missing_ones_make_it_incomplete() {
    let mut c = cfg();
    c.max_failed_children = 1;
    let (s, mut runs, rid) = fan_out(&c, 3);
    let one = on_child(&c, &s, &runs, rid, false, t(101)).unwrap();
    count(&mut runs, &one);
    assert_eq!(one.state.status, Status::New, "one failure is tolerated");
    let two = on_child(&c, &one.state, &runs, rid, false, t(102)).unwrap();
    assert_eq!(two.state.status, Status::Down);
    assert_eq!(
        two.state.down_detail.as_deref(),
        Some("2 of 3 children failed")
    );

    let (s, mut runs, rid) = fan_out(&cfg(), 40);
    let mut state = s;
    for i in 0..37 {
        let out = on_child(&c, &state, &runs, rid, true, t(101 + i)).unwrap();
        count(&mut runs, &out);
        state = out.state;
    }
    let d = state.deadline.unwrap();
    let down = on_deadline(&c, &state, &runs, d.at).unwrap();
    assert_eq!(down.state.down_reason, Some(DownReason::Incomplete));
    assert_eq!(
        down.state.down_detail.as_deref(),
        Some("3 of 40 children missing")
    );
}

#[test]
fn a_chain_must_finish_by_its_time_and_names_where_it_stopped() {
    let mut c = MonitorConfig::basic(Schedule::None, Dur::secs(1));
    c.chain = true;
    c.max_runtime = Some(Dur::secs(365 * 86_400));
    c.finish_by = Some(Schedule::cron("0 6 * * *", "Europe/Riga").unwrap());
    // 2026-11-22 23:00 in Riga (UTC+2) is 21:00 UTC.
    let start = Timestamp(1_795_381_200_000);
    let p = |signal, step: &str| Ping {
        signal,
        step: Some(step.to_string()),
        ..Ping::default()
    };
    let out = apply_ping(
        &c,
        &MonitorState::new_monitor(),
        &[],
        &p(Signal::Start, "extract"),
        start,
    );
    let mut runs = Vec::new();
    store(&mut runs, &out, start);
    let later = start.plus(Dur::secs(3600));
    let out = apply_ping(&c, &out.state, &runs, &p(Signal::Step, "transform"), later);
    store(&mut runs, &out, later);
    let d = out.state.deadline.unwrap();
    // 06:00 in Riga is 04:00 UTC, seven hours after the start.
    assert_eq!(d.at, start.plus(Dur::secs(7 * 3600)));
    let down = on_deadline(&c, &out.state, &runs, d.at).unwrap();
    assert_eq!(down.state.down_reason, Some(DownReason::ChainDeadline));
    assert_eq!(
        down.state.down_detail.as_deref(),
        Some("stopped at transform")
    );
    // A chain has no due time of its own: a finished run leaves no deadline.
    assert_eq!(Schedule::None.next_due(start), None);
}
