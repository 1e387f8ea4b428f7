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

mod explain;
mod last_weekday;
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
    /// A cron "wildcard job": its minute or hour field begins with `*` (cronie's
    /// `MIN_STAR`/`HR_STAR`), scheduled by the wall clock as it runs (see `instants`).
    wild: bool,
    /// Day of month `LW` (the last weekday of the month, as Healthchecks reads it): the
    /// pattern holds the candidates (the 26th-31st, Monday to Friday) and `next_of`
    /// keeps the one that is the month's last weekday.
    last_weekday: bool,
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

/// A cron expression's fields and where its minute field is (0, or 1 after seconds);
/// `None` for macros (`@daily`) and what is not 5 or 6 fields. The day of month is at
/// offset + 2, the day of week at offset + 4.
fn cron_fields(expr: &str) -> Option<(Vec<&str>, usize)> {
    let f: Vec<&str> = expr.split_whitespace().collect();
    match f.len() {
        5 => Some((f, 0)),
        6 => Some((f, 1)),
        _ => None,
    }
}

/// Whether a cron expression is a "wildcard job" (cronie, `cron.c`): its minute or hour
/// field begins with `*`. Macros (`@hourly`) are not: cronie gives them fixed fields.
fn time_fields_wild(expr: &str) -> bool {
    cron_fields(expr).is_some_and(|(f, o)| f[o].starts_with('*') || f[o + 1].starts_with('*'))
}

/// Whether cron combines the day-of-month and day-of-week fields with AND: Vixie cron
/// and cronie (`DOM_STAR`/`DOW_STAR` in `entry.c`, the test in `cron.c`) do so when
/// either field *begins* with `*` — `*`, `*/2`, `*/14` count as unrestricted, so the
/// other field alone decides —, and use OR only when neither does (`1,15 * MON`: the
/// 1st, the 15th and every Monday). Macros (`@daily`) have no such fields.
fn day_fields_and(expr: &str) -> bool {
    cron_fields(expr).is_some_and(|(f, o)| f[o + 2].starts_with('*') || f[o + 4].starts_with('*'))
}

