//! What a message says, in words: the headline of an event (an e-mail's subject, a
//! chat message's first line, an alert's summary) and the reason a monitor went down.

use crate::{EventKind, EventRecord};

/// A down reason (its stored name) in plain words; `detail` adds the step or upstream.
pub fn reason_words(reason: &str, detail: Option<&str>) -> String {
    let base = match reason {
        "missed" => "missed",
        "failed" => "failed",
        "hung" => "hung",
        "too_short" => "ended too quickly",
        "stalled" => "stalled (no progress)",
        "missed_after" => "did not run after its upstream",
        "incomplete" => "incomplete",
        "chain_deadline" => "chain missed its deadline",
        other => other,
    };
    match (reason, detail) {
        ("hung", Some(d)) => format!("hung in step {d}"),
        (_, Some(d)) if !d.is_empty() => format!("{base}: {d}"),
        _ => base.to_string(),
    }
}

impl EventRecord {
    /// The headline without its list: what a subject line or a push's title holds
    /// (`"41 new problems in shop-sync"`; other events: the headline).
    pub fn title(&self) -> String {
        match &self.problems {
            Some(p) => crate::event::problems_title(self, p),
            None => self.headline(),
        }
    }

    /// The headline: `"DOWN: DB backup — missed (expected by 03:10 Europe/Riga)"`,
    /// `"2 new problems in shop-sync: invoice:123, invoice:124"`, `"UP: DB backup"`.
    pub fn headline(&self) -> String {
        let name = &self.monitor.name;
        if self.problems.is_some() {
            return self.summary();
        }
        match self.event {
            EventKind::MonitorDown => {
                let why = self
                    .reason
                    .as_deref()
                    .map(|r| reason_words(r, self.detail.as_deref()))
                    .unwrap_or_else(|| "down".into());
                match &self.expected {
                    Some(at) => format!("DOWN: {name} — {why} (expected by {at})"),
                    None => format!("DOWN: {name} — {why}"),
                }
            }
            EventKind::MonitorUp => format!("UP: {name}"),
            EventKind::MonitorPaused => match &self.detail {
                Some(by) => format!("PAUSED: {name} by {by} (its alert is resolved)"),
                None => format!("PAUSED: {name} (its alert is resolved)"),
            },
            EventKind::MonitorDeleted => format!("DELETED: {name} (its alerts are resolved)"),
            EventKind::RunOverlapped => format!("{name}: a run started while another ran"),
            EventKind::RunWarned => format!("{name}: a run ended with warnings"),
            EventKind::AlertAcknowledged => format!("{name}: acknowledged"),
            EventKind::ChannelFailing => match &self.detail {
                Some(d) => format!("CHANNEL FAILING: {name} — {d}"),
                None => format!("CHANNEL FAILING: {name}"),
            },
            EventKind::ChannelRecovered => format!("CHANNEL RECOVERED: {name}"),
            EventKind::Test => name.clone(),
            _ => self.summary(),
        }
    }

