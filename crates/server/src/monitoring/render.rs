//! Stored rows to API responses (both `/api/v1` and the v3 mirror).

use overdue_core::PublicRef;
use overdue_core::{LinkKind, Progress, Timestamp};
use overdue_storage::base::models::{ChannelRow, FlipRow, MonitorRow, PingRow, RunRow, StoredStep};
use overdue_storage::monitoring::deps::{Edge, MonitorLinks};
use overdue_types as t;

/// Until when a silence holds the down alerts of monitor `row` at `now` (a silence
/// that names reasons or other kinds does not count: it holds only some of them).
pub fn silenced_until(
    silences: &[overdue_core::route::Silence],
    row: &MonitorRow,
    now: Timestamp,
) -> Option<String> {
    if silences.is_empty() {
        return None;
    }
    let severity = row
        .rules()
        .ok()
        .and_then(|r| r.severity)
        .unwrap_or_else(|| "error".into());
    let tags = row.tag_list();
    let subject = overdue_core::route::Subject {
        kind: "down",
        reason: None,
        severity: &severity,
        tags: &tags,
        slug: row.slug.as_deref(),
        name: &row.name,
    };
    overdue_core::route::silenced_until(silences, &subject, now).map(|(_, until)| ts(until.0))
}

/// A stored time (ms) as RFC 3339.
pub fn ts(ms: i64) -> String {
    Timestamp(ms).to_rfc3339()
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1_000.0
}

/// The next run people should expect (the schedule is read only when the stored due
/// time has passed: a list of thousands of monitors parses few).
fn next_expected(row: &MonitorRow, now: Timestamp) -> Option<String> {
    let paused = row.status == "paused";
    if let Some(due) = row.next_due_at.filter(|d| *d > now.0 && !paused) {
        return Some(ts(due));
    }
    let schedule = row.schedule().ok()?;
    schedule
        .next_expected(
            paused,
            row.next_due_at.map(Timestamp),
            row.last_ping_at.map(Timestamp),
            now,
        )
        .map(|t| ts(t.0))
}

/// A monitor for `/api/v1`.
pub fn monitor(
    row: &MonitorRow,
    channels: Vec<String>,
    site: &str,
    now: Timestamp,
    can_write: bool,
) -> t::Monitor {
    let schedule = match row.schedule_kind.as_str() {
        "cron" => t::ScheduleOut::Cron {
            cron: row.cron_expr.clone().unwrap_or_default(),
            tz: row.tz.clone(),
        },
        "none" => t::ScheduleOut::None,
        _ => t::ScheduleOut::Interval {
            period: row.period_ms.unwrap_or(0) / 1_000,
        },
    };
    let schedule_text = match &schedule {
        t::ScheduleOut::Cron { cron, tz } => {
            overdue_core::schedule::words::cron_words(cron).map(|w| format!("{w} ({tz})"))
        }
        t::ScheduleOut::Interval { period } => Some(overdue_core::schedule::words::every(*period)),
        t::ScheduleOut::None => Some("when its members run".into()),
    };
    // Unreadable rules show as the defaults (the row is still listed).
    let rules = row.rules().unwrap_or_default();
    t::Monitor {
        id: PublicRef::of(&row.id).into(),
        uuid: can_write.then(|| row.id.clone()),
        name: row.name.clone(),
        slug: row.slug.clone(),
        description: row.description.clone(),
        tags: row.tag_list(),
        schedule,
        schedule_text,
        grace: row.grace_ms / 1_000,
        max_runtime: row.max_runtime_ms.map(|m| m / 1_000),
        methods: row.methods.clone(),
        manual_resume: row.manual_resume,
        min_runtime: rules.min_runtime_ms.map(|m| m / 1_000),
        concurrency: rules.concurrency,
        down_after: rules.down_after.unwrap_or(1),
        up_after: rules.up_after.unwrap_or(1),
        steps: rules
            .steps
            .iter()
            .map(|s| t::StepInput {
                name: s.name.clone(),
                max: s.max_ms.map(|m| t::DurationInput::Seconds(m / 1_000)),
            })
            .collect(),
        stall_timeout: rules.stall_timeout_ms.map(|m| m / 1_000),
        notify_warn: rules.notify_warn,
        severity: rules.severity.clone().unwrap_or_else(|| "error".into()),
        max_failed: rules.max_failed,
        max_failed_ratio: rules.max_failed_ratio,
        max_failed_children: rules.max_failed_children.unwrap_or(0),
        resolve_problems: rules
            .problems_resolve
            .clone()
            .unwrap_or_else(|| "on_next_run".into()),
        open_problems: 0,
        status: row.status.clone(),
        state: row.state().display_status(now).to_string(),
        down_reason: row.down_reason.clone(),
        down_detail: row.down_detail.clone(),
        down_text: row
            .down_reason
            .as_deref()
            .map(|r| overdue_core::message::reason_words(r, row.down_detail.as_deref())),
        warnings: row.warned && row.status == "up",
        last_ping: row.last_ping_at.map(ts),
        next_due: row.next_due_at.map(ts),
        next_expected: next_expected(row, now),
        running_since: row.run_started_at.map(ts),
        deadline: row.deadline_at.map(ts),
        last_duration: row.last_duration_ms.map(secs),
        n_pings: row.n_pings,
        channels,
        after: Vec::new(),
        on_failure_of: Vec::new(),
        dependents: Vec::new(),
        suppressed_by: None,
        silenced_until: None,
        expected: row.link_state().expect.map(|e| t::Expected {
            at: ts(e.at.0),
            monitor: PublicRef::of(&e.upstream).into(),
            name: e.name,
            kind: e.kind.as_str().into(),
        }),
        chain: rules.chain.is_some(),
        ping_url: can_write.then(|| format!("{site}/ping/{}", row.id)),
        slug_url: None,
        badge_url: None,
        created_at: ts(row.created_at),
    }
}

