//! Time in stage as a histogram, and the aggregate rule of a stage (docs/behaviour.md,
//! "Flows (entity SLAs)"). Times
//! are counted in log-spaced bins (four per doubling, from one second), so percentiles
//! over a day come from a few hundred counters per stage — never from sorting
//! entities. A stage's aggregate fires when more than `count` entities (or more than
//! `percent` % of those that entered the stage) breached within `window`.

use serde::{Deserialize, Serialize};

use super::FlowError;

/// Bins per doubling of the time.
const PER_DOUBLING: f64 = 4.0;
/// The last bin (about 2^40 s: beyond any SLA).
pub const MAX_BIN: i64 = 160;

/// The bin of a time in a stage (ms).
pub fn bin_of(ms: i64) -> i64 {
    let s = (ms.max(0) as f64) / 1_000.0;
    if s < 1.0 {
        return 0;
    }
    ((s.log2() * PER_DOUBLING).floor() as i64 + 1).clamp(1, MAX_BIN)
}

/// The upper bound of bin `b` (ms): what a percentile falling in it reports.
pub fn bin_upper(b: i64) -> i64 {
    if b <= 0 {
        return 1_000;
    }
    (2f64.powf(b as f64 / PER_DOUBLING) * 1_000.0).round() as i64
}

/// The `p`-th percentile (0-100) of binned times (bin, count), or `None` when empty.
pub fn percentile(bins: &[(i64, i64)], p: f64) -> Option<i64> {
    let total: i64 = bins.iter().map(|(_, n)| *n).sum();
    if total <= 0 {
        return None;
    }
    let mut sorted: Vec<(i64, i64)> = bins.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * total as f64).ceil().max(1.0) as i64;
    let mut seen = 0;
    for (b, n) in sorted {
        seen += n;
        if seen >= rank {
            return Some(bin_upper(b));
        }
    }
    None
}

/// A stage's aggregate: one alert for the stage instead of one per entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aggregate {
    /// More than this many breaches in the window…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// …or more than this percentage of the entities that entered the stage in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// The window (ms).
    pub window_ms: i64,
}

/// Breaches and entries of a stage within a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Entities that breached.
    pub breached: i64,
    /// Entities that entered.
    pub entered: i64,
}

impl Aggregate {
    /// Checks: a count or a percentage (0-100], a window of 1 minute to 1 day.
    pub fn validate(&self, field: &str) -> Result<(), FlowError> {
        if self.count.is_none() && self.percent.is_none() {
            return Err(FlowError::Invalid(format!(
                "{field}: give count (more than N breaches) or percent (of the entities that entered), or both"
            )));
        }
        if self.count.is_some_and(|c| c < 1) {
            return Err(FlowError::Invalid(format!(
                "{field}.count must be at least 1"
            )));
        }
        if self.percent.is_some_and(|p| !(p > 0.0 && p <= 100.0)) {
            return Err(FlowError::Invalid(format!(
                "{field}.percent must be more than 0 and at most 100"
            )));
        }
        if !(60_000..=86_400_000).contains(&self.window_ms) {
            return Err(FlowError::Invalid(format!(
                "{field}.window must be between 1 minute and 1 day"
            )));
        }
        Ok(())
    }

    /// Whether these counts are over the threshold.
    pub fn over(&self, s: Stats) -> bool {
        let by_count = self.count.is_some_and(|c| s.breached > c);
        let by_share = self
            .percent
            .is_some_and(|p| s.entered > 0 && (s.breached as f64) * 100.0 > p * s.entered as f64);
        by_count || by_share
    }

    /// The threshold in words: `more than 50 (or 2 % of entries) in 15m`.
    pub fn words(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = self.count {
            parts.push(format!("more than {c}"));
        }
        if let Some(p) = self.percent {
            parts.push(format!("more than {p} % of entries"));
        }
        format!("{} in {}", parts.join(" or "), super::human(self.window_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_log_spaced_and_percentiles_come_from_them() {
        assert_eq!(bin_of(500), 0);
        assert_eq!(bin_of(1_000), 1);
        assert!(bin_of(3_600_000) > bin_of(1_800_000));
        // Every time is at most its bin's upper bound, within a fifth above it.
        for ms in [1_500, 61_000, 3_600_000, 86_400_000] {
            let up = bin_upper(bin_of(ms));
            assert!(up >= ms && (up as f64) < ms as f64 * 1.2, "{ms} -> {up}");
        }
        let mut bins = vec![(bin_of(60_000), 90), (bin_of(3_600_000), 10)];
        assert_eq!(percentile(&bins, 50.0), Some(bin_upper(bin_of(60_000))));
        assert_eq!(percentile(&bins, 95.0), Some(bin_upper(bin_of(3_600_000))));
        bins.clear();
        assert_eq!(percentile(&bins, 50.0), None);
    }

    #[test]
    fn aggregates_fire_on_a_count_or_a_share() {
        let a = Aggregate {
            count: Some(50),
            percent: Some(2.0),
            window_ms: 900_000,
        };
        assert_eq!(a.validate("stages[1].aggregate"), Ok(()));
        assert!(!a.over(Stats {
            breached: 50,
            entered: 10_000
        }));
        assert!(a.over(Stats {
            breached: 51,
            entered: 10_000
        }));
        assert!(
            a.over(Stats {
                breached: 5,
                entered: 100
            }),
            "5 % of 100"
        );
        assert!(!a.over(Stats {
            breached: 2,
            entered: 100
        }));
        assert_eq!(a.words(), "more than 50 or more than 2 % of entries in 15m");
        let none = Aggregate {
            count: None,
            percent: None,
            window_ms: 900_000,
        };
        assert!(none.validate("x").is_err());
        let short = Aggregate {
            count: Some(1),
            percent: None,
            window_ms: 1_000,
        };
        assert!(short
            .validate("x")
            .unwrap_err()
            .to_string()
            .contains("between 1 minute"));
    }
}
