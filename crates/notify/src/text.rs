//! The words of a message, shared by e-mail and chat: what happened, the facts a
//! reader needs (monitor, reason, step, last ping, expected time; problem keys with
//! message and count), and the links (the monitor's page, the acknowledgement link).

use overdue_core::{EventKind, EventRecord};

/// The links a message offers, from the site URL (no trailing slash).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// The monitor's page on the dashboard.
    pub monitor: Option<String>,
    /// The project's problems, for `problem.*` events.
    pub problems: Option<String>,
    /// The acknowledgement link (messages that ask someone to act).
    pub ack: Option<String>,
}

impl Links {
    /// The links of `ev` on the dashboard at `site`.
    pub fn of(ev: &EventRecord, site: &str) -> Links {
        let public =
            (!ev.monitor.uuid.is_empty()).then(|| overdue_core::public_ref(&ev.monitor.uuid));
        Links {
            monitor: public.as_ref().map(|r| format!("{site}/monitors/{r}")),
            problems: ev
                .problems
                .as_ref()
                .and(public.as_ref())
                .map(|r| format!("{site}/problems?monitor={r}")),
            ack: ev.alert.as_ref().and_then(|a| a.ack_url.clone()),
        }
    }
}

/// One fact of a message: a label and its value.
pub type Fact = (&'static str, String);

/// The facts of an event, in reading order.
pub fn facts(ev: &EventRecord) -> Vec<Fact> {
    let mut out: Vec<Fact> = vec![("Monitor", ev.monitor.name.clone())];
    if ev.event == EventKind::MonitorDown {
        if let Some(r) = &ev.reason {
            out.push((
                "Reason",
                overdue_core::message::reason_words(r, ev.detail.as_deref()),
            ));
        }
        if let Some(at) = &ev.expected {
            out.push(("Expected by", at.clone()));
        }
        out.push((
            "Last ping",
            ev.last_ping.clone().unwrap_or_else(|| "never".into()),
        ));
    }
    if let Some(a) = &ev.alert {
        if let Some(reason) = &a.reason {
            out.push(("Resolved by", reason.clone()));
        }
    }
    if !ev.monitor.tags.is_empty() {
        out.push(("Tags", ev.monitor.tags.join(" ")));
    }
    out.push(("At", ev.at.clone()));
    out
}

/// The problem lines of a `problem.*` event: `key (severity, 3×): message`.
pub fn problem_lines(ev: &EventRecord) -> Vec<String> {
    let Some(p) = &ev.problems else {
        return Vec::new();
    };
    let mut lines: Vec<String> = p
        .items
        .iter()
        .map(|i| {
            let times = if i.count > 1 {
                format!(", {}×", i.count)
            } else {
                String::new()
            };
            let mut line = if i.message.is_empty() {
                format!("{} ({}{times})", i.key, i.severity)
            } else {
                format!("{} ({}{times}): {}", i.key, i.severity, i.message)
            };
            if let Some(d) = i.details.as_deref().filter(|d| !d.trim().is_empty()) {
                let d: String = d.chars().take(300).collect();
                line.push_str(&format!(" — details: {d}"));
            }
            line
        })
        .collect();
    let named = p.items.len() as u64;
    if p.count > named {
        lines.push(format!("… and {} more", p.count - named));
    }
    lines
}

/// The sentence under an acknowledgement link: how many alerts it acknowledges.
pub fn ack_label(ev: &EventRecord) -> String {
    match ev.alert.as_ref().map(|a| a.count) {
        Some(n) if n > 1 => format!("Acknowledge all {n}"),
        _ => "Acknowledge".to_string(),
    }
}
