//! Creating and editing a monitor: interval or cron (with the next five run times in
//! the chosen timezone, from the server), grace, max runtime, tags and channels. The
//! server validates; its message is shown next to the form.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use overdue_types::{Channel, DurationInput, Monitor, ScheduleOut};
use serde::Deserialize;

use crate::api::Session;

/// Seconds as the shortest readable text: `90s`, `15m`, `2h`, `1d`.
pub fn human(secs: i64) -> String {
    match secs {
        s if s > 0 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s > 0 && s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[derive(Deserialize)]
struct ChannelList {
    channels: Vec<Channel>,
}

/// The form's fields, as text.
#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    slug: RwSignal<String>,
    tags: RwSignal<String>,
    kind: RwSignal<String>,
    period: RwSignal<String>,
    cron: RwSignal<String>,
    tz: RwSignal<String>,
    grace: RwSignal<String>,
    max_runtime: RwSignal<String>,
    min_runtime: RwSignal<String>,
    concurrency: RwSignal<String>,
    down_after: RwSignal<String>,
    up_after: RwSignal<String>,
    steps: RwSignal<String>,
    stall_timeout: RwSignal<String>,
    notify_warn: RwSignal<bool>,
    severity: RwSignal<String>,
    max_failed: RwSignal<String>,
    max_failed_ratio: RwSignal<String>,
    after: RwSignal<String>,
    on_failure_of: RwSignal<String>,
    max_failed_children: RwSignal<String>,
    resolve_problems: RwSignal<String>,
    channels: RwSignal<Vec<String>>,
}

/// Dependencies as typed: `customers 1h, orders 30m` (a monitor's slug or UUID and how
/// soon after its event this monitor must ping).
fn parse_links(text: &str) -> serde_json::Value {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut parts = s.split_whitespace();
            let monitor = parts.next().unwrap_or_default();
            let within: Vec<&str> = parts.collect();
            serde_json::json!({ "monitor": monitor, "within": within.join(" ") })
        })
        .collect()
}

