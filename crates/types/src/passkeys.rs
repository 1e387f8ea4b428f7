//! Passkeys as a second factor (docs/security.md, "Second factor"): the ceremonies'
//! bodies. The options and credentials are WebAuthn's own JSON forms (what
//! `PublicKeyCredential.parseCreationOptionsFromJSON` reads and `toJSON` writes).

use serde::{Deserialize, Serialize};

/// A ceremony under way: its id (send it back with the browser's answer) and the
/// options for `navigator.credentials.create` or `.get` (`{"publicKey": …}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyCeremony {
    /// The ceremony's id, used once, for five minutes.
    pub ceremony: String,
    /// WebAuthn's options, as JSON.
    pub options: serde_json::Value,
}

/// The browser's answer to a ceremony.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeyAnswer {
    /// The ceremony's id.
    pub ceremony: String,
    /// The credential as the browser's `toJSON()` gives it.
    pub credential: serde_json::Value,
}

/// `POST /api/v1/auth/passkeys`: the passkey made in the browser, and its name.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPasskey {
    /// The ceremony's id (from `POST /api/v1/auth/passkeys/start`).
    pub ceremony: String,
    /// What its owner calls it ("laptop"), 1–100 characters.
    pub name: String,
    /// The credential as the browser's `toJSON()` gives it.
    pub credential: serde_json::Value,
}

/// One of one's passkeys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyInfo {
    /// The credential's id (base64url).
    pub id: String,
    /// Its name.
    pub name: String,
    /// When it was added (RFC 3339).
    pub created_at: String,
    /// When it last signed in (RFC 3339), if ever.
    pub last_used_at: Option<String>,
}

/// `GET /api/v1/auth/passkeys`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyList {
    /// Whether this server can use passkeys: it needs `OVERDUE_SITE_URL` with a host
    /// name, since a passkey belongs to a domain.
    pub available: bool,
    /// One's passkeys, oldest first.
    pub passkeys: Vec<PasskeyInfo>,
}

/// `POST /api/v1/auth/passkeys`: the passkey added, and — when one had no recovery code
/// left — ten new ones, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyAdded {
    /// The passkey.
    pub passkey: PasskeyInfo,
    /// New recovery codes, or `null` when one has some left.
    pub recovery_codes: Option<Vec<String>>,
}

/// `POST /api/v1/auth/passkey/options`: who asks for a passkey ceremony — at sign-in the
/// e-mail and the right password, on a reset link its token.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeyOptionsInput {
    /// The account's e-mail (with `password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Its password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// A reset link's token, instead of both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}
