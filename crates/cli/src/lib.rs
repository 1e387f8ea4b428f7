//! Wiring of the `overdue` binary: settings, and [`serve`] which runs the HTTP server,
//! the scheduler, the notifier and the heartbeat in one process.

pub mod apply;
pub mod config;
pub mod crontab;
pub mod exec;
pub mod flow;
pub mod limits;
pub mod manage;
pub mod nagios;
pub mod selfping;
pub mod silence;
pub mod syslog;

use std::net::TcpListener;
use std::sync::Arc;

use anyhow::{Context, Result};
use overdue_notify::{AddressPolicy, Mailer, Senders, Webhooks};
use overdue_scheduler::notifier::NotifierOptions;
use overdue_server::ServerConfig;
use overdue_storage::{people::projects, Clock, Store, StoreOptions, SystemClock};
use tokio::sync::watch;

pub use config::{ServeArgs, Settings};

/// Opens (creating and migrating) the database.
pub fn open_store(settings: &Settings, clock: Arc<dyn Clock>) -> Result<Store> {
    let opts = StoreOptions {
        keep_pings: settings.keep_pings,
        caps: settings.limits.caps,
        ..StoreOptions::default()
    };
    Store::open(&settings.database_url, opts, clock)
        .map_err(|e| anyhow::anyhow!("DATABASE_URL: {e}"))
}

/// On an empty database, creates the default project and returns its keys.
pub async fn ensure_default_project(store: &Store) -> Result<Option<projects::CreatedProject>> {
    let created = store.write(projects::create_first).await?;
    Ok(created)
}

/// A user made by [`create_user`].
#[derive(Debug, Clone)]
pub struct CreatedUser {
    /// Normalised e-mail.
    pub email: String,
    /// The project they joined.
    pub project_id: String,
    /// Their role there.
    pub role: overdue_core::Role,
}

