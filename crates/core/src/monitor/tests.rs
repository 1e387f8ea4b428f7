use super::*;

const S: i64 = 1_000;

fn cfg() -> MonitorConfig {
    MonitorConfig {
        schedule: Schedule::interval(Dur::secs(60)).unwrap(),
        grace: Dur::secs(10),
        max_runtime: None,
        manual_resume: false,
    }
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
    assert_eq!(out.runs, vec![RunAction::Open { rid: None }]);
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
    let runs = [OpenRun {
        id: 7,
        rid: None,
        started_at: t(150),
    }];
    let out = ping(&started, &runs, Signal::Success, 155);
    assert_eq!(out.duration_ms, Some(5_000));
    assert_eq!(
        out.runs,
        vec![RunAction::Close {
            run_id: 7,
            outcome: RunOutcome::Success,
            duration_ms: 5_000
        }]
    );
    assert_eq!(out.state.run_started_at, None);
    assert_eq!(out.state.deadline.unwrap().at, t(155 + 60 + 10));
}

#[test]
fn hung_run_goes_down_and_is_closed() {
    let up = ping(&MonitorState::new_monitor(), &[], Signal::Success, 100).state;
    let started = ping(&up, &[], Signal::Start, 150).state;
    let runs = [OpenRun {
        id: 7,
        rid: None,
        started_at: t(150),
    }];
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
        OpenRun {
            id: 1,
            rid: Some(a),
            started_at: t(110),
        },
        OpenRun {
            id: 2,
            rid: Some(b),
            started_at: t(112),
        },
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
    let runs = [OpenRun {
        id: 3,
        rid: None,
        started_at: t(101),
    }];
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
        schedule: Schedule::cron("0 * * * *", "UTC").unwrap(),
        grace: Dur::secs(300),
        max_runtime: Some(Dur::secs(600)),
        manual_resume: false,
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
