use std::collections::BTreeMap;

use super::*;
use crate::flow::Calendar;
use overdue_types::reports::ReportSpan;

fn at(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .timestamp_millis()
}

fn span(tz: &str) -> ReportSpan {
    ReportSpan {
        from: String::new(),
        to: String::new(),
        previous_from: String::new(),
        scope: "project".into(),
        tz: tz.into(),
    }
}

fn tally(subject: &str, when: &str, m: Metric, n: i64) -> Tally {
    Tally {
        subject: subject.into(),
        bucket: bucket_of(at(when)),
        metric: m.key(),
        n,
    }
}

fn alert(reason: &str, severity: &str) -> Metric {
    Metric::Alert {
        reason: reason.into(),
        severity: severity.into(),
    }
}

#[test]
fn metrics_read_back_as_written() {
    for m in [
        alert("missed", "error"),
        Metric::ack_after(90_000),
        Metric::fix_after(3_600_000),
        Metric::Flap,
        Metric::Reminder,
        Metric::Page("ch1".into()),
        Metric::AckBy("ann|b@example.com".into()),
        Metric::held_for(600_000),
        Metric::Unit("invoice".into()),
        Metric::UnitFixed("in|voice".into()),
        Metric::UnitFixMs("invoice".into()),
    ] {
        assert_eq!(Metric::parse(&m.key()), Some(m));
    }
    assert_eq!(Metric::parse("future|1"), None);
    assert_eq!(Metric::parse("ack|x"), None);
}

#[test]
fn reasons_and_unit_kinds() {
    assert_eq!(
        reason_of("down", Some("missed_after"), false),
        Some("missed")
    );
    assert_eq!(reason_of("down", Some("hung"), true), Some("step"));
    assert_eq!(reason_of("down", Some("hung"), false), Some("hung"));
    assert_eq!(reason_of("down", Some("stalled"), false), Some("stall"));
    assert_eq!(reason_of("flow", None, false), Some("breach"));
    assert_eq!(reason_of("test", None, false), None);
    assert_eq!(unit_kind("invoice:981"), "invoice");
    assert_eq!(unit_kind("981"), "(none)");
    assert_eq!(unit_kind(":x"), "(none)");
}

#[test]
fn periods_in_the_projects_zone() {
    let now = at("2026-12-07T10:07:00+09:00");
    let p = period(&PeriodAsk::default(), "Asia/Tokyo", now).unwrap();
    assert_eq!(p.from, at("2026-11-08T00:00:00+09:00"));
    assert_eq!(p.to, at("2026-12-07T10:15:00+09:00"));
    assert_eq!(p.previous_from, at("2026-10-09T00:00:00+09:00"));
    let ask = PeriodAsk {
        month: Some("2026-11"),
        ..PeriodAsk::default()
    };
    let p = period(&ask, "Europe/Riga", now).unwrap();
    assert_eq!(p.from, at("2026-11-01T00:00:00+02:00"));
    assert_eq!(p.to, at("2026-12-01T00:00:00+02:00"));
    assert_eq!(p.previous_from, at("2026-10-01T00:00:00+03:00"));
    let ask = PeriodAsk {
        from: Some("2026-11-02"),
        to: Some("2026-11-03"),
        ..PeriodAsk::default()
    };
    let p = period(&ask, "UTC", now).unwrap();
    assert_eq!(p.to - p.from, 2 * 86_400_000);
    assert_eq!(p.previous_from, p.from - 2 * 86_400_000);
    for bad in [
        PeriodAsk {
            period: Some("week"),
            ..PeriodAsk::default()
        },
        PeriodAsk {
            month: Some("2026-13"),
            ..PeriodAsk::default()
        },
        PeriodAsk {
            from: Some("2026-11-02"),
            ..PeriodAsk::default()
        },
        PeriodAsk {
            period: Some("7d"),
            month: Some("2026-11"),
            ..PeriodAsk::default()
        },
    ] {
        assert!(period(&bad, "UTC", now).is_err(), "{bad:?}");
    }
    assert_eq!(
        Scope::parse("tag:nightly"),
        Ok(Scope::Tag("nightly".into()))
    );
    assert!(Scope::parse("team:x").is_err());
}