/// Creates a dashboard user (`overdue user create`): checks the input as sign-up does,
/// hashes the password with argon2, and makes them a member of `project` (default: the
/// first) with `role` (default: owner for the instance's first user, else member).
pub async fn create_user(
    store: &Store,
    email: &str,
    password: &str,
    role: Option<overdue_core::Role>,
    project: Option<String>,
) -> Result<CreatedUser> {
    let email = overdue_core::credentials::check_credentials(email, password)
        .map_err(anyhow::Error::msg)?;
    let hash = overdue_storage::people::passwords::hash(password)?;
    let mail = email.clone();
    // The audit log names the shell as who (docs/security.md, "Audit log"); the record
    // follows the account's own unit of work, which makes the ids it names.
    use overdue_storage::base::audit;
    let draft = audit::Draft::new(audit::Entry {
        actor: Some("cli".into()),
        address: "local".into(),
        action: "create".into(),
        object: "users".into(),
        fields: serde_json::json!({"email": &email, "role": role.map(|r| r.as_str())}),
        ..audit::Entry::default()
    });
    let added = audit::scope(draft.clone(), async {
        let added = store
            .write(move |tx| {
                overdue_storage::people::accounts::add_user(
                    tx,
                    &mail,
                    &hash,
                    role,
                    project.as_deref(),
                )
            })
            .await?;
        draft.fill(|e| {
            e.project = Some(added.project_id.clone());
            e.object_id = Some(added.user.id.clone());
        });
        store.write(|_| Ok(())).await?;
        Ok::<_, overdue_storage::StoreError>(added)
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(CreatedUser {
        email,
        project_id: added.project_id,
        role: added.role,
    })
}

/// Sets a user's password (`overdue user password`): checked as at sign-up, hashed
/// with argon2; every session of the user ends. Returns how many ended.
pub async fn set_password(store: &Store, email: &str, password: &str) -> Result<usize> {
    use overdue_storage::people::passwords;
    let email = overdue_core::credentials::check_credentials(email, password)
        .map_err(anyhow::Error::msg)?;
    let hash = passwords::hash(password)?;
    store
        .write(move |tx| passwords::change_password_of(tx, &email, &hash))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Whether this process runs the background loops (scheduler, notifier, pruning).
enum Role {
    /// It does; on SQLite the file lock that says so is held for the process's life.
    Leader {
        /// Held, never read: closing it releases the lock.
        _lock: Option<std::fs::File>,
    },
    /// Another `serve` on the same SQLite file runs them: this one only serves HTTP.
    Follower,
}

/// Several instances share the work only on PostgreSQL (row locks, claims). On SQLite a
/// second `serve` on one file would evaluate every deadline twice, so the first takes
/// an exclusive lock on `<file>.lock` and a second serves HTTP without a scheduler.
fn role(store: &Store) -> Result<Role> {
    let Some(path) = store.sqlite_path() else {
        return Ok(Role::Leader { _lock: None });
    };
    let lock_path = format!("{path}.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open the lock file {lock_path}"))?;
    match file.try_lock() {
        Ok(()) => Ok(Role::Leader { _lock: Some(file) }),
        Err(std::fs::TryLockError::WouldBlock) => Ok(Role::Follower),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {lock_path}"))
        }
    }
}

/// While the instance has no account, makes a one-time setup link and prints it on the
/// terminal that started the server (docs/security.md, "The first account"): only that
/// link makes the first owner, so a stranger who opens the URL first cannot.
async fn announce_setup_link(store: &Store, site: &str) -> Result<()> {
    let token = store
        .write(overdue_storage::people::accounts::setup_link)
        .await
        .context("making the setup link")?;
    if let Some(token) = token {
        eprintln!(
            "\nOverdue has no account yet. Create the first one (it owns the default project) \
             at this one-time link:\n\n    {site}/setup?token={token}\n\n\
             Or on this machine: overdue user create you@example.com (the password on standard input)\n"
        );
    }
    Ok(())
}

/// Runs everything until `shutdown` resolves: the server on `listener`, the deadline
/// loop (with the heartbeat and the outage rule) and the notifier.
pub async fn serve(
    settings: Settings,
    store: Store,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let policy = AddressPolicy {
        allow_private: settings.webhook_allow_private,
    };
    let webhooks = Webhooks::new(policy, settings.webhook_timeout).map_err(anyhow::Error::msg)?;
    let mailer = match &settings.smtp {
        Some(s) => Some(Mailer::new(
            &s.url,
            &s.from,
            &settings.site_url,
            settings
                .webhook_timeout
                .max(std::time::Duration::from_secs(10)),
        )?),
        None => None,
    };
    let email_enabled = mailer.is_some();
    let senders = Senders {
        http: webhooks,
        mailer: mailer.clone(),
        site: settings.site_url.clone(),
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|v| *v).await;
    };
    let role = role(&store)?;
    announce_setup_link(&store, &settings.site_url).await?;
    let mut tasks = Vec::new();
    if matches!(role, Role::Follower) {
        tracing::warn!(
            "another `overdue serve` runs on this SQLite file: this one takes pings and \
             serves the API, but does not start its scheduler or notifier \
             (several instances need PostgreSQL)"
        );
    } else {
        tasks = vec![
            tokio::spawn(overdue_scheduler::deadlines::run(
                store.clone(),
                stopped(stop_rx.clone()),
            )),
            tokio::spawn(overdue_scheduler::timers::run(
                store.clone(),
                stopped(stop_rx.clone()),
            )),
            tokio::spawn(overdue_scheduler::flows::run(
                store.clone(),
                settings.amqp.is_some(),
                stopped(stop_rx.clone()),
            )),
            tokio::spawn(overdue_scheduler::problems(
                store.clone(),
                settings.digest_hour,
                stopped(stop_rx.clone()),
            )),
            tokio::spawn(overdue_scheduler::prune(
                store.clone(),
                settings.keep_history,
                settings.keep_audit,
                stopped(stop_rx.clone()),
            )),
            tokio::spawn(overdue_scheduler::notifier::run(
                store.clone(),
                senders,
                NotifierOptions {
                    worker_id: settings.instance_id.clone(),
                    retry_base: settings.retry_base,
                    concurrency: 32,
                    lease: overdue_scheduler::notifier::lease_for(settings.webhook_timeout),
                },
                stopped(stop_rx.clone()),
            )),
        ];
    }
    // Every instance pings: the other side sees each one alive (or failing).
    if let Some((url, period)) = settings.self_ping.clone() {
        tasks.push(tokio::spawn(selfping::run(
            store.clone(),
            url,
            period,
            stopped(stop_rx.clone()),
        )));
    }
    // Every instance consumes: the broker shares the queue out, events are idempotent.
    let project = match &settings.amqp {
        Some(_) => Some(amqp_project(&store, settings.amqp_project.clone()).await?),
        None => None,
    };
    let amqp = settings
        .amqp
        .clone()
        .zip(project)
        .map(|((url, queue), project)| {
            let stats = Arc::new(overdue_storage::flows::ConsumerStats::default());
            tasks.push(tokio::spawn(overdue_scheduler::amqp::run(
                store.clone(),
                overdue_scheduler::amqp::AmqpOptions {
                    url,
                    queue,
                    project,
                    exchange: settings.amqp_binding.exchange.clone(),
                    bindings: settings.amqp_binding.bindings.clone(),
                    flow_field: settings.amqp_binding.flow_field.clone(),
                },
                stats.clone(),
                stopped(stop_rx.clone()),
            )));
            stats
        });
    let config = ServerConfig {
        push_jwt: settings.push_jwt.clone(),
        amqp,
        site_url: settings.site_url.clone(),
        ping_body_limit: settings.ping_body_limit,
        body_timeout: settings.body_timeout,
        address_policy: policy,
        email_enabled,
        mailer,
        site_url_given: settings.site_url_given,
        trusted_proxies: settings.trusted_proxies.clone(),
        trusted_header: settings.trusted_header.clone(),
        sso: settings.sso.clone(),
        operators: settings.limits.operators.clone(),
        password_signin: settings.password_signin,
        project_creation: settings.limits.project_creation,
        signup: settings.limits.signup.clone(),
        max_streams: settings.limits.max_streams,
        max_events_per_second: settings.limits.max_events_per_second,
        passkeys: overdue_server::people::passkeys::relying_party(&settings.site_url)
            .map_err(|e| anyhow::anyhow!("OVERDUE_SITE_URL: {e}"))?,
    };
    warn_about_proxies(&settings);
    let result = overdue_server::run(listener, store, config, shutdown).await;
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = t.await;
    }
    drop(role);
    result.context("HTTP server failed")
}

