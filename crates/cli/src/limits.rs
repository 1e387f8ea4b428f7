//! The operator's limits (docs/security.md, "Limits"): flags and environment of
//! `overdue serve`, checked at start like every other setting.

use anyhow::{anyhow, Result};
use clap::Args;
use overdue_core::signup::Signup;
use overdue_server::http::quota::ProjectCreation;
use overdue_storage::base::caps::Caps;

/// Flags of `overdue serve` for its limits (each also read from the environment).
#[derive(Debug, Clone, Default, Args)]
pub struct LimitArgs {
    /// Monitors (chains included) per project [default: 5000].
    #[arg(long, env = "OVERDUE_MAX_MONITORS")]
    pub max_monitors: Option<String>,
    /// Projects one user may own [default: 12].
    #[arg(long, env = "OVERDUE_MAX_PROJECTS")]
    pub max_projects: Option<String>,
    /// Live event streams (dashboards, followed run logs) open at once per project
    /// [default: 50].
    #[arg(long, env = "OVERDUE_MAX_STREAMS")]
    pub max_streams: Option<String>,
    /// Channels per project [default: 500].
    #[arg(long, env = "OVERDUE_MAX_CHANNELS")]
    pub max_channels: Option<String>,
    /// Flows per project [default: 500].
    #[arg(long, env = "OVERDUE_MAX_FLOWS")]
    pub max_flows: Option<String>,
    /// Signals (pings, heartbeats, reports, flow events over HTTP) per second per
    /// project, with ten seconds' worth at once [default: 2000].
    #[arg(long, env = "OVERDUE_MAX_EVENTS_PER_SECOND")]
    pub max_events_per_second: Option<String>,
    /// Who may create projects in the dashboard: owners (users who own one), everyone
    /// (any signed-in user) or nobody [default: owners].
    #[arg(long, env = "OVERDUE_PROJECT_CREATION")]
    pub project_creation: Option<String>,
    /// Who may make an account without an invitation: invitation (nobody), open
    /// (anyone who confirms an address by e-mail) or e-mail domains such as
    /// `example.com,example.org` (docs/security.md, "Sign-up") [default: invitation].
    #[arg(long, env = "OVERDUE_SIGNUP")]
    pub signup: Option<String>,
    /// The instance's operators, by e-mail (`ops@example.com,ann@example.com`): they
    /// see every project's usage and set a project's own limits (docs/security.md,
    /// "Limits") [default: none].
    #[arg(long, env = "OVERDUE_OPERATORS")]
    pub operators: Option<String>,
}

/// The same keys in the TOML file.
#[derive(Debug, Default)]
pub struct FileLimits {
    /// `max_monitors`.
    pub max_monitors: Option<String>,
    /// `max_projects`.
    pub max_projects: Option<String>,
    /// `max_streams`.
    pub max_streams: Option<String>,
    /// `max_channels`.
    pub max_channels: Option<String>,
    /// `max_flows`.
    pub max_flows: Option<String>,
    /// `max_events_per_second`.
    pub max_events_per_second: Option<String>,
    /// `project_creation`.
    pub project_creation: Option<String>,
    /// `signup`.
    pub signup: Option<String>,
    /// `operators`.
    pub operators: Option<String>,
}

/// Checked limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Caps held by storage.
    pub caps: Caps,
    /// Live event streams per project.
    pub max_streams: usize,
    /// Signals per second per project.
    pub max_events_per_second: u32,
    /// Who may create projects.
    pub project_creation: ProjectCreation,
    /// Who may sign up without an invitation.
    pub signup: Signup,
    /// The instance's operators' addresses (lower-cased).
    pub operators: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            caps: Caps::default(),
            max_streams: 50,
            max_events_per_second: 2_000,
            project_creation: ProjectCreation::default(),
            signup: Signup::default(),
            operators: Vec::new(),
        }
    }
}

fn number(name: &str, text: Option<String>, default: i64) -> Result<i64> {
    match text {
        None => Ok(default),
        Some(t) => t
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100_000_000).contains(n))
            .ok_or_else(|| anyhow!("{name}: {t:?} must be a number from 1 to 100000000")),
    }
}

