use super::*;
use crate::{Dur, Schedule};

const S: i64 = 1_000;

fn cfg() -> MonitorConfig {
    MonitorConfig::basic(Schedule::interval(Dur::secs(60)).unwrap(), Dur::secs(10))
}

fn t(secs: i64) -> Timestamp {
    Timestamp(secs * S)
}

fn ping(state: &MonitorState, runs: &[OpenRun], sig: Signal, at: i64) -> PingOutcome {
    on_ping(&cfg(), state, runs, sig, None, t(at))
}

#[test]
fn first_success_goes_up_quietly_and_sets_deadline() {
    let out = ping(&MonitorState::new_monitor(), &[], Signal::Success, 100);
    assert_eq!(out.state.status, Status::Up);
    assert_eq!(out.state.next_due, Some(t(160)));
    assert_eq!(
        out.state.deadline,
        Some(Deadline {
            at: t(170),
            kind: DeadlineKind::Missed
        })
    );
    let flip = out.flip.unwrap();
    assert_eq!((flip.from, flip.to), (Status::New, Status::Up));
    assert!(!flip.notifies());
}

#[test]
fn missed_deadline_goes_down_then_success_comes_back_up() {
    let up = ping(&MonitorState::new_monitor(), &[], Signal::Success, 100).state;
    assert!(on_deadline(&cfg(), &up, &[], t(169)).is_none());
    let down = on_deadline(&cfg(), &up, &[], t(170)).unwrap();
    assert_eq!(down.state.status, Status::Down);
    assert_eq!(down.state.deadline, None);
    let flip = down.flip.unwrap();
    assert_eq!(flip.reason, Some(DownReason::Missed));
    assert!(flip.notifies());
    let back = ping(&down.state, &[], Signal::Success, 200);
    assert!(back.flip.unwrap().notifies());
    assert_eq!(back.state.deadline.unwrap().at, t(270));
}

#[test]
fn late_is_derived_inside_grace() {
    let up = ping(&MonitorState::new_monitor(), &[], Signal::Success, 100).state;
    assert_eq!(up.display_status(t(150)), "up");
    assert_eq!(up.display_status(t(165)), "late");
}

#[test]
fn fail_goes_down_at_once() {
    let up = ping(&MonitorState::new_monitor(), &[], Signal::Success, 100).state;
    let out = ping(&up, &[], Signal::Fail, 120);
    assert_eq!(out.state.status, Status::Down);
    assert_eq!(out.flip.unwrap().reason, Some(DownReason::Failed));
    // a second failure is no new flip
    assert!(ping(&out.state, &[], Signal::Fail, 130).flip.is_none());
}

#[test]
fn start_opens_run_and_replaces_deadline_without_changing_status() {
    let up = ping(&MonitorState::new_monitor(), &[], Signal::Success, 100).state;
    let out = ping(&up, &[], Signal::Start, 150);
    assert!(out.flip.is_none());
    assert_eq!(out.state.status, Status::Up);
    assert_eq!(
        out.runs,
        vec![RunAction::Open {
            rid: None,
            steps: vec![],
            children: None
        }]
    );
    // max_runtime defaults to grace
    assert_eq!(
        out.state.deadline,
        Some(Deadline {
            at: t(160),
            kind: DeadlineKind::Hung
        })
    );
    assert_eq!(out.state.display_status(t(151)), "running");
}

#[test]
fn success_ends_run_with_duration_and_due_counts_from_end() {
    let up = ping(&MonitorState::new_monitor(), &[], Signal::Success, 100).state;
    let started = ping(&up, &[], Signal::Start, 150).state;
    let runs = [OpenRun::new(7, None, t(150))];
    let out = ping(&started, &runs, Signal::Success, 155);
    assert_eq!(out.duration_ms, Some(5_000));
    assert_eq!(
        out.runs,
        vec![RunAction::Close {
            run_id: 7,
            outcome: RunOutcome::Success,
            duration_ms: 5_000,
            by_ping: true
        }]
    );
    assert_eq!(out.state.run_started_at, None);
    assert_eq!(out.state.deadline.unwrap().at, t(155 + 60 + 10));
}

