//! `OnCalendar` against `systemd-analyze calendar` (Debian's systemd): the next fire
//! times of seeded expressions in each zone, from base times around each 2027 change.

use std::process::Command;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use overdue_core::schedule::CronSchedule;
use overdue_core::Timestamp;

use crate::gen::{self, Rng};

/// Expressions per zone.
const EXPRESSIONS: usize = 120;
/// Fire times compared per expression and base time.
const ITERATIONS: usize = 6;

/// The fire times systemd lists for each expression (in order), from `base`.
fn systemd(exprs: &[String], zone: &str, base: DateTime<Utc>) -> Vec<Vec<String>> {
    let out = Command::new("systemd-analyze")
        .env("TZ", "UTC")
        .arg("calendar")
        .arg(format!("--base-time=@{}", base.timestamp()))
        .arg(format!("--iterations={ITERATIONS}"))
        .args(exprs.iter().map(|e| format!("{e} {zone}")))
        .output()
        .expect("systemd-analyze runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut blocks: Vec<Vec<String>> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("Normalized form:") {
            blocks.push(Vec::new());
        } else if let Some(rest) = line.strip_prefix("Next elapse:").or_else(|| {
            line.split_once(':')
                .filter(|(k, _)| k.starts_with("Iter. #"))
                .map(|(_, v)| v)
        }) {
            let rest = rest.trim();
            if rest != "never" {
                // "Tue 2028-03-28 00:30:00 UTC"
                let t = NaiveDateTime::parse_from_str(&rest[4..23], "%Y-%m-%d %H:%M:%S")
                    .expect("systemd-analyze's time");
                blocks
                    .last_mut()
                    .expect("a block")
                    .push(t.and_utc().to_rfc3339());
            }
        }
    }
    assert_eq!(
        blocks.len(),
        exprs.len(),
        "systemd-analyze: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    blocks
}

/// Overdue's next fire times of `expr` in `zone` from `base`.
fn overdue(expr: &str, zone: &str, base: DateTime<Utc>) -> Result<Vec<String>, String> {
    let c = CronSchedule::parse(expr, zone).map_err(|e| e.to_string())?;
    Ok(c.upcoming(Timestamp::from_datetime(&base), ITERATIONS)
        .into_iter()
        .map(|t| t.to_utc().to_rfc3339())
        .collect())
}

/// Whether the lists differ only where systemd normalises a time: every fire time in
/// one and not the other, up to where both lists reach, lies in the two passes of the
/// repeated hour or at its end, or is the first minute after a spring gap at midnight.
/// There systemd's choice follows the state of glibc's `mktime` and its normalising of a
/// day that rolls over (docs/behaviour.md, "Cron and DST"); anywhere else a difference is
/// a disagreement.
fn only_where_systemd_normalises(ours: &[String], theirs: &[String], tz: Tz) -> bool {
    use chrono::Offset;
    let parse = |v: &[String]| -> Vec<i64> {
        v.iter()
            .filter_map(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp())
            .collect()
    };
    let (a, b) = (parse(ours), parse(theirs));
    let horizon = a.last().min(b.last()).copied().unwrap_or(i64::MAX);
    let offset = |t: i64| {
        DateTime::from_timestamp(t, 0)
            .map(|d| d.with_timezone(&tz).offset().fix().local_minus_utc())
            .unwrap_or(0)
    };
    let near_fold = |t: i64| {
        // An autumn change up to a fold (an hour) before `t`'s second pass ends or an
        // hour after it: the offset drops across it.
        let (before, after) = (offset(t - 7_200), offset(t + 3_600));
        before > after
    };
    // A spring change at midnight (Santiago): systemd rolling over from the day before
    // skips the first minute after the gap, which Overdue keeps.
    let after_midnight_gap = |t: i64| {
        let local =
            |t: i64| DateTime::from_timestamp(t, 0).map(|d| d.with_timezone(&tz).naive_local());
        offset(t - 1) < offset(t)
            && local(t - 1).map(|l| l.date()) != local(t).map(|l| l.date())
            && !b.contains(&t)
    };
    a.iter()
        .filter(|t| !b.contains(t))
        .chain(b.iter().filter(|t| !a.contains(t)))
        .filter(|t| **t <= horizon)
        .all(|t| near_fold(*t) || after_midnight_gap(*t))
}

/// Compares seeded expressions in `zone` from each base time: how many were compared,
/// the disagreements, and how many differ only around a repeated hour.
fn compare_zone(zone: &str, seed: u64) -> (usize, Vec<String>, usize) {
    let mut r = Rng::new(seed);
    let (mut compared, mut disagree, mut tilde) = (0, Vec::new(), 0);
    let exprs: Vec<String> = (0..EXPRESSIONS).map(|_| gen::oncalendar(&mut r)).collect();
    let tz: Tz = zone.parse().expect("a zone");
    for base in crate::base_times(tz) {
        let theirs = systemd(&exprs, zone, base);
        for (expr, theirs) in exprs.iter().zip(theirs) {
            compared += 1;
            let ours = overdue(expr, zone, base);
            if ours.as_ref() == Ok(&theirs) {
                continue;
            }
            if ours
                .as_ref()
                .is_ok_and(|o| only_where_systemd_normalises(o, &theirs, tz))
            {
                tilde += 1;
            } else {
                disagree.push(format!(
                    "{expr:?} in {zone} from {base}:\n  systemd {theirs:?}\n  overdue {ours:?}"
                ));
            }
        }
    }
    (compared, disagree, tilde)
}

#[test]
fn oncalendar_fires_when_systemd_does() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            !crate::required(),
            "systemd-analyze is missing (apt-get install systemd)"
        );
        eprintln!("systemd-analyze is not installed: the OnCalendar comparison is left out");
        return;
    }
    // Each zone its own expressions and thread (the comparison is CPU-bound on our side).
    let results: Vec<(usize, Vec<String>, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = crate::ZONES
            .iter()
            .enumerate()
            .map(|(i, zone)| s.spawn(move || compare_zone(zone, 20_270_328 + i as u64)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a zone's comparison"))
            .collect()
    });
    let compared: usize = results.iter().map(|r| r.0).sum();
    let tilde: usize = results.iter().map(|r| r.2).sum();
    let disagree: Vec<String> = results.into_iter().flat_map(|r| r.1).collect();
    eprintln!(
        "OnCalendar: {compared} (expression, zone, base time) compared with systemd-analyze, \
         {} disagree; only where \
         systemd's choice follows glibc's mktime (a repeated hour, a gap at midnight): {tilde}",
        disagree.len()
    );
    for d in disagree.iter().take(20) {
        eprintln!("{d}");
    }
    assert!(disagree.is_empty());
}
