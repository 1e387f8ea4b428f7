//! `/chains`: pipelines — each chain's members in order with their states, where its
//! run is (or stopped), its deadline, each opening the chain's page; and a form to
//! create one (`chain_form`).

use leptos::prelude::*;
use leptos_router::components::A;
use overdue_types::{Chain, Monitor};
use serde::Deserialize;

use crate::api::Session;
use crate::chain_form::{deadline_words, ChainForm};
use crate::widgets::badge;

#[derive(Deserialize)]
struct ChainList {
    chains: Vec<Chain>,
}

/// The project's monitors (`GET /api/v1/monitors`).
#[derive(Deserialize)]
pub struct Monitors {
    /// Them.
    pub monitors: Vec<Monitor>,
}

fn chain_card(c: Chain) -> impl IntoView {
    let deadline = deadline_words(&c);
    let at = c.at_member.clone();
    let n = c.members.len();
    view! {
        <div class="card chain" data-id=c.id.clone()>
            <div class="row spread">
                <h2><A href=format!("/chains/{}", c.id)>{c.name.clone()}</A></h2>
                {badge(c.state.clone())}
            </div>
            <p class="hint">"Must finish " {deadline}</p>
            {c.down_detail.clone().map(|d| view! { <p class="error">"Missed its deadline: " {d}</p> })}
            <ol class="flow">
                {c.members.into_iter().enumerate().map(|(i, m)| {
                    let here = at.as_deref() == Some(m.name.as_str());
                    view! {
                        <li class:here=here>
                            <A href=format!("/monitors/{}", m.monitor)>{m.name}</A> " " {badge(m.state)}
                            {(i + 1 < n).then(|| view! { <span aria-hidden="true">" →"</span> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </div>
    }
}

/// The page.
#[component]
pub fn ChainsPage() -> impl IntoView {
    let session = Session::get();
    let list = RwSignal::new(Vec::<Chain>::new());
    let error = RwSignal::new(None::<String>);
    let monitors = RwSignal::new(Vec::<Monitor>::new());
    let reload = move || {
        leptos::task::spawn_local(async move {
            match session.get_json::<ChainList>("/api/v1/chains").await {
                Ok(l) => list.set(l.chains),
                Err(e) => error.set(Some(e)),
            }
            if let Ok(m) = session.get_json::<Monitors>("/api/v1/monitors").await {
                monitors.set(m.monitors);
            }
        });
    };
    Effect::new(move |_| {
        session.project.track();
        reload();
    });
    view! {
        <h1>"Chains"</h1>
        <p class="hint">"A chain's run starts with its first member and ends with its last member's success; it alerts once, naming where it stopped, when it misses its deadline."</p>
        <p class="error" role="alert">{move || error.get()}</p>
        <div id="chains">
            {move || list.get().into_iter().map(chain_card).collect_view()}
        </div>
        <Show when=move || session.can_write()>
            <ChainForm monitors=monitors on_saved=reload/>
        </Show>
    }
}
