//! The container files (`docker/`), validated without a Docker engine (none runs on
//! these machines): the compose file parses and says what README promises (PostgreSQL
//! with a volume and a readiness dependency, a second instance on the same database);
//! the Dockerfile is multi-stage, runs as a non-root user and builds with the script CI
//! runs; and the runtime it describes works — the binary started with the image's
//! environment and command answers the image's HEALTHCHECK, which fails once the
//! server is gone.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::free_port;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn compose_file_parses_and_wires_postgres() {
    let doc: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&read("docker/compose.yaml")).expect("docker/compose.yaml is YAML");
    let services = &doc["services"];
    let pg = &services["postgres"];
    assert!(pg["image"].as_str().unwrap().starts_with("postgres:"));
    assert!(pg["healthcheck"]["test"].is_sequence(), "{pg:?}");
    assert_eq!(
        pg["volumes"][0].as_str(),
        Some("pgdata:/var/lib/postgresql/data")
    );
    assert!(doc["volumes"]["pgdata"].is_null() || doc["volumes"]["pgdata"].is_mapping());
    for name in ["overdue", "overdue-2"] {
        let s = &services[name];
        let url = s["environment"]["DATABASE_URL"].as_str().unwrap();
        assert!(
            url.starts_with("postgres://") && url.contains("@postgres:5432/"),
            "{name}: {url}"
        );
        assert_eq!(
            s["depends_on"]["postgres"]["condition"].as_str(),
            Some("service_healthy"),
            "{name} waits for PostgreSQL to be ready"
        );
    }
    assert_eq!(
        services["overdue"]["build"]["dockerfile"].as_str(),
        Some("docker/Dockerfile")
    );
    assert_eq!(services["overdue-2"]["profiles"][0].as_str(), Some("ha"));
}

/// The Dockerfile's instructions, continuation lines joined, comments dropped.
fn instructions() -> Vec<(String, String)> {
    let text = read("docker/Dockerfile");
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') || (t.is_empty() && current.is_empty()) {
            continue;
        }
        current.push_str(t.trim_end_matches('\\'));
        current.push(' ');
        if !t.ends_with('\\') {
            let (k, v) = current
                .trim()
                .split_once(' ')
                .unwrap_or((current.trim(), ""));
            out.push((k.to_uppercase(), v.trim().to_string()));
            current.clear();
        }
    }
    out
}

#[test]
fn dockerfile_is_multi_stage_non_root_and_built_as_ci_builds() {
    let ins = instructions();
    let froms: Vec<&String> = ins
        .iter()
        .filter(|(k, _)| k == "FROM")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        froms.len(),
        2,
        "a build stage and a runtime stage: {froms:?}"
    );
    assert!(froms[0].ends_with("AS build"));
    assert!(
        froms[1].contains("slim"),
        "a small runtime image: {}",
        froms[1]
    );
    let user = ins
        .iter()
        .rev()
        .find(|(k, _)| k == "USER")
        .map(|(_, v)| v.clone());
    let user = user.expect("a USER line");
    assert!(
        !user.starts_with("root") && !user.starts_with('0'),
        "{user}"
    );
    assert!(ins
        .iter()
        .any(|(k, v)| k == "RUN" && v == "docker/build.sh"));
    // The image builds what README's first command builds (the release binary of
    // `overdue`); CI no longer repeats that compile (docs/benchmarks.md, "The suite's
    // time").
    assert!(read("README.md").contains("cargo run --release -p overdue -- serve"));
    let build = root().join("docker/build.sh");
    use std::os::unix::fs::PermissionsExt;
    assert!(std::fs::metadata(&build).unwrap().permissions().mode() & 0o111 != 0);
    assert!(read("docker/build.sh").contains("cargo build --release --locked -p overdue"));
    assert!(read(".dockerignore").contains("target/"));
    let health = ins.iter().find(|(k, _)| k == "HEALTHCHECK").unwrap();
    assert!(
        health.1.contains("/health/ready") || health.1.contains("\"health\""),
        "{health:?}"
    );
}

/// `ENV` pairs of the runtime stage.
fn env_of(ins: &[(String, String)]) -> Vec<(String, String)> {
    ins.iter()
        .filter(|(k, _)| k == "ENV")
        .flat_map(|(_, v)| {
            v.split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A JSON-form `CMD [...]` or `ENTRYPOINT [...]` as words.
fn words(v: &str) -> Vec<String> {
    let v = v.trim_start_matches("CMD").trim();
    serde_json::from_str(v).unwrap_or_else(|e| panic!("{v}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_images_runtime_answers_its_healthcheck() {
    let ins = instructions();
    let dir = std::env::temp_dir().join(format!("overdue-image-{:x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let bin = env!("CARGO_BIN_EXE_overdue");
    let mut cmd = Command::new(bin);
    // The image's environment, with its paths under a temporary directory and its port
    // free on this machine.
    for (k, v) in env_of(&ins) {
        let v = v
            .replace("/var/lib/overdue", dir.to_str().unwrap())
            .replace("0.0.0.0:8000", &format!("127.0.0.1:{port}"));
        cmd.env(k, v);
    }
    let entry = words(&ins.iter().find(|(k, _)| k == "ENTRYPOINT").unwrap().1);
    let args = words(&ins.iter().rev().find(|(k, _)| k == "CMD").unwrap().1);
    assert_eq!(entry, ["overdue"]);
    let mut server = cmd
        .args(&args)
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let health = ins
        .iter()
        .find(|(k, _)| k == "HEALTHCHECK")
        .unwrap()
        .1
        .clone();
    let probe = words(health.split_once("CMD").unwrap().1);
    assert_eq!(probe[0], "overdue");
    let probe_args: Vec<String> = probe[1..]
        .iter()
        .map(|a| a.replace("127.0.0.1:8000", &format!("127.0.0.1:{port}")))
        .collect();
    let check = || {
        Command::new(bin)
            .args(&probe_args)
            .env_remove("OVERDUE_URL")
            .output()
            .unwrap()
    };
    let mut healthy = false;
    for _ in 0..100 {
        if check().status.success() {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "the HEALTHCHECK passes once the server is up");
    assert!(
        dir.join("overdue.db").exists(),
        "the data lands in the volume's directory"
    );
    let _ = server.kill();
    let _ = server.wait();
    let out = check();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the HEALTHCHECK fails when the server is gone"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not ready"));
    let _ = std::fs::remove_dir_all(&dir);
}
