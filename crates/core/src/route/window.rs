//! A route's time window: weekdays, a time of day range (crossing midnight when `from`
//! is after `to`) in an IANA zone, and dates without it (holidays).

use chrono::{Datelike, NaiveDate, Timelike};
use serde::{Deserialize, Serialize};

use super::{one_of, RouteError};
use crate::Timestamp;

const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// When a route applies: on these weekdays, between these times of day, in this zone,
/// except on these dates. `from` after `to` crosses midnight (`22:00`–`07:00`); the
/// weekday and the dates are those of the window's start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// `mon` … `sun`; empty: every day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<String>,
    /// Start, `HH:MM` (default `00:00`).
    #[serde(default = "midnight")]
    pub from: String,
    /// End, `HH:MM`, exclusive (default `24:00`: the end of the day).
    #[serde(default = "end_of_day")]
    pub to: String,
    /// IANA zone (default UTC).
    #[serde(default = "utc")]
    pub tz: String,
    /// Dates without the window (holidays), `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

fn midnight() -> String {
    "00:00".into()
}
fn end_of_day() -> String {
    "24:00".into()
}
fn utc() -> String {
    "UTC".into()
}

fn time_of(field: &str, text: &str) -> Result<u32, RouteError> {
    overdue_types::route_form::minutes_of_day(text)
        .ok_or_else(|| RouteError(format!("{field} must be a time of day HH:MM, got {text:?}")))
}

impl Window {
    /// Checks days, times, zone and dates.
    pub fn validate(&self, field: &str) -> Result<(), RouteError> {
        one_of(&format!("{field}.days"), &self.days, DAYS)?;
        let from = time_of(&format!("{field}.from"), &self.from)?;
        let to = time_of(&format!("{field}.to"), &self.to)?;
        if from == to {
            return Err(RouteError(format!(
                "{field}: from and to are both {}: the window would be empty",
                self.from
            )));
        }
        if self.tz.parse::<chrono_tz::Tz>().is_err() {
            return Err(RouteError(format!(
                "{field}.tz: {:?} is not an IANA time zone (e.g. Europe/Riga)",
                self.tz
            )));
        }
        for d in &self.except {
            if NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
                return Err(RouteError(format!(
                    "{field}.except: {d:?} is not a date YYYY-MM-DD"
                )));
            }
        }
        Ok(())
    }

    /// Whether `at` falls inside the window.
    pub fn contains(&self, at: Timestamp) -> bool {
        self.started(at).is_some()
    }

    /// The day the window containing `at` started, if `at` is inside one.
    fn started(&self, at: Timestamp) -> Option<NaiveDate> {
        let (Ok(from), Ok(to)) = (time_of("", &self.from), time_of("", &self.to)) else {
            return None;
        };
        let local = at.to_utc().with_timezone(&self.zone());
        let minute = local.hour() * 60 + local.minute();
        let today = local.date_naive();
        // The window that started today, or (crossing midnight) the one that started
        // yesterday and has not ended yet.
        let started = if from < to {
            (from..to).contains(&minute).then_some(today)
        } else if minute >= from {
            Some(today)
        } else if minute < to {
            today.pred_opt()
        } else {
            None
        };
        started.filter(|day| self.on(*day))
    }

    fn zone(&self) -> chrono_tz::Tz {
        self.tz.parse().unwrap_or(chrono_tz::UTC)
    }

    /// When the window containing `at` ends (the next windows that follow without a
    /// gap included): `at` itself when outside, `None` when it does not end within a
    /// week (a window that never closes).
    pub fn ends_after(&self, at: Timestamp) -> Option<Timestamp> {
        use chrono::TimeZone;
        let (Ok(from), Ok(to)) = (time_of("", &self.from), time_of("", &self.to)) else {
            return Some(at);
        };
        let mut t = at;
        for _ in 0..8 {
            let Some(day) = self.started(t) else {
                return Some(t);
            };
            let end_day = if from < to { day } else { day.succ_opt()? };
            let local = end_day.and_hms_opt(0, 0, 0)? + chrono::Duration::minutes(i64::from(to));
            // A end inside a DST gap is taken an hour later.
            let end = self
                .zone()
                .from_local_datetime(&local)
                .earliest()
                .or_else(|| {
                    self.zone()
                        .from_local_datetime(&(local + chrono::Duration::hours(1)))
                        .earliest()
                })?;
            t = Timestamp(end.timestamp_millis());
        }
        None
    }

    fn on(&self, day: NaiveDate) -> bool {
        let name = DAYS[day.weekday().num_days_from_monday() as usize];
        let date = day.format("%Y-%m-%d").to_string();
        (self.days.is_empty() || self.days.iter().any(|d| d == name))
            && !self.except.contains(&date)
    }
}

