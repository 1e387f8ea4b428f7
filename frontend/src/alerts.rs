//! `/alerts`: every notifying condition of the project — a monitor's down episode, a
//! problem, a failing channel, a one-shot — open, acknowledged or resolved, newest
//! first; writers acknowledge from here. Refreshes itself every 5 s.

use leptos::prelude::*;
use leptos_router::components::A;
use overdue_types::{Alert, AlertList};

use crate::api::Session;
use crate::time::{short, when};

/// The page.
#[component]
pub fn AlertsPage() -> impl IntoView {
    let session = Session::get();
    let status = RwSignal::new("open".to_string());
    let list = RwSignal::new(Vec::<Alert>::new());
    let error = RwSignal::new(None::<String>);
    let reload = move || {
        let path = format!("/api/v1/alerts?status={}&limit=200", status.get_untracked());
        leptos::task::spawn_local(async move {
            match session.get_json::<AlertList>(&path).await {
                Ok(l) => {
                    error.set(None);
                    list.set(l.alerts);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        session.project.track();
        status.track();
        reload();
    });
    let handle = set_interval_with_handle(reload, std::time::Duration::from_secs(5)).ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });
    let tab = move |value: &'static str, label: &'static str| {
        view! {
            <button class="tab" class:active=move || status.get() == value
                aria-pressed=move || (status.get() == value).to_string()
                on:click=move |_| status.set(value.to_string())>{label}</button>
        }
    };
    view! {
        <h1>"Alerts"</h1>
        <p class="hint">"Each down episode, problem and failing channel is one alert. Acknowledge it so \
            the others know someone looks after it; it resolves when what it is about recovers."</p>
        <div class="row tabs" role="group" aria-label="Status">
            {tab("open", "Open")}
            {tab("acknowledged", "Acknowledged")}
            {tab("resolved", "Resolved")}
            {tab("all", "All")}
        </div>
        <p class="error" role="alert">{move || error.get()}</p>
        <Show when=move || list.with(Vec::is_empty)>
            <p class="hint" id="no-alerts">"No alerts here."</p>
        </Show>
        <ul class="alerts" id="alerts">
            <For each=move || list.get()
                key=|a| (a.id, a.status.clone(), a.acknowledged_by.clone())
                children=move |a| view! { <AlertItem a=a on_change=reload/> }/>
        </ul>
    }
}

#[component]
fn AlertItem(a: Alert, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let session = Session::get();
    let error = RwSignal::new(None::<String>);
    let id = a.id;
    let acknowledge = move |_| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/alerts/{id}/acknowledge");
            match session
                .send_json::<_, serde_json::Value>("POST", &path, &serde_json::json!({}))
                .await
            {
                Ok(_) => on_change(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let open = a.status == "open";
    let state = match (a.status.as_str(), &a.acknowledged_by, &a.resolved_reason) {
        ("resolved", _, Some(r)) => {
            view! { {format!("resolved ({r}) ")} {when(a.resolved_at.clone())} }.into_any()
        }
        ("acknowledged", Some(by), _) => {
            view! { {format!("acknowledged by {by} ")} {when(a.acknowledged_at.clone())} }
                .into_any()
        }
        (s, _, _) => s.to_string().into_any(),
    };
    let held = a.held_until.clone().map(|until| {
        let by = a.held_by.clone().unwrap_or_default();
        view! { <span class="badge held">{format!("held by {by} until ")} {short(until)}</span> }
    });
    let link = a.monitor.clone().map(|m| {
        view! { <A href=format!("/monitors/{m}")>"monitor"</A> }
    });
    view! {
        <li class="card alert" data-id=a.id.to_string() data-status=a.status.clone()>
            <div class="row spread">
                <strong class="summary">{a.summary.clone()}</strong>
                <span class=format!("badge sev-{}", a.severity)>{a.severity.clone()}</span>
            </div>
            <p class="hint">
                {a.kind.clone()} " · opened " {when(Some(a.opened_at.clone()))} " · "
                <span class="alert-state">{state}</span> " " {link} " " {held}
            </p>
            {a.note.clone().map(|n| view! { <p class="note">{n}</p> })}
            <Show when=move || open && session.can_write()>
                <button class="secondary ack" on:click=acknowledge>"Acknowledge"</button>
            </Show>
            <p class="error" role="alert">{move || error.get()}</p>
        </li>
    }
}
