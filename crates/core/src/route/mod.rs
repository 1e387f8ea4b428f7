//! Routes (docs/behaviour.md, "Routing"): per project an ordered list; a route matches an
//! alert by its kind,
//! reason, severity, the monitor's tags and slug or name, and the time (an `active`
//! window), and sends it to its channels. Matching stops at the first route that
//! matches unless it says `continue`. The monitor's own channels come first, as an
//! implicit route with `continue`; each channel is chosen once.

mod silence;
pub mod storm;
mod window;

use serde::{Deserialize, Serialize};

pub use silence::{silenced_until, Silence};
pub use window::{DailyAt, Window};

use crate::Timestamp;

/// What a route matches; an empty list matches anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    /// Alert kinds: `down`, `problem`, `event`, `channel`, `digest`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    /// Reasons: a down reason (`missed`, `failed`, `hung`, …) or an event's (`overlap`,
    /// `warn`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// Severities: `critical`, `error`, `warning`, `info`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severities: Vec<String>,
    /// Tags the monitor must all have (`team:db`, `prod`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Monitors by slug or name, `*` matching any run of characters (`db-*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub monitors: Vec<String>,
}

/// One escalation step: when the alert is still open and unacknowledged `after_ms`
/// after it opened, its message also goes to `channels`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Since the alert opened (ms).
    pub after_ms: i64,
    /// The backups.
    pub channels: Vec<String>,
}

/// A route as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Its id.
    pub id: String,
    /// What it matches.
    pub matcher: Matcher,
    /// When it applies (always, without one).
    pub active: Option<Window>,
    /// When it is quiet: its messages wait until the window ends (never dropped).
    pub quiet: Option<Window>,
    /// When it sends the daily digest (held until then; without one: at the server's
    /// digest hour).
    pub digest_at: Option<DailyAt>,
    /// Gathers alerts into one message per group: `monitor`, `all`, or `tag:<key>`.
    pub group_by: Option<String>,
    /// How long the first alert of a group waits for others (ms).
    pub group_wait_ms: Option<i64>,
    /// The least time between two messages of one group (ms).
    pub group_interval_ms: Option<i64>,
    /// Where it sends.
    pub channels: Vec<String>,
    /// Matching goes on after it.
    pub continue_matching: bool,
    /// While the alert is open and unacknowledged, remind its channels this often (ms).
    pub repeat_every_ms: Option<i64>,
    /// Escalation steps, by `after_ms`.
    pub escalate: Vec<Step>,
    /// After the last step the steps start over (timed from it) until the alert is
    /// acknowledged or resolved.
    pub escalate_loop: bool,
}

/// Checks escalation steps: each after a positive delay, later than the one before,
/// with at least one channel.
pub fn validate_steps(steps: &[Step]) -> Result<(), RouteError> {
    let mut last = 0;
    for (i, s) in steps.iter().enumerate() {
        if s.after_ms <= last {
            return Err(RouteError(format!(
                "escalate[{i}].after must be later than {}",
                if i == 0 { "0" } else { "the step before" }
            )));
        }
        if s.channels.is_empty() {
            return Err(RouteError(format!(
                "escalate[{i}].channels must name at least one channel"
            )));
        }
        last = s.after_ms;
    }
    Ok(())
}

/// The routes an alert matched and the channels it goes to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Each channel once, with the route that chose it (`None`: the monitor's own).
    pub channels: Vec<(String, Option<String>)>,
    /// The ids of the routes that matched, in order (their repeats and escalations
    /// apply even when their channels were already chosen).
    pub matched: Vec<String>,
    /// Routes that matched while quiet, with when they open: their messages wait.
    pub held: Vec<(String, Timestamp)>,
    /// Routes that matched and gather alerts into groups: their (non-paging) channels
    /// get the group's message.
    pub grouped: Vec<String>,
}

/// Checks a `group_by`: `monitor`, `all` or `tag:<key>`.
pub fn validate_group_by(g: &str) -> Result<(), RouteError> {
    match g {
        "monitor" | "all" => Ok(()),
        t if t.strip_prefix("tag:").is_some_and(|k| !k.is_empty() && k.len() <= 100) => Ok(()),
        other => Err(RouteError(format!(
            "group_by must be monitor, all or tag:<key> (tag:team groups team:db apart from team:web), got {other:?}"
        ))),
    }
}

/// The group an alert belongs to under `group_by`: the monitor, everything, or the
/// value of a tag key (`tag:team` and a monitor tagged `team:db prod`: `team:db`).
pub fn group_key(group_by: &str, ev: &crate::EventRecord) -> String {
    match group_by.strip_prefix("tag:") {
        Some(key) => {
            let prefix = format!("{key}:");
            ev.monitor
                .tags
                .iter()
                .find(|t| t.starts_with(&prefix))
                .cloned()
                .unwrap_or_else(|| format!("{key}: none"))
        }
        None if group_by == "monitor" => ev.monitor.name.clone(),
        None => "all".into(),
    }
}

