//! Notification adapters. Today: the webhook channel (URL, method, headers and body
//! templates) with a guard that refuses private, loopback and link-local addresses on
//! the IP actually connected to (after DNS and after redirects).

pub mod guard;
pub mod secret;
pub mod template;
pub mod webhook;

pub use guard::AddressPolicy;
pub use webhook::{Delivery, WebhookConfig, WebhookError, Webhooks};

/// The kinds of channel this build can deliver to.
pub const CHANNEL_KINDS: &[&str] = &["webhook"];
