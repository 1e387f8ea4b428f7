//! Events: state changes that may notify (docs/behaviour.md, "States and runs"). More
//! kinds arrive with runs,
//! problems and flows; routing matches on [`EventKind`].

use serde::{Deserialize, Serialize};

/// The kind of a notifying event, as written in payloads (`"monitor.down"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    /// A monitor's stored status became `down`.
    #[serde(rename = "monitor.down")]
    MonitorDown,
    /// A monitor went from `down` back to `up`.
    #[serde(rename = "monitor.up")]
    MonitorUp,
    /// A run started while `concurrency` runs were already open (no status change).
    #[serde(rename = "run.overlapped")]
    RunOverlapped,
    /// A run ended with warnings on a monitor with `notify_warn` (no status change).
    #[serde(rename = "run.warn")]
    RunWarned,
    /// Problems opened (new units, or reopened after more than 24 h), grouped per report.
    #[serde(rename = "problem.opened")]
    ProblemOpened,
    /// Open problems whose severity rose past what was notified.
    #[serde(rename = "problem.escalated")]
    ProblemEscalated,
    /// Notified problems that resolved, grouped per change.
    #[serde(rename = "problem.resolved")]
    ProblemResolved,
    /// Once a day, per monitor: its open `info` and `warning` problems (which notify no
    /// one when they open).
    #[serde(rename = "problem.digest")]
    ProblemDigest,
    /// A test notification sent by a user.
    #[serde(rename = "test")]
    Test,
    /// A down monitor was paused: its down alert resolves (reason `paused`).
    #[serde(rename = "monitor.paused")]
    MonitorPaused,
    /// A monitor with open alerts was deleted: they resolve (reason `deleted`).
    #[serde(rename = "monitor.deleted")]
    MonitorDeleted,
    /// Someone acknowledged an alert (sent to paging channels only).
    #[serde(rename = "alert.acknowledged")]
    AlertAcknowledged,
    /// A channel's deliveries keep failing (told to the project's fallback channels).
    #[serde(rename = "channel.failing")]
    ChannelFailing,
    /// A failing channel delivered again.
    #[serde(rename = "channel.recovered")]
    ChannelRecovered,
    /// Alerts that opened and resolved while a route was quiet, listed once its quiet
    /// window ended (`problems` lists them; `monitor.name` is the route's name).
    #[serde(rename = "alerts.held")]
    HeldSummary,
    /// Several alerts of one group of a route, in one message (`problems` lists them;
    /// `monitor.name` is the group: `team:db`).
    #[serde(rename = "alerts.grouped")]
    Grouped,
    /// A paging channel's page cap was reached: the alerts beyond it are one incident
    /// (`detail`: the cap, "20 in 10 min"; the problem item: the first alert).
    #[serde(rename = "alerts.overflow")]
    Overflow,
    /// An entity of a flow stayed in a stage past its SLA (`monitor` is the flow; the
    /// problem item: the entity in its stage).
    #[serde(rename = "flow.breached")]
    FlowBreached,
    /// A breached entity moved on (or finished).
    #[serde(rename = "flow.recovered")]
    FlowRecovered,
}

impl EventKind {
    /// The kind of alert this event opens, if it opens one by itself (problem events
    /// concern alerts opened per occurrence; a digest and an up concern none of their
    /// own).
    pub fn opens(self) -> Option<crate::AlertKind> {
        use crate::AlertKind;
        match self {
            EventKind::MonitorDown => Some(AlertKind::Down),
            EventKind::RunOverlapped | EventKind::RunWarned => Some(AlertKind::Event),
            EventKind::Test => Some(AlertKind::Test),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::MonitorDown => "monitor.down",
            EventKind::MonitorUp => "monitor.up",
            EventKind::RunOverlapped => "run.overlapped",
            EventKind::RunWarned => "run.warn",
            EventKind::ProblemOpened => "problem.opened",
            EventKind::ProblemEscalated => "problem.escalated",
            EventKind::ProblemResolved => "problem.resolved",
            EventKind::ProblemDigest => "problem.digest",
            EventKind::Test => "test",
            EventKind::MonitorPaused => "monitor.paused",
            EventKind::MonitorDeleted => "monitor.deleted",
            EventKind::AlertAcknowledged => "alert.acknowledged",
            EventKind::ChannelFailing => "channel.failing",
            EventKind::ChannelRecovered => "channel.recovered",
            EventKind::HeldSummary => "alerts.held",
            EventKind::Grouped => "alerts.grouped",
            EventKind::Overflow => "alerts.overflow",
            EventKind::FlowBreached => "flow.breached",
            EventKind::FlowRecovered => "flow.recovered",
        }
    }
}

