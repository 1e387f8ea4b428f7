//! What the dashboard's monitors list shows, as kept in its URL (docs/behaviour.md, "The
//! monitors list"): a text filter, any of several tags, any of several states, a sort
//! column and direction, and a page. Pure, so the rules are tested here and the
//! dashboard only draws them.

use crate::Monitor;

/// Rows on one page of the list: at 1,000 monitors, ten pages.
pub const PAGE_SIZE: usize = 100;

/// The states the list filters and counts by, in the order it shows them (worst first).
pub const STATES: [&str; 6] = ["down", "late", "running", "up", "new", "paused"];

/// The list's view, as kept in the URL's query.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListView {
    /// Text to find in a name, slug or description (any case).
    pub q: String,
    /// Tags: a monitor with any of them is shown (none: every tag).
    pub tags: Vec<String>,
    /// States: a monitor in any of them is shown (none: every state).
    pub states: Vec<String>,
    /// The sort column's key (`status`, `name`, `schedule`, `last_ping`, `next`).
    pub sort: String,
    /// Descending.
    pub desc: bool,
    /// The page shown, from 1.
    pub page: usize,
}

/// Splits a comma-separated query value, dropping empty parts and repeats.
fn list(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if !out.iter().any(|x| x == part) {
            out.push(part.to_string());
        }
    }
    out
}

impl ListView {
    /// Reads the view from the URL's (decoded) query values; `get` answers one key.
    /// Unknown states and a page that is not a number are left out, not refused: a
    /// shared link from an older version still opens the list.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> ListView {
        let value = |k: &str| get(k).unwrap_or_default();
        let sort = value("sort");
        ListView {
            q: value("q"),
            tags: list(&value("tag")),
            states: list(&value("status"))
                .into_iter()
                .filter(|s| STATES.contains(&s.as_str()))
                .collect(),
            sort: if sort.is_empty() {
                "status".into()
            } else {
                sort
            },
            desc: value("dir") == "desc",
            page: value("page").parse().unwrap_or(1).max(1),
        }
    }

    /// The query's (key, value) pairs, values not yet encoded; defaults left out, so
    /// the plain list is `/`.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.q.is_empty() {
            out.push(("q", self.q.clone()));
        }
        if !self.tags.is_empty() {
            out.push(("tag", self.tags.join(",")));
        }
        if !self.states.is_empty() {
            out.push(("status", self.states.join(",")));
        }
        if self.sort != "status" && !self.sort.is_empty() {
            out.push(("sort", self.sort.clone()));
        }
        if self.desc {
            out.push(("dir", "desc".into()));
        }
        if self.page > 1 {
            out.push(("page", self.page.to_string()));
        }
        out
    }

    /// Whether monitor `m` passes the text and tag filters.
    pub fn finds(&self, m: &Monitor) -> bool {
        let q = self.q.trim().to_lowercase();
        (q.is_empty()
            || m.name.to_lowercase().contains(&q)
            || m.slug.as_deref().is_some_and(|s| s.contains(&q))
            || m.description.to_lowercase().contains(&q))
            && (self.tags.is_empty() || m.tags.iter().any(|t| self.tags.contains(t)))
    }

    /// Whether a monitor shown in `state` passes the state filter.
    pub fn takes(&self, state: &str) -> bool {
        self.states.is_empty() || self.states.iter().any(|s| s == state)
    }
}

/// One page of `total` rows: the rows' range and the number of pages. A page past the
/// end shows the last one (a filter narrowed the list under a shared link).
pub fn page_of(page: usize, total: usize) -> (std::ops::Range<usize>, usize) {
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let start = (page - 1) * PAGE_SIZE;
    (start..total.min(start + PAGE_SIZE), pages)
}

/// The pages to offer as links around `page` of `pages`: the first, the last, and two
/// either side of the current one; `None` marks a gap ("…").
pub fn page_links(page: usize, pages: usize) -> Vec<Option<usize>> {
    let mut out = Vec::new();
    for p in 1..=pages {
        let near = p.abs_diff(page) <= 2;
        if p == 1 || p == pages || near {
            out.push(Some(p));
        } else if out.last() != Some(&None) {
            out.push(None);
        }
    }
    out
}

