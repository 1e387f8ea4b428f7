//! Settings: command-line flags, environment (`OVERDUE_…`, `DATABASE_URL`) and an
//! optional TOML file, in that order of precedence. Every value is checked at start and
//! a bad one stops Overdue with an error naming the setting.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

mod amqp;
mod sso;

pub use amqp::AmqpBinding;
pub use overdue_scheduler::amqp::parse_bindings;
pub use sso::SsoArgs;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use serde::Deserialize;

/// Flags of `overdue serve` (each also read from the environment).
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8000].
    #[arg(long, env = "OVERDUE_LISTEN")]
    pub listen: Option<String>,
    /// Database: sqlite://path (default sqlite://overdue.db) or postgres://user@host/db
    /// (add ?sslmode=require for TLS).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Public base URL used in ping URLs [default: http://<listen>].
    #[arg(long, env = "OVERDUE_SITE_URL")]
    pub site_url: Option<String>,
    /// TOML file with the same settings (keys: listen, database_url, site_url,
    /// ping_body_limit, body_timeout, webhook_allow_private, webhook_timeout, retry_base,
    /// keep_pings, keep_history, keep_audit, digest_hour, self_ping_url, self_ping_period, smtp_url,
    /// email_from, amqp_url, amqp_queue, amqp_project, amqp_exchange, amqp_bindings,
    /// amqp_flow_field, push_jwks, push_audience, trusted_proxies, trusted_header, max_monitors,
    /// max_projects, max_streams, max_channels, max_flows, max_events_per_second,
    /// project_creation, signup, operators, password_signin, and an
    /// `[oidc]` table: issuer, client_id, client_secret, name, domains, scopes,
    /// groups_claim, roles).
    #[arg(long, env = "OVERDUE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Most body bytes stored per ping [default: 100000].
    #[arg(long, env = "OVERDUE_PING_BODY_LIMIT")]
    pub ping_body_limit: Option<String>,
    /// Longest wait for a request's body, from its headers to its last byte; a slower
    /// body is answered 408 and nothing of it is stored [default: 30s].
    #[arg(long, env = "OVERDUE_BODY_TIMEOUT")]
    pub body_timeout: Option<String>,
    /// Allow webhooks to private, loopback and link-local addresses [default: false].
    #[arg(long, env = "OVERDUE_WEBHOOK_ALLOW_PRIVATE")]
    pub webhook_allow_private: Option<String>,
    /// Timeout of one webhook request, e.g. 10s [default: 10s].
    #[arg(long, env = "OVERDUE_WEBHOOK_TIMEOUT")]
    pub webhook_timeout: Option<String>,
    /// First retry delay of a failed notification, doubled per attempt [default: 5s].
    #[arg(long, env = "OVERDUE_RETRY_BASE")]
    pub retry_base: Option<String>,
    /// Pings (and finished runs) kept per monitor [default: 100].
    #[arg(long, env = "OVERDUE_KEEP_PINGS")]
    pub keep_pings: Option<String>,
    /// How long flips, delivery attempts and sent notifications are kept [default: 90d].
    #[arg(long, env = "OVERDUE_KEEP_HISTORY")]
    pub keep_history: Option<String>,
    /// How long the audit log keeps its records (docs/security.md, "Audit log")
    /// [default: 365d].
    #[arg(long, env = "OVERDUE_KEEP_AUDIT")]
    pub keep_audit: Option<String>,
    /// A ping URL of another monitor (another Overdue, a Healthchecks) that this
    /// instance pings while it runs, so that its own death is noticed; while its
    /// database is unreachable it sends `<url>/fail` with the reason [default: none].
    #[arg(long, env = "OVERDUE_SELF_PING_URL")]
    pub self_ping_url: Option<String>,
    /// How often the self-ping is sent [default: 60s].
    #[arg(long, env = "OVERDUE_SELF_PING_PERIOD")]
    pub self_ping_period: Option<String>,
    /// UTC hour (0-23) of the daily digest of open info and warning problems, or `off`
    /// [default: 8].
    #[arg(long, env = "OVERDUE_DIGEST_HOUR")]
    pub digest_hour: Option<String>,
    /// The SMTP relay for e-mail channels, in lettre's syntax: `smtp://host:25`,
    /// `smtp://user:pass@host:587?tls=required`, `smtps://user:pass@host:465`
    /// (credentials without TLS need an explicit `?tls=none`) [default: no e-mail].
    #[arg(long, env = "OVERDUE_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of e-mail notifications, e.g. `Overdue <overdue@example.com>`
    /// [default: overdue@<site host>].
    #[arg(long, env = "OVERDUE_EMAIL_FROM")]
    pub email_from: Option<String>,
    /// An AMQP 0-9-1 broker to consume flow events from, e.g.
    /// `amqp://guest:guest@127.0.0.1:5672/%2f` [default: none].
    #[arg(long, env = "OVERDUE_AMQP_URL", hide_env_values = true)]
    pub amqp_url: Option<String>,
    /// The queue of flow events (used as it is when it exists; else declared durable)
    /// [default: overdue.flow-events].
    #[arg(long, env = "OVERDUE_AMQP_QUEUE")]
    pub amqp_queue: Option<String>,
    /// The project (id or name) whose flows the queue feeds; may be left out while the
    /// instance has one project (docs/behaviour.md, "Flows (entity SLAs)") [default: the only project].
    #[arg(long, env = "OVERDUE_AMQP_PROJECT")]
    pub amqp_project: Option<String>,
    /// An existing exchange (direct or topic) to bind the queue to, where a service
    /// already publishes its events; Overdue never creates it [default: none].
    #[arg(long, env = "OVERDUE_AMQP_EXCHANGE")]
    pub amqp_exchange: Option<String>,
    /// The routing keys or topic patterns to bind with, each optionally naming the flow
    /// its messages feed: `orders.#=orders,payments.*=payments` [default: `#` when an
    /// exchange is set].
    #[arg(long, env = "OVERDUE_AMQP_BINDINGS")]
    pub amqp_bindings: Option<String>,
    /// Where a message names its flow when its binding does not: a JSON pointer or
    /// dotted path [default: flow].
    #[arg(long, env = "OVERDUE_AMQP_FLOW_FIELD")]
    pub amqp_flow_field: Option<String>,
    /// A JWKS file (the push provider's public keys): pushes to `/push/…` must then carry
    /// `Authorization: Bearer <JWT>` signed by one of them [default: none: the URL's
    /// token is the credential].
    #[arg(long, env = "OVERDUE_PUSH_JWKS")]
    pub push_jwks: Option<PathBuf>,
    /// The audience the push subscription puts in its tokens (needed with
    /// `OVERDUE_PUSH_JWKS`).
    #[arg(long, env = "OVERDUE_PUSH_AUDIENCE")]
    pub push_audience: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed, as addresses or networks
    /// separated by commas, e.g. `127.0.0.1,10.0.0.0/8` (docs/security.md, "Sign-in
    /// limits") [default: none: the peer is the client].
    #[arg(long, env = "OVERDUE_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,
    /// A header that names the signed-in person's e-mail, set by an authenticating
    /// proxy in front of Overdue (`Remote-User`, `X-Forwarded-Email`); believed only
    /// from OVERDUE_TRUSTED_PROXIES (docs/security.md, "Trusted header") [default: none].
    #[arg(long, env = "OVERDUE_TRUSTED_HEADER")]
    pub trusted_header: Option<String>,
    /// Caps per project and per user.
    #[command(flatten)]
    pub limits: crate::limits::LimitArgs,
    /// Single sign-on through OpenID Connect.
    #[command(flatten)]
    pub sso: SsoArgs,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    database_url: Option<String>,
    site_url: Option<String>,
    ping_body_limit: Option<toml::Value>,
    body_timeout: Option<toml::Value>,
    webhook_allow_private: Option<toml::Value>,
    webhook_timeout: Option<toml::Value>,
    retry_base: Option<toml::Value>,
    keep_pings: Option<toml::Value>,
    keep_history: Option<toml::Value>,
    keep_audit: Option<toml::Value>,
    digest_hour: Option<toml::Value>,
    self_ping_url: Option<String>,
    self_ping_period: Option<toml::Value>,
    smtp_url: Option<String>,
    email_from: Option<String>,
    amqp_url: Option<String>,
    amqp_queue: Option<String>,
    amqp_project: Option<String>,
    amqp_exchange: Option<String>,
    amqp_bindings: Option<String>,
    amqp_flow_field: Option<String>,
    push_jwks: Option<PathBuf>,
    push_audience: Option<String>,
    trusted_proxies: Option<toml::Value>,
    trusted_header: Option<String>,
    max_monitors: Option<toml::Value>,
    max_projects: Option<toml::Value>,
    max_streams: Option<toml::Value>,
    max_channels: Option<toml::Value>,
    max_flows: Option<toml::Value>,
    max_events_per_second: Option<toml::Value>,
    project_creation: Option<String>,
    signup: Option<String>,
    operators: Option<String>,
    oidc: Option<sso::FileSso>,
    password_signin: Option<toml::Value>,
}

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Listen address.
    pub listen: SocketAddr,
    /// Database URL.
    pub database_url: String,
    /// Public base URL, no trailing slash.
    pub site_url: String,
    /// Whether the site URL was set (not derived from the listen address): links in
    /// e-mail and chat messages need the address people reach the server at.
    pub site_url_given: bool,
    /// Ping body limit in bytes.
    pub ping_body_limit: usize,
    /// Longest wait for a request body.
    pub body_timeout: Duration,
    /// Webhooks may reach private addresses.
    pub webhook_allow_private: bool,
    /// Webhook request timeout.
    pub webhook_timeout: Duration,
    /// First retry delay.
    pub retry_base: Duration,
    /// Pings kept per monitor.
    pub keep_pings: i64,
    /// How long history is kept.
    pub keep_history: Duration,
    /// How long the audit log is kept.
    pub keep_audit: Duration,
    /// UTC hour of the daily problems digest (`None`: no digest).
    pub digest_hour: Option<u32>,
    /// Another monitor's ping URL this instance pings, and how often.
    pub self_ping: Option<(String, Duration)>,
    /// The SMTP relay for e-mail channels, when set.
    pub smtp: Option<Smtp>,
    /// The broker and queue of flow events, when set.
    pub amqp: Option<(String, String)>,
    /// The project the queue feeds, as configured (resolved at start).
    pub amqp_project: Option<String>,
    /// The exchange the queue is bound to, its bindings, and the field naming a
    /// message's flow (docs/behaviour.md, "What senders send").
    pub amqp_binding: AmqpBinding,
    /// The push URL's JWT check, read and checked at start.
    pub push_jwt: Option<std::sync::Arc<overdue_server::flows::jwt::PushJwt>>,
    /// This process's name in notification claims (random per start).
    pub instance_id: String,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The authenticating proxy's header naming the person, if one is trusted.
    pub trusted_header: Option<String>,
    /// Caps per project and per user, who may create projects.
    pub limits: crate::limits::Limits,
    /// Single sign-on, when set up (docs/security.md, "Single sign-on").
    pub sso: Option<std::sync::Arc<overdue_server::people::oidc::Sso>>,
    /// Sign-in with a password works.
    pub password_signin: bool,
}

