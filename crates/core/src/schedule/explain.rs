//! What is wrong with a cron expression, in words a person can act on ("the hour (2nd
//! field) takes 0 to 23, not 25"), instead of the parser's own text ("Component error:
//! Number out of bounds"). Checked field by field before the parser's text is used.

/// A field of a cron expression: its name and the numbers it takes.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    /// Names it takes besides numbers (months, weekdays).
    names: &'static [&'static str],
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: [Field; 6] = [
    Field {
        name: "the second",
        min: 0,
        max: 59,
        names: &[],
    },
    Field {
        name: "the minute",
        min: 0,
        max: 59,
        names: &[],
    },
    Field {
        name: "the hour",
        min: 0,
        max: 23,
        names: &[],
    },
    Field {
        name: "the day of the month",
        min: 1,
        max: 31,
        names: &[],
    },
    Field {
        name: "the month",
        min: 1,
        max: 12,
        names: MONTHS,
    },
    Field {
        name: "the day of the week",
        min: 0,
        max: 7,
        names: DAYS,
    },
];

fn ordinal(n: usize) -> String {
    match n {
        1 => "1st".into(),
        2 => "2nd".into(),
        3 => "3rd".into(),
        n => format!("{n}th"),
    }
}

/// Checks one value of a field (a number, a name, or a special the parser knows).
fn value(v: &str, f: &Field) -> Result<(), String> {
    // Quartz-style specials (`L`, `5L`, `1#2`, `15W`, `?`) are the parser's to judge.
    if v == "*" || v == "?" || v.contains(['L', 'W', '#']) {
        return Ok(());
    }
    if f.names.iter().any(|n| n.eq_ignore_ascii_case(v)) {
        return Ok(());
    }
    match v.parse::<u32>() {
        Ok(n) if (f.min..=f.max).contains(&n) => Ok(()),
        Ok(n) => Err(format!("takes {} to {}, not {n}", f.min, f.max)),
        Err(_) if f.names.is_empty() => Err(format!(
            "takes numbers from {} to {}, not {v:?}",
            f.min, f.max
        )),
        Err(_) => Err(format!(
            "takes {} to {} or names such as {} and {}, not {v:?}",
            f.min, f.max, f.names[0], f.names[1]
        )),
    }
}

/// Checks one comma-separated part: `value`, `a-b`, either with `/step`.
fn part(p: &str, f: &Field) -> Result<(), String> {
    let (range, step) = match p.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (p, None),
    };
    if let Some(s) = step {
        if !s.parse::<u32>().is_ok_and(|n| n >= 1) {
            return Err(format!(
                "has a step {s:?} after \"/\": write a whole number from 1 up, as in */5"
            ));
        }
    }
    if range.is_empty() {
        return Err("has an empty part (two commas, or a comma at an end)".into());
    }
    match range.split_once('-') {
        Some((a, b)) => {
            value(a, f)?;
            value(b, f)
        }
        None => value(range, f),
    }
}

/// What is wrong with `expr`, when the fields tell; `None` leaves it to the parser.
pub(super) fn cron_problem(expr: &str) -> Option<String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    if expr.trim_start().starts_with('@') {
        return None;
    }
    let offset = match fields.len() {
        5 => 1,
        6 => 0,
        n => {
            return Some(format!(
                "a cron expression has five fields (minute, hour, day of the month, month, day of the week), as in \"30 2 * * 1-5\"; this one has {n}"
            ))
        }
    };
    for (i, text) in fields.iter().enumerate() {
        let f = &FIELDS[i + offset];
        for p in text.split(',') {
            if let Err(why) = part(p, f) {
                return Some(format!("{} ({} field) {why}", f.name, ordinal(i + 1)));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::cron_problem;

    #[test]
    fn a_number_out_of_range_names_its_field_and_the_range() {
        assert_eq!(
            cron_problem("0 25 * * *").as_deref(),
            Some("the hour (2nd field) takes 0 to 23, not 25")
        );
        assert_eq!(
            cron_problem("61 * * * *").as_deref(),
            Some("the minute (1st field) takes 0 to 59, not 61")
        );
        assert_eq!(
            cron_problem("0 3 0 * *").as_deref(),
            Some("the day of the month (3rd field) takes 1 to 31, not 0")
        );
        assert_eq!(
            cron_problem("0 3 * 1-13 *").as_deref(),
            Some("the month (4th field) takes 1 to 12, not 13")
        );
        // With seconds, the fields count from the seconds.
        assert_eq!(
            cron_problem("0 0 25 * * *").as_deref(),
            Some("the hour (3rd field) takes 0 to 23, not 25")
        );
    }

    #[test]
    fn names_steps_and_field_counts_are_said_in_words() {
        assert!(
            cron_problem("0 3 * * FUNDAY").is_some_and(|s| s.starts_with(
                "the day of the week (5th field) takes 0 to 7 or names such as SUN and MON"
            ))
        );
        assert!(cron_problem("*/0 * * * *").is_some_and(|s| s.contains("a step \"0\"")));
        assert!(cron_problem("0 3 * *")
            .is_some_and(|s| s.contains("has five fields") && s.ends_with("this one has 4")));
        assert!(cron_problem("0 3,,4 * * *").is_some_and(|s| s.contains("empty part")));
    }

    #[test]
    fn what_is_well_formed_is_left_to_the_parser() {
        for ok in [
            "30 2 * * 1-5",
            "*/15 9-17 * * MON-FRI",
            "0 0 L * *",
            "0 0 * * 5#2",
            "@daily",
            "0 0 1 JAN,jul ?",
        ] {
            assert_eq!(cron_problem(ok), None, "{ok}");
        }
    }
}
