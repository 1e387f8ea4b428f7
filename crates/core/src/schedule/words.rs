//! Schedules in words, for people: "every 5 minutes", "every day at 02:30",
//! "Monday to Friday at 09:00". Only the common cron shapes are said in words; for any
//! other the caller shows the expression itself (a wrong sentence is worse than none).

/// An interval of `secs` seconds in words ("every hour", "every 90 seconds").
pub fn every(secs: i64) -> String {
    let (n, unit) = match secs {
        s if s > 0 && s % 604_800 == 0 => (s / 604_800, "week"),
        s if s > 0 && s % 86_400 == 0 => (s / 86_400, "day"),
        s if s > 0 && s % 3_600 == 0 => (s / 3_600, "hour"),
        s if s > 0 && s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    if n == 1 {
        format!("every {unit}")
    } else {
        format!("every {n} {unit}s")
    }
}

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn number(field: &str, max: u32) -> Option<u32> {
    field.parse::<u32>().ok().filter(|n| *n <= max)
}

/// A day-of-week number (0 or 7 Sunday) or name (`MON`).
fn weekday(field: &str) -> Option<usize> {
    if let Some(n) = number(field, 7) {
        return Some(n as usize % 7);
    }
    let f = field.to_ascii_lowercase();
    DAYS.iter().position(|d| d[..3].eq_ignore_ascii_case(&f))
}

fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The days of a day-of-week field ("Monday to Friday", "Mondays and Thursdays").
fn days_words(field: &str) -> Option<String> {
    if let Some((a, b)) = field.split_once('-') {
        let (a, b) = (weekday(a)?, weekday(b)?);
        return (a < b || b == 0).then(|| format!("{} to {}", DAYS[a], DAYS[b]));
    }
    let days = field
        .split(',')
        .map(|d| weekday(d).map(|i| DAYS[i]))
        .collect::<Option<Vec<_>>>()?;
    match days.as_slice() {
        [one] => Some(format!("every {one}")),
        many => Some(join(
            &many.iter().map(|d| format!("{d}s")).collect::<Vec<_>>(),
        )),
    }
}

/// The times of fixed minute and hour fields ("02:30", "02:30 and 14:30").
fn times(minute: &str, hour: &str) -> Option<String> {
    let m = number(minute, 59)?;
    let hours = hour
        .split(',')
        .map(|h| number(h, 23))
        .collect::<Option<Vec<_>>>()?;
    Some(join(
        &hours
            .iter()
            .map(|h| format!("{h:02}:{m:02}"))
            .collect::<Vec<_>>(),
    ))
}

/// A cron expression (5 fields, or 6 with seconds `0`) in words; `None` for the shapes
/// not said in words.
pub fn cron_words(expr: &str) -> Option<String> {
    let e = expr.trim();
    let macro_words = match e.to_ascii_lowercase().as_str() {
        "@hourly" => Some("every hour at :00"),
        "@daily" | "@midnight" => Some("every day at 00:00"),
        "@weekly" => Some("every Sunday at 00:00"),
        "@monthly" => Some("on day 1 of every month at 00:00"),
        "@yearly" | "@annually" => Some("every year on January 1 at 00:00"),
        _ => None,
    };
    if let Some(w) = macro_words {
        return Some(w.to_string());
    }
    let fields: Vec<&str> = e.split_whitespace().collect();
    let f: &[&str] = match fields.as_slice() {
        [s, rest @ ..] if rest.len() == 5 && *s == "0" => rest,
        all if all.len() == 5 => all,
        _ => return None,
    };
    let [minute, hour, dom, month, dow] = [f[0], f[1], f[2], f[3], f[4]];
    if month != "*" {
        return None;
    }
    let step = |field: &str| field.strip_prefix("*/").and_then(|n| number(n, 59));
    match (minute, hour, dom, dow) {
        ("*", "*", "*", "*") => Some("every minute".into()),
        (m, "*", "*", "*") if step(m).is_some() => step(m).map(|n| every(i64::from(n) * 60)),
        (m, "*", "*", "*") => number(m, 59).map(|m| format!("every hour at :{m:02}")),
        (m, h, "*", "*") if step(h).is_some() => {
            let n = step(h)?;
            let m = number(m, 59)?;
            Some(format!("{} at :{m:02}", every(i64::from(n) * 3_600)))
        }
        (m, h, "*", "*") => times(m, h).map(|t| format!("every day at {t}")),
        (m, h, "*", d) => Some(format!("{} at {}", days_words(d)?, times(m, h)?)),
        (m, h, d, "*") => {
            let d = number(d, 31).filter(|d| *d >= 1)?;
            Some(format!("on day {d} of every month at {}", times(m, h)?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(every(60), "every minute");
        assert_eq!(every(300), "every 5 minutes");
        assert_eq!(every(3_600), "every hour");
        assert_eq!(every(90), "every 90 seconds");
        assert_eq!(every(172_800), "every 2 days");
        assert_eq!(every(604_800), "every week");
    }

    #[test]
    fn common_cron_shapes() {
        let w = |e: &str| cron_words(e);
        assert_eq!(w("30 2 * * *").as_deref(), Some("every day at 02:30"));
        assert_eq!(w("0 30 2 * * *").as_deref(), Some("every day at 02:30"));
        assert_eq!(w("*/5 * * * *").as_deref(), Some("every 5 minutes"));
        assert_eq!(w("* * * * *").as_deref(), Some("every minute"));
        assert_eq!(w("15 * * * *").as_deref(), Some("every hour at :15"));
        assert_eq!(w("0 */6 * * *").as_deref(), Some("every 6 hours at :00"));
        assert_eq!(
            w("0 9 * * 1-5").as_deref(),
            Some("Monday to Friday at 09:00")
        );
        assert_eq!(
            w("0 9 * * MON-FRI").as_deref(),
            Some("Monday to Friday at 09:00")
        );
        assert_eq!(w("0 3 * * 0").as_deref(), Some("every Sunday at 03:00"));
        assert_eq!(w("0 3 * * 7").as_deref(), Some("every Sunday at 03:00"));
        assert_eq!(
            w("0 3 * * 1,4").as_deref(),
            Some("Mondays and Thursdays at 03:00")
        );
        assert_eq!(
            w("0 2,14 * * *").as_deref(),
            Some("every day at 02:00 and 14:00")
        );
        assert_eq!(
            w("0 0 1 * *").as_deref(),
            Some("on day 1 of every month at 00:00")
        );
        assert_eq!(w("@daily").as_deref(), Some("every day at 00:00"));
    }

    #[test]
    fn other_shapes_are_not_guessed() {
        for e in [
            "0 0 1 1 *",
            "5 4 * * sun#2",
            "0 0 L * *",
            "1-10 * * * *",
            "15 0 1,15 * *",
            "0 0 1 * 1",
            "7 0 * * * *",
            "Mon *-*-* 02:00",
            "",
            "99 99 * * *",
        ] {
            assert_eq!(cron_words(e), None, "{e}");
        }
    }
}
