//! Durations as users write them: seconds (`90`) or text (`"90s"`, `"15m"`, `"2h"`, `"1d"`).

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The shortest period, grace or runtime Overdue accepts.
pub const MIN_DURATION: Dur = Dur(1_000);
/// The longest period, grace or runtime Overdue accepts (365 days).
pub const MAX_DURATION: Dur = Dur(365 * 24 * 3600 * 1_000);

/// A non-negative duration in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Dur(pub i64);

impl Dur {
    /// A duration of whole seconds.
    pub const fn secs(s: i64) -> Dur {
        Dur(s * 1_000)
    }
    /// Milliseconds.
    pub fn millis(self) -> i64 {
        self.0
    }
    /// Whole seconds, rounded down.
    pub fn as_secs(self) -> i64 {
        self.0 / 1_000
    }
    /// The shortest text [`parse_duration`] reads back: `"2h"`, `"90m"`, `"45s"`.
    pub fn to_text(self) -> String {
        let s = self.as_secs();
        for (unit, n) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
            if s >= n && s % n == 0 {
                return format!("{}{unit}", s / n);
            }
        }
        format!("{s}s")
    }
    /// Checks the 1 s ..= 1 year range; `what` names the field in the error.
    pub fn check_range(self, what: &str) -> Result<Dur, DurationError> {
        if self < MIN_DURATION || self > MAX_DURATION {
            return Err(DurationError::OutOfRange {
                what: what.to_string(),
                secs: self.as_secs(),
            });
        }
        Ok(self)
    }
}

/// Why a duration was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DurationError {
    /// Not a number of seconds nor `<number><unit>`.
    #[error(
        "invalid duration {0:?}: use seconds (90) or a number with a unit s, m, h, d, w (\"15m\")"
    )]
    Syntax(String),
    /// Outside 1 second ..= 1 year.
    #[error("{what} must be between 1 second and 365 days, got {secs} s")]
    OutOfRange {
        /// The field that was out of range.
        what: String,
        /// The value given, in seconds.
        secs: i64,
    },
}

/// A length of time in words, to the two largest units: "42 s", "5 min", "1 h 5 min",
/// "2 d 3 h" (reports, the summary e-mail, status pages).
pub fn words(seconds: i64) -> String {
    match seconds.max(0) {
        s if s < 60 => format!("{s} s"),
        s if s < 3_600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h {} min", s / 3_600, s % 3_600 / 60),
        s => format!("{} d {} h", s / 86_400, s % 86_400 / 3_600),
    }
}

/// Parses `"90"`, `"90s"`, `"15m"`, `"2h"`, `"1d"`, `"1w"` or compound `"1h30m"`
/// (the reading shared with the dashboard's forms: `overdue_types::route_form`).
pub fn parse_duration(text: &str) -> Result<Dur, DurationError> {
    overdue_types::route_form::duration_ms(text)
        .map(Dur)
        .ok_or_else(|| DurationError::Syntax(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_seconds_and_units() {
        assert_eq!(parse_duration("90"), Ok(Dur::secs(90)));
        assert_eq!(parse_duration("90s"), Ok(Dur::secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Dur::secs(900)));
        assert_eq!(parse_duration("2h"), Ok(Dur::secs(7200)));
        assert_eq!(parse_duration("1d"), Ok(Dur::secs(86_400)));
        assert_eq!(parse_duration("1h30m"), Ok(Dur::secs(5_400)));
    }

    #[test]
    fn refuses_garbage() {
        for bad in ["", "m", "1x", "1.5h", "h1", "-", "99999999999999999999"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn range_is_one_second_to_one_year() {
        assert!(Dur::secs(1).check_range("grace").is_ok());
        assert!(Dur::secs(365 * 86_400).check_range("grace").is_ok());
        assert!(Dur(999).check_range("grace").is_err());
        assert!(Dur::secs(365 * 86_400 + 1).check_range("period").is_err());
    }

    #[test]
    fn durations_are_never_negative() {
        for text in ["-1", "+5", "-1h", "1h-5m"] {
            assert!(parse_duration(text).is_err(), "{text}");
        }
        assert_eq!(parse_duration("90").unwrap(), Dur(90_000));
    }
}
