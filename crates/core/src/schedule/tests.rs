use super::*;
use chrono::{NaiveDate, TimeZone};

fn ts(s: &str) -> Timestamp {
    Timestamp::from_datetime(&DateTime::parse_from_rfc3339(s).unwrap())
}

fn next(expr: &str, tz: &str, after: &str) -> String {
    let c = CronSchedule::parse(expr, tz).unwrap();
    c.next_after(ts(after)).unwrap().to_rfc3339()
}

#[test]
fn interval_is_last_success_plus_period() {
    let s = Schedule::interval(Dur::secs(60)).unwrap();
    assert_eq!(s.next_due(Timestamp(1_000)), Some(Timestamp(61_000)));
}

/// After a failure or a hang the stored due time has passed: a cron schedule names its
/// next time after now, an interval the last ping plus the period while ahead.
#[test]
fn next_expected_after_a_failure() {
    let cron = Schedule::Cron(Box::new(CronSchedule::parse("30 2 * * *", "UTC").unwrap()));
    let now = ts("2026-12-05T10:00:00Z");
    let past = Some(ts("2026-12-05T02:30:00Z"));
    assert_eq!(
        cron.next_expected(false, past, None, now)
            .map(|t| t.to_rfc3339()),
        Some("2026-12-06T02:30:00+00:00".into())
    );
    assert_eq!(cron.next_expected(true, past, None, now), None, "paused");
    let ahead = Some(ts("2026-12-05T11:00:00Z"));
    assert_eq!(cron.next_expected(false, ahead, None, now), ahead);
    let every = Schedule::interval(Dur::secs(3_600)).unwrap();
    let failed_at = Some(ts("2026-12-05T09:50:00Z"));
    assert_eq!(
        every
            .next_expected(false, None, failed_at, now)
            .map(|t| t.to_rfc3339()),
        Some("2026-12-05T10:50:00+00:00".into())
    );
    let long_ago = Some(ts("2026-12-05T08:00:00Z"));
    assert_eq!(every.next_expected(false, None, long_ago, now), None);
}

#[test]
fn interval_range_is_checked() {
    assert!(Schedule::interval(Dur(500)).is_err());
    assert!(Schedule::interval(Dur::secs(1)).is_ok());
    assert!(Schedule::interval(Dur::secs(366 * 86_400)).is_err());
}

#[test]
fn cron_in_utc() {
    assert_eq!(
        next("0 * * * *", "UTC", "2026-01-01T10:00:05Z"),
        "2026-01-01T11:00:00+00:00"
    );
    assert_eq!(
        next("*/15 * * * *", "UTC", "2026-01-01T10:14:59Z"),
        "2026-01-01T10:15:00+00:00"
    );
    // strictly after: a success exactly on the fire time waits for the next one
    assert_eq!(
        next("0 * * * *", "UTC", "2026-01-01T11:00:00Z"),
        "2026-01-01T12:00:00+00:00"
    );
}

#[test]
fn cron_in_a_timezone() {
    // 09:00 in Riga (UTC+2 in winter) is 07:00 UTC
    assert_eq!(
        next("0 9 * * *", "Europe/Riga", "2026-01-05T12:00:00Z"),
        "2026-01-06T07:00:00+00:00"
    );
    // and 06:00 UTC in summer (UTC+3)
    assert_eq!(
        next("0 9 * * *", "Europe/Riga", "2026-07-05T12:00:00Z"),
        "2026-07-06T06:00:00+00:00"
    );
}

#[test]
fn spring_gap_fires_at_end_of_gap() {
    // US: 2026-03-08 02:00 EST -> 03:00 EDT; 02:30 does not exist that day.
    assert_eq!(
        next("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z"),
        // 03:00 EDT = 07:00 UTC, the instant of the jump
        "2026-03-08T07:00:00+00:00"
    );
    // the day after it is back at 02:30 EDT
    assert_eq!(
        next("30 2 * * *", "America/New_York", "2026-03-08T07:00:00Z"),
        "2026-03-09T06:30:00+00:00"
    );
    // every 15 minutes across the gap: 01:45 EST, then once at the jump, then 03:15
    assert_eq!(
        next("*/15 * * * *", "America/New_York", "2026-03-08T06:45:00Z"),
        "2026-03-08T07:00:00+00:00"
    );
    assert_eq!(
        next("*/15 * * * *", "America/New_York", "2026-03-08T07:00:00Z"),
        "2026-03-08T07:15:00+00:00"
    );
}

