//! The report by e-mail (docs/behaviour.md, "Reports", "The report by e-mail"): when a
//! project's weekly or monthly summary is next due, in its zone, and which period it
//! covers — the week (Monday to Sunday) or the calendar month that ended before it.

use chrono::{Datelike, Duration, LocalResult, NaiveDate, TimeZone};

/// How often the summary goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    /// On Mondays, about the week before.
    Week,
    /// On the 1st, about the month before.
    Month,
}

impl Every {
    /// Reads `week` or `month`, or says what to write.
    pub fn parse(text: &str) -> Result<Every, String> {
        match text.trim() {
            "week" => Ok(Every::Week),
            "month" => Ok(Every::Month),
            other => Err(format!(
                "report_mail.every {other:?} is neither week nor month"
            )),
        }
    }

    /// Its stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Every::Week => "week",
            Every::Month => "month",
        }
    }
}

/// Minutes after midnight of `HH:MM` (24-hour), or what to fix.
pub fn minute_of_day(text: &str) -> Result<u32, String> {
    let bad = || format!("report_mail.at {text:?} is not a time of day HH:MM, such as 08:00");
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let (h, m) = (
        h.parse::<u32>().map_err(|_| bad())?,
        m.parse::<u32>().map_err(|_| bad())?,
    );
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// `HH:MM` of minutes after midnight.
pub fn time_of_day(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// The instant (ms) local `date` at `minute` in `zone`: the earlier of an hour that
/// happens twice, the first instant after an hour a DST change skips.
fn local(zone: chrono_tz::Tz, date: NaiveDate, minute: u32) -> Option<i64> {
    let t = date.and_hms_opt(minute / 60, minute % 60, 0)?;
    match zone.from_local_datetime(&t) {
        LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => Some(x.timestamp_millis()),
        LocalResult::None => zone
            .from_local_datetime(&(t + Duration::hours(1)))
            .earliest()
            .map(|x| x.timestamp_millis()),
    }
}

/// The first sending day on or after `date`: a Monday, or a month's 1st.
fn sending_day_from(every: Every, date: NaiveDate) -> Option<NaiveDate> {
    match every {
        Every::Week => {
            let ahead = (7 - date.weekday().num_days_from_monday()) % 7;
            date.checked_add_signed(Duration::days(i64::from(ahead)))
        }
        Every::Month if date.day() == 1 => Some(date),
        Every::Month => NaiveDate::from_ymd_opt(date.year(), date.month(), 1)?
            .checked_add_months(chrono::Months::new(1)),
    }
}

/// When the summary is next due strictly after `after` (ms): the next Monday (or 1st)
/// at `minute` in zone `tz` (UTC when unknown).
pub fn next_at(every: Every, minute: u32, tz: &str, after: i64) -> Option<i64> {
    let zone: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let mut day = zone.timestamp_millis_opt(after).single()?.date_naive();
    for _ in 0..3 {
        let d = sending_day_from(every, day)?;
        let at = local(zone, d, minute)?;
        if at > after {
            return Some(at);
        }
        day = d.succ_opt()?;
    }
    None
}

/// The period a summary sent at `sent_at` covers, as a report asks it (`from`, `to`
/// dates, both included), and its title: the seven days before the sending Monday, or
/// the month before the 1st.
pub fn period_of(every: Every, tz: &str, sent_at: i64) -> Option<(String, String, String)> {
    let zone: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let day = zone.timestamp_millis_opt(sent_at).single()?.date_naive();
    let (from, to) = match every {
        Every::Week => (day - Duration::days(7), day - Duration::days(1)),
        Every::Month => {
            let first = NaiveDate::from_ymd_opt(day.year(), day.month(), 1)?;
            (
                first.checked_sub_months(chrono::Months::new(1))?,
                first - Duration::days(1),
            )
        }
    };
    let title = match every {
        Every::Week => format!(
            "the week of {} to {}",
            from.format("%-d %B"),
            to.format("%-d %B %Y")
        ),
        Every::Month => from.format("%B %Y").to_string(),
    };
    Some((
        from.format("%Y-%m-%d").to_string(),
        to.format("%Y-%m-%d").to_string(),
        title,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_millis()
    }

    /// Mondays and 1sts at the hour asked, in the project's zone, strictly after.
    #[test]
    fn next_sending_times() {
        // Monday 7 December 2026, 09:00 in Riga (07:00 UTC).
        let at = 8 * 60;
        let riga = "Europe/Riga";
        assert_eq!(
            next_at(Every::Week, at, riga, ms("2026-12-07T05:00:00Z")),
            Some(ms("2026-12-07T06:00:00Z")),
            "08:00 in Riga is 06:00 UTC, later today"
        );
        assert_eq!(
            next_at(Every::Week, at, riga, ms("2026-12-07T06:00:00Z")),
            Some(ms("2026-12-14T06:00:00Z")),
            "strictly after: next Monday"
        );
        assert_eq!(
            next_at(Every::Month, at, riga, ms("2026-12-07T06:00:00Z")),
            Some(ms("2027-01-01T06:00:00Z"))
        );
        assert_eq!(
            next_at(Every::Month, 0, "UTC", ms("2026-12-01T00:00:00Z")),
            Some(ms("2027-01-01T00:00:00Z"))
        );
        // Summer time: 08:00 in Riga is 05:00 UTC.
        assert_eq!(
            next_at(Every::Month, at, riga, ms("2027-06-15T00:00:00Z")),
            Some(ms("2027-07-01T05:00:00Z"))
        );
    }

    /// The week before a Monday, the month before a 1st.
    #[test]
    fn periods_and_titles() {
        let (from, to, title) = period_of(Every::Week, "UTC", ms("2026-12-07T08:00:00Z")).unwrap();
        assert_eq!((from.as_str(), to.as_str()), ("2026-11-30", "2026-12-06"));
        assert_eq!(title, "the week of 30 November to 6 December 2026");
        let (from, to, title) =
            period_of(Every::Month, "Asia/Tokyo", ms("2026-12-31T23:00:00Z")).unwrap();
        assert_eq!((from.as_str(), to.as_str()), ("2026-12-01", "2026-12-31"));
        assert_eq!(title, "December 2026");
    }

    #[test]
    fn times_of_day_in_words() {
        assert_eq!(minute_of_day("08:30"), Ok(510));
        assert_eq!(time_of_day(510), "08:30");
        assert!(minute_of_day("24:00").unwrap_err().contains("HH:MM"));
        assert!(minute_of_day("8").is_err());
        assert!(Every::parse("day")
            .unwrap_err()
            .contains("neither week nor month"));
    }
}
