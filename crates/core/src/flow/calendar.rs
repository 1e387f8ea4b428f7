//! Business calendars (docs/behaviour.md, "Flows (entity SLAs)"): working hours per
//! weekday, holidays, an IANA zone. An
//! SLA counted in business time runs only inside the working hours: an order placed
//! Friday 17:55 with a 1 h SLA on a Monday–Friday 08:00–18:00 calendar is due Monday
//! 08:55. Local times that a DST change skips or repeats are taken as the clock shows
//! them (the earliest instant; a skipped start an hour later).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone, Timelike};
use serde::{Deserialize, Serialize};

use super::FlowError;

const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// How far ahead a due time is looked for (a calendar with almost no working time).
const MAX_DAYS: u32 = 3 * 366;

/// A named calendar's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// IANA zone of its hours.
    pub tz: String,
    /// Per weekday (`mon` … `sun`), its working spans `"08:00-12:00"` (`24:00` ends the
    /// day); a day not named is off.
    pub hours: BTreeMap<String, Vec<String>>,
    /// Days off, `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// `"08:00-17:30"` as minutes of the day.
fn span(text: &str) -> Option<(u32, u32)> {
    let (a, b) = text.split_once('-')?;
    let m = |t: &str| -> Option<u32> {
        let t = t.trim();
        if t == "24:00" {
            return Some(24 * 60);
        }
        NaiveTime::parse_from_str(t, "%H:%M")
            .ok()
            .map(|t| t.hour() * 60 + t.minute())
    };
    let (from, to) = (m(a)?, m(b)?);
    (from < to).then_some((from, to))
}

