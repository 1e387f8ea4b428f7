//! `/chains`: pipelines — each chain's members in order with their states, where its
//! run is (or stopped), its deadline, and a form to create one.

use leptos::prelude::*;
use leptos_router::components::A;
use overdue_types::{Chain, Monitor};
use serde::Deserialize;

use crate::api::Session;
use crate::widgets::badge;

#[derive(Deserialize)]
struct ChainList {
    chains: Vec<Chain>,
}

#[derive(Deserialize)]
struct Monitors {
    monitors: Vec<Monitor>,
}

fn chain_card(c: Chain) -> impl IntoView {
    let deadline = match (&c.within, &c.finish_by) {
        (Some(w), Some(by)) => format!(
            "within {} of its start, and by {by} {}",
            crate::form::human(*w),
            c.tz.clone().unwrap_or_default()
        ),
        (Some(w), None) => format!("within {} of its start", crate::form::human(*w)),
        (None, Some(by)) => format!("by {by} {}", c.tz.clone().unwrap_or_default()),
        (None, None) => String::new(),
    };
    let at = c.at_member.clone();
    let run = c.last_run.clone().map(|r| format!("/runs/{}", r.id));
    let n = c.members.len();
    view! {
        <div class="card chain" data-id=c.id.clone()>
            <div class="row spread">
                <h2><A href=format!("/monitors/{}", c.id)>{c.name.clone()}</A></h2>
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
            {run.map(|href| view! { <A href=href>"Latest run"</A> })}
        </div>
    }
}

/// The page.
#[component]
pub fn ChainsPage() -> impl IntoView {
    let session = Session::get();
    let list = RwSignal::new(Vec::<Chain>::new());
    let error = RwSignal::new(None::<String>);
    let name = RwSignal::new(String::new());
    let members = RwSignal::new(Vec::<(String, String)>::new());
    let monitors = RwSignal::new(Vec::<Monitor>::new());
    let within = RwSignal::new(String::new());
    let finish_by = RwSignal::new(String::new());
    let tz = RwSignal::new("UTC".to_string());
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
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let opt = |s: String| {
                let t = s.trim().to_string();
                (!t.is_empty()).then_some(t)
            };
            let by = opt(finish_by.get_untracked());
            let body = serde_json::json!({
                "name": name.get_untracked(),
                "members": members.get_untracked().into_iter().map(|(id, _)| id).collect::<Vec<_>>(),
                "within": opt(within.get_untracked()),
                "tz": by.as_ref().map(|_| tz.get_untracked()),
                "finish_by": by,
            });
            match session
                .send_json::<_, serde_json::Value>("POST", "/api/v1/chains", &body)
                .await
            {
                Ok(_) => {
                    error.set(None);
                    name.set(String::new());
                    members.set(Vec::new());
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let field = |id: &'static str,
                 label: &'static str,
                 value: RwSignal<String>,
                 hint: &'static str| {
        view! {
            <label for=id>{label}</label>
            <input id=id type="text" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            <p class="hint">{hint}</p>
        }
    };
    view! {
        <h1>"Chains"</h1>
        <p class="hint">"A chain's run starts with its first member and ends with its last member's success; it alerts once, naming where it stopped, when it misses its deadline."</p>
        <div id="chains">
            {move || list.get().into_iter().map(chain_card).collect_view()}
        </div>
        <form class="card" id="chain-form" on:submit=create>
            <h2>"New chain"</h2>
            {field("chain-name", "Name", name, "")}
            <crate::picker::MonitorPicker all=monitors chosen=members/>
            {field("chain-within", "Within (optional)", within, "From its first member's start, e.g. 3h.")}
            {field("chain-by", "Finish by (optional)", finish_by, "A time of day, e.g. 06:00.")}
            {field("chain-tz", "Timezone", tz, "For finish by: an IANA name such as Europe/Riga.")}
            <p class="error" role="alert" id="chain-error">{move || error.get()}</p>
            <button id="chain-save" type="submit">"Create chain"</button>
        </form>
    }
}