/// Counts per state, in [`STATES`] order, of the `(state, monitor)` pairs given (those
/// that pass the text and tag filters); states with none are left out.
pub fn counts<'a>(states: impl Iterator<Item = &'a str>) -> Vec<(&'static str, usize)> {
    let mut n = [0usize; STATES.len()];
    for s in states {
        if let Some(i) = STATES.iter().position(|x| *x == s) {
            n[i] += 1;
        }
    }
    STATES
        .iter()
        .zip(n)
        .filter(|(_, c)| *c > 0)
        .map(|(s, c)| (*s, c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn view(query: &[(&str, &str)]) -> ListView {
        let map: HashMap<String, String> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ListView::from_query(|k| map.get(k).cloned())
    }

    fn monitor(name: &str, tags: &[&str]) -> Monitor {
        serde_json::from_value(serde_json::json!({
            "id": name, "name": name, "description": "", "tags": tags,
            "schedule": {"kind": "interval", "period": 60}, "grace": 60, "methods": "",
            "manual_resume": false, "down_after": 1, "up_after": 1, "notify_warn": false,
            "severity": "error", "max_failed_children": 0, "resolve_problems": "manual",
            "status": "up", "state": "up", "n_pings": 0, "channels": [], "slug": null,
            "max_runtime": null, "min_runtime": null, "concurrency": null, "down_reason": null,
            "last_ping": null, "next_due": null, "deadline": null, "last_duration": null,
            "created_at": "2026-12-06T00:00:00Z",
        }))
        .unwrap_or_else(|e| panic!("a monitor for the test: {e}"))
    }

    #[test]
    fn several_tags_and_states_come_from_the_url_and_go_back_to_it() {
        let v = view(&[
            ("tag", "prod,db,,prod"),
            ("status", "down,late,bogus"),
            ("page", "3"),
        ]);
        assert_eq!(v.tags, ["prod", "db"]);
        assert_eq!(v.states, ["down", "late"]);
        assert_eq!(v.page, 3);
        assert_eq!(v.sort, "status");
        assert_eq!(
            v.to_pairs(),
            [
                ("tag", "prod,db".to_string()),
                ("status", "down,late".into()),
                ("page", "3".into())
            ]
        );
        // The plain list has no query; a page that is no number is the first.
        assert!(view(&[("page", "x")]).to_pairs().is_empty());
        assert_eq!(view(&[("page", "0")]).page, 1);
    }

    #[test]
    fn a_monitor_with_any_chosen_tag_passes_and_any_chosen_state() {
        let v = view(&[("tag", "prod,db"), ("status", "down,late")]);
        assert!(v.finds(&monitor("backup", &["db", "nightly"])));
        assert!(!v.finds(&monitor("shop", &["shop"])));
        assert!(v.takes("late") && !v.takes("up"));
        let text = view(&[("q", "BACK")]);
        assert!(text.finds(&monitor("Nightly backup", &[])));
        assert!(!text.finds(&monitor("shop", &[])));
    }

    #[test]
    fn a_thousand_rows_are_ten_pages_and_a_page_past_the_end_is_the_last() {
        assert_eq!(page_of(1, 1000), (0..100, 10));
        assert_eq!(page_of(10, 1000), (900..1000, 10));
        assert_eq!(page_of(12, 1000), (900..1000, 10));
        assert_eq!(page_of(1, 0), (0..0, 1));
        assert_eq!(page_of(2, 150), (100..150, 2));
        assert_eq!(
            page_links(5, 10),
            [
                Some(1),
                None,
                Some(3),
                Some(4),
                Some(5),
                Some(6),
                Some(7),
                None,
                Some(10)
            ]
        );
        assert_eq!(page_links(1, 2), [Some(1), Some(2)]);
    }

    #[test]
    fn counts_go_worst_first_and_leave_out_empty_states() {
        let c = counts(["up", "down", "up", "late", "weird"].into_iter());
        assert_eq!(c, [("down", 1), ("late", 1), ("up", 2)]);
    }
}
