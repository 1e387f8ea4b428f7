//! `/problems`: failing units of the project's monitors (docs/behaviour.md, "Problems
//! (per-unit errors)"), filtered by monitor,
//! severity, status and age; each can be acknowledged, assigned, noted, linked to a
//! ticket, muted for a time or resolved. Below, per monitor: open problems and how fast
//! they are acknowledged and resolved. Entities of flows past their SLA are summed up
//! per flow and stage with a link to the Flows page (their breaches are alerts of kind
//! `flow`, handled there). The list refreshes itself every 10 s.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use overdue_types::{Flow, Monitor, Problem, ProblemList, ProblemStats};
use serde::Deserialize;

use crate::api::Session;
use crate::time::when;

#[derive(Deserialize)]
struct Monitors {
    monitors: Vec<Monitor>,
}

#[derive(Deserialize)]
struct Flows {
    flows: Vec<Flow>,
}

/// "orders: 3 in authorized, 1 in shipped" for each flow with breached entities.
fn stuck(flows: &[Flow]) -> Vec<(String, String)> {
    flows
        .iter()
        .filter_map(|f| {
            let parts: Vec<String> = f
                .stages
                .iter()
                .filter(|s| s.breached > 0)
                .map(|s| format!("{} in {}", s.breached, s.name))
                .collect();
            (!parts.is_empty()).then(|| (f.name.clone(), parts.join(", ")))
        })
        .collect()
}

#[derive(Deserialize)]
struct Stats {
    monitors: Vec<ProblemStats>,
}

fn query(monitor: &str, severity: &str, status: &str, age: &str) -> String {
    let mut q = vec![format!("status={status}")];
    for (k, v) in [
        ("monitor", monitor),
        ("severity", severity),
        ("older_than", age),
    ] {
        if !v.is_empty() {
            q.push(format!("{k}={v}"));
        }
    }
    format!("/api/v1/problems?{}&limit=500", q.join("&"))
}

/// Most severe first (critical, error, warning, info).
fn rank(severity: &str) -> u8 {
    match severity {
        "critical" => 0,
        "error" => 1,
        "warning" => 2,
        _ => 3,
    }
}

/// The order the page shows: by severity, then the oldest first (the longest waiting).
fn triage(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort_by(|a, b| {
        (rank(&a.severity), &a.first_seen_at, a.id).cmp(&(
            rank(&b.severity),
            &b.first_seen_at,
            b.id,
        ))
    });
    problems
}

/// A problem's details as lines `key: value` (nested values as compact JSON).
fn detail_lines(details: &Option<serde_json::Value>) -> Vec<String> {
    match details {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect(),
        Some(other) => vec![other.to_string()],
    }
}

/// A unit key with break opportunities only after its separators (`:` `/` `-` `_` `.`
/// `@`), so a long key wraps between its parts, never inside one.
fn key_view(key: &str) -> impl IntoView {
    let mut parts = Vec::new();
    let mut part = String::new();
    for ch in key.chars() {
        part.push(ch);
        if matches!(ch, ':' | '/' | '-' | '_' | '.' | '@') {
            parts.push(std::mem::take(&mut part));
        }
    }
    parts.push(part);
    parts
        .into_iter()
        .map(|p| view! { {p}<wbr/> })
        .collect_view()
}

fn mean(secs: Option<f64>) -> String {
    secs.map_or_else(|| "–".into(), |s| crate::form::human(s.round() as i64))
}

