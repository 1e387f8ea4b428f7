//! Dependencies between monitors (docs/behaviour.md, "Dependencies, suppression, fan-in
//! and chains"): `after` (a success of the upstream arms the
//! expectation that this monitor pings within a time) and `on_failure_of` (the upstream
//! going down arms it: a recovery job); the graph rules — cycles refused, and while an
//! upstream is down, monitors downstream of it by `after` are suppressed.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{Dur, Timestamp};

/// Which event of the upstream arms the expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// A success (or warn) of the upstream.
    After,
    /// The upstream going down.
    OnFailure,
}

impl LinkKind {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::After => "after",
            LinkKind::OnFailure => "on_failure",
        }
    }
    /// Which dependents an upstream's transition arms: a success arms those `after`
    /// it, going down those `on_failure_of` it; anything else arms none.
    pub fn armed_by(succeeded: bool, went_down: bool) -> Option<LinkKind> {
        if succeeded {
            Some(LinkKind::After)
        } else if went_down {
            Some(LinkKind::OnFailure)
        } else {
            None
        }
    }

    /// Parses the stored text form.
    pub fn parse(s: &str) -> Option<LinkKind> {
        match s {
            "after" => Some(LinkKind::After),
            "on_failure" => Some(LinkKind::OnFailure),
            _ => None,
        }
    }
}

/// One declared dependency of a monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The dependent monitor.
    pub monitor: String,
    /// The monitor it depends on.
    pub upstream: String,
    /// What arms it.
    pub kind: LinkKind,
    /// How long after the upstream's event this monitor must ping.
    pub within: Dur,
}

/// An armed expectation: this monitor must ping (start or end) by `at`, because of an
/// event of `upstream`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expectation {
    /// The deadline.
    pub at: Timestamp,
    /// The upstream monitor's id.
    pub upstream: String,
    /// Its name when the expectation was armed (for the alert).
    pub name: String,
    /// Which event armed it.
    pub kind: LinkKind,
}

/// The dependency edges of a project, to answer graph questions.
#[derive(Debug, Default, Clone)]
pub struct Graph {
    /// monitor → its upstreams, with the kind of each edge.
    up: BTreeMap<String, Vec<(String, LinkKind)>>,
}

impl Graph {
    /// A graph of `links`.
    pub fn new(links: &[Link]) -> Graph {
        let mut g = Graph::default();
        for l in links {
            g.up.entry(l.monitor.clone())
                .or_default()
                .push((l.upstream.clone(), l.kind));
        }
        g
    }

    /// Replaces the upstreams of `monitor` (the settings being saved).
    pub fn set(&mut self, monitor: &str, upstreams: Vec<(String, LinkKind)>) {
        self.up.insert(monitor.to_string(), upstreams);
    }

    /// A cycle through `monitor`, as the list of monitors from it back to it, if the
    /// edges make one (of either kind: a recovery loop would arm itself for ever).
    pub fn cycle_through(&self, monitor: &str) -> Option<Vec<String>> {
        // Depth-first over upstream edges from `monitor`, looking for `monitor`.
        let mut stack: Vec<(String, Vec<String>)> = vec![(monitor.to_string(), vec![])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for (up, _) in self.up.get(&node).map(Vec::as_slice).unwrap_or(&[]) {
                let mut next = path.clone();
                next.push(node.clone());
                if up == monitor {
                    next.push(monitor.to_string());
                    // Upstream order reads backwards; show it in the order work flows.
                    next.reverse();
                    return Some(next);
                }
                if seen.insert(up.clone()) {
                    stack.push((up.clone(), next));
                }
            }
        }
        None
    }

    /// The nearest monitor upstream of `monitor` by `after` edges (transitively) that
    /// `is_down` says is down: while it is, `monitor` is suppressed.
    pub fn down_upstream(&self, monitor: &str, is_down: impl Fn(&str) -> bool) -> Option<String> {
        let mut frontier = vec![monitor.to_string()];
        let mut seen = BTreeSet::new();
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for node in frontier {
                for (up, kind) in self.up.get(&node).map(Vec::as_slice).unwrap_or(&[]) {
                    if *kind != LinkKind::After || !seen.insert(up.clone()) {
                        continue;
                    }
                    if is_down(up) {
                        return Some(up.clone());
                    }
                    next.push(up.clone());
                }
            }
            frontier = next;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(m: &str, up: &str, kind: LinkKind) -> Link {
        Link {
            monitor: m.into(),
            upstream: up.into(),
            kind,
            within: Dur::secs(60),
        }
    }

    #[test]
    fn successes_arm_after_and_downs_arm_on_failure() {
        assert_eq!(LinkKind::armed_by(true, false), Some(LinkKind::After));
        assert_eq!(LinkKind::armed_by(false, true), Some(LinkKind::OnFailure));
        assert_eq!(LinkKind::armed_by(false, false), None);
    }

    #[test]
    fn cycles_are_found_and_named_in_flow_order() {
        let mut g = Graph::new(&[
            link("b", "a", LinkKind::After),
            link("c", "b", LinkKind::After),
        ]);
        assert_eq!(g.cycle_through("c"), None);
        g.set("a", vec![("c".into(), LinkKind::OnFailure)]);
        assert_eq!(g.cycle_through("a").unwrap(), vec!["a", "b", "c", "a"]);
        g.set("a", vec![("a".into(), LinkKind::After)]);
        assert_eq!(g.cycle_through("a").unwrap(), vec!["a", "a"]);
    }

    #[test]
    fn suppression_follows_after_edges_only() {
        let g = Graph::new(&[
            link("b", "a", LinkKind::After),
            link("c", "b", LinkKind::After),
            link("r", "a", LinkKind::OnFailure),
        ]);
        let down = |m: &str| m == "a";
        assert_eq!(g.down_upstream("c", down), Some("a".into()));
        assert_eq!(g.down_upstream("b", down), Some("a".into()));
        assert_eq!(
            g.down_upstream("r", down),
            None,
            "a never suppresses its recovery"
        );
        assert_eq!(g.down_upstream("a", down), None);
    }
}
