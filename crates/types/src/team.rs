//! Accounts, sessions, API keys, members and invitations.

use serde::{Deserialize, Serialize};

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// E-mail address (compared lower-cased).
    pub email: String,
    /// Password: at least 8 characters.
    pub password: String,
    /// With a second factor: the authenticator's current code or a recovery code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// With a passkey instead: the browser's answer to `POST
    /// /api/v1/auth/passkey/options`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey: Option<crate::PasskeyAnswer>,
}

/// `POST /api/v1/auth/setup`: the first account, with the token of the setup link
/// `overdue serve` printed (docs/security.md, "The first account").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetupInput {
    /// E-mail address (compared lower-cased).
    pub email: String,
    /// Password: at least 8 characters.
    pub password: String,
    /// The token of the setup link (`/setup?token=…`).
    #[serde(default)]
    pub token: Option<String>,
}

/// `GET /api/v1/auth/status`: whether the instance still needs its first account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupStatus {
    /// No user exists yet: the dashboard shows the setup form.
    pub setup_needed: bool,
    /// "Forgot password" works: the server can send e-mail.
    #[serde(default)]
    pub password_reset: bool,
    /// The request carried a session cookie (not yet checked): the dashboard asks who
    /// is signed in only then, so a visitor's console shows no 401 for `/auth/me`.
    #[serde(default)]
    pub session: bool,
    /// Who may make an account without an invitation: `invitation` (nobody), `open`
    /// or `domains` (docs/security.md, "Sign-up"); the sign-in page says which.
    #[serde(default = "invitation")]
    pub signup: String,
    /// With `domains`: the e-mail domains that may sign up.
    #[serde(default)]
    pub signup_domains: Vec<String>,
    /// An authenticating proxy signs people in (`POST /api/v1/auth/proxy`).
    #[serde(default)]
    pub trusted_header: bool,
    /// Single sign-on is set up: the sign-in button's words, e.g. "Sign in with Acme
    /// SSO" (docs/security.md, "Single sign-on").
    #[serde(default)]
    pub sso: Option<String>,
    /// Sign-in with a password works (the operator may turn it off for single sign-on).
    #[serde(default = "yes")]
    pub password_signin: bool,
}

fn yes() -> bool {
    true
}

fn invitation() -> String {
    "invitation".into()
}

/// `POST /api/v1/auth/signup`: an address to confirm for a new account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignupInput {
    /// The e-mail address of the new account; a link to choose its password is mailed
    /// there.
    pub email: String,
}

/// A project the signed-in user may open, with their role in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectAccess {
    /// Project id (send it as `X-Project` to act on it).
    pub id: String,
    /// Name.
    pub name: String,
    /// `owner`, `admin`, `member` or `viewer`.
    pub role: String,
    /// The project requires a second factor of its members (docs/security.md,
    /// "Second factor").
    #[serde(default)]
    pub requires_second_factor: bool,
}

/// `POST /api/v1/projects`: the new project, and its API keys in full — the only time
/// they are shown whole; afterwards they are listed masked.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewProject {
    /// Project id (send it as `X-Project` to act on it).
    pub id: String,
    /// Name.
    pub name: String,
    /// `owner`: whoever made it owns it.
    pub role: String,
    /// Its read-write API key (`odk_…`), shown once.
    pub api_key: String,
    /// Its read-only API key (`odr_…`), shown once.
    pub read_only_key: String,
}

/// `GET /api/v1/auth/me` (also the answer to setup and login).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    /// The user's e-mail.
    pub email: String,
    /// Send it back as `X-CSRF-Token` on every request that changes something.
    pub csrf_token: String,
    /// The user's projects; the first is the default.
    pub projects: Vec<ProjectAccess>,
    /// They have a second factor (docs/security.md, "Second factor"): an authenticator
    /// app or a passkey.
    #[serde(default)]
    pub second_factor: bool,
    /// They have an authenticator app (TOTP) set up.
    #[serde(default)]
    pub authenticator_app: bool,
    /// Recovery codes they have not used yet.
    #[serde(default)]
    pub recovery_codes_left: i64,
    /// One of the instance's operators (`OVERDUE_OPERATORS`): the Operator page is
    /// theirs.
    #[serde(default)]
    pub operator: bool,
}