/// Adds the list of a fan-out run's children.
pub fn with_children(run: &mut t::Run, list: &[overdue_storage::monitoring::runs::ChildRow]) {
    if let Some(ch) = run.children.as_mut() {
        ch.list = list
            .iter()
            .map(|c| t::RunChild {
                monitor: PublicRef::of(&c.monitor_id).into(),
                name: c.name.clone(),
                rid: c.rid.clone(),
                outcome: c.outcome.clone(),
                at: ts(c.at),
            })
            .collect();
    }
}

/// Adds a monitor's dependencies (and whether an upstream suppresses it) to `m`.
pub fn with_links(m: &mut t::Monitor, links: &MonitorLinks) {
    let out = |e: &Edge| t::LinkOut {
        monitor: PublicRef::of(&e.other).into(),
        name: e.name.clone(),
        kind: e.kind.as_str().into(),
        within: e.within_ms / 1_000,
    };
    let (after, on_failure): (Vec<&Edge>, Vec<&Edge>) = links
        .upstreams
        .iter()
        .partition(|e| e.kind == LinkKind::After);
    m.after = after.into_iter().map(out).collect();
    m.on_failure_of = on_failure.into_iter().map(out).collect();
    m.dependents = links.dependents.iter().map(out).collect();
    m.suppressed_by = links
        .suppressed_by
        .clone()
        .map(|(monitor, name)| t::MonitorName {
            monitor: PublicRef::of(&monitor).into(),
            name,
        });
}

/// A ping for `/api/v1`.
pub fn ping(p: &PingRow) -> t::Ping {
    t::Ping {
        n: p.n,
        kind: p.kind.clone(),
        date: ts(p.created_at),
        exit_status: p.exit_status,
        rid: p.rid.clone(),
        method: p.method.clone(),
        scheme: p.scheme.clone(),
        remote_addr: p.remote_addr.clone(),
        user_agent: p.user_agent.clone(),
        body: String::from_utf8_lossy(&p.body).into_owned(),
        body_size: p.body_size,
        duration: p.duration_ms.map(secs),
    }
}