#[test]
fn alerts_per_local_day_reason_severity_and_tag() {
    let ask = PeriodAsk {
        from: Some("2026-12-01"),
        to: Some("2026-12-02"),
        ..PeriodAsk::default()
    };
    let p = period(&ask, "Asia/Tokyo", 0).unwrap();
    let t = vec![
        // 23:50 UTC on Nov 30 is Dec 1 in Tokyo.
        tally("m1", "2026-11-30T23:50:00Z", alert("missed", "error"), 2),
        tally("m2", "2026-12-02T14:59:00Z", alert("failed", "critical"), 1),
        // Dec 3 in Tokyo: outside.
        tally("m2", "2026-12-02T15:00:00Z", alert("failed", "critical"), 5),
        // The period before.
        tally("m1", "2026-11-29T10:00:00Z", alert("missed", "error"), 4),
        tally("", "2026-12-01T10:00:00Z", alert("channel", "warning"), 1),
    ];
    let tags = |s: &str| match s {
        "m1" => vec!["nightly".to_string(), "billing".to_string()],
        _ => Vec::new(),
    };
    let r = figures::alerts(&t, &t, p, span("Asia/Tokyo"), false, &tags);
    assert_eq!(r.total, 4);
    assert_eq!(r.previous_total, 4);
    let dates: Vec<&str> = r.rows.iter().map(|r| r.date.as_str()).collect();
    assert_eq!(dates, ["2026-12-01", "2026-12-02"]);
    assert_eq!(r.rows[0].total, 3);
    assert_eq!(r.rows[1].by_reason, BTreeMap::from([("failed".into(), 1)]));
    assert_eq!(r.by_severity["error"], 2);
    assert_eq!(r.by_tag["nightly"], 2);
    assert_eq!(r.by_tag["billing"], 2);
    assert_eq!(r.by_tag["(none)"], 2);
    let weeks = figures::alerts(&t, &t, p, span("Asia/Tokyo"), true, &tags);
    assert_eq!(weeks.rows.len(), 1);
    assert_eq!(weeks.rows[0].date, "2026-11-30");
}

#[test]
fn response_percentiles_are_bin_upper_bounds() {
    let ask = PeriodAsk {
        from: Some("2026-12-01"),
        to: Some("2026-12-01"),
        ..PeriodAsk::default()
    };
    let p = period(&ask, "UTC", 0).unwrap();
    let mut t = Vec::new();
    for (ms, n) in [(60_000, 5), (600_000, 4), (3_600_000, 1)] {
        t.push(tally(
            "m1",
            "2026-12-01T12:00:00Z",
            Metric::ack_after(ms),
            n,
        ));
    }
    t.push(tally(
        "m1",
        "2026-11-30T12:00:00Z",
        Metric::ack_after(120_000),
        2,
    ));
    let r = response(&t, p, span("UTC"));
    assert_eq!(r.acknowledge.now.count, 10);
    // 60 s lies in the bin [53.8 s, 64 s): its upper bound.
    assert_eq!(r.acknowledge.now.p50, Some(64));
    // 600 s in [574 s, 609 s).
    assert_eq!(r.acknowledge.now.p90, Some(608));
    assert_eq!(r.acknowledge.previous.count, 2);
    assert_eq!(r.resolve.now.count, 0);
    assert_eq!(r.resolve.now.p50, None);
}

#[test]
fn out_of_hours_by_the_calendar() {
    let cal = Calendar {
        tz: "Europe/Riga".into(),
        hours: BTreeMap::from([("mon".to_string(), vec!["08:00-18:00".to_string()])]),
        holidays: Vec::new(),
    };
    let ask = PeriodAsk {
        from: Some("2026-12-07"),
        to: Some("2026-12-07"),
        ..PeriodAsk::default()
    };
    let p = period(&ask, "Europe/Riga", 0).unwrap();
    let t = vec![
        tally(
            "m1",
            "2026-12-07T09:00:00+02:00",
            alert("missed", "error"),
            1,
        ),
        tally(
            "m1",
            "2026-12-07T03:00:00+02:00",
            alert("missed", "error"),
            2,
        ),
        tally(
            "m1",
            "2026-12-07T03:00:00+02:00",
            Metric::Page("ch1".into()),
            2,
        ),
        tally(
            "m1",
            "2026-12-07T09:00:00+02:00",
            Metric::Page("ch2".into()),
            1,
        ),
        tally(
            "m1",
            "2026-12-07T03:10:00+02:00",
            Metric::AckBy("ann@x".into()),
            1,
        ),
        tally(
            "m1",
            "2026-12-07T22:00:00+02:00",
            Metric::held_for(600_000),
            1,
        ),
    ];
    let names = |c: &str| Some(format!("name {c}"));
    let r = out_of_hours(&t, p, span("Europe/Riga"), Some(("office", &cal)), &names);
    assert_eq!((r.alerts, r.alerts_out_of_hours), (3, 2));
    assert_eq!((r.pages, r.pages_out_of_hours), (3, 2));
    assert_eq!(r.channels[0].channel, "ch1");
    assert_eq!(r.channels[0].out_of_hours, 2);
    assert_eq!(r.channels[1].name.as_deref(), Some("name ch2"));
    assert_eq!(r.people[0].out_of_hours, 1);
    assert_eq!((r.held.count, r.held_out_of_hours), (1, 1));
    let none = out_of_hours(&t, p, span("Europe/Riga"), None, &names);
    assert_eq!(none.alerts_out_of_hours, 0);
    assert_eq!(none.calendar, None);
}

