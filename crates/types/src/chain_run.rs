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

/// One member's lane in a run's timeline: when the run was at it (ms), if it got there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    /// The member.
    pub name: String,
    /// From when to when the run was at it.
    pub span: Option<(i64, i64)>,
    /// Its part in the run.
    pub part: Part,
}

/// A chain run on one time axis (ms): each member's lane, and the deadline when it is
/// near enough to draw (within four times the run's length; else only said).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// The axis' start: the run's start.
    pub start: i64,
    /// The axis' end: the run's end or its latest lane's, or the deadline when drawn.
    pub end: i64,
    /// The `within` deadline, when drawn.
    pub deadline: Option<i64>,
    /// One per member, first to last.
    pub lanes: Vec<Lane>,
}

/// The timeline of `run` over `members` (names, first to last); `within` the chain's
/// seconds from the first start; `ms_of` reads an RFC 3339 time.
pub fn timeline(
    members: &[String],
    run: &Run,
    within: Option<i64>,
    ms_of: impl Fn(&str) -> Option<i64>,
) -> Option<Timeline> {
    let start = ms_of(&run.started_at)?;
    let (parts, _) = progress(members, Some(run));
    let lanes: Vec<Lane> = members
        .iter()
        .zip(parts)
        .map(|(name, part)| {
            let span = run.steps.iter().find(|s| s.name == *name).and_then(|s| {
                let from = ms_of(&s.started_at)?;
                Some((from, from + (s.duration * 1_000.0) as i64))
            });
            Lane {
                name: name.clone(),
                span,
                part,
            }
        })
        .collect();
    let last = lanes
        .iter()
        .filter_map(|l| l.span.map(|(_, to)| to))
        .chain(run.ended_at.as_deref().and_then(&ms_of))
        .max()
        .unwrap_or(start)
        .max(start + 1);
    let deadline = within
        .map(|w| start + w * 1_000)
        .filter(|d| *d - start <= (last - start) * 4);
    Some(Timeline {
        start,
        end: last.max(deadline.unwrap_or(last)),
        deadline,
        lanes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_run_on_one_axis() {
        let ms = |t: &str| match t {
            "2026-12-06T01:00:00Z" => Some(0),
            "2026-12-06T04:00:00Z" => Some(3 * 3_600_000),
            _ => None,
        };
        let members = [
            "extract".to_string(),
            "transform".to_string(),
            "load".to_string(),
        ];
        let r = run(&["extract", "transform"], Some("fail"));
        let t = timeline(&members, &r, Some(4 * 3_600), ms).unwrap();
        assert_eq!(t.start, 0);
        assert_eq!(t.lanes[0].span, Some((0, 1_000)));
        assert_eq!(t.lanes[1].part, Part::StoppedHere);
        assert_eq!((t.lanes[2].span, t.lanes[2].part), (None, Part::NotReached));
        assert_eq!(t.deadline, Some(4 * 3_600_000), "near the 3 h run: drawn");
        assert_eq!(t.end, 4 * 3_600_000);
        let far = timeline(&members, &r, Some(100 * 3_600), ms).unwrap();
        assert_eq!((far.deadline, far.end), (None, 3 * 3_600_000));
    }

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
