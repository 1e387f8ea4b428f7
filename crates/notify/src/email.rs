//! The e-mail channel: one message per recipient through the server's SMTP relay
//! (lettre), plain text and HTML, with a deterministic `Message-ID` (a resend after a
//! crash is recognisable), the resolution threaded under its trigger
//! (`In-Reply-To`/`References`, `Re:` subject) and `Auto-Submitted: auto-generated`.

use std::time::{Duration, Instant};

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use overdue_core::{EventRecord, Transition};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::text::{ack_label, body_excerpt, facts, html as esc, problem_lines, Links};
use crate::webhook::{Delivery, WebhookError};

/// Most recipients of one e-mail channel.
pub const MAX_RECIPIENTS: usize = 50;

/// An e-mail channel's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The addresses; each gets its own message.
    pub to: Vec<String>,
}

impl EmailConfig {
    /// Checks every address (named when one is wrong); drops repeats.
    pub fn validate(&mut self) -> Result<(), WebhookError> {
        let mut seen = Vec::new();
        for raw in &self.to {
            let a = raw.trim();
            if a.parse::<Address>().is_err() {
                return Err(WebhookError::Invalid(format!(
                    "to: {a:?} is not an e-mail address (expected name@example.com)"
                )));
            }
            if !seen.iter().any(|s: &String| s.eq_ignore_ascii_case(a)) {
                seen.push(a.to_string());
            }
        }
        if seen.is_empty() {
            return Err(WebhookError::Invalid(
                "to must list at least one e-mail address".into(),
            ));
        }
        if seen.len() > MAX_RECIPIENTS {
            return Err(WebhookError::Invalid(format!(
                "to lists {} addresses: at most {MAX_RECIPIENTS}",
                seen.len()
            )));
        }
        self.to = seen;
        Ok(())
    }
}

/// Why the SMTP settings were refused.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SmtpError(String);

