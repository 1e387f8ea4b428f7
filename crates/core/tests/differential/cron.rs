//! Cron against Debian's real cron: the runs it made across each 2027 change, recorded by
//! `tools/cron_fixtures.py` into `fixtures/cron_dst.json`.

use overdue_core::schedule::CronSchedule;
use overdue_core::Timestamp;
use serde_json::Value;

/// The fire times (Unix seconds) of `expr` in `zone` within `from..until`.
fn overdue(expr: &str, zone: &str, from: i64, until: i64) -> Result<Vec<i64>, String> {
    let c = CronSchedule::parse(expr, zone).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut at = Timestamp(from * 1000 - 1);
    while let Some(t) = c.next_after(at) {
        if t.millis() >= until * 1000 {
            break;
        }
        out.push(t.millis() / 1000);
        at = t;
    }
    Ok(out)
}

/// `2027-03-28T02:30` in the zone, with its offset, for a readable report.
fn local(t: i64, zone: &str) -> String {
    let tz: chrono_tz::Tz = zone.parse().expect("a zone");
    chrono::DateTime::from_timestamp(t, 0)
        .expect("a time")
        .with_timezone(&tz)
        .format("%m-%d %H:%M%:z")
        .to_string()
}

#[test]
fn cron_runs_when_debian_cron_does() {
    let text = include_str!("../fixtures/cron_dst.json");
    let fixtures: Value = serde_json::from_str(text).expect("the fixtures are JSON");
    let (mut compared, mut disagree, mut folded) = (0, Vec::new(), 0);
    for case in fixtures["cases"].as_array().expect("cases") {
        let zone = case["zone"].as_str().expect("zone");
        let (from, until) = (
            case["from"].as_i64().expect("from"),
            case["until"].as_i64().expect("until"),
        );
        for line in case["lines"].as_array().expect("lines") {
            let expr = line["cron"].as_str().expect("cron");
            let mut theirs: Vec<i64> = line["runs"]
                .as_array()
                .expect("runs")
                .iter()
                .filter_map(Value::as_i64)
                .filter(|t| (from..until).contains(t))
                .collect();
            // Cron runs a fixed job once for each of its times the spring change skipped,
            // all at the change; a monitor expects that instant once (one ping is the
            // run): the instants are compared.
            let runs = theirs.len();
            theirs.dedup();
            folded += usize::from(theirs.len() < runs);
            compared += 1;
            let ours = overdue(expr, zone, from, until);
            if ours.as_ref() != Ok(&theirs) {
                let show = |v: &[i64]| {
                    v.iter()
                        .map(|t| local(*t, zone))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                disagree.push(format!(
                    "{expr:?} in {zone} (change {}):\n  cron    {}\n  overdue {}",
                    local(case["change"].as_i64().expect("change"), zone),
                    show(&theirs),
                    ours.map(|o| show(&o)).unwrap_or_else(|e| e)
                ));
            }
        }
    }
    eprintln!(
        "cron: {compared} (expression, transition) compared with Debian cron's runs, {} disagree; \
         {folded} ran several times at the spring change, one instant",
        disagree.len()
    );
    for d in disagree.iter().take(30) {
        eprintln!("{d}");
    }
    assert!(compared > 0 && disagree.is_empty());
}
