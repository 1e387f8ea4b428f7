//! The report by e-mail (docs/behaviour.md, "The report by e-mail"), through a real SMTP
//! server: a week with one monitor down two hours, a weekly summary set for two
//! addresses at 08:00 in Riga, the clock moved past Monday's time — one message each,
//! with the headline figures, availability against the target, the noisiest monitor, a
//! link to the period's Reports page, and PNG charts that decode; the next one due a
//! week later. Bad settings are refused in words.

use std::sync::atomic::AtomicI64;
use std::time::Duration;

use mail_parser::MimeHeaders;
use serde_json::{json, Value};

use crate::both;
use crate::harness::smtp::SmtpServer;
use crate::harness::{fresh_database, Backend, TestApp};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_millis()
}

async fn weekly_summary(backend: Backend) {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let shift = std::sync::Arc::new(AtomicI64::new(0));
    let app = TestApp::spawn_shifted_on(
        &fresh_database(backend),
        move |s| {
            s.smtp = Some(overdue::config::Smtp {
                url,
                from: "Overdue <overdue@example.com>".into(),
            });
        },
        shift.clone(),
    )
    .await;
    // A Wednesday 10:00 UTC ahead (1970-01-01 was a Thursday: Wednesdays are days ≡ 6).
    let now = chrono::Utc::now().timestamp_millis();
    let days = now.div_euclid(DAY) + 1;
    let t0 = (days + (6 - days).rem_euclid(7)) * DAY + 10 * HOUR;
    app.jump(&shift, t0).await;
    let (s, p) = app
        .api(
            "PATCH",
            "/api/v1/project",
            Some(json!({"tz": "Europe/Riga"})),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let project = p["name"].as_str().unwrap().to_string();

    // Refused in words, nothing kept.
    for (bad, says) in [
        (
            json!({"every": "day", "to": ["ops@example.com"]}),
            "neither week nor month",
        ),
        (json!({"every": "week", "to": ["nope"]}), "report_mail.to"),
        (json!({"every": "week", "to": []}), "at least one"),
        (
            json!({"every": "week", "to": ["ops@example.com"], "at": "25:00"}),
            "HH:MM",
        ),
        (
            json!({"every": "week", "to": ["ops@example.com"], "colour": "red"}),
            "colour",
        ),
    ] {
        let (s, e) = app
            .api(
                "PATCH",
                "/api/v1/project",
                Some(json!({ "report_mail": bad })),
            )
            .await;
        assert_eq!(s, 400, "{bad}: {e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{bad}: {e}");
    }
    let (_, p) = app.api("GET", "/api/v1/project", None).await;
    assert_eq!(p["report_mail"], Value::Null, "{p}");

    let setting =
        json!({"every": "week", "to": ["ops@example.com", "lead@example.com"], "at": "08:00"});
    let (s, p) = app
        .api(
            "PATCH",
            "/api/v1/project",
            Some(json!({ "report_mail": setting })),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let mail = &p["report_mail"];
    assert_eq!(
        (&mail["every"], &mail["at"], &mail["to"]),
        (
            &json!("week"),
            &json!("08:00"),
            &json!(["ops@example.com", "lead@example.com"])
        ),
        "{p}"
    );
    // Monday 08:00 in Riga: 06:00 UTC in winter, 05:00 in summer.
    let next = ms(mail["next_at"].as_str().unwrap());
    let monday = chrono::DateTime::from_timestamp_millis(next).unwrap();
    use chrono::{Datelike, Timelike};
    assert_eq!(monday.weekday(), chrono::Weekday::Mon, "{p}");
    assert!([5, 6].contains(&monday.hour()), "{p}");
    assert!(next > t0 && next - t0 < 6 * DAY, "{p}");

    // Wednesday: a monitor down for two hours.
    let m = app
        .monitor(json!({"name": "nightly import", "period": "1d", "grace": "1h"}))
        .await;
    assert_eq!(app.ping(&m).await, 200);
    app.jump(&shift, t0).await;
    assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
    // Two hours and a second and a half: the steps' own milliseconds never make it
    // "1 h 59 min".
    app.jump(&shift, t0 + 2 * HOUR + 1_500).await;
    assert_eq!(app.ping(&m).await, 200);
    // Keep it up until Monday: a ping a day.
    for d in 1..5 {
        app.jump(&shift, t0 + d * DAY).await;
        assert_eq!(app.ping(&m).await, 200);
    }

    // Past Monday's time: one message per address.
    app.jump(&shift, next + 1_000).await;
    let mails = smtp
        .wait_for(Duration::from_secs(20), |all| all.len() >= 2)
        .await;
    assert_eq!(mails.len(), 2, "one each");
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["lead@example.com", "ops@example.com"]);
    let m0 = &mails[0];
    let subject = m0.subject();
    assert!(
        subject.starts_with(&format!("Overdue report for {project}: the week of ")),
        "{subject}"
    );
    let text = m0.text();
    assert!(
        text.contains("Alerts: 1 (the period before: 0) — failed 1"),
        "{text}"
    );
    // The week ends on Sunday at midnight in Riga (Monday 08:00 less eight hours):
    // available all of it but two hours since its creation on Wednesday.
    let counted = (next - 8 * HOUR - t0) as f64;
    let share = 100.0 * (counted - 2.0 * HOUR as f64) / counted;
    assert!(
        text.contains("0 of 1 monitors at or above the target of 99.5 %."),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("- nightly import: ") && l.ends_with("% (down 2 h 0 min)"))
        .unwrap_or_else(|| panic!("the monitor under the target: {text}"));
    let said: f64 = line["- nightly import: ".len()..line.len() - "% (down 2 h 0 min)".len()]
        .trim()
        .parse()
        .unwrap();
    assert!(
        (said - share).abs() < 0.002,
        "{said} against {share}: {text}"
    );
    assert!(text.contains("nightly import: 1 alerts, 0 flaps"), "{text}");
    assert!(text.contains("Out of hours: 0 of 1 alerts"), "{text}");
    assert!(text.contains("/reports?from="), "{text}");
    assert!(
        text.contains("Alerts per day: 1 in all (failed 1)"),
        "{text}"
    );
    let html = m0.html();
    assert!(html.contains("<img src=\"cid:alerts-chart\""), "{html}");
    assert!(
        html.contains("<img src=\"cid:availability-chart\""),
        "{html}"
    );
    assert!(html.contains("alt=\"Alerts per day: 1 in all"), "{html}");
    // Both charts are PNG images that decode, with their Content-ID.
    let parsed = m0.parsed();
    let pngs: Vec<(String, Vec<u8>)> = parsed
        .parts
        .iter()
        .filter(|p| p.is_content_type("image", "png"))
        .map(|p| {
            (
                p.content_id().unwrap_or_default().to_string(),
                p.contents().to_vec(),
            )
        })
        .collect();
    let mut ids: Vec<&str> = pngs.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["alerts-chart", "availability-chart"], "{ids:?}");
    for (id, bytes) in &pngs {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes.as_slice()));
        let reader = decoder.read_info().unwrap_or_else(|e| panic!("{id}: {e}"));
        let info = reader.info();
        assert_eq!(info.width, 1_200, "{id}: twice 600 px");
        assert!(info.height >= 100, "{id}: {}", info.height);
    }

    // In the project's delivery log, one attempt each, named as the summary e-mail (an
    // attempt is recorded after the relay took the message: polled, not assumed).
    let mut log = Value::Null;
    for _ in 0..200 {
        let (s, l) = app.api("GET", "/api/v1/deliveries", None).await;
        assert_eq!(s, 200, "{l}");
        log = l;
        let n = log["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["event"] == "report.mail")
            .count();
        if n >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sent: Vec<&Value> = log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["event"] == "report.mail")
        .collect();
    assert_eq!(sent.len(), 2, "{log}");
    for d in &sent {
        assert_eq!(d["channel"], "Summary e-mail", "{d}");
        assert_eq!(d["error"], Value::Null, "{d}");
        assert!(
            ["ops@example.com", "lead@example.com"].contains(&d["recipient"].as_str().unwrap()),
            "{d}"
        );
    }

    // The next one a week later.
    let (_, p) = app.api("GET", "/api/v1/project", None).await;
    assert_eq!(
        ms(p["report_mail"]["next_at"].as_str().unwrap()),
        next + 7 * DAY,
        "{p}"
    );
    // Turned off.
    let (s, p) = app
        .api(
            "PATCH",
            "/api/v1/project",
            Some(json!({"report_mail": null})),
        )
        .await;
    assert_eq!((s, &p["report_mail"]), (200, &Value::Null), "{p}");
    app.stop().await;
}
both!(weekly_summary, weekly_summary);
