//! Flow events from every client (docs/behaviour.md, "Flows (entity SLAs)"): the Python
//! client in a real Python
//! process, the Rust client, and `overdue flow event|import|entity|list`, on both
//! databases.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::both;
use crate::harness::{Backend, TestApp};

fn overdue(app: &TestApp, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_overdue"))
        .args(args)
        .env("OVERDUE_URL", &app.base)
        .env("OVERDUE_API_KEY", &app.api_key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{args:?}: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

async fn clients_send_flow_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, f) = app
        .api(
            "POST",
            "/api/v1/flows",
            Some(json!({"name": "orders", "stages": [{"name": "placed", "sla": "1h"}, {"name": "shipped", "sla": "1d"}]})),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    let ping_key = app.ping_key.clone();
    // Python.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../clients/python");
    let script = format!(
        r#"
import overdue
assert overdue.flow_event("{ping_key}", "orders", "p1", "placed") is True
assert overdue.flow_event("{ping_key}", "orders", "p1", "placed", at="2026-01-01T00:00:00Z") is True
r = overdue.flow_events("orders", [{{"entity": "p2", "stage": "placed"}}, {{"entity": "p2", "stage": "shipped"}}])
assert r == {{"stored": 2, "applied": 2}}, r
try:
    overdue.flow_event("{ping_key}", "orders", "p3", "lost")
except overdue.OverdueError as e:
    print("refused:", e)
print("done")
"#
    );
    let out = tokio::process::Command::new("python3")
        .arg("-c")
        .arg(&script)
        .env("PYTHONPATH", &dir)
        .env("OVERDUE_URL", &app.base)
        .env("OVERDUE_API_KEY", &app.api_key)
        .output()
        .await
        .expect("python3 is needed for this test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout
            .contains("refused: Overdue answered 422: stage \"lost\" is not a stage of this flow"),
        "{stdout}"
    );
    // Rust.
    let (base, key, api_key) = (app.base.clone(), ping_key.clone(), app.api_key.clone());
    let (applied, batch) = tokio::task::spawn_blocking(move || {
        let c = overdue_client::Client::new(&base).unwrap();
        let applied = c.flow_event(&key, "orders", "r:1", "placed", None).unwrap();
        let batch = c
            .flow_events(
                "orders",
                &api_key,
                &[json!({"entity": "r2", "stage": "shipped"})],
            )
            .unwrap();
        (applied, batch)
    })
    .await
    .unwrap();
    assert!(applied);
    assert_eq!((batch.stored, batch.applied, batch.kept_aside), (1, 1, 0));
    let (s, e) = app
        .api("GET", "/api/v1/flows/orders/entities/r:1", None)
        .await;
    assert_eq!(s, 200, "{e}");
    // The CLI.
    assert_eq!(
        overdue(&app, &["flow", "event", "orders", "c1", "placed"], None).trim(),
        "c1: placed"
    );
    let lines = "{\"entity\": \"c2\", \"stage\": \"placed\"}\n\n{\"entity\": \"c1\", \"stage\": \"shipped\"}\n";
    assert_eq!(
        overdue(&app, &["flow", "import", "orders"], Some(lines)).trim(),
        "2 events stored, 2 moved an entity"
    );
    // A line the server cannot read is kept aside there; the rest is stored, and the
    // command says both and fails, so a script notices.
    let mut child = Command::new(env!("CARGO_BIN_EXE_overdue"))
        .args(["flow", "import", "orders"])
        .env("OVERDUE_URL", &app.base)
        .env("OVERDUE_API_KEY", &app.api_key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"entity\": \"c3\", \"stage\": \"placed\"}\n{\"entity\": \"c4\", \"stage\": \"lost\"}\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("1 events stored, 1 moved an entity; 1 could not be read and were kept aside")
            && err.contains("events[1]: stage \"lost\""),
        "{err}"
    );
    let shown = overdue(&app, &["flow", "entity", "orders", "c1"], None);
    assert!(shown.starts_with("c1 in shipped since "), "{shown}");
    assert!(
        shown.contains("placed") && shown.contains("shipped"),
        "{shown}"
    );
    let listed = overdue(&app, &["flow", "list"], None);
    assert!(listed.starts_with("orders\n"), "{listed}");
    assert!(
        listed.contains("placed") && listed.contains("in it"),
        "{listed}"
    );
    app.stop().await;
}
both!(clients_send_flow_events, clients_send_flow_events);
