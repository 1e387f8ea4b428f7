//! Turns API input into validated monitor settings; every refusal names the field and
//! what to send instead.

use overdue_core::run::check_step_name;
use overdue_core::{parse_duration, Dur, Schedule};
use overdue_storage::base::models::{Rules, StoredStep};
use overdue_storage::monitoring::monitors::MonitorSettings;
use overdue_types::{DurationInput, MonitorInput, TagsInput};

use crate::http::error::ApiError;

/// Parses a duration field (seconds or text) and checks 1 s ..= 1 year.
pub fn duration(field: &str, d: &DurationInput) -> Result<Dur, ApiError> {
    let dur = match d {
        DurationInput::Seconds(s) => s
            .checked_mul(1_000)
            .map(Dur)
            .ok_or_else(|| ApiError::BadRequest(format!("{field} is too large")))?,
        DurationInput::Text(t) => {
            parse_duration(t).map_err(|e| ApiError::BadRequest(format!("{field}: {e}")))?
        }
    };
    dur.check_range(field)
        .map_err(|e| ApiError::BadRequest(e.to_string()))
}

pub use crate::http::parse::slug;

fn tags(t: &TagsInput) -> Result<Vec<String>, ApiError> {
    let list: Vec<String> = match t {
        TagsInput::Text(s) => s.split_whitespace().map(str::to_string).collect(),
        TagsInput::List(l) => l
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    for tag in &list {
        overdue_core::text::label("tags", tag, 100).map_err(ApiError::BadRequest)?;
        if tag.chars().any(char::is_whitespace) || tag.chars().count() > 100 {
            return Err(ApiError::BadRequest(format!(
                "tag {tag:?} is invalid: tags are single words up to 100 characters"
            )));
        }
    }
    Ok(list)
}

/// Applies `input` over `base` (the current settings, or defaults for a new monitor).
pub fn apply(input: &MonitorInput, mut s: MonitorSettings) -> Result<MonitorSettings, ApiError> {
    if let Some(name) = &input.name {
        s.name = overdue_core::text::name("name", name, 200).map_err(ApiError::BadRequest)?;
    }
    if let Some(sl) = &input.slug {
        s.slug = match sl.as_deref() {
            None | Some("") => None,
            Some(v) => Some(slug(v)?),
        };
    }
    if let Some(d) = &input.description {
        if d.len() > 10_000 {
            return Err(ApiError::BadRequest(
                "description is longer than 10000 bytes".into(),
            ));
        }
        s.description =
            overdue_core::text::prose("description", d, 10_000).map_err(ApiError::BadRequest)?;
    }
    if let Some(t) = &input.tags {
        s.tags = tags(t)?;
    }
    if input.period.is_some() && input.cron.is_some() {
        return Err(ApiError::BadRequest(
            "give either period (interval) or cron, not both".into(),
        ));
    }
    match input.schedule.as_deref() {
        None => {}
        Some("none") if input.period.is_none() && input.cron.is_none() => {
            s.schedule = Schedule::None;
        }
        Some("none") => {
            return Err(ApiError::BadRequest(
                "schedule \"none\" has no period or cron: give one or the other".into(),
            ))
        }
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
            "schedule {other:?}: the only value is \"none\" (give period or cron for the others)"
        )))
        }
    }
    if let Some(p) = &input.period {
        s.schedule = Schedule::Interval {
            period: duration("period", p)?,
        };
    }
    let tz = input.tz.clone();
    match (&input.cron, &s.schedule) {
        (Some(expr), _) => {
            let tz = tz.as_deref().unwrap_or("UTC");
            s.schedule =
                Schedule::cron(expr, tz).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        }
        (None, Schedule::Cron(c)) if tz.is_some() => {
            let tz = tz.as_deref().unwrap_or("UTC");
            let expr = c.expr().to_string();
            s.schedule =
                Schedule::cron(&expr, tz).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        }
        (None, Schedule::Interval { .. } | Schedule::None) if tz.is_some() => {
            // Healthchecks ignores tz on simple checks; so do we, but check it is a zone
            // (with or without a period in the same request).
            crate::http::parse::zone(tz.as_deref().unwrap_or("UTC"))?;
        }
        _ => {}
    }
    if let Some(g) = &input.grace {
        s.grace_ms = duration("grace", g)?.millis();
    }
    if let Some(m) = &input.max_runtime {
        s.max_runtime_ms = match m {
            None => None,
            Some(d) => Some(duration("max_runtime", d)?.millis()),
        };
    }
    if let Some(m) = &input.methods {
        let m = m.trim().to_uppercase();
        if !m.is_empty() && m != "POST" {
            return Err(ApiError::BadRequest(format!(
                "methods must be \"\" (any) or \"POST\", got {m:?}"
            )));
        }
        s.methods = m;
    }
    if let Some(b) = input.manual_resume {
        s.manual_resume = b;
    }
    if let Some(m) = &input.min_runtime {
        s.rules.min_runtime_ms = match m {
            None => None,
            Some(d) => Some(duration("min_runtime", d)?.millis()),
        };
    }
    if let Some(c) = input.concurrency {
        s.rules.concurrency = match c {
            None => None,
            Some(n @ 1..=1000) => Some(n),
            Some(n) => {
                return Err(ApiError::BadRequest(format!(
                    "concurrency must be 1 to 1000 runs at once, got {n}"
                )))
            }
        };
    }
    for (field, value, slot) in [
        ("down_after", input.down_after, &mut s.rules.down_after),
        ("up_after", input.up_after, &mut s.rules.up_after),
    ] {
        match value {
            None => {}
            Some(1) => *slot = None,
            Some(n @ 2..=100) => *slot = Some(n),
            Some(n) => {
                return Err(ApiError::BadRequest(format!(
                    "{field} must be 1 to 100 runs in a row, got {n}"
                )))
            }
        }
    }
    run_detail(input, &mut s.rules)?;
    let max = s.max_runtime_ms.unwrap_or(s.grace_ms);
    if let Some(min) = s.rules.min_runtime_ms {
        if min >= max {
            return Err(ApiError::BadRequest(format!(
                "min_runtime ({} s) must be shorter than max_runtime ({} s; without one, the grace)",
                min / 1_000,
                max / 1_000
            )));
        }
    }
    Ok(s)
}

