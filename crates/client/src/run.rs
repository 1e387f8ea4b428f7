//! The run guard: a run of a job, started when created and ended — with its completion
//! report — when the job finishes, fails or panics.

use uuid::Uuid;

use super::*;

/// One run of a job. Ends with [`Run::success`], [`Run::warn`] or [`Run::fail`]; when
/// dropped without one, it ends as a success, or as a failure if the thread is
/// panicking (the job crashed). Counts, warnings and errors added on the way go with
/// the end as its completion report.
#[derive(Debug)]
pub struct Run<'a> {
    pub(crate) client: &'a Client,
    pub(crate) monitor: String,
    pub(crate) rid: Uuid,
    pub(crate) ended: bool,
    pub(crate) report: Report,
}

impl Run<'_> {
    /// The run id sent with every ping of this run.
    pub fn rid(&self) -> Uuid {
        self.rid
    }

    /// Adds text to the run's log.
    pub fn log(&self, text: &str) -> Result<(), Error> {
        self.send(Signal::Log, Some(text))
    }

    /// Moves the run into step `name` (one of the monitor's declared steps, if it
    /// declares any).
    pub fn step(&self, name: &str) -> Result<(), Error> {
        // The server checks the name (and that the monitor declares it) and says why.
        let q = [("rid", self.rid.to_string())];
        let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
        self.client
            .send(&self.monitor, &format!("/step/{name}"), &q, None)
    }

    /// Reports progress: `done` of `total` units (resets the stall timer).
    pub fn progress(&self, done: u64, total: Option<u64>, msg: Option<&str>) -> Result<(), Error> {
        let mut q = vec![("rid", self.rid.to_string()), ("done", done.to_string())];
        if let Some(t) = total {
            q.push(("total", t.to_string()));
        }
        if let Some(m) = msg {
            q.push(("msg", m.to_string()));
        }
        self.client.send(&self.monitor, "/progress", &q, None)
    }

    /// Reports failed units of this run (see [`Client::problems`]). With the monitor's
    /// default `on_next_run`, a unit reported by an earlier run and not by this one
    /// resolves when this run ends well.
    pub fn problems(&self, problems: &[Problem]) -> Result<ProblemsReply, Error> {
        self.client
            .problems_with(&self.monitor, problems, Some(self.rid))
    }

    /// Adds `n` to the report's counter `name` (`processed`, `failed`, …).
    pub fn count(&mut self, name: &str, n: u64) {
        *self.report.counts.entry(name.to_string()).or_default() += n;
    }

    /// Adds a warning to the report.
    pub fn warning(&mut self, text: &str) {
        self.report.warnings.push(text.to_string());
    }

    /// Adds an error to the report.
    pub fn error(&mut self, text: &str) {
        self.report.errors.push(text.to_string());
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

    /// Ends the run; with a report when counts, warnings or errors were added (the
    /// text then goes into its `log`).
    fn end(&mut self, signal: Signal, body: Option<&str>) -> Result<(), Error> {
        self.ended = true;
        if self.report == Report::default() {
            return self.send(signal, body);
        }
        let mut report = std::mem::take(&mut self.report);
        report.log = body.map(str::to_string);
        let json = serde_json::to_string(&report).map_err(|e| Error::Invalid(e.to_string()))?;
        let q = [("rid", self.rid.to_string())];
        self.client
            .send(&self.monitor, signal.suffix(), &q, Some((json, true)))
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
