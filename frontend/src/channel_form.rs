//! The new-channel form, drawn from the server's table of kinds
//! (`/api/v1/channel-kinds`): per kind its help and one input per field (a list for
//! choices, a number, a text area for templates and headers), each with its label,
//! help and default — also to edit a channel (secrets masked and kept unless typed
//! again); and a channel's settings summed up in one line for its card.

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
fn field_input(
    f: ChannelField,
    values: RwSignal<HashMap<String, String>>,
    prefix: &'static str,
) -> impl IntoView {
    let id = format!("{prefix}channel-field-{}", f.name);
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
            // The stored choice when editing, else the kind's default.
            let chosen = move || {
                let v = value();
                if v.is_empty() {
                    first.clone()
                } else {
                    v
                }
            };
            view! {
                <select id=id.clone() on:change=set>
                    {choices.into_iter().map(|c| {
                        let chosen = chosen.clone();
                        let this = c.clone();
                        view! { <option value=c.clone() selected=move || chosen() == this>{c.clone()}</option> }
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

/// A stored setting as the form shows it: lists comma-separated, headers one
/// `Name: value` a line (secrets as the server masked them).
fn shown(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// A change's JSON: the name if renamed, each field whose value was changed (emptied
/// ones as `null`, which clears them). Untouched secrets are not sent, so the stored
/// ones stay; when the destination moves the server asks for them again.
fn change(
    kind: &ChannelKind,
    was: &Channel,
    name: &str,
    values: &HashMap<String, String>,
) -> serde_json::Value {
    let before: HashMap<String, String> = kind
        .fields
        .iter()
        .map(|f| (f.name.clone(), shown(&was.config[&f.name])))
        .collect();
    let now = body(kind, name, values, was.is_default, was.is_fallback);
    let mut b = serde_json::Map::new();
    if name.trim() != was.name {
        b.insert("name".into(), name.trim().into());
    }
    for f in &kind.fields {
        let typed = values.get(&f.name).map(|v| v.trim()).unwrap_or_default();
        if before.get(&f.name).map(|v| v.trim()).unwrap_or_default() == typed {
            continue;
        }
        b.insert(
            f.name.clone(),
            now.get(&f.name).cloned().unwrap_or(serde_json::Value::Null),
        );
    }
    b.into()
}

/// The labels of the stored secrets a change would drop: when it moves the channel (a
/// URL field changed), every secret field with a stored value left as it was. The
/// server drops them (docs/security.md, "Channel destinations"); the form asks first.
fn dropped(kind: &ChannelKind, was: &Channel, values: &HashMap<String, String>) -> Vec<String> {
    let now = |f: &ChannelField| {
        values
            .get(&f.name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let before = |f: &ChannelField| shown(&was.config[&f.name]).trim().to_string();
    let moved = kind
        .fields
        .iter()
        .any(|f| f.kind == "url" && now(f) != before(f));
    if !moved {
        return Vec::new();
    }
    kind.fields
        .iter()
        .filter(|f| f.secret && f.kind != "url" && !before(f).is_empty() && now(f) == before(f))
        .map(|f| f.label.clone())
        .collect()
}

/// The form: a new channel (`editing` none), or a change to `editing` (its kind
/// fixed, its settings filled in, secrets masked and kept unless typed anew).
#[component]
pub fn ChannelForm(
    kinds: RwSignal<Vec<ChannelKind>>,
    #[prop(optional)] editing: Option<Channel>,
    on_saved: impl Fn(Channel) + Copy + Send + Sync + 'static,
    #[prop(optional)] on_cancel: Option<Callback<()>>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let session = Session::get();
    let was = StoredValue::new(editing.clone());
    let edit = editing.is_some();
    let kind = RwSignal::new(
        editing
            .as_ref()
            .map(|c| c.kind.clone())
            .unwrap_or_else(|| "email".into()),
    );
    let name = RwSignal::new(editing.as_ref().map(|c| c.name.clone()).unwrap_or_default());
    let values = RwSignal::new(HashMap::<String, String>::new());
    let default = RwSignal::new(true);
    let fallback = RwSignal::new(false);
    let current = move || kinds.with(|ks| ks.iter().find(|k| k.kind == kind.get()).cloned());
    // Editing: the stored settings in the fields once the kinds are known.
    Effect::new(move |_| {
        let (Some(c), Some(k)) = (was.get_value(), current()) else {
            return;
        };
        values.set(
            k.fields
                .iter()
                .map(|f| (f.name.clone(), shown(&c.config[&f.name])))
                .collect(),
        );
    });
    // The secrets a move would drop, once said: a second save goes without them.
    let warned = RwSignal::new(Vec::<String>::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(k) = current() else { return };
        let (typed, vals) = (name.get_untracked(), values.get_untracked());
        if let Some(c) = was.get_value() {
            let gone = dropped(&k, &c, &vals);
            if !gone.is_empty() && gone != warned.get_untracked() {
                let it = if gone.len() == 1 { "it" } else { "them" };
                error.set(Some(format!(
                    "The destination changed, so the stored {} will not go with it: type {it} again, or save again to drop {it}.",
                    gone.join(" and "),
                )));
                warned.set(gone);
                return;
            }
        }
        let (method, path, b) = match was.get_value() {
            Some(c) => (
                "PATCH",
                format!("/api/v1/channels/{}", c.id),
                change(&k, &c, &typed, &vals),
            ),
            None => (
                "POST",
                "/api/v1/channels".to_string(),
                body(
                    &k,
                    &typed,
                    &vals,
                    default.get_untracked(),
                    fallback.get_untracked(),
                ),
            ),
        };
        leptos::task::spawn_local(async move {
            match session.send_json::<_, Channel>(method, &path, &b).await {
                Ok(made) => {
                    error.set(None);
                    if !edit {
                        name.set(String::new());
                        values.set(HashMap::new());
                    }
                    on_saved(made);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let form_id = if edit { "channel-edit" } else { "channel-form" };
    // The edit form sits in a channel's card while the new-channel form is on the
    // page too: its fields get ids of their own.
    let prefix = if edit { "edit-" } else { "" };
    let name_id = format!("{prefix}channel-name");
    view! {
        <form class="card" on:submit=save id=form_id>
            <h2>{if edit { "Edit channel" } else { "New channel" }}</h2>
            {(!edit).then(|| view! {
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
            })}
            {edit.then(|| view! {
                <p class="hint">"Secrets are shown masked: leave them as they are to keep them. \
                    A new address or server needs them typed again, so they never follow a \
                    channel somewhere else."</p>
            })}
            <label for=name_id.clone()>"Name"</label>
            <input id=name_id type="text" required placeholder="IT on-call"
                prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <div id=format!("{prefix}channel-fields")>
                {move || current().map(|k| k.fields.into_iter().map(|f| field_input(f, values, prefix)).collect_view())}
            </div>
            {(!edit).then(|| view! {
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
            })}
            {edit.then(|| view! { <p class="error" role="alert" id="channel-edit-error">{move || error.get()}</p> })}
            <div class="row">
                <button id=if edit { "channel-save" } else { "channel-create" } type="submit">
                    {if edit { "Save channel" } else { "Add channel" }}
                </button>
                {on_cancel.map(|cancel| view! {
                    <button type="button" class="secondary" on:click=move |_| cancel.run(())>"Cancel"</button>
                })}
            </div>
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
            let text = shown(&c.config[&f.name]);
            (!text.is_empty()).then(|| format!("{}: {text}", f.label))
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
