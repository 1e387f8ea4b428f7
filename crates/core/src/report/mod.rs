//! Reports (docs/behaviour.md, "Reports"): counters kept as alerts happen, per subject
//! (a monitor, a flow), 15-minute bucket and metric, so that days in any zone add up
//! (every zone's offset is a multiple of 15 minutes) and a report reads a few counters,
//! never pings or alerts. Durations go into the log-spaced bins flows use for time in
//! stage ([`crate::flow::stats::bin_of`]): a percentile is the upper bound of its bin,
//! within a quarter of a doubling (about 19 %).

pub mod availability;
mod figures;
pub mod flow_figures;
pub mod mail;
pub mod rollup;
#[cfg(test)]
mod tests;

pub use figures::{alerts, noisiest, out_of_hours, response, units};

use chrono::{Datelike, NaiveDate, TimeZone};

use crate::flow::stats::bin_of;

/// A counter's time bucket (ms).
pub const BUCKET_MS: i64 = 15 * 60_000;

/// The bucket instant `ms` falls in.
pub fn bucket_of(ms: i64) -> i64 {
    ms - ms.rem_euclid(BUCKET_MS)
}

/// What a counter counts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// An alert opened, with its reason ([`reason_of`]) and severity.
    Alert {
        /// Its reason.
        reason: String,
        /// Its severity.
        severity: String,
    },
    /// An alert acknowledged (for the first time) this long after it opened (bin).
    Ack(i64),
    /// An alert resolved this long after it opened (bin).
    Fix(i64),
    /// A down alert resolved within an hour of opening.
    Flap,
    /// A reminder sent about an alert still open.
    Reminder,
    /// A message announcing a new alert to this channel.
    Page(String),
    /// An acknowledgement by this person or key.
    AckBy(String),
    /// A message quiet hours held back this long (bin).
    Held(i64),
    /// A unit of this kind got a problem (an occurrence opened).
    Unit(String),
    /// A problem of a unit of this kind resolved.
    UnitFixed(String),
    /// The time those took, summed (ms): the counter's `n` is milliseconds.
    UnitFixMs(String),
    /// A monitor's time down in the bucket (ms), counted when the down span ends
    /// ([`availability::spread`]).
    DownMs,
    /// A monitor's time paused in the bucket (ms), counted when it resumes.
    PausedMs,
}

impl Metric {
    /// An acknowledgement `ms` after opening.
    pub fn ack_after(ms: i64) -> Metric {
        Metric::Ack(bin_of(ms))
    }

    /// A resolution `ms` after opening.
    pub fn fix_after(ms: i64) -> Metric {
        Metric::Fix(bin_of(ms))
    }

    /// A message held back for `ms`.
    pub fn held_for(ms: i64) -> Metric {
        Metric::Held(bin_of(ms))
    }

    /// Its stored form (free text last, so it may hold `|`).
    pub fn key(&self) -> String {
        match self {
            Metric::Alert { reason, severity } => format!("alert|{reason}|{severity}"),
            Metric::Ack(b) => format!("ack|{b}"),
            Metric::Fix(b) => format!("fix|{b}"),
            Metric::Flap => "flap".into(),
            Metric::Reminder => "remind".into(),
            Metric::Page(c) => format!("page|{c}"),
            Metric::AckBy(w) => format!("ackby|{w}"),
            Metric::Held(b) => format!("held|{b}"),
            Metric::Unit(k) => format!("unit|{k}"),
            Metric::UnitFixed(k) => format!("unitfix|{k}"),
            Metric::UnitFixMs(k) => format!("unitms|{k}"),
            Metric::DownMs => "downms".into(),
            Metric::PausedMs => "pausedms".into(),
        }
    }