impl LimitArgs {
    /// Merges flags and environment with the file's values, and checks them.
    pub fn resolve(&self, file: FileLimits) -> Result<Limits> {
        let d = Limits::default();
        let creation = match self.project_creation.clone().or(file.project_creation) {
            None => d.project_creation,
            Some(t) => {
                ProjectCreation::parse(&t).map_err(|e| anyhow!("OVERDUE_PROJECT_CREATION: {e}"))?
            }
        };
        let signup = match self.signup.clone().or(file.signup) {
            None => d.signup.clone(),
            Some(t) => Signup::parse(&t).map_err(|e| anyhow!("OVERDUE_SIGNUP: {t:?}: {e}"))?,
        };
        let streams = number(
            "OVERDUE_MAX_STREAMS",
            self.max_streams.clone().or(file.max_streams),
            d.max_streams as i64,
        )?;
        let rate = number(
            "OVERDUE_MAX_EVENTS_PER_SECOND",
            self.max_events_per_second
                .clone()
                .or(file.max_events_per_second),
            i64::from(d.max_events_per_second),
        )?;
        let mut operators = Vec::new();
        for o in self
            .operators
            .clone()
            .or(file.operators)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
        {
            operators.push(
                overdue_core::credentials::check_email(o)
                    .map_err(|e| anyhow!("OVERDUE_OPERATORS: {o:?}: {e}"))?,
            );
        }
        Ok(Limits {
            operators,
            caps: Caps {
                monitors_per_project: number(
                    "OVERDUE_MAX_MONITORS",
                    self.max_monitors.clone().or(file.max_monitors),
                    d.caps.monitors_per_project,
                )?,
                projects_per_user: number(
                    "OVERDUE_MAX_PROJECTS",
                    self.max_projects.clone().or(file.max_projects),
                    d.caps.projects_per_user,
                )?,
                channels_per_project: number(
                    "OVERDUE_MAX_CHANNELS",
                    self.max_channels.clone().or(file.max_channels),
                    d.caps.channels_per_project,
                )?,
                flows_per_project: number(
                    "OVERDUE_MAX_FLOWS",
                    self.max_flows.clone().or(file.max_flows),
                    d.caps.flows_per_project,
                )?,
            },
            max_streams: usize::try_from(streams).unwrap_or(d.max_streams),
            max_events_per_second: u32::try_from(rate).unwrap_or(d.max_events_per_second),
            project_creation: creation,
            signup,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_have_defaults_and_refuse_nonsense() {
        assert_eq!(
            LimitArgs::default().resolve(FileLimits::default()).unwrap(),
            Limits::default()
        );
        let bad = LimitArgs {
            max_monitors: Some("lots".into()),
            ..LimitArgs::default()
        };
        let e = bad.resolve(FileLimits::default()).unwrap_err().to_string();
        assert!(e.starts_with("OVERDUE_MAX_MONITORS"), "{e}");
        let ops = LimitArgs {
            operators: Some(" Ops@Example.com, ann@example.com ".into()),
            ..LimitArgs::default()
        };
        let l = ops.resolve(FileLimits::default()).unwrap();
        assert_eq!(l.operators, ["ops@example.com", "ann@example.com"]);
        let bad = LimitArgs {
            operators: Some("ops".into()),
            ..LimitArgs::default()
        };
        let e = bad.resolve(FileLimits::default()).unwrap_err().to_string();
        assert!(e.starts_with("OVERDUE_OPERATORS: \"ops\""), "{e}");
        let file = FileLimits {
            project_creation: Some("everyone".into()),
            max_streams: Some("3".into()),
            max_channels: Some("4".into()),
            max_flows: Some("5".into()),
            max_events_per_second: Some("6".into()),
            ..FileLimits::default()
        };
        let l = LimitArgs::default().resolve(file).unwrap();
        assert_eq!(
            (l.max_streams, l.project_creation),
            (3, ProjectCreation::Everyone)
        );
        assert_eq!(
            (
                l.caps.channels_per_project,
                l.caps.flows_per_project,
                l.max_events_per_second
            ),
            (4, 5, 6)
        );
        let bad = LimitArgs {
            max_events_per_second: Some("0".into()),
            ..LimitArgs::default()
        };
        let e = bad.resolve(FileLimits::default()).unwrap_err().to_string();
        assert!(e.starts_with("OVERDUE_MAX_EVENTS_PER_SECOND"), "{e}");
        let bad = LimitArgs {
            project_creation: Some("all".into()),
            ..LimitArgs::default()
        };
        assert!(bad.resolve(FileLimits::default()).is_err());
        let file = FileLimits {
            signup: Some("example.com".into()),
            ..FileLimits::default()
        };
        let l = LimitArgs::default().resolve(file).unwrap();
        assert_eq!(l.signup.domains(), ["example.com".to_string()]);
        let bad = LimitArgs {
            signup: Some("everyone".into()),
            ..LimitArgs::default()
        };
        let e = bad.resolve(FileLimits::default()).unwrap_err().to_string();
        assert!(
            e.starts_with("OVERDUE_SIGNUP") && e.contains("everyone"),
            "{e}"
        );
    }
}
