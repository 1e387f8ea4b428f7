//! Reports over counters counted through the write path (each counter also counted for
//! the project and the subject's month): a year's sums from whole months and edges
//! equal the 15-minute counters', on an in-memory SQLite database.

use overdue_core::report::Metric;
use overdue_core::{PublicRef, Timestamp};

use super::*;
use crate::base::conn::DbUrl;
use crate::base::tallies::upsert;

fn ms(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .timestamp_millis()
}

fn count(c: &mut AnyConnection, project: &str, subject: &str, at: &str, metric: Metric) {
    let key = (
        project.to_string(),
        overdue_core::report::bucket_of(ms(at)),
        subject.to_string(),
        metric.key(),
    );
    upsert(c, &key, 1).unwrap();
}

fn missed() -> Metric {
    Metric::Alert {
        reason: "missed".into(),
        severity: "error".into(),
    }
}

#[test]
fn a_years_sums_from_months_and_edges_equal_the_counters() {
    let mut c = DbUrl::Sqlite(":memory:".into()).connect().unwrap();
    crate::migrate(&mut c).unwrap();
    let now = Timestamp(ms("2026-12-07T12:00:00Z"));
    let project = {
        let mut tx = crate::Tx::new(&mut c, now, crate::base::caps::Caps::default());
        crate::people::projects::create(&mut tx, "p").unwrap().id
    };
    let p = project.as_str();
    let caps = crate::base::caps::Caps::default();
    let [a, b] = ["a", "b"].map(|slug| {
        let s = crate::monitoring::monitors::MonitorSettings::from_slug(slug);
        crate::monitoring::monitors::insert(&mut c, p, &s, now, caps)
            .unwrap()
            .id
    });
    let (a, b) = (a.as_str(), b.as_str());
    // Monitor a: once in each whole month of 2026 before December (from monthly
    // counters), once in each edge, once before the period.
    for month in 1..=11 {
        count(
            &mut c,
            p,
            a,
            &format!("2026-{month:02}-15T08:00:00Z"),
            missed(),
        );
    }
    count(&mut c, p, a, "2025-12-20T23:50:00Z", missed());
    count(&mut c, p, a, "2026-12-05T00:10:00Z", missed());
    count(&mut c, p, a, "2025-12-05T10:00:00Z", missed());
    // Monitor b: three in June, with a flap and a reminder.
    for _ in 0..3 {
        count(&mut c, p, b, "2026-06-15T08:00:00Z", missed());
    }
    count(&mut c, p, b, "2026-06-15T09:00:00Z", Metric::Flap);
    count(&mut c, p, b, "2026-12-01T00:00:00Z", Metric::Reminder);
    // An alert of no monitor (a failing channel) and times to acknowledge.
    count(&mut c, p, "", "2026-03-01T00:00:00Z", missed());
    count(
        &mut c,
        p,
        a,
        "2026-03-01T00:00:00Z",
        Metric::ack_after(40_000),
    );
    count(
        &mut c,
        p,
        b,
        "2026-11-30T23:59:00Z",
        Metric::ack_after(40_000),
    );
    count(
        &mut c,
        p,
        b,
        "2025-11-30T23:59:00Z",
        Metric::ack_after(40_000),
    );
    let ask = Ask {
        from: Some("2025-12-10".into()),
        to: Some("2026-12-06".into()),
        ..Ask::default()
    };
    let Report::Noisiest(noisy) = build(&mut c, p, "noisiest", &ask, now).unwrap() else {
        panic!("not the noisiest report");
    };
    let rows: Vec<(String, i64, i64, i64)> = noisy
        .rows
        .iter()
        .map(|r| (r.monitor.clone(), r.alerts, r.flaps, r.reminders))
        .collect();
    assert_eq!(
        rows,
        vec![
            (String::from(PublicRef::of(a)), 13, 0, 0),
            (String::from(PublicRef::of(b)), 3, 1, 1),
        ]
    );
    let Report::Alerts(alerts) = build(&mut c, p, "alerts", &ask, now).unwrap() else {
        panic!("not the alerts report");
    };
    assert_eq!(alerts.total, 17);
    assert_eq!(alerts.previous_total, 1);
    assert_eq!(alerts.by_tag.get("(none)"), Some(&17));
    assert_eq!(alerts.rows.iter().map(|r| r.total).sum::<i64>(), 17);
    let Report::Response(r) = build(&mut c, p, "response", &ask, now).unwrap() else {
        panic!("not the response report");
    };
    assert_eq!(r.acknowledge.now.count, 2);
    assert_eq!(r.acknowledge.previous.count, 1);
    // A monitor's scope reads its own counters, months and edges alike.
    let one = Ask {
        scope: Some("monitor:a".into()),
        ..ask.clone()
    };
    let Report::Noisiest(noisy) = build(&mut c, p, "noisiest", &one, now).unwrap() else {
        panic!("not the noisiest report");
    };
    let rows: Vec<(String, i64)> = noisy
        .rows
        .iter()
        .map(|r| (r.monitor.clone(), r.alerts))
        .collect();
    assert_eq!(rows, vec![(String::from(PublicRef::of(a)), 13)]);
    let Report::Alerts(alerts) = build(&mut c, p, "alerts", &one, now).unwrap() else {
        panic!("not the alerts report");
    };
    assert_eq!((alerts.total, alerts.previous_total), (13, 1));
}
