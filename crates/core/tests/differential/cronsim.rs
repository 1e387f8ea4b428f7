//! `L`, `W` and `#` (which cron refuses) against Healthchecks' `cronsim` (pinned in
//! `.ci/run`), in zones without DST: cronsim's reading of those fields is the reference,
//! its DST rules are not (the cron fixtures are).

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::{TimeZone, Utc};
use overdue_core::schedule::CronSchedule;
use overdue_core::Timestamp;

use crate::gen::{self, Rng};

/// Expressions compared.
const EXPRESSIONS: usize = 300;
/// Fire times compared per expression and base time.
const ITERATIONS: usize = 8;
/// Zones without DST (cronsim's DST handling is not cron's).
const ZONES: [&str; 3] = ["UTC", "Asia/Kolkata", "Asia/Tokyo"];

/// Reads `zone\tbase\texpr` lines, prints the next fire times (UTC, RFC 3339) or an error.
const SCRIPT: &str = r#"
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
from cronsim import CronSim
for row in sys.stdin:
    zone, base, expr = row.rstrip("\n").split("\t")
    start = datetime.fromtimestamp(int(base), ZoneInfo(zone))
    try:
        it = CronSim(expr, start)
        out = [next(it).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00") for _ in range(int(sys.argv[1]))]
        print(" ".join(out))
    except Exception as e:
        print("error", type(e).__name__)
"#;

#[test]
fn last_weekday_and_nth_fire_when_cronsim_says() {
    let probe = Command::new("python3")
        .args(["-c", "import cronsim"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            !crate::required(),
            "cronsim is missing (pip install cronsim)"
        );
        eprintln!("cronsim is not installed: the L/W/# comparison is left out");
        return;
    }
    let mut r = Rng::new(20_271_031);
    let bases = [
        Utc.with_ymd_and_hms(2027, 1, 30, 22, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 2, 27, 23, 59, 0).unwrap(),
        Utc.with_ymd_and_hms(2028, 2, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 8, 14, 5, 30, 0).unwrap(),
    ];
    let mut rows = Vec::new();
    for i in 0..EXPRESSIONS {
        let expr = gen::cron_lwh(&mut r);
        let zone = ZONES[i % ZONES.len()];
        for base in bases {
            rows.push((zone, base, expr.clone()));
        }
    }
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT, &ITERATIONS.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let input: String = rows
        .iter()
        .map(|(z, b, e)| format!("{z}\t{}\t{e}\n", b.timestamp()))
        .collect();
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("cronsim answers");
    let text = String::from_utf8_lossy(&out.stdout);
    let theirs: Vec<&str> = text.lines().collect();
    assert_eq!(theirs.len(), rows.len(), "cronsim: one line per row");
    let mut disagree = Vec::new();
    for ((zone, base, expr), theirs) in rows.iter().zip(theirs) {
        let ours = CronSchedule::parse(expr, zone).map(|c| {
            c.upcoming(Timestamp::from_datetime(base), ITERATIONS)
                .into_iter()
                .map(|t| t.to_utc().to_rfc3339())
                .collect::<Vec<_>>()
                .join(" ")
        });
        if ours.as_deref() != Ok(theirs) {
            disagree.push(format!(
                "{expr:?} in {zone} from {base}:\n  cronsim {theirs}\n  overdue {ours:?}"
            ));
        }
    }
    eprintln!(
        "L/W/#: {} (expression, base time) compared with cronsim, {} disagree",
        rows.len(),
        disagree.len()
    );
    for d in disagree.iter().take(20) {
        eprintln!("{d}");
    }
    assert!(disagree.is_empty());
}
