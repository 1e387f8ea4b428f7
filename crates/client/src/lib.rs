//! Overdue's Rust client: pings, and a run guard for jobs.
//!
//! ```no_run
//! let overdue = overdue_client::Client::new("http://127.0.0.1:8000")?;
//! let run = overdue.run("5d9e2a4c-7f31-4c5b-9a0e-2f6d8c1b3a77")?; // sends `start`
//! run.log("exported 1,204 rows")?;
//! run.problems(&[overdue_client::Problem::error("invoice:123", "VAT id missing")])?;
//! run.success()?; // or let it drop: success, or fail if the job panicked
//! # Ok::<(), overdue_client::Error>(())
//! ```
//!
//! Blocking (reqwest's blocking client): call it from a job's own thread, not from
//! inside an async runtime.

use std::time::Duration;

use uuid::Uuid;

mod flows;
mod run;

pub use flows::FlowEventsSent;
pub use run::Run;

/// What went wrong talking to Overdue.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The base URL or monitor is not usable.
    #[error("{0}")]
    Invalid(String),
    /// Overdue could not be reached (or did not answer in time).
    #[error("Overdue could not be reached: {0}")]
    Unreachable(String),
    /// Overdue answered with an error status.
    #[error("Overdue answered {status}: {body}")]
    Status {
        /// HTTP status.
        status: u16,
        /// The answer's body.
        body: String,
    },
}

/// What a ping says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// The job succeeded (ends the open run).
    Success,
    /// The job started.
    Start,
    /// The job failed.
    Fail,
    /// Success with warnings.
    Warn,
    /// A log line; changes nothing.
    Log,
}

impl Signal {
    /// The URL path after the monitor (`""`, `"/start"`, …).
    pub fn suffix(self) -> &'static str {
        match self {
            Signal::Success => "",
            Signal::Start => "/start",
            Signal::Fail => "/fail",
            Signal::Warn => "/warn",
            Signal::Log => "/log",
        }
    }

    /// Parses `success`, `start`, `fail`, `warn` or `log`.
    pub fn parse(s: &str) -> Option<Signal> {
        Some(match s {
            "success" | "" => Signal::Success,
            "start" => Signal::Start,
            "fail" => Signal::Fail,
            "warn" => Signal::Warn,
            "log" => Signal::Log,
            _ => return None,
        })
    }
}

/// A URL path from `segments`, each percent-encoded whole: a `/`, `?` or `#` in one
/// stays inside it, and a segment of dots only (`..`, which URL parsers resolve, even
/// written `%2e%2e`) is refused, so no caller's text reaches another path.
pub fn path(segments: &[&str]) -> Result<String, Error> {
    let mut url = reqwest::Url::parse("http://overdue.invalid/")
        .map_err(|e| Error::Invalid(e.to_string()))?;
    {
        let mut p = url
            .path_segments_mut()
            .map_err(|_| Error::Invalid("no path".into()))?;
        p.clear();
        for s in segments {
            if s.is_empty() || s.chars().all(|c| c == '.') {
                return Err(Error::Invalid(format!(
                    "{s:?} cannot be part of a URL path: give the name or id itself"
                )));
            }
            p.push(s);
        }
    }
    Ok(url.path().to_string())
}

/// The path segments of a monitor as given (`<uuid>` or `<ping key>/<slug>`) followed by
/// an action (`/step/load`), checked by [`path`].
pub fn ping_path(monitor: &str, action: &str) -> Result<String, Error> {
    let monitor = monitor.trim().trim_matches('/');
    let parts: Vec<&str> = monitor.split('/').collect();
    if monitor.is_empty() || parts.len() > 2 || monitor.contains(['?', '#', ' ']) {
        return Err(Error::Invalid(format!(
            "monitor {monitor:?}: give its UUID or <ping key>/<slug>"
        )));
    }
    let mut all = vec!["ping"];
    all.extend(parts);
    all.extend(action.split('/').filter(|s| !s.is_empty()));
    path(&all)
}

/// A connection to one Overdue server.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    http: reqwest::blocking::Client,
}