#[test]
fn hung_run_goes_down_and_is_closed() {
    let up = ping(&MonitorState::new_monitor(), &[], Signal::Success, 100).state;
    let started = ping(&up, &[], Signal::Start, 150).state;
    let runs = [OpenRun::new(7, None, t(150))];
    let out = on_deadline(&cfg(), &started, &runs, t(160)).unwrap();
    assert_eq!(out.flip.unwrap().reason, Some(DownReason::Hung));
    assert!(matches!(
        out.runs[0],
        RunAction::Close {
            outcome: RunOutcome::Timeout,
            ..
        }
    ));
    assert_eq!(out.state.run_started_at, None);
    // the late end closes nothing (the run is closed) but brings the monitor up
    let late = ping(&out.state, &[], Signal::Success, 170);
    assert!(late.runs.is_empty());
    assert_eq!(late.duration_ms, None);
    assert_eq!(late.state.status, Status::Up);
}

#[test]
fn concurrent_runs_pair_by_rid() {
    let a = uuid::Uuid::new_v4();
    let b = uuid::Uuid::new_v4();
    let up = ping(&MonitorState::new_monitor(), &[], Signal::Success, 100).state;
    let runs = [
        OpenRun::new(1, Some(a), t(110)),
        OpenRun::new(2, Some(b), t(112)),
    ];
    let mut st = up.clone();
    st.run_started_at = Some(t(110));
    let out = on_ping(&cfg(), &st, &runs, Signal::Success, Some(a), t(115));
    assert_eq!(out.duration_ms, Some(5_000));
    // b is still open: the deadline follows it
    assert_eq!(out.state.run_started_at, Some(t(112)));
    assert_eq!(out.state.deadline.unwrap().kind, DeadlineKind::Hung);
    // a repeated start of b is not a second run
    let again = on_ping(
        &cfg(),
        &out.state,
        &runs[1..],
        Signal::Start,
        Some(b),
        t(116),
    );
    assert!(again.runs.is_empty());
}

#[test]
fn new_monitor_has_no_missed_deadline_but_can_hang() {
    let n = MonitorState::new_monitor();
    let out = ping(&n, &[], Signal::Log, 1);
    assert_eq!(out.state, n);
    let started = ping(&n, &[], Signal::Start, 1);
    assert_eq!(started.state.status, Status::New);
    assert_eq!(started.state.deadline.unwrap().kind, DeadlineKind::Hung);
}

#[test]
fn warn_counts_as_success() {
    let out = ping(&MonitorState::new_monitor(), &[], Signal::Warn, 100);
    assert_eq!(out.state.status, Status::Up);
}

#[test]
fn pause_and_resume() {
    let up = ping(&MonitorState::new_monitor(), &[], Signal::Success, 100).state;
    let runs = [OpenRun::new(3, None, t(101))];
    let paused = pause(&up, &runs, t(102));
    assert_eq!(paused.state.status, Status::Paused);
    assert_eq!(paused.state.deadline, None);
    assert_eq!(paused.runs.len(), 1);
    assert!(!paused.flip.unwrap().notifies());
    // a ping resumes unless manual_resume
    let resumed_by_ping = ping(&paused.state, &[], Signal::Success, 200);
    assert_eq!(resumed_by_ping.state.status, Status::Up);
    assert!(!resumed_by_ping.flip.unwrap().notifies());
    let mut manual = cfg();
    manual.manual_resume = true;
    let ignored = on_ping(&manual, &paused.state, &[], Signal::Success, None, t(200));
    assert!(ignored.ignored);
    assert_eq!(ignored.state.status, Status::Paused);
    let r = resume(&paused.state).unwrap();
    assert_eq!(r.state.status, Status::New);
    assert!(resume(&up).is_none());
}

