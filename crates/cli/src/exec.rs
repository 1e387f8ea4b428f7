//! `overdue exec <monitor> -- <command…>`: runs a command as a monitored run. Sends
//! `start`, passes the command's output through while keeping its tail, then reports the
//! exit status with the duration and the tail, and exits with the command's status.
//! Monitoring never fails the job: when Overdue cannot be reached, a warning goes to
//! stderr and the command runs all the same.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{anyhow, Result};
use overdue_client::{Client, Lease, Signal};

/// Bytes of output kept for the report (the end of it).
const TAIL: usize = 10_000;

fn warn(what: &str, e: impl std::fmt::Display) {
    eprintln!("overdue: {what}: {e} (the command runs all the same)");
}

/// Copies `from` to `to` as it comes, keeping the last [`TAIL`] bytes in `tail`.
fn pump(mut from: impl Read, mut to: impl Write, tail: Arc<Mutex<VecDeque<u8>>>) {
    let mut buf = [0u8; 8192];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        let _ = to.write_all(&buf[..n]);
        let _ = to.flush();
        if let Ok(mut t) = tail.lock() {
            t.extend(&buf[..n]);
            let extra = t.len().saturating_sub(TAIL);
            t.drain(..extra);
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
    let tail = Arc::new(Mutex::new(VecDeque::with_capacity(TAIL)));
    let mut pumps = Vec::new();
    if let Some(out) = child.stdout.take() {
        let t = tail.clone();
        pumps.push(std::thread::spawn(move || pump(out, std::io::stdout(), t)));
    }
    if let Some(err) = child.stderr.take() {
        let t = tail.clone();
        pumps.push(std::thread::spawn(move || pump(err, std::io::stderr(), t)));
    }
    let status = child.wait()?;
    for p in pumps {
        let _ = p.join();
    }
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
    let output = tail
        .lock()
        .map(|t| String::from_utf8_lossy(&t.iter().copied().collect::<Vec<u8>>()).into_owned())
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