#[test]
fn autumn_repeat_fires_once() {
    // US: 2026-11-01 02:00 EDT -> 01:00 EST; 01:30 happens twice.
    let first = next("30 1 * * *", "America/New_York", "2026-11-01T00:00:00Z");
    assert_eq!(first, "2026-11-01T05:30:00+00:00"); // 01:30 EDT
                                                    // after the first 01:30, the next one is the following day, not an hour later
    let second = next("30 1 * * *", "America/New_York", "2026-11-01T05:30:00Z");
    assert_eq!(second, "2026-11-02T06:30:00+00:00"); // 01:30 EST next day
}

#[test]
fn europe_transitions() {
    // EU 2026: spring 29 March 01:00 UTC (03:00 -> 04:00 in Riga), autumn 25 October.
    assert_eq!(
        next("30 3 * * *", "Europe/Riga", "2026-03-28T12:00:00Z"),
        "2026-03-29T01:00:00+00:00"
    );
    let a = next("30 3 * * *", "Europe/Riga", "2026-10-24T12:00:00Z");
    assert_eq!(a, "2026-10-25T00:30:00+00:00");
    assert_eq!(
        next("30 3 * * *", "Europe/Riga", "2026-10-25T00:30:00Z"),
        "2026-10-26T01:30:00+00:00"
    );
}

#[test]
fn leap_days() {
    assert_eq!(
        next("0 0 29 2 *", "UTC", "2026-03-01T00:00:00Z"),
        "2028-02-29T00:00:00+00:00"
    );
    let s = Schedule::interval(Dur::secs(86_400)).unwrap();
    let feb28 = Timestamp::from_datetime(
        &Utc.from_utc_datetime(
            &NaiveDate::from_ymd_opt(2028, 2, 28)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        ),
    );
    assert_eq!(
        s.next_due(feb28).unwrap().to_rfc3339(),
        "2028-02-29T00:00:00+00:00"
    );
}

#[test]
fn macros_and_names() {
    assert_eq!(
        next("@daily", "UTC", "2026-01-01T10:00:00Z"),
        "2026-01-02T00:00:00+00:00"
    );
    assert_eq!(
        next("0 8 * * MON", "UTC", "2026-11-22T10:00:00Z"),
        "2026-11-23T08:00:00+00:00"
    );
}

#[test]
fn bad_expressions_and_zones_are_refused() {
    assert!(matches!(
        CronSchedule::parse("61 * * * *", "UTC"),
        Err(ScheduleError::Cron { .. })
    ));
    assert!(matches!(
        CronSchedule::parse("not cron", "UTC"),
        Err(ScheduleError::Cron { .. })
    ));
    assert!(matches!(
        CronSchedule::parse("* * * * *", "Mars/Olympus"),
        Err(ScheduleError::Timezone(_))
    ));
    assert!(matches!(
        CronSchedule::parse("0 0 30 2 *", "UTC"),
        Err(ScheduleError::NeverFires(_)) | Err(ScheduleError::Cron { .. })
    ));
}

#[test]
fn oncalendar_events() {
    // Weekdays at 02:30 in Riga: Friday 2026-01-09 → Monday 2026-01-12 (00:30 UTC).
    assert_eq!(
        next(
            "Mon..Fri *-*-* 02:30:00",
            "Europe/Riga",
            "2026-01-09T01:00:00Z"
        ),
        "2026-01-12T00:30:00+00:00"
    );
    assert!(CronSchedule::parse("Mon..Fri *-*-* 02:30:00", "UTC")
        .unwrap()
        .is_oncalendar());
    assert!(!CronSchedule::parse("30 2 * * 1-5", "UTC")
        .unwrap()
        .is_oncalendar());
    // systemd requires the weekday and the day both: the 13th that is a Friday.
    assert_eq!(
        next("Fri *-*-13 00:00", "UTC", "2026-01-01T00:00:00Z"),
        "2026-02-13T00:00:00+00:00"
    );
    // The last day of the month.
    assert_eq!(
        next("*-*~1 23:00", "UTC", "2026-02-01T00:00:00Z"),
        "2026-02-28T23:00:00+00:00"
    );
    // Several lines: the earliest.
    assert_eq!(
        next("Mon 09:00\nThu 17:00", "UTC", "2026-01-06T00:00:00Z"),
        "2026-01-08T17:00:00+00:00"
    );
    assert_eq!(
        next("daily", "UTC", "2026-01-06T10:00:00Z"),
        "2026-01-07T00:00:00+00:00"
    );
    assert_eq!(
        next("*-*-1/2 06:00", "UTC", "2026-01-01T07:00:00Z"),
        "2026-01-03T06:00:00+00:00"
    );
    // Refusals name the expression kind and what to write.
    let e = CronSchedule::parse("2026-12-24 18:00", "UTC").unwrap_err();
    assert!(
        e.to_string().contains("OnCalendar") && e.to_string().contains("does not repeat"),
        "{e}"
    );
    let e = CronSchedule::parse("61 * * * *", "UTC").unwrap_err();
    assert!(e.to_string().starts_with("invalid cron expression"), "{e}");
    // In words, naming the field: never the parser's "Component error".
    for (expr, says) in [
        ("61 * * * *", "the minute (1st field) takes 0 to 59, not 61"),
        ("0 25 * * *", "the hour (2nd field) takes 0 to 23, not 25"),
        ("0 3 * *", "this one has 4"),
    ] {
        let e = CronSchedule::parse(expr, "UTC").unwrap_err().to_string();
        assert!(e.ends_with(says) && !e.contains("Component"), "{expr}: {e}");
    }
}

