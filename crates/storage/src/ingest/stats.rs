//! The writer's own account of its time, logged once a second at debug level
//! (`OVERDUE_LOG=overdue_storage::ingest=debug`): how long it waited for work, applied
//! batches and committed them, and what the batches held. It showed where a burst's
//! time goes on SQLite: commits, not CPU (docs/benchmarks.md, "Session 21").

use std::time::{Duration, Instant};

/// One second's counts of one writer thread.
pub(super) struct WriterStats {
    since: Instant,
    idle: Duration,
    apply: Duration,
    commit: Duration,
    batches: u32,
    pings: usize,
    writes: usize,
    deadlines: usize,
}

impl WriterStats {
    pub(super) fn new() -> WriterStats {
        WriterStats {
            since: Instant::now(),
            idle: Duration::ZERO,
            apply: Duration::ZERO,
            commit: Duration::ZERO,
            batches: 0,
            pings: 0,
            writes: 0,
            deadlines: 0,
        }
    }

    /// Time spent waiting for the next job.
    pub(super) fn idle(&mut self, waited: Duration) {
        self.idle += waited;
    }

    /// A batch: time applying its jobs, time in all (the rest is its commit), and its
    /// pings, other jobs (writes, heartbeats) and deadline ids (a carried job's again).
    pub(super) fn batch(&mut self, apply: Duration, total: Duration, jobs: (usize, usize, usize)) {
        self.apply += apply;
        self.commit += total.saturating_sub(apply);
        self.batches += 1;
        self.pings += jobs.0;
        self.writes += jobs.1;
        self.deadlines += jobs.2;
        if self.since.elapsed() >= Duration::from_secs(1) {
            tracing::debug!(
                idle_ms = self.idle.as_millis() as u64,
                apply_ms = self.apply.as_millis() as u64,
                commit_ms = self.commit.as_millis() as u64,
                batches = self.batches,
                pings = self.pings,
                writes = self.writes,
                deadline_ids = self.deadlines,
                "writer, last second"
            );
            *self = WriterStats::new();
        }
    }
}

/// A batch's pings, other jobs (writes, heartbeats) and deadline ids.
pub(super) fn kinds(batch: &[super::Job]) -> (usize, usize, usize) {
    batch.iter().fold((0, 0, 0), |k, job| match job {
        super::Job::Ping(..) => (k.0 + 1, k.1, k.2),
        super::Job::Deadlines(ids, ..) => (k.0, k.1, k.2 + ids.len()),
        super::Job::Write(..) | super::Job::Heartbeat(..) => (k.0, k.1 + 1, k.2),
    })
}
