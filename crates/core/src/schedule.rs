//! When a monitor is next due: fixed intervals or cron expressions in an IANA timezone.
//!
//! Cron matching runs on *local wall-clock time* (croner evaluated on a naive "fake UTC"
//! clock), and the mapping back to real instants is ours, so DST follows cron's rules:
//! a local time skipped by the spring change fires at the end of the gap (the instant the
//! clocks jump), and a local time repeated by the autumn change fires once (at its first
//! occurrence).

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
pub use chrono_tz::Tz;
use croner::Cron;
use thiserror::Error;

use crate::{Dur, Timestamp};

/// A monitor's expectation of when it pings.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// Due `period` after the last success.
    Interval {
        /// Time between expected successes.
        period: Dur,
    },
    /// Due at the next cron time after the last success (boxed: a parsed expression is
    /// large and most monitors are intervals).
    Cron(Box<CronSchedule>),
    /// No due time of its own: only events make it expected (a chain, whose runs are
    /// opened and closed by its members).
    None,
}

pub mod oncalendar;
pub mod words;

/// A parsed cron expression — or systemd `OnCalendar` events, one per line — bound to
/// a timezone.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    expr: String,
    tz: Tz,
    /// One pattern for cron; one per line for `OnCalendar` (due at the earliest).
    crons: Vec<Cron>,
    /// Written as systemd `OnCalendar` events.
    oncalendar: bool,
}

/// Why a schedule was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ScheduleError {
    /// The cron expression did not parse.
    #[error("invalid cron expression {expr:?}: {reason}")]
    Cron {
        /// The expression as given.
        expr: String,
        /// What the parser said.
        reason: String,
    },
    /// The timezone is not an IANA name.
    #[error("invalid timezone {0:?}: use an IANA name such as \"UTC\" or \"Europe/Riga\"")]
    Timezone(String),
    /// The systemd `OnCalendar` events did not parse.
    #[error("invalid OnCalendar expression {expr:?}: {reason}")]
    OnCalendar {
        /// The expression as given.
        expr: String,
        /// What is wrong and what to write.
        reason: String,
    },
    /// The expression never fires (e.g. 30 February).
    #[error("cron expression {0:?} never fires")]
    NeverFires(String),
}

impl CronSchedule {
    /// Parses a 5-field cron expression (or 6 with seconds, or `@daily` style) in `tz`.
    pub fn parse(expr: &str, tz: &str) -> Result<CronSchedule, ScheduleError> {
        let tz: Tz = tz
            .parse()
            .map_err(|_| ScheduleError::Timezone(tz.to_string()))?;
        let trimmed = expr.trim();
        let (crons, oncalendar) = match Cron::new(trimmed).with_seconds_optional().parse() {
            Ok(cron) => (vec![cron], false),
            Err(e) if !oncalendar::looks_like(trimmed) => {
                return Err(ScheduleError::Cron {
                    expr: expr.to_string(),
                    reason: e.to_string(),
                })
            }
            Err(_) => (Self::parse_oncalendar(expr, trimmed)?, true),
        };
        let schedule = CronSchedule {
            expr: trimmed.to_string(),
            tz,
            crons,
            oncalendar,
        };
        // Refuse expressions that cannot fire (`0 0 30 2 *`) now rather than at the
        // first ping; four years covers every leap-day pattern.
        let probe = Timestamp(0);
        match schedule.next_after(probe) {
            Some(t) if t.since(probe) <= 5 * 366 * 86_400_000 => Ok(schedule),
            _ => Err(ScheduleError::NeverFires(expr.to_string())),
        }
    }