/// What a notification is about: written to the outbox in the transaction of the change,
/// rendered per channel at delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// The kind (`monitor.down`, `monitor.up`).
    pub event: EventKind,
    /// The monitor concerned.
    pub monitor: MonitorRef,
    /// The new stored status (`"down"`, `"up"`).
    pub status: String,
    /// The status before.
    pub previous_status: String,
    /// Why it went down (`missed`, `failed`, `hung`), when it did.
    pub reason: Option<String>,
    /// More about the reason: the step a run hung in, or a report's failed count; for a
    /// pause, who paused it (an e-mail, `key <name>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When the change happened (RFC 3339, UTC).
    pub at: String,
    /// The body of the ping that caused the change, if any (truncated to 10 KB).
    pub body: Option<String>,
    /// For `problem.*` events: the problems concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problems: Option<ProblemsNote>,
    /// The alert this message is about (none for a digest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<AlertNote>,
    /// For a missed deadline: when the ping was expected, in the monitor's zone
    /// (`"03:10 Europe/Riga"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The monitor's last ping before the event, in its zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ping: Option<String>,
    /// [`EventRecord::expected`] as a timestamp (RFC 3339, UTC), for programs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_at: Option<String>,
    /// [`EventRecord::last_ping`] as a timestamp (RFC 3339, UTC), for programs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ping_at: Option<String>,
    /// The run the causing ping ended: its exit status and how long it took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunNote>,
}

/// The run a ping ended, as a message tells of it (docs/behaviour.md, "Notifications").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunNote {
    /// The job's exit status (`/ping/<id>/<code>`), when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_status: Option<i32>,
    /// How long the run took, from its start ping (ms), when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
}

impl RunNote {
    /// A note when there is something to tell.
    pub fn of(exit_status: Option<i32>, duration_ms: Option<i64>) -> Option<RunNote> {
        (exit_status.is_some() || duration_ms.is_some()).then_some(RunNote {
            exit_status,
            duration_ms,
        })
    }
}

impl EventRecord {
    /// One line for humans: `"nightly-backup is DOWN (missed)"`.
    pub fn summary(&self) -> String {
        let ev = self;
        if let Some(p) = &ev.problems {
            return problems_summary(ev, p);
        }
        let status = ev.status.to_uppercase();
        match (&ev.reason, &ev.detail) {
            (Some(r), Some(d)) if r == "hung" => {
                format!("{} is {status} (hung in step {d})", ev.monitor.name)
            }
            (Some(r), Some(d)) => format!("{} is {status} ({r}: {d})", ev.monitor.name),
            (Some(r), None) => format!("{} is {status} ({r})", ev.monitor.name),
            _ => format!("{} is {status}", ev.monitor.name),
        }
    }
}

/// The lead of [`problems_summary`], without its list: `"41 new problems in
/// shop-sync"` (a subject or a push's title).
pub(crate) fn problems_title(ev: &EventRecord, p: &ProblemsNote) -> String {
    let name = &ev.monitor.name;
    let n = p.count;
    match ev.event {
        EventKind::Grouped if ev.status == "up" => format!("{n} alerts resolved in {name}"),
        EventKind::Grouped => format!("{n} alerts in {name}"),
        EventKind::FlowBreached | EventKind::FlowRecovered if n == 1 => {
            let what = p
                .items
                .first()
                .map(|i| i.message.as_str())
                .unwrap_or_default();
            format!("{name}: {what}")
        }
        EventKind::FlowBreached => format!("{name}: {n} breached"),
        EventKind::FlowRecovered => format!("{name}: {n} recovered"),
        // One sentence that says what happens next, with the first alert: no list.
        EventKind::Overflow => problems_summary(ev, p),
        EventKind::HeldSummary => match n {
            1 => "1 alert held and resolved".to_string(),
            n => format!("{n} alerts held and resolved"),
        },
        _ => {
            let summary = problems_summary(ev, p);
            let lead = format!(" in {name}: ");
            match summary.find(&lead) {
                Some(i) => format!("{} in {name}", &summary[..i]),
                None => summary,
            }
        }
    }
}