/// Steps, stall timeout, warnings and report limits.
fn run_detail(input: &MonitorInput, rules: &mut Rules) -> Result<(), ApiError> {
    if let Some(steps) = &input.steps {
        if steps.len() > 50 {
            return Err(ApiError::BadRequest(format!(
                "steps: at most 50 steps, got {}",
                steps.len()
            )));
        }
        let mut out: Vec<StoredStep> = Vec::with_capacity(steps.len());
        for (i, st) in steps.iter().enumerate() {
            check_step_name(&st.name)
                .map_err(|e| ApiError::BadRequest(format!("steps[{i}]: {e}")))?;
            if out.iter().any(|o| o.name == st.name) {
                return Err(ApiError::BadRequest(format!(
                    "steps[{i}]: step {:?} is declared twice",
                    st.name
                )));
            }
            let max_ms = match &st.max {
                None => None,
                Some(d) => Some(duration(&format!("steps[{i}].max"), d)?.millis()),
            };
            out.push(StoredStep {
                name: st.name.clone(),
                max_ms,
            });
        }
        rules.steps = out;
    }
    if let Some(st) = &input.stall_timeout {
        rules.stall_timeout_ms = match st {
            None => None,
            Some(d) => Some(duration("stall_timeout", d)?.millis()),
        };
    }
    if let Some(b) = input.notify_warn {
        rules.notify_warn = b;
    }
    if let Some(sev) = &input.severity {
        if !overdue_core::route::SEVERITIES.contains(&sev.as_str()) {
            return Err(ApiError::BadRequest(format!(
                "severity must be one of {}, got {sev:?}",
                overdue_core::route::SEVERITIES.join(", ")
            )));
        }
        rules.severity = (sev != "error").then(|| sev.clone());
    }
    if let Some(n) = input.max_failed_children {
        if n > 100_000 {
            return Err(ApiError::BadRequest(format!(
                "max_failed_children must be 0 to 100000, got {n}"
            )));
        }
        rules.max_failed_children = (n > 0).then_some(n);
    }
    if let Some(r) = &input.resolve_problems {
        let policy = overdue_core::AutoResolve::parse(r).map_err(ApiError::BadRequest)?;
        rules.problems_resolve =
            (policy != overdue_core::AutoResolve::OnNextRun).then(|| policy.to_text());
    }
    if let Some(m) = input.max_failed {
        rules.max_failed = m;
    }
    if let Some(r) = input.max_failed_ratio {
        rules.max_failed_ratio = match r {
            Some(v) if !(0.0..=1.0).contains(&v) => {
                return Err(ApiError::BadRequest(format!(
                    "max_failed_ratio must be between 0 and 1 (0.05 = 5 %), got {v}"
                )))
            }
            other => other,
        };
    }
    Ok(())
}

/// Settings of a new monitor before input is applied: 1 day period, 1 hour grace.
pub fn defaults() -> MonitorSettings {
    let mut s = MonitorSettings::from_slug("");
    s.slug = None;
    s.name = String::new();
    s
}
