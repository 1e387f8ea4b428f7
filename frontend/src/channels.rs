//! `/channels`: where notifications go — every kind of the server's table. A form per
//! kind with its own fields and help (`channel_form`); per channel its settings (secrets
//! masked) and an Edit form, whether it is a default (new monitors get it) or the fallback (told when
//! another channel keeps failing), its health, "send test" showing that delivery's
//! result, and its delivery log. Below, the project's whole notification log.

use leptos::prelude::*;
use overdue_types::{Channel, ChannelKind};
use serde::Deserialize;

use crate::api::Session;
use crate::channel_form::{label, summary, ChannelForm};
use crate::deliveries::DeliveryLog;

#[derive(Deserialize)]
struct ChannelList {
    channels: Vec<Channel>,
}

#[derive(Deserialize)]
struct KindList {
    kinds: Vec<ChannelKind>,
}

/// The page.
#[component]
pub fn ChannelsPage() -> impl IntoView {
    let session = Session::get();
    let list = RwSignal::new(Vec::<Channel>::new());
    let error = RwSignal::new(None::<String>);
    let kinds = RwSignal::new(Vec::<ChannelKind>::new());
    // Each card's last message, kept here: a card is drawn again when its channel
    // changes (health after a test, flags), and the message must survive that.
    let notes = RwSignal::new(std::collections::HashMap::<String, String>::new());
    // A channel just made a default offers itself to the monitors that notify nobody.
    let offer = RwSignal::new(None::<crate::channel_attach::Offer>);
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
    leptos::task::spawn_local(async move {
        match session.get_json::<KindList>("/api/v1/channel-kinds").await {
            Ok(l) => kinds.set(l.kinds),
            Err(e) => error.set(Some(e)),
        }
    });
    view! {
        <h1>"Channels"</h1>
        <p class="error" role="alert">{move || error.get()}</p>
        <crate::channel_attach::AttachOffer offer=offer/>
        <Show when=move || list.with(Vec::is_empty)>
            <p class="hint">"No channels yet: nobody is notified when a monitor goes down."</p>
        </Show>
        <For each=move || list.get() key=|c| (c.id.clone(), c.name.clone(), c.is_default, c.is_fallback, c.health.clone(), c.config.to_string())
            children=move |c| view! { <ChannelCard c=c kinds=kinds notes=notes offer=offer on_change=reload/> }/>
        <Show when=move || session.can_manage()>
            <ChannelForm kinds=kinds error=error on_saved=move |made: Channel| {
                reload();
                if made.is_default {
                    crate::channel_attach::look(session, offer, made.id, made.name);
                }
            }/>
        </Show>
        <h2>"Notification log"</h2>
        <p class="hint">"Every delivery attempt of this project, newest first."</p>
        <div id="notification-log">
            <DeliveryLog path="/api/v1/deliveries?limit=50".to_string() with_channel=true/>
        </div>
    }
}

#[derive(Deserialize)]
struct TestResult {
    state: String,
    error: Option<String>,
}

