//! Overdue's Rust client: pings, and a run guard for jobs.
//!
//! ```no_run
//! let overdue = overdue_client::Client::new("http://127.0.0.1:8000")?;
//! let run = overdue.run("5d9e2a4c-7f31-4c5b-9a0e-2f6d8c1b3a77")?; // sends `start`
//! run.log("exported 1,204 rows")?;
//! run.success()?; // or let it drop: success, or fail if the job panicked
//! # Ok::<(), overdue_client::Error>(())
//! ```
//!
//! Blocking (reqwest's blocking client): call it from a job's own thread, not from
//! inside an async runtime.

use std::time::Duration;

use uuid::Uuid;

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
    fn suffix(self) -> &'static str {
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
        let monitor = monitor.trim().trim_matches('/');
        if monitor.is_empty() || monitor.contains(['?', '#', ' ']) {
            return Err(Error::Invalid(format!(
                "monitor {monitor:?}: give its UUID or <ping key>/<slug>"
            )));
        }
        let mut url = format!("{}/ping/{monitor}{}", self.base, signal.suffix());
        if let Some(rid) = rid {
            url.push_str(&format!("?rid={rid}"));
        }
        let r = self
            .http
            .post(url)
            .body(body.unwrap_or_default().to_string())
            .send()
            .map_err(|e| Error::Unreachable(e.to_string()))?;
        let status = r.status().as_u16();
        if r.status().is_success() {
            return Ok(());
        }
        Err(Error::Status {
            status,
            body: r.text().unwrap_or_default().trim().to_string(),
        })
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
        })
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
            "{}/ping/{}/lock?rid={rid}&ttl={ttl_secs}",
            self.base,
            monitor.trim()
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

/// One run of a job. Ends with [`Run::success`], [`Run::warn`] or [`Run::fail`]; when
/// dropped without one, it ends as a success, or as a failure if the thread is
/// panicking (the job crashed).
#[derive(Debug)]
pub struct Run<'a> {
    client: &'a Client,
    monitor: String,
    rid: Uuid,
    ended: bool,
}

impl Run<'_> {
    /// The run id sent with every ping of this run.
    pub fn rid(&self) -> Uuid {
        self.rid
    }

    /// Adds a log line to the run.
    pub fn log(&self, text: &str) -> Result<(), Error> {
        self.send(Signal::Log, Some(text))
    }

    /// Ends the run with success.
    pub fn success(mut self) -> Result<(), Error> {
        self.end(Signal::Success, None)
    }

    /// Ends the run with success and warnings.
    pub fn warn(mut self, text: &str) -> Result<(), Error> {
        self.end(Signal::Warn, Some(text))
    }

    /// Ends the run with failure.
    pub fn fail(mut self, text: &str) -> Result<(), Error> {
        self.end(Signal::Fail, Some(text))
    }

    fn send(&self, signal: Signal, body: Option<&str>) -> Result<(), Error> {
        self.client
            .ping(&self.monitor, signal, Some(self.rid), body)
    }

    fn end(&mut self, signal: Signal, body: Option<&str>) -> Result<(), Error> {
        self.ended = true;
        self.send(signal, body)
    }
}

impl Drop for Run<'_> {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let r = if std::thread::panicking() {
            self.end(Signal::Fail, Some("the job panicked"))
        } else {
            self.end(Signal::Success, None)
        };
        // Monitoring must never take a job down: report, do not panic.
        if let Err(e) = r {
            eprintln!("overdue: could not end run {}: {e}", self.rid);
        }
    }
}
