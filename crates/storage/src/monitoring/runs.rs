//! Runs: the open runs a transition needs, the run rows it writes (steps, progress,
//! report), each run's log (capped: head and tail kept), and the reads of the run view.

use diesel::prelude::*;
use overdue_core::{Children, OpenRun, Progress, RunAction, StepMark, Timestamp};
use uuid::Uuid;

use crate::base::models::RunRow;
use crate::base::schema::{monitors, run_children, run_logs, runs};
use crate::{AnyConnection, StoreError};

/// Bytes of a run's log kept from its beginning.
pub const LOG_HEAD: i64 = 512 * 1024;
/// Bytes of a run's log kept from its end (older tail chunks are dropped).
pub const LOG_TAIL: i64 = 512 * 1024;

fn steps_json(steps: &[StepMark]) -> Option<String> {
    (!steps.is_empty()).then(|| serde_json::to_string(steps).unwrap_or_else(|_| "[]".into()))
}

/// The open runs of a monitor.
pub(crate) fn open_runs(c: &mut AnyConnection, id: &str) -> Result<Vec<OpenRun>, StoreError> {
    type Open = (
        i64,
        Option<String>,
        i64,
        Option<String>,
        Option<i64>,
        (Option<i32>, i32, i32),
    );
    let rows: Vec<Open> = runs::table
        .filter(runs::monitor_id.eq(id))
        .filter(runs::ended_at.is_null())
        .select((
            runs::id,
            runs::rid,
            runs::started_at,
            runs::steps,
            runs::active_at,
            (
                runs::children_expected,
                runs::children_ok,
                runs::children_failed,
            ),
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, rid, started, steps, active, (expected, ok, failed))| OpenRun {
                id,
                rid: rid.and_then(|r| Uuid::try_parse(&r).ok()),
                started_at: Timestamp(started),
                steps: steps
                    .and_then(|s| serde_json::from_str(&s).ok())
                    .unwrap_or_default(),
                active_at: Timestamp(active.unwrap_or(started)),
                children: expected.map(|e| Children {
                    expected: e.max(0) as u32,
                    ok: ok.max(0) as u32,
                    failed: failed.max(0) as u32,
                }),
            },
        )
        .collect())
}

/// What the ping that ends a run leaves on it.
#[derive(Debug, Default)]
pub(crate) struct RunEnd {
    /// Exit status (`/ping/<id>/<code>`).
    pub exit_status: Option<i32>,
    /// The completion report, as JSON text.
    pub report: Option<String>,
    /// Why a body meant as a report was not read.
    pub report_error: Option<String>,
}

