//! Single sign-on's settings (docs/security.md, "Single sign-on"): the OpenID provider,
//! this server's client at it, the domains it is trusted for, the groups → roles
//! mapping, and whether passwords still sign in. Checked at start like every setting.

use std::sync::Arc;

use anyhow::{anyhow, bail, Result};
use clap::Args;
use overdue_core::sso::{GroupRole, GroupRoles};
use overdue_server::people::oidc::{Sso, SsoSettings};
use serde::Deserialize;

/// Flags of `overdue serve` for single sign-on (each also read from the environment).
#[derive(Debug, Clone, Default, Args)]
pub struct SsoArgs {
    /// The OpenID Connect provider's issuer URL, e.g. https://id.example.com/realms/ops
    /// (https, or http on a loopback address) [default: none: no single sign-on].
    #[arg(long, env = "OVERDUE_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// This server's client id at the provider.
    #[arg(long, env = "OVERDUE_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// This server's client secret at the provider.
    #[arg(long, env = "OVERDUE_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// The provider's name on the sign-in button [default: single sign-on].
    #[arg(long, env = "OVERDUE_OIDC_NAME")]
    pub oidc_name: Option<String>,
    /// E-mail domains the provider is trusted for: its first sign-in with a checked
    /// address there takes over the account with that address [default: none].
    #[arg(long, env = "OVERDUE_OIDC_DOMAINS")]
    pub oidc_domains: Option<String>,
    /// Scopes asked besides `openid email profile`, e.g. `groups` [default: none].
    #[arg(long, env = "OVERDUE_OIDC_SCOPES")]
    pub oidc_scopes: Option<String>,
    /// The claim listing the person's groups [default: groups].
    #[arg(long, env = "OVERDUE_OIDC_GROUPS_CLAIM")]
    pub oidc_groups_claim: Option<String>,
    /// Groups → project roles, as JSON:
    /// `[{"group":"ops","project":"Payments","role":"admin"}]` [default: none].
    #[arg(long, env = "OVERDUE_OIDC_ROLES")]
    pub oidc_roles: Option<String>,
    /// Whether a password signs in (off: only single sign-on or the trusted header)
    /// [default: on].
    #[arg(long, env = "OVERDUE_PASSWORD_SIGNIN")]
    pub password_signin: Option<String>,
}

/// The `[oidc]` table of the TOML file (same names without `oidc_`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSso {
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    name: Option<String>,
    domains: Option<Vec<String>>,
    scopes: Option<Vec<String>>,
    groups_claim: Option<String>,
    roles: Option<Vec<GroupRole>>,
}

fn list(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .map(|d| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty())
        .collect()
}

fn given(v: Option<String>) -> Option<String> {
    v.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

impl SsoArgs {
    /// Single sign-on as set (`None`: not set up), and whether passwords sign in.
    /// `site_url_given`: the provider must know this server's address, so single
    /// sign-on needs `OVERDUE_SITE_URL`; `other_way`: the trusted header signs in, so
    /// passwords may be off without single sign-on.
    pub fn resolve(
        &self,
        file: Option<FileSso>,
        file_password: Option<String>,
        site_url_given: bool,
        other_way: bool,
    ) -> Result<(Option<Arc<Sso>>, bool)> {
        let f = file.unwrap_or_default();
        let password = given(self.password_signin.clone().or(file_password));
        let password_signin = match password {
            None => true,
            Some(p) => super::parse_bool("OVERDUE_PASSWORD_SIGNIN", &p)?,
        };
        let issuer = given(self.oidc_issuer.clone().or(f.issuer));
        let Some(issuer) = issuer else {
            let other = [
                self.oidc_client_id.is_some() || f.client_id.is_some(),
                self.oidc_roles.is_some() || f.roles.is_some(),
                self.oidc_domains.is_some() || f.domains.is_some(),
            ];
            if other.iter().any(|x| *x) {
                bail!("OVERDUE_OIDC_ISSUER: the other OVERDUE_OIDC_ settings need the provider's issuer URL");
            }
            if !password_signin && !other_way {
                bail!(
                    "OVERDUE_PASSWORD_SIGNIN=off leaves no way to sign in: set up single \
                     sign-on (OVERDUE_OIDC_ISSUER) or the trusted header first"
                );
            }
            return Ok((None, password_signin));
        };
        let parsed = url::Url::parse(&issuer)
            .map_err(|e| anyhow!("OVERDUE_OIDC_ISSUER: {issuer:?} is not a URL: {e}"))?;
        let loopback = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        if !(parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback)) {
            bail!("OVERDUE_OIDC_ISSUER: {issuer:?} must start with https:// (http only on a loopback address)");
        }
        if !site_url_given {
            bail!(
                "OVERDUE_OIDC_ISSUER: single sign-on sends people back to this server's \
                 address: set OVERDUE_SITE_URL to it"
            );
        }
        let client_id = given(self.oidc_client_id.clone().or(f.client_id)).ok_or_else(|| {
            anyhow!("OVERDUE_OIDC_CLIENT_ID: the client id this server has at the provider")
        })?;
        let client_secret =
            given(self.oidc_client_secret.clone().or(f.client_secret)).ok_or_else(|| {
                anyhow!(
                    "OVERDUE_OIDC_CLIENT_SECRET: the client secret this server has at the provider"
                )
            })?;
        let name =
            given(self.oidc_name.clone().or(f.name)).unwrap_or_else(|| "single sign-on".into());
        let domains = match self.oidc_domains.as_deref() {
            Some(t) => list(t),
            None => f
                .domains
                .unwrap_or_default()
                .iter()
                .flat_map(|d| list(d))
                .collect(),
        };
        if let Some(d) = domains.iter().find(|d| !d.contains('.') || d.contains('@')) {
            bail!("OVERDUE_OIDC_DOMAINS: {d:?} is not a domain such as example.com");
        }
        let scopes = match self.oidc_scopes.as_deref() {
            Some(t) => list(t),
            None => f.scopes.unwrap_or_default(),
        };
        let roles = match (self.oidc_roles.as_deref(), f.roles) {
            (Some(t), _) => GroupRoles::parse_json(t),
            (None, Some(lines)) => GroupRoles::new(lines),
            (None, None) => Ok(GroupRoles::default()),
        }
        .map_err(|e| anyhow!("OVERDUE_OIDC_ROLES: {e}"))?;
        let groups_claim = given(self.oidc_groups_claim.clone().or(f.groups_claim))
            .unwrap_or_else(|| "groups".into());
        let sso = Sso::new(SsoSettings {
            issuer,
            client_id,
            client_secret,
            label: format!("Sign in with {name}"),
            domains,
            scopes,
            groups_claim,
            roles,
        })
        .map_err(|e| anyhow!(e))?;
        Ok((Some(Arc::new(sso)), password_signin))
    }
}