/// The page.
#[component]
pub fn ProblemsPage() -> impl IntoView {
    let session = Session::get();
    let q = use_query_map();
    let monitor = RwSignal::new(q.with_untracked(|q| q.get("monitor").unwrap_or_default()));
    let severity = RwSignal::new(String::new());
    let status = RwSignal::new("open".to_string());
    let age = RwSignal::new(String::new());
    let list = RwSignal::new(Vec::<Problem>::new());
    let monitors = RwSignal::new(Vec::<Monitor>::new());
    let stats = RwSignal::new(Vec::<ProblemStats>::new());
    let flows = RwSignal::new(Vec::<(String, String)>::new());
    let error = RwSignal::new(None::<String>);
    let reload = move || {
        let path = query(
            &monitor.get_untracked(),
            &severity.get_untracked(),
            &status.get_untracked(),
            &age.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            match session.get_json::<ProblemList>(&path).await {
                Ok(l) => {
                    list.set(triage(l.problems));
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            if let Ok(s) = session.get_json::<Stats>("/api/v1/problems/stats").await {
                stats.set(s.monitors);
            }
            if let Ok(f) = session.get_json::<Flows>("/api/v1/flows").await {
                flows.set(stuck(&f.flows));
            }
        });
    };
    Effect::new(move |_| {
        session.project.track();
        monitor.track();
        severity.track();
        status.track();
        age.track();
        reload();
    });
    // Reports do not travel on the monitors' event stream: a 10 s poll keeps the list
    // current without a reload (a busy monitor's stream would refetch it 4 times a second).
    let handle = set_interval_with_handle(reload, std::time::Duration::from_secs(10)).ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });
    Effect::new(move |_| {
        session.project.track();
        leptos::task::spawn_local(async move {
            if let Ok(m) = session.get_json::<Monitors>("/api/v1/monitors").await {
                monitors.set(m.monitors);
            }
        });
    });
    let act = move |path: String, body: Option<serde_json::Value>| {
        leptos::task::spawn_local(async move {
            let r = match body {
                Some(b) => session
                    .send_json::<_, serde_json::Value>("PATCH", &path, &b)
                    .await
                    .map(|_| ()),
                None => session.act("POST", &path).await,
            };
            match r {
                Ok(()) => reload(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let select = |id: &'static str,
                  label: &'static str,
                  value: RwSignal<String>,
                  options: Vec<(&'static str, &'static str)>| {
        view! {
            <label for=id>{label}
                <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                    {options.into_iter().map(|(v, text)| view! {
                        <option value=v selected=move || value.get() == v>{text}</option>
                    }).collect_view()}
                </select>
            </label>
        }
    };
    view! {
        <h1>"Problems"</h1>
        <p class="hint">"Single units a job could not process, the most severe first, then the longest waiting. Errors and critical problems notify once; repeats are counted, not re-sent."</p>
        <div class="row filters">
            // A search, not a list of every monitor: type part of a name and pick it
            // (the browser's suggestions), or its slug.
            <label for="f-monitor">"Monitor"
                <input id="f-monitor" type="search" list="problem-monitors" autocomplete="off" placeholder="Any monitor"
                    prop:value=move || { let id = monitor.get(); monitors.with(|l| l.iter().find(|m| m.id == id).map(|m| m.name.clone())).unwrap_or_default() }
                    on:change=move |ev| {
                        let typed = event_target_value(&ev).trim().to_string();
                        match crate::picker::find_one(&monitors.get_untracked(), &typed) {
                            _ if typed.is_empty() => monitor.set(String::new()),
                            Some(id) => monitor.set(id),
                            None => error.set(Some(format!("No monitor is called {typed:?}: pick one from the suggestions."))),
                        }
                    }/>
            </label>
            <datalist id="problem-monitors">
                {move || monitors.get().into_iter().map(|m| view! { <option value=m.name/> }).collect_view()}
            </datalist>
            {select("f-severity", "Severity", severity, vec![("", "All"), ("critical", "Critical"), ("error", "Error"), ("warning", "Warning"), ("info", "Info")])}
            {select("f-status", "Status", status, vec![("open", "Open"), ("resolved", "Resolved"), ("all", "All")])}
            {select("f-age", "Older than", age, vec![("", "Any age"), ("1h", "1 hour"), ("1d", "1 day"), ("7d", "7 days")])}
        </div>
        <p class="error" role="alert" id="problems-error">{move || error.get()}</p>
        <div class="table-wrap" tabindex="0">
        <table id="problems" class="cards">
            <thead><tr><th>"Severity"</th><th>"Unit"</th><th>"Monitor"</th><th>"Message"</th><th>"Count"</th><th>"First seen"</th><th>"Last seen"</th><th>"Status"</th><th><span class="visually-hidden">"Actions"</span></th></tr></thead>
            <tbody>
                <For each=move || list.get()
                    key=|p| (p.id, p.count, p.status.clone(), p.assignee.clone(), p.note.clone(), p.ticket.clone())
                    children=move |p| problem_row(p, act)/>
            </tbody>
        </table>
        </div>
        <Show when=move || list.with(Vec::is_empty)>
            <p class="hint" id="no-problems">"No problems match."</p>
        </Show>
        <Show when=move || !flows.with(Vec::is_empty)>
            <h2>"Entities past their SLA"</h2>
            <ul id="flow-breaches">
                {move || flows.get().into_iter().map(|(name, what)| view! {
                    <li><strong>{name}</strong>": "{what}" breached — "<A href="/flows">"see Flows"</A></li>
                }).collect_view()}
            </ul>
        </Show>
        <h2>"Per monitor (30 days)"</h2>
        <div class="table-wrap" tabindex="0"><table id="problem-stats">
            <thead><tr><th>"Monitor"</th><th>"Open (info / warning / error / critical)"</th><th>"Resolved"</th><th>"Mean time to acknowledge"</th><th>"Mean time to resolve"</th></tr></thead>
            <tbody>
                {move || stats.get().into_iter().map(|s| view! {
                    <tr data-monitor=s.monitor_id.clone()>
                        <td>{s.monitor_name.clone()}</td>
                        <td>{format!("{} / {} / {} / {}", s.open[0], s.open[1], s.open[2], s.open[3])}</td>
                        <td>{s.resolved}</td>
                        <td>{mean(s.mean_time_to_acknowledge)}</td>
                        <td>{mean(s.mean_time_to_resolve)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table></div>
    }
}

/// One problem's row: one primary action (acknowledge, else resolve), the rest in a
/// menu with the edit form for assignee, note and ticket.
fn problem_row(
    p: Problem,
    act: impl Fn(String, Option<serde_json::Value>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let base = format!("/api/v1/problems/{}", p.id);
    let open = p.status != "resolved";
    let unacknowledged = open && p.acknowledged_at.is_none();
    let assignee = RwSignal::new(p.assignee.clone().unwrap_or_default());
    let note = RwSignal::new(p.note.clone().unwrap_or_default());
    let ticket = RwSignal::new(p.ticket.clone().unwrap_or_default());
    let (b1, b2, b3, b4) = (base.clone(), base.clone(), base.clone(), base);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        act(
            b4.clone(),
            Some(serde_json::json!({
                "assignee": assignee.get_untracked(),
                "note": note.get_untracked(),
                "ticket": ticket.get_untracked(),
            })),
        );
    };
    let sev = format!("status sev-{}", p.severity);
    let monitor_href = format!("/monitors/{}", p.monitor_id);
    let detail = [
        p.assignee.clone().map(|a| format!("assigned to {a}")),
        p.ticket.clone().map(|t| format!("ticket {t}")),
        p.note.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let lines = detail_lines(&p.details);
    let more = format!("More actions for {}", p.key);
    let b2b = b2.clone();
    let primary = if unacknowledged {
        view! { <button class="ack" type="button" on:click=move |_| act(format!("{b1}/acknowledge"), None)>"Acknowledge"</button> }.into_any()
    } else if open {
        view! { <button class="resolve" type="button" on:click=move |_| act(format!("{b2}/resolve"), None)>"Resolve"</button> }.into_any()
    } else {
        ().into_any()
    };
    view! {
        <tr data-key=p.key.clone() data-status=p.status.clone() data-severity=p.severity.clone()>
            <td><span class=sev>{p.severity.clone()}</span></td>
            <td class="key" data-label="Unit"><code class="key">{key_view(&p.key)}</code></td>
            <td data-label="Monitor"><A href=monitor_href>{p.monitor_name.clone()}</A></td>
            <td class="message">{p.message.clone()} <span class="hint detail">{detail}</span>
                {(!lines.is_empty()).then(|| view! {
                    <ul class="details">{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                })}
            </td>
            <td class="count" data-label="Count">{p.count}</td>
            <td data-label="First seen">{when(Some(p.first_seen_at.clone()))}</td>
            <td data-label="Last seen">{when(Some(p.last_seen_at.clone()))}</td>
            <td class="state" data-label="Status">{p.status.clone()}</td>
            <td class="actions">
                {primary}
                <details class="menu">
                    <summary aria-label=more>"More"</summary>
                    <div class="menu-body">
                        {(open && unacknowledged).then(|| view! {
                            <button class="resolve" type="button" on:click=move |_| act(format!("{b2b}/resolve"), None)>"Resolve"</button>
                        })}
                        {open.then(|| view! {
                            <button class="mute secondary" type="button" on:click=move |_| act(b3.clone(), Some(serde_json::json!({"mute_for": "4h"})))>"Mute 4 h"</button>
                        })}
                        <form class="edit" on:submit=save>
                            <input class="assignee" type="text" placeholder="Assignee" aria-label="Assignee" prop:value=move || assignee.get() on:input=move |ev| assignee.set(event_target_value(&ev))/>
                            <input class="ticket" type="text" placeholder="Ticket" aria-label="Ticket" prop:value=move || ticket.get() on:input=move |ev| ticket.set(event_target_value(&ev))/>
                            <input class="note" type="text" placeholder="Note" aria-label="Note" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                            <button class="save" type="submit">"Save"</button>
                        </form>
                    </div>
                </details>
            </td>
        </tr>
    }
}
