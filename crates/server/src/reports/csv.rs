//! Reports as CSV (docs/behaviour.md, "Reports"): the same figures as the JSON, one
//! table per report with a header line. Columns are fixed per report (every reason and
//! severity has its column, also when zero), so a spreadsheet built on one download
//! reads the next.

use overdue_storage::reports::Report;
use overdue_types::reports::{Percentiles, Trend};

/// Every reason an alert counts under, in column order.
const REASONS: &[&str] = &[
    "missed",
    "failed",
    "hung",
    "step",
    "stall",
    "too_short",
    "problem",
    "breach",
    "channel",
    "event",
];
/// Every severity, in column order.
const SEVERITIES: &[&str] = &["critical", "error", "warning", "info"];

/// The report as CSV text.
pub(super) fn render(report: &Report) -> Result<String, ::csv::Error> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    match report {
        Report::Alerts(r) => {
            let mut head = vec!["date".to_string(), "total".into()];
            head.extend(REASONS.iter().map(|r| format!("reason_{r}")));
            head.extend(SEVERITIES.iter().map(|s| format!("severity_{s}")));
            w.write_record(&head)?;
            for row in &r.rows {
                let mut line = vec![row.date.clone(), row.total.to_string()];
                let n = |m: &std::collections::BTreeMap<String, i64>, k: &str| {
                    m.get(k).copied().unwrap_or(0).to_string()
                };
                line.extend(REASONS.iter().map(|k| n(&row.by_reason, k)));
                line.extend(SEVERITIES.iter().map(|k| n(&row.by_severity, k)));
                w.write_record(&line)?;
            }
        }
        Report::Response(r) => {
            w.write_record([
                "measure",
                "count",
                "p50_seconds",
                "p90_seconds",
                "previous_count",
                "previous_p50_seconds",
                "previous_p90_seconds",
            ])?;
            let line = |name: &str, t: &Trend| {
                let p = |x: &Percentiles| [x.count.to_string(), opt(x.p50), opt(x.p90)];
                let mut v = vec![name.to_string()];
                v.extend(p(&t.now));
                v.extend(p(&t.previous));
                v
            };
            w.write_record(line("acknowledge", &r.acknowledge))?;
            w.write_record(line("resolve", &r.resolve))?;
        }
        Report::OutOfHours(r) => {
            w.write_record(["what", "name", "total", "out_of_hours"])?;
            let num = |n: i64| n.to_string();
            w.write_record(["alerts", "", &num(r.alerts), &num(r.alerts_out_of_hours)])?;
            w.write_record(["pages", "", &num(r.pages), &num(r.pages_out_of_hours)])?;
            for c in &r.channels {
                let name = c.name.clone().unwrap_or_else(|| c.channel.clone());
                w.write_record(["channel", &name, &num(c.pages), &num(c.out_of_hours)])?;
            }
            for p in &r.people {
                w.write_record(["person", &p.who, &num(p.acknowledged), &num(p.out_of_hours)])?;
            }
            w.write_record(["held", "", &num(r.held.count), &num(r.held_out_of_hours)])?;
        }
        Report::Noisiest(r) => {
            w.write_record([
                "monitor",
                "name",
                "alerts",
                "flaps",
                "reminders",
                "advice",
                "link",
            ])?;
            for m in &r.rows {
                w.write_record([
                    m.monitor.as_str(),
                    m.name.as_deref().unwrap_or(""),
                    &m.alerts.to_string(),
                    &m.flaps.to_string(),
                    &m.reminders.to_string(),
                    &m.advice,
                    &m.link,
                ])?;
            }
        }
        Report::Units(r) => {
            w.write_record(["kind", "failed", "fixed", "mean_fix_seconds"])?;
            for k in &r.rows {
                w.write_record([
                    k.kind.as_str(),
                    &k.failed.to_string(),
                    &k.fixed.to_string(),
                    &opt(k.mean_fix),
                ])?;
            }
        }
        Report::Flows(r) => {
            w.write_record([
                "flow",
                "stage",
                "entered",
                "breached",
                "breach_rate_percent",
                "p50_seconds",
                "p95_seconds",
                "previous_entered",
                "previous_breached",
                "previous_p50_seconds",
                "previous_p95_seconds",
            ])?;
            for f in &r.flows {
                for s in &f.stages {
                    w.write_record([
                        f.name.clone(),
                        s.stage.clone(),
                        s.entered.to_string(),
                        s.breached.to_string(),
                        s.breach_rate.map(|x| x.to_string()).unwrap_or_default(),
                        opt(s.p50),
                        opt(s.p95),
                        s.previous_entered.to_string(),
                        s.previous_breached.to_string(),
                        opt(s.previous_p50),
                        opt(s.previous_p95),
                    ])?;
                }
            }
        }
        Report::Availability(r) => {
            w.write_record([
                "monitor",
                "name",
                "availability_percent",
                "previous_percent",
                "down_seconds",
                "target_percent",
                "met",
                "link",
            ])?;
            let pct = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
            for m in &r.rows {
                w.write_record([
                    m.monitor.clone(),
                    m.name.clone(),
                    pct(m.availability),
                    pct(m.previous),
                    m.down_s.to_string(),
                    r.target.to_string(),
                    m.met.map(|b| b.to_string()).unwrap_or_default(),
                    m.link.clone(),
                ])?;
            }
        }
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
