//! The monitors page: every monitor of the project with its live status (server-sent
//! events), filters by text, tag and status, sorting, pause/resume and the ping URL.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::components::A;
use overdue_types::Monitor;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::Session;

#[derive(Deserialize)]
struct MonitorList {
    monitors: Vec<Monitor>,
}

/// A status badge; the class picks the colour, the text says it for everyone.
pub fn badge(state: String) -> impl IntoView {
    let class = format!("status s-{state}");
    let attr = state.clone();
    view! { <span class=class data-status=attr>{state}</span> }
}

/// "3 min ago" style, from an RFC 3339 time (the browser parses it).
pub fn ago(t: Option<String>) -> String {
    let Some(t) = t else {
        return "never".into();
    };
    let then = js_sys::Date::parse(&t);
    if then.is_nan() {
        return t;
    }
    let secs = ((js_sys::Date::now() - then) / 1000.0).round() as i64;
    match secs {
        s if s < 0 => "just now".into(),
        s if s < 60 => format!("{s} s ago"),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s => format!("{} d ago", s / 86_400),
    }
}

/// Copies `text` to the clipboard (best effort: older browsers have no clipboard API).
pub fn copy(text: String) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(&text);
    }
}

/// Rows rendered per "page" of the list.
const PAGE: usize = 200;

#[derive(Clone, Copy, PartialEq)]
enum SortBy {
    Name,
    Status,
    LastPing,
}

fn status_rank(s: &str) -> u8 {
    match s {
        "down" => 0,
        "late" => 1,
        "running" => 2,
        "up" => 3,
        "new" => 4,
        _ => 5,
    }
}

/// Opens `/api/v1/events` and hands each changed monitor to `on_change`; closed when
/// the page is left.
pub fn live_updates(project: Option<String>, on_change: impl Fn(Monitor) + 'static) {
    let url = match &project {
        Some(p) => format!("/api/v1/events?project={p}"),
        None => "/api/v1/events".into(),
    };
    let Ok(es) = web_sys::EventSource::new(&url) else {
        return;
    };
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let Some(text) = ev.data().as_string() else {
                return;
            };
            let Ok(m) = serde_json::from_str::<Monitor>(&text) else {
                return;
            };
            on_change(m);
        });
    es.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let es = send_wrapper::SendWrapper::new(es);
    on_cleanup(move || es.close());
}