    /// Reads a stored form; `None` for one this version does not know.
    pub fn parse(text: &str) -> Option<Metric> {
        let (head, rest) = text.split_once('|').unwrap_or((text, ""));
        let bin = || rest.parse::<i64>().ok();
        Some(match head {
            "alert" => {
                let (reason, severity) = rest.split_once('|')?;
                Metric::Alert {
                    reason: reason.into(),
                    severity: severity.into(),
                }
            }
            "ack" => Metric::Ack(bin()?),
            "fix" => Metric::Fix(bin()?),
            "flap" => Metric::Flap,
            "remind" => Metric::Reminder,
            "page" => Metric::Page(rest.into()),
            "ackby" => Metric::AckBy(rest.into()),
            "held" => Metric::Held(bin()?),
            "unit" => Metric::Unit(rest.into()),
            "unitfix" => Metric::UnitFixed(rest.into()),
            "unitms" => Metric::UnitFixMs(rest.into()),
            "downms" => Metric::DownMs,
            "pausedms" => Metric::PausedMs,
            _ => return None,
        })
    }
}

/// One counter as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// A monitor's id, `flow:<id>`, or empty (about no monitor: a failing channel).
    pub subject: String,
    /// Its bucket's start (ms).
    pub bucket: i64,
    /// Its metric's stored form.
    pub metric: String,
    /// The count (or the sum, for sums).
    pub n: i64,
}

/// The reason an alert counts under: the alert's kind, and for a monitor's down alert
/// its down reason (`missed_after`, `incomplete` and `chain_deadline` count as
/// `missed`; a run that hung in a named step as `step`). `None`: not counted (a
/// channel test).
pub fn reason_of(kind: &str, down_reason: Option<&str>, in_step: bool) -> Option<&'static str> {
    Some(match kind {
        "down" => match down_reason.unwrap_or("missed") {
            "failed" => "failed",
            "hung" if in_step => "step",
            "hung" => "hung",
            "stalled" => "stall",
            "too_short" => "too_short",
            _ => "missed",
        },
        "problem" => "problem",
        "flow" => "breach",
        "channel" => "channel",
        "event" => "event",
        _ => return None,
    })
}

/// A unit's kind: its key's prefix before `:` (`invoice:981` → `invoice`), `(none)`
/// when it has none.
pub fn unit_kind(key: &str) -> String {
    match key.split_once(':') {
        Some((kind, _)) if !kind.trim().is_empty() => kind.trim().chars().take(64).collect(),
        _ => "(none)".into(),
    }
}

/// What a report is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole project.
    Project,
    /// Monitors with this tag (now).
    Tag(String),
    /// One monitor (its id or slug, as given).
    Monitor(String),
    /// One flow (its id or name, as given).
    Flow(String),
}

impl Scope {
    /// Reads `project`, `tag:<name>`, `monitor:<id>`, `flow:<id>`.
    pub fn parse(text: &str) -> Result<Scope, String> {
        let text = text.trim();
        if text.is_empty() || text == "project" {
            return Ok(Scope::Project);
        }
        let bad =
            || format!("scope {text:?} is not one of project, tag:<name>, monitor:<id>, flow:<id>");
        let (kind, what) = text.split_once(':').ok_or_else(bad)?;
        let what = what.trim().to_string();
        if what.is_empty() {
            return Err(bad());
        }
        match kind {
            "tag" => Ok(Scope::Tag(what)),
            "monitor" => Ok(Scope::Monitor(what)),
            "flow" => Ok(Scope::Flow(what)),
            _ => Err(bad()),
        }
    }
}

/// A report's period (ms, bucket-aligned): `[from, to)`, and the period before it
/// `[previous_from, from)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Start.
    pub from: i64,
    /// End.
    pub to: i64,
    /// Start of the period before.
    pub previous_from: i64,
}

/// How a period is asked for.
#[derive(Debug, Clone, Default)]
pub struct PeriodAsk<'a> {
    /// `7d`, `30d`, `90d` (any count of days up to 400): the last N local days, today
    /// included, until now.
    pub period: Option<&'a str>,
    /// A calendar month, `2026-11`.
    pub month: Option<&'a str>,
    /// A first local date (`2026-11-01`) or an RFC 3339 instant.
    pub from: Option<&'a str>,
    /// A last local date, included, or an RFC 3339 instant, excluded.
    pub to: Option<&'a str>,
}

/// The longest period (days).
const MAX_DAYS: i64 = 400;

