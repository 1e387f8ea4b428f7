//! The real `overdue` binary as a process, on a free port.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn free_port() -> u16 {
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
