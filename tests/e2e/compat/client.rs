//! The Rust client's run guard and `overdue ping`, against a real server.

use serde_json::json;

use crate::both;
use crate::harness::{Backend, TestApp};

async fn guard(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.monitor(json!({"name": "etl", "period": "1h"})).await;
    let (base, mid) = (app.base.clone(), id.clone());
    // A run that goes through a step, reports progress, logs, counts and succeeds.
    tokio::task::spawn_blocking(move || {
        let c = overdue_client::Client::new(&base)?;
        let mut run = c.run(&mid)?;
        run.step("extract")?;
        run.progress(5, Some(10), Some("rows"))?;
        run.log("exported 12 rows")?;
        run.count("processed", 12);
        run.warning("2 rows had no date");
        run.success()
    })
    .await
    .unwrap()
    .unwrap();
    let m = app.get_monitor(&id).await;
    assert_eq!(m["status"], "up");
    let (_, runs) = app
        .api("GET", &format!("/api/v1/monitors/{id}/runs"), None)
        .await;
    let run = &runs["runs"][0];
    assert_eq!(run["outcome"], "success", "{runs}");
    assert!(run["rid"].is_string());
    assert_eq!(run["steps"][0]["name"], "extract");
    assert_eq!(run["progress"]["percent"], 50);
    assert_eq!(run["report"]["counts"]["processed"], 12);
    assert_eq!(run["report"]["warnings"][0], "2 rows had no date");
    let (_, log) = app
        .api_text(&format!("/api/v1/runs/{}/log", run["id"]))
        .await;
    assert_eq!(log, "exported 12 rows");
    // A job that panics: the guard ends its run as failed.
    let (base, mid) = (app.base.clone(), id.clone());
    let crashed = tokio::task::spawn_blocking(move || {
        let c = overdue_client::Client::new(&base).unwrap();
        let _run = c.run(&mid).unwrap();
        panic!("the job crashed");
    })
    .await;
    assert!(crashed.is_err());
    let m = app.get_monitor(&id).await;
    assert_eq!(
        (m["status"].clone(), m["down_reason"].clone()),
        (json!("down"), json!("failed"))
    );
    // Unreachable and bad input are errors, not panics.
    let closed = format!("http://127.0.0.1:{}", crate::harness::free_port());
    let e = tokio::task::spawn_blocking(move || {
        overdue_client::Client::new(&closed)
            .unwrap()
            .ping("x", overdue_client::Signal::Success, None, None)
            .unwrap_err()
            .to_string()
    })
    .await
    .unwrap();
    assert!(e.contains("could not be reached"), "{e}");
    assert!(overdue_client::Client::new("ftp://x").is_err());
    // Problems: run 1 reports two units, run 2 only one; the other went through.
    let (base, mid) = (app.base.clone(), id.clone());
    let (first, second, resolved, refused) = tokio::task::spawn_blocking(move || {
        use overdue_client::Problem;
        let c = overdue_client::Client::new(&base).unwrap();
        let run = c.run(&mid).unwrap();
        let first = run
            .problems(&[
                Problem::error("invoice:1", "VAT id missing").details(json!({"customer": 7})),
                Problem::warning("invoice:2", "rounded"),
            ])
            .unwrap();
        run.success().unwrap();
        let run = c.run(&mid).unwrap();
        let second = run
            .problems(&[Problem::error("invoice:1", "VAT id missing")])
            .unwrap();
        run.success().unwrap();
        let resolved = c.resolve(&mid, &["invoice:1", "invoice:7"]).unwrap();
        let refused = c
            .problems(&mid, &[Problem::error("", "no key")])
            .unwrap_err()
            .to_string();
        (first, second, resolved, refused)
    })
    .await
    .unwrap();
    assert_eq!((first.opened, first.open), (2, 2));
    assert_eq!((second.repeated, second.open), (1, 2));
    assert_eq!(resolved.resolved, 1);
    assert_eq!(resolved.not_open, vec!["invoice:7".to_string()]);
    assert!(
        refused.contains("422") && refused.contains("key must be"),
        "{refused}"
    );
    let (_, l) = app
        .api(
            "GET",
            &format!("/api/v1/problems?monitor={id}&status=resolved"),
            None,
        )
        .await;
    let by: Vec<(String, String)> = l["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["key"].as_str().unwrap().into(),
                p["resolved_by"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(by.contains(&("invoice:2".into(), "run".into())), "{by:?}");
    assert!(
        by.contains(&("invoice:1".into(), "report".into())),
        "{by:?}"
    );
    app.stop().await;
}
both!(client_run_guard, guard);

#[tokio::test]
async fn overdue_ping_command() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let id = app.monitor(json!({"name": "cli", "period": "1h"})).await;
    let run = |args: Vec<String>| {
        std::process::Command::new(env!("CARGO_BIN_EXE_overdue"))
            .arg("ping")
            .args(args)
            .env("OVERDUE_URL", &app.base)
            .output()
            .unwrap()
    };
    let rid = uuid::Uuid::new_v4().to_string();
    let out = run(vec![
        id.clone(),
        "start".into(),
        "--rid".into(),
        rid.clone(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for args in [
        vec!["step", "--step", "copy"],
        vec!["progress", "--done", "3", "--total", "4", "--msg", "files"],
    ] {
        let mut args: Vec<String> = args.into_iter().map(String::from).collect();
        args.insert(0, id.clone());
        args.extend(["--rid".to_string(), rid.clone()]);
        let out = run(args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let open = app.last_run(&id).await;
    assert_eq!(open["steps"][0]["name"], "copy", "{open}");
    assert_eq!(open["progress"]["percent"], 75, "{open}");
    let out = run(vec![
        id.clone(),
        "--rid".into(),
        rid.clone(),
        "--body".into(),
        "done".into(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = app.get_monitor(&id).await;
    assert_eq!(m["status"], "up");
    assert!(m["last_duration"].is_number(), "{m}");
    // Problems from a shell: one unit, then resolved.
    let out = run(vec![
        id.clone(),
        "problems".into(),
        "--key".into(),
        "invoice:1".into(),
        "--severity".into(),
        "warning".into(),
        "--msg".into(),
        "VAT id missing".into(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("\"opened\":1"), "{stdout}");
    let out = run(vec![
        id.clone(),
        "resolve".into(),
        "--key".into(),
        "invoice:1".into(),
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"resolved\":1"));
    // Clear errors, non-zero exit.
    for (args, says) in [
        (vec![id.clone(), "finished".into()], "use success, start"),
        (vec![id.clone(), "progress".into()], "progress needs --done"),
        (vec![id.clone(), "step".into()], "step needs --step"),
        (vec![id.clone(), "problems".into()], "problems needs --key"),
        (
            vec![
                id.clone(),
                "problems".into(),
                "--key".into(),
                "a".into(),
                "--severity".into(),
                "loud".into(),
            ],
            "info, warning, error or critical",
        ),
        (vec![uuid::Uuid::new_v4().to_string()], "404"),
        (
            vec![id.clone(), "--rid".into(), "nope".into()],
            "not a UUID",
        ),
    ] {
        let out = run(args);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
    }
    app.stop().await;
}

/// The one-file Python client, in a real Python process: a run that logs and succeeds,
/// one that raises (fail), and an unreachable server (a warning, the job goes on).
#[tokio::test]
async fn python_client() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ok = app.monitor(json!({"name": "py-ok", "period": "1h"})).await;
    let bad = app.monitor(json!({"name": "py-bad", "period": "1h"})).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../clients/python");
    let script = format!(
        r#"
import sys, overdue
with overdue.run("{ok}") as run:
    run.step("load")
    run.progress(3, 4, "files")
    run.log("exported 12 rows")
    run.count("processed", 12)
    run.error("row 7: no date")
    first = run.problems([("invoice:1", "VAT id missing"),
                          {{"key": "invoice:2", "severity": "warning", "details": {{"line": 4}}}}])
    assert first["opened"] == 2 and first["open"] == 2, first
with overdue.run("{ok}") as run:
    again = run.problem("invoice:1", "VAT id missing", severity="critical")
    assert again["repeated"] == 1 and again["escalated"] == 1, again
assert overdue.resolve("{ok}", ["invoice:1", "invoice:9"]) == {{"resolved": 1, "not_open": ["invoice:9"]}}
try:
    overdue.problems("{ok}", [{{"key": "a", "severity": "fatal"}}])
except ValueError as e:
    print("refused:", e)
try:
    with overdue.run("{bad}"):
        raise RuntimeError("disk full")
except RuntimeError:
    pass
with overdue.run("{ok}", base_url="http://127.0.0.1:{closed}"):
    pass
for hostile in ("{ok}/../../../ack/x", "..", "key/.."):
    try:
        overdue.ping(hostile)
        print("traversal sent:", hostile)
    except ValueError:
        pass
print("job finished")
"#,
        closed = crate::harness::free_port()
    );
    let out = tokio::process::Command::new("python3")
        .arg("-c")
        .arg(&script)
        .env("PYTHONPATH", &dir)
        .env("OVERDUE_URL", &app.base)
        .output()
        .await
        .expect("python3 is needed for this test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("job finished"));
    assert!(!stdout.contains("traversal sent"), "{stdout}");
    assert!(stderr.contains("could not be reached"), "{stderr}");
    assert!(stdout.contains("refused: severity 'fatal'"), "{stdout}");
    let (_, l) = app
        .api(
            "GET",
            &format!("/api/v1/problems?monitor={ok}&status=all"),
            None,
        )
        .await;
    let states: Vec<(String, String)> = l["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["key"].as_str().unwrap().into(),
                p["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![
            ("invoice:2".to_string(), "resolved".to_string()),
            ("invoice:1".to_string(), "resolved".to_string())
        ],
        "invoice:2 went through in the second run, invoice:1 was resolved by hand"
    );
    assert_eq!(app.get_monitor(&ok).await["status"], "up");
    let m = app.get_monitor(&bad).await;
    assert_eq!(m["status"], "down");
    assert!(app.has_ping(&bad, "fail", "RuntimeError: disk full").await);
    let (_, runs) = app
        .api("GET", &format!("/api/v1/monitors/{ok}/runs"), None)
        .await;
    // The first run (the second one only reported a problem).
    let run = &runs["runs"][1];
    assert_eq!(run["outcome"], "success", "{runs}");
    assert_eq!(run["steps"][0]["name"], "load");
    assert_eq!(run["progress"]["percent"], 75);
    assert_eq!(run["report"]["counts"]["processed"], 12);
    assert_eq!(run["report"]["errors"][0], "row 7: no date");
    let (_, log) = app
        .api_text(&format!("/api/v1/runs/{}/log", run["id"]))
        .await;
    assert_eq!(log, "exported 12 rows");
    app.stop().await;
}

/// `overdue exec`: the command's output passes through, its exit status is reported (with
/// the duration and the output's tail) and passed on; Overdue being unreachable never
/// fails the job.
#[tokio::test]
async fn overdue_exec() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let id = app.monitor(json!({"name": "exec", "period": "1h"})).await;
    let exec = |url: String, script: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_overdue"))
            .args(["exec", &id, "--url", &url, "--", "sh", "-c", script])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, _) = exec(app.base.clone(), "echo copied 12 files; sleep 0.2");
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("copied 12 files"),
        "output passes through: {stdout}"
    );
    let m = app.get_monitor(&id).await;
    assert_eq!(m["status"], "up");
    assert!(m["last_duration"].as_f64().unwrap() >= 0.2, "{m}");
    // Output streamed into the run's log while it ran: in chunks, not only at the end.
    let script = "for i in 1 2 3; do echo line $i; sleep 1; done";
    let (base, mid) = (app.base.clone(), id.clone());
    let job = std::thread::spawn(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_overdue"))
            .args(["exec", &mid, "--url", &base, "--", "sh", "-c", script])
            .output()
            .unwrap()
    });
    tokio::time::sleep(std::time::Duration::from_millis(1_800)).await;
    let open = app.last_run(&id).await;
    assert!(open["ended_at"].is_null(), "{open}");
    let (_, partial) = app
        .api_text(&format!("/api/v1/runs/{}/log", open["id"]))
        .await;
    assert!(
        partial.starts_with("line 1\n"),
        "streamed while running: {partial:?}"
    );
    assert!(!partial.contains("line 3"), "{partial:?}");
    assert!(job.join().unwrap().status.success());
    let (_, full) = app
        .api_text(&format!("/api/v1/runs/{}/log", open["id"]))
        .await;
    assert_eq!(full, "line 1\nline 2\nline 3\n");
    let (code, _, stderr) = exec(app.base.clone(), "echo working; echo disk full >&2; exit 3");
    assert_eq!(code, Some(3), "the exit status passes through");
    assert!(stderr.contains("disk full"));
    let m = app.get_monitor(&id).await;
    assert_eq!(
        (m["status"].clone(), m["down_reason"].clone()),
        (json!("down"), json!("failed"))
    );
    let (_, pings) = app
        .api("GET", &format!("/api/v1/monitors/{id}/pings"), None)
        .await;
    let last = &pings["pings"][0];
    assert_eq!(last["exit_status"], 3, "{last}");
    let body = last["body"].as_str().unwrap();
    assert!(body.starts_with("exit status 3 after"), "{body}");
    assert!(
        body.contains("working") && body.contains("disk full"),
        "{body}"
    );
    let (_, runs) = app
        .api("GET", &format!("/api/v1/monitors/{id}/runs"), None)
        .await;
    assert_eq!(runs["runs"][0]["outcome"], "fail", "{runs}");
    // Overdue down: a warning, and the job's own result.
    let closed = format!("http://127.0.0.1:{}", crate::harness::free_port());
    let (code, stdout, stderr) = exec(closed, "echo still runs; exit 0");
    assert_eq!(code, Some(0));
    assert!(stdout.contains("still runs"));
    assert!(stderr.contains("the command runs all the same"), "{stderr}");
    app.stop().await;
}

/// `overdue nagios`: the plugin's exit codes and status line against a real server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nagios_plugin() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let db = app
        .monitor(json!({"name": "db-backup", "slug": "db", "tags": ["prod"], "period": "1h"}))
        .await;
    app.monitor(json!({"name": "web", "tags": ["prod"], "period": "1h"}))
        .await;
    let run = |target: &str, key: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_overdue"));
        cmd.args(["nagios", target, "--url", &app.base])
            .env_remove("OVERDUE_API_KEY");
        if let Some(k) = key {
            cmd.env("OVERDUE_API_KEY", k);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
        )
    };
    let ro = app.read_only_key.clone();
    assert_eq!(app.ping(&db).await, 200);
    let (code, line) = run("db", Some(&ro));
    assert_eq!(code, Some(0), "{line}");
    assert!(line.starts_with("OVERDUE OK - db-backup is up |"), "{line}");
    assert_eq!(app.ping(&format!("{db}/fail")).await, 200);
    let (code, line) = run("tag:prod", Some(&ro));
    assert_eq!(code, Some(2), "{line}");
    assert_eq!(
        line,
        "OVERDUE CRITICAL - tag prod: db-backup down | up=1 late=0 down=1"
    );
    let (code, line) = run(&db, Some(&ro));
    assert_eq!(code, Some(2));
    assert!(line.contains("db-backup is down (failed)"), "{line}");
    // Unknown monitor, no key, wrong key, unreachable: UNKNOWN with the reason.
    for (target, key, says) in [
        ("nope", Some(ro.as_str()), "no monitor \"nope\""),
        ("db", None, "no API key"),
        ("db", Some("odr_wrong"), "wrong api key"),
    ] {
        let (code, line) = run(target, key);
        assert_eq!(code, Some(3), "{line}");
        assert!(
            line.starts_with("OVERDUE UNKNOWN - ") && line.contains(says),
            "{line}"
        );
    }
    app.stop().await;
}

/// `overdue monitors list|create|pause|resume` against a real server. (Multi-threaded:
/// the CLI runs synchronously and the server must be serving already.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitors_command() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let run = |args: &[&str], key: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_overdue"));
        cmd.arg("monitors")
            .args(args)
            .args(["--url", &app.base])
            .env_remove("OVERDUE_API_KEY");
        if let Some(k) = key {
            cmd.env("OVERDUE_API_KEY", k);
        }
        let out = cmd.output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let key = app.api_key.clone();
    let (ok, out, err) = run(
        &[
            "create",
            "--name",
            "nightly backup",
            "--slug",
            "backup",
            "--cron",
            "30 2 * * *",
            "--tz",
            "Europe/Riga",
            "--tags",
            "prod,db",
        ],
        Some(&key),
    );
    assert!(ok, "{err}");
    let id = out.split('\t').next().unwrap().to_string();
    assert!(out.contains(&format!("/ping/{id}")), "{out}");
    let m = app.get_monitor(&id).await;
    assert_eq!(
        (m["schedule"]["tz"].clone(), m["tags"].clone()),
        (json!("Europe/Riga"), json!(["prod", "db"]))
    );
    let (ok, out, _) = run(&["list"], Some(&app.read_only_key));
    assert!(ok);
    assert!(
        out.starts_with("NAME")
            && out.contains("nightly backup  backup  new")
            && out.contains("30 2 * * * Europe/Riga  never"),
        "{out}"
    );
    let (ok, out, err) = run(&["pause", "backup"], Some(&key));
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "nightly backup is paused");
    let (ok, out, _) = run(&["resume", &id], Some(&key));
    assert!(ok);
    assert!(out.contains("nightly backup is"), "{out}");
    // Errors name what to fix, exit non-zero.
    for (args, key, says) in [
        (vec!["list"], None, "no API key"),
        (
            vec!["pause", "nope"],
            Some(key.as_str()),
            "no monitor with slug \"nope\"",
        ),
        (
            vec!["create", "--name", "x", "--cron", "61 * * * *"],
            Some(key.as_str()),
            "cron",
        ),
        (
            vec!["pause", "backup"],
            Some(app.read_only_key.as_str()),
            "403",
        ),
    ] {
        let (ok, _, err) = run(&args, key);
        assert!(!ok);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    app.stop().await;
}

/// `overdue import-crontab`: one monitor per line, idempotent by slug, `--rewrite`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_crontab() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let dir = std::env::temp_dir().join(format!("overdue-crontab-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("crontab");
    std::fs::write(
        &file,
        "MAILTO=ops@example.com\n30 2 * * * /usr/local/bin/backup.sh --full >/dev/null 2>&1\n@hourly /opt/sync customers\n@reboot /opt/start\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_overdue"))
            .arg("import-crontab")
            .arg(&file)
            .args(["--tz", "Europe/Riga", "--url", &app.base])
            .args(extra)
            .env("OVERDUE_API_KEY", &app.api_key)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(&[]);
    assert!(ok, "{err}");
    assert!(out.contains("line 2: backup-sh-full created"), "{out}");
    assert!(out.contains("line 3: sync-customers created"), "{out}");
    assert!(out.contains("@reboot has no schedule"), "{out}");
    let (_, list) = app.api("GET", "/api/v1/monitors", None).await;
    let ms = list["monitors"].as_array().unwrap();
    assert_eq!(ms.len(), 2);
    let backup = ms.iter().find(|m| m["slug"] == "backup-sh-full").unwrap();
    assert_eq!(
        backup["schedule"],
        json!({"kind": "cron", "cron": "30 2 * * *", "tz": "Europe/Riga"})
    );
    let sync = ms.iter().find(|m| m["slug"] == "sync-customers").unwrap();
    assert_eq!(sync["schedule"]["cron"], "0 * * * *");
    // Again: nothing new; the rewritten crontab wraps each job.
    let (ok, out, err) = run(&["--rewrite"]);
    assert!(ok, "{err}");
    assert!(err.contains("backup-sh-full exists, kept"), "{err}");
    let id = backup["uuid"].as_str().unwrap();
    assert!(
        out.contains(&format!("30 2 * * * overdue exec {id} -- sh -c '/usr/local/bin/backup.sh --full >/dev/null 2>&1'")),
        "{out}"
    );
    assert!(
        out.contains("@hourly overdue exec") && out.contains("MAILTO=ops@example.com"),
        "{out}"
    );
    let (_, list) = app.api("GET", "/api/v1/monitors", None).await;
    assert_eq!(list["monitors"].as_array().unwrap().len(), 2);
    std::fs::write(&file, "# nothing\n").unwrap();
    let (ok, _, err) = run(&[]);
    assert!(!ok && err.contains("no cron job lines"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
    app.stop().await;
}
