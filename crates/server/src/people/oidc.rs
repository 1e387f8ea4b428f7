//! The OpenID provider's side of single sign-on (docs/security.md, "Single sign-on"):
//! the operator's settings, the client made from the provider's discovery document
//! (fetched at the first sign-in and kept), and what the provider says about a person:
//! the code exchanged for tokens (with the PKCE verifier), the ID token verified (the
//! provider's keys, issuer, audience, expiry, and the nonce this sign-in made), then
//! their address, whether the provider checked it, and their groups — from the ID token,
//! or from the userinfo endpoint where the ID token leaves them out (many providers put
//! only `sub` in it). The routes are `people::sso`'s.

use std::sync::Arc;

use openidconnect::core::{CoreClient, CoreGenderClaim, CoreProviderMetadata};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeVerifier, RedirectUrl,
    TokenResponse, UserInfoClaims,
};
use overdue_core::sso::GroupRoles;
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use crate::http::error::ApiError;
use crate::AppState;

/// What the operator set for single sign-on (`OVERDUE_OIDC_…`).
#[derive(Clone)]
pub struct SsoSettings {
    /// The provider's issuer URL (its discovery document is under it).
    pub issuer: String,
    /// This server's client id at the provider.
    pub client_id: String,
    /// Its client secret (never printed).
    pub client_secret: String,
    /// The sign-in button's words.
    pub label: String,
    /// Domains the provider is trusted for (linking by address).
    pub domains: Vec<String>,
    /// Scopes asked besides `openid email profile`.
    pub scopes: Vec<String>,
    /// The claim that lists the person's groups.
    pub groups_claim: String,
    /// Which groups give which project roles.
    pub roles: GroupRoles,
}

impl std::fmt::Debug for SsoSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"•••")
            .field("label", &self.label)
            .field("domains", &self.domains)
            .field("scopes", &self.scopes)
            .field("groups_claim", &self.groups_claim)
            .field("roles", &self.roles)
            .finish()
    }
}

/// The client as discovery makes it: authorization endpoint set, token and userinfo
/// endpoints as the provider's metadata says.
pub(crate) type Rp = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Single sign-on's settings and the provider's client, discovered at the first
/// sign-in and kept (a provider down at start does not stop Overdue; the next sign-in
/// tries again).
pub struct Sso {
    pub(crate) settings: SsoSettings,
    pub(crate) http: reqwest::Client,
    client: Mutex<Option<Arc<Rp>>>,
}

impl std::fmt::Debug for Sso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.settings.fmt(f)
    }
}

impl Sso {
    /// Single sign-on with these settings (nothing is fetched yet).
    pub fn new(settings: SsoSettings) -> Result<Sso, String> {
        // Redirects are not followed (the crate's advice: a provider's answer that
        // redirects elsewhere is refused, not chased).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| format!("cannot make the HTTP client: {e}"))?;
        IssuerUrl::new(settings.issuer.clone())
            .map_err(|e| format!("OVERDUE_OIDC_ISSUER: not a URL: {e}"))?;
        Ok(Sso {
            settings,
            http,
            client: Mutex::new(None),
        })
    }

    /// The sign-in button's words.
    pub fn label(&self) -> &str {
        &self.settings.label
    }

    pub(crate) async fn client(&self, site_url: &str) -> Result<Arc<Rp>, String> {
        let mut held = self.client.lock().await;
        if let Some(c) = held.as_ref() {
            return Ok(c.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone()).map_err(|e| e.to_string())?;
        let meta = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                tracing::warn!(issuer = %self.settings.issuer, "OpenID discovery failed: {e}");
                "the sign-in provider cannot be reached now: try again in a minute, or sign \
                 in another way"
                    .to_string()
            })?;
        let redirect = RedirectUrl::new(format!("{site_url}/api/v1/auth/sso/callback"))
            .map_err(|e| e.to_string())?;
        let client = Arc::new(
            CoreClient::from_provider_metadata(
                meta,
                ClientId::new(self.settings.client_id.clone()),
                Some(ClientSecret::new(self.settings.client_secret.clone())),
            )
            .set_redirect_uri(redirect),
        );
        *held = Some(client.clone());
        Ok(client)
    }
}