#[test]
fn cron_monitor_due_at_next_fire() {
    let c = MonitorConfig {
        max_runtime: Some(Dur::secs(600)),
        ..MonitorConfig::basic(Schedule::cron("0 * * * *", "UTC").unwrap(), Dur::secs(300))
    };
    // 2026-01-01T10:00:05Z
    let at = Timestamp(1_767_261_605_000);
    let out = on_ping(
        &c,
        &MonitorState::new_monitor(),
        &[],
        Signal::Success,
        None,
        at,
    );
    assert_eq!(
        out.state.next_due.unwrap().to_rfc3339(),
        "2026-01-01T11:00:00+00:00"
    );
    assert_eq!(
        out.state.deadline.unwrap().at.to_rfc3339(),
        "2026-01-01T11:05:00+00:00"
    );
}

fn run_of(out: &PingOutcome, at: i64) -> Vec<OpenRun> {
    out.runs
        .iter()
        .filter(|a| matches!(a, RunAction::Open { .. }))
        .map(|_| OpenRun::new(at, None, t(at)))
        .collect()
}

#[test]
fn down_after_tolerates_failures_in_a_row() {
    let c = MonitorConfig {
        down_after: 3,
        up_after: 2,
        ..cfg()
    };
    let up = on_ping(
        &c,
        &MonitorState::new_monitor(),
        &[],
        Signal::Success,
        None,
        t(0),
    )
    .state;
    let f1 = on_ping(&c, &up, &[], Signal::Fail, None, t(60));
    assert_eq!((f1.state.status, f1.flip), (Status::Up, None));
    assert_eq!(
        f1.state.next_due,
        Some(t(120)),
        "a tolerated failure still ran"
    );
    let f2 = on_ping(&c, &f1.state, &[], Signal::Fail, None, t(120));
    assert_eq!(f2.state.status, Status::Up);
    let f3 = on_ping(&c, &f2.state, &[], Signal::Fail, None, t(180));
    assert_eq!(f3.state.status, Status::Down);
    assert!(f3.flip.unwrap().notifies());
    // A success between failures starts the count again.
    let s = on_ping(&c, &f2.state, &[], Signal::Success, None, t(150));
    assert_eq!(s.state.fail_streak, 0);
    // up_after: 2 successes in a row before up.
    let s1 = on_ping(&c, &f3.state, &[], Signal::Success, None, t(200));
    assert_eq!((s1.state.status, s1.flip), (Status::Down, None));
    let s2 = on_ping(&c, &s1.state, &[], Signal::Warn, None, t(210));
    assert_eq!(s2.state.status, Status::Up, "warn counts as success");
    assert!(s2.flip.unwrap().notifies());
}

#[test]
fn min_runtime_makes_a_short_run_a_failure() {
    let c = MonitorConfig {
        min_runtime: Some(Dur::secs(30)),
        ..cfg()
    };
    let up = on_ping(
        &c,
        &MonitorState::new_monitor(),
        &[],
        Signal::Success,
        None,
        t(0),
    )
    .state;
    let started = on_ping(&c, &up, &[], Signal::Start, None, t(60));
    let runs = run_of(&started, 60);
    let short = on_ping(&c, &started.state, &runs, Signal::Success, None, t(65));
    assert_eq!(short.state.status, Status::Down);
    assert_eq!(short.state.down_reason, Some(DownReason::TooShort));
    assert!(short.runs.iter().any(|a| matches!(
        a,
        RunAction::Close {
            outcome: RunOutcome::TooShort,
            ..
        }
    )));
    let long = on_ping(&c, &started.state, &runs, Signal::Success, None, t(100));
    assert_eq!(long.state.status, Status::Up);
    // Without a start there is no duration: nothing to judge.
    let plain = on_ping(&c, &up, &[], Signal::Success, None, t(61));
    assert_eq!(plain.state.status, Status::Up);
}

#[test]
fn concurrency_one_reports_an_overlap_without_a_status_change() {
    let c = MonitorConfig {
        concurrency: Some(1),
        ..cfg()
    };
    let up = on_ping(
        &c,
        &MonitorState::new_monitor(),
        &[],
        Signal::Success,
        None,
        t(0),
    )
    .state;
    let first = on_ping(&c, &up, &[], Signal::Start, None, t(60));
    assert!(first.events.is_empty());
    let runs = run_of(&first, 60);
    let second = on_ping(&c, &first.state, &runs, Signal::Start, None, t(70));
    assert_eq!(second.events, vec![EventKind::RunOverlapped]);
    assert_eq!((second.state.status, second.flip), (Status::Up, None));
    // Without the option, the same start is no event.
    let plain = on_ping(&cfg(), &first.state, &runs, Signal::Start, None, t(70));
    assert!(plain.events.is_empty());
}

