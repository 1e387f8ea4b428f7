//! `/audit`: the project's audit log for admins and owners (docs/security.md, "Audit
//! log") — who changed what, when and from where, newest first, narrowed by who or by
//! kind of object, older pages on demand, and the whole log as NDJSON.

use leptos::prelude::*;
use overdue_types::{AuditEvent, AuditPage};

use crate::api::Session;

/// The fields of a record in one line: `name: backup · url: changed`.
fn fields(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) if m.is_empty() => "—".into(),
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(" · "),
        other => other.to_string(),
    }
}

/// The query of the current filters (and page).
fn query(actor: &str, object: &str, before: Option<i64>) -> String {
    let mut q = vec!["limit=50".to_string()];
    for (k, v) in [("actor", actor), ("object", object)] {
        if !v.trim().is_empty() {
            let v = String::from(js_sys::encode_uri_component(v.trim()));
            q.push(format!("{k}={v}"));
        }
    }
    if let Some(b) = before {
        q.push(format!("before={b}"));
    }
    q.join("&")
}

/// The page.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let session = Session::get();
    let events = RwSignal::new(Vec::<AuditEvent>::new());
    let next = RwSignal::new(None::<i64>);
    let actor = RwSignal::new(String::new());
    let object = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let load = move |more: bool| {
        let before = if more { next.get_untracked() } else { None };
        let q = query(&actor.get_untracked(), &object.get_untracked(), before);
        leptos::task::spawn_local(async move {
            match session
                .get_json::<AuditPage>(&format!("/api/v1/audit?{q}"))
                .await
            {
                Ok(p) => {
                    error.set(None);
                    next.set(p.next);
                    if more {
                        events.update(|e| e.extend(p.events));
                    } else {
                        events.set(p.events);
                    }
                }
                Err(e) => error.set(Some(e)),
            }
            loaded.set(true);
        });
    };
    Effect::new(move |_| {
        session.project.track();
        if session.can_manage() {
            load(false);
        }
    });
    let export = move || {
        format!(
            "/api/v1/audit?format=ndjson&project={}",
            session.project.get().unwrap_or_default()
        )
    };
    view! {
        <h1>"Audit log"</h1>
        <Show when=move || session.can_manage() fallback=|| view! {
            <p class="hint" id="audit-admin-only">"The audit log is read by the project's admins and owners."</p>
        }>
            <p class="hint">"Every change made to this project through the API, the dashboard, "<code>"overdue apply"</code>" or the command line, and its members' sign-ins: who, what, when and from where. Secrets show only as \u{201c}changed\u{201d}."</p>
            <form class="filters" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(false); }>
                <label>"Who"<input id="audit-actor" type="text" placeholder="ann@example.com or key ci"
                    prop:value=move || actor.get() on:input=move |ev| actor.set(event_target_value(&ev))/></label>
                <label>"Object"<input id="audit-object" type="text" placeholder="monitors, channels, members…"
                    prop:value=move || object.get() on:input=move |ev| object.set(event_target_value(&ev))/></label>
                <button type="submit" id="audit-filter">"Show"</button>
                <a id="audit-export" href=export download="overdue-audit.ndjson" rel="external">"Export NDJSON"</a>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Show when=move || !events.with(Vec::is_empty) fallback=move || view! {
                <p class="hint" id="audit-empty">{move || if loaded.get() { "Nothing recorded yet." } else { "Loading…" }}</p>
            }>
                <table class="cards" id="audit">
                    <thead><tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"Object"</th><th>"Fields"</th><th>"From"</th></tr></thead>
                    <tbody>
                        {move || events.get().into_iter().map(|e| view! {
                            <tr>
                                <td data-label="When">{crate::time::when(Some(e.at.clone()))}</td>
                                <td data-label="Who">{e.actor.clone()}</td>
                                <td data-label="What">{e.action.clone()}</td>
                                <td data-label="Object">{e.object.clone()} {e.object_id.clone().map(|id| view! { " " <code class="wrap">{id}</code> })}</td>
                                <td data-label="Fields" class="wrap">{fields(&e.fields)}</td>
                                <td data-label="From">{e.address.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </Show>
            {move || next.get().map(|_| view! {
                <p><button type="button" class="secondary" id="audit-more" on:click=move |_| load(true)>"Older"</button></p>
            })}
        </Show>
    }
}
