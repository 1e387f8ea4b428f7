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
                <thead><tr><th>"Project"</th><th>"Owners"</th><th>"Members"</th><th>"Monitors"</th><th>"Channels"</th><th>"Flows"</th><th>"Live streams"</th><th>"Its own limits"</th></tr></thead>
                <tbody>
                    {list.into_iter().map(|u| view! { <UsageRow u=u on_saved=load/> }).collect_view()}
                </tbody>
            </table>
        })}
    }
}

/// One project's row, with its limits' fields.
#[component]
fn UsageRow(u: Usage, on_saved: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let session = Session::get();
    let text = |l: &Limit| l.own.map(|n| n.to_string()).unwrap_or_default();
    let monitors = RwSignal::new(text(&u.max_monitors));
    let streams = RwSignal::new(text(&u.max_streams));
    let said = RwSignal::new(None::<Result<String, String>>);
    let id = u.id.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = id.clone();
        leptos::task::spawn_local(async move {
            let body = match (
                typed(&monitors.get_untracked()),
                typed(&streams.get_untracked()),
            ) {
                (Ok(m), Ok(s)) => serde_json::json!({"max_monitors": m, "max_streams": s}),
                (Err(e), _) => return said.set(Some(Err(format!("Monitors: {e}")))),
                (_, Err(e)) => return said.set(Some(Err(format!("Live streams: {e}")))),
            };
            let path = format!("/api/v1/operator/projects/{id}/limits");
            match session.send_unit("PUT", &path, &body).await {
                Ok(()) => {
                    said.set(Some(Ok("Saved.".into())));
                    on_saved();
                }
                Err(e) => said.set(Some(Err(e))),
            }
        });
    };
    let mon_id = format!("limit-monitors-{}", u.id);
    let str_id = format!("limit-streams-{}", u.id);
    let owners = if u.owners.is_empty() {
        "—".to_string()
    } else {
        u.owners.join(", ")
    };
    let monitors_of = format!("{} of {}", u.monitors, u.max_monitors.effective);
    let streams_of = format!("{} of {}", u.streams_open, u.max_streams.effective);
    view! {
        <tr>
            <td data-label="Project">{u.name.clone()}</td>
            <td data-label="Owners">{owners}</td>
            <td data-label="Members">{u.members}</td>
            <td data-label="Monitors">{monitors_of}</td>
            <td data-label="Channels">{u.channels}</td>
            <td data-label="Flows">{u.flows}</td>
            <td data-label="Live streams">{streams_of}</td>
            <td data-label="Its own limits">
                <form class="limits" on:submit=save>
                    <label for=mon_id.clone()>"Monitors"</label>
                    <input id=mon_id type="text" inputmode="numeric" placeholder="server's"
                        prop:value=move || monitors.get() on:input=move |ev| monitors.set(event_target_value(&ev))/>
                    <label for=str_id.clone()>"Live streams"</label>
                    <input id=str_id type="text" inputmode="numeric" placeholder="server's"
                        prop:value=move || streams.get() on:input=move |ev| streams.set(event_target_value(&ev))/>
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
