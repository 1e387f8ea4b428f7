//! The new-channel form, drawn from the server's table of kinds
//! (`/api/v1/channel-kinds`): per kind its help and one input per field (a list for
//! choices, a number, a text area for templates and headers), each with its label,
//! help and default; and a channel's settings summed up in one line for its card.

use std::collections::HashMap;

use leptos::prelude::*;
use overdue_types::{Channel, ChannelField, ChannelKind};

use crate::api::Session;

/// The form's JSON for `kind` from the typed values: addresses split, headers read
/// from `Name: value` lines, empty fields left out (the server fills defaults).
fn body(
    kind: &ChannelKind,
    name: &str,
    values: &HashMap<String, String>,
    default: bool,
    fallback: bool,
) -> serde_json::Value {
    let mut b = serde_json::json!({
        "kind": kind.kind, "name": name, "is_default": default, "is_fallback": fallback,
    });
    for f in &kind.fields {
        let Some(v) = values
            .get(&f.name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        else {
            continue;
        };
        b[&f.name] = match f.kind.as_str() {
            "addresses" => v
                .split([',', ';', ' ', '\n'])
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| serde_json::Value::String(a.to_string()))
                .collect(),
            "headers" => v
                .lines()
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| {
                    (
                        k.trim().to_string(),
                        serde_json::Value::String(v.trim().into()),
                    )
                })
                .collect::<serde_json::Map<_, _>>()
                .into(),
            _ => v.into(),
        };
    }
    b
}

/// One field's input.
fn field_input(f: ChannelField, values: RwSignal<HashMap<String, String>>) -> impl IntoView {
    let id = format!("channel-field-{}", f.name);
    let name = f.name.clone();
    let value = {
        let name = name.clone();
        move || values.with(|v| v.get(&name).cloned().unwrap_or_default())
    };
    let set = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        values.update(|m| {
            m.insert(name.clone(), v);
        });
    };
    let placeholder = f.default.clone().unwrap_or_default();
    // A list always has a value: nothing to call optional.
    let label = if f.required || f.kind == "choice" {
        f.label.clone()
    } else {
        format!("{} (optional)", f.label)
    };
    let input = match f.kind.as_str() {
        "choice" => {
            let choices = f.choices.clone().unwrap_or_default();
            let first = f.default.clone().unwrap_or_default();
            view! {
                <select id=id.clone() on:change=set>
                    {choices.into_iter().map(|c| {
                        let selected = c == first;
                        view! { <option value=c.clone() selected=selected>{c.clone()}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        "template" | "headers" => view! {
            <textarea id=id.clone() rows="3" placeholder=if f.kind == "headers" { "Authorization: Bearer …".to_string() } else { placeholder }
                prop:value=value on:input=set></textarea>
        }
        .into_any(),
        other => {
            let ty = match other {
                "number" => "number",
                "url" => "url",
                _ => "text",
            };
            view! {
                <input id=id.clone() type=ty required=f.required placeholder=placeholder
                    autocomplete="off" spellcheck="false" prop:value=value on:input=set/>
            }
            .into_any()
        }
    };
    view! {
        <label for=id>{label}</label>
        {input}
        {(!f.help.is_empty()).then(|| view! { <p class="hint field-help">{f.help.clone()}</p> })}
    }
}

/// The form.
#[component]
pub fn NewChannelForm(
    kinds: RwSignal<Vec<ChannelKind>>,
    on_created: impl Fn(Channel) + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let session = Session::get();
    let kind = RwSignal::new("email".to_string());
    let name = RwSignal::new(String::new());
    let values = RwSignal::new(HashMap::<String, String>::new());
    let default = RwSignal::new(true);
    let fallback = RwSignal::new(false);
    let current = move || kinds.with(|ks| ks.iter().find(|k| k.kind == kind.get()).cloned());
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(k) = current() else { return };
        let b = body(
            &k,
            &name.get_untracked(),
            &values.get_untracked(),
            default.get_untracked(),
            fallback.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            match session
                .send_json::<_, Channel>("POST", "/api/v1/channels", &b)
                .await
            {
                Ok(made) => {
                    error.set(None);
                    name.set(String::new());
                    values.set(HashMap::new());
                    on_created(made);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="card" on:submit=create id="channel-form">
            <h2>"New channel"</h2>
            <label for="channel-kind">"Kind"</label>
            <select id="channel-kind" on:change=move |ev| {
                kind.set(event_target_value(&ev));
                values.set(HashMap::new());
            }>
                {move || kinds.get().into_iter().map(|k| {
                    let selected = k.kind == kind.get_untracked();
                    view! { <option value=k.kind.clone() selected=selected>{k.label.clone()}</option> }
                }).collect_view()}
            </select>
            <p class="hint" id="channel-help">{move || current().map(|k| k.help)}</p>
            <label for="channel-name">"Name"</label>
            <input id="channel-name" type="text" required placeholder="IT on-call"
                prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <div id="channel-fields">
                {move || current().map(|k| k.fields.into_iter().map(|f| field_input(f, values)).collect_view())}
            </div>
            <label class="check">
                <input type="checkbox" id="channel-default" prop:checked=move || default.get()
                    on:change=move |ev| default.set(event_target_checked(&ev))/>
                " Default: new monitors notify this channel"
            </label>
            <label class="check">
                <input type="checkbox" id="channel-fallback" prop:checked=move || fallback.get()
                    on:change=move |ev| fallback.set(event_target_checked(&ev))/>
                " Fallback: told when another channel keeps failing"
            </label>
            <button id="channel-create" type="submit">"Add channel"</button>
        </form>
    }
}

/// A channel's settings in one line (secrets come masked from the server): each set
/// field of its kind as `label: value`, templates and headers left out.
pub fn summary(c: &Channel, kinds: &[ChannelKind]) -> String {
    let Some(k) = kinds.iter().find(|k| k.kind == c.kind) else {
        return String::new();
    };
    k.fields
        .iter()
        .filter(|f| f.kind != "template" && f.kind != "headers")
        .filter_map(|f| {
            let v = &c.config[&f.name];
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => return None,
            };
            Some(format!("{}: {text}", f.label))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The kind's label.
pub fn label(kind: &str, kinds: &[ChannelKind]) -> String {
    kinds
        .iter()
        .find(|k| k.kind == kind)
        .map(|k| k.label.clone())
        .unwrap_or_else(|| kind.to_string())
}
