//! A monitor's status keys on its page (docs/behaviour.md, "Pings"): one heartbeat URL
//! per status — start, success, failure — for jobs that call a URL with a plain GET, as
//! the heartbeat articles' START/SUCCESS/FAILURE keys. Shown to roles that may write
//! only (they are credentials, as the ping URL is): hand them out, copy them, replace
//! them (the old ones stop working) or revoke them.

use leptos::prelude::*;
use serde::Deserialize;

use crate::api::Session;
use crate::widgets::CopyButton;

#[derive(Deserialize, Clone)]
struct Key {
    status: String,
    url: String,
}

#[derive(Deserialize)]
struct Keys {
    keys: Vec<Key>,
}

/// The section. `monitor`: the monitor's id.
#[component]
pub fn StatusKeys(monitor: String) -> impl IntoView {
    let session = Session::get();
    let keys = RwSignal::new(None::<Vec<Key>>);
    let error = RwSignal::new(None::<String>);
    let path = StoredValue::new(format!("/api/v1/monitors/{monitor}/status-keys"));
    leptos::task::spawn_local(async move {
        match session.get_json::<Keys>(&path.get_value()).await {
            Ok(k) => keys.set(Some(k.keys)),
            Err(e) => error.set(Some(e)),
        }
    });
    let hand_out = move |_| {
        leptos::task::spawn_local(async move {
            let made = session
                .send_json::<_, Keys>("POST", &path.get_value(), &serde_json::json!({}))
                .await;
            match made {
                Ok(k) => {
                    error.set(None);
                    keys.set(Some(k.keys));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let revoke = move |_| {
        leptos::task::spawn_local(async move {
            match session.act("DELETE", &path.get_value()).await {
                Ok(()) => keys.set(Some(Vec::new())),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let words = |status: &str| match status {
        "start" => "Start",
        "success" => "Success",
        _ => "Failure",
    };
    view! {
        <section id="status-keys">
            <h2>"Status keys"</h2>
            <p class="hint">"One URL per status, for jobs and tools that can only call a URL: a plain GET (curl -m 10 <url>) records that status."</p>
            <p class="error" role="alert">{move || error.get()}</p>
            {move || match keys.get() {
                None => ().into_any(),
                Some(list) if list.is_empty() => view! {
                    <button type="button" class="secondary" id="status-keys-make" on:click=hand_out>"Hand out status keys"</button>
                }.into_any(),
                Some(list) => view! {
                    <ul class="status-keys">
                        {list.into_iter().map(|k| view! {
                            <li data-status=k.status.clone()>
                                <strong>{words(&k.status)}</strong> " "
                                <code class="wrap">{k.url.clone()}</code> " "
                                <CopyButton text=k.url.clone() what=format!("Copy the {} URL", k.status)/>
                            </li>
                        }).collect_view()}
                    </ul>
                    <div class="row">
                        <button type="button" class="secondary" id="status-keys-replace" on:click=hand_out>"Replace them (the old ones stop working)"</button>
                        <button type="button" class="danger" id="status-keys-revoke" on:click=revoke>"Revoke"</button>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