#[test]
fn day_fields_combine_as_cron_combines_them() {
    // A day field beginning with `*` is unrestricted: the other decides (AND).
    assert_eq!(
        next("* 8,14,22 14 * */2", "Asia/Kolkata", "2027-01-01T00:00:00Z"),
        "2027-01-14T02:30:00+00:00",
        "the 14th, and only when it is a Sun/Tue/Thu/Sat"
    );
    assert_eq!(
        next("0 3 */2 * 1", "UTC", "2027-01-01T00:00:00Z"),
        "2027-01-11T03:00:00+00:00",
        "an odd day that is a Monday"
    );
    assert_eq!(
        next("25-57 * */12 * MON-FRI", "UTC", "2027-01-02T00:00:00Z"),
        "2027-01-13T00:25:00+00:00"
    );
    assert_eq!(
        next("49 16 */14 JAN 2-4", "UTC", "2027-01-01T00:00:00Z"),
        "2030-01-01T16:49:00+00:00",
        "the 1st, 15th or 29th of January on a Tue-Thu: none until 2030"
    );
    // Neither begins with `*`: either field (OR), as cron does.
    assert_eq!(
        next("0 0 1,15 * MON", "UTC", "2027-01-02T00:00:00Z"),
        "2027-01-04T00:00:00+00:00"
    );
    // Six fields (seconds first) follow the same rule.
    assert_eq!(
        next("0 0 3 */2 * 1", "UTC", "2027-01-01T00:00:00Z"),
        "2027-01-11T03:00:00+00:00"
    );
}

#[test]
fn wildcard_cron_jobs_follow_the_wall_clock_across_dst() {
    // Berlin, 2027-03-28: 02:00 CET -> 03:00 CEST (01:00 UTC). `*/20 2 28 3 *` is a
    // wildcard job (its minute begins with `*`): cron runs nothing in the gap, so the
    // next run is a year later, not 03:00 that night.
    assert_eq!(
        next("*/20 2 28 3 *", "Europe/Berlin", "2027-03-27T12:00:00Z"),
        "2028-03-28T00:00:00+00:00"
    );
    // A fixed job in the gap still runs at the change.
    assert_eq!(
        next("30 2 28 3 *", "Europe/Berlin", "2027-03-27T12:00:00Z"),
        "2027-03-28T01:00:00+00:00"
    );
    // Autumn, 2027-10-31: 03:00 CEST -> 02:00 CET (01:00 UTC). A wildcard job runs in
    // both passes of 02:xx, in the order the wall clock shows them.
    let after = |t: &str| next("*/20 2 * * *", "Europe/Berlin", t);
    assert_eq!(after("2027-10-30T23:00:00Z"), "2027-10-31T00:00:00+00:00");
    assert_eq!(after("2027-10-31T00:00:00Z"), "2027-10-31T00:20:00+00:00");
    assert_eq!(after("2027-10-31T00:40:00Z"), "2027-10-31T01:00:00+00:00");
    assert_eq!(after("2027-10-31T01:40:00Z"), "2027-11-01T01:00:00+00:00");
    // A fixed job runs once, in the first pass.
    assert_eq!(
        next("30 2 * * *", "Europe/Berlin", "2027-10-31T00:30:00Z"),
        "2027-11-01T01:30:00+00:00"
    );
}

