//! Chains (docs/behaviour.md, "Dependencies, suppression, fan-in and chains"): a named
//! ordered set of monitors with one end-to-end deadline. A
//! chain is a monitor fed by its members' pings; these are the rules of that feeding.

use crate::Signal;

/// Where a member stands in its chain, and what just happened to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberEvent {
    /// The member is the chain's first.
    pub first: bool,
    /// The member is the chain's last.
    pub last: bool,
    /// The member's ping was a `start`.
    pub started: bool,
    /// The member's ping ended a run well (success or warn).
    pub succeeded: bool,
    /// The chain has an open run.
    pub chain_running: bool,
}

/// The pings a member's event sends to its chain, in order: the first member's start
/// (or, without one, its end) opens a chain run; a member's start or end moves an open
/// run into that member's step; the last member's success ends it.
pub fn signals_for(e: MemberEvent) -> Vec<Signal> {
    let mut out = Vec::new();
    if !(e.started || e.succeeded) {
        return out;
    }
    if e.first && (e.started || !e.chain_running) {
        out.push(Signal::Start);
    } else if e.chain_running {
        out.push(Signal::Step);
    }
    if e.last && e.succeeded && (e.chain_running || e.first) {
        out.push(Signal::Success);
    }
    out
}

/// A chain's runs follow its members: it has no schedule of its own, so a change that
/// gives one is refused with this reason.
pub fn refuse_schedule(is_chain: bool, schedule_given: bool) -> Result<(), &'static str> {
    if is_chain && schedule_given {
        return Err(
            "this monitor is a chain: its runs follow its members, it has no schedule of its own",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(first: bool, last: bool, started: bool, succeeded: bool, running: bool) -> Vec<Signal> {
        signals_for(MemberEvent {
            first,
            last,
            started,
            succeeded,
            chain_running: running,
        })
    }

    #[test]
    fn members_move_their_chain() {
        // The first member's start opens the chain's run.
        assert_eq!(ev(true, false, true, false, false), vec![Signal::Start]);
        // A first member that only reports its end opens it too.
        assert_eq!(ev(true, false, false, true, false), vec![Signal::Start]);
        // A middle member moves the open run into its step; idle chains ignore it.
        assert_eq!(ev(false, false, true, false, true), vec![Signal::Step]);
        assert_eq!(ev(false, false, false, true, false), Vec::<Signal>::new());
        // The last member's success ends the run.
        assert_eq!(
            ev(false, true, false, true, true),
            vec![Signal::Step, Signal::Success]
        );
        // A one-member chain: its success is start and end at once.
        assert_eq!(
            ev(true, true, false, true, false),
            vec![Signal::Start, Signal::Success]
        );
        // A failure or a log changes nothing.
        assert_eq!(ev(true, true, false, false, true), Vec::<Signal>::new());
    }

    #[test]
    fn chains_have_no_schedule() {
        assert!(refuse_schedule(true, true).is_err());
        assert!(refuse_schedule(true, false).is_ok());
        assert!(refuse_schedule(false, true).is_ok());
    }
}