/// Sends e-mail through one SMTP relay.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// `host:port` of the relay, for errors in plain words.
    relay: String,
    /// The right-hand side of Message-IDs (the site's host).
    domain: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it may hold the relay's password.
        f.debug_struct("Mailer")
            .field("relay", &self.relay)
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Mailer {
    /// A mailer for `url` in lettre's syntax (`smtp://host:25`,
    /// `smtp://user:pass@host:587?tls=required`, `smtps://user:pass@host:465`).
    /// Credentials over a connection without TLS are refused unless the URL says
    /// `tls=none`. `from`: the sender address; `site`: the site URL (Message-IDs).
    pub fn new(url: &str, from: &str, site: &str, timeout: Duration) -> Result<Mailer, SmtpError> {
        let parsed = url::Url::parse(url).map_err(|e| {
            SmtpError(format!(
                "OVERDUE_SMTP_URL is not a URL ({e}): expected smtp://host:25, \
                 smtp://user:pass@host:587?tls=required or smtps://user:pass@host:465"
            ))
        })?;
        let tls = parsed
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.to_string());
        let has_credentials = !parsed.username().is_empty() || parsed.password().is_some();
        let mut for_lettre = parsed.clone();
        match (parsed.scheme(), tls.as_deref()) {
            ("smtp", None) if has_credentials => {
                return Err(SmtpError(
                    "OVERDUE_SMTP_URL has credentials but no TLS: they would cross the \
                     network in clear text. Use smtps://…:465, add ?tls=required, or add \
                     ?tls=none if this relay is local and that is intended"
                        .into(),
                ))
            }
            ("smtp", Some("none")) => {
                // lettre's own syntax has no `tls=none`: plain SMTP is the URL without it.
                let rest: Vec<(String, String)> = parsed
                    .query_pairs()
                    .filter(|(k, _)| k != "tls")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                for_lettre.set_query(None);
                if !rest.is_empty() {
                    for_lettre.query_pairs_mut().extend_pairs(rest);
                }
            }
            ("smtp", None | Some("required") | Some("opportunistic")) | ("smtps", _) => {}
            (scheme, tls) => {
                return Err(SmtpError(format!(
                    "OVERDUE_SMTP_URL: scheme {scheme:?} with tls={tls:?} is not supported: \
                     use smtp:// (tls=required, opportunistic or none) or smtps://"
                )))
            }
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(for_lettre.as_str())
            .map_err(|e| SmtpError(format!("OVERDUE_SMTP_URL: {e}")))?
            .timeout(Some(timeout))
            .build();
        let from: Mailbox = from.parse().map_err(|_| {
            SmtpError(format!(
                "OVERDUE_EMAIL_FROM: {from:?} is not an address (expected \
                 overdue@example.com or \"Overdue <overdue@example.com>\")"
            ))
        })?;
        let port = parsed
            .port()
            .unwrap_or(if parsed.scheme() == "smtps" { 465 } else { 25 });
        let domain = url::Url::parse(site)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "overdue.invalid".into());
        Ok(Mailer {
            transport,
            from,
            relay: format!("{}:{port}", parsed.host_str().unwrap_or("?")),
            domain,
        })
    }

    /// Sends `ev` to one recipient. `key`: the message's idempotency key; `channel`: its
    /// channel's id; `thread_subject`: the subject of the message this one answers.
    pub async fn send(
        &self,
        to: &str,
        ev: &EventRecord,
        links: &Links,
        ids: &MessageIds,
        thread_subject: Option<&str>,
    ) -> Delivery {
        let started = Instant::now();
        let to_box: Mailbox = match to.parse() {
            Ok(m) => m,
            Err(_) => {
                return Delivery::failed(format!("{to:?} is not an e-mail address"), true, started)
            }
        };
        let (subject, plain, html) = compose(ev, links, thread_subject);
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to_box)
            .subject(subject)
            .message_id(Some(ids.message_id.clone()))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".into(),
            ));
        if let Some(parent) = &ids.in_reply_to {
            builder = builder
                .in_reply_to(parent.clone())
                .references(parent.clone());
        }
        let msg = match builder.multipart(MultiPart::alternative_plain_html(plain, html)) {
            Ok(m) => m,
            Err(e) => {
                return Delivery::failed(
                    format!("the message could not be built: {e}"),
                    true,
                    started,
                )
            }
        };
        self.deliver(msg, to, started).await
    }

    /// Hands a built message for `to` to the relay; what went wrong in plain words,
    /// refusals (5xx) as permanent.
    pub(crate) async fn deliver(&self, msg: Message, to: &str, started: Instant) -> Delivery {
        match self.transport.send(msg).await {
            Ok(resp) => Delivery {
                status_code: Some(resp.code().into()),
                error: None,
                ok: true,
                permanent: false,
                retry_after: None,
                duration: started.elapsed(),
            },
            Err(e) => {
                let code = e.status().map(u16::from);
                let text = if e.is_permanent() {
                    format!(
                        "the SMTP server {} refused the message for {to}: {e}",
                        self.relay
                    )
                } else if e.is_transient() {
                    format!(
                        "the SMTP server {} deferred the message for {to}: {e}",
                        self.relay
                    )
                } else if e.is_timeout() {
                    format!("the SMTP server {} did not answer in time", self.relay)
                } else {
                    format!(
                        "could not deliver through the SMTP server {}: {e}",
                        self.relay
                    )
                };
                Delivery {
                    status_code: code.map(|c| c as i32 as u16),
                    error: Some(text),
                    ok: false,
                    // 5xx: the address or the message is refused, a retry gets the same.
                    permanent: e.is_permanent(),
                    retry_after: None,
                    duration: started.elapsed(),
                }
            }
        }
    }

    /// Sends one plain-text message to a person (a password reset link): not an alert,
    /// so no threading; the error says in plain words what went wrong.
    pub async fn send_text(&self, to: &str, subject: &str, body: String) -> Result<(), String> {
        let to_box: Mailbox = to
            .parse()
            .map_err(|_| format!("{to:?} is not an e-mail address"))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to_box)
            .subject(subject)
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".into(),
            ))
            .body(body)
            .map_err(|e| format!("the message could not be built: {e}"))?;
        self.transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| format!("the SMTP server {} did not take it: {e}", self.relay))
    }

    /// The sender.
    pub(crate) fn from(&self) -> &Mailbox {
        &self.from
    }

    /// The Message-ID domain (the site's host).
    pub fn domain(&self) -> &str {
        &self.domain
    }
}

/// The identity headers of one e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageIds {
    /// Its own `Message-ID` (the same on every resend).
    pub message_id: String,
    /// The message it answers (the trigger of its alert), when it answers one.
    pub in_reply_to: Option<String>,
}

fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The Message-ID of the first message about alert `alert` to `recipient` on
/// `channel`: derived, so a later message can answer it without looking it up.
pub fn thread_id(alert: i64, channel: &str, recipient: &str, domain: &str) -> String {
    format!(
        "<overdue.alert-{alert}.{}.{}@{domain}>",
        short_hash(channel),
        short_hash(recipient)
    )
}

/// The identity headers of a message: a trigger is its alert's thread root; every
/// other message has its own id (from the outbox row's key) and answers the root.
pub fn message_ids(
    ev: &EventRecord,
    channel: &str,
    recipient: &str,
    key: &str,
    domain: &str,
) -> MessageIds {
    match &ev.alert {
        Some(a) if a.transition == Transition::Trigger => MessageIds {
            message_id: thread_id(a.id, channel, recipient, domain),
            in_reply_to: None,
        },
        Some(a) => MessageIds {
            message_id: format!("<overdue.{key}.{}@{domain}>", short_hash(recipient)),
            in_reply_to: a.thread.map(|t| thread_id(t, channel, recipient, domain)),
        },
        None => MessageIds {
            message_id: format!("<overdue.{key}.{}@{domain}>", short_hash(recipient)),
            in_reply_to: None,
        },
    }
}

