//! The OpenAPI document (`GET /api/v1/openapi.json`, generated with utoipa from the
//! API's types): it names every route the server registers under `/api/v1`, every
//! schema it refers to exists, and a property-based fuzzer (schemathesis, from PyPI)
//! run against a real server on SQLite finds no 5xx and no response outside its
//! documented schema.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

use crate::harness::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_names_every_route() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let r = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let registered: BTreeSet<(String, String)> = crate::people::access::registered()
        .into_iter()
        .filter(|(_, p)| p.starts_with("/api/v1/"))
        .collect();
    let missing: Vec<_> = registered.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "routes the document does not name: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "documented routes that do not exist: {stale:?}"
    );
    // Every $ref points at a schema of the document.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for part in text.split("\"#/components/schemas/").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        assert!(schemas.contains_key(name), "no schema {name}");
    }
    for name in [
        "Monitor",
        "MonitorInput",
        "Channel",
        "Flow",
        "Route",
        "Silence",
        "AlertList",
    ] {
        assert!(
            schemas.contains_key(name),
            "{name} is derived from its type"
        );
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn schemathesis_finds_no_5xx_and_no_schema_mismatch() {
    // Through the interpreter, not the `st` script: no PATH or shim to trust.
    let st = || {
        let mut c = Command::new("python3");
        // Its cache of found crashes stays out of the repository.
        c.args(["-m", "schemathesis.cli"])
            .current_dir(std::env::temp_dir());
        c
    };
    let found = st().arg("--version").output();
    if found.as_ref().map_or(true, |o| !o.status.success()) {
        assert!(
            std::env::var("CI").is_err(),
            "schemathesis is needed in CI (.ci/run installs it from PyPI)"
        );
        eprintln!("skipped: schemathesis is not installed (pip install schemathesis)");
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite).await;
    let url = app.url("/api/v1/openapi.json");
    let key = format!("X-Api-Key: {}", app.api_key);
    let out = tokio::task::spawn_blocking(move || {
        st().args(["run", &url, "-H", &key])
            .args(["--checks", "not_a_server_error,response_schema_conformance"])
            // Streams never end; the first account and sign-out concern sessions.
            .args(["--exclude-path-regex", "events|/log|/auth/"])
            .args(["--max-examples", "10", "--generation-deterministic"])
            .args(["--request-timeout", "10", "--no-color"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "schemathesis found failures:\n{text}");
    app.stop().await;
}
