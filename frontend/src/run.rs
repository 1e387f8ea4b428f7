//! `/runs/:id`: one run — its steps as a timeline, progress bar with ETA, completion
//! report (counts, errors, warnings) and its log, followed live while the run is open.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use overdue_types::{Run, RunStep};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::Session;

/// A step's bar in the timeline: its share of the run, red when over its max.
fn step_bar(s: &RunStep, total: f64) -> impl IntoView {
    let width = (100.0 * s.duration / total.max(0.001)).clamp(1.0, 100.0);
    let over = s.max.is_some_and(|m| s.duration > m as f64);
    let class = if over {
        "step over"
    } else if s.current {
        "step current"
    } else {
        "step"
    };
    let title = format!("{}: {:.1} s", s.name, s.duration);
    view! { <span class=class style:width=format!("{width:.1}%") title=title>{s.name.clone()}</span> }
}

fn step_row(s: RunStep) -> impl IntoView {
    let over = s.max.is_some_and(|m| s.duration > m as f64);
    let limit = s
        .max
        .map(|m| format!("{m} s"))
        .unwrap_or_else(|| "—".into());
    let state = if over {
        "over its max"
    } else if s.current {
        "in it now"
    } else {
        ""
    };
    view! {
        <tr><td>{s.name}</td><td>{s.started_at}</td><td>{format!("{:.1} s", s.duration)}</td>
        <td>{limit}</td><td>{state}</td></tr>
    }
}

/// The list items of a report's `errors` or `warnings` (strings or objects).
fn items(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|v| match v.as_str() {
                    Some(s) => s.to_string(),
                    None => v.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn report_view(r: &Run) -> impl IntoView {
    let report = r.report.clone().unwrap_or(serde_json::Value::Null);
    let counts: Vec<(String, String)> = report["counts"]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.to_string())).collect())
        .unwrap_or_default();
    let errors = items(&report["errors"]);
    let warnings = items(&report["warnings"]);
    let log = report["log"].as_str().map(str::to_string);
    let unread = r.report_error.clone();
    let empty = report.is_null() && unread.is_none();
    view! {
        <div class="card" id="run-report">
            <h2>"Report"</h2>
            {empty.then(|| view! { <p class="hint">"This run sent no completion report."</p> })}
            {unread.map(|e| view! { <p class="error">"Its report could not be read: " {e}</p> })}
            {(!counts.is_empty()).then(|| view! {
                <table><tbody>
                    {counts.into_iter().map(|(k, v)| view! { <tr><th>{k}</th><td>{v}</td></tr> }).collect_view()}
                </tbody></table>
            })}
            {(!errors.is_empty()).then(|| view! {
                <h3>"Errors"</h3>
                <ul id="run-errors">{errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
            })}
            {(!warnings.is_empty()).then(|| view! {
                <h3>"Warnings"</h3>
                <ul id="run-warnings">{warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
            })}
            {log.map(|l| view! { <pre>{l}</pre> })}
        </div>
    }
}

/// A fan-out run's children: counts, and each child's end.
fn children_view(r: &Run) -> impl IntoView {
    r.children.clone().map(|c| {
        let summary = format!(
            "{} of {} succeeded, {} failed, {} missing",
            c.ok, c.expected, c.failed, c.missing
        );
        view! {
            <div class="card" id="run-children">
                <h2>"Children"</h2>
                <p>{summary}</p>
                <table>
                    <thead><tr><th>"Monitor"</th><th>"Run id"</th><th>"Outcome"</th><th>"When"</th></tr></thead>
                    <tbody>{c.list.into_iter().map(|ch| {
                        let href = format!("/monitors/{}", ch.monitor);
                        view! {
                            <tr><td><A href=href>{ch.name}</A></td><td>{ch.rid.unwrap_or_default()}</td>
                            <td>{ch.outcome}</td><td>{ch.at}</td></tr>
                        }
                    }).collect_view()}</tbody>
                </table>
            </div>
        }
    })
}

/// The units this run reported as failed (problems), with where each stands now.
fn problems_view(r: &Run) -> impl IntoView {
    (!r.problems.is_empty()).then(|| {
        let list = r.problems.clone();
        view! {
            <div class="card" id="run-problems">
                <h2>"Problems reported"</h2>
                <table>
                    <thead><tr><th>"Unit"</th><th>"Severity"</th><th>"Message"</th><th>"Count"</th><th>"Status"</th></tr></thead>
                    <tbody>{list.into_iter().map(|p| {
                        let sev = format!("status sev-{}", p.severity);
                        let key = p.key.clone();
                        view! {
                            <tr data-key=key><td class="mono">{p.key}</td><td><span class=sev>{p.severity}</span></td>
                            <td>{p.message}</td><td>{p.count}</td><td>{p.status}</td></tr>
                        }
                    }).collect_view()}</tbody>
                </table>
            </div>
        }
    })
}

/// Follows the run's log: appends each chunk to `log`, reloads the run at its end.
fn follow_log(
    id: &str,
    project: Option<String>,
    log: RwSignal<String>,
    ended: impl Fn() + 'static,
) {
    let mut url = format!("/api/v1/runs/{id}/log/events");
    if let Some(p) = project {
        url.push_str(&format!("?project={p}"));
    }
    let Ok(es) = web_sys::EventSource::new(&url) else {
        return;
    };
    let on_chunk =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            if let Some(text) = ev.data().as_string() {
                if let Ok(chunk) = serde_json::from_str::<String>(&text) {
                    log.update(|l| l.push_str(&chunk));
                }
            }
        });
    let es = send_wrapper::SendWrapper::new(es);
    let closer = es.clone();
    let on_end = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| {
        closer.close();
        ended();
    });
    let _ = es.add_event_listener_with_callback("chunk", on_chunk.as_ref().unchecked_ref());
    let _ = es.add_event_listener_with_callback("end", on_end.as_ref().unchecked_ref());
    on_chunk.forget();
    on_end.forget();
    on_cleanup(move || es.close());
}

