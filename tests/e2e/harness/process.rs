//! The real `overdue` binary as a process, on a free port.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long the e2e binary may run (about 5 minutes here, 25 in CI at most): past it a
/// story hangs, and ending the process lets CI fail in words instead of at its own limit
/// with the output cut (docs/benchmarks.md, "The suite's time").
const SUITE_LIMIT: Duration = Duration::from_secs(30 * 60);

/// Starts, once per test binary, the thread that ends the process after [`SUITE_LIMIT`].
/// Which story hangs is in libtest's "has been running for over 60 seconds" lines.
pub fn watchdog() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let started = std::time::Instant::now();
        let spawned = std::thread::Builder::new()
            .name("suite-watchdog".into())
            .spawn(move || {
                // A deadline, not a wait for a condition: parked until it passes.
                while started.elapsed() < SUITE_LIMIT {
                    std::thread::park_timeout(SUITE_LIMIT.saturating_sub(started.elapsed()));
                }
                // Straight to stderr: `eprintln!` in a thread a test started is captured
                // with that test's output, and lost when the process ends.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "the e2e suite has run for {} minutes: a story hangs (see the stories \
                     \"running for over 60 seconds\" above); ending it",
                    SUITE_LIMIT.as_secs() / 60
                );
                std::process::exit(101);
            });
        assert!(spawned.is_ok(), "the suite's watchdog did not start");
    });
}

pub fn free_port() -> u16 {
    watchdog();
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real `overdue serve` process.
pub struct Proc {
    pub child: Child,
    pub base: String,
}

/// Starts the real binary (with extra environment) and waits until it answers; returns
/// its stdout's first lines.
pub async fn start_binary(db: &str, envs: &[(&str, &str)]) -> (Proc, String) {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_overdue"))
        .arg("serve")
        .env("DATABASE_URL", db)
        .env("OVERDUE_LISTEN", format!("127.0.0.1:{port}"))
        .env("OVERDUE_LOG", "warn")
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = http.get(format!("{base}/health/ready")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut out = String::new();
    if let Some(stdout) = child.stdout.take() {
        use std::io::{BufRead, BufReader};
        let mut lines = BufReader::new(stdout).lines();
        while let Some(Ok(line)) = lines.next() {
            let last = line.starts_with("Overdue is listening");
            out.push_str(&line);
            out.push('\n');
            if last {
                break;
            }
        }
    }
    (Proc { child, base }, out)
}
