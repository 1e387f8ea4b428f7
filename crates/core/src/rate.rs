//! A project's signals per second (docs/security.md, "Limits"): a token bucket that
//! fills at the project's rate and holds [`BURST_SECONDS`] of it, so the top of the
//! hour (every job starting at once) passes and a sustained flood is held to the rate.
//! Pure: the caller passes the time.

use crate::Timestamp;

/// Seconds of the rate a bucket holds: what may arrive at once after a quiet spell.
pub const BURST_SECONDS: u32 = 10;

/// Tokens of one project, in thousandths of a signal (integers: no drift).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    milli: i64,
    at: Timestamp,
}

impl Bucket {
    /// A full bucket for `per_second`, as of `now`.
    pub fn full(per_second: u32, now: Timestamp) -> Bucket {
        Bucket {
            milli: capacity(per_second),
            at: now,
        }
    }

    /// Takes `n` signals at `now` under `per_second`: `Ok` when they may pass (the
    /// tokens are spent), else `Err(seconds)` to wait before so many would (at least 1;
    /// nothing is spent). More than the bucket holds is never admitted at once: the
    /// wait then says when a full bucket would be there.
    pub fn take(&mut self, n: u32, per_second: u32, now: Timestamp) -> Result<(), i64> {
        let cap = capacity(per_second);
        let gained = now
            .since(self.at)
            .max(0)
            .saturating_mul(i64::from(per_second));
        self.milli = self.milli.saturating_add(gained).min(cap);
        self.at = now.max(self.at);
        let need = i64::from(n) * 1_000;
        if need <= self.milli {
            self.milli -= need;
            return Ok(());
        }
        let short = need.min(cap) - self.milli;
        let rate = i64::from(per_second.max(1));
        // Thousandths of a signal per millisecond equal signals per second.
        let wait_ms = (short + rate - 1) / rate;
        Err(((wait_ms + 999) / 1_000).max(1))
    }
}

fn capacity(per_second: u32) -> i64 {
    i64::from(per_second) * i64::from(BURST_SECONDS) * 1_000
}

/// The most signals admitted at once under `per_second`: more in one request are never
/// admitted, and the sender must split them.
pub fn at_once(per_second: u32) -> u64 {
    u64::from(per_second) * u64::from(BURST_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_and_a_flood_is_held_to_the_rate() {
        let t0 = Timestamp(1_000_000);
        let mut b = Bucket::full(100, t0);
        // Ten seconds' worth at once: the top of the hour.
        for _ in 0..1_000 {
            assert!(b.take(1, 100, t0).is_ok());
        }
        assert_eq!(b.take(1, 100, t0), Err(1));
        // A tenth of a second later, ten more.
        let t1 = Timestamp(t0.0 + 100);
        for _ in 0..10 {
            assert!(b.take(1, 100, t1).is_ok());
        }
        assert!(b.take(1, 100, t1).is_err());
        // Over a minute of flooding, about the rate passes.
        let mut passed = 0;
        for ms in (0..60_000).step_by(5) {
            if b.take(1, 100, Timestamp(t1.0 + ms)).is_ok() {
                passed += 1;
            }
        }
        assert!((5_990..=6_000).contains(&passed), "{passed}");
    }

    #[test]
    fn the_wait_says_when_enough_is_there() {
        let t0 = Timestamp(0);
        let mut b = Bucket::full(10, t0);
        assert!(b.take(100, 10, t0).is_ok());
        // 25 signals at 10/s: 2.5 s, said as 3.
        assert_eq!(b.take(25, 10, t0), Err(3));
        // More than a full bucket: when it is full (10 s).
        assert_eq!(b.take(500, 10, t0), Err(10));
        // A clock that steps back spends nothing and gains nothing.
        assert_eq!(b.take(1, 10, Timestamp(-5_000)), Err(1));
        assert!(b.take(10, 10, Timestamp(1_000)).is_ok());
    }

    #[test]
    fn a_lower_rate_caps_what_was_saved() {
        let t0 = Timestamp(0);
        let mut b = Bucket::full(1_000, t0);
        // The operator lowers the rate to 5/s: at most 50 pass at once.
        let mut passed = 0;
        while b.take(1, 5, t0).is_ok() {
            passed += 1;
        }
        assert_eq!(passed, 50);
    }
}