/// `/runs/:id`.
#[component]
pub fn RunPage() -> impl IntoView {
    let session = Session::get();
    let params = use_params_map();
    let id = params.with_untracked(|p| p.get("id")).unwrap_or_default();
    let run = RwSignal::new(None::<Run>);
    let error = RwSignal::new(None::<String>);
    let log = RwSignal::new(String::new());
    let load = {
        let id = id.clone();
        move || {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                match session.get_json::<Run>(&format!("/api/v1/runs/{id}")).await {
                    Ok(r) => run.set(Some(r)),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    load();
    // Progress and steps change while it runs: look again every 2 s until it ends.
    let tick = load.clone();
    let handle = set_interval_with_handle(
        move || {
            if run.with_untracked(|r| r.as_ref().is_some_and(|r| r.ended_at.is_none())) {
                tick();
            }
        },
        std::time::Duration::from_secs(2),
    )
    .ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });
    follow_log(&id, session.project.get_untracked(), log, load);
    view! {
        <p class="error" role="alert">{move || error.get()}</p>
        {move || run.get().map(|r| {
            let back = format!("/monitors/{}", r.monitor_id);
            let outcome = r.outcome.clone().unwrap_or_else(|| "running".into());
            let total: f64 = r.steps.iter().map(|s| s.duration).sum();
            let progress = r.progress.clone();
            view! {
                <p><A href=back>"← Monitor"</A></p>
                <div class="card">
                    <div class="row spread">
                        <h1>"Run " {r.id}</h1>
                        <span id="run-outcome">{outcome.clone()}</span>
                    </div>
                    <div class="stats">
                        <div>"Started: " {crate::time::stamp(r.started_at.clone(), None)}</div>
                        <div>"Ended: " {r.ended_at.clone().map_or_else(|| "—".into_any(), |e| crate::time::stamp(e, None))}</div>
                        <div>"Duration: " {r.duration.map(|d| format!("{d:.1} s")).unwrap_or_else(|| "—".into())}</div>
                        <div>"Exit status: " {r.exit_status.map(|c| c.to_string()).unwrap_or_else(|| "—".into())}</div>
                    </div>
                    {r.end_body.clone().map(|b| {
                        let title = if matches!(r.outcome.as_deref(), Some("fail")) { "What the failure said" } else { "The last ping's body" };
                        view! { <h2>{title}</h2><pre id="end-body">{b}</pre> }
                    })}
                    {progress.map(|p| {
                        let pct = p.percent.map(|v| v.to_string()).unwrap_or_default();
                        let of = p.total.map(|t| format!(" of {t}")).unwrap_or_default();
                        let pc = p.percent.map(|v| format!(" ({v} %)")).unwrap_or_default();
                        let eta = p.eta.map(|e| format!(" · ETA {e}")).unwrap_or_default();
                        view! {
                            <h2>"Progress"</h2>
                            <progress id="run-progress" max="100" value=pct></progress>
                            <p>{format!("{}{of}{pc}", p.done)} {p.msg.map(|m| format!(" · {m}"))} {eta}</p>
                        }
                    })}
                    {(!r.steps.is_empty()).then(|| view! {
                        <h2>"Steps"</h2>
                        <div class="timeline" id="run-steps" aria-label="Steps, first to last">
                            {r.steps.iter().map(|s| step_bar(s, total)).collect_view()}
                        </div>
                        <table>
                            <thead><tr><th>"Step"</th><th>"Entered"</th><th>"Time in it"</th><th>"Max"</th><th></th></tr></thead>
                            <tbody>{r.steps.clone().into_iter().map(step_row).collect_view()}</tbody>
                        </table>
                    })}
                </div>
                {children_view(&r)}
                {problems_view(&r)}
                {report_view(&r)}
            }
        })}
        <div class="card">
            <h2>"Log"</h2>
            {move || run.with(|r| r.as_ref().map_or(0, |r| r.log_dropped)).gt(&0).then(|| view! {
                <p class="hint">"Bytes from the middle of this log were dropped; the head and the tail are kept."</p>
            })}
            <pre id="run-log">{move || log.get()}</pre>
        </div>
    }
}