/// `POST /api/v1/keys`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KeyInput {
    /// What the key is for.
    pub name: String,
    /// Read-only (default false).
    #[serde(default)]
    pub read_only: bool,
}

/// An API key as listed: never the key itself, only its first characters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    /// Id (to revoke it).
    pub id: String,
    /// Name.
    pub name: String,
    /// The key's first 8 characters.
    pub prefix: String,
    /// Read-only.
    pub read_only: bool,
    /// Created at.
    pub created_at: String,
    /// The key: only in the answer to its creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// A member of a project.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    /// User id.
    pub user_id: String,
    /// E-mail.
    pub email: String,
    /// `owner`, `admin`, `member` or `viewer`.
    pub role: String,
}

/// `PATCH /api/v1/members/<user>` and part of an invitation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    /// `owner`, `admin`, `member` or `viewer`.
    pub role: String,
}

/// `POST /api/v1/invitations`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    /// Who is invited.
    pub email: String,
    /// The role they get.
    pub role: String,
}

/// An invitation link (shown once).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    /// Its id (to revoke it).
    pub id: String,
    /// The link to send to the invited person.
    pub url: String,
    /// Until when it works.
    pub expires_at: String,
    /// The link was also e-mailed to the invited person (an SMTP relay is set up).
    #[serde(default)]
    pub emailed: bool,
}

/// `POST /api/v1/auth/accept`: take an invitation. Signed in as the invited address, it
/// joins at once; without a session a link is mailed to the invited address (never a
/// password here: docs/security.md, "Invitations").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptInput {
    /// The token from the link.
    pub token: String,
}

/// `POST /api/v1/auth/join`: a newcomer's confirmation link (mailed to the invited
/// address) and the password of the account it makes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct JoinInput {
    /// The token from the mailed link.
    pub token: String,
    /// The new account's password: at least 8 characters.
    pub password: String,
}

/// An invitation not yet taken, as the project's owners see it (never its link).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingInvitation {
    /// Its id (`DELETE /api/v1/invitations/<id>` revokes it).
    pub id: String,
    /// Who was invited.
    pub email: String,
    /// The role they get.
    pub role: String,
    /// The e-mail of who invited them (none when an API key did).
    pub invited_by: Option<String>,
    /// When it was made.
    pub created_at: String,
    /// When the link stops working.
    pub expires_at: String,
}

/// A link's token: `POST /api/v1/auth/invitation` (what an invitation is for).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// The token from the link.
    pub token: String,
}

/// What an invitation link is for, shown before it is taken.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationInfo {
    /// The project's name.
    pub project: String,
    /// Who is invited.
    pub email: String,
    /// The role they get.
    pub role: String,
    /// The e-mail of who invited them (none when an API key did).
    pub invited_by: Option<String>,
    /// Until when the link works.
    pub expires_at: String,
    /// The request is signed in as the invited address: accepting joins at once. Whether
    /// an address has an account is never shown to anyone else.
    pub for_you: bool,
}

/// `POST /api/v1/auth/password`: change one's own password.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password in use now.
    pub current_password: String,
    /// The new one: at least 8 characters.
    pub new_password: String,
}

/// `POST /api/v1/auth/forgot`: send a reset link to this address, if it has an account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ForgotInput {
    /// The account's e-mail.
    pub email: String,
}

/// `POST /api/v1/auth/reset`: set a new password with a reset link's token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetInput {
    /// The token from the link.
    pub token: String,
    /// The new password: at least 8 characters.
    pub password: String,
    /// With a second factor: its current code or a recovery code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// With a passkey instead: the browser's answer to `POST
    /// /api/v1/auth/passkey/options {"token": …}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey: Option<crate::PasskeyAnswer>,
}

/// `GET /api/v1/project/contents`: what the current project holds, as deleting it would
/// name it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectContents {
    /// Project id.
    pub id: String,
    /// Name (what a deletion's `confirm` must say).
    pub name: String,
    /// Monitors (chains included).
    pub monitors: i64,
    /// Channels.
    pub channels: i64,
    /// Flows.
    pub flows: i64,
    /// Public status pages.
    pub status_pages: i64,
    /// API keys.
    pub keys: i64,
    /// Members, owners included.
    pub members: i64,
    /// The same in words: "3 monitors, 1 channel, …".
    pub words: String,
}