/// Dependencies as the form shows them (by UUID: names may repeat, slugs may be absent).
fn show_links(links: &[overdue_types::LinkOut]) -> String {
    links
        .iter()
        .map(|l| format!("{} {}", l.monitor, human(l.within)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A text field's value for the API: the trimmed text, `null` when empty.
fn text_or_null(text: &str) -> serde_json::Value {
    match text.trim() {
        "" => serde_json::Value::Null,
        t => t.into(),
    }
}

/// Steps as typed: `extract 10m, transform, load 1h` (a name and an optional max).
fn parse_steps(text: &str) -> serde_json::Value {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut parts = s.split_whitespace();
            let name = parts.next().unwrap_or_default();
            let max: Vec<&str> = parts.collect();
            serde_json::json!({
                "name": name,
                "max": if max.is_empty() { serde_json::Value::Null } else { max.join(" ").into() },
            })
        })
        .collect()
}

/// The steps of a monitor as the form shows them.
fn show_steps(m: &Monitor) -> String {
    m.steps
        .iter()
        .map(|s| match &s.max {
            Some(DurationInput::Seconds(n)) => format!("{} {}", s.name, human(*n)),
            Some(DurationInput::Text(t)) => format!("{} {t}", s.name),
            None => s.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A number field's value for the API: a number when it is one, else the text (the
/// server answers with what is wrong), `null` when empty.
fn number_or_null(text: &str) -> serde_json::Value {
    let t = text.trim();
    if t.is_empty() {
        serde_json::Value::Null
    } else {
        t.parse::<u64>()
            .map(Into::into)
            .unwrap_or_else(|_| t.into())
    }
}

impl Fields {
    fn new() -> Fields {
        Fields {
            name: RwSignal::new(String::new()),
            slug: RwSignal::new(String::new()),
            tags: RwSignal::new(String::new()),
            kind: RwSignal::new("interval".into()),
            period: RwSignal::new("1d".into()),
            cron: RwSignal::new("0 3 * * *".into()),
            tz: RwSignal::new("UTC".into()),
            grace: RwSignal::new("1h".into()),
            max_runtime: RwSignal::new(String::new()),
            min_runtime: RwSignal::new(String::new()),
            concurrency: RwSignal::new(String::new()),
            down_after: RwSignal::new("1".into()),
            up_after: RwSignal::new("1".into()),
            steps: RwSignal::new(String::new()),
            stall_timeout: RwSignal::new(String::new()),
            notify_warn: RwSignal::new(false),
            severity: RwSignal::new("error".into()),
            max_failed: RwSignal::new(String::new()),
            max_failed_ratio: RwSignal::new(String::new()),
            after: RwSignal::new(String::new()),
            on_failure_of: RwSignal::new(String::new()),
            max_failed_children: RwSignal::new("0".into()),
            resolve_problems: RwSignal::new("on_next_run".into()),
            channels: RwSignal::new(Vec::new()),
        }
    }

    fn fill(&self, m: &Monitor) {
        self.name.set(m.name.clone());
        self.slug.set(m.slug.clone().unwrap_or_default());
        self.tags.set(m.tags.join(" "));
        match &m.schedule {
            ScheduleOut::Interval { period } => {
                self.kind.set("interval".into());
                self.period.set(human(*period));
            }
            ScheduleOut::Cron { cron, tz } => {
                self.kind.set("cron".into());
                self.cron.set(cron.clone());
                self.tz.set(tz.clone());
            }
            ScheduleOut::None => self.kind.set("none".into()),
        }
        self.grace.set(human(m.grace));
        self.max_runtime
            .set(m.max_runtime.map(human).unwrap_or_default());
        self.min_runtime
            .set(m.min_runtime.map(human).unwrap_or_default());
        self.concurrency
            .set(m.concurrency.map(|c| c.to_string()).unwrap_or_default());
        self.down_after.set(m.down_after.to_string());
        self.up_after.set(m.up_after.to_string());
        self.steps.set(show_steps(m));
        self.stall_timeout
            .set(m.stall_timeout.map(human).unwrap_or_default());
        self.notify_warn.set(m.notify_warn);
        self.severity.set(m.severity.clone());
        self.max_failed
            .set(m.max_failed.map(|n| n.to_string()).unwrap_or_default());
        self.max_failed_ratio.set(
            m.max_failed_ratio
                .map(|r| r.to_string())
                .unwrap_or_default(),
        );
        self.after.set(show_links(&m.after));
        self.on_failure_of.set(show_links(&m.on_failure_of));
        self.max_failed_children
            .set(m.max_failed_children.to_string());
        self.resolve_problems.set(m.resolve_problems.clone());
        self.channels.set(m.channels.clone());
    }

    /// What a form must have before it is sent, in words (`None`: complete).
    fn missing(&self) -> Option<String> {
        let mut lacks = Vec::new();
        if self.name.get_untracked().trim().is_empty() {
            lacks.push("a name (what the job is, e.g. \"DB backup\")");
        }
        match self.kind.get_untracked().as_str() {
            "cron" if self.cron.get_untracked().trim().is_empty() => {
                lacks.push("a cron expression (e.g. 30 2 * * *)")
            }
            "interval" if self.period.get_untracked().trim().is_empty() => {
                lacks.push("a period (how often it runs, e.g. 1h)")
            }
            _ => {}
        }
        (!lacks.is_empty()).then(|| format!("Give the monitor {}.", lacks.join(" and ")))
    }

    fn body(&self) -> serde_json::Value {
        let mut b = serde_json::json!({
            "name": self.name.get_untracked(),
            "tags": self.tags.get_untracked(),
            "grace": self.grace.get_untracked().trim(),
            "channels": self.channels.get_untracked(),
        });
        let slug = self.slug.get_untracked();
        b["slug"] = if slug.trim().is_empty() {
            serde_json::Value::Null
        } else {
            slug.trim().into()
        };
        match self.kind.get_untracked().as_str() {
            "cron" => {
                b["cron"] = self.cron.get_untracked().into();
                b["tz"] = self.tz.get_untracked().trim().into();
            }
            "none" => b["schedule"] = "none".into(),
            _ => b["period"] = self.period.get_untracked().trim().into(),
        }
        b["min_runtime"] = text_or_null(&self.min_runtime.get_untracked());
        b["stall_timeout"] = text_or_null(&self.stall_timeout.get_untracked());
        b["steps"] = parse_steps(&self.steps.get_untracked());
        b["notify_warn"] = self.notify_warn.get_untracked().into();
        b["severity"] = self.severity.get_untracked().into();
        b["max_failed"] = number_or_null(&self.max_failed.get_untracked());
        let ratio = self.max_failed_ratio.get_untracked();
        b["max_failed_ratio"] = match ratio.trim() {
            "" => serde_json::Value::Null,
            t => t
                .parse::<f64>()
                .map(Into::into)
                .unwrap_or_else(|_| t.into()),
        };
        b["concurrency"] = number_or_null(&self.concurrency.get_untracked());
        for (key, field) in [("down_after", self.down_after), ("up_after", self.up_after)] {
            let v = number_or_null(&field.get_untracked());
            if !v.is_null() {
                b[key] = v;
            }
        }
        b["max_runtime"] = text_or_null(&self.max_runtime.get_untracked());
        b["after"] = parse_links(&self.after.get_untracked());
        b["on_failure_of"] = parse_links(&self.on_failure_of.get_untracked());
        let v = number_or_null(&self.max_failed_children.get_untracked());
        if !v.is_null() {
            b["max_failed_children"] = v;
        }
        let r = self.resolve_problems.get_untracked();
        if !r.trim().is_empty() {
            b["resolve_problems"] = r.trim().into();
        }
        b
    }
}

fn text_input(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    hint: &'static str,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input id=id type="text" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
    }
}

/// How open problems resolve by themselves: a choice, and for "after" its time (the
/// stored value stays `on_next_run`, `explicit` or `after 2h`).
fn resolve_choice(value: RwSignal<String>) -> impl IntoView {
    let kind = move || {
        let v = value.get();
        if v.starts_with("after") {
            "after"
        } else if v == "explicit" {
            "explicit"
        } else {
            "on_next_run"
        }
    };
    let wait = move || {
        value
            .get()
            .strip_prefix("after")
            .map(|w| w.trim().to_string())
            .unwrap_or_default()
    };
    view! {
        <label for="resolve_problems">"Problems resolve"</label>
        <select id="resolve_problems" on:change=move |ev| {
            let k = event_target_value(&ev);
            value.set(if k == "after" { "after 2h".to_string() } else { k });
        }>
            <option value="on_next_run" selected=move || kind() == "on_next_run">"When a run ends well without reporting the unit again"</option>
            <option value="explicit" selected=move || kind() == "explicit">"Only by hand or through /resolve"</option>
            <option value="after" selected=move || kind() == "after">"After a time without a new report"</option>
        </select>
        <Show when=move || kind() == "after">
            <label for="resolve_after">"Without a new report for"</label>
            <input id="resolve_after" type="text" prop:value=wait
                on:input=move |ev| value.set(format!("after {}", event_target_value(&ev).trim()))/>
            <p class="hint">"A duration: 30m, 2h, 1d."</p>
        </Show>
    }
}

/// The form, shared by create and edit. `id`: the monitor being edited.
#[component]
fn MonitorForm(fields: Fields, id: Option<String>) -> impl IntoView {
    let session = Session::get();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<String>);
    let all_channels = RwSignal::new(Vec::<Channel>::new());
    let creating = id.is_none();
    leptos::task::spawn_local(async move {
        if let Ok(l) = session.get_json::<ChannelList>("/api/v1/channels").await {
            // A new monitor starts with the project's default channels ticked.
            if creating {
                let defaults = l.channels.iter().filter(|c| c.is_default);
                fields
                    .channels
                    .set(defaults.map(|c| c.id.clone()).collect());
            }
            all_channels.set(l.channels);
        }
    });
    let editing = id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (navigate, editing) = (navigate.clone(), editing.clone());
        // What an empty form lacks is said here, before anything is saved.
        if let Some(missing) = fields.missing() {
            error.set(Some(missing));
            return;
        }
        leptos::task::spawn_local(async move {
            let body = fields.body();
            let r = match &editing {
                Some(id) => {
                    session
                        .send_json::<_, Monitor>("PATCH", &format!("/api/v1/monitors/{id}"), &body)
                        .await
                }
                None => {
                    session
                        .send_json::<_, Monitor>("POST", "/api/v1/monitors", &body)
                        .await
                }
            };
            match r {
                Ok(m) => navigate(&format!("/monitors/{}", m.id), Default::default()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="card" id="monitor-form" on:submit=submit>
            {text_input("name", "Name", fields.name, "")}
            {text_input("slug", "Slug (optional)", fields.slug, "For /ping/<ping key>/<slug> URLs: lowercase letters, digits, - and _.")}
            {text_input("tags", "Tags", fields.tags, "Separated by spaces.")}
            <label for="kind">"Schedule"</label>
            <select id="kind" on:change=move |ev| fields.kind.set(event_target_value(&ev))>
                <option value="interval" selected=move || fields.kind.get() == "interval">"Every … (interval)"</option>
                <option value="cron" selected=move || fields.kind.get() == "cron">"Cron or OnCalendar"</option>
                <option value="none" selected=move || fields.kind.get() == "none">"None: only after other monitors (see Dependencies)"</option>
            </select>
            <Show when=move || fields.kind.get() == "interval"
                fallback=move || view! { <Show when=move || fields.kind.get() == "cron">
                    <crate::schedule_preview::SchedulePreview cron=fields.cron tz=fields.tz />
                </Show> }>
                {text_input("period", "Period", fields.period, "E.g. 90s, 15m, 1h, 1d.")}
            </Show>
            {text_input("grace", "Grace", fields.grace, "How late a ping may be before the monitor goes down.")}
            {text_input("max_runtime", "Max runtime (optional)", fields.max_runtime, "A started run longer than this is hung. Empty: the grace.")}
            <details>
                <summary>"Run rules"</summary>
                {text_input("min_runtime", "Min runtime (optional)", fields.min_runtime, "A run that ends faster did nothing: it counts as a failure (too short).")}
                {text_input("concurrency", "Runs at once (optional)", fields.concurrency, "E.g. 1: a start while a run is open notifies as an overlap.")}
                {text_input("down_after", "Failures in a row before down", fields.down_after, "1 to 100. Missed and hung runs go down at once.")}
                {text_input("up_after", "Successes in a row before up", fields.up_after, "1 to 100.")}
                {text_input("steps", "Steps (optional)", fields.steps, "In order, each with an optional max: extract 10m, transform, load 1h. A run over a step's max is hung in that step.")}
                {text_input("stall_timeout", "Stall timeout (optional)", fields.stall_timeout, "A running job that sends no progress, log or step for this long is stalled.")}
                {text_input("max_failed", "Max failed units (optional)", fields.max_failed, "A report counting more failed units than this is a failure.")}
                {text_input("max_failed_ratio", "Max failed ratio (optional)", fields.max_failed_ratio, "E.g. 0.05: more than 5 % of processed units failed is a failure.")}
                {resolve_choice(fields.resolve_problems)}
                <label for="severity">"Severity of its down alerts"</label>
                <select id="severity" on:change=move |ev| fields.severity.set(event_target_value(&ev))>
                    {["critical", "error", "warning", "info"].into_iter().map(|v| view! {
                        <option value=v selected=move || fields.severity.get() == v>{v}</option>
                    }).collect_view()}
                </select>
                <p class="hint">"Routes match on it: critical pages at night, warnings wait for the morning."</p>
                <label class="plain">
                    <input id="notify_warn" type="checkbox" prop:checked=move || fields.notify_warn.get()
                        on:change=move |ev| fields.notify_warn.set(event_target_checked(&ev))/>
                    " Notify when a run ends with warnings"
                </label>
            </details>
            <details>
                <summary>"Dependencies"</summary>
                {text_input("after", "Runs after (optional)", fields.after, "Monitors (slug or UUID) whose success expects this one, each with a time: customers 1h, orders 30m. Missing it: down as missed after. While one of them is down, this monitor's alerts are suppressed.")}
                {text_input("max_failed_children", "Children that may fail", fields.max_failed_children, "For runs started with children=N: more failed children than this fail the run.")}
                {text_input("on_failure_of", "Recovers the failure of (optional)", fields.on_failure_of, "Monitors whose going down expects this one (a recovery job) within a time: extract 15m.")}
            </details>
            <fieldset>
                <legend>"Notify"</legend>
                <For each=move || all_channels.get() key=|c| c.id.clone()
                    children=move |c| {
                        let id = c.id.clone();
                        let id2 = c.id.clone();
                        let checked = move || fields.channels.with(|v| v.contains(&id));
                        view! {
                            <label class="plain">
                                <input type="checkbox" prop:checked=checked on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    fields.channels.update(|v| {
                                        v.retain(|x| x != &id2);
                                        if on { v.push(id2.clone()); }
                                    });
                                }/>
                                " " {c.name.clone()}
                            </label>
                        }
                    }/>
                <Show when=move || fields.channels.with(Vec::is_empty)>
                    <p class="warn" id="nobody-notified">"Nobody is notified: tick a channel, or add one on the "
                        <a href="/channels">"Channels"</a> " page."</p>
                </Show>
            </fieldset>
            <p class="error" role="alert" id="form-error">{move || error.get()}</p>
            <button type="submit" id="save">{if id.is_some() { "Save" } else { "Create monitor" }}</button>
        </form>
    }
}

/// `/monitors/new`.
#[component]
pub fn NewMonitor() -> impl IntoView {
    view! {
        <h1>"New monitor"</h1>
        <MonitorForm fields=Fields::new() id=None/>
    }
}

/// `/monitors/:id/edit`.
#[component]
pub fn EditMonitor() -> impl IntoView {
    let session = Session::get();
    let params = use_params_map();
    let id = params.with_untracked(|p| p.get("id")).unwrap_or_default();
    let fields = Fields::new();
    let ready = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let load = id.clone();
    leptos::task::spawn_local(async move {
        match session
            .get_json::<Monitor>(&format!("/api/v1/monitors/{load}"))
            .await
        {
            Ok(m) => {
                fields.fill(&m);
                ready.set(true);
            }
            Err(e) => error.set(Some(e)),
        }
    });
    view! {
        <h1>"Edit monitor"</h1>
        <p class="error">{move || error.get()}</p>
        <Show when=move || ready.get()>
            <MonitorForm fields=fields id=Some(id.clone())/>
        </Show>
    }
}
