//! systemd's calendar events (`OnCalendar=`, `man systemd.time`) as the cron patterns
//! the schedule evaluates: `Mon..Fri *-*-* 02:30:00` → `0 30 2 * * MON-FRI`, with the
//! day of month and the weekday both required (systemd's rule; cron's is either). For
//! systemd-timer users, as Healthchecks accepts them.
//!
//! Taken: an optional weekday part (`Mon`, `Mon..Fri`, `Sat,Sun`), an optional date
//! (`*-*-*`, `*-*-01`, `*-01,07-01`, `*-*~1` the last day of the month, `*-*-1/2`),
//! an optional time (`02:30`, `*:0/15`, `8..17:00`, seconds optional), and the
//! shorthands `minutely`, `hourly`, `daily`, `weekly`, `monthly`, `quarterly`,
//! `semiannually`, `yearly`/`annually`. Refused with what to write instead: a year other
//! than `*` (a monitor repeats), a timezone inside the expression (the monitor's `tz`
//! says it), fractions of seconds, `~` with a day other than 1.

/// The cron pattern (seconds first, six fields) of one `OnCalendar` line, or why not.
pub fn to_cron(line: &str) -> Result<String, String> {
    let line = line.trim();
    let expanded = match line.to_ascii_lowercase().as_str() {
        "minutely" => "*-*-* *:*:00".to_string(),
        "hourly" => "*-*-* *:00:00".to_string(),
        "daily" => "*-*-* 00:00:00".to_string(),
        "weekly" => "Mon *-*-* 00:00:00".to_string(),
        "monthly" => "*-*-01 00:00:00".to_string(),
        "quarterly" => "*-01,04,07,10-01 00:00:00".to_string(),
        "semiannually" => "*-01,07-01 00:00:00".to_string(),
        "yearly" | "annually" => "*-01-01 00:00:00".to_string(),
        _ => line.to_string(),
    };
    let mut parts: Vec<&str> = expanded.split_whitespace().collect();
    if parts.is_empty() {
        return Err("an empty calendar event".into());
    }
    let mut dow = "*".to_string();
    if parts[0]
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
    {
        dow = weekdays(parts[0])?;
        parts.remove(0);
    }
    let (mut date, mut time) = (None, None);
    for p in parts {
        if p.contains(':') && time.is_none() {
            time = Some(p);
        } else if p.contains('-') || p.contains('~') {
            if date.is_some() || time.is_some() {
                return Err(format!(
                    "{p:?} is out of place: write [weekdays] [date] [time]"
                ));
            }
            date = Some(p);
        } else if p.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
            return Err(format!(
                "{p:?}: a timezone goes in the monitor's tz, not in the expression"
            ));
        } else {
            return Err(format!(
                "{p:?} is neither a date (*-*-01) nor a time (02:30)"
            ));
        }
    }
    let (dom, month) = match date {
        None => ("*".to_string(), "*".to_string()),
        Some(d) => date_fields(d)?,
    };
    let (h, m, s) = match time {
        None => ("0".to_string(), "0".to_string(), "0".to_string()),
        Some(t) => time_fields(t)?,
    };
    Ok(format!("{s} {m} {h} {dom} {month} {dow}"))
}

/// Whether a schedule's text is meant as `OnCalendar` rather than cron (after cron
/// refused it): a time with `:`, a date with `-` between `*`/numbers, `..`, `~`, or a
/// shorthand word.
pub fn looks_like(expr: &str) -> bool {
    let e = expr.trim().to_ascii_lowercase();
    e.contains(':')
        || e.contains("..")
        || e.contains('~')
        || e.contains("*-")
        || matches!(
            e.as_str(),
            "minutely"
                | "hourly"
                | "daily"
                | "weekly"
                | "monthly"
                | "quarterly"
                | "semiannually"
                | "yearly"
                | "annually"
        )
}

const DAYS: [(&str, &str); 7] = [
    ("mon", "MON"),
    ("tue", "TUE"),
    ("wed", "WED"),
    ("thu", "THU"),
    ("fri", "FRI"),
    ("sat", "SAT"),
    ("sun", "SUN"),
];

fn day(name: &str) -> Result<&'static str, String> {
    const FULL: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let n = name.to_ascii_lowercase();
    DAYS.iter()
        .zip(FULL)
        .find(|((short, _), full)| n == *short || n == *full)
        .map(|((_, cron), _)| *cron)
        .ok_or_else(|| format!("{name:?} is not a weekday (Mon, Tue, … or Monday, …)"))
}