#[test]
fn oncalendar_skips_what_the_spring_change_skips() {
    // systemd-analyze calendar (systemd 252) --base-time=2027-03-27:
    // '*-03-28 02:30:00 Europe/Berlin' next elapses on 2028-03-28 00:30 UTC.
    assert_eq!(
        next("*-03-28 02:30:00", "Europe/Berlin", "2027-03-27T00:00:00Z"),
        "2028-03-28T00:30:00+00:00"
    );
    // '*-*-* 02:30:00 Europe/Berlin' from 2027-10-31 00:00 UTC: 00:30 UTC (the first
    // pass), then 2027-11-01 01:30 UTC.
    assert_eq!(
        next("*-*-* 02:30:00", "Europe/Berlin", "2027-10-31T00:00:00Z"),
        "2027-10-31T00:30:00+00:00"
    );
    assert_eq!(
        next("*-*-* 02:30:00", "Europe/Berlin", "2027-10-31T00:30:00Z"),
        "2027-11-01T01:30:00+00:00"
    );
}

#[test]
fn last_weekday_of_the_month() {
    // July 2027 ends on a Saturday: the last weekday is Friday the 30th.
    assert_eq!(
        next("0 9 LW * *", "UTC", "2027-07-01T00:00:00Z"),
        "2027-07-30T09:00:00+00:00"
    );
    // October 2027 ends on a Sunday: Friday the 29th; November ends on a Tuesday.
    assert_eq!(
        next("0 9 LW * *", "UTC", "2027-10-29T09:00:00Z"),
        "2027-11-30T09:00:00+00:00"
    );
    assert!(CronSchedule::parse("0 9 LW * MON", "UTC").is_err());
}

#[test]
fn worked_examples_of_the_behaviour_doc() {
    let berlin = |expr: &str, after: &str| next(expr, "Europe/Berlin", after);
    // A range with a step that fits once is that one minute, as cron reads it.
    assert_eq!(
        next("37-37/3 * * * *", "UTC", "2027-01-01T10:37:00Z"),
        "2027-01-01T11:37:00+00:00"
    );
    // The 14th when it is a Sunday/Tuesday/Thursday/Saturday (AND: */2 begins with *).
    assert_eq!(
        next("0 8 14 * */2", "Asia/Kolkata", "2027-01-01T00:00:00Z"),
        "2027-01-14T02:30:00+00:00"
    );
    // ... and not on the other days of the week: 14 February 2027 is a Sunday, 14 March
    // a Sunday too, 14 April a Wednesday (skipped), 14 May a Friday (skipped).
    assert_eq!(
        next("0 8 14 * */2", "Asia/Kolkata", "2027-03-15T00:00:00Z"),
        "2027-08-14T02:30:00+00:00"
    );
    // A wildcard job by the hour: 00:30 CET, then 04:30 CEST (02:30 does not exist).
    assert_eq!(
        berlin("30 */2 * * *", "2027-03-27T23:30:00Z"),
        "2027-03-28T02:30:00+00:00"
    );
    // Both fixed jobs of the gap at the change.
    assert_eq!(
        berlin("0,30 2 * * *", "2027-03-27T23:00:00Z"),
        "2027-03-28T01:00:00+00:00"
    );
    assert_eq!(
        berlin("0,30 2 * * *", "2027-03-28T01:00:00Z"),
        "2027-03-29T00:00:00+00:00"
    );
    // OnCalendar from the second pass goes on in it; from before, the first pass only.
    assert_eq!(
        berlin("*:0/20", "2027-10-31T01:10:00Z"),
        "2027-10-31T01:20:00+00:00"
    );
    assert_eq!(
        berlin("*:0/20", "2027-10-31T00:50:00Z"),
        "2027-10-31T02:00:00+00:00"
    );
    // A schedule that fires once in years is taken (2031, 2036, ...).
    assert!(CronSchedule::parse("Sun *-03-02 01:30", "UTC").is_ok());
    assert!(CronSchedule::parse("0 0 30 2 *", "UTC").is_err());
}

#[test]
fn moments_to_preview_from() {
    let c = CronSchedule::parse("0 0 * * *", "America/Santiago").unwrap();
    let at = |t: &str| c.moment(t).map(|t| t.to_rfc3339());
    assert_eq!(
        at("2027-03-27T12:00:00Z").unwrap(),
        "2027-03-27T12:00:00+00:00"
    );
    assert_eq!(at("2027-01-10").unwrap(), "2027-01-10T03:00:00+00:00");
    // Midnight of 5 September 2027 does not exist there: the change, 01:00 -03.
    assert_eq!(at("2027-09-05").unwrap(), "2027-09-05T04:00:00+00:00");
    assert_eq!(at("2027-01-10T08:30").unwrap(), "2027-01-10T11:30:00+00:00");
    assert!(at("yesterday").is_none());
}