/// `"3 new problems in shop-sync: invoice:1, invoice:2, invoice:3"`.
fn problems_summary(ev: &EventRecord, p: &ProblemsNote) -> String {
    if ev.event == EventKind::Grouped {
        let keys: Vec<String> = p.items.iter().take(10).map(|i| i.key.clone()).collect();
        let more = p.count.saturating_sub(keys.len() as u64);
        let tail = if more > 0 {
            format!(", … {more} more")
        } else {
            String::new()
        };
        let what = if ev.status == "up" {
            "alerts resolved"
        } else {
            "alerts"
        };
        return format!(
            "{} {what} in {}: {}{tail}",
            p.count,
            ev.monitor.name,
            keys.join(", ")
        );
    }
    if matches!(ev.event, EventKind::FlowBreached | EventKind::FlowRecovered) {
        let what: Vec<String> = p.items.iter().take(10).map(|i| i.message.clone()).collect();
        let more = p.count.saturating_sub(what.len() as u64);
        let tail = if more > 0 {
            format!(", … {more} more")
        } else {
            String::new()
        };
        return format!("{}: {}{tail}", ev.monitor.name, what.join(", "));
    }
    if ev.event == EventKind::Overflow {
        let first = p.items.first().map(|i| i.key.as_str()).unwrap_or_default();
        return format!(
            "Page cap reached ({}): further alerts are one incident until they resolve; first: {first}",
            ev.detail.as_deref().unwrap_or_default()
        );
    }
    if ev.event == EventKind::HeldSummary {
        let keys: Vec<String> = p.items.iter().take(10).map(|i| i.key.clone()).collect();
        let more = p.count.saturating_sub(keys.len() as u64);
        let tail = if more > 0 {
            format!(", … {more} more")
        } else {
            String::new()
        };
        let what = if p.count == 1 {
            "1 alert".to_string()
        } else {
            format!("{} alerts", p.count)
        };
        // `detail` says what held them: "night SMS was quiet", "silence "deploy" was on".
        let held_by = ev
            .detail
            .clone()
            .unwrap_or_else(|| format!("{} was quiet", ev.monitor.name));
        return format!(
            "{what} opened and resolved while {held_by}: {}{tail}",
            keys.join(", ")
        );
    }
    let what = match (ev.event, p.count) {
        (EventKind::ProblemOpened, 1) => "new problem".to_string(),
        (EventKind::ProblemOpened, n) => format!("{n} new problems"),
        (EventKind::ProblemEscalated, 1) => "problem escalated".to_string(),
        (EventKind::ProblemEscalated, n) => format!("{n} problems escalated"),
        (EventKind::ProblemResolved, 1) => "problem resolved".to_string(),
        (EventKind::ProblemResolved, n) => format!("{n} problems resolved"),
        (EventKind::ProblemDigest, 1) => "daily digest: 1 open problem".to_string(),
        (EventKind::ProblemDigest, n) => format!("daily digest: {n} open problems"),
        (_, n) => format!("{n} problems"),
    };
    let mut keys: Vec<String> = p
        .items
        .iter()
        .take(10)
        .map(|i| match ev.event {
            EventKind::ProblemResolved => i.key.clone(),
            _ if i.message.is_empty() => format!("{} ({})", i.key, i.severity),
            _ => format!("{} ({}: {})", i.key, i.severity, clip(&i.message, 80)),
        })
        .collect();
    let named = keys.len() as u64;
    if p.count > named {
        keys.push(format!("… {} more", p.count - named));
    }
    format!("{what} in {}: {}", ev.monitor.name, keys.join(", "))
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n).collect();
    out.push('…');
    out
}

/// The alert a message announces, and what about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertNote {
    /// The alert's id (the first of a grouped message).
    pub id: i64,
    /// Its dedup key.
    pub dedup_key: String,
    /// What the message announces.
    pub transition: crate::Transition,
    /// Its severity (`critical`, `error`, `warning`, `info`).
    pub severity: String,
    /// How many alerts the message announces (a report that opens 14 problems: 14).
    pub count: u64,
    /// The incidents a paging channel keeps for them: the dedup keys of the alerts whose
    /// first message opened one (a resolution names those wholly resolved).
    pub incidents: Vec<String>,
    /// The alert whose first message this one answers (e-mail threading).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<i64>,
    /// Why it resolved (`up`, `paused`, `deleted`, `run`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The acknowledgement token of this message's channel, kept until delivered (only
    /// its hash is a credential in the database's token table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_token: Option<String>,
    /// `<site URL>/ack/<token>`, filled in at delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_url: Option<String>,
    /// When the alert opened (RFC 3339, UTC): a recovery says how long it was down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<String>,
    /// The alerts a storm's gathered message names (docs/behaviour.md, "Storms"): its
    /// acknowledgement link acknowledges exactly these, not whatever joins later.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<i64>,
}

/// The problems of one `problem.*` notification: many at once make one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemsNote {
    /// How many problems the event concerns.
    pub count: u64,
    /// The first of them (at most [`ProblemsNote::MAX_ITEMS`]).
    pub items: Vec<ProblemItem>,
}

impl ProblemsNote {
    /// Problems named in one notification; the rest are counted.
    pub const MAX_ITEMS: usize = 20;
}

/// One problem inside a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemItem {
    /// The unit's key.
    pub key: String,
    /// Its severity.
    pub severity: String,
    /// Its latest message.
    pub message: String,
    /// How many times it was reported.
    pub count: i64,
    /// Its latest details (the job's JSON: an invoice number, a customer), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl ProblemItem {
    /// An alert's line in a message that lists several (a route's group, a storm):
    /// its headline ("DOWN: db1 — failed") and severity.
    pub fn headline_of(record: &EventRecord) -> ProblemItem {
        ProblemItem {
            key: record.headline(),
            severity: record
                .alert
                .as_ref()
                .map(|a| a.severity.clone())
                .unwrap_or_else(|| "error".into()),
            message: String::new(),
            count: 1,
            details: None,
        }
    }
}

/// The identity of a monitor inside an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorRef {
    /// Its UUID.
    pub uuid: String,
    /// Its name.
    pub name: String,
    /// Its slug, if it has one.
    pub slug: Option<String>,
    /// Its tags.
    pub tags: Vec<String>,
    /// Its project's id.
    pub project: String,
    /// Its project's name, for people (filled in when the message is written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_name: Option<String>,
}
