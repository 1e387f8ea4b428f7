//! The offer a new default channel makes (docs/behaviour.md, "Dashboard"): "6 monitors
//! notify nobody: attach IT on-call to them?" A default channel is given to monitors
//! made after it; the ones that exist keep saying "nobody is notified" until someone
//! attaches it, so the Channels page asks at once instead of leaving the bulk action to
//! be found.

use leptos::prelude::*;
use overdue_types::Monitor;
use serde::Deserialize;
use wasm_bindgen::JsCast;

use crate::api::Session;

#[derive(Deserialize)]
struct MonitorList {
    monitors: Vec<Monitor>,
}

/// The channel on offer, and the monitors that notify nobody (their ids).
#[derive(Clone, Debug, PartialEq)]
pub struct Offer {
    /// The default channel's id.
    pub channel: String,
    /// Its name.
    pub name: String,
    /// Monitors with no channel at all.
    pub orphans: Vec<String>,
}

/// Looks for monitors that notify nobody and offers `channel` to them (nothing when
/// every monitor has a channel). Called from an answer's task, outside the page's
/// context: the session is passed in.
pub fn look(session: Session, offer: RwSignal<Option<Offer>>, channel: String, name: String) {
    leptos::task::spawn_local(async move {
        let Ok(l) = session.get_json::<MonitorList>("/api/v1/monitors").await else {
            return;
        };
        let orphans: Vec<String> = l
            .monitors
            .into_iter()
            .filter(|m| m.channels.is_empty())
            .map(|m| m.id)
            .collect();
        offer.set((!orphans.is_empty()).then_some(Offer {
            channel,
            name,
            orphans,
        }));
    });
}

/// The offer's card: attach to all of them (one API call per monitor, as the bulk
/// action), or not now.
#[component]
pub fn AttachOffer(
    /// The offer, if any.
    offer: RwSignal<Option<Offer>>,
) -> impl IntoView {
    let session = Session::get();
    let said = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // The offer appears at the top of the page while the form that made the channel is
    // at its bottom: its button takes the focus, which brings it into view.
    Effect::new(move |_| {
        if offer.with(Option::is_some) {
            request_animation_frame(|| {
                let button = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("attach-all"))
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(b) = button {
                    let _ = b.focus();
                }
            });
        }
    });
    let attach = move |_| {
        let Some(o) = offer.get_untracked() else {
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let mut done = 0;
            let mut refused = Vec::new();
            for id in &o.orphans {
                let path = format!("/api/v1/monitors/{id}/channels");
                let body = serde_json::json!({ "channels": [o.channel] });
                match session
                    .send_json::<_, serde_json::Value>("PUT", &path, &body)
                    .await
                {
                    Ok(_) => done += 1,
                    Err(e) => refused.push(e),
                }
            }
            let mut text = match done {
                1 => format!("{} now notifies 1 monitor more.", o.name),
                n => format!("{} now notifies {n} monitors more.", o.name),
            };
            if let Some(e) = refused.first() {
                text.push_str(&format!(" {} refused: {e}", refused.len()));
            }
            said.set(Some(text));
            offer.set(None);
            busy.set(false);
        });
    };
    view! {
        <p class="hint" id="attach-said" role="status">{move || said.get()}</p>
        {move || offer.get().map(|o| {
            let n = o.orphans.len();
            let who = if n == 1 { "1 monitor notifies nobody".to_string() } else { format!("{n} monitors notify nobody") };
            view! {
                <div class="card warn" id="attach-offer">
                    <p>{who} ": attach " <strong>{o.name.clone()}</strong> " to " {if n == 1 { "it" } else { "them" }} "?"</p>
                    <p class="row">
                        <button type="button" id="attach-all" disabled=move || busy.get() on:click=attach>
                            {if n == 1 { "Attach to 1 monitor".to_string() } else { format!("Attach to {n} monitors") }}
                        </button>
                        <button type="button" class="secondary" id="attach-not-now" on:click=move |_| offer.set(None)>"Not now"</button>
                    </p>
                </div>
            }
        })}
    }
}