impl Client {
    /// A client for the server at `base_url` (e.g. `https://overdue.example.com`).
    pub fn new(base_url: &str) -> Result<Client, Error> {
        let base = base_url.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Invalid(format!(
                "base URL {base_url:?}: use http://… or https://…"
            )));
        }
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Invalid(e.to_string()))?;
        Ok(Client { base, http })
    }

    /// Sends one ping. `monitor` is a monitor's UUID or `<ping key>/<slug>`.
    pub fn ping(
        &self,
        monitor: &str,
        signal: Signal,
        rid: Option<Uuid>,
        body: Option<&str>,
    ) -> Result<(), Error> {
        let query: Vec<(&str, String)> = rid.map(|r| ("rid", r.to_string())).into_iter().collect();
        let body = body.map(|b| (b.to_string(), false));
        self.send(monitor, signal.suffix(), &query, body)
    }

    /// POSTs to `/ping/<monitor><action>?<query>` (`action` such as `"/progress"` or
    /// `"/step/load"`); `body`: text and whether it is JSON.
    pub fn send(
        &self,
        monitor: &str,
        action: &str,
        query: &[(&str, String)],
        body: Option<(String, bool)>,
    ) -> Result<(), Error> {
        self.request(monitor, action, query, body).map(|_| ())
    }

    /// As [`Client::send`], returning the answer's body (the JSON answer of
    /// `/problems` and `/resolve`).
    pub fn request(
        &self,
        monitor: &str,
        action: &str,
        query: &[(&str, String)],
        body: Option<(String, bool)>,
    ) -> Result<String, Error> {
        let path = ping_path(monitor, action)?;
        let mut url = reqwest::Url::parse(&format!("{}{path}", self.base))
            .map_err(|e| Error::Invalid(format!("monitor {monitor:?}: {e}")))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut req = self.http.post(url);
        if let Some((text, json)) = body {
            if json {
                req = req.header("Content-Type", "application/json");
            }
            req = req.body(text);
        }
        let r = req.send().map_err(|e| Error::Unreachable(e.to_string()))?;
        let status = r.status().as_u16();
        let ok = r.status().is_success();
        let text = r.text().unwrap_or_default();
        if ok {
            return Ok(text);
        }
        // JSON errors (`{"error": "…"}`) are shown by their message.
        let body = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_string))
            .unwrap_or_else(|| text.trim().to_string());
        Err(Error::Status { status, body })
    }

    /// `GET /health/ready`: the server's answer when it is ready (its database
    /// answers), else why not.
    pub fn health(&self) -> Result<String, Error> {
        let r = self
            .http
            .get(format!("{}/health/ready", self.base))
            .send()
            .map_err(|e| Error::Unreachable(e.to_string()))?;
        let status = r.status().as_u16();
        let ok = r.status().is_success();
        let body = r.text().unwrap_or_default().trim().to_string();
        if ok {
            Ok(body)
        } else {
            Err(Error::Status { status, body })
        }
    }

    /// `GET <path>` of the management API with `api_key` (`/api/v1/monitors`), as JSON.
    pub fn api_get(&self, path: &str, api_key: &str) -> Result<serde_json::Value, Error> {
        self.api("GET", path, api_key, None)
    }

    /// `method <path>` of the management API with `api_key` and an optional JSON body;
    /// the answer as JSON. An error status is [`Error::Status`] with the server's message
    /// — except a 422 of flow events, whose answer counts the events stored beside those
    /// kept aside (`kept_aside`, `problems`), which is returned as an answer.
    pub fn api(
        &self,
        method: &str,
        path: &str,
        api_key: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, Error> {
        let m = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| Error::Invalid(format!("method {method:?}")))?;
        let mut req = self
            .http
            .request(m, format!("{}{path}", self.base))
            .header("X-Api-Key", api_key);
        if let Some(b) = body {
            req = req.json(b);
        }
        let r = req.send().map_err(|e| Error::Unreachable(e.to_string()))?;
        let status = r.status().as_u16();
        let ok = r.status().is_success();
        let text = r.text().unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        // A 422 of flow events counts what was stored beside what was kept aside.
        if ok || (status == 422 && v.get("kept_aside").is_some()) {
            return Ok(v);
        }
        let body = v["error"].as_str().map_or(text.clone(), str::to_string);
        Err(Error::Status { status, body })
    }

    /// Reports failed units of `monitor` (docs/behaviour.md, "Problems (per-unit
    /// errors)"): one open problem per key, repeats
    /// counted, no repeated alerts. Sent in requests of at most 1,000; the answer sums
    /// them.
    pub fn problems(&self, monitor: &str, problems: &[Problem]) -> Result<ProblemsReply, Error> {
        self.problems_with(monitor, problems, None)
    }

    fn problems_with(
        &self,
        monitor: &str,
        problems: &[Problem],
        rid: Option<Uuid>,
    ) -> Result<ProblemsReply, Error> {
        let q: Vec<(&str, String)> = rid.map(|r| ("rid", r.to_string())).into_iter().collect();
        let mut total = ProblemsReply::default();
        for chunk in problems.chunks(CHUNK) {
            let json = serde_json::to_string(chunk).map_err(|e| Error::Invalid(e.to_string()))?;
            let text = self.request(monitor, "/problems", &q, Some((json, true)))?;
            let r: ProblemsReply = serde_json::from_str(&text)
                .map_err(|e| Error::Invalid(format!("unexpected answer {text:?}: {e}")))?;
            total.opened += r.opened;
            total.reopened += r.reopened;
            total.rejoined += r.rejoined;
            total.repeated += r.repeated;
            total.escalated += r.escalated;
            total.dropped += r.dropped;
            total.open = r.open;
        }
        Ok(total)
    }

    /// Resolves the open problems of these keys of `monitor` (the units are fine again).
    pub fn resolve<S: AsRef<str>>(&self, monitor: &str, keys: &[S]) -> Result<ResolveReply, Error> {
        let mut total = ResolveReply::default();
        for chunk in keys.chunks(CHUNK) {
            let list: Vec<&str> = chunk.iter().map(AsRef::as_ref).collect();
            let json = serde_json::to_string(&list).map_err(|e| Error::Invalid(e.to_string()))?;
            let text = self.request(monitor, "/resolve", &[], Some((json, true)))?;
            let r: ResolveReply = serde_json::from_str(&text)
                .map_err(|e| Error::Invalid(format!("unexpected answer {text:?}: {e}")))?;
            total.resolved += r.resolved;
            total.not_open.extend(r.not_open);
        }
        Ok(total)
    }

    /// Starts a run of `monitor` (sends `start` with a fresh run id) and returns its
    /// guard.
    pub fn run(&self, monitor: &str) -> Result<Run<'_>, Error> {
        let rid = Uuid::new_v4();
        self.ping(monitor, Signal::Start, Some(rid), None)?;
        Ok(Run {
            client: self,
            monitor: monitor.to_string(),
            rid,
            ended: false,
            report: Report::default(),
        })
    }
}

