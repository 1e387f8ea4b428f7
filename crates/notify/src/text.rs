//! The words of a message, shared by e-mail and chat: what happened, the facts a
//! reader needs (monitor, reason, step, last ping, expected time; problem keys with
//! message and count), and the links (the monitor's page, the acknowledgement link).

use overdue_core::{EventKind, EventRecord, Timestamp};

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
        let public = (!ev.monitor.uuid.is_empty())
            .then(|| overdue_core::PublicRef::of(&ev.monitor.uuid).to_string());
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

/// `at` (RFC 3339) relative to the event's own time: `"3 min ago"`.
fn relative(at: Option<&str>, ev: &EventRecord) -> Option<String> {
    let then = Timestamp::parse_rfc3339(at?)?;
    let now = Timestamp::parse_rfc3339(&ev.at)?;
    Some(overdue_core::time::ago(then, now))
}

/// One fact of a message: a label and its value.
pub type Fact = (&'static str, String);

/// The facts of an event, in reading order.
pub fn facts(ev: &EventRecord) -> Vec<Fact> {
    let mut out: Vec<Fact> = vec![("Monitor", ev.monitor.name.clone())];
    if let Some(p) = ev.monitor.project_name.as_ref().filter(|p| !p.is_empty()) {
        out.push(("Project", p.clone()));
    }
    // A storm's gathered message says what it gathers ("12 of 14 monitors tagged `db`
    // went down within 40 s").
    if ev.event == EventKind::Grouped {
        if let Some(d) = ev.detail.as_ref().filter(|d| !d.is_empty()) {
            out.push(("What", d.clone()));
        }
    }
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
            match (&ev.last_ping, relative(ev.last_ping_at.as_deref(), ev)) {
                (Some(at), Some(ago)) => format!("{at} ({ago})"),
                (Some(at), None) => at.clone(),
                (None, _) => "never".into(),
            },
        ));
    }
    // The evidence: how the run ended, and the start of what the failing job sent
    // (an e-mail quotes more).
    if matches!(ev.event, EventKind::MonitorDown | EventKind::RunWarned) {
        if let Some(run) = &ev.run {
            if let Some(code) = run.exit_status {
                out.push(("Exit status", code.to_string()));
            }
            if let Some(ms) = run.duration_ms {
                out.push(("Run took", overdue_core::time::span(ms)));
            }
        }
        if let Some(output) = body_excerpt(ev, OUTPUT_FACT) {
            out.push(("Output", output));
        }
    }
    // A recovery says how long the monitor was down (from its alert's opening).
    if ev.event == EventKind::MonitorUp {
        let opened = ev.alert.as_ref().and_then(|a| a.opened_at.as_deref());
        if let (Some(from), Some(to)) = (
            opened.and_then(Timestamp::parse_rfc3339),
            Timestamp::parse_rfc3339(&ev.at),
        ) {
            out.push(("Down for", overdue_core::time::span(to.since(from))));
        }
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

/// The problem lines of a `problem.*` event (`key (severity, 3×): message`) and how
/// many problems the event counts beyond those it names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProblemLines {
    /// One line per named problem.
    pub items: Vec<String>,
    /// Problems counted but not named in the event.
    pub more: u64,
}

impl ProblemLines {
    /// The same problems with each line rewritten (escaped, bulleted); the count of the
    /// unnamed ones is kept apart, so no rewrite can lose it.
    pub fn map(&self, f: impl Fn(&str) -> String) -> ProblemLines {
        ProblemLines {
            items: self.items.iter().map(|l| f(l)).collect(),
            more: self.more,
        }
    }

    /// Every line, the last one "… and N more" when the event named fewer than it
    /// counts.
    pub fn all(&self) -> Vec<String> {
        let mut lines = self.items.clone();
        if self.more > 0 {
            lines.push(more(self.more as usize));
        }
        lines
    }

    /// Whether there is nothing to list.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.more == 0
    }
}

/// The problems of `ev` as lines.
pub fn problem_list(ev: &EventRecord) -> ProblemLines {
    let Some(p) = &ev.problems else {
        return ProblemLines::default();
    };
    let items: Vec<String> = p
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
    let more = p.count.saturating_sub(items.len() as u64);
    ProblemLines { items, more }
}

/// The problem lines of `ev`, "… and N more" last when the event named fewer.
pub fn problem_lines(ev: &EventRecord) -> Vec<String> {
    problem_list(ev).all()
}

fn more(n: usize) -> String {
    format!("… and {n} more")
}

/// How much of a ping's body the facts carry (characters): within every service's
/// limit on one field (Discord's is 1,024).
pub const OUTPUT_FACT: usize = 500;

/// The body of the ping that caused the event, cut to `max` characters (a job's output
/// is read from its start; the whole is on the monitor's page). `None` when it sent none.
pub fn body_excerpt(ev: &EventRecord, max: usize) -> Option<String> {
    let body = ev.body.as_deref()?.trim_end();
    if body.trim().is_empty() {
        return None;
    }
    Some(clip(body, max))
}