    /// systemd `OnCalendar` events, one per line, each translated to a pattern with
    /// the weekday and the day of month both required (systemd's rule).
    fn parse_oncalendar(expr: &str, trimmed: &str) -> Result<Vec<Cron>, ScheduleError> {
        let bad = |reason: String| ScheduleError::OnCalendar {
            expr: expr.to_string(),
            reason,
        };
        let lines: Vec<&str> = trimmed.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.len() > 10 {
            return Err(bad("give at most 10 calendar events, one per line".into()));
        }
        lines
            .into_iter()
            .map(|line| {
                let pattern = oncalendar::to_cron(line).map_err(&bad)?;
                Cron::new(&pattern)
                    .with_seconds_required()
                    .with_dom_and_dow()
                    .parse()
                    .map_err(|e| bad(format!("{line:?}: {e}")))
            })
            .collect()
    }

    /// Whether it was written as systemd `OnCalendar` events.
    pub fn is_oncalendar(&self) -> bool {
        self.oncalendar
    }

    /// The expression as given (trimmed).
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// The IANA timezone name.
    pub fn tz_name(&self) -> &str {
        self.tz.name()
    }

    /// The timezone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The next `n` fire times after `t` (fewer if it stops firing).
    pub fn upcoming(&self, t: Timestamp, n: usize) -> Vec<Timestamp> {
        let mut out = Vec::with_capacity(n);
        let mut at = t;
        while out.len() < n {
            match self.next_after(at) {
                Some(next) => {
                    out.push(next);
                    at = next;
                }
                None => break,
            }
        }
        out
    }

    /// The first fire time strictly after `t`, or `None` if it never fires again.
    pub fn next_after(&self, t: Timestamp) -> Option<Timestamp> {
        self.crons.iter().filter_map(|c| self.next_of(c, t)).min()
    }

    /// The first fire time of one pattern strictly after `t`.
    fn next_of(&self, cron: &Cron, t: Timestamp) -> Option<Timestamp> {
        let instant = t.to_utc();
        let mut cursor: NaiveDateTime = instant.with_timezone(&self.tz).naive_local();
        // Each candidate is the next local wall time matching the expression; it may map
        // to an instant at or before `t` (the repeated autumn hour), so keep going. A
        // handful of iterations covers any DST transition.
        for _ in 0..10_000 {
            let fake = Utc.from_utc_datetime(&cursor);
            let next_local = cron.find_next_occurrence(&fake, false).ok()?.naive_utc();
            let real = self.to_instant(next_local)?;
            if real > instant {
                return Some(Timestamp::from_datetime(&real));
            }
            cursor = next_local;
        }
        None
    }

    /// Maps a local wall time to an instant with cron's DST rules.
    fn to_instant(&self, local: NaiveDateTime) -> Option<DateTime<Tz>> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => Some(t),
            // Repeated by the autumn change: the first occurrence only.
            LocalResult::Ambiguous(first, _) => Some(first),
            // Skipped by the spring change: the end of the gap, i.e. the first valid local
            // minute after it (gaps are whole minutes in every real zone).
            LocalResult::None => {
                let start = local
                    .with_second(0)
                    .and_then(|l| l.with_nanosecond(0))
                    .unwrap_or(local);
                (1..=24 * 60).find_map(|m| {
                    let probe = start + chrono::Duration::minutes(m);
                    self.tz.from_local_datetime(&probe).earliest()
                })
            }
        }
    }
}

use chrono::Timelike;

impl Schedule {
    /// An interval schedule after checking the 1 s ..= 1 year range.
    pub fn interval(period: Dur) -> Result<Schedule, crate::DurationError> {
        Ok(Schedule::Interval {
            period: period.check_range("period")?,
        })
    }

    /// A cron schedule: `expr` in IANA timezone `tz`.
    pub fn cron(expr: &str, tz: &str) -> Result<Schedule, ScheduleError> {
        CronSchedule::parse(expr, tz).map(|c| Schedule::Cron(Box::new(c)))
    }

    /// When the monitor is due after a success at `last_success`.
    pub fn next_due(&self, last_success: Timestamp) -> Option<Timestamp> {
        match self {
            Schedule::Interval { period } => Some(last_success.plus(*period)),
            Schedule::Cron(c) => c.next_after(last_success),
            Schedule::None => None,
        }
    }
}

#[cfg(test)]
mod tests;