/// `POST /api/v1/project/transfer`: hand the project to another member.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// The e-mail of the member who becomes owner (you stay as admin).
    pub to: String,
}

/// `DELETE /api/v1/project`: the project's name, typed again.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeleteProjectInput {
    /// The project's exact name.
    pub confirm: String,
}

/// One record of the audit log (docs/security.md, "Audit log").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// Its id (newer records have larger ids; `before=` pages by it).
    pub id: i64,
    /// When, RFC 3339.
    pub at: String,
    /// Who: an e-mail, `key <name>`, `setup link` or `cli`.
    pub actor: String,
    /// From which address.
    pub address: String,
    /// What: `create`, `change`, `delete`, `pause`, `sign-in`, …
    pub action: String,
    /// The kind of object: `monitors`, `channels`, `members`, `account`, …
    pub object: String,
    /// Which one, when the change named it.
    #[serde(default)]
    pub object_id: Option<String>,
    /// The fields sent, secrets as "changed".
    pub fields: serde_json::Value,
}

/// `GET /api/v1/audit`: a page of records, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    /// The records.
    pub events: Vec<AuditEvent>,
    /// `before=` for the next page (`null`: this was the last).
    #[serde(default)]
    pub next: Option<i64>,
}

/// `POST /api/v1/auth/totp/start`: a new secret to enrol, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpStart {
    /// The secret in base32, to type into an authenticator app.
    pub secret: String,
    /// The `otpauth://` link (what the QR code holds).
    pub url: String,
    /// The QR code: an SVG path over a square of `qr_width` units.
    pub qr_path: String,
    /// The QR code's width in modules.
    pub qr_width: usize,
}

/// A code: `POST /api/v1/auth/totp/confirm`, `POST /api/v1/auth/totp/disable`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeInput {
    /// The authenticator's current 6-digit code (or, to turn it off, a recovery code).
    pub code: String,
}

/// `POST /api/v1/auth/totp/confirm`: the recovery codes, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    /// Ten codes, each signs in once in place of the app's code.
    pub recovery_codes: Vec<String>,
}

/// One of the signed-in person's projects with its counts now (`GET /api/v1/projects`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectOverview {
    /// Project id (send it as `X-Project` to act on it).
    pub id: String,
    /// Name.
    pub name: String,
    /// Your role there.
    pub role: String,
    /// It requires a second factor of its members.
    pub requires_second_factor: bool,
    /// Monitors in all.
    pub monitors: i64,
    /// Monitors down now.
    pub down: i64,
    /// Monitors late now.
    pub late: i64,
    /// Alerts nobody has acknowledged.
    pub open_alerts: i64,
    /// Problems not resolved.
    pub open_problems: i64,
}

/// `GET /api/v1/projects`: the signed-in person's projects.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectsOverview {
    /// Oldest membership first.
    pub projects: Vec<ProjectOverview>,
}

/// A project's limit as the operator set it, and the one in force (docs/security.md,
/// "Limits").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OperatorLimit {
    /// The operator's own limit for this project (`null`: the instance's).
    pub own: Option<i64>,
    /// The limit in force.
    pub effective: i64,
}

/// One project's usage, as the instance's operators see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectUsage {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its owners' addresses.
    pub owners: Vec<String>,
    /// People in it.
    pub members: i64,
    /// Monitors (chains included).
    pub monitors: i64,
    /// Channels.
    pub channels: i64,
    /// Flows.
    pub flows: i64,
    /// Live event streams open now on this instance.
    pub streams_open: i64,
    /// Signals refused for the project's rate on this instance since it started.
    pub signals_refused: i64,
    /// Monitors allowed.
    pub max_monitors: OperatorLimit,
    /// Live streams allowed at once.
    pub max_streams: OperatorLimit,
    /// Channels allowed.
    pub max_channels: OperatorLimit,
    /// Flows allowed.
    pub max_flows: OperatorLimit,
    /// Signals (pings, heartbeats, reports, flow events over HTTP) allowed per second.
    pub max_events_per_second: OperatorLimit,
}

/// `GET /api/v1/operator/projects`: every project, by name.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageList {
    /// Every project on the server.
    pub projects: Vec<ProjectUsage>,
}
