//! What the writer does with each job, inside its batch transaction.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use overdue_core::{on_deadline, MonitorState, OpenRun, Ping, Signal, Timestamp};

use super::cache::{Loaded, RowCache};
use super::linked::{arm_dependents, feed_chains};
use super::pending::{Pending, PendingPing};
use super::target::resolve;
use super::{Answer, Job, PingReply, PingRequest};
use crate::base::conn::AnyConnection;
use crate::base::models::{MonitorStateColumns, PingColumns};
use crate::base::schema::{monitors, pings};
use crate::base::statements::{on_inner, SaveState};
use crate::base::tx::Tx;
use crate::{monitoring::transition, StoreError};

/// When a burst of deadlines gives way to waiting pings: after `length` from `started`
/// (the batch's start), if any ping waits for this writer.
pub(super) struct Slice<'a> {
    pub started: std::time::Instant,
    pub length: std::time::Duration,
    pub pings_waiting: &'a std::sync::atomic::AtomicUsize,
}

impl Slice<'_> {
    /// Pings wait and this batch has had its time.
    fn over(&self) -> bool {
        self.started.elapsed() >= self.length
            && self
                .pings_waiting
                .load(std::sync::atomic::Ordering::Relaxed)
                > 0
    }
}

/// Rows a deadline job lets wait before writing them (about 50 flips of five rows).
const LATER_LOT: usize = 250;

/// What the writer holds to: pings kept per monitor, the operator's caps.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// Pings (and finished runs) kept per monitor.
    pub keep: i64,
    /// Caps per project and per user.
    pub caps: crate::base::caps::Caps,
}

/// Applies one job. Database errors abort the batch (returned as `Err`); everything
/// else is the job's own answer.
pub(super) fn apply_job<'b>(
    tx: &mut Tx<'_>,
    cache: &mut RowCache,
    job: &'b Job,
    limits: &Limits,
    mut pending: Option<&mut Pending<'b>>,
    slice: &Slice<'_>,
) -> Result<Answer, StoreError> {
    let now = tx.now();
    // Whatever is not a ping reads and writes rows directly: what waits goes first.
    if let (Some(p), false) = (pending.as_deref_mut(), matches!(job, Job::Ping(..))) {
        p.flush(tx.c)?;
    }
    match job {
        Job::Heartbeat(at, _) => {
            let moved = crate::base::service::heartbeat(tx.c, *at)?;
            if moved > 0 {
                cache.clear();
            }
            Ok(Answer::Heartbeat(Ok(moved)))
        }
        Job::Write(f, _) => {
            let taken = f.lock().ok().and_then(|mut g| g.take());
            let Some(f) = taken else {
                return Ok(Answer::Write(Err(StoreError::Unavailable(
                    "write interrupted by a failed batch; retry".into(),
                ))));
            };
            // A savepoint per write: its failure undoes only itself, not the batch.
            tx.c.batch_execute("SAVEPOINT job")?;
            let mut job_tx = Tx::new(tx.c, now, limits.caps);
            let r = f(&mut job_tx);
            let effects = std::mem::take(&mut job_tx.fx);
            // The write says which monitors it changed: those cached rows (or all of
            // them) no longer match, whether it committed or not.
            if effects.structure {
                cache.clear();
            } else {
                for id in &effects.changed {
                    cache.forget(id);
                }
            }
            if r.is_err() {
                tx.c.batch_execute("ROLLBACK TO job")?;
            } else {
                tx.fx.merge(effects);
            }
            tx.c.batch_execute("RELEASE job")?;
            // It may have changed a route, a channel or a project's settings.
            tx.forget_remembered();
            Ok(Answer::Write(r))
        }
        Job::Ping(req, _) => Ok(Answer::Ping(own(apply_ping(
            tx, cache, req, limits, pending,
        ))?)),
        Job::Deadlines(ids, ..) => {
            // A flip never starves a ping: once pings wait and the batch has had its
            // slice, the rest go on in the writer's next batch, after those pings.
            let mut done = super::DeadlinesDone::default();
            // On PostgreSQL the job's rows go out as one statement per table at its
            // end, not five round trips per flip (docs/architecture.md, "A burst of
            // flips").
            tx.defer_appends();
            for (i, id) in ids.iter().enumerate() {
                if i > 0 && slice.over() {
                    done.left = ids.len() - i;
                    break;
                }
                if apply_deadline(tx, cache, id)? {
                    done.flipped += 1;
                }
                // In lots of about 50 flips: the slice above counts their time, and a
                // statement's arrays stay small (a whole job at once measured no
                // faster, docs/benchmarks.md "Session 19").
                if tx.later_rows() >= LATER_LOT {
                    tx.flush_later()?;
                }
            }
            tx.end_later()?;
            Ok(Answer::Deadlines(Ok(done)))
        }
    }
}

