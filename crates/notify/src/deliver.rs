//! One delivery, whatever the channel: the acknowledgement link made from the stored
//! token, the links of the message, then the kind's sender.

use overdue_core::EventRecord;

use crate::channel::ChannelConfig;
use crate::email::{message_ids, Mailer};
use crate::text::Links;
use crate::webhook::{Delivery, Webhooks};

/// Everything that sends: the guarded HTTP client, the SMTP relay (when configured) and
/// the site URL the links point to.
#[derive(Debug, Clone)]
pub struct Senders {
    /// HTTP channels (webhook, Slack, PagerDuty).
    pub http: Webhooks,
    /// E-mail, when `OVERDUE_SMTP_URL` is set.
    pub mailer: Option<Mailer>,
    /// The site URL, without a trailing slash.
    pub site: String,
}

/// Where one outbox row goes, beyond its channel's settings.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    /// The channel's id (e-mail thread ids).
    pub channel: String,
    /// The e-mail recipient (`""` for other kinds).
    pub recipient: String,
    /// The row's idempotency key (the same on every resend).
    pub key: String,
    /// For an e-mail that answers its alert's first message: that message's subject.
    pub thread_subject: Option<String>,
}

impl Senders {
    /// Delivers `ev` through channel settings `cfg`.
    pub async fn send(&self, cfg: &ChannelConfig, mut ev: EventRecord, out: &Outgoing) -> Delivery {
        if let Some(a) = ev.alert.as_mut() {
            // The token leaves the database only inside the link.
            if let Some(token) = a.ack_token.take() {
                a.ack_url = Some(format!("{}/ack/{token}", self.site));
            }
        }
        let links = Links::of(&ev, &self.site);
        match cfg {
            ChannelConfig::Webhook(c) => self.http.send(c, &ev, &out.key).await,
            ChannelConfig::Preset(s) => {
                let msg = crate::request::Message {
                    ev: &ev,
                    links: &links,
                    site: &self.site,
                };
                crate::presets::send(&self.http, s.kind(), s, &msg, &out.key).await
            }
            ChannelConfig::Email(_) => match &self.mailer {
                None => Delivery::failed(
                    "e-mail is not set up on this server: set OVERDUE_SMTP_URL and \
                     OVERDUE_EMAIL_FROM"
                        .into(),
                    true,
                    std::time::Instant::now(),
                ),
                Some(m) => {
                    let ids = message_ids(&ev, &out.channel, &out.recipient, &out.key, m.domain());
                    m.send(
                        &out.recipient,
                        &ev,
                        &links,
                        &ids,
                        out.thread_subject.as_deref(),
                    )
                    .await
                }
            },
        }
    }
}
