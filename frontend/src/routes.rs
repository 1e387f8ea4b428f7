//! `/routes`: the project's routes in order — what each matches, where it sends, its
//! windows, reminders and escalation — moved up and down or deleted by admins, a form
//! for a new one, and "test a route": which channels an alert about a monitor would
//! reach now, through which route, or which quiet route would hold it.

use leptos::prelude::*;
use overdue_types::{Channel, Monitor, Route};
use serde::Deserialize;

use crate::api::Session;
use crate::route_form::RouteForm;

#[derive(Deserialize)]
struct RouteList {
    routes: Vec<Route>,
}
#[derive(Deserialize)]
struct ChannelList {
    channels: Vec<Channel>,
}
#[derive(Deserialize)]
struct MonitorList {
    monitors: Vec<Monitor>,
}

/// A `match` (of a route or a silence) in words.
pub fn match_words(m: &serde_json::Value) -> String {
    let mut parts = Vec::new();
    for (key, label) in [
        ("kinds", "kind"),
        ("reasons", "reason"),
        ("severities", "severity"),
        ("tags", "tags"),
        ("monitors", "monitors"),
    ] {
        if let Some(a) = m[key].as_array().filter(|a| !a.is_empty()) {
            let v: Vec<&str> = a.iter().filter_map(|x| x.as_str()).collect();
            parts.push(format!("{label} {}", v.join(" or ")));
        }
    }
    if parts.is_empty() {
        "every alert".into()
    } else {
        parts.join(", ")
    }
}

