//! Notification adapters: the webhook (URL, method, headers and body templates), e-mail
//! (SMTP through lettre), Slack and PagerDuty, with a guard that refuses private,
//! loopback and link-local addresses on the IP actually connected to (after DNS and
//! after redirects).

pub mod channel;
pub mod deliver;
pub mod email;
pub mod guard;
pub mod pagerduty;
pub mod secret;
pub mod slack;
pub mod template;
pub mod text;
pub mod webhook;

pub use channel::{ChannelConfig, CHANNEL_KINDS};
pub use deliver::{Outgoing, Senders};
pub use email::{EmailConfig, Mailer};
pub use guard::AddressPolicy;
pub use pagerduty::PagerDutyConfig;
pub use slack::SlackConfig;
pub use webhook::{Delivery, WebhookConfig, WebhookError, Webhooks};