impl CronSchedule {
    /// Parses a 5-field cron expression (or 6 with seconds, or `@daily` style) in `tz`.
    pub fn parse(expr: &str, tz: &str) -> Result<CronSchedule, ScheduleError> {
        let tz: Tz = tz
            .parse()
            .map_err(|_| ScheduleError::Timezone(tz.to_string()))?;
        let trimmed = expr.trim();
        let (pattern, last_weekday) =
            last_weekday::candidates(trimmed).map_err(|reason| ScheduleError::Cron {
                expr: expr.to_string(),
                reason,
            })?;
        let parsed = if day_fields_and(&pattern) {
            Cron::new(&pattern)
                .with_seconds_optional()
                .with_dom_and_dow()
                .parse()
        } else {
            Cron::new(&pattern).with_seconds_optional().parse()
        };
        let (crons, oncalendar) = match parsed {
            Ok(cron) => (vec![cron], false),
            Err(e) if !oncalendar::looks_like(trimmed) => {
                // The field and what it takes, where the fields tell; else the parser's.
                return Err(ScheduleError::Cron {
                    expr: expr.to_string(),
                    reason: explain::cron_problem(trimmed).unwrap_or_else(|| e.to_string()),
                });
            }
            Err(_) => (Self::parse_oncalendar(expr, trimmed)?, true),
        };
        let schedule = CronSchedule {
            expr: trimmed.to_string(),
            tz,
            crons,
            oncalendar,
            wild: !oncalendar && time_fields_wild(trimmed),
            last_weekday,
        };
        // Refuse expressions that cannot fire (`0 0 30 2 *`) now rather than at the
        // first ping. Weekdays fall on the same dates every 28 years (1901-2099), so 29
        // years from 1970 cover every pattern of date, weekday and leap day that fires
        // at all (`Sun *-03-02` fires in 2031, 2036, 2042: seldom, yet systemd runs it).
        let probe = Timestamp(0);
        match schedule.next_after(probe) {
            Some(t) if t.since(probe) <= 29 * 366 * 86_400_000 => Ok(schedule),
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

    /// A moment the user names to preview from: RFC 3339 (`2027-03-27T12:00:00Z`), or a
    /// wall-clock day or time in the schedule's zone (`2027-03-28`, `2027-03-28T01:30`);
    /// a wall time the spring change skips is read as the change. `None` if it is none.
    pub fn moment(&self, text: &str) -> Option<Timestamp> {
        let text = text.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Some(Timestamp::from_datetime(&t));
        }
        let local = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .or_else(|| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").ok())
            .or_else(|| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").ok())?;
        (0..=24 * 60)
            .find_map(|m| {
                self.tz
                    .from_local_datetime(&(local + chrono::Duration::minutes(m)))
                    .earliest()
            })
            .map(|t| Timestamp::from_datetime(&t))
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
        // Where `t` falls in a repeated hour, the instant of its second pass, if it is in it.
        let mut second_pass = None;
        if let LocalResult::Ambiguous(first, second) = self.tz.from_local_datetime(&cursor) {
            // In the first pass, a wildcard job's second passes of the wall times already
            // shown are still ahead: start the search a fold earlier.
            if self.wild && first == instant {
                cursor -= second.signed_duration_since(first);
            }
            if second == instant {
                second_pass = Some(second);
            }
        }
        // Local wall times matching the expression, in order, each mapped to its instants.
        // Within a repeated autumn hour a later wall time can fire before an earlier one's
        // second pass, so after a second pass the search goes on until a wall time's
        // first instant is past the best found (first instants grow with wall time).
        let mut best: Option<DateTime<Tz>> = None;
        for _ in 0..10_000 {
            let fake = Utc.from_utc_datetime(&cursor);
            let next_local = cron.find_next_occurrence(&fake, false).ok()?.naive_utc();
            if self.last_weekday && !last_weekday::is_last_weekday(next_local.date()) {
                // Not the month's last weekday: on to the end of that day.
                cursor = next_local.date().and_hms_opt(23, 59, 59)?;
                continue;
            }
            let found = self.instants(next_local, second_pass);
            if let (Some(b), Some(first)) = (best, found.first()) {
                if *first > b {
                    break;
                }
            }
            let mut first_pass = false;
            for (i, real) in found.into_iter().enumerate() {
                if real > instant && best.is_none_or(|b| real < b) {
                    best = Some(real);
                    first_pass = i == 0;
                }
            }
            // A first instant is never beaten by a later wall time: done.
            if first_pass {
                break;
            }
            cursor = next_local;
        }
        best.map(|b| Timestamp::from_datetime(&b))
    }

    /// The instants a matching local wall time fires at, in order (docs/behaviour.md,
    /// "Cron and DST"). systemd (`OnCalendar`): a time the spring change skips does not
    /// fire; a repeated one fires once, at its first pass. Cron, as cronie's `cron.c`
    /// runs it: a wildcard job follows the wall clock — nothing in the gap, both passes
    /// of a repeated hour; any other job fires at the change for a skipped time and once
    /// for a repeated one. systemd goes on in the second pass when the search starts in
    /// it (`from_second`, the start): it keeps the offset it started with.
    fn instants(
        &self,
        local: NaiveDateTime,
        from_second: Option<DateTime<Tz>>,
    ) -> Vec<DateTime<Tz>> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => vec![t],
            LocalResult::Ambiguous(first, second) if self.wild => vec![first, second],
            // The same repeated hour as the start (less than a fold after it).
            LocalResult::Ambiguous(first, second)
                if self.oncalendar && from_second.is_some_and(|s| second - s < second - first) =>
            {
                vec![second]
            }
            LocalResult::Ambiguous(first, _) => vec![first],
            LocalResult::None if self.wild || self.oncalendar => Vec::new(),
            // The end of the gap: the first valid local minute after it (gaps are whole
            // minutes in every real zone).
            LocalResult::None => {
                let start = local
                    .with_second(0)
                    .and_then(|l| l.with_nanosecond(0))
                    .unwrap_or(local);
                (1..=24 * 60)
                    .find_map(|m| {
                        let probe = start + chrono::Duration::minutes(m);
                        self.tz.from_local_datetime(&probe).earliest()
                    })
                    .into_iter()
                    .collect()
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

    /// The next run people should expect at `now` (docs/behaviour.md, "Uptime" and
    /// "States and runs"): the stored due time while it is ahead; once it passed (a
    /// failure, a hang, a missed run), a cron or calendar schedule's next time after
    /// `now`, or for an interval the last ping plus the period while that is ahead.
    /// `None` while paused, or when nothing tells (an interval overdue for its ping).
    pub fn next_expected(
        &self,
        paused: bool,
        next_due: Option<Timestamp>,
        last_ping: Option<Timestamp>,
        now: Timestamp,
    ) -> Option<Timestamp> {
        if paused {
            return None;
        }
        if let Some(due) = next_due.filter(|d| *d > now) {
            return Some(due);
        }
        match self {
            Schedule::Cron(c) => c.next_after(now),
            Schedule::Interval { period } => {
                last_ping.map(|l| l.plus(*period)).filter(|d| *d > now)
            }
            Schedule::None => None,
        }
    }
}

#[cfg(test)]
mod tests;
