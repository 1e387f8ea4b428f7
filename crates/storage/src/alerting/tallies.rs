//! Report counters of alerts (docs/behaviour.md, "Reports"), counted in the unit of
//! work that opens, acknowledges, resolves or announces them: alerts by reason and
//! severity, time to acknowledge and to resolve, flaps, pages per channel, who
//! acknowledged, reminders, messages quiet hours held. The rules of what counts are the
//! core's (`overdue_core::report`).

use overdue_core::report::{bucket_of, Metric};
use overdue_core::Timestamp;

use crate::base::tallies::{upsert, Key};
use crate::base::tx::Tx;
use crate::{AnyConnection, StoreError};

/// A flap: a down alert resolved within this long of opening.
const FLAP_MS: i64 = 3_600_000;

/// What the counters need of an alert (its row, seen from here).
pub(crate) struct Counted<'a> {
    /// Its project.
    pub(crate) project: &'a str,
    /// Its monitor.
    pub(crate) monitor: Option<&'a str>,
    /// Its flow.
    pub(crate) flow: Option<&'a str>,
    /// Its kind's wire name.
    pub(crate) kind: &'a str,
    /// Its severity.
    pub(crate) severity: &'a str,
    /// When it opened (ms).
    pub(crate) opened_at: i64,
    /// Whether it was resolved already.
    pub(crate) resolved: bool,
}

/// The subject of an alert's counters: its monitor, `flow:<id>`, or none (`''`).
pub(crate) fn subject(monitor: Option<&str>, flow: Option<&str>) -> String {
    match (monitor, flow) {
        (Some(m), _) => m.to_string(),
        (None, Some(f)) => format!("flow:{f}"),
        (None, None) => String::new(),
    }
}

fn key(project: &str, subject: &str, at: Timestamp, metric: &Metric) -> Key {
    (
        project.to_string(),
        bucket_of(at.0),
        subject.to_string(),
        metric.key(),
    )
}

/// Counts `metric` for `subject` of `project` at `at`, now.
pub(crate) fn count(
    c: &mut AnyConnection,
    project: &str,
    subject: &str,
    at: Timestamp,
    metric: Metric,
    n: i64,
) -> Result<(), StoreError> {
    upsert(c, &key(project, subject, at, &metric), n)
}

/// Counts `metric` inside a unit of work (with the job's rows in a burst).
pub(crate) fn count_in(
    tx: &mut Tx<'_>,
    project: &str,
    subject: &str,
    metric: Metric,
) -> Result<(), StoreError> {
    let at = tx.now();
    tx.tally(key(project, subject, at, &metric), 1)
}

/// What an opened alert counts as (`None`: not counted, a channel test).
pub(crate) fn opened(row: Counted<'_>, reason: Option<&str>) -> Option<(String, Metric)> {
    let reason = reason.or_else(|| overdue_core::report::reason_of(row.kind, None, false))?;
    Some((
        subject(row.monitor, row.flow),
        Metric::Alert {
            reason: reason.to_string(),
            severity: row.severity.to_string(),
        },
    ))
}

/// Counts the resolution of `rows` (as they were before) with `reason` at `now`: the
/// time to resolve, and a flap for a down alert that lasted less than an hour. Pauses,
/// deletions and one-shot alerts are no fixes.
pub(crate) fn resolved<'a>(
    c: &mut AnyConnection,
    rows: impl IntoIterator<Item = Counted<'a>>,
    reason: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    if matches!(reason, "paused" | "deleted" | "once") {
        return Ok(());
    }
    for a in rows {
        if a.resolved || a.kind == "test" || a.kind == "event" {
            continue;
        }
        let s = subject(a.monitor, a.flow);
        let took = now.0 - a.opened_at;
        count(c, a.project, &s, now, Metric::fix_after(took), 1)?;
        if a.kind == "down" && took < FLAP_MS {
            count(c, a.project, &s, now, Metric::Flap, 1)?;
        }
    }
    Ok(())
}

/// Counts the first acknowledgement of `a` by `by` at `now`.
pub(crate) fn acknowledged(
    c: &mut AnyConnection,
    a: Counted<'_>,
    by: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let s = subject(a.monitor, a.flow);
    let took = now.0 - a.opened_at;
    count(c, a.project, &s, now, Metric::ack_after(took), 1)?;
    count(c, a.project, &s, now, Metric::AckBy(who(by)), 1)
}

/// Who acknowledged, as reports name them: a person's e-mail, `key <name>`, or `link`
/// for an acknowledgement link (whoever held it).
fn who(by: &str) -> String {
    let by = by.trim();
    if by.is_empty() {
        "link".into()
    } else {
        by.chars().take(200).collect()
    }
}