pub use overdue_types::{ProblemsReply, ResolveReply};

/// Problems (or keys) sent per request.
const CHUNK: usize = 1_000;

/// How bad a unit's failure is: `error` and `critical` notify, `info` and `warning`
/// are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Listed only.
    Info,
    /// Listed only.
    Warning,
    /// Notifies.
    Error,
    /// Notifies.
    Critical,
}

/// One failed unit (an invoice, a customer), keyed by a string.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    /// The unit (`invoice:123`).
    pub key: String,
    /// How bad.
    pub severity: Severity,
    /// What went wrong.
    pub message: String,
    /// Anything else (a JSON object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl Problem {
    /// A problem of `severity`.
    pub fn new(key: impl Into<String>, severity: Severity, message: impl Into<String>) -> Problem {
        Problem {
            key: key.into(),
            severity,
            message: message.into(),
            details: None,
        }
    }

    /// An `error` (notifies).
    pub fn error(key: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem::new(key, Severity::Error, message)
    }

    /// A `warning` (listed only).
    pub fn warning(key: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem::new(key, Severity::Warning, message)
    }

    /// With details (a JSON object).
    pub fn details(mut self, details: serde_json::Value) -> Problem {
        self.details = Some(details);
        self
    }
}

/// The answer to [`Client::lock`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lease {
    /// Granted to this run: the fencing token grows with every new holder.
    Granted {
        /// Fencing token.
        token: i64,
    },
    /// Another run holds it.
    Held {
        /// The holder's run id.
        holder: String,
    },
}

impl Client {
    /// Asks for `monitor`'s exclusive lease for run `rid`, for `ttl_secs` (renewed by
    /// the run's pings, released by its end). `monitor` must be a UUID.
    pub fn lock(&self, monitor: &str, rid: Uuid, ttl_secs: u64) -> Result<Lease, Error> {
        let url = format!(
            "{}{}?rid={rid}&ttl={ttl_secs}",
            self.base,
            ping_path(monitor, "/lock")?
        );
        let r = self
            .http
            .post(url)
            .send()
            .map_err(|e| Error::Unreachable(e.to_string()))?;
        let status = r.status().as_u16();
        let text = r.text().unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        match status {
            200 => Ok(Lease::Granted {
                token: v["token"].as_i64().unwrap_or(0),
            }),
            409 => Ok(Lease::Held {
                holder: v["holder"].as_str().unwrap_or_default().to_string(),
            }),
            _ => Err(Error::Status { status, body: text }),
        }
    }
}

/// The completion report a run sends with its end (docs/behaviour.md, "Pings"), built up
/// while it runs.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize)]
struct Report {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log: Option<String>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    counts: std::collections::BTreeMap<String, u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_text_reaches_another_path() {
        assert_eq!(
            ping_path("abc/../../../ack", "").unwrap_err().to_string(),
            Error::Invalid(
                "monitor \"abc/../../../ack\": give its UUID or <ping key>/<slug>".into()
            )
            .to_string()
        );
        assert!(ping_path("key/..", "").is_err());
        assert!(ping_path("..", "/fail").is_err());
        assert_eq!(
            ping_path("key/my-slug", "/step/load").unwrap(),
            "/ping/key/my-slug/step/load"
        );
        assert_eq!(
            path(&["api", "v1", "silences", "a/b?c#d"]).unwrap(),
            "/api/v1/silences/a%2Fb%3Fc%23d"
        );
        assert!(
            path(&["flow", "%2e%2e"]).is_ok(),
            "encoded: stays one segment"
        );
        assert_eq!(path(&["flow", "%2e%2e"]).unwrap(), "/flow/%252e%252e");
    }
}
