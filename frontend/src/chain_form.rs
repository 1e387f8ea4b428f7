//! The chain form — a new chain, or the one being edited (its values filled in; a save
//! replaces them with `PUT /api/v1/chains/<id>`): name, members in order (a search
//! picker), and the deadline: within a time of its start, by a time of day in a zone
//! (picked from the zones the browser knows), or both. The server's refusal is shown
//! under the form; a new chain clears it.

use leptos::prelude::*;
use overdue_types::{Chain, Monitor};

use crate::api::Session;

/// A chain's deadline in words: "within 3 h of its start, and by 06:00 Europe/Riga".
pub fn deadline_words(c: &Chain) -> String {
    let zone = c.tz.clone().unwrap_or_else(|| "UTC".into());
    match (&c.within, &c.finish_by) {
        (Some(w), Some(by)) => format!(
            "within {} of its start, and by {by} {zone}",
            overdue_types::span(w * 1_000)
        ),
        (Some(w), None) => format!("within {} of its start", overdue_types::span(w * 1_000)),
        (None, Some(by)) => format!("by {by} {zone}"),
        (None, None) => String::new(),
    }
}

/// The field a refusal of the chains API is about, by the words it starts with.
fn field_of(message: &str) -> Option<&'static str> {
    let m = message.to_lowercase();
    [
        ("name", "chain-name"),
        ("finish_by", "chain-by"),
        ("tz ", "chain-tz"),
        ("invalid timezone", "chain-tz"),
        ("within", "chain-within"),
        ("give the chain's deadline", "chain-within"),
    ]
    .into_iter()
    .find(|(start, _)| m.starts_with(start))
    .map(|(_, id)| id)
}

/// The form. `editing`: the chain to change (none: a new one).
#[component]
pub fn ChainForm(
    monitors: RwSignal<Vec<Monitor>>,
    #[prop(optional)] editing: Option<Chain>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
    #[prop(optional)] on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let session = Session::get();
    let was = StoredValue::new(editing.clone());
    let edit = editing.is_some();
    let error = RwSignal::new(None::<String>);
    let name = RwSignal::new(editing.as_ref().map(|c| c.name.clone()).unwrap_or_default());
    let members = RwSignal::new(
        editing
            .as_ref()
            .map(|c| {
                c.members
                    .iter()
                    .map(|m| (m.monitor.clone(), m.name.clone()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    );
    let within = RwSignal::new(
        editing
            .as_ref()
            .and_then(|c| c.within)
            .map(|s| overdue_types::route_form::duration_text(s * 1_000))
            .unwrap_or_default(),
    );
    let finish_by = RwSignal::new(
        editing
            .as_ref()
            .and_then(|c| c.finish_by.clone())
            .unwrap_or_default(),
    );
    let tz = RwSignal::new(
        editing
            .as_ref()
            .and_then(|c| c.tz.clone())
            .unwrap_or_else(|| "UTC".into()),
    );
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
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
        let (method, path) = match was.get_value() {
            Some(c) => ("PUT", format!("/api/v1/chains/{}", c.id)),
            None => ("POST", "/api/v1/chains".to_string()),
        };
        leptos::task::spawn_local(async move {
            match session
                .send_json::<_, serde_json::Value>(method, &path, &body)
                .await
            {
                Ok(_) => {
                    error.set(None);
                    if !edit {
                        name.set(String::new());
                        members.set(Vec::new());
                        within.set(String::new());
                        finish_by.set(String::new());
                    }
                    on_saved();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // The refusal said at the field it is about, and once more under the form.
    let at = move |id: &'static str| error.get().filter(|e| field_of(e) == Some(id));
    let field = move |id: &'static str,
                      label: &'static str,
                      value: RwSignal<String>,
                      hint: &'static str,
                      list: Option<&'static str>| {
        view! {
            <label for=id>{label}</label>
            <input id=id type="text" list=list autocomplete="off" prop:value=move || value.get()
                aria-invalid=move || at(id).is_some().to_string()
                on:input=move |ev| value.set(event_target_value(&ev))/>
            <p class="error field-error" id=format!("{id}-error")>{move || at(id)}</p>
            <p class="hint">{hint}</p>
        }
    };
    view! {
        <form class="card" id="chain-form" on:submit=save>
            <h2>{if edit { "Edit chain" } else { "New chain" }}</h2>
            {field("chain-name", "Name", name, "", None)}
            <crate::picker::MonitorPicker all=monitors chosen=members/>
            {field("chain-within", "Within (optional)", within, "From its first member's start, e.g. 3h.", None)}
            {field("chain-by", "Finish by (optional)", finish_by, "A time of day, e.g. 06:00.", None)}
            {field("chain-tz", "Time zone", tz, "Of \"finish by\": pick one or type an IANA name such as Europe/Riga.", Some("zones"))}
            <crate::time::ZoneList/>
            {edit.then(|| view! { <p class="hint">"A change applies at once: a run under way gets the new deadline, counted from its start."</p> })}
            <p class="error" role="alert" id="chain-error">{move || error.get()}</p>
            <div class="row">
                <button id="chain-save" type="submit">{if edit { "Save chain" } else { "Create chain" }}</button>
                {on_cancel.map(|cancel| view! {
                    <button type="button" class="secondary" on:click=move |_| cancel.run(())>"Cancel"</button>
                })}
            </div>
        </form>
    }
}