/// Splits database errors (abort the batch) from the job's own errors.
fn own<T>(r: Result<T, StoreError>) -> Result<Result<T, StoreError>, StoreError> {
    match r {
        Err(e @ StoreError::Db(_)) | Err(e @ StoreError::Unavailable(_)) => Err(e),
        other => Ok(other),
    }
}

fn apply_ping<'b>(
    tx: &mut Tx<'_>,
    cache: &mut RowCache,
    req: &'b PingRequest,
    limits: &Limits,
    mut pending: Option<&mut Pending<'b>>,
) -> Result<PingReply, StoreError> {
    let now = tx.now();
    let keep = limits.keep;
    let Some((id, created)) = resolve(tx.c, &req.target, now, limits.caps)? else {
        return Ok(PingReply::NotFound);
    };
    let Some(Loaded { hot, row }) = cache.load(tx.c, &id)? else {
        return Ok(PingReply::NotFound);
    };
    if let Some(step) = &req.step {
        if let Err(e) = hot.cfg.check_step(step) {
            return Ok(PingReply::Invalid(e));
        }
    }
    let mut n = hot.n_pings + 1;
    // A monitor that insists on POST stores other methods as ignored pings.
    let method_ignored = hot.post_only && req.method != "POST";
    let mut kind = if method_ignored {
        "ign"
    } else {
        req.signal.as_str()
    };
    let mut duration = None;
    let mut counted = PingColumns {
        n_pings: n,
        last_ping_at: None,
        last_duration_ms: None,
    };
    // Log, progress and step pings of an open run belong to the run (its log, progress
    // and timeline), not to the ping history they would push out.
    let mut to_run = None;
    if method_ignored || req.parent.is_some() {
        // A child's ping is logged here but does not flip this monitor.
        save_counters(
            tx.c,
            cache,
            pending.as_deref_mut(),
            &id,
            &hot.state,
            &counted,
            now,
        )?;
    } else {
        let state = &hot.state;
        let open = if state.run_started_at.is_some() {
            crate::monitoring::runs::open_runs(tx.c, &id)?
        } else {
            Vec::<OpenRun>::new()
        };
        let ping = Ping {
            signal: req.signal,
            rid: req.rid,
            step: req.step.clone(),
            progress: req.progress.clone(),
            report: req.report.clone(),
            children: req.children,
        };
        let mut out = overdue_core::apply_ping(&hot.cfg, state, &open, &ping, now);
        to_run = out.run.filter(|_| req.signal.belongs_to_run());
        if to_run.is_some() {
            n -= 1;
            counted.n_pings = n;
        }
        if out.ignored {
            kind = "ign";
            save_counters(
                tx.c,
                cache,
                pending.as_deref_mut(),
                &id,
                state,
                &counted,
                now,
            )?;
        } else {
            duration = out.duration_ms;
            if req.signal.is_last_ping(to_run.is_some()) {
                counted.last_ping_at = Some(now.0);
            }
            counted.last_duration_ms = out.duration_ms;
            // Text on both databases: PostgreSQL stores no NUL, so control characters
            // become U+FFFD here (the ping's own body is kept as bytes, untouched).
            let body = (!req.body.is_empty()).then(|| {
                let text = String::from_utf8_lossy(&req.body[..req.body.len().min(10_240)]);
                overdue_core::text::scrub(&text).into_owned()
            });
            let end = crate::monitoring::runs::RunEnd {
                exit_status: req.exit_status,
                report: req
                    .report
                    .as_ref()
                    .and_then(|r| serde_json::to_string(r).ok()),
                report_error: req.report_error.clone(),
            };
            // A ping that changes nothing but the monitor's own row (no flip, run,
            // event, problem, dependent or chain) waits with the batch's others
            // (PostgreSQL); anything more writes what waits first.
            let simple = out.flip.is_none()
                && out.runs.is_empty()
                && out.events.is_empty()
                && !(hot.problems && out.succeeded)
                && !hot.downstream
                && !hot.in_chain;
            match pending.as_deref_mut() {
                Some(p) if simple => {
                    let cols = MonitorStateColumns::from(&out.state);
                    tx.fx.deadline(cols.deadline_at);
                    p.state(&id, cols, &counted, now.0);
                }
                waiting => {
                    if let Some(p) = waiting {
                        p.flush(tx.c)?;
                    }
                    if !hot.upstream {
                        tx.prime(transition::NO_UPSTREAM, &id, ());
                    }
                    transition::apply_outcome(
                        tx,
                        &id,
                        row.as_ref(),
                        &mut out,
                        Some(transition::PingEffects {
                            end,
                            body,
                            columns: &counted,
                        }),
                    )?;
                }
            }
            cache.saved(&id, &out.state, Some(n));
            // on_next_run: the open problems this run did not report again resolve.
            let cutoff = out.succeeded.then(|| {
                overdue_core::problem::run_cutoff(
                    hot.cfg.auto_resolve,
                    out.duration_ms,
                    state.last_success,
                    now,
                )
            });
            if let (Some(Some(cutoff)), true) = (cutoff, hot.problems) {
                let open =
                    crate::monitoring::problems::resolve_by_run(tx, &id, row.as_ref(), cutoff)?;
                cache.set_problems(&id, open);
            }
            arm_dependents(tx, cache, &id, hot.downstream, &out)?;
            if hot.in_chain {
                feed_chains(tx, cache, &id, req.signal, &out)?;
            }
        }
    }
    if let Some(run) = to_run {
        if req.signal == Signal::Log {
            crate::monitoring::runs::append_log(tx.c, run, &req.body, now)?;
        }
    } else {
        let row = PendingPing {
            monitor_id: id.clone(),
            n,
            kind,
            exit_status: req.exit_status,
            created_at: now.0,
            rid: req.rid.map(|r| r.hyphenated().to_string()),
            method: &req.method,
            scheme: &req.scheme,
            remote_addr: &req.remote_addr,
            user_agent: &req.user_agent,
            body: &req.body,
            body_size: req.body_size,
            duration_ms: duration,
        };
        match pending.as_deref_mut() {
            Some(p) => p.ping(row),
            None => {
                let ping = row.as_new();
                on_inner!(tx.c, |inner| diesel::insert_into(pings::table)
                    .values(&ping)
                    .execute(inner))?;
            }
        }
    }
    if let (Some(parent), false) = (req.parent, method_ignored) {
        if let Some(p) = pending {
            p.flush(tx.c)?;
        }
        apply_child(tx, cache, &id, parent, req)?;
    }
    // Leases: the holder's pings renew its lease, its run's end releases it.
    if let (Some(rid), false) = (req.rid, kind == "ign") {
        let ends = matches!(req.signal, Signal::Success | Signal::Fail | Signal::Warn);
        crate::monitoring::leases::touch(tx.c, &id, &rid.hyphenated().to_string(), ends, now)?;
    }
    // Retention: every 10th ping of a monitor drops what is past the limit (an index
    // range on (monitor_id, n): no scan, and nine pings in ten pay nothing).
    if to_run.is_none() && n % 10 == 0 && n > keep {
        crate::retention::trim_monitor(tx.c, &id, n - keep, keep)?;
    }
    tx.fx.changed(&id);
    Ok(PingReply::Stored {
        monitor_id: id,
        created,
    })
}

