//! `/channels`: webhook channels — create, send a test notification, delete — with each
//! channel's delivery log (status codes and errors).

use leptos::prelude::*;
use overdue_types::{Channel, Delivery};
use serde::Deserialize;

use crate::api::Session;

#[derive(Deserialize)]
struct ChannelList {
    channels: Vec<Channel>,
}

#[derive(Deserialize)]
struct Deliveries {
    deliveries: Vec<Delivery>,
}

/// The page.
#[component]
pub fn ChannelsPage() -> impl IntoView {
    let session = Session::get();
    let list = RwSignal::new(Vec::<Channel>::new());
    let error = RwSignal::new(None::<String>);
    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let reload = move || {
        leptos::task::spawn_local(async move {
            match session.get_json::<ChannelList>("/api/v1/channels").await {
                Ok(l) => list.set(l.channels),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        session.project.track();
        reload();
    });
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({
                "kind": "webhook",
                "name": name.get_untracked(),
                "url": url.get_untracked().trim(),
            });
            match session
                .send_json::<_, Channel>("POST", "/api/v1/channels", &body)
                .await
            {
                Ok(_) => {
                    error.set(None);
                    name.set(String::new());
                    url.set(String::new());
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <h1>"Channels"</h1>
        <p class="error" role="alert">{move || error.get()}</p>
        <For each=move || list.get() key=|c| c.id.clone() children=move |c| view! { <ChannelCard c=c on_gone=reload/> }/>
        <form class="card" on:submit=create>
            <h2>"New webhook"</h2>
            <label for="channel-name">"Name"</label>
            <input id="channel-name" type="text" required
                prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="channel-url">"URL"</label>
            <input id="channel-url" type="url" required placeholder="https://…"
                prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
            <p class="hint">"Overdue POSTs a JSON event to it when a monitor goes down or comes back up."</p>
            <button id="channel-create" type="submit">"Add channel"</button>
        </form>
    }
}

#[component]
fn ChannelCard(c: Channel, on_gone: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let session = Session::get();
    let log = RwSignal::new(Vec::<Delivery>::new());
    let note = RwSignal::new(None::<String>);
    let id = c.id.clone();
    let load_log = {
        let id = id.clone();
        move || {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                let path = format!("/api/v1/channels/{id}/deliveries");
                if let Ok(d) = session.get_json::<Deliveries>(&path).await {
                    log.set(d.deliveries);
                }
            });
        }
    };
    load_log();
    let tick = load_log.clone();
    let handle = set_interval_with_handle(tick, std::time::Duration::from_secs(2)).ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });
    let (test_id, del_id) = (id.clone(), id.clone());
    let test = move |_| {
        let id = test_id.clone();
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/channels/{id}/test");
            match session.act("POST", &path).await {
                Ok(()) => note.set(Some("Test notification queued.".into())),
                Err(e) => note.set(Some(e)),
            }
        });
    };
    let delete = move |_| {
        let id = del_id.clone();
        leptos::task::spawn_local(async move {
            match session
                .act("DELETE", &format!("/api/v1/channels/{id}"))
                .await
            {
                Ok(()) => on_gone(),
                Err(e) => note.set(Some(e)),
            }
        });
    };
    let target = c.config["url"].as_str().unwrap_or_default().to_string();
    view! {
        <div class="card channel" data-id=id.clone()>
            <div class="row" style="justify-content:space-between">
                <h2>{c.name.clone()}</h2>
                <div class="row">
                    <button class="secondary channel-test" on:click=test>"Send test"</button>
                    <button class="danger" on:click=delete>"Delete"</button>
                </div>
            </div>
            <p><code>{target}</code></p>
            <p class="hint">{move || note.get()}</p>
            <details open>
                <summary>"Deliveries"</summary>
                <table class="deliveries">
                    <thead><tr><th>"When"</th><th>"Attempt"</th><th>"Status"</th><th>"Error"</th></tr></thead>
                    <tbody>
                        {move || log.get().into_iter().map(|d| view! {
                            <tr>
                                <td>{d.at}</td><td>{d.attempt}</td>
                                <td>{d.status_code.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                                <td>{d.error.unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </div>
    }
}
