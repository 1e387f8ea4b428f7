//! `LW` in the day-of-month field: the last weekday (Monday to Friday) of the month, as
//! Healthchecks' cronsim reads it. The cron parser has no `LW`, so the pattern asks for
//! the candidates (the 26th to the 31st, Monday to Friday) and the schedule keeps the
//! one that is the last weekday (docs/behaviour.md, "Cron expressions").

use chrono::{Datelike, NaiveDate, Weekday};

/// The pattern to parse and whether it had `LW` (refused beside a day of week: cronsim
/// would OR them, which one pattern cannot say).
pub(super) fn candidates(expr: &str) -> Result<(String, bool), String> {
    let Some((mut f, o)) = super::cron_fields(expr) else {
        return Ok((expr.to_string(), false));
    };
    let (dom, dow) = (o + 2, o + 4);
    if !f[dom].eq_ignore_ascii_case("LW") {
        return Ok((expr.to_string(), false));
    }
    if f[dow] != "*" && f[dow] != "?" {
        return Err("LW (the last weekday of the month) takes * as the day of week".into());
    }
    f[dom] = "26-31";
    f[dow] = "1-5";
    Ok((f.join(" "), true))
}

/// Whether `day` is the last Monday-to-Friday of its month.
pub(super) fn is_last_weekday(day: NaiveDate) -> bool {
    let next_month = if day.month() == 12 {
        NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(day.year(), day.month() + 1, 1)
    };
    let Some(mut last) = next_month.and_then(|d| d.pred_opt()) else {
        return false;
    };
    while matches!(last.weekday(), Weekday::Sat | Weekday::Sun) {
        match last.pred_opt() {
            Some(d) => last = d,
            None => return false,
        }
    }
    day == last
}
