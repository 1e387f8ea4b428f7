//! The figures drawn over a monitor's run durations (docs/behaviour.md, "Dashboard"):
//! the median and 95th percentile of the finished runs shown, by nearest rank — the
//! smallest duration that at least that share of the runs took no longer than — so
//! each line is the duration of a real run, also with a single run.

/// The `p`th percentile (0–100) of `values` by nearest rank; `None` when there are
/// none.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[7.0], 50.0), Some(7.0));
        assert_eq!(percentile(&[7.0], 95.0), Some(7.0));
        let runs = [5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(percentile(&runs, 50.0), Some(3.0));
        assert_eq!(percentile(&runs, 95.0), Some(5.0));
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&twenty, 95.0), Some(19.0));
        assert_eq!(percentile(&twenty, 50.0), Some(10.0));
    }
}