impl Calendar {
    /// Checks the zone, days, spans (ordered, not overlapping) and dates; at least one
    /// working span.
    pub fn validate(&self) -> Result<(), FlowError> {
        let bad = |m: String| Err(FlowError::Invalid(m));
        if self.tz.parse::<chrono_tz::Tz>().is_err() {
            return bad(format!(
                "tz: {:?} is not an IANA time zone (e.g. Europe/Riga)",
                self.tz
            ));
        }
        let mut any = false;
        for (day, spans) in &self.hours {
            if !DAYS.contains(&day.as_str()) {
                return bad(format!(
                    "hours: {day:?} is not a weekday; use {}",
                    DAYS.join(", ")
                ));
            }
            let mut last = 0;
            for s in spans {
                let Some((from, to)) = span(s) else {
                    return bad(format!(
                        "hours.{day}: {s:?} is not a span HH:MM-HH:MM with its start before its end"
                    ));
                };
                if from < last {
                    return bad(format!(
                        "hours.{day}: {s:?} overlaps or precedes the span before it"
                    ));
                }
                last = to;
                any = true;
            }
        }
        if !any {
            return bad(
                "hours: give at least one working span, e.g. {\"mon\": [\"08:00-18:00\"]}".into(),
            );
        }
        for d in &self.holidays {
            if NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
                return bad(format!("holidays: {d:?} is not a date YYYY-MM-DD"));
            }
        }
        Ok(())
    }

    fn zone(&self) -> chrono_tz::Tz {
        self.tz.parse().unwrap_or(chrono_tz::UTC)
    }

    /// The instant of minute `m` of local day `day` (see the module's DST rule).
    fn instant(&self, day: NaiveDate, m: u32) -> Option<i64> {
        let local = day.and_hms_opt(0, 0, 0)? + chrono::Duration::minutes(i64::from(m));
        let z = self.zone();
        z.from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                z.from_local_datetime(&(local + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.timestamp_millis())
    }

    /// Whether instant `at` (ms) falls inside the working hours: its local weekday has
    /// a span holding its local time of day, and its date is no holiday.
    pub fn is_working(&self, at: i64) -> bool {
        let z = self.zone();
        let Some(local) = z.timestamp_millis_opt(at).single() else {
            return false;
        };
        let day = local.date_naive();
        if self
            .holidays
            .iter()
            .any(|h| *h == day.format("%Y-%m-%d").to_string())
        {
            return false;
        }
        let minute = local.hour() * 60 + local.minute();
        let key = DAYS[day.weekday().num_days_from_monday() as usize];
        self.hours
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(|s| span(s))
            .any(|(from, to)| from <= minute && minute < to)
    }

    /// When `ms` of working time after `start` has passed (ms since the epoch); `None`
    /// if the calendar has none within three years.
    pub fn add(&self, start: i64, ms: i64) -> Option<i64> {
        let z = self.zone();
        let mut day = z.timestamp_millis_opt(start).single()?.date_naive();
        let mut left = ms.max(0);
        for _ in 0..MAX_DAYS {
            let key = DAYS[day.weekday().num_days_from_monday() as usize];
            let off = self
                .holidays
                .iter()
                .any(|h| *h == day.format("%Y-%m-%d").to_string());
            if !off {
                for s in self.hours.get(key).into_iter().flatten() {
                    let Some((from, to)) = span(s) else { continue };
                    let (Some(a), Some(b)) = (self.instant(day, from), self.instant(day, to))
                    else {
                        continue;
                    };
                    let a = a.max(start);
                    if b <= a {
                        continue;
                    }
                    if left <= b - a {
                        return Some(a + left);
                    }
                    left -= b - a;
                }
            }
            day = day.succ_opt()?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    fn office() -> Calendar {
        let week: BTreeMap<String, Vec<String>> = ["mon", "tue", "wed", "thu", "fri"]
            .iter()
            .map(|d| (d.to_string(), vec!["08:00-18:00".to_string()]))
            .collect();
        Calendar {
            tz: "Europe/Riga".into(),
            hours: week,
            holidays: vec!["2026-12-24".into()],
        }
    }

    fn at(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    fn show(ms: i64) -> String {
        Timestamp(ms)
            .to_utc()
            .with_timezone(&chrono_tz::Europe::Riga)
            .format("%a %Y-%m-%d %H:%M")
            .to_string()
    }

    #[test]
    fn working_hours_by_instant() {
        let c = office();
        assert!(c.is_working(at("2026-12-07T08:00:00+02:00")));
        assert!(c.is_working(at("2026-12-07T17:59:00+02:00")));
        assert!(!c.is_working(at("2026-12-07T18:00:00+02:00")));
        assert!(!c.is_working(at("2026-12-07T07:45:00+02:00")));
        // Saturday, and the holiday.
        assert!(!c.is_working(at("2026-12-05T10:00:00+02:00")));
        assert!(!c.is_working(at("2026-12-24T10:00:00+02:00")));
    }

    #[test]
    fn friday_evening_is_due_monday_morning() {
        let c = office();
        assert_eq!(c.validate(), Ok(()));
        // Friday 2026-12-04 17:55 in Riga (UTC+2), 1 h of business time.
        let due = c.add(at("2026-12-04T17:55:00+02:00"), 3_600_000).unwrap();
        assert_eq!(show(due), "Mon 2026-12-07 08:55");
        // Inside hours: plain addition.
        let due = c.add(at("2026-12-07T09:00:00+02:00"), 3_600_000).unwrap();
        assert_eq!(show(due), "Mon 2026-12-07 10:00");
        // Before opening: counted from the opening.
        let due = c.add(at("2026-12-07T06:00:00+02:00"), 30 * 60_000).unwrap();
        assert_eq!(show(due), "Mon 2026-12-07 08:30");
    }

    #[test]
    fn holidays_and_long_slas_skip_days_off() {
        let c = office();
        // Wednesday 23rd 17:00 + 2 h: 1 h left on Wednesday, Thursday 24th is a
        // holiday, so Friday 09:00.
        let due = c
            .add(at("2026-12-23T17:00:00+02:00"), 2 * 3_600_000)
            .unwrap();
        assert_eq!(show(due), "Fri 2026-12-25 09:00");
        // 20 h of business time = two full days.
        let due = c
            .add(at("2026-12-07T08:00:00+02:00"), 20 * 3_600_000)
            .unwrap();
        assert_eq!(show(due), "Tue 2026-12-08 18:00");
    }

    #[test]
    fn split_days_and_dst() {
        let mut c = office();
        c.hours.insert(
            "mon".into(),
            vec!["08:00-12:00".into(), "13:00-17:00".into()],
        );
        let due = c.add(at("2026-12-07T11:30:00+02:00"), 3_600_000).unwrap();
        assert_eq!(
            show(due),
            "Mon 2026-12-07 13:30",
            "the lunch hour does not count"
        );
        // 2027-03-28: Riga goes from 03:00 to 04:00; a night shift 00:00-06:00 that
        // Sunday has 5 real hours.
        let night = Calendar {
            tz: "Europe/Riga".into(),
            hours: [("sun".to_string(), vec!["00:00-06:00".to_string()])]
                .into_iter()
                .collect(),
            holidays: vec![],
        };
        let start = at("2027-03-28T00:00:00+02:00");
        let due = night.add(start, 5 * 3_600_000).unwrap();
        assert_eq!(show(due), "Sun 2027-03-28 06:00");
    }

    #[test]
    fn bad_calendars_are_refused_in_words() {
        let mut c = office();
        c.hours.insert("funday".into(), vec![]);
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("hours: \"funday\" is not a weekday"));
        let mut c = office();
        c.hours.insert("sat".into(), vec!["18:00-08:00".into()]);
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("HH:MM-HH:MM"));
        let mut c = office();
        c.tz = "Mars/Base".into();
        assert!(c.validate().is_err());
        let empty = Calendar {
            tz: "UTC".into(),
            hours: BTreeMap::new(),
            holidays: vec![],
        };
        assert!(empty
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("hours: give at least one"));
    }
}
