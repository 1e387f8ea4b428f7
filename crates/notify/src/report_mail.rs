//! The summary e-mail (docs/behaviour.md, "The report by e-mail"): from the figures the
//! outbox keeps, a subject, a plain-text part, and an HTML part with its charts as
//! inline PNG images (`cid:`), sent to one address. The headline figures, the
//! availability against the target, the noisiest monitors and the out-of-hours count,
//! each chart with its words beside it.

use std::time::Instant;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use overdue_types::reports::{Percentiles, ReportMail};

use crate::email::Mailer;
use crate::report_png::{self, Chart};
use crate::text::html as html_esc;
use crate::webhook::Delivery;

/// A message ready to send.
#[derive(Debug, Clone)]
pub struct Composed {
    /// Its subject.
    pub subject: String,
    /// The plain-text part.
    pub plain: String,
    /// The HTML part.
    pub html: String,
    /// Its charts.
    pub charts: Vec<Chart>,
}

/// "1 h 5 min", "42 s", "—".
fn span(seconds: Option<i64>) -> String {
    seconds.map_or_else(|| "—".into(), overdue_core::duration::words)
}

fn percentiles(p: &Percentiles) -> String {
    if p.count == 0 {
        return "none".into();
    }
    format!("p50 {}, p90 {} ({})", span(p.p50), span(p.p90), p.count)
}

/// The lines of the summary, as (heading, lines) sections, shared by both parts.
fn sections(m: &ReportMail) -> Vec<(String, Vec<String>)> {
    let a = &m.alerts;
    let reasons: Vec<String> = a
        .by_reason
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{} {n}", k.replace('_', " ")))
        .collect();
    let mut headline = vec![
        format!(
            "Alerts: {} (the period before: {}){}",
            a.total,
            a.previous_total,
            if reasons.is_empty() {
                String::new()
            } else {
                format!(" — {}", reasons.join(", "))
            }
        ),
        format!(
            "Time to acknowledge: {}",
            percentiles(&m.response.acknowledge.now)
        ),
        format!("Time to resolve: {}", percentiles(&m.response.resolve.now)),
    ];
    let h = &m.out_of_hours;
    headline.push(format!(
        "Out of hours: {} of {} alerts, {} of {} pages{}",
        h.alerts_out_of_hours,
        h.alerts,
        h.pages_out_of_hours,
        h.pages,
        match &h.calendar {
            Some(c) => format!(" (calendar {c})"),
            None => " (no calendar set: every hour counts as working)".into(),
        }
    ));
    let v = &m.availability;
    let mut availability = vec![format!(
        "{} of {} monitors at or above the target of {} %.",
        v.meeting, v.counted, v.target
    )];
    availability.extend(v.rows.iter().filter(|r| r.met == Some(false)).map(|r| {
        format!(
            "{}: {} % (down {})",
            r.name,
            r.availability.unwrap_or(0.0),
            span(Some(r.down_s))
        )
    }));
    let noisiest: Vec<String> = if m.noisiest.rows.is_empty() {
        vec!["No alerts in this period.".into()]
    } else {
        m.noisiest
            .rows
            .iter()
            .map(|n| {
                format!(
                    "{}: {} alerts, {} flaps, {} reminders. {}",
                    n.name.as_deref().unwrap_or("(deleted)"),
                    n.alerts,
                    n.flaps,
                    n.reminders,
                    n.advice
                )
            })
            .collect()
    };
    vec![
        ("In short".into(), headline),
        ("Availability".into(), availability),
        ("Noisiest monitors".into(), noisiest),
    ]
}

/// The message for `m`, its links under `site`.
pub fn compose(m: &ReportMail, site: &str) -> Composed {
    let subject = format!("Overdue report for {}: {}", m.project, m.title);
    let link = format!("{site}{}", m.link);
    let mut charts = vec![report_png::alerts(&m.alerts)];
    charts.extend(report_png::availability(&m.availability));
    let parts = sections(m);
    let mut plain = format!("{} — {}\n", m.project, m.title);
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family: sans-serif; color: #222; max-width: 640px\">\
         <h1 style=\"font-size: 20px\">{} — {}</h1>",
        html_esc(&m.project),
        html_esc(&m.title)
    );
    for (i, (heading, lines)) in parts.iter().enumerate() {
        plain.push_str(&format!("\n{heading}\n"));
        html.push_str(&format!(
            "<h2 style=\"font-size: 16px\">{}</h2><ul>",
            html_esc(heading)
        ));
        for l in lines {
            plain.push_str(&format!("- {l}\n"));
            html.push_str(&format!("<li>{}</li>", html_esc(l)));
        }
        html.push_str("</ul>");
        // Each chart under the section it belongs to, its words in `alt` and beside it.
        if let Some(c) = charts.get(i).filter(|c| !c.png.is_empty()) {
            html.push_str(&format!(
                "<p><img src=\"cid:{}\" alt=\"{}\" width=\"600\" style=\"max-width: 100%; height: auto\"></p>",
                c.cid,
                html_esc(&c.alt)
            ));
            plain.push_str(&format!("  ({})\n", c.alt));
        }
    }
    plain.push_str(&format!("\nAll the figures: {link}\n"));
    html.push_str(&format!(
        "<p><a href=\"{}\">All the figures on the Reports page</a></p></body></html>",
        html_esc(&link)
    ));
    Composed {
        subject,
        plain,
        html,
        charts,
    }
}

impl Mailer {
    /// Sends the summary `m` to its address: plain text, and HTML with the charts as
    /// inline PNG parts.
    pub async fn send_report(&self, m: &ReportMail, site: &str) -> Delivery {
        let started = Instant::now();
        let to: Mailbox = match m.to.parse() {
            Ok(t) => t,
            Err(_) => {
                return Delivery::failed(
                    format!("{:?} is not an e-mail address", m.to),
                    true,
                    started,
                )
            }
        };
        let c = compose(m, site);
        let png = ContentType::parse("image/png").unwrap_or(ContentType::TEXT_PLAIN);
        let mut related = MultiPart::related().singlepart(SinglePart::html(c.html));
        for chart in c.charts.into_iter().filter(|c| !c.png.is_empty()) {
            related =
                related.singlepart(Attachment::new_inline(chart.cid).body(chart.png, png.clone()));
        }
        let body = MultiPart::alternative()
            .singlepart(SinglePart::plain(c.plain))
            .multipart(related);
        let msg = Message::builder()
            .from(self.from().clone())
            .to(to)
            .subject(c.subject)
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".into(),
            ))
            .multipart(body);
        match msg {
            Ok(msg) => self.deliver(msg, &m.to, started).await,
            Err(e) => Delivery::failed(
                format!("the message could not be built: {e}"),
                true,
                started,
            ),
        }
    }
}