/// The SMTP relay's settings (checked at start: a wrong URL stops the server with the
/// reason rather than failing every e-mail later).
#[derive(Clone)]
pub struct Smtp {
    /// The relay URL (may hold a password: never printed).
    pub url: String,
    /// The sender address.
    pub from: String,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("url", &overdue_notify::secret::mask_url(&self.url))
            .field("from", &self.from)
            .finish()
    }
}

fn value_text(v: toml::Value) -> String {
    match v {
        toml::Value::String(s) => s,
        other => other.to_string(),
    }
}

pub(crate) fn parse_bool(name: &str, v: &str) -> Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => bail!("{name}: {v:?} is not a boolean: use true or false"),
    }
}

fn parse_dur(name: &str, v: &str) -> Result<Duration> {
    let d = overdue_core::parse_duration(v).map_err(|e| anyhow!("{name}: {e}"))?;
    if d.millis() <= 0 {
        bail!("{name}: must be more than zero");
    }
    Ok(Duration::from_millis(d.millis() as u64))
}

impl ServeArgs {
    /// Merges flags, environment and file, and checks every value.
    pub fn resolve(&self) -> Result<Settings> {
        let file = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("OVERDUE_CONFIG: cannot read {}", path.display()))?;
                toml::from_str::<FileSettings>(&text)
                    .map_err(|e| anyhow!("OVERDUE_CONFIG: {}: {e}", path.display()))?
            }
            None => FileSettings::default(),
        };
        let listen_text = self
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8000".into());
        let listen: SocketAddr = listen_text
            .parse()
            .map_err(|_| anyhow!("OVERDUE_LISTEN: {listen_text:?} is not an address: use host:port such as 127.0.0.1:8000"))?;
        let database_url = self
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| "sqlite://overdue.db".into());
        overdue_storage::DbUrl::parse(&database_url).map_err(|e| anyhow!("DATABASE_URL: {e}"))?;
        let site_url_given = self.site_url.is_some() || file.site_url.is_some();
        let site_url = self
            .site_url
            .clone()
            .or(file.site_url)
            .unwrap_or_else(|| format!("http://{listen}"));
        let parsed = url::Url::parse(&site_url)
            .map_err(|e| anyhow!("OVERDUE_SITE_URL: {site_url:?} is not a URL: {e}"))?;
        if parsed.scheme() != "http" && parsed.scheme() != "https" {
            bail!("OVERDUE_SITE_URL: {site_url:?} must start with http:// or https://");
        }
        let limit_text = self
            .ping_body_limit
            .clone()
            .or(file.ping_body_limit.map(value_text))
            .unwrap_or_else(|| "100000".into());
        let ping_body_limit: usize = limit_text
            .trim()
            .parse()
            .ok()
            .filter(|n| *n <= 10_000_000)
            .ok_or_else(|| anyhow!("OVERDUE_PING_BODY_LIMIT: {limit_text:?} must be a number of bytes from 0 to 10000000"))?;
        let body_timeout = self
            .body_timeout
            .clone()
            .or(file.body_timeout.map(value_text))
            .unwrap_or_else(|| "30s".into());
        let allow = self
            .webhook_allow_private
            .clone()
            .or(file.webhook_allow_private.map(value_text))
            .unwrap_or_default();
        let timeout = self
            .webhook_timeout
            .clone()
            .or(file.webhook_timeout.map(value_text))
            .unwrap_or_else(|| "10s".into());
        let retry = self
            .retry_base
            .clone()
            .or(file.retry_base.map(value_text))
            .unwrap_or_else(|| "5s".into());
        let keep_text = self
            .keep_pings
            .clone()
            .or(file.keep_pings.map(value_text))
            .unwrap_or_else(|| "100".into());
        let keep_pings: i64 = keep_text
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or_else(|| {
                anyhow!("OVERDUE_KEEP_PINGS: {keep_text:?} must be a number from 1 to 1000000")
            })?;
        let history = self
            .keep_history
            .clone()
            .or(file.keep_history.map(value_text))
            .unwrap_or_else(|| "90d".into());
        let audit = self
            .keep_audit
            .clone()
            .or(file.keep_audit.map(value_text))
            .unwrap_or_else(|| "365d".into());
        let digest_text = self
            .digest_hour
            .clone()
            .or(file.digest_hour.map(value_text))
            .unwrap_or_else(|| "8".into());
        let digest_hour: Option<u32> = match digest_text.trim() {
            "off" => None,
            t => Some(t.parse().ok().filter(|h| *h <= 23).ok_or_else(|| {
                anyhow!(
                    "OVERDUE_DIGEST_HOUR: {digest_text:?} must be an hour from 0 to 23 (UTC), or off"
                )
            })?),
        };
        let self_ping_url = self
            .self_ping_url
            .clone()
            .or(file.self_ping_url)
            .filter(|u| !u.trim().is_empty());
        let self_ping_period = self
            .self_ping_period
            .clone()
            .or(file.self_ping_period.map(value_text))
            .unwrap_or_else(|| "60s".into());
        let self_ping = match self_ping_url {
            None => None,
            Some(u) => {
                let u = u.trim().trim_end_matches('/').to_string();
                let ok = url::Url::parse(&u)
                    .is_ok_and(|p| matches!(p.scheme(), "http" | "https") && p.host().is_some());
                if !ok {
                    return Err(anyhow!(
                        "OVERDUE_SELF_PING_URL: {u:?} must be an http:// or https:// ping URL"
                    ));
                }
                Some((u, parse_dur("OVERDUE_SELF_PING_PERIOD", &self_ping_period)?))
            }
        };
        let smtp_url = self
            .smtp_url
            .clone()
            .or(file.smtp_url)
            .filter(|u| !u.trim().is_empty());
        let smtp = match smtp_url {
            None => None,
            Some(url) => {
                let host = url::Url::parse(&site_url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_else(|| "localhost".into());
                let from = self
                    .email_from
                    .clone()
                    .or(file.email_from)
                    .filter(|f| !f.trim().is_empty())
                    .unwrap_or_else(|| format!("overdue@{host}"));
                // Checked now: a wrong URL or sender stops the start with the reason.
                overdue_notify::Mailer::new(&url, &from, &site_url, Duration::from_secs(10))?;
                Some(Smtp { url, from })
            }
        };
        let amqp = match self.amqp_url.clone().or(file.amqp_url) {
            Some(url) if !url.trim().is_empty() => {
                if !(url.starts_with("amqp://") || url.starts_with("amqps://")) {
                    return Err(anyhow!(
                        "OVERDUE_AMQP_URL must start with amqp:// or amqps://, e.g. amqp://guest:guest@127.0.0.1:5672/%2f"
                    ));
                }
                let queue = self
                    .amqp_queue
                    .clone()
                    .or(file.amqp_queue)
                    .filter(|q| !q.trim().is_empty())
                    .unwrap_or_else(|| "overdue.flow-events".into());
                Some((url, queue))
            }
            _ => None,
        };
        let proxies = match self.trusted_proxies.clone() {
            Some(text) => text,
            None => match file.trusted_proxies {
                Some(toml::Value::Array(items)) => items
                    .into_iter()
                    .map(value_text)
                    .collect::<Vec<_>>()
                    .join(","),
                Some(other) => value_text(other),
                None => String::new(),
            },
        };
        let trusted_proxies = overdue_server::people::gate::parse_trusted(&proxies)
            .map_err(|e| anyhow!("OVERDUE_TRUSTED_PROXIES: {e}"))?;
        let trusted_header = self
            .trusted_header
            .clone()
            .or(file.trusted_header)
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty());
        if let Some(h) = &trusted_header {
            if !h
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                bail!("OVERDUE_TRUSTED_HEADER: {h:?} is not a header name");
            }
            if trusted_proxies.is_empty() {
                bail!(
                    "OVERDUE_TRUSTED_HEADER={h}: a sign-in header is believed only from the \
                     authenticating proxy: set OVERDUE_TRUSTED_PROXIES to its address"
                );
            }
        }
        let amqp_project = self
            .amqp_project
            .clone()
            .or(file.amqp_project)
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty());
        let push_jwt = match (
            self.push_jwks.clone().or(file.push_jwks),
            self.push_audience.clone().or(file.push_audience),
        ) {
            (None, None) => None,
            (None, Some(_)) => bail!(
                "OVERDUE_PUSH_AUDIENCE needs OVERDUE_PUSH_JWKS: the keys to verify the tokens with"
            ),
            (Some(path), audience) => Some(std::sync::Arc::new(
                overdue_server::flows::jwt::PushJwt::new(path, audience.unwrap_or_default())
                    .map_err(|e| anyhow!("OVERDUE_PUSH_JWKS: {e}"))?,
            )),
        };
        let amqp_binding =
            self.amqp_binding(file.amqp_exchange, file.amqp_bindings, file.amqp_flow_field)?;
        let limits = self.limits.resolve(crate::limits::FileLimits {
            max_monitors: file.max_monitors.map(value_text),
            max_projects: file.max_projects.map(value_text),
            max_streams: file.max_streams.map(value_text),
            max_channels: file.max_channels.map(value_text),
            max_flows: file.max_flows.map(value_text),
            max_events_per_second: file.max_events_per_second.map(value_text),
            project_creation: file.project_creation,
            signup: file.signup,
            operators: file.operators,
        })?;
        let (sso, password_signin) = self.sso.resolve(
            file.oidc,
            file.password_signin.map(value_text),
            site_url_given,
            trusted_header.is_some(),
        )?;
        // Without passwords a sign-up link (which sets one) is never mailed: the mode
        // then only says whom single sign-on may make an account for.
        if limits.signup != overdue_core::signup::Signup::Invitation
            && smtp.is_none()
            && password_signin
        {
            bail!(
                "OVERDUE_SIGNUP={}: sign-up confirms each new address by e-mail, so it needs \
                 an SMTP relay: set OVERDUE_SMTP_URL, or leave OVERDUE_SIGNUP at invitation",
                limits.signup.name()
            );
        }
        Ok(Settings {
            sso,
            password_signin,
            limits,
            amqp_project,
            amqp_binding,
            push_jwt,
            trusted_proxies,
            trusted_header,
            amqp,
            smtp,
            self_ping,
            keep_pings,
            digest_hour,
            keep_history: parse_dur("OVERDUE_KEEP_HISTORY", &history)?,
            keep_audit: parse_dur("OVERDUE_KEEP_AUDIT", &audit)?,
            listen,
            database_url,
            site_url: site_url.trim_end_matches('/').to_string(),
            site_url_given,
            ping_body_limit,
            body_timeout: parse_dur("OVERDUE_BODY_TIMEOUT", &body_timeout)?,
            webhook_allow_private: parse_bool("OVERDUE_WEBHOOK_ALLOW_PRIVATE", &allow)?,
            webhook_timeout: parse_dur("OVERDUE_WEBHOOK_TIMEOUT", &timeout)?,
            retry_base: parse_dur("OVERDUE_RETRY_BASE", &retry)?,
            instance_id: uuid::Uuid::new_v4().to_string(),
        })
    }
}

#[cfg(test)]
mod tests;