fn apply_deadline(tx: &mut Tx<'_>, cache: &mut RowCache, id: &str) -> Result<bool, StoreError> {
    let now = tx.now();
    let Loaded { hot, row } = match cache.load(tx.c, id) {
        Ok(Some(loaded)) => loaded,
        Ok(None) => return Ok(false),
        Err(StoreError::Internal(e)) => {
            // Unreadable settings (a hand-edited row): take it out of the index rather
            // than selecting it again on every tick.
            tracing::error!("{e}; its deadline is cleared");
            diesel::update(monitors::table.find(id))
                .set(monitors::deadline_at.eq(None::<i64>))
                .execute(tx.c)?;
            return Ok(false);
        }
        Err(e) => return Err(e),
    };
    let open = if hot.state.run_started_at.is_some() {
        crate::monitoring::runs::open_runs(tx.c, id)?
    } else {
        Vec::new()
    };
    let Some(mut out) = on_deadline(&hot.cfg, &hot.state, &open, now) else {
        return Ok(false);
    };
    if !hot.upstream {
        tx.prime(transition::NO_UPSTREAM, id, ());
    }
    transition::apply_outcome(tx, id, row.as_ref(), &mut out, None)?;
    cache.saved(id, &out.state, None);
    arm_dependents(tx, cache, id, hot.downstream, &out)?;
    if out.flip.is_some() {
        tx.fx.changed(id);
    }
    Ok(out.flip.is_some())
}