/// The alert being routed.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// Alert kind.
    pub kind: &'a str,
    /// Its reason, if any.
    pub reason: Option<&'a str>,
    /// Its severity.
    pub severity: &'a str,
    /// The monitor's tags.
    pub tags: &'a [String],
    /// The monitor's slug.
    pub slug: Option<&'a str>,
    /// The monitor's name.
    pub name: &'a str,
}

/// What routes and silences match of an event: its alert kind, reason and severity
/// (the monitor's tags, slug and name come from the event's monitor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    /// `down`, `problem`, `event`, `digest`.
    pub kind: &'static str,
    /// The down reason, `overlap` or `warn`.
    pub reason: Option<String>,
    /// The alert's severity (a digest: its worst problem's).
    pub severity: String,
}

impl Parts {
    /// The parts of `ev`.
    pub fn of(ev: &crate::EventRecord) -> Parts {
        use crate::EventKind;
        let (kind, reason) = match ev.event {
            EventKind::RunOverlapped => ("event", Some("overlap".to_string())),
            EventKind::RunWarned => ("event", Some("warn".to_string())),
            EventKind::ProblemDigest => ("digest", None),
            EventKind::FlowBreached | EventKind::FlowRecovered => ("flow", Some("breach".into())),
            _ if ev.problems.is_some() => ("problem", None),
            _ => ("down", ev.reason.clone()),
        };
        let severity = match (&ev.alert, &ev.problems) {
            (Some(a), _) => a.severity.clone(),
            (None, Some(p)) => p
                .items
                .iter()
                .filter_map(|i| crate::Severity::parse(&i.severity))
                .max()
                .map_or("info", |s| s.as_str())
                .to_string(),
            (None, None) => "info".into(),
        };
        Parts {
            kind,
            reason,
            severity,
        }
    }

    /// The subject to match, with the event's monitor.
    pub fn subject<'a>(&'a self, ev: &'a crate::EventRecord) -> Subject<'a> {
        Subject {
            kind: self.kind,
            reason: self.reason.as_deref(),
            severity: &self.severity,
            tags: &ev.monitor.tags,
            slug: ev.monitor.slug.as_deref(),
            name: &ev.monitor.name,
        }
    }
}

/// Why a route or window was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RouteError(pub String);

/// The kinds, reasons and severities a route can match (shared with the dashboard's
/// route form).
pub use overdue_types::route_form::{KINDS, REASONS, SEVERITIES};

