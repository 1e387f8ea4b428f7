//! Where a chain's run stands, member by member (docs/behaviour.md, "Dependencies,
//! suppression, fan-in and chains"): a chain run enters each member's step as that
//! member starts or ends, and ends with the last member's success or at its deadline.

use crate::Run;

/// One member's part in the chain's latest run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The run went past it.
    Done,
    /// The run is at it now.
    Running,
    /// The run has not reached it yet.
    Waiting,
    /// The run ended here without finishing (missed its deadline or failed).
    StoppedHere,
    /// The run ended before reaching it.
    NotReached,
    /// No run yet.
    NoRun,
}

impl Part {
    /// The part in a few words, for the chain's page.
    pub fn words(self) -> &'static str {
        match self {
            Part::Done => "done",
            Part::Running => "running now",
            Part::Waiting => "waiting",
            Part::StoppedHere => "stopped here",
            Part::NotReached => "not reached",
            Part::NoRun => "no run yet",
        }
    }
}

/// Each member's part in `run` (members by name, first to last), and how many are done.
pub fn progress(members: &[String], run: Option<&Run>) -> (Vec<Part>, usize) {
    let Some(run) = run else {
        return (vec![Part::NoRun; members.len()], 0);
    };
    let succeeded = matches!(run.outcome.as_deref(), Some("success") | Some("warn"));
    if succeeded {
        return (vec![Part::Done; members.len()], members.len());
    }
    // The member the run is (or stopped) at: the last step it entered.
    let at = run
        .steps
        .last()
        .and_then(|s| members.iter().position(|m| *m == s.name))
        .unwrap_or(0);
    let open = run.ended_at.is_none();
    let parts: Vec<Part> = (0..members.len())
        .map(|i| match (i.cmp(&at), open) {
            (std::cmp::Ordering::Less, _) => Part::Done,
            (std::cmp::Ordering::Equal, true) => Part::Running,
            (std::cmp::Ordering::Equal, false) => Part::StoppedHere,
            (std::cmp::Ordering::Greater, true) => Part::Waiting,
            (std::cmp::Ordering::Greater, false) => Part::NotReached,
        })
        .collect();
    (parts, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(steps: &[&str], outcome: Option<&str>) -> Run {
        serde_json::from_value(serde_json::json!({
            "id": 1, "rid": null, "started_at": "2026-12-06T01:00:00Z",
            "ended_at": outcome.map(|_| "2026-12-06T04:00:00Z"), "outcome": outcome,
            "duration": null, "exit_status": null, "monitor_id": "m",
            "steps": steps.iter().map(|s| serde_json::json!({"name": s, "started_at": "2026-12-06T01:00:00Z", "duration": 1.0, "max": null, "current": false})).collect::<Vec<_>>(),
            "progress": null, "report": null, "report_error": null, "log_bytes": 0,
            "log_dropped": 0, "children": null, "problems": []
        }))
        .unwrap()
    }

    fn names() -> Vec<String> {
        ["extract", "transform", "load"].map(String::from).to_vec()
    }

    #[test]
    fn an_open_run_at_the_second_member() {
        let (parts, done) = progress(&names(), Some(&run(&["extract", "transform"], None)));
        assert_eq!(parts, vec![Part::Done, Part::Running, Part::Waiting]);
        assert_eq!(done, 1);
    }

    #[test]
    fn a_run_that_stopped_and_one_that_finished() {
        let (parts, done) = progress(
            &names(),
            Some(&run(&["extract", "transform"], Some("timeout"))),
        );
        assert_eq!(parts, vec![Part::Done, Part::StoppedHere, Part::NotReached]);
        assert_eq!(done, 1);
        let (parts, done) = progress(
            &names(),
            Some(&run(&["extract", "transform", "load"], Some("success"))),
        );
        assert_eq!(parts, vec![Part::Done; 3]);
        assert_eq!(done, 3);
        assert_eq!(progress(&names(), None), (vec![Part::NoRun; 3], 0));
    }
}
