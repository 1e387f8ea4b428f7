//! Signals per second per project (docs/security.md, "Limits"): pings, heartbeats,
//! problem reports, leases and flow events over HTTP are admitted through the sending
//! project's token bucket (`overdue_core::rate`) before anything is stored, so a
//! project flooding at its limit costs the writer nothing past it and the other
//! projects keep their pace. Past it: 429 with `Retry-After`; the sender retries, and
//! nothing it was told was stored is lost.
//!
//! Held in this process's memory, like the live-stream count: several instances each
//! admit the rate (the operator divides it when spreading one project over many). The
//! project of a ping URL is read once per URL and kept; a project's own rate is read
//! again every [`REREAD_MS`], at once on this instance when an operator sets it.

use std::collections::HashMap;
use std::sync::Mutex;

use overdue_core::rate::Bucket;
use overdue_core::{MonitorId, Timestamp};
use overdue_storage::base::caps;
use overdue_storage::PingTarget;

use crate::http::error::ApiError;
use crate::AppState;

/// How long a project's own rate is believed before it is read again.
pub const REREAD_MS: i64 = 10_000;
/// Ping URLs whose project is kept at most; past it the list starts over.
const MAX_OWNERS: usize = 1_000_000;

/// Who sent a signal, as its URL names them.
#[derive(Debug, Clone, Copy)]
pub enum Sender<'a> {
    /// A monitor's ping URL.
    Monitor(MonitorId),
    /// A project's ping key (slug URLs, flow event URLs).
    PingKey(&'a str),
    /// A project already known (a flow's batch or push URL).
    Project(&'a str),
}

impl<'a> Sender<'a> {
    /// The sender of a ping URL.
    pub fn of(target: &'a PingTarget) -> Sender<'a> {
        match target {
            PingTarget::Code(code) => Sender::Monitor(code.monitor()),
            PingTarget::Slug { ping_key, .. } => Sender::PingKey(ping_key),
        }
    }

    fn key(&self) -> Option<String> {
        match self {
            Sender::Monitor(id) => Some(format!("m:{id}")),
            Sender::PingKey(k) => Some(format!("k:{k}")),
            Sender::Project(_) => None,
        }
    }
}

struct Entry {
    bucket: Bucket,
    rate: u32,
    read_at: Timestamp,
    refused: i64,
}

#[derive(Default)]
struct Inner {
    owners: HashMap<String, String>,
    projects: HashMap<String, Entry>,
}

/// Every project's bucket on this instance.
#[derive(Default)]
pub struct Rates {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Rates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rates")
    }
}

impl Rates {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, ApiError> {
        self.inner
            .lock()
            .map_err(|_| ApiError::Internal("signal rates poisoned".into()))
    }

    /// Signals of `project` refused on this instance since it started.
    pub fn refused(&self, project: &str) -> i64 {
        self.lock()
            .ok()
            .and_then(|i| i.projects.get(project).map(|e| e.refused))
            .unwrap_or(0)
    }

    /// Makes this instance read `project`'s own rate at its next signal.
    pub fn forget(&self, project: &str) {
        if let Ok(mut i) = self.lock() {
            if let Some(e) = i.projects.get_mut(project) {
                e.read_at = Timestamp(i64::MIN / 2);
            }
        }
    }
}

/// The project `sender` belongs to (`None`: no such URL; the writer answers it).
async fn project_of(state: &AppState, sender: Sender<'_>) -> Result<Option<String>, ApiError> {
    let key = match (sender, sender.key()) {
        (Sender::Project(p), _) => return Ok(Some(p.to_string())),
        (_, None) => return Ok(None),
        (_, Some(k)) => k,
    };
    if let Some(p) = state.rates.lock()?.owners.get(&key) {
        return Ok(Some(p.clone()));
    }
    let found = match sender {
        Sender::Monitor(id) => {
            let id = id.to_string();
            state
                .store
                .read(move |c| caps::project_of_monitor(c, &id))
                .await?
        }
        Sender::PingKey(k) => {
            let k = k.to_string();
            state
                .store
                .read(move |c| caps::project_of_ping_key(c, &k))
                .await?
        }
        Sender::Project(p) => Some(p.to_string()),
    };
    if let Some(p) = &found {
        let mut inner = state.rates.lock()?;
        if inner.owners.len() >= MAX_OWNERS {
            inner.owners.clear();
        }
        inner.owners.insert(key, p.clone());
    }
    Ok(found)
}

/// How long a refusal for the rate waits before it is sent. A sender flooding back to
/// back would otherwise get its 429 in a fraction of a millisecond and send again at
/// once: the refusals themselves then take the cores from the other projects (measured:
/// docs/benchmarks.md, "Two tenants"). Held this long, each of its connections sends at
/// most two a second past its rate; a sender that honours `Retry-After` never meets it.
pub const REFUSAL_PAUSE: std::time::Duration = std::time::Duration::from_millis(500);

/// Admits `n` signals from `sender`, or refuses them all (429 with `Retry-After`, sent
/// after [`REFUSAL_PAUSE`]) when its project is past its rate. An unknown URL passes
/// (the writer answers 404).
pub async fn admit(state: &AppState, sender: Sender<'_>, n: usize) -> Result<(), ApiError> {
    match check(state, sender, n).await {
        Err(e @ ApiError::TooMany(..)) => {
            actix_web::rt::time::sleep(REFUSAL_PAUSE).await;
            Err(e)
        }
        other => other,
    }
}

async fn check(state: &AppState, sender: Sender<'_>, n: usize) -> Result<(), ApiError> {
    let Some(project) = project_of(state, sender).await? else {
        return Ok(());
    };
    let now = state.store.now();
    let stale = state
        .rates
        .lock()?
        .projects
        .get(&project)
        .is_none_or(|e| now.since(e.read_at) >= REREAD_MS);
    let fresh_rate = if stale {
        let p = project.clone();
        let own = state
            .store
            .read(move |c| caps::project_limits(c, &p))
            .await?
            .max_events_per_second;
        Some(
            own.and_then(|r| u32::try_from(r).ok())
                .unwrap_or(state.config.max_events_per_second),
        )
    } else {
        None
    };
    let mut inner = state.rates.lock()?;
    let entry = inner.projects.entry(project).or_insert_with(|| {
        let rate = fresh_rate.unwrap_or(state.config.max_events_per_second);
        Entry {
            bucket: Bucket::full(rate, now),
            rate,
            read_at: now,
            refused: 0,
        }
    });
    if let Some(rate) = fresh_rate {
        entry.rate = rate;
        entry.read_at = now;
    }
    let rate = entry.rate;
    let most = overdue_core::rate::at_once(rate);
    if n as u64 > most {
        entry.refused = entry.refused.saturating_add(n as i64);
        return Err(ApiError::TooLarge(format!(
            "{n} signals in one request: this project may send {rate} a second, at most \
             {most} at once; send at most {most} per request"
        )));
    }
    let n = u32::try_from(n).unwrap_or(u32::MAX);
    match entry.bucket.take(n, rate, now) {
        Ok(()) => Ok(()),
        Err(wait) => {
            entry.refused = entry.refused.saturating_add(i64::from(n));
            Err(ApiError::TooMany(
                format!(
                    "signals per second: this project may send {rate} a second (ten seconds' \
                     worth at once); retry after the wait, send less often, or ask the \
                     operator to raise its limit"
                ),
                wait,
            ))
        }
    }
}