/// A child's end counts toward its parent run (found by rid in the project of `id`, the
/// monitor the child pinged): the parent monitor's transition is written here.
fn apply_child(
    tx: &mut Tx<'_>,
    cache: &mut RowCache,
    id: &str,
    parent: uuid::Uuid,
    req: &PingRequest,
) -> Result<(), StoreError> {
    let now = tx.now();
    let ok = match req.signal {
        Signal::Success | Signal::Warn => true,
        Signal::Fail => false,
        _ => return Ok(()),
    };
    let project: String = monitors::table
        .find(id)
        .select(monitors::project_id)
        .first(tx.c)?;
    let rid = parent.hyphenated().to_string();
    let Some((pid, run_id)) = crate::monitoring::runs::parent_monitor(tx.c, &project, &rid)? else {
        return Ok(());
    };
    // A child that says who it is (its own rid) counts once: a retried end is logged
    // but not counted again.
    let child = req.rid.map(|r| r.hyphenated().to_string());
    if let Some(child) = &child {
        if crate::monitoring::runs::child_seen(tx.c, run_id, child)? {
            return Ok(());
        }
    }
    crate::monitoring::runs::record_child(
        tx.c,
        run_id,
        id,
        child,
        if ok { "success" } else { "fail" },
        now,
    )?;
    let Some(Loaded { hot, row }) = cache.load(tx.c, &pid)? else {
        return Ok(());
    };
    let open = crate::monitoring::runs::open_runs(tx.c, &pid)?;
    let Some(mut out) = overdue_core::on_child(&hot.cfg, &hot.state, &open, parent, ok, now) else {
        return Ok(());
    };
    transition::apply_outcome(tx, &pid, row.as_ref(), &mut out, None)?;
    cache.saved(&pid, &out.state, None);
    arm_dependents(tx, cache, &pid, hot.downstream, &out)?;
    tx.fx.changed(&pid);
    Ok(())
}

/// Counts a ping that changes no state (ignored by method or by the state machine).
fn save_counters(
    c: &mut AnyConnection,
    cache: &mut RowCache,
    pending: Option<&mut Pending<'_>>,
    id: &str,
    state: &MonitorState,
    counted: &PingColumns,
    now: Timestamp,
) -> Result<(), StoreError> {
    let cols = MonitorStateColumns::from(state);
    match pending {
        Some(p) => p.state(id, cols, counted, now.0),
        None => {
            let save = SaveState::new(id, &cols, Some(counted), now.0);
            on_inner!(c, |inner| save.execute(inner))?;
        }
    }
    cache.saved(id, state, Some(counted.n_pings));
    Ok(())
}
