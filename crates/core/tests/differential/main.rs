//! Differential tests of the schedules against the real schedulers (docs/behaviour.md,
//! "Cron and DST"): Debian's cron (runs recorded by `tools/cron_fixtures.py`),
//! `systemd-analyze calendar` for `OnCalendar`, and Healthchecks' `cronsim` for the
//! `L`, `W` and `#` that cron refuses. Each prints how many expressions disagree, which
//! must be 0.
//!
//! The live tools must be installed where `CI` is set (`.ci/run` installs them); on a
//! developer's machine without them, that comparison says so and is left out.

mod cron;
mod cronsim;
mod gen;
mod systemd;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Whether a missing tool fails the test (CI) rather than leaving the comparison out.
fn required() -> bool {
    std::env::var_os("CI").is_some()
}

/// The instants in `year` where `zone`'s UTC offset changes (to the minute).
fn transitions(zone: Tz, year: i32) -> Vec<DateTime<Utc>> {
    use chrono::Offset;
    let offset = |t: DateTime<Utc>| t.with_timezone(&zone).offset().fix();
    let mut out = Vec::new();
    let mut t = Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0).unwrap();
    while t < end {
        let next = t + chrono::Duration::hours(1);
        if offset(next) != offset(t) {
            let mut m = t;
            while offset(m) == offset(t) {
                m += chrono::Duration::minutes(1);
            }
            out.push(m);
        }
        t = next;
    }
    out
}

/// The zones compared: one-hour changes at night (Berlin, New York), a 30-minute change
/// (Lord Howe), changes at midnight (Santiago), none (Kolkata, UTC).
const ZONES: [&str; 6] = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kolkata",
    "UTC",
];

/// Base times for `zone`: around each 2027 transition (a day, three hours and ten
/// minutes before, and during), or through the year where it has none.
fn base_times(zone: Tz) -> Vec<DateTime<Utc>> {
    let changes = transitions(zone, 2027);
    let mut out = Vec::new();
    if changes.is_empty() {
        for month in [1, 2, 6, 12] {
            out.push(Utc.with_ymd_and_hms(2027, month, 27, 21, 17, 0).unwrap());
        }
        out.push(Utc.with_ymd_and_hms(2028, 2, 28, 12, 0, 0).unwrap());
    }
    for c in changes {
        for minutes in [-24 * 60, -180, -10, 10] {
            out.push(c + chrono::Duration::minutes(minutes));
        }
    }
    out
}
