//! `overdue exec <monitor> -- <command…>`: runs a command as a monitored run. Sends
//! `start`, passes the command's output through and streams it into the run's log in
//! chunks (every second, or sooner past 64 KB), then reports the exit status with the
//! duration and the output's tail, and exits with the command's status.
//! Monitoring never fails the job: when Overdue cannot be reached, a warning goes to
//! stderr and the command runs all the same.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use overdue_client::{Client, Lease, Signal};

/// Bytes of output kept for the report (the end of it).
const TAIL: usize = 10_000;
/// A log chunk is sent once this much output waits…
const CHUNK: usize = 64 * 1024;
/// …or this long after the last one.
const EVERY: Duration = Duration::from_secs(1);
/// Output waiting to be sent is capped (Overdue unreachable): the oldest goes first.
const PENDING_MAX: usize = 1024 * 1024;

/// Output shared by the pumps and the log shipper.
#[derive(Default)]
struct Output {
    tail: VecDeque<u8>,
    pending: Vec<u8>,
    done: bool,
}

type Shared = Arc<(Mutex<Output>, Condvar)>;

fn warn(what: &str, e: impl std::fmt::Display) {
    eprintln!("overdue: {what}: {e} (the command runs all the same)");
}

/// Copies `from` to `to` as it comes, keeping the last [`TAIL`] bytes and queueing
/// the output for the run log.
fn pump(mut from: impl Read, mut to: impl Write, out: Shared) {
    let mut buf = [0u8; 8192];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        let _ = to.write_all(&buf[..n]);
        let _ = to.flush();
        let (lock, ready) = &*out;
        if let Ok(mut o) = lock.lock() {
            o.tail.extend(&buf[..n]);
            let extra = o.tail.len().saturating_sub(TAIL);
            o.tail.drain(..extra);
            o.pending.extend_from_slice(&buf[..n]);
            let extra = o.pending.len().saturating_sub(PENDING_MAX);
            o.pending.drain(..extra);
            if o.pending.len() >= CHUNK {
                ready.notify_one();
            }
        }
    }
}

/// Sends queued output to the run log until the command is done and all is sent. Text
/// is cut at a UTF-8 boundary so a character split between reads is sent whole.
fn ship(client: &Client, monitor: &str, rid: uuid::Uuid, out: &Shared) {
    let (lock, ready) = &**out;
    let mut warned = false;
    loop {
        let (chunk, done) = {
            let Ok(mut o) = lock.lock() else { return };
            if !o.done && o.pending.len() < CHUNK {
                o = match ready.wait_timeout(o, EVERY) {
                    Ok((o, _)) => o,
                    Err(_) => return,
                };
            }
            let take = o.pending.len().min(CHUNK);
            let cut = match std::str::from_utf8(&o.pending[..take]) {
                Ok(_) => take,
                // Incomplete at the end: keep its bytes for the next chunk.
                Err(e) if e.error_len().is_none() && !o.done => e.valid_up_to(),
                Err(_) => take,
            };
            let chunk: Vec<u8> = o.pending.drain(..cut).collect();
            (chunk, o.done && o.pending.is_empty())
        };
        if !chunk.is_empty() {
            let text = String::from_utf8_lossy(&chunk);
            if let Err(e) = client.ping(monitor, Signal::Log, Some(rid), Some(&text)) {
                if !warned {
                    warn("could not send output to the run log", e);
                    warned = true;
                }
            }
        }
        if done {
            return;
        }
    }
}

/// Exit code when another run holds the lease (sysexits' EX_TEMPFAIL: try later).
pub const LOCKED: i32 = 75;

/// `--exclusive`: take the monitor's lease first.
#[derive(Debug, Clone, Copy)]
pub struct Exclusive {
    /// How long the lease lasts (the run's end releases it earlier).
    pub ttl_secs: u64,
    /// Do not run when Overdue cannot be reached to grant it.
    pub required: bool,
}

/// Runs `command` as a run of `monitor`; returns the exit code to exit with.
pub fn run(
    monitor: &str,
    command: &[String],
    url: &str,
    exclusive: Option<Exclusive>,
) -> Result<i32> {
    let (program, args) = command.split_first().ok_or_else(|| {
        anyhow!("give the command after --: overdue exec <monitor> -- <command…>")
    })?;
    let client = Client::new(url).map_err(|e| anyhow!("OVERDUE_URL: {e}"))?;
    let rid = uuid::Uuid::new_v4();
    if let Some(x) = exclusive {
        match client.lock(monitor, rid, x.ttl_secs) {
            Ok(Lease::Granted { .. }) => {}
            Ok(Lease::Held { holder }) => {
                eprintln!("overdue: run {holder} holds the lease of this monitor; not running");
                return Ok(LOCKED);
            }
            Err(e) if x.required => {
                eprintln!("overdue: no lease ({e}); not running (--require-lock)");
                return Ok(LOCKED);
            }
            Err(e) => warn("could not take the lease", e),
        }
    }
    if let Err(e) = client.ping(monitor, Signal::Start, Some(rid), None) {
        warn("could not report the start", e);
    }
    let started = Instant::now();
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            let msg = format!("cannot start {program:?}: {e}");
            if let Err(e) = client.ping(monitor, Signal::Fail, Some(rid), Some(&msg)) {
                warn("could not report the failure", e);
            }
            return Err(anyhow!(msg));
        }
    };
    let shared: Shared = Arc::default();
    let mut pumps = Vec::new();
    if let Some(out) = child.stdout.take() {
        let t = shared.clone();
        pumps.push(std::thread::spawn(move || pump(out, std::io::stdout(), t)));
    }
    if let Some(err) = child.stderr.take() {
        let t = shared.clone();
        pumps.push(std::thread::spawn(move || pump(err, std::io::stderr(), t)));
    }
    let shipper = {
        let (client, monitor, out) = (client.clone(), monitor.to_string(), shared.clone());
        std::thread::spawn(move || ship(&client, &monitor, rid, &out))
    };
    let status = child.wait()?;
    for p in pumps {
        let _ = p.join();
    }
    // The log is complete before the end closes the run.
    if let Ok(mut o) = shared.0.lock() {
        o.done = true;
    }
    shared.1.notify_one();
    let _ = shipper.join();
    let code = status.code().unwrap_or_else(|| {
        // Killed by a signal: exit as a shell would (128 + signal).
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            status.signal().map_or(1, |s| 128 + s)
        }
        #[cfg(not(unix))]
        {
            1
        }
    });
    let secs = started.elapsed().as_secs_f64();
    let output = shared
        .0
        .lock()
        .map(|o| String::from_utf8_lossy(&o.tail.iter().copied().collect::<Vec<u8>>()).into_owned())
        .unwrap_or_default();
    let report = format!("exit status {code} after {secs:.1} s\n{output}");
    // `/ping/<id>/<code>`: 0 is success, anything else a failure with that status.
    let target = format!(
        "{}/{}",
        monitor.trim().trim_matches('/'),
        code.clamp(0, 255)
    );
    if let Err(e) = client.ping(&target, Signal::Success, Some(rid), Some(&report)) {
        warn("could not report the end", e);
    }
    Ok(code)
}
