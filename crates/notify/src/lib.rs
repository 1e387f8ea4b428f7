//! Notification adapters: the webhook (URL, method, headers and body templates), e-mail
//! (SMTP through lettre) and the HTTP presets (Slack, Teams, Discord, Telegram,
//! Mattermost, PagerDuty, Opsgenie, ntfy, Gotify, Pushover, SMS gateways) from one table
//! of kinds, with a guard that refuses private, loopback and link-local addresses on the
//! IP actually connected to (after DNS and after redirects). Also the projects' summary
//! e-mail with its PNG charts.

pub mod channel;
pub mod deliver;
pub mod email;
pub mod guard;
pub mod kind;
pub mod kinds;
pub mod presets;
pub mod report_mail;
pub mod report_png;
pub mod request;
pub mod secret;
pub mod template;
pub mod text;
pub mod webhook;

pub use channel::ChannelConfig;
pub use deliver::{Outgoing, Senders};
pub use email::{EmailConfig, Mailer};
pub use guard::AddressPolicy;
pub use kind::{Kind, Settings};
pub use kinds::KINDS;
pub use webhook::{Delivery, WebhookConfig, WebhookError, Webhooks};