/// The sentence under an acknowledgement link: how many alerts it acknowledges.
pub fn ack_label(ev: &EventRecord) -> String {
    match ev.alert.as_ref().map(|a| a.count) {
        Some(n) if n > 1 => format!("Acknowledge all {n}"),
        _ => "Acknowledge".to_string(),
    }
}

/// `text` cut to `n` characters, the last one `…` when cut.
pub fn clip(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        return text.to_string();
    }
    let mut out: String = text.chars().take(n.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The problem lines joined by `sep`, as many as fit in `max` characters (as `measure`
/// counts them) with "… and N more" for the rest — the problems the event did not name
/// counted too: the services' limits, never a message cut mid-line.
pub fn fit_lines(
    lines: &ProblemLines,
    sep: &str,
    max: usize,
    measure: impl Fn(&str) -> usize,
) -> String {
    let (items, extra) = (&lines.items, lines.more as usize);
    let mut out = String::new();
    for (i, line) in items.iter().enumerate() {
        let rest = items.len() - i - 1 + extra;
        let candidate = if out.is_empty() {
            line.clone()
        } else {
            format!("{out}{sep}{line}")
        };
        // Room for this line, and for the "more" line if any remain.
        let tail = if rest > 0 {
            measure(sep) + measure(&more(rest))
        } else {
            0
        };
        if measure(&candidate) + tail > max {
            let left = items.len() - i + extra;
            let note = more(left);
            return if out.is_empty() {
                clip(&note, max)
            } else {
                format!("{out}{sep}{note}")
            };
        }
        out = candidate;
    }
    if extra > 0 {
        let note = more(extra);
        out = if out.is_empty() {
            note
        } else {
            format!("{out}{sep}{note}")
        };
    }
    out
}

/// Characters, as most services count their limits.
pub fn chars(text: &str) -> usize {
    text.chars().count()
}

/// Escapes text for HTML (Telegram's `parse_mode: HTML`, attribute values too).
pub fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escapes text for Markdown (Teams, Discord, Mattermost): the characters that start
/// emphasis, code, a link, a heading, a quote, HTML or a table are taken literally.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_~[]<>#|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Markdown that also mentions no one: a zero-width space after every `@`, so
/// `@channel`, `@all` or `@someone` from a job's text notifies nobody (Mattermost).
pub fn markdown_quiet(text: &str) -> String {
    markdown(text).replace('@', "@\u{200B}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_end_with_and_n_more() {
        let lines = ProblemLines {
            items: (1..=5).map(|i| format!("line {i}")).collect(),
            more: 0,
        };
        assert_eq!(fit_lines(&lines, "\n", 100, chars), lines.items.join("\n"));
        let cut = fit_lines(&lines, "\n", 30, chars);
        assert_eq!(cut, "line 1\nline 2\n… and 3 more");
        assert!(chars(&cut) <= 30);
        // The event's own count of unnamed problems adds up, bulleted or not.
        let with_more = ProblemLines { more: 10, ..lines };
        assert_eq!(
            fit_lines(&with_more, "\n", 30, chars),
            "line 1\nline 2\n… and 13 more"
        );
        let bulleted = with_more.map(|l| format!("• {l}"));
        assert_eq!(
            fit_lines(&bulleted, "\n", 34, chars),
            "• line 1\n• line 2\n… and 13 more"
        );
        assert_eq!(
            fit_lines(&with_more, "\n", 1000, chars),
            format!("{}\n… and 10 more", with_more.items.join("\n"))
        );
        assert_eq!(with_more.all().last().unwrap(), "… and 10 more");
    }

    /// 40 problems, 20 named: whatever fits, the lines shown and the "more" add up
    /// to 40.
    #[test]
    fn named_and_unnamed_add_up() {
        let lines = ProblemLines {
            items: (1..=20)
                .map(|i| format!("invoice:{i:04} (error): refused"))
                .collect(),
            more: 20,
        }
        .map(|l| format!("• {l}"));
        for room in [60, 200, 400, 700, 5_000] {
            let text = fit_lines(&lines, "\n", room, chars);
            assert!(chars(&text) <= room, "{room}: {text}");
            let shown = text.lines().filter(|l| l.starts_with("• ")).count();
            let more: usize = text
                .lines()
                .last()
                .and_then(|l| l.strip_prefix("… and "))
                .and_then(|l| l.strip_suffix(" more"))
                .map_or(0, |n| n.parse().unwrap());
            assert_eq!(shown + more, 40, "{room}: {text}");
        }
    }

    #[test]
    fn escaping_per_context() {
        assert_eq!(html("<b>&\"x\""), "&lt;b&gt;&amp;&quot;x&quot;");
        assert_eq!(markdown("*bold* [x](y)"), "\\*bold\\* \\[x\\](y)");
        assert_eq!(markdown_quiet("@channel"), "@\u{200B}channel");
    }
}
