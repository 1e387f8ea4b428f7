//! `/routes`: the project's routes in order — what each matches, where it sends, its
//! windows, reminders and escalation — moved up and down or deleted by admins, a form
//! for a new one, each saved route said in words, and "test a route": which channels an
//! alert about a monitor would reach at a given time, through which route, which quiet
//! route would hold it and until when, and each escalation step with its time.

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
                let notes = overdue_types::route_form::route_words(&r, name_of);
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
                        <p class="hint route-words">{notes.join(" · ")}</p>
                    </li>
                }
            }).collect_view()}
        </ol>
        <Show when=move || session.can_manage()>
            <RouteForm channels=channels editing=editing on_saved=reload error=error
                tags=Signal::derive(move || {
                    let mut t: Vec<String> = monitors.with(|ms| ms.iter().flat_map(|m| m.tags.clone()).collect());
                    t.sort();
                    t.dedup();
                    t
                })
                monitor_names=Signal::derive(move || monitors.with(|ms| ms.iter().map(|m| m.name.clone()).collect()))/>
        </Show>
        <TestRoute monitors=monitors/>
    }
}

#[derive(Deserialize, Clone)]
struct Preview {
    channels: Vec<serde_json::Value>,
    held: Vec<serde_json::Value>,
    #[serde(default)]
    steps: Vec<serde_json::Value>,
}

/// A `datetime-local` value (the browser's zone) as RFC 3339; `None` when empty or not
/// a time.
fn instant(local: &str) -> Option<String> {
    if local.trim().is_empty() {
        return None;
    }
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(local.trim()));
    d.get_time()
        .is_finite()
        .then(|| d.to_iso_string().as_string())
        .flatten()
}

/// What the preview found, in words: each channel with the route that reaches it, each
/// quiet route holding the alert and until when, each escalation step with its time.
fn preview_view(p: Preview) -> AnyView {
    if p.channels.is_empty() && p.held.is_empty() {
        return view! { <p class="hint nobody">"Nobody would be notified."</p> }.into_any();
    }
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    view! {
        <ul>
            {p.channels.iter().map(|c| {
                let via = c["route"]["name"].as_str().map(|n| format!("matched route {n}")).unwrap_or_else(|| "the monitor's own channel".into());
                view! { <li class="reach">"Sent now to " <b>{text(&c["name"])}</b> " (" {text(&c["kind"])} ", " {via} ")"</li> }
            }).collect_view()}
            {p.held.iter().map(|h| view! {
                <li class="held">"Held by the quiet hours of route " <b>{text(&h["route"]["name"])}</b> " until " {crate::time::short(text(&h["until"]))} ", then sent if still open and unacknowledged"</li>
            }).collect_view()}
            {p.steps.iter().map(|s| {
                let who: Vec<String> = s["channels"].as_array().map(|a| a.iter().map(|c| text(&c["name"])).collect()).unwrap_or_default();
                view! {
                    <li class="step">"If nobody acknowledges: at " {crate::time::short(text(&s["at"]))} " also " <b>{who.join(", ")}</b> " (route " {text(&s["route"]["name"])} ")"</li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn TestRoute(monitors: RwSignal<Vec<Monitor>>) -> impl IntoView {
    let session = Session::get();
    let monitor = RwSignal::new(String::new());
    let kind = RwSignal::new("down".to_string());
    let reason = RwSignal::new(String::new());
    let at = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<Preview, String>>);
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = monitor.get_untracked();
        let found = monitors.with_untracked(|l| {
            if typed.trim().is_empty() {
                l.first().map(|m| m.id.clone())
            } else {
                crate::picker::find_one(l, &typed)
            }
        });
        let Some(m) = found else {
            result.set(Some(Err(format!(
                "No monitor is called {typed:?}: pick one from the suggestions."
            ))));
            return;
        };
        let mut path = format!(
            "/api/v1/routes/preview?monitor={m}&kind={}",
            kind.get_untracked()
        );
        let r = reason.get_untracked();
        if !r.is_empty() {
            path.push_str(&format!("&reason={r}"));
        }
        if let Some(t) = instant(&at.get_untracked()) {
            path.push_str(&format!("&at={}", js_sys::encode_uri_component(&t)));
        }
        leptos::task::spawn_local(async move {
            result.set(Some(session.get_json::<Preview>(&path).await));
        });
    };
    view! {
        <form class="card" id="route-test" on:submit=run>
            <h2>"Test a route"</h2>
            <p class="hint">"Where would an alert about this monitor go, at that time?"</p>
            <label for="test-monitor">"Monitor"</label>
            <input id="test-monitor" type="search" list="test-monitors" autocomplete="off" placeholder="The first monitor"
                prop:value=move || monitor.get() on:input=move |ev| monitor.set(event_target_value(&ev))/>
            <datalist id="test-monitors">
                {move || monitors.get().into_iter().map(|m| view! { <option value=m.name/> }).collect_view()}
            </datalist>
            <label for="test-kind">"Kind"</label>
            <select id="test-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                <option value="down">"down"</option>
                <option value="problem">"problem"</option>
                <option value="event">"event"</option>
            </select>
            <label for="test-reason">"Reason"</label>
            <select id="test-reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                <option value="">"any"</option>
                {overdue_types::route_form::REASONS.iter().map(|r| view! { <option value=*r>{r.replace('_', " ")}</option> }).collect_view()}
            </select>
            <label for="test-at">"When (empty: now; your browser's time zone)"</label>
            <input id="test-at" type="datetime-local" prop:value=move || at.get()
                on:input=move |ev| at.set(event_target_value(&ev))/>
            <button id="test-run" type="submit">"Test"</button>
            <div id="test-result" role="status">
                {move || match result.get() {
                    None => ().into_any(),
                    Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                    Some(Ok(p)) => preview_view(p),
                }}
            </div>
        </form>
    }
}