/// The subject line of a message that opens a thread.
pub fn subject_of(ev: &EventRecord) -> String {
    crate::text::clip(&format!("[Overdue] {}", ev.title()), SUBJECT_MAX)
}

/// A subject's length at most (characters), as RFC 5322 recommends for a line: mail
/// clients show the start of a subject, and the list is in the body.
pub const SUBJECT_MAX: usize = 78;

/// How much of a ping's body a mail quotes (characters); the rest is on the monitor's
/// page, linked below it.
pub const BODY_EXCERPT: usize = 2_000;

/// Subject, plain text and HTML of `ev`. A message that answers another
/// (`thread_subject`) keeps its subject after `Re:`.
pub fn compose(
    ev: &EventRecord,
    links: &Links,
    thread_subject: Option<&str>,
) -> (String, String, String) {
    let subject = match (thread_subject, ev.alert.as_ref().map(|a| a.transition)) {
        (Some(s), Some(t)) if t != Transition::Trigger => {
            format!("Re: {}", s.trim_start_matches("Re: "))
        }
        _ => subject_of(ev),
    };
    let headline = ev.title();
    // The body has its own, longer section below.
    let facts: Vec<_> = facts(ev)
        .into_iter()
        .filter(|(k, _)| *k != "Output")
        .collect();
    let problems = problem_lines(ev);
    let mut plain = format!("{headline}\n\n");
    for (k, v) in &facts {
        plain.push_str(&format!("{k}: {v}\n"));
    }
    if !problems.is_empty() {
        plain.push_str("\nProblems:\n");
        for p in &problems {
            plain.push_str(&format!("  - {p}\n"));
        }
    }
    // The evidence: what the job printed (Healthchecks mails it too).
    let output = body_excerpt(ev, BODY_EXCERPT);
    if let Some(o) = &output {
        plain.push_str("\nThe ping's body:\n");
        for line in o.lines() {
            plain.push_str(&format!("  {line}\n"));
        }
    }
    plain.push('\n');
    if let Some(m) = &links.monitor {
        plain.push_str(&format!("Open the monitor: {m}\n"));
    }
    if let Some(p) = &links.problems {
        plain.push_str(&format!("Open the problems: {p}\n"));
    }
    if let Some(a) = &links.ack {
        plain.push_str(&format!("{}: {a}\n", ack_label(ev)));
    }
    plain.push_str("\n-- \nSent by Overdue. This is an automatic message.\n");

    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><h2>{}</h2><table>",
        esc(&headline)
    );
    for (k, v) in &facts {
        html.push_str(&format!(
            "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
            esc(k),
            esc(v)
        ));
    }
    html.push_str("</table>");
    if !problems.is_empty() {
        html.push_str("<h3>Problems</h3><ul>");
        for p in &problems {
            html.push_str(&format!("<li>{}</li>", esc(p)));
        }
        html.push_str("</ul>");
    }
    if let Some(o) = &output {
        html.push_str(&format!(
            "<h3>The ping's body</h3><pre style=\"white-space:pre-wrap\">{}</pre>",
            esc(o)
        ));
    }
    html.push_str("<p>");
    if let Some(m) = &links.monitor {
        html.push_str(&format!("<a href=\"{}\">Open the monitor</a> ", esc(m)));
    }
    if let Some(p) = &links.problems {
        html.push_str(&format!("<a href=\"{}\">Open the problems</a> ", esc(p)));
    }
    if let Some(a) = &links.ack {
        html.push_str(&format!(
            "<a href=\"{}\">{}</a>",
            esc(a),
            esc(&ack_label(ev))
        ));
    }
    html.push_str("</p><p style=\"color:#666\">Sent by Overdue. This is an automatic message.</p></body></html>");
    (subject, plain, html)
}

#[cfg(test)]
mod subject_tests {
    use super::*;

    #[test]
    fn subjects_name_the_count_within_78_characters() {
        let (ev, _) = crate::presets::fixtures::problems(40);
        assert_eq!(
            subject_of(&ev),
            "[Overdue] 40 new problems in DB <backup> & *co* @channel"
        );
        let (mut long, _) = crate::presets::fixtures::down();
        long.monitor.name = "a monitor whose name goes on and on ".repeat(5);
        let s = subject_of(&long);
        assert_eq!(s.chars().count(), SUBJECT_MAX, "{s}");
        assert!(s.ends_with('…'));
    }
}