    /// The shortest text that still says what happened, for an SMS: `"DOWN db-backup
    /// missed 03:10"`, `"UP db-backup"`, `"2 PROBLEMS shop-sync: inv-1, inv-2"`. The
    /// monitor by its slug (names may be long), the reason by its stored word, the
    /// expected time without its zone.
    pub fn short_text(&self) -> String {
        let who = self.monitor.slug.as_deref().unwrap_or(&self.monitor.name);
        if let Some(p) = &self.problems {
            let what = match self.event {
                EventKind::ProblemResolved => "RESOLVED",
                _ if p.count == 1 => "PROBLEM",
                _ => "PROBLEMS",
            };
            let keys: Vec<&str> = p.items.iter().map(|i| i.key.as_str()).collect();
            return format!("{} {what} {who}: {}", p.count, keys.join(", "));
        }
        match self.event {
            EventKind::MonitorDown => {
                let mut text = format!("DOWN {who}");
                if let Some(r) = &self.reason {
                    text.push(' ');
                    text.push_str(&r.replace('_', " "));
                    if let (Some(d), "hung") = (&self.detail, r.as_str()) {
                        text.push_str(&format!(" in {d}"));
                    }
                }
                if let Some(at) = self.expected.as_deref().and_then(|e| e.split(' ').next()) {
                    text.push(' ');
                    text.push_str(at);
                }
                text
            }
            EventKind::MonitorUp => format!("UP {who}"),
            EventKind::MonitorPaused => format!("PAUSED {who}"),
            EventKind::MonitorDeleted => format!("DELETED {who}"),
            EventKind::ChannelFailing => format!("CHANNEL FAILING {who}"),
            EventKind::ChannelRecovered => format!("CHANNEL OK {who}"),
            _ => self.headline(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{EventKind, EventRecord, MonitorRef};

    fn down(reason: &str, detail: Option<&str>, expected: Option<&str>) -> EventRecord {
        EventRecord {
            event: EventKind::MonitorDown,
            monitor: MonitorRef {
                uuid: "u".into(),
                name: "DB backup".into(),
                slug: None,
                tags: vec![],
                project: "p".into(),
                project_name: None,
            },
            status: "down".into(),
            previous_status: "up".into(),
            reason: Some(reason.into()),
            detail: detail.map(str::to_string),
            at: String::new(),
            body: None,
            problems: None,
            alert: None,
            expected: expected.map(str::to_string),
            last_ping: None,
            expected_at: None,
            last_ping_at: None,
            run: None,
        }
    }

    #[test]
    fn headlines_say_what_happened() {
        assert_eq!(
            down("missed", None, Some("03:10 Europe/Riga")).headline(),
            "DOWN: DB backup — missed (expected by 03:10 Europe/Riga)"
        );
        assert_eq!(
            down("hung", Some("load"), None).headline(),
            "DOWN: DB backup — hung in step load"
        );
        assert_eq!(
            down("too_short", None, None).headline(),
            "DOWN: DB backup — ended too quickly"
        );
        let mut up = down("missed", None, None);
        up.event = EventKind::MonitorUp;
        assert_eq!(up.headline(), "UP: DB backup");
        // A pause says who paused, when a person or a key did.
        let mut paused = down("missed", None, None);
        (paused.event, paused.reason) = (EventKind::MonitorPaused, None);
        assert_eq!(
            paused.headline(),
            "PAUSED: DB backup (its alert is resolved)"
        );
        paused.detail = Some("ann@example.com".into());
        assert_eq!(
            paused.headline(),
            "PAUSED: DB backup by ann@example.com (its alert is resolved)"
        );
    }

    /// A title names the count, not the list: a subject of 41 problems stays short.
    #[test]
    fn titles_leave_the_list_to_the_body() {
        let mut ev = down("missed", None, None);
        ev.event = EventKind::ProblemOpened;
        ev.monitor.name = "shop-sync".into();
        ev.problems = Some(crate::ProblemsNote {
            count: 41,
            items: (0..20)
                .map(|i| crate::ProblemItem {
                    key: format!("invoice:{i}"),
                    severity: "error".into(),
                    message: "refused by the tax service".into(),
                    count: 1,
                    details: None,
                })
                .collect(),
        });
        assert!(
            ev.headline().chars().count() > 500,
            "the headline lists them"
        );
        assert_eq!(ev.title(), "41 new problems in shop-sync");
        ev.event = EventKind::ProblemResolved;
        assert_eq!(ev.title(), "41 problems resolved in shop-sync");
        ev.event = EventKind::Grouped;
        assert_eq!(ev.title(), "41 alerts in shop-sync");
        let plain = down("missed", None, Some("03:10:00 UTC"));
        assert_eq!(plain.title(), plain.headline());
    }

    #[test]
    fn short_texts_fit_an_sms() {
        let mut ev = down("missed", None, Some("03:10 Europe/Riga"));
        ev.monitor.slug = Some("db-backup".into());
        assert_eq!(ev.short_text(), "DOWN db-backup missed 03:10");
        assert_eq!(
            down("hung", Some("load"), None).short_text(),
            "DOWN DB backup hung in load"
        );
        assert_eq!(
            down("too_short", None, None).short_text(),
            "DOWN DB backup too short"
        );
        ev.event = EventKind::MonitorUp;
        assert_eq!(ev.short_text(), "UP db-backup");
    }
}
