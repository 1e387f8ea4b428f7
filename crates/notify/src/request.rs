//! One message as a preset sees it ([`Message`]: the event, its links, how bad it is)
//! and the HTTP requests a preset makes of it ([`Request`]).

use overdue_core::{EventKind, EventRecord, Transition};

use crate::text::Links;

/// What a payload function gets: the event, its links and the site URL.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// The event (its alert note carries the transition and severity).
    pub ev: &'a EventRecord,
    /// The monitor's page, the problems, the acknowledgement link.
    pub links: &'a Links,
    /// The site URL, without a trailing slash.
    pub site: &'a str,
}

/// How bad a message is, for priorities and colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A critical alert (a monitor down, a critical problem).
    Critical,
    /// An error.
    Error,
    /// A warning.
    Warning,
    /// Information (a test, a digest, an info problem).
    Info,
    /// Good news: recovered, resolved.
    Good,
}

impl Message<'_> {
    /// The transition announced (a trigger when the event names no alert).
    pub fn transition(&self) -> Transition {
        self.ev
            .alert
            .as_ref()
            .map(|a| a.transition)
            .unwrap_or(Transition::Trigger)
    }

    /// How bad it is.
    pub fn level(&self) -> Level {
        let good = matches!(
            self.ev.event,
            EventKind::MonitorUp
                | EventKind::ProblemResolved
                | EventKind::ChannelRecovered
                | EventKind::MonitorPaused
                | EventKind::MonitorDeleted
        );
        if good || self.transition() == Transition::Resolve {
            return Level::Good;
        }
        if self.ev.event == EventKind::Test {
            return Level::Info;
        }
        match self.ev.alert.as_ref().map(|a| a.severity.as_str()) {
            Some("critical") => Level::Critical,
            Some("warning") => Level::Warning,
            Some("info") => Level::Info,
            _ => Level::Error,
        }
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// `application/json`.
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
    /// `application/x-ndjson`: one JSON document per line (Elasticsearch's `_bulk`).
    Ndjson(String),
}

/// One HTTP request of a message (always a POST).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Where.
    pub url: String,
    /// Extra headers (authentication).
    pub headers: Vec<(&'static str, String)>,
    /// Basic authentication (user, password).
    pub basic: Option<(String, String)>,
    /// The body.
    pub body: Body,
}

impl Request {
    /// A JSON POST to `url`.
    pub fn json(url: impl Into<String>, body: serde_json::Value) -> Request {
        Request {
            url: url.into(),
            headers: Vec::new(),
            basic: None,
            body: Body::Json(body),
        }
    }

    /// With a header.
    pub fn header(mut self, name: &'static str, value: String) -> Request {
        self.headers.push((name, value));
        self
    }
}