/// `Mon..Fri,Sun` → `MON-FRI,SUN`.
fn weekdays(part: &str) -> Result<String, String> {
    part.split(',')
        .map(|item| match item.split_once("..") {
            Some((a, b)) => Ok(format!("{}-{}", day(a)?, day(b)?)),
            None => day(item).map(str::to_string),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|v| v.join(","))
}

/// One field: `*`, `5`, `1,15`, `8..17`, `0/15`, `*/2` → cron, each number checked
/// against `lo..=hi`.
fn field(text: &str, name: &str, lo: u32, hi: u32) -> Result<String, String> {
    let num = |v: &str| -> Result<u32, String> {
        let n: u32 = v
            .parse()
            .map_err(|_| format!("{name} {v:?} is not a number"))?;
        if n < lo || n > hi {
            return Err(format!("{name} {n} is out of range {lo}-{hi}"));
        }
        Ok(n)
    };
    text.split(',')
        .map(|item| {
            let (base, step) = match item.split_once('/') {
                Some((b, s)) => {
                    let s: u32 = s.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                        format!("{name}: the repetition in {item:?} must be a whole number above 0")
                    })?;
                    (b, Some(s))
                }
                None => (item, None),
            };
            let base = match base.split_once("..") {
                _ if base == "*" => "*".to_string(),
                Some((a, b)) => format!("{}-{}", num(a)?, num(b)?),
                None => num(base)?.to_string(),
            };
            Ok(match step {
                Some(s) => format!("{base}/{s}"),
                None => base,
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map(|v| v.join(","))
}

/// `*-MM-DD` or `MM-DD` (or `*-MM~1`) → (day of month, month).
fn date_fields(date: &str) -> Result<(String, String), String> {
    let (rest, last) = match date.split_once('~') {
        Some((r, "1" | "01")) => (r, true),
        Some((_, d)) => {
            return Err(format!(
                "~{d}: only ~1 (the last day of the month) is taken"
            ))
        }
        None => (date, false),
    };
    let pieces: Vec<&str> = rest.split('-').collect();
    let (year, month, dom) = match (pieces.as_slice(), last) {
        ([y, m, d], false) => (*y, *m, Some(*d)),
        ([m, d], false) => ("*", *m, Some(*d)),
        ([y, m], true) => (*y, *m, None),
        ([m], true) => ("*", *m, None),
        _ => {
            return Err(format!(
                "{date:?} is not a date: write *-*-01 (year-month-day)"
            ))
        }
    };
    if year != "*" {
        return Err(format!(
            "a year ({year}) does not repeat: write * for the year (*-{month}-…)"
        ));
    }
    let month = field(month, "month", 1, 12)?;
    let dom = match dom {
        None => "L".to_string(),
        Some(d) => field(d, "day", 1, 31)?,
    };
    Ok((dom, month))
}

/// `HH:MM[:SS]` → (hour, minute, second).
fn time_fields(time: &str) -> Result<(String, String, String), String> {
    if time.contains('.') && !time.contains("..") {
        return Err(format!("{time:?}: fractions of a second are not taken"));
    }
    let pieces: Vec<&str> = time.split(':').collect();
    let (h, m, s) = match pieces.as_slice() {
        [h, m] => (*h, *m, "0"),
        [h, m, s] => (*h, *m, *s),
        _ => return Err(format!("{time:?} is not a time: write 02:30 or 02:30:00")),
    };
    Ok((
        field(h, "hour", 0, 23)?,
        field(m, "minute", 0, 59)?,
        field(s, "second", 0, 59)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_systemd_examples() {
        for (cal, cron) in [
            ("Mon..Fri *-*-* 02:30:00", "0 30 2 * * MON-FRI"),
            ("daily", "0 0 0 * * *"),
            ("weekly", "0 0 0 * * MON"),
            ("hourly", "0 0 * * * *"),
            ("minutely", "0 * * * * *"),
            ("monthly", "0 0 0 1 * *"),
            ("quarterly", "0 0 0 1 1,4,7,10 *"),
            ("*-*-* 4:00", "0 0 4 * * *"),
            ("Sat,Sun 10:15", "0 15 10 * * SAT,SUN"),
            ("*:0/15", "0 0/15 * * * *"),
            ("*-*-1/2 06:00", "0 0 6 1/2 * *"),
            ("*-*~1 23:00", "0 0 23 L * *"),
            ("8..17:00", "0 0 8-17 * * *"),
            ("Monday 09:00", "0 0 9 * * MON"),
            ("12-24 18:00", "0 0 18 24 12 *"),
        ] {
            assert_eq!(to_cron(cal).as_deref(), Ok(cron), "{cal}");
        }
    }

    #[test]
    fn refusals_say_what_to_write() {
        for (cal, says) in [
            ("2026-12-24 18:00", "does not repeat"),
            ("Mon 02:30 Europe/Riga", "timezone goes in the monitor's tz"),
            ("Funday 02:30", "not a weekday"),
            ("*-13-01", "month 13 is out of range"),
            ("25:00", "hour 25 is out of range"),
            ("*-*~3", "only ~1"),
            ("02:30:00.5", "fractions"),
            ("*:0/0", "above 0"),
            ("", "empty"),
        ] {
            let e = to_cron(cal).unwrap_err();
            assert!(e.contains(says), "{cal}: {e}");
        }
    }

    #[test]
    fn recognises_oncalendar_text() {
        assert!(looks_like("Mon..Fri *-*-* 02:30:00"));
        assert!(looks_like("daily"));
        assert!(looks_like("*-*-01"));
        assert!(!looks_like("30 2 * * 1-5"));
        assert!(!looks_like("@daily"));
    }
}
