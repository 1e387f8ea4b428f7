//! The rsyslog recipe of docs/recipes.md, run for real (docs/behaviour.md, "API"):
//! Debian's rsyslogd
//! with the documented block — on a socket of its own, the test server's URL and ping
//! key substituted — and `logger` sending what a backup job and a billing daemon log.
//! The backup's line is a success ping (its message the body), the failed invoice a
//! problem keyed `invoice:12345`, the paid invoice its resolution.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::harness::{Backend, TestApp};

const RSYSLOGD: &str = "/usr/sbin/rsyslogd";

/// The fenced `rsyslog` block of docs/recipes.md.
fn recipe() -> String {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/recipes.md"
    ))
    .unwrap();
    let start = doc
        .find("```rsyslog\n")
        .expect("docs/recipes.md has an rsyslog block")
        + 11;
    let len = doc[start..].find("```").unwrap();
    doc[start..start + len].to_string()
}

struct Rsyslog(Child, std::path::PathBuf);

impl Drop for Rsyslog {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn logger(sock: &std::path::Path, tag: &str, msg: &str) {
    let ok = Command::new("logger")
        .arg("-u")
        .arg(sock)
        .args(["-t", tag, msg])
        .status()
        .unwrap()
        .success();
    assert!(ok, "logger {tag} {msg}");
}

async fn syslog_recipe(backend: Backend) {
    if !std::path::Path::new(RSYSLOGD).exists() {
        assert!(
            std::env::var("CI").is_err(),
            "rsyslog is needed in CI (.ci/run installs it)"
        );
        eprintln!("skipped: no {RSYSLOGD}");
        return;
    }
    let app = TestApp::spawn(backend).await;
    let uuid = app
        .monitor(json!({"name": "backup", "slug": "backup", "period": "1d"}))
        .await;
    app.monitor(json!({"name": "billing", "slug": "billing", "period": "1d"}))
        .await;
    let dir = std::env::temp_dir().join(format!("overdue-rsyslog-{:x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let sock = dir.join("log.sock");
    let config = format!(
        "global(workDirectory=\"{d}\")\nmodule(load=\"imuxsock\" SysSock.Use=\"off\")\n\
         input(type=\"imuxsock\" Socket=\"{s}\")\n{recipe}",
        d = dir.display(),
        s = sock.display(),
        recipe = recipe()
            .replace("PING_KEY", &app.ping_key)
            .replace("/usr/local/bin/overdue", env!("CARGO_BIN_EXE_overdue"))
            .replace("http://127.0.0.1:8000", &app.url(""))
    );
    let conf = dir.join("rsyslog.conf");
    std::fs::write(&conf, config).unwrap();
    let check = Command::new(RSYSLOGD)
        .arg("-N1")
        .arg("-f")
        .arg(&conf)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let child = Command::new(RSYSLOGD)
        .arg("-n")
        .arg("-f")
        .arg(&conf)
        .arg("-i")
        .arg(dir.join("pid"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _rsyslog = Rsyslog(child, dir.clone());
    for _ in 0..100 {
        if sock.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    logger(&sock, "backup", "backup finished in 312 s");
    logger(&sock, "billing", "invoice 12345 failed: card declined");
    logger(&sock, "billing", "invoice 777 failed: no address");
    logger(&sock, "other", "invoice 999 failed: not billing's line");
    let backup = app.wait_status(&uuid, "up", Duration::from_secs(15)).await;
    assert_eq!(backup["n_pings"], 1);
    assert!(
        app.has_ping(&uuid, "success", "backup finished in 312 s")
            .await
    );
    let open = |status: &'static str| {
        let app = &app;
        async move {
            let (_, p) = app
                .api("GET", &format!("/api/v1/problems?status={status}"), None)
                .await;
            let mut keys: Vec<String> = p["problems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| {
                    format!(
                        "{} {}",
                        x["key"].as_str().unwrap(),
                        x["message"].as_str().unwrap()
                    )
                })
                .collect();
            keys.sort();
            keys
        }
    };
    let mut problems = Vec::new();
    for _ in 0..150 {
        problems = open("open").await;
        if problems.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        problems,
        [
            "invoice:12345 invoice 12345 failed: card declined",
            "invoice:777 invoice 777 failed: no address"
        ]
    );
    // The paid invoice resolves its own problem only.
    logger(&sock, "billing", "invoice 12345 paid");
    for _ in 0..150 {
        problems = open("open").await;
        if problems.len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(problems, ["invoice:777 invoice 777 failed: no address"]);
    assert_eq!(
        open("resolved").await,
        ["invoice:12345 invoice 12345 failed: card declined"]
    );
    // A failure line: the backup is down, the reason kept.
    logger(&sock, "backup", "backup failed: disk full");
    app.wait_status(&uuid, "down", Duration::from_secs(15))
        .await;
    assert!(
        app.has_ping(&uuid, "fail", "backup failed: disk full")
            .await
    );
    app.stop().await;
}
both!(rsyslog_recipe_pings_and_problems, syslog_recipe);
