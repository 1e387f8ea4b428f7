//! A monitor's status over time, as the timeline on its page draws it
//! (docs/behaviour.md, "Dashboard"): the status changes turned into spans — each state
//! from one change to the next, the last until now — and how long each state lasted in
//! all. Times are milliseconds; the dashboard reads them from the changes' RFC 3339
//! times.

/// One span of a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Its state (`up`, `down`, `late`, `paused`, …).
    pub state: String,
    /// From (ms).
    pub from: i64,
    /// To (ms): the next change, or now.
    pub to: i64,
    /// Why it went down, when it did.
    pub reason: Option<String>,
}

/// The spans of `changes` — `(at, to, reason)`, in any order — up to `now`, oldest
/// first. A change later than `now` (clocks differ) ends at `now`.
pub fn spans(changes: &[(i64, String, Option<String>)], now: i64) -> Vec<Span> {
    let mut sorted: Vec<&(i64, String, Option<String>)> = changes.iter().collect();
    sorted.sort_by_key(|c| c.0);
    let mut out: Vec<Span> = Vec::with_capacity(sorted.len());
    for (i, (at, to, reason)) in sorted.iter().enumerate() {
        let from = (*at).min(now);
        let end = sorted.get(i + 1).map_or(now, |n| n.0).min(now).max(from);
        out.push(Span {
            state: to.clone(),
            from,
            to: end,
            reason: reason.clone(),
        });
    }
    out
}

/// How long each state lasted over `spans`, longest first: `(state, ms)`.
pub fn totals(spans: &[Span]) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    for s in spans {
        let ms = s.to - s.from;
        match out.iter_mut().find(|(st, _)| *st == s.state) {
            Some((_, t)) => *t += ms,
            None => out.push((s.state.clone(), ms)),
        }
    }
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(at: i64, to: &str) -> (i64, String, Option<String>) {
        (at, to.to_string(), None)
    }

    #[test]
    fn changes_become_spans_until_now() {
        // Newest first, as the API lists them.
        let changes = [c(300, "up"), c(200, "down"), c(100, "up")];
        let s = spans(&changes, 1_000);
        assert_eq!(
            s.iter()
                .map(|s| (s.state.as_str(), s.from, s.to))
                .collect::<Vec<_>>(),
            [("up", 100, 200), ("down", 200, 300), ("up", 300, 1_000)]
        );
        assert_eq!(
            totals(&s),
            [("up".to_string(), 800), ("down".to_string(), 100)]
        );
        assert!(spans(&[], 5).is_empty());
        // A change stamped after now (another clock) is a point, not a negative span.
        let ahead = spans(&[c(100, "up"), c(2_000, "down")], 1_000);
        assert_eq!((ahead[1].from, ahead[1].to), (1_000, 1_000));
        assert_eq!(ahead[0].to, 1_000);
    }
}