#[test]
fn an_armed_expectation_is_a_deadline_cleared_by_a_start_and_missed_after_otherwise() {
    let c = cfg();
    let up = ping(&MonitorState::new_monitor(), &[], Signal::Success, 100).state;
    let exp = crate::Expectation {
        at: t(130),
        upstream: "a-id".into(),
        name: "extract".into(),
        kind: crate::LinkKind::After,
    };
    let armed = arm(&c, &up, &[], exp.clone()).unwrap();
    let d = armed.state.deadline.unwrap();
    assert_eq!((d.at, d.kind), (t(130), DeadlineKind::MissedAfter));
    // A start satisfies it: back to the own deadline.
    let started = ping(&armed.state, &[], Signal::Start, 120);
    assert_eq!(started.state.expect, None);
    assert_eq!(started.state.deadline.unwrap().kind, DeadlineKind::Hung);
    // Not pinged: down as missed_after, naming the upstream.
    let down = on_deadline(&c, &armed.state, &[], t(130)).unwrap();
    assert_eq!(down.state.down_reason, Some(DownReason::MissedAfter));
    assert_eq!(down.state.down_detail.as_deref(), Some("extract"));
    assert_eq!(down.state.expect, None);
    assert!(down.flip.unwrap().notifies());
    // A log line is no ping of the job: the expectation stays.
    let logged = ping(&armed.state, &[], Signal::Log, 125);
    assert_eq!(logged.state.expect, Some(exp));
}

#[test]
fn a_muted_down_is_recovered_quietly() {
    let up = ping(&MonitorState::new_monitor(), &[], Signal::Success, 100).state;
    let mut down = ping(&up, &[], Signal::Fail, 110);
    let flip = down.flip.unwrap();
    assert!(!flip.settle(&mut down.state, true), "suppressed: muted");
    assert!(down.state.muted);
    let mut back = ping(&down.state, &[], Signal::Success, 120);
    assert!(
        !back.flip.unwrap().settle(&mut back.state, false),
        "its recovery too"
    );
    assert!(!back.state.muted);
    let mut again = ping(&back.state, &[], Signal::Fail, 130);
    assert!(again.flip.unwrap().settle(&mut again.state, false));
}

#[test]
fn run_data_belongs_to_the_run_not_the_ping_history() {
    for s in [Signal::Log, Signal::Progress, Signal::Step] {
        assert!(s.belongs_to_run(), "{s:?}");
    }
    for s in [Signal::Start, Signal::Success, Signal::Fail, Signal::Warn] {
        assert!(!s.belongs_to_run(), "{s:?}");
    }
    // A log never counts as the last ping; progress and step count only when no run
    // took them (they were stored as pings).
    assert!(!Signal::Log.is_last_ping(false));
    assert!(Signal::Progress.is_last_ping(false));
    assert!(!Signal::Progress.is_last_ping(true));
    assert!(Signal::Success.is_last_ping(false));
}

#[test]
fn the_shown_state_rule_is_one_and_idempotent() {
    // The dashboard applies the rule again to a state the server already showed: it
    // must come back unchanged unless time made it late.
    for stored in ["new", "up", "down", "paused"] {
        for run_open in [false, true] {
            for past_due in [false, true] {
                let shown = crate::monitor::shown_state(stored, run_open, past_due);
                assert_eq!(crate::monitor::shown_state(shown, false, past_due), shown);
            }
        }
    }
    assert_eq!(crate::monitor::shown_state("up", false, true), "late");
    assert_eq!(crate::monitor::shown_state("new", true, true), "running");
    assert_eq!(crate::monitor::shown_state("down", true, true), "down");
    assert_eq!(
        crate::monitor::shown_state("running", false, true),
        "running"
    );
}