#[component]
fn ChannelCard(
    c: Channel,
    kinds: RwSignal<Vec<ChannelKind>>,
    notes: RwSignal<std::collections::HashMap<String, String>>,
    offer: RwSignal<Option<crate::channel_attach::Offer>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = Session::get();
    let key = StoredValue::new(c.id.clone());
    let note = move |text: Option<String>| {
        let key = key.get_value();
        notes.update(|n| {
            match text {
                Some(t) => n.insert(key, t),
                None => n.remove(&key),
            };
        });
    };
    let busy = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let edit_error = RwSignal::new(None::<String>);
    let stored = StoredValue::new(c.clone());
    let id = c.id.clone();
    let shown = id.clone();
    let (test_id, del_id, flag_id) = (id.clone(), id.clone(), id.clone());
    let test = move |_| {
        let id = test_id.clone();
        busy.set(true);
        note(Some("Sending…".into()));
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/channels/{id}/test");
            let r = session
                .send_json::<_, TestResult>("POST", &path, &serde_json::json!({}))
                .await;
            busy.set(false);
            // The channel's health follows the test's result.
            on_change();
            note(Some(match r {
                Ok(t) if t.state == "sent" => "Test delivered.".into(),
                Ok(t) if t.state == "pending" => {
                    "The receiver has not answered yet; see the deliveries below.".into()
                }
                Ok(t) => format!("Test failed: {}", t.error.unwrap_or_default()),
                Err(e) => e,
            }));
        });
    };
    let delete = move |_| {
        let id = del_id.clone();
        leptos::task::spawn_local(async move {
            match session
                .act("DELETE", &format!("/api/v1/channels/{id}"))
                .await
            {
                Ok(()) => on_change(),
                Err(e) => note(Some(e)),
            }
        });
    };
    let (is_default, is_fallback) = (c.is_default, c.is_fallback);
    let flag = move |field: &'static str, value: bool| {
        let id = flag_id.clone();
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/channels/{id}");
            let b = serde_json::json!({ field: value });
            match session.send_json::<_, Channel>("PATCH", &path, &b).await {
                Ok(made) => {
                    on_change();
                    if field == "is_default" && made.is_default {
                        crate::channel_attach::look(session, offer, made.id, made.name);
                    }
                }
                Err(e) => note(Some(e)),
            }
        });
    };
    let flag2 = flag.clone();
    let health = match c.health.as_deref() {
        Some("failing") => view! { <span class="badge down">"failing"</span> }.into_any(),
        Some(_) => view! { <span class="badge up">"working"</span> }.into_any(),
        None => view! { <span class="badge">"not used yet"</span> }.into_any(),
    };
    view! {
        <div class="card channel" data-id=id.clone() data-kind=c.kind.clone()>
            <div class="row spread">
                <h2>{c.name.clone()} " " <span class="muted">{
                    let k = c.kind.clone();
                    move || kinds.with(|ks| label(&k, ks))
                }</span></h2>
                <div class="row">{health}
                    {is_default.then(|| view! { <span class="badge">"default"</span> })}
                    {is_fallback.then(|| view! { <span class="badge">"fallback"</span> })}
                </div>
            </div>
            <p><code class="wrap channel-summary">{
                let c = c.clone();
                move || kinds.with(|ks| summary(&c, ks))
            }</code></p>
            <Show when=move || session.can_manage()>
                <div class="row">
                    <button class="secondary channel-test" on:click=test.clone() disabled=move || busy.get()>"Send test"</button>
                    <button class="secondary edit-channel" aria-expanded=move || editing.get().to_string()
                        on:click=move |_| editing.update(|e| *e = !*e)>"Edit"</button>
                    <button class="secondary make-default" on:click={let f = flag.clone(); move |_| f("is_default", !is_default)}>
                        {if is_default { "Not a default" } else { "Make default" }}
                    </button>
                    <button class="secondary" on:click={let f = flag2.clone(); move |_| f("is_fallback", !is_fallback)}>
                        {if is_fallback { "Not the fallback" } else { "Make fallback" }}
                    </button>
                    <button class="danger" on:click=delete.clone()>"Delete"</button>
                </div>
            </Show>
            <Show when=move || editing.get()>
                <ChannelForm kinds=kinds editing=stored.get_value() error=edit_error
                    on_cancel=Callback::new(move |()| editing.set(false))
                    on_saved=move |_| {
                        editing.set(false);
                        note(Some("Saved.".into()));
                        on_change();
                    }/>
            </Show>
            <p class="hint test-result" role="status">{move || notes.with(|n| n.get(&shown).cloned())}</p>
            <details>
                <summary>"Deliveries"</summary>
                <DeliveryLog path=format!("/api/v1/channels/{id}/deliveries?limit=20")/>
            </details>
        </div>
    }
}
