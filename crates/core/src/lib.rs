//! Overdue's domain: schedules, the monitor state machine and deadline rules.
//!
//! Pure and synchronous: no IO, no clock. Every function that depends on time takes
//! `now` as an argument, so tests drive time and storage/scheduler supply it.

pub mod access;
pub mod alert;
pub mod attempts;
pub mod chain;
pub mod credentials;
pub mod deps;
pub mod duration;
pub mod event;
pub mod flow;
pub mod ids;
pub mod junit;
pub mod message;
pub mod monitor;
pub mod page_cap;
pub mod problem;
pub mod rate;
pub mod report;
pub mod route;
pub mod run;
pub mod schedule;
pub mod second_factor;
pub mod signup;
pub mod sso;
pub mod text;
pub mod time;
pub mod uptime;

pub use access::Role;
pub use alert::{AlertKind, AlertStatus, Transition};
pub use deps::{Expectation, Graph, Link, LinkKind};
pub use duration::{parse_duration, Dur, DurationError};
pub use event::{AlertNote, EventKind, EventRecord, MonitorRef, ProblemItem, ProblemsNote};
pub use ids::{secret_digest, MonitorId, PingCode, PublicRef};
pub use monitor::{
    apply_ping, arm, on_child, on_deadline, on_ping, pause, reschedule, resume, Children, Deadline,
    DeadlineKind, DownReason, Flip, MonitorConfig, MonitorState, OpenRun, Ping, PingOutcome,
    RunAction, RunOutcome, Signal, Status,
};
pub use problem::{AutoResolve, Severity};
pub use run::{BodyReport, Progress, Report, ReportStatus, StepMark, StepRule};
pub use schedule::{Schedule, ScheduleError};
pub use time::Timestamp;