/// Claims beyond the standard ones (the groups claim is named by the operator).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Extra {
    #[serde(flatten)]
    rest: Map<String, Value>,
}

impl AdditionalClaims for Extra {}

/// The person: subject, e-mail (lower-cased), whether the provider checked it, groups.
pub type Said = (String, String, bool, Vec<String>);

/// The groups in a claim: a list of names, or one name.
fn groups_in(v: Option<&Value>) -> Option<Vec<String>> {
    match v? {
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|g| g.as_str().map(str::to_string))
                .collect(),
        ),
        Value::String(g) => Some(vec![g.clone()]),
        _ => None,
    }
}

/// The verified ID token's payload, for the claims the crate's types do not carry (the
/// signature was checked before this is read).
fn payload(token: &str) -> Map<String, Value> {
    use base64::Engine;
    token
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<Map<String, Value>>(&b).ok())
        .unwrap_or_default()
}

/// Exchanges `code` and reads the person; an `Err` is the reason in words.
pub async fn read(
    sso: &Sso,
    client: &Rp,
    code: String,
    nonce: String,
    verifier: String,
) -> Result<Said, String> {
    const EXCHANGE: &str = "the sign-in provider did not take the sign-in back: sign in again";
    let exchange = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| {
            tracing::warn!("OpenID provider has no token endpoint: {e}");
            EXCHANGE.to_string()
        })?;
    let tokens = exchange
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&sso.http)
        .await
        .map_err(|e| {
            tracing::warn!("OpenID code exchange failed: {e:?}");
            match e {
                // The provider's own words help the person and the operator.
                openidconnect::RequestTokenError::ServerResponse(r) => {
                    format!("{EXCHANGE} (the provider said: {r})")
                }
                _ => EXCHANGE.to_string(),
            }
        })?;
    let id_token = tokens
        .id_token()
        .ok_or("the sign-in provider sent no ID token: ask its administrator")?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(nonce))
        .map_err(|e| {
            tracing::warn!("OpenID ID token refused: {e}");
            "the sign-in provider's ID token did not check out: sign in again".to_string()
        })?;
    let subject = claims.subject().as_str().to_string();
    let mut email = claims.email().map(|e| e.as_str().to_string());
    let mut verified = claims.email_verified();
    let claim = &sso.settings.groups_claim;
    let mut groups = groups_in(payload(&id_token.to_string()).get(claim));
    if email.is_none() || verified.is_none() || groups.is_none() {
        if let Ok(ask) = client.user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        ) {
            match ask
                .request_async::<Extra, _, CoreGenderClaim>(&sso.http)
                .await
            {
                Ok(info) => {
                    let info: UserInfoClaims<Extra, CoreGenderClaim> = info;
                    email = email.or(info.email().map(|e| e.as_str().to_string()));
                    verified = verified.or(info.email_verified());
                    groups = groups.or(groups_in(info.additional_claims().rest.get(claim)));
                }
                Err(e) => tracing::warn!("OpenID userinfo failed: {e}"),
            }
        }
    }
    let email = email.ok_or(
        "the sign-in provider did not give your e-mail address: ask its administrator to \
         release the email claim",
    )?;
    let email = overdue_core::credentials::check_email(&email)
        .map_err(|e| format!("the sign-in provider gave an address Overdue cannot use: {e}"))?;
    Ok((
        subject,
        email,
        verified.unwrap_or(false),
        groups.unwrap_or_default(),
    ))
}

/// Refuses a password path when the operator turned password sign-in off.
pub(crate) fn passwords_allowed(state: &AppState) -> Result<(), ApiError> {
    if state.config.password_signin {
        return Ok(());
    }
    let how = state
        .config
        .sso
        .as_deref()
        .map(|s| s.label().to_string())
        .unwrap_or_else(|| "single sign-on".into());
    Err(ApiError::Forbidden(format!(
        "sign-in with a password is turned off on this server: use \"{how}\" on the sign-in \
         page (an invitation is taken when you sign in with its address)"
    )))
}