pub(crate) fn one_of(field: &str, values: &[String], allowed: &[&str]) -> Result<(), RouteError> {
    match values.iter().find(|v| !allowed.contains(&v.as_str())) {
        Some(v) => Err(RouteError(format!(
            "{field}: {v:?} is not one of {}",
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

impl Matcher {
    /// Checks every value against what exists.
    pub fn validate(&self) -> Result<(), RouteError> {
        one_of("match.kinds", &self.kinds, KINDS)?;
        one_of("match.reasons", &self.reasons, REASONS)?;
        one_of("match.severities", &self.severities, SEVERITIES)?;
        for (field, list) in [
            ("match.tags", &self.tags),
            ("match.monitors", &self.monitors),
        ] {
            if list.iter().any(|t| t.trim().is_empty() || t.len() > 200) {
                return Err(RouteError(format!(
                    "{field}: each entry must be 1-200 characters"
                )));
            }
            for t in list.iter() {
                crate::text::name(field, t, 200).map_err(RouteError)?;
            }
        }
        Ok(())
    }

    /// Whether it matches `s`.
    pub fn matches(&self, s: &Subject<'_>) -> bool {
        let any = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
        any(&self.kinds, s.kind)
            && (self.reasons.is_empty() || s.reason.is_some_and(|r| any(&self.reasons, r)))
            && any(&self.severities, s.severity)
            && self.tags.iter().all(|t| s.tags.contains(t))
            && (self.monitors.is_empty()
                || self
                    .monitors
                    .iter()
                    .any(|p| glob(p, s.name) || s.slug.is_some_and(|slug| glob(p, slug))))
    }
}

/// `*` matches any run of characters; case-insensitive.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.to_lowercase(), text.to_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let mut rest = t.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// The channels an alert goes to, each once, in order: the monitor's own (`assigned`,
/// an implicit first route with `continue`), then those of the routes that match at
/// `now`, in order, until one without `continue`.
pub fn select(routes: &[Route], assigned: &[String], s: &Subject<'_>, now: Timestamp) -> Selection {
    let mut out = Selection::default();
    let add = |out: &mut Selection, ch: &String, route: Option<&String>| {
        if !out.channels.iter().any(|(c, _)| c == ch) {
            out.channels.push((ch.clone(), route.cloned()));
        }
    };
    for ch in assigned {
        add(&mut out, ch, None);
    }
    for r in routes {
        if !r.matcher.matches(s) || !r.active.as_ref().is_none_or(|w| w.contains(now)) {
            continue;
        }
        // The digest waits for the route's own time of day.
        if let (Some(d), "digest") = (&r.digest_at, s.kind) {
            if let Some(at) = d.next_after(now) {
                out.held.push((r.id.clone(), at));
                if !r.continue_matching {
                    break;
                }
                continue;
            }
        }
        match r.quiet.as_ref().filter(|q| q.contains(now)) {
            // Held until the window ends (a window that never ends holds nothing:
            // quiet hours defer, they do not drop).
            Some(q) if q.ends_after(now).is_some() => {
                if let Some(open) = q.ends_after(now) {
                    out.held.push((r.id.clone(), open));
                }
            }
            _ if r.group_wait_ms.is_some() && s.kind != "digest" => {
                out.matched.push(r.id.clone());
                out.grouped.push(r.id.clone());
            }
            _ => {
                out.matched.push(r.id.clone());
                for ch in &r.channels {
                    add(&mut out, ch, Some(&r.id));
                }
            }
        }
        if !r.continue_matching {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject<'a>(
        kind: &'a str,
        reason: Option<&'a str>,
        severity: &'a str,
        tags: &'a [String],
    ) -> Subject<'a> {
        Subject {
            kind,
            reason,
            severity,
            tags,
            slug: Some("db-backup"),
            name: "DB backup",
        }
    }

    fn route(id: &str, m: Matcher, channels: &[&str], cont: bool) -> Route {
        Route {
            id: id.into(),
            matcher: m,
            active: None,
            channels: channels.iter().map(|c| c.to_string()).collect(),
            continue_matching: cont,
            escalate_loop: false,
            repeat_every_ms: None,
            escalate: vec![],
            quiet: None,
            digest_at: None,
            group_by: None,
            group_wait_ms: None,
            group_interval_ms: None,
        }
    }

    #[test]
    fn first_match_wins_unless_continue() {
        let tags = vec!["team:db".to_string(), "prod".to_string()];
        let routes = vec![
            route(
                "crit",
                Matcher {
                    severities: vec!["critical".into()],
                    ..Default::default()
                },
                &["sms"],
                true,
            ),
            route(
                "db",
                Matcher {
                    tags: vec!["team:db".into()],
                    ..Default::default()
                },
                &["db-chat", "sms"],
                false,
            ),
            route("all", Matcher::default(), &["ops-mail"], false),
        ];
        let now = Timestamp(0);
        let chans = |s: &Subject<'_>| -> Vec<String> {
            select(&routes, &["own".to_string()], s, now)
                .channels
                .into_iter()
                .map(|(c, _)| c)
                .collect()
        };
        // The monitor's own first; sms once although two routes name it.
        assert_eq!(
            chans(&subject("down", Some("missed"), "critical", &tags)),
            ["own", "sms", "db-chat"]
        );
        assert_eq!(
            chans(&subject("down", Some("missed"), "error", &tags)),
            ["own", "db-chat", "sms"]
        );
        assert_eq!(
            chans(&subject("down", Some("missed"), "error", &[])),
            ["own", "ops-mail"]
        );
        let by = select(&routes, &[], &subject("down", None, "critical", &tags), now);
        assert_eq!(
            by.channels[0],
            ("sms".to_string(), Some("crit".to_string()))
        );
        assert_eq!(by.matched, ["crit", "db"]);
        // A quiet route holds its channels until its window ends.
        let mut quiet = routes.clone();
        quiet[1].quiet = Some(Window {
            days: vec![],
            from: "00:00".into(),
            to: "06:00".into(),
            tz: "UTC".into(),
            except: vec![],
        });
        let held = select(
            &quiet,
            &[],
            &subject("down", None, "error", &tags),
            Timestamp(3_600_000),
        );
        assert!(held.channels.is_empty() && held.matched.is_empty());
        assert_eq!(held.held, [("db".to_string(), Timestamp(6 * 3_600_000))]);
        let steps = |a: i64, b: i64| {
            vec![
                Step {
                    after_ms: a,
                    channels: vec!["x".into()],
                },
                Step {
                    after_ms: b,
                    channels: vec!["y".into()],
                },
            ]
        };
        assert!(validate_steps(&steps(900_000, 1_800_000)).is_ok());
        assert_eq!(
            validate_steps(&steps(900_000, 600_000)).unwrap_err().0,
            "escalate[1].after must be later than the step before"
        );
    }

    #[test]
    fn matchers() {
        let m = Matcher {
            kinds: vec!["down".into()],
            reasons: vec!["missed".into(), "hung".into()],
            monitors: vec!["db-*".into()],
            ..Default::default()
        };
        assert!(m.matches(&subject("down", Some("hung"), "error", &[])));
        assert!(!m.matches(&subject("down", Some("failed"), "error", &[])));
        assert!(!m.matches(&subject("problem", None, "error", &[])));
        assert!(
            glob("*backup", "DB backup") && glob("db*up", "db-backup") && !glob("db", "db-backup")
        );
        assert!(glob("a*b*c", "axxbyyc") && !glob("a*b*c", "axxbyy"));
        assert_eq!(
            Matcher {
                severities: vec!["urgent".into()],
                ..Default::default()
            }
            .validate()
            .unwrap_err()
            .0,
            "match.severities: \"urgent\" is not one of critical, error, warning, info"
        );
    }
}