/// `/`: the list.
#[component]
pub fn MonitorsPage() -> impl IntoView {
    let session = Session::get();
    let list = RwSignal::new(Vec::<Monitor>::new());
    let error = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let text = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let sort = RwSignal::new(SortBy::Status);
    // Rows in the document at once: filters and sorting cover every monitor, but a
    // page of thousands renders the first rows at once and the rest on demand.
    let limit = RwSignal::new(PAGE);
    Effect::new(move |_| {
        let project = session.project.get();
        leptos::task::spawn_local(async move {
            match session.get_json::<MonitorList>("/api/v1/monitors").await {
                Ok(l) => {
                    list.set(l.monitors);
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            loaded.set(true);
        });
        live_updates(project, move |m| {
            list.update(|l| match l.iter_mut().find(|x| x.id == m.id) {
                Some(x) => *x = m,
                None => l.push(m),
            })
        });
    });
    let tags = Memo::new(move |_| {
        list.with(|l| {
            l.iter()
                .flat_map(|m| m.tags.iter().cloned())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
        })
    });
    let shown = Memo::new(move |_| {
        let (q, t, s) = (text.get().to_lowercase(), tag.get(), status.get());
        let mut v: Vec<Monitor> = list.with(|l| {
            l.iter()
                .filter(|m| {
                    (q.is_empty()
                        || m.name.to_lowercase().contains(&q)
                        || m.slug.as_deref().is_some_and(|x| x.contains(&q))
                        || m.description.to_lowercase().contains(&q))
                        && (t.is_empty() || m.tags.contains(&t))
                        && (s.is_empty() || m.state == s)
                })
                .cloned()
                .collect()
        });
        match sort.get() {
            SortBy::Name => v.sort_by_key(|m| m.name.to_lowercase()),
            SortBy::Status => v.sort_by(|a, b| {
                status_rank(&a.state)
                    .cmp(&status_rank(&b.state))
                    .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            }),
            SortBy::LastPing => v.sort_by(|a, b| b.last_ping.cmp(&a.last_ping)),
        }
        v
    });
    let more = move || shown.with(Vec::len) > limit.get();
    let toggle = move |m: Monitor| {
        let action = if m.status == "paused" {
            "resume"
        } else {
            "pause"
        };
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/monitors/{}/{action}", m.id);
            match session
                .send_json::<_, Monitor>("POST", &path, &serde_json::json!({}))
                .await
            {
                Ok(updated) => list.update(|l| {
                    if let Some(x) = l.iter_mut().find(|x| x.id == updated.id) {
                        *x = updated;
                    }
                }),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="row" style="justify-content:space-between">
            <h1>"Monitors"</h1>
            {move || session.can_write().then(|| view! {
                <A href="/monitors/new" attr:class="button" attr:id="new-monitor">"+ New monitor"</A>
            })}
        </div>
        <div class="toolbar" role="search">
            <input id="filter-text" type="search" placeholder="Filter by name, slug, description" aria-label="Filter"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
            <select id="filter-tag" aria-label="Tag" on:change=move |ev| tag.set(event_target_value(&ev))>
                <option value="">"All tags"</option>
                <For each=move || tags.get() key=|t| t.clone()
                    children=move |t| view! { <option value=t.clone()>{t.clone()}</option> }/>
            </select>
            <select id="filter-status" aria-label="Status" on:change=move |ev| status.set(event_target_value(&ev))>
                <option value="">"Any status"</option>
                {["down", "late", "running", "up", "new", "paused"].map(|s| view! { <option value=s>{s}</option> })}
            </select>
        </div>
        <p class="error" role="alert">{move || error.get()}</p>
        <Show when=move || loaded.get() && list.with(Vec::is_empty)>
            <div class="card">
                <p>"No monitors yet. Create one, then make your job call its ping URL when it finishes."</p>
            </div>
        </Show>
        <Show when=move || !list.with(Vec::is_empty)>
            <table id="monitors">
                <thead><tr>
                    <th><button on:click=move |_| sort.set(SortBy::Status)>"Status"</button></th>
                    <th><button on:click=move |_| sort.set(SortBy::Name)>"Name"</button></th>
                    <th class="hide-narrow">"Schedule"</th>
                    <th><button on:click=move |_| sort.set(SortBy::LastPing)>"Last ping"</button></th>
                    <th>"Actions"</th>
                </tr></thead>
                <tbody>
                    <For each=move || shown.with(|v| v.iter().take(limit.get()).cloned().collect::<Vec<_>>())
                        key=|m| (m.id.clone(), m.state.clone(), m.last_ping.clone(), m.status.clone(), m.name.clone(), m.suppressed_by.as_ref().map(|s| s.monitor.clone()), m.silenced_until.clone())
                        children=move |m| {
                            let href = format!("/monitors/{}", m.id);
                            let schedule = match &m.schedule {
                                overdue_types::ScheduleOut::Interval { period } => format!("every {}", crate::form::human(*period)),
                                overdue_types::ScheduleOut::Cron { cron, tz } => format!("{cron} ({tz})"),
                                overdue_types::ScheduleOut::None => "by its members".to_string(),
                            };
                            let url = m.ping_url.clone();
                            let paused = m.status == "paused";
                            let mm = m.clone();
                            view! {
                                <tr data-id=m.id.clone()>
                                    <td>{badge(m.state.clone())}</td>
                                    <td>
                                        <a href=href>{m.name.clone()}</a>
                                        {m.suppressed_by.clone().map(|s| view! {
                                            <div class="hint suppressed">"suppressed: upstream " {s.name} " is down"</div>
                                        })}
                                        {m.silenced_until.clone().map(|u| view! {
                                            <div class="hint silenced">"silenced until " {u}</div>
                                        })}
                                        {m.channels.is_empty().then(|| view! {
                                            <div class="hint nobody">"nobody is notified"</div>
                                        })}
                                        <div>{m.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view()}</div>
                                    </td>
                                    <td class="hide-narrow">{schedule}</td>
                                    <td>{ago(m.last_ping.clone())}</td>
                                    <td><div class="row">
                                        {url.map(|url| view! {
                                            <button class="secondary pause" on:click=move |_| toggle(mm.clone())>
                                                {if paused { "Resume" } else { "Pause" }}
                                            </button>
                                            <button class="secondary" title="Copy the ping URL" on:click=move |_| copy(url.clone())>"Copy URL"</button>
                                        })}
                                    </div></td>
                                </tr>
                            }
                        }/>
                </tbody>
            </table>
            <p class="row" id="list-count">
                {move || {
                    let (n, all) = (shown.with(Vec::len), list.with(Vec::len));
                    let on_page = n.min(limit.get());
                    if n == all { format!("{on_page} of {all} monitors") } else { format!("{on_page} of {n} matching ({all} in all)") }
                }}
                <Show when=more>
                    <button class="secondary" id="show-more" on:click=move |_| limit.update(|l| *l += PAGE)>"Show more"</button>
                </Show>
            </p>
        </Show>
    }
}