/// Applies the run actions of a transition.
pub(crate) fn apply(
    c: &mut AnyConnection,
    monitor: &str,
    actions: &[RunAction],
    end: &RunEnd,
    now: Timestamp,
) -> Result<(), StoreError> {
    for action in actions {
        match action {
            RunAction::Open {
                rid,
                steps,
                children,
            } => {
                diesel::insert_into(runs::table)
                    .values((
                        runs::monitor_id.eq(monitor),
                        runs::rid.eq(rid.map(|r| r.hyphenated().to_string())),
                        runs::started_at.eq(now.0),
                        runs::steps.eq(steps_json(steps)),
                        runs::active_at.eq(now.0),
                        runs::children_expected.eq(children.map(|n| n.min(i32::MAX as u32) as i32)),
                    ))
                    .execute(c)?;
            }
            RunAction::Children { run_id, children } => {
                diesel::update(runs::table.find(run_id))
                    .set((
                        runs::children_ok.eq(children.ok.min(i32::MAX as u32) as i32),
                        runs::children_failed.eq(children.failed.min(i32::MAX as u32) as i32),
                    ))
                    .execute(c)?;
            }
            RunAction::Touch {
                run_id,
                steps,
                progress,
            } => touch(c, *run_id, steps.as_deref(), progress.as_ref(), now)?,
            RunAction::Close {
                run_id,
                outcome,
                duration_ms,
                by_ping,
            } => {
                let none = RunEnd::default();
                let end = if *by_ping { end } else { &none };
                diesel::update(runs::table.find(run_id))
                    .set((
                        runs::ended_at.eq(now.0),
                        runs::outcome.eq(outcome.as_str()),
                        runs::duration_ms.eq(duration_ms),
                        runs::exit_status.eq(end.exit_status),
                        runs::report.eq(&end.report),
                        runs::report_error.eq(&end.report_error),
                    ))
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

fn touch(
    c: &mut AnyConnection,
    run_id: i64,
    steps: Option<&[StepMark]>,
    progress: Option<&Progress>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let target = runs::table.find(run_id);
    diesel::update(target)
        .set(runs::active_at.eq(now.0))
        .execute(c)?;
    if let Some(steps) = steps {
        diesel::update(target)
            .set(runs::steps.eq(steps_json(steps)))
            .execute(c)?;
    }
    if let Some(p) = progress {
        let total = p.total.map(|t| t.min(i64::MAX as u64) as i64);
        diesel::update(target)
            .set((
                runs::progress_done.eq(p.done.min(i64::MAX as u64) as i64),
                runs::progress_total.eq(total),
                runs::progress_msg.eq(&p.msg),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// Appends a chunk to a run's log. The first [`LOG_HEAD`] bytes are kept; after them
/// the newest [`LOG_TAIL`] bytes, the oldest tail chunks dropped (and counted) first.
pub(crate) fn append_log(
    c: &mut AnyConnection,
    run_id: i64,
    data: &[u8],
    now: Timestamp,
) -> Result<(), StoreError> {
    if data.is_empty() {
        return Ok(());
    }
    let (seq, head_seq, head, mut tail): (i64, i64, i64, i64) = runs::table
        .find(run_id)
        .select((
            runs::log_seq,
            runs::log_head_seq,
            runs::log_head_bytes,
            runs::log_tail_bytes,
        ))
        .first(c)?;
    let seq = seq + 1;
    let n = data.len() as i64;
    diesel::insert_into(run_logs::table)
        .values((
            run_logs::run_id.eq(run_id),
            run_logs::seq.eq(seq),
            run_logs::created_at.eq(now.0),
            run_logs::data.eq(data),
        ))
        .execute(c)?;
    // The head grows while nothing went to the tail yet and the chunk fits.
    if tail == 0 && head + n <= LOG_HEAD {
        diesel::update(runs::table.find(run_id))
            .set((
                runs::log_seq.eq(seq),
                runs::log_head_seq.eq(seq),
                runs::log_head_bytes.eq(head + n),
            ))
            .execute(c)?;
        return Ok(());
    }
    tail += n;
    let mut dropped = 0i64;
    while tail > LOG_TAIL {
        // The oldest tail chunk, never the one just written.
        let oldest: Option<(i64, Vec<u8>)> = run_logs::table
            .filter(run_logs::run_id.eq(run_id))
            .filter(run_logs::seq.gt(head_seq))
            .filter(run_logs::seq.lt(seq))
            .order(run_logs::seq.asc())
            .select((run_logs::id, run_logs::data))
            .first(c)
            .optional()?;
        let Some((id, bytes)) = oldest else { break };
        diesel::delete(run_logs::table.find(id)).execute(c)?;
        tail -= bytes.len() as i64;
        dropped += bytes.len() as i64;
    }
    diesel::update(runs::table.find(run_id))
        .set((
            runs::log_seq.eq(seq),
            runs::log_tail_bytes.eq(tail),
            runs::log_dropped.eq(runs::log_dropped + dropped),
        ))
        .execute(c)?;
    Ok(())
}

/// A run of a project's monitor, with the monitor's id; `NotFound` for another
/// project's run.
pub fn get(c: &mut AnyConnection, project: &str, run_id: i64) -> Result<RunRow, StoreError> {
    runs::table
        .inner_join(monitors::table.on(monitors::id.eq(runs::monitor_id)))
        .filter(runs::id.eq(run_id))
        .filter(monitors::project_id.eq(project))
        .select(RunRow::as_select())
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("run"))
}

/// The body of the ping that ended a run at `ended_at` (the newest at that instant
/// that is not a start or a log line); `None` when the run is open, the ping was
/// pruned or it had no body. Reads the monitor's kept pings only (by its index).
pub fn end_ping_body(
    c: &mut AnyConnection,
    monitor: &str,
    ended_at: Option<i64>,
) -> Result<Option<String>, StoreError> {
    use crate::base::schema::pings;
    let Some(at) = ended_at else {
        return Ok(None);
    };
    let body: Option<Vec<u8>> = pings::table
        .filter(pings::monitor_id.eq(monitor))
        .filter(pings::created_at.eq(at))
        .filter(pings::kind.ne_all(["start", "log"]))
        .order(pings::n.desc())
        .select(pings::body)
        .first(c)
        .optional()?;
    Ok(body
        .filter(|b| !b.is_empty())
        .map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// A run by id, whatever its project (for a stream that already checked it).
pub fn get_any(c: &mut AnyConnection, run_id: i64) -> Result<Option<RunRow>, StoreError> {
    Ok(runs::table
        .find(run_id)
        .select(RunRow::as_select())
        .first(c)
        .optional()?)
}

/// A log chunk.
#[derive(Debug, Clone)]
pub struct LogChunk {
    /// Its number in the run (1, 2, …; gaps where the tail was trimmed).
    pub seq: i64,
    /// When it arrived (ms).
    pub at: i64,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// The log chunks of a run after `after_seq`, in order, at most `limit`.
pub fn log_after(
    c: &mut AnyConnection,
    run_id: i64,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<LogChunk>, StoreError> {
    let rows: Vec<(i64, i64, Vec<u8>)> = run_logs::table
        .filter(run_logs::run_id.eq(run_id))
        .filter(run_logs::seq.gt(after_seq))
        .order(run_logs::seq.asc())
        .select((run_logs::seq, run_logs::created_at, run_logs::data))
        .limit(limit)
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(seq, at, data)| LogChunk { seq, at, data })
        .collect())
}

/// Deletes the logs and child records of `run_ids`.
pub(crate) fn delete_logs(c: &mut AnyConnection, run_ids: &[i64]) -> Result<(), StoreError> {
    diesel::delete(run_logs::table.filter(run_logs::run_id.eq_any(run_ids))).execute(c)?;
    diesel::delete(run_children::table.filter(run_children::run_id.eq_any(run_ids))).execute(c)?;
    Ok(())
}

/// The open fan-out run with rid `parent` among the monitors of `project`: its monitor
/// (run ids are unique per project).
pub(crate) fn parent_monitor(
    c: &mut AnyConnection,
    project: &str,
    parent: &str,
) -> Result<Option<(String, i64)>, StoreError> {
    Ok(runs::table
        .inner_join(monitors::table.on(monitors::id.eq(runs::monitor_id)))
        .filter(runs::rid.eq(parent))
        .filter(runs::ended_at.is_null())
        .filter(runs::children_expected.is_not_null())
        .filter(monitors::project_id.eq(project))
        .select((runs::monitor_id, runs::id))
        .first(c)
        .optional()?)
}

/// Whether the child with run id `rid` already reported its end to run `run_id`.
pub(crate) fn child_seen(
    c: &mut AnyConnection,
    run_id: i64,
    rid: &str,
) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(
        run_children::table
            .filter(run_children::run_id.eq(run_id))
            .filter(run_children::rid.eq(rid)),
    ))
    .get_result(c)?)
}

/// Records a child's end on its parent run (for the run view).
pub(crate) fn record_child(
    c: &mut AnyConnection,
    run_id: i64,
    monitor: &str,
    rid: Option<String>,
    outcome: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    diesel::insert_into(run_children::table)
        .values((
            run_children::run_id.eq(run_id),
            run_children::monitor_id.eq(monitor),
            run_children::rid.eq(rid),
            run_children::outcome.eq(outcome),
            run_children::created_at.eq(now.0),
        ))
        .execute(c)?;
    Ok(())
}

/// A child's end as the run view lists it.
#[derive(Debug, Clone)]
pub struct ChildRow {
    /// The monitor it pinged.
    pub monitor_id: String,
    /// That monitor's name.
    pub name: String,
    /// The child's own run id.
    pub rid: Option<String>,
    /// `success` or `fail`.
    pub outcome: String,
    /// When (ms).
    pub at: i64,
}

/// The children of a run, in order.
pub fn children(c: &mut AnyConnection, run_id: i64) -> Result<Vec<ChildRow>, StoreError> {
    let rows: Vec<(String, String, Option<String>, String, i64)> = run_children::table
        .inner_join(monitors::table.on(monitors::id.eq(run_children::monitor_id)))
        .filter(run_children::run_id.eq(run_id))
        .order(run_children::id.asc())
        .select((
            run_children::monitor_id,
            monitors::name,
            run_children::rid,
            run_children::outcome,
            run_children::created_at,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(monitor_id, name, rid, outcome, at)| ChildRow {
            monitor_id,
            name,
            rid,
            outcome,
            at,
        })
        .collect())
}