/// A run for `/api/v1`.
/// `steps`: the monitor's declared steps (for their max durations); `now` measures the
/// current step and the ETA of an open run.
pub fn run(r: &RunRow, steps: &[StoredStep], now: Timestamp) -> t::Run {
    let marks = r.step_marks();
    let end = r.ended_at.unwrap_or(now.0);
    let progress = r.progress_done.map(|done| {
        let p = Progress {
            done: done.max(0) as u64,
            total: r.progress_total.map(|t| t.max(0) as u64),
            msg: r.progress_msg.clone(),
        };
        t::RunProgress {
            done,
            total: r.progress_total,
            percent: p.percent(),
            eta: r
                .ended_at
                .is_none()
                .then(|| p.eta(Timestamp(r.started_at), now))
                .flatten()
                .map(|e| e.to_rfc3339()),
            msg: p.msg,
        }
    });
    t::Run {
        end_body: None,
        problems: Vec::new(),
        id: r.id,
        rid: r.rid.clone(),
        started_at: ts(r.started_at),
        ended_at: r.ended_at.map(ts),
        outcome: r.outcome.clone(),
        duration: r.duration_ms.map(secs),
        exit_status: r.exit_status,
        monitor_id: PublicRef::of(&r.monitor_id).into(),
        steps: marks
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let until = marks.get(i + 1).map_or(end, |n| n.at);
                t::RunStep {
                    name: m.name.clone(),
                    started_at: ts(m.at),
                    duration: secs((until - m.at).max(0)),
                    max: steps
                        .iter()
                        .find(|s| s.name == m.name)
                        .and_then(|s| s.max_ms)
                        .map(|m| m / 1_000),
                    current: r.ended_at.is_none() && i + 1 == marks.len(),
                }
            })
            .collect(),
        progress,
        report: r
            .report
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok()),
        report_error: r.report_error.clone(),
        log_bytes: r.log_head_bytes + r.log_tail_bytes,
        log_dropped: r.log_dropped,
        children: r.children_expected.map(|e| t::RunChildren {
            expected: e.into(),
            ok: r.children_ok.into(),
            failed: r.children_failed.into(),
            missing: (i64::from(e) - i64::from(r.children_ok) - i64::from(r.children_failed))
                .max(0),
            list: Vec::new(),
        }),
    }
}

/// A flip for `/api/v1`.
pub fn flip(f: &FlipRow) -> t::Flip {
    t::Flip {
        timestamp: ts(f.created_at),
        from: f.from_status.clone(),
        to: f.to_status.clone(),
        reason: f.reason.clone(),
        detail: f.detail.clone(),
    }
}

/// A channel for `/api/v1`: its settings (secrets masked) only for `manage` roles.
pub fn channel(c: &ChannelRow, manage: bool, health: Option<bool>) -> t::Channel {
    let stored = overdue_notify::ChannelConfig::from_stored(&c.kind, &c.config).ok();
    let (config, secret_digests) = match (&stored, manage) {
        (Some(cfg), true) => (
            cfg.masked(),
            cfg.secrets()
                .into_iter()
                .map(|(f, v)| {
                    let d = overdue_core::secret_digest(&c.id, &f, &v);
                    (f, d)
                })
                .collect(),
        ),
        _ => (serde_json::Value::Null, Default::default()),
    };
    t::Channel {
        id: c.id.clone(),
        name: c.name.clone(),
        kind: c.kind.clone(),
        config,
        created_at: ts(c.created_at),
        health: health.map(|ok| if ok { "ok" } else { "failing" }.to_string()),
        is_default: c.is_default,
        is_fallback: c.is_fallback,
        secret_digests,
    }
}

/// A delivery attempt for `/api/v1`, with what it delivered.
pub fn delivery(d: &overdue_storage::alerting::channels::LoggedDelivery) -> t::Delivery {
    t::Delivery {
        notification: d.row.outbox_id,
        attempt: d.row.attempt,
        at: ts(d.row.attempted_at),
        status_code: d.row.status_code,
        error: d.row.error.clone(),
        duration_ms: d.row.duration_ms,
        event: d.event.clone(),
        monitor: d.monitor.clone(),
        channel: Some(d.channel.clone()),
        recipient: d.recipient.clone(),
    }
}

/// Fills in the slug ping URL for readers that may write (`ping_key`: the project's).
pub fn with_slug_url(m: &mut t::Monitor, site: &str, ping_key: &str) {
    if m.ping_url.is_some() {
        m.slug_url = m
            .slug
            .as_ref()
            .map(|s| format!("{site}/ping/{ping_key}/{s}"));
    }
}

/// The v3 status word: `grace` while late, `started` while running.
pub fn v3_status(row: &MonitorRow, now: Timestamp) -> &'static str {
    match row.state().display_status(now) {
        "late" => "grace",
        "running" => "started",
        "new" => "new",
        "up" => "up",
        "down" => "down",
        _ => "paused",
    }
}
