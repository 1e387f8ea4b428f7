//! `/operator`: every project on the server with what it holds, for the instance's
//! operators (`OVERDUE_OPERATORS`), and each project's own limits, set here
//! (docs/security.md, "Limits"). Read again every 10 s.

use leptos::prelude::*;
use overdue_types::{OperatorLimit as Limit, ProjectUsage as Usage, UsageList};

use crate::api::Session;

/// A limit typed in a field: empty is the server's setting (`null`).
fn typed(text: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>().map(Some).map_err(|_| {
        format!("{t:?} is not a whole number: type one, or leave it empty for the server's setting")
    })
}

/// The page.
#[component]
pub fn OperatorPage() -> impl IntoView {
    let session = Session::get();
    let rows = RwSignal::new(None::<Vec<Usage>>);
    let error = RwSignal::new(None::<String>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match session
                .get_json::<UsageList>("/api/v1/operator/projects")
                .await
            {
                Ok(l) => {
                    error.set(None);
                    rows.set(Some(l.projects));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load();
    let handle = set_interval_with_handle(load, std::time::Duration::from_secs(10)).ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });
    view! {
        <h1>"Every project on this server"</h1>
        <p class="hint">"You are one of this server's operators (OVERDUE_OPERATORS). A project's own limit stands for it instead of the server's; leave a field empty for the server's setting. Lowering one deletes nothing: only what is made next is refused."</p>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {move || rows.get().map(|list| view! {
            <table class="cards" id="operator-projects">
                <thead><tr><th>"Project"</th><th>"Owners"</th><th>"Members"</th><th>"Monitors"</th><th>"Channels"</th><th>"Flows"</th><th>"Live streams"</th><th>"Signals"</th><th>"Its own limits"</th></tr></thead>
                <tbody>
                    {list.into_iter().map(|u| view! { <UsageRow u=u on_saved=load/> }).collect_view()}
                </tbody>
            </table>
        })}
    }
}

/// The limits a project may have its own of: the API's field, the label.
const FIELDS: [(&str, &str); 5] = [
    ("max_monitors", "Monitors"),
    ("max_channels", "Channels"),
    ("max_flows", "Flows"),
    ("max_streams", "Live streams"),
    ("max_events_per_second", "Signals per second"),
];

/// The row's limits in [`FIELDS`]' order.
fn limits(u: &Usage) -> [&Limit; 5] {
    [
        &u.max_monitors,
        &u.max_channels,
        &u.max_flows,
        &u.max_streams,
        &u.max_events_per_second,
    ]
}

/// One project's row, with its limits' fields.
#[component]
fn UsageRow(u: Usage, on_saved: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let session = Session::get();
    let fields: Vec<RwSignal<String>> = limits(&u)
        .iter()
        .map(|l| RwSignal::new(l.own.map(|n| n.to_string()).unwrap_or_default()))
        .collect();
    let said = RwSignal::new(None::<Result<String, String>>);
    let id = u.id.clone();
    let typed_fields = fields.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = id.clone();
        let mut body = serde_json::Map::new();
        for ((key, label), text) in FIELDS.iter().zip(&typed_fields) {
            match typed(&text.get_untracked()) {
                Ok(v) => {
                    body.insert((*key).to_string(), serde_json::json!(v));
                }
                Err(e) => return said.set(Some(Err(format!("{label}: {e}")))),
            }
        }
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/operator/projects/{id}/limits");
            let body = serde_json::Value::Object(body);
            match session.send_unit("PUT", &path, &body).await {
                Ok(()) => {
                    said.set(Some(Ok("Saved.".into())));
                    on_saved();
                }
                Err(e) => said.set(Some(Err(e))),
            }
        });
    };
    let owners = if u.owners.is_empty() {
        "—".to_string()
    } else {
        u.owners.join(", ")
    };
    let of = |n: i64, l: &Limit| format!("{n} of {}", l.effective);
    let signals = if u.signals_refused > 0 {
        format!(
            "{} a second; {} refused here",
            u.max_events_per_second.effective, u.signals_refused
        )
    } else {
        format!("{} a second", u.max_events_per_second.effective)
    };
    let inputs = FIELDS
        .iter()
        .zip(fields)
        .map(|((key, label), value)| {
            let field_id = format!("limit-{}-{}", key.trim_start_matches("max_"), u.id);
            view! {
                <label for=field_id.clone()>{*label}</label>
                <input id=field_id type="text" inputmode="numeric" placeholder="server's"
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            }
        })
        .collect_view();
    view! {
        <tr>
            <td data-label="Project">{u.name.clone()}</td>
            <td data-label="Owners">{owners}</td>
            <td data-label="Members">{u.members}</td>
            <td data-label="Monitors">{of(u.monitors, &u.max_monitors)}</td>
            <td data-label="Channels">{of(u.channels, &u.max_channels)}</td>
            <td data-label="Flows">{of(u.flows, &u.max_flows)}</td>
            <td data-label="Live streams">{of(u.streams_open, &u.max_streams)}</td>
            <td data-label="Signals">{signals}</td>
            <td data-label="Its own limits">
                <form class="limits" on:submit=save>
                    {inputs}
                    <button type="submit" class="save-limits">"Save"</button>
                    {move || said.get().map(|r| match r {
                        Ok(t) => view! { <p role="status" class="hint">{t}</p> }.into_any(),
                        Err(e) => view! { <p role="alert" class="error">{e}</p> }.into_any(),
                    })}
                </form>
            </td>
        </tr>
    }
}
