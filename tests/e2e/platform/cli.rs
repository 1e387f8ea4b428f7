//! The binary itself: `project create --json`, `migrate`, settings errors; and
//! PostgreSQL over TLS (`sslmode=require`).

use std::process::Command;

use diesel::prelude::*;
use overdue_storage::{Store, StoreOptions};

use crate::harness::{fresh_database, postgres_available, Backend};

fn overdue(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_overdue"));
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env("OVERDUE_LOG", "error");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn project_create_prints_keys_as_json() {
    let db = fresh_database(Backend::Sqlite);
    let out = overdue(&["migrate"], &[("DATABASE_URL", &db)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = overdue(
        &["project", "create", "Billing", "--json"],
        &[("DATABASE_URL", &db)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in ["id", "api_key", "read_only_key", "ping_key"] {
        assert!(
            j[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field}: {j}"
        );
    }
    assert_eq!(j["name"], "Billing");
}

/// The server's log written to a file holds no colour codes.
#[tokio::test]
async fn a_log_to_a_file_has_no_colour_codes() {
    let db = fresh_database(Backend::Sqlite);
    let dir = std::env::temp_dir().join(format!("overdue-log-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("overdue.log");
    let port = crate::harness::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_overdue"))
        .arg("serve")
        .env("DATABASE_URL", &db)
        .env("OVERDUE_LISTEN", format!("127.0.0.1:{port}"))
        .env("OVERDUE_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&path).unwrap())
        .spawn()
        .unwrap();
    // Something logged: wait for the file to fill, not for a time.
    let mut log = String::new();
    for _ in 0..200 {
        log = std::fs::read_to_string(&path).unwrap_or_default();
        if !log.trim().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!log.trim().is_empty(), "nothing logged");
    assert!(!log.contains('\u{1b}'), "{log:?}");
}

/// The first start prints a one-time setup link (docs/security.md, "The first
/// account"); only it makes the first owner.
#[tokio::test]
async fn the_first_start_prints_a_setup_link() {
    let db = fresh_database(Backend::Sqlite);
    let dir = std::env::temp_dir().join(format!("overdue-setup-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("stderr.txt");
    let port = crate::harness::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_overdue"))
        .arg("serve")
        .env("DATABASE_URL", &db)
        .env("OVERDUE_LISTEN", format!("127.0.0.1:{port}"))
        .env("OVERDUE_SITE_URL", format!("http://127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&path).unwrap())
        .spawn()
        .unwrap();
    let mut text = String::new();
    for _ in 0..200 {
        text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.contains("/setup?token=") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/setup?token="))
        .unwrap_or_else(|| panic!("no setup link printed: {text}"))
        .to_string();
    assert!(
        link.starts_with(&format!("http://127.0.0.1:{port}/setup?token=")),
        "{link}"
    );
    let token = link.rsplit('=').next().unwrap().to_string();
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/v1/auth/setup");
    let mut answer = None;
    for _ in 0..200 {
        let body = serde_json::json!({"email": "eve@example.com", "password": "long enough"});
        if let Ok(r) = http.post(&url).json(&body).send().await {
            answer = Some(r.status().as_u16());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(answer, Some(403), "without the link");
    let body =
        serde_json::json!({"email": "ann@example.com", "password": "long enough", "token": token});
    let made = http.post(&url).json(&body).send().await.unwrap().status();
    let again = http.post(&url).json(&body).send().await.unwrap().status();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!((made.as_u16(), again.as_u16()), (201, 409), "{text}");
}

#[test]
fn bad_settings_stop_the_start_naming_the_setting() {
    for (env, value) in [
        ("OVERDUE_LISTEN", "not-an-address"),
        ("DATABASE_URL", "mysql://db/x"),
        ("OVERDUE_SITE_URL", "nope"),
        ("OVERDUE_PING_BODY_LIMIT", "lots"),
        ("OVERDUE_WEBHOOK_ALLOW_PRIVATE", "perhaps"),
        ("OVERDUE_CONFIG", "/nonexistent/overdue.toml"),
    ] {
        let out = overdue(&["serve"], &[(env, value)]);
        assert!(!out.status.success(), "{env}={value} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(env), "{env}: {err}");
    }
    let out = overdue(&["project", "create", "  "], &[]);
    assert!(!out.status.success());
}

#[tokio::test]
async fn postgres_over_tls() {
    if postgres_available().is_none() {
        return;
    }
    let url = format!("{}?sslmode=require", fresh_database(Backend::Postgres));
    let store = match Store::open(&url, StoreOptions::default(), overdue::system_clock()) {
        Ok(s) => s,
        Err(e) if e.to_string().contains("does not support SSL") => {
            eprintln!("skipping: this PostgreSQL has TLS off ({e})");
            return;
        }
        Err(e) => panic!("sslmode=require failed: {e}"),
    };
    #[derive(QueryableByName)]
    struct Ssl {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        ssl: bool,
    }
    let ssl = store
        .read(|c| {
            Ok(
                diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                    .get_result::<Ssl>(c)?
                    .ssl,
            )
        })
        .await
        .unwrap();
    assert!(ssl, "the connection is not encrypted");
}

/// Runs the binary with `input` on standard input.
fn overdue_with_input(args: &[&str], db: &str, input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_overdue"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("OVERDUE_LOG", "error")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `overdue user password`: where no SMTP relay sends reset links, an administrator sets
/// a new password from the shell; the user's sessions end; an unknown e-mail is named.
#[tokio::test]
async fn user_password_is_set_from_the_shell() {
    let db = fresh_database(Backend::Sqlite);
    let out = overdue_with_input(
        &["user", "create", "ann@example.com"],
        &db,
        "first password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = overdue_with_input(
        &["user", "password", "Ann@example.com"],
        &db,
        "second password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Set the password"));
    let out = overdue_with_input(
        &["user", "password", "bob@example.com"],
        &db,
        "second password\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user with the e-mail"));
    let out = overdue_with_input(&["user", "password", "ann@example.com"], &db, "short\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 8"));
    let store = Store::open(&db, StoreOptions::default(), overdue::system_clock()).unwrap();
    let user = store
        .read(|c| overdue_storage::people::accounts::find_by_email(c, "ann@example.com"))
        .await
        .unwrap()
        .unwrap();
    assert!(overdue_storage::people::passwords::verify(
        "second password",
        &user.password_hash
    ));
    assert!(!overdue_storage::people::passwords::verify(
        "first password",
        &user.password_hash
    ));
}