/// Reads the period asked for at `now` in zone `tz` (the last 30 days when nothing is
/// asked). Errors say what to fix.
pub fn period(ask: &PeriodAsk<'_>, tz: &str, now: i64) -> Result<Period, String> {
    let zone: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let today = zone
        .timestamp_millis_opt(now)
        .single()
        .map(|t| t.date_naive())
        .ok_or("the clock is out of range")?;
    let start = |d: NaiveDate| crate::uptime::midnight(zone, d).ok_or("a date out of range");
    let asked = [
        ask.period.is_some(),
        ask.month.is_some(),
        ask.from.is_some() || ask.to.is_some(),
    ];
    if asked.iter().filter(|a| **a).count() > 1 {
        return Err("give one of period (7d), month (2026-11), or from and to".into());
    }
    let p = if let Some(m) = ask.month {
        let first = NaiveDate::parse_from_str(&format!("{}-01", m.trim()), "%Y-%m-%d")
            .map_err(|_| format!("month {m:?} is not a month YYYY-MM (e.g. 2026-11)"))?;
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .ok_or("month out of range")?;
        let before = first
            .checked_sub_months(chrono::Months::new(1))
            .ok_or("month out of range")?;
        Period {
            from: start(first)?,
            to: start(next)?,
            previous_from: start(before)?,
        }
    } else if ask.from.is_some() || ask.to.is_some() {
        let (Some(f), Some(t)) = (ask.from, ask.to) else {
            return Err("give both from and to (dates YYYY-MM-DD or RFC 3339 times)".into());
        };
        let from = instant(f, "from", zone, false)?;
        let to = instant(t, "to", zone, true)?;
        if to <= from {
            return Err("to must be after from".into());
        }
        if to - from > MAX_DAYS * 86_400_000 {
            return Err(format!("a report covers at most {MAX_DAYS} days"));
        }
        Period {
            from: bucket_of(from),
            to: bucket_of(to + BUCKET_MS - 1),
            previous_from: bucket_of(from - (to - from)),
        }
    } else {
        let text = ask.period.unwrap_or("30d").trim();
        let days = text
            .strip_suffix('d')
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| (1..=MAX_DAYS).contains(n))
            .ok_or_else(|| {
                format!("period {text:?} is not a count of days such as 7d, 30d or 90d (at most {MAX_DAYS}d)")
            })?;
        let first = today - chrono::Duration::days(days - 1);
        Period {
            from: start(first)?,
            to: bucket_of(now) + BUCKET_MS,
            previous_from: start(first - chrono::Duration::days(days))?,
        }
    };
    Ok(p)
}

/// A date (its local start; `end`: the next day's) or an RFC 3339 instant.
fn instant(text: &str, field: &str, zone: chrono_tz::Tz, end: bool) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let d = if end { d.succ_opt().unwrap_or(d) } else { d };
        return crate::uptime::midnight(zone, d).ok_or_else(|| format!("{field}: out of range"));
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|_| format!("{field} {text:?} is not a date YYYY-MM-DD or an RFC 3339 time"))
}

/// Every row's date of period `p` in `zone` (days, or weeks' Mondays), in order: a
/// period's rows exist also without counters.
pub(crate) fn row_dates(zone: chrono_tz::Tz, p: Period, weeks: bool) -> Vec<NaiveDate> {
    let mut out: Vec<NaiveDate> = Vec::new();
    // Every six hours: no local day is skipped, whatever its length (DST).
    let mut at = p.from;
    while at < p.to {
        if let Some(d) = row_date(zone, at, weeks) {
            if out.last() != Some(&d) {
                out.push(d);
            }
        }
        at += BUCKET_MS * 4 * 6;
    }
    out
}

/// The local date (`2026-12-07`) instant `ms` falls on, and the start of its row: the
/// day, or the Monday of its week when `weeks`.
pub(crate) fn row_date(zone: chrono_tz::Tz, ms: i64, weeks: bool) -> Option<NaiveDate> {
    let d = zone.timestamp_millis_opt(ms).single()?.date_naive();
    Some(if weeks {
        d - chrono::Duration::days(i64::from(d.weekday().num_days_from_monday()))
    } else {
        d
    })
}