/// The project whose flows the broker queue feeds: the one `OVERDUE_AMQP_PROJECT` names
/// (id or name), or the instance's only project. A queue never feeds flows by name
/// across projects: ambiguity stops the start with what to set (docs/behaviour.md, "Flows (entity SLAs)").
pub async fn amqp_project(store: &Store, wanted: Option<String>) -> Result<String> {
    use overdue_storage::people::projects;
    let name = wanted.clone();
    let (rows, n) = store
        .read(move |c| projects::for_broker(c, name.as_deref()))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let found = (wanted, rows, n);
    match found {
        (Some(w), rows, _) if rows.len() == 1 => {
            tracing::info!("flow events from the broker feed project {w:?}");
            Ok(rows[0].id.clone())
        }
        (Some(w), rows, _) if rows.is_empty() => {
            anyhow::bail!("OVERDUE_AMQP_PROJECT: no project has the id or name {w:?}")
        }
        (Some(w), _, _) => anyhow::bail!(
            "OVERDUE_AMQP_PROJECT: several projects are named {w:?}: give the project's id"
        ),
        (None, rows, _) if rows.len() == 1 => Ok(rows[0].id.clone()),
        (None, _, n) => anyhow::bail!(
            "OVERDUE_AMQP_URL: this instance has {n} projects: set OVERDUE_AMQP_PROJECT to \
             the id or name of the one whose flows the queue feeds"
        ),
    }
}

/// A server that listens on loopback but is reached at another host sits behind a
/// proxy: with no trusted proxy every client then counts as the proxy's one address, and
/// a per-address limit lets anyone lock everyone out of signing in.
fn warn_about_proxies(settings: &Settings) {
    let public = url::Url::parse(&settings.site_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .is_some_and(|h| !matches!(h.as_str(), "localhost" | "127.0.0.1" | "[::1]" | "::1"));
    if settings.trusted_proxies.is_empty() && settings.listen.ip().is_loopback() && public {
        tracing::warn!(
            "Overdue listens on {} but is reached at {}: it sits behind a proxy, and no              proxy is trusted (OVERDUE_TRUSTED_PROXIES), so every client counts as the              proxy's address and sign-in limits apply to all of them at once",
            settings.listen,
            settings.site_url
        );
    }
}

/// The system clock, boxed for [`open_store`].
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}