#[test]
fn noisiest_and_units() {
    let ask = PeriodAsk {
        from: Some("2026-12-01"),
        to: Some("2026-12-01"),
        ..PeriodAsk::default()
    };
    let p = period(&ask, "UTC", 0).unwrap();
    let mut t = Vec::new();
    for i in 0..12 {
        let id = format!("m{i:02}");
        t.push(tally(
            &id,
            "2026-12-01T01:00:00Z",
            alert("failed", "error"),
            i + 1,
        ));
    }
    t.push(tally("m00", "2026-12-01T01:00:00Z", Metric::Flap, 1));
    t.push(tally(
        "flow:f1",
        "2026-12-01T01:00:00Z",
        alert("breach", "error"),
        99,
    ));
    t.push(tally(
        "m05",
        "2026-12-01T01:00:00Z",
        Metric::Unit("invoice".into()),
        3,
    ));
    t.push(tally(
        "m05",
        "2026-12-01T02:00:00Z",
        Metric::UnitFixed("invoice".into()),
        2,
    ));
    t.push(tally(
        "m05",
        "2026-12-01T02:00:00Z",
        Metric::UnitFixMs("invoice".into()),
        180_000,
    ));
    let r = noisiest(&t, p, span("UTC"), &|_| None);
    assert_eq!(r.rows.len(), 10);
    assert_eq!(r.rows[0].monitor, String::from(crate::PublicRef::of("m11")));
    assert_eq!(r.rows[0].alerts, 12);
    assert!(r.rows[0].advice.contains("down_after"));
    assert_eq!(r.rows[0].link, format!("/monitors/{}", r.rows[0].monitor));
    let u = units(&t, p, span("UTC"), Vec::new());
    assert_eq!(u.rows.len(), 1);
    assert_eq!(
        (u.rows[0].failed, u.rows[0].fixed, u.rows[0].mean_fix),
        (3, 2, Some(90))
    );
}

#[test]
fn flow_stages_with_rates_and_times() {
    let ask = PeriodAsk {
        from: Some("2026-12-01"),
        to: Some("2026-12-01"),
        ..PeriodAsk::default()
    };
    let p = period(&ask, "UTC", 0).unwrap();
    let at = |s: &str| self::at(s);
    let t: Vec<flow_figures::StageTally> = vec![
        (
            "placed".into(),
            "entered".into(),
            at("2026-12-01T10:00:00Z"),
            8,
        ),
        (
            "placed".into(),
            "breached".into(),
            at("2026-12-01T10:05:00Z"),
            2,
        ),
        (
            "placed".into(),
            "t:24".into(),
            at("2026-12-01T10:00:00Z"),
            6,
        ),
        (
            "placed".into(),
            "t:37".into(),
            at("2026-12-01T10:00:00Z"),
            2,
        ),
        (
            "placed".into(),
            "entered".into(),
            at("2026-11-30T10:00:00Z"),
            3,
        ),
        ("placed".into(), "open".into(), i64::MAX, 5),
    ];
    let stages = vec!["placed".to_string(), "shipped".to_string()];
    let f = flow_figures::flow("f1", "orders", &stages, &t, p, "UTC");
    let s = &f.stages[0];
    assert_eq!((s.entered, s.breached, s.breach_rate), (8, 2, Some(25.0)));
    assert_eq!((s.p50, s.p95), (Some(64), Some(608)));
    assert_eq!((s.previous_entered, s.previous_p50), (3, None));
    assert_eq!(f.stages[1].breach_rate, None);
    // Breaches per local day: the one day of the period, with its two.
    let days: Vec<(&str, i64)> = f.breaches.iter().map(|d| (d.date.as_str(), d.n)).collect();
    assert_eq!(days, [("2026-12-01", 2)]);
    // 16:00 UTC on 30 November is 1 December in Tokyo: that day's breach there.
    let tokyo = period(&ask, "Asia/Tokyo", 0).unwrap();
    let late = vec![(
        "placed".to_string(),
        "breached".to_string(),
        at("2026-11-30T16:00:00Z"),
        1,
    )];
    let f = flow_figures::flow("f1", "orders", &stages, &late, tokyo, "Asia/Tokyo");
    let days: Vec<(&str, i64)> = f.breaches.iter().map(|d| (d.date.as_str(), d.n)).collect();
    assert_eq!(days, [("2026-12-01", 1)]);
}
