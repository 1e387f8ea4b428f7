//! Test databases: a fresh SQLite file or PostgreSQL database per test, PostgreSQL ones
//! copied from a migrated template (made once per set of migrations), old ones dropped.

use diesel::connection::SimpleConnection;
use overdue_storage::DbUrl;

use super::Backend;

fn admin_url() -> String {
    std::env::var("OVERDUE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `Some` when PostgreSQL is reachable. In CI (`CI=true`) a missing PostgreSQL fails the
/// test instead of skipping it.
pub fn postgres_available() -> Option<()> {
    match DbUrl::Postgres(admin_url()).connect() {
        Ok(_) => Some(()),
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "PostgreSQL is required in CI but unreachable at {}: {e}",
                    admin_url()
                );
            }
            eprintln!(
                "skipping: PostgreSQL unreachable at {} ({e}); see README",
                admin_url()
            );
            None
        }
    }
}

/// A fresh database for one test; returns its URL. SQLite: empty (migrated on open).
/// PostgreSQL: a copy of a migrated template (`CREATE DATABASE … TEMPLATE`, a tenth of
/// the time of 20 migrations); test databases are named with their creation time, and
/// those older than an hour are dropped here, so repeated runs do not pile them up.
pub fn fresh_database(backend: Backend) -> String {
    super::process::watchdog();
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let name = format!(
        "overdue_t_{secs}_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(&name);
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}", dir.join("overdue.db").display())
        }
        Backend::Postgres => {
            let admin = admin_url();
            let mut c = DbUrl::Postgres(admin.clone()).connect().unwrap();
            drop_old_databases(&mut c, secs);
            let template = pg_template(&admin);
            c.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .unwrap();
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
            format!("{base}/{name}")
        }
    }
}

/// The migrated template the PostgreSQL test databases are copied from, made once per
/// set of migrations: its name carries a digest of `migrations/postgres`, so a changed
/// migration makes a new one (and the old ones are dropped). It is migrated under a
/// temporary name and renamed when done, under an advisory lock, so that neither a
/// concurrent test binary nor an interrupted run leaves a half-migrated template.
fn pg_template(admin: &str) -> &'static str {
    static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        use diesel::prelude::*;
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres");
        let mut files: Vec<_> = walk(&dir);
        files.sort();
        use sha2::Digest;
        let mut digest = sha2::Sha256::new();
        for f in &files {
            digest.update(f.strip_prefix(&dir).unwrap().to_string_lossy().as_bytes());
            digest.update(std::fs::read(f).unwrap());
        }
        let name = format!("overdue_tpl_{}", &hex::encode(digest.finalize())[..16]);
        let mut c = DbUrl::Postgres(admin.to_string()).connect().unwrap();
        c.batch_execute("SELECT pg_advisory_lock(2028120401)")
            .unwrap();
        #[derive(QueryableByName)]
        struct Db {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        let all: Vec<Db> =
            diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'overdue_tpl_%'")
                .load(&mut c)
                .unwrap();
        if !all.iter().any(|d| d.datname == name) {
            for old in &all {
                let _ = c.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    old.datname
                ));
            }
            let building = format!("{name}_building");
            c.batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .unwrap();
            c.batch_execute(&format!("CREATE DATABASE {building}"))
                .unwrap();
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
            overdue_storage::migrate_url(&format!("{base}/{building}")).unwrap();
            c.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                .unwrap();
        }
        c.batch_execute("SELECT pg_advisory_unlock(2028120401)")
            .unwrap();
        name
    })
}

/// The files under `dir`, recursively.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn drop_old_databases(c: &mut overdue_storage::AnyConnection, now_secs: u64) {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Db {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let Ok(dbs) =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'overdue_t_%'")
            .load::<Db>(c)
    else {
        return;
    };
    for db in dbs {
        let created: Option<u64> = db.datname.split('_').nth(2).and_then(|s| s.parse().ok());
        if created.is_some_and(|t| t + 3_600 < now_secs) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                db.datname
            ));
        }
    }
}