/// A time of day in a zone: when a route sends the daily digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DailyAt {
    /// `HH:MM`.
    pub time: String,
    /// IANA zone (default UTC).
    #[serde(default = "utc")]
    pub tz: String,
}

impl DailyAt {
    /// Checks the time and the zone.
    pub fn validate(&self, field: &str) -> Result<(), RouteError> {
        time_of(&format!("{field}.time"), &self.time)?;
        if self.tz.parse::<chrono_tz::Tz>().is_err() {
            return Err(RouteError(format!(
                "{field}.tz: {:?} is not an IANA time zone (e.g. Europe/Riga)",
                self.tz
            )));
        }
        Ok(())
    }

    /// The next time this time of day comes, after `at` (a time in a DST gap: an hour
    /// later).
    pub fn next_after(&self, at: Timestamp) -> Option<Timestamp> {
        use chrono::TimeZone;
        let minutes = time_of("", &self.time).ok()?;
        let zone: chrono_tz::Tz = self.tz.parse().unwrap_or(chrono_tz::UTC);
        let today = at.to_utc().with_timezone(&zone).date_naive();
        for d in 0..3 {
            let day = today + chrono::Duration::days(d);
            let local = day.and_hms_opt(0, 0, 0)? + chrono::Duration::minutes(i64::from(minutes));
            let t = zone.from_local_datetime(&local).earliest().or_else(|| {
                zone.from_local_datetime(&(local + chrono::Duration::hours(1)))
                    .earliest()
            })?;
            let t = Timestamp(t.timestamp_millis());
            if t > at {
                return Some(t);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp(
            chrono::DateTime::parse_from_rfc3339(text)
                .unwrap()
                .timestamp_millis(),
        )
    }

    #[test]
    fn windows_cross_midnight_in_their_zone() {
        let night = Window {
            days: vec!["mon".into()],
            from: "22:00".into(),
            to: "07:00".into(),
            tz: "Europe/Riga".into(),
            except: vec![],
        };
        night.validate("active").unwrap();
        // Monday 2026-11-30 23:30 Riga = 21:30 UTC; Tuesday 03:00 Riga is still Monday's night.
        assert!(night.contains(at("2026-11-30T21:30:00Z")));
        assert!(night.contains(at("2026-12-01T01:00:00Z")));
        assert!(!night.contains(at("2026-12-01T05:00:00Z"))); // Tue 07:00
        assert!(!night.contains(at("2026-12-01T21:00:00Z"))); // Tue 23:00: not a Monday night
        let mut holiday = night.clone();
        holiday.except = vec!["2026-11-30".into()];
        assert!(!holiday.contains(at("2026-12-01T01:00:00Z")));
        let day = Window {
            days: vec![],
            from: "07:00".into(),
            to: "22:00".into(),
            tz: "Europe/Riga".into(),
            except: vec![],
        };
        assert!(day.contains(at("2026-12-01T06:00:00Z")));
        assert!(!day.contains(at("2026-12-01T21:00:00Z")));
        // Monday's night ends Tuesday 07:00 Riga (05:00 UTC).
        assert_eq!(
            night.ends_after(at("2026-12-01T01:00:00Z")),
            Some(at("2026-12-01T05:00:00Z"))
        );
        assert_eq!(
            night.ends_after(at("2026-12-01T12:00:00Z")),
            Some(at("2026-12-01T12:00:00Z"))
        );
        let always = Window {
            days: vec![],
            from: "00:00".into(),
            to: "24:00".into(),
            tz: "UTC".into(),
            except: vec![],
        };
        assert_eq!(always.ends_after(at("2026-12-01T12:00:00Z")), None);
        let weekend = Window {
            days: vec!["sat".into(), "sun".into()],
            ..always.clone()
        };
        // Saturday noon: the weekend ends Monday 00:00.
        assert_eq!(
            weekend.ends_after(at("2026-12-05T12:00:00Z")),
            Some(at("2026-12-07T00:00:00Z"))
        );
        let nine = DailyAt {
            time: "09:00".into(),
            tz: "Europe/Riga".into(),
        };
        // 2026-12-01 12:00 UTC is 14:00 in Riga: the next 09:00 is tomorrow's.
        assert_eq!(
            nine.next_after(at("2026-12-01T12:00:00Z")),
            Some(at("2026-12-02T07:00:00Z"))
        );
        assert_eq!(
            nine.next_after(at("2026-12-01T05:00:00Z")),
            Some(at("2026-12-01T07:00:00Z"))
        );
        let bad = Window {
            to: "22:00".into(),
            from: "22:00".into(),
            ..day.clone()
        };
        assert!(bad.validate("active").unwrap_err().0.contains("empty"));
        let bad = Window {
            tz: "Mars/Base".into(),
            ..day
        };
        assert!(bad.validate("active").unwrap_err().0.contains("IANA"));
    }
}