/// A window in words: "mon, tue 22:00–07:00 Europe/Riga".
fn window_words(w: &serde_json::Value) -> Option<String> {
    if w.is_null() {
        return None;
    }
    let days: Vec<&str> = w["days"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    let days = if days.is_empty() {
        "every day".to_string()
    } else {
        days.join(", ")
    };
    Some(format!(
        "{days} {}–{} {}",
        w["from"].as_str().unwrap_or("00:00"),
        w["to"].as_str().unwrap_or("24:00"),
        w["tz"].as_str().unwrap_or("UTC")
    ))
}

/// The page.
#[component]
pub fn RoutesPage() -> impl IntoView {
    let session = Session::get();
    let routes = RwSignal::new(Vec::<Route>::new());
    let channels = RwSignal::new(Vec::<Channel>::new());
    let monitors = RwSignal::new(Vec::<Monitor>::new());
    let error = RwSignal::new(None::<String>);
    let editing = RwSignal::new(None::<Route>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            match session.get_json::<RouteList>("/api/v1/routes").await {
                Ok(l) => routes.set(l.routes),
                Err(e) => error.set(Some(e)),
            }
            if let Ok(l) = session.get_json::<ChannelList>("/api/v1/channels").await {
                channels.set(l.channels);
            }
            if let Ok(l) = session.get_json::<MonitorList>("/api/v1/monitors").await {
                monitors.set(l.monitors);
            }
        });
    };
    Effect::new(move |_| {
        session.project.track();
        reload();
    });
    let name_of = move |id: &str| {
        channels.with(|cs| {
            cs.iter()
                .find(|c| c.id == id)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| id.to_string())
        })
    };
    // Moves route `i` by `by` places and saves the order.
    let shift = move |i: usize, up: bool| {
        let mut ids: Vec<String> = routes.with(|r| r.iter().map(|x| x.id.clone()).collect());
        let j = if up { i.checked_sub(1) } else { Some(i + 1) };
        let Some(j) = j.filter(|j| *j < ids.len()) else {
            return;
        };
        ids.swap(i, j);
        leptos::task::spawn_local(async move {
            let b = serde_json::json!({ "ids": ids });
            match session
                .send_json::<_, RouteList>("PUT", "/api/v1/routes/order", &b)
                .await
            {
                Ok(l) => routes.set(l.routes),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let remove = move |id: String| {
        leptos::task::spawn_local(async move {
            match session.act("DELETE", &format!("/api/v1/routes/{id}")).await {
                Ok(()) => reload(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <h1>"Routes"</h1>
        <p class="hint">"An alert goes to its monitor's own channels, then to the channels of the \
            first route that matches it (and of the next ones while a route says \"continue\"). \
            Each channel hears of it once."</p>
        <p class="error" role="alert">{move || error.get()}</p>
        <Show when=move || routes.with(Vec::is_empty)>
            <p class="hint" id="no-routes">"No routes yet: alerts go only to their monitors' own channels."</p>
        </Show>
        <ol class="routes" id="routes">
            {move || routes.get().into_iter().enumerate().map(|(i, r)| {
                let targets: Vec<String> = r.channels.iter().map(|c| name_of(c)).collect();
                let id = r.id.clone();
                let this = r.clone();
                let mut notes = Vec::new();
                if let Some(w) = window_words(&r.active) { notes.push(format!("active {w}")); }
                if let Some(w) = window_words(&r.quiet) { notes.push(format!("quiet {w} (held, then sent)")); }
                if let Some(s) = r.repeat_every { notes.push(format!("reminds every {s} s")); }
                for step in &r.escalate {
                    let after = serde_json::to_value(&step.after).unwrap_or_default();
                    let who: Vec<String> = step.channels.iter().map(|c| name_of(c)).collect();
                    notes.push(format!("after {after} s unacknowledged also {}", who.join(", ")));
                }
                if r.escalate_loop && !r.escalate.is_empty() { notes.push("then the steps start over until acknowledged".into()); }
                if let (Some(g), Some(w)) = (&r.group_by, r.group_wait) {
                    notes.push(format!("grouped by {g}, waits {w} s"));
                }
                if r.continue_matching { notes.push("continue".into()); }
                view! {
                    <li class="card route" data-id=r.id.clone()>
                        <div class="row spread">
                            <strong>{format!("{}. {}", i + 1, r.name)}</strong>
                            <Show when=move || session.can_manage()>
                                {
                                    let id = id.clone();
                                    view! {
                                        <div class="row">
                                            <button class="secondary edit-route" on:click={let this = this.clone(); move |_| editing.set(Some(this.clone()))}>"Edit"</button>
                                            <button class="secondary" aria-label="Move up" on:click=move |_| shift(i, true)>"↑"</button>
                                            <button class="secondary" aria-label="Move down" on:click=move |_| shift(i, false)>"↓"</button>
                                            <button class="danger" on:click={let id = id.clone(); move |_| remove(id.clone())}>"Delete"</button>
                                        </div>
                                    }
                                }
                            </Show>
                        </div>
                        <p>{match_words(&r.matcher)} " → " <b>{targets.join(", ")}</b></p>
                        <p class="hint">{notes.join(" · ")}</p>
                    </li>
                }
            }).collect_view()}
        </ol>
        <Show when=move || session.can_manage()>
            <RouteForm channels=channels editing=editing on_saved=reload error=error/>
        </Show>
        <TestRoute monitors=monitors/>
    }
}

#[derive(Deserialize, Clone)]
struct Preview {
    channels: Vec<serde_json::Value>,
    held: Vec<serde_json::Value>,
}

#[component]
fn TestRoute(monitors: RwSignal<Vec<Monitor>>) -> impl IntoView {
    let session = Session::get();
    let monitor = RwSignal::new(String::new());
    let kind = RwSignal::new("down".to_string());
    let reason = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<Preview, String>>);
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let m = monitor.get_untracked();
        let m = if m.is_empty() {
            monitors.with_untracked(|l| l.first().map(|x| x.id.clone()).unwrap_or_default())
        } else {
            m
        };
        let mut path = format!(
            "/api/v1/routes/preview?monitor={m}&kind={}",
            kind.get_untracked()
        );
        let r = reason.get_untracked();
        if !r.trim().is_empty() {
            path.push_str(&format!("&reason={}", r.trim()));
        }
        leptos::task::spawn_local(async move {
            result.set(Some(session.get_json::<Preview>(&path).await));
        });
    };
    view! {
        <form class="card" id="route-test" on:submit=run>
            <h2>"Test a route"</h2>
            <p class="hint">"Where would an alert about this monitor go now?"</p>
            <label for="test-monitor">"Monitor"</label>
            <select id="test-monitor" on:change=move |ev| monitor.set(event_target_value(&ev))>
                {move || monitors.get().into_iter().map(|m| view! { <option value=m.id.clone()>{m.name.clone()}</option> }).collect_view()}
            </select>
            <label for="test-kind">"Kind"</label>
            <select id="test-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                <option value="down">"down"</option>
                <option value="problem">"problem"</option>
                <option value="event">"event"</option>
            </select>
            <label for="test-reason">"Reason (optional)"</label>
            <input id="test-reason" type="text" placeholder="missed" prop:value=move || reason.get()
                on:input=move |ev| reason.set(event_target_value(&ev))/>
            <button id="test-run" type="submit">"Test"</button>
            <div id="test-result" role="status">
                {move || match result.get() {
                    None => ().into_any(),
                    Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                    Some(Ok(p)) if p.channels.is_empty() && p.held.is_empty() => {
                        view! { <p class="hint nobody">"Nobody would be notified."</p> }.into_any()
                    }
                    Some(Ok(p)) => view! {
                        <ul>
                            {p.channels.iter().map(|c| {
                                let via = c["route"]["name"].as_str().map(|n| format!("route {n}")).unwrap_or_else(|| "the monitor's own channel".into());
                                view! { <li>{c["name"].as_str().unwrap_or("").to_string()} " (" {c["kind"].as_str().unwrap_or("").to_string()} ", " {via} ")"</li> }
                            }).collect_view()}
                            {p.held.iter().map(|h| view! {
                                <li>"held by " {h["route"]["name"].as_str().unwrap_or("").to_string()} " until " {crate::time::short(h["until"].as_str().unwrap_or("").to_string())}</li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </div>
        </form>
    }
}
