//! The Flows page's "Kept aside" section (docs/behaviour.md, "What senders send"): the
//! flow events that could not be read — why, from where, when, and the raw message —
//! newest first; writers dismiss one once dealt with.

use leptos::prelude::*;
use overdue_types::{KeptAside, KeptAsideList};

use crate::api::Session;
use crate::time::when;

/// Most shown at once.
const SHOWN: usize = 20;

/// One kept-aside event.
fn row(k: KeptAside, on_dismiss: impl Fn(i64) + Clone + Send + Sync + 'static) -> impl IntoView {
    let session = Session::get();
    let id = k.id;
    let flow = k.flow.clone().unwrap_or_else(|| "no flow".into());
    let size = if k.size as usize > k.raw.len() {
        format!(" (first {} of {} bytes)", k.raw.len(), k.size)
    } else {
        String::new()
    };
    view! {
        <li class="kept" data-id=id.to_string()>
            <p><strong>{flow}</strong> <span class="hint">" · " {k.source.clone()} " · " {when(Some(k.received_at.clone()))}</span></p>
            <p class="kept-reason">{k.reason.clone()}</p>
            <details>
                <summary>"Raw message" {size}</summary>
                <pre class="kept-raw">{k.raw.clone()}</pre>
            </details>
            <Show when=move || session.can_write()>
                <button class="secondary dismiss-kept" on:click={let d = on_dismiss.clone(); move |_| d(id)}>"Dismiss"</button>
            </Show>
        </li>
    }
}

/// The section; `tick` changes whenever the page reloads.
#[component]
pub fn KeptAsideList(tick: ReadSignal<u32>) -> impl IntoView {
    let session = Session::get();
    let list = RwSignal::new(None::<KeptAsideList>);
    let error = RwSignal::new(None::<String>);
    let load = move || {
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/kept-aside?limit={SHOWN}");
            match session.get_json::<KeptAsideList>(&path).await {
                Ok(l) => {
                    error.set(None);
                    list.set(Some(l));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        tick.track();
        load();
    });
    let dismiss = move |id: i64| {
        leptos::task::spawn_local(async move {
            match session
                .act("DELETE", &format!("/api/v1/kept-aside/{id}"))
                .await
            {
                Ok(()) => load(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" id="kept-aside" aria-labelledby="kept-aside-title">
            <h2 id="kept-aside-title">"Kept aside"</h2>
            <p class="error" role="alert">{move || error.get()}</p>
            {move || match list.get() {
                None => ().into_any(),
                Some(l) if l.items.is_empty() => view! {
                    <p class="hint" id="kept-aside-none">"Nothing: every event sent in the last 7 days could be read."</p>
                }.into_any(),
                Some(l) => {
                    // At the cap, older ones have given way to newer ones.
                    let more = if l.count >= 10_000 { "10,000 (the most kept; older ones gave way)".to_string() } else { l.count.to_string() };
                    view! {
                        <p id="kept-aside-count">{more} " event(s) in the last 7 days could not be read. They were kept here \
                            rather than refused: fix the sender or the flow's mapping, then dismiss them. Newest first."</p>
                        <ul class="kept-list">
                            {l.items.into_iter().map(|k| row(k, dismiss)).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}
