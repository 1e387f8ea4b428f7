//! Bulk actions on the monitors selected in the list: pause, resume, delete (after a
//! confirmation), add or remove a tag, assign a channel. Each monitor is one API call
//! (the same the single actions make), so the server's checks hold for every one; the
//! bar says how many succeeded and names those refused.

use std::collections::BTreeSet;

use leptos::prelude::*;
use overdue_types::{Channel, Monitor};
use serde::Deserialize;
use serde_json::json;

use crate::api::Session;

#[derive(Deserialize)]
struct Channels {
    channels: Vec<Channel>,
}

/// One bulk action.
#[derive(Clone)]
enum Action {
    Pause,
    Resume,
    Delete,
    AddTag(String),
    RemoveTag(String),
    AddChannel(String),
}

impl Action {
    fn done(&self) -> &'static str {
        match self {
            Action::Pause => "paused",
            Action::Resume => "resumed",
            Action::Delete => "deleted",
            Action::AddTag(_) => "tagged",
            Action::RemoveTag(_) => "untagged",
            Action::AddChannel(_) => "assigned the channel",
        }
    }
}

/// Applies `action` to monitor `m`; the new row (`None` when deleted).
async fn apply(session: Session, m: &Monitor, action: &Action) -> Result<Option<Monitor>, String> {
    let path = format!("/api/v1/monitors/{}", m.id);
    let post = |a: &str| format!("{path}/{a}");
    match action {
        Action::Pause => session
            .send_json("POST", &post("pause"), &json!({}))
            .await
            .map(Some),
        Action::Resume => session
            .send_json("POST", &post("resume"), &json!({}))
            .await
            .map(Some),
        Action::Delete => session.act("DELETE", &path).await.map(|_| None),
        Action::AddTag(t) | Action::RemoveTag(t) => {
            let mut tags = m.tags.clone();
            tags.retain(|x| x != t);
            if matches!(action, Action::AddTag(_)) {
                tags.push(t.clone());
            }
            session
                .send_json("PATCH", &path, &json!({ "tags": tags }))
                .await
                .map(Some)
        }
        Action::AddChannel(c) => {
            let mut chans = m.channels.clone();
            if !chans.contains(c) {
                chans.push(c.clone());
            }
            session
                .send_json("PUT", &post("channels"), &json!({ "channels": chans }))
                .await
                .map(Some)
        }
    }
}

/// The bar over the list while monitors are selected.
#[component]
pub fn BulkBar(
    /// The selected monitors' ids.
    selected: RwSignal<BTreeSet<String>>,
    /// The list (updated with the answers).
    list: RwSignal<Vec<Monitor>>,
) -> impl IntoView {
    let session = Session::get();
    let glance = crate::glance::Glance::get();
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<(String, Vec<String>)>);
    let confirm = RwSignal::new(false);
    let tag = RwSignal::new(String::new());
    let channel = RwSignal::new(String::new());
    let channels = RwSignal::new(Vec::<(String, String)>::new());
    leptos::task::spawn_local(async move {
        if let Ok(l) = session.get_json::<Channels>("/api/v1/channels").await {
            channels.set(l.channels.into_iter().map(|c| (c.id, c.name)).collect());
        }
    });
    let run = move |action: Action| {
        let ids = selected.get_untracked();
        let targets: Vec<Monitor> =
            list.with_untracked(|l| l.iter().filter(|m| ids.contains(&m.id)).cloned().collect());
        busy.set(true);
        confirm.set(false);
        leptos::task::spawn_local(async move {
            let (mut ok, mut refused) = (0, Vec::new());
            for m in &targets {
                match apply(session, m, &action).await {
                    Ok(updated) => {
                        ok += 1;
                        list.update(|l| match updated {
                            Some(u) => {
                                if let Some(x) = l.iter_mut().find(|x| x.id == u.id) {
                                    *x = u;
                                }
                            }
                            None => l.retain(|x| x.id != m.id),
                        });
                    }
                    Err(e) => refused.push(format!("{}: {e}", m.name)),
                }
            }
            let noun = if ok == 1 { "monitor" } else { "monitors" };
            outcome.set(Some((format!("{ok} {noun} {}.", action.done()), refused)));
            if matches!(action, Action::Delete) {
                selected.set(BTreeSet::new());
            }
            glance.touch();
            busy.set(false);
        });
    };
    let tag_words = move || tag.get().trim().to_string();
    view! {
        <div class="card bulk" id="bulk" role="region" aria-label="Bulk actions">
            <div class="row">
                <strong id="bulk-count">{move || match selected.with(BTreeSet::len) { 1 => "1 selected".to_string(), n => format!("{n} selected") }}</strong>
                <button type="button" class="secondary" id="bulk-pause" disabled=move || busy.get() on:click=move |_| run(Action::Pause)>"Pause"</button>
                <button type="button" class="secondary" id="bulk-resume" disabled=move || busy.get() on:click=move |_| run(Action::Resume)>"Resume"</button>
                <button type="button" class="danger" id="bulk-delete" disabled=move || busy.get() on:click=move |_| confirm.set(true)>"Delete…"</button>
                <button type="button" class="link" id="bulk-clear" on:click=move |_| { selected.set(BTreeSet::new()); outcome.set(None); }>"Clear selection"</button>
            </div>
            <Show when=move || confirm.get()>
                <div class="row confirm" role="alertdialog" aria-label="Confirm bulk delete">
                    <span>{move || format!("Delete {} monitors with their history? This cannot be undone.", selected.with(BTreeSet::len))}</span>
                    <button type="button" class="danger" id="bulk-delete-confirm" on:click=move |_| run(Action::Delete)>"Delete them"</button>
                    <button type="button" class="secondary" on:click=move |_| confirm.set(false)>"Cancel"</button>
                </div>
            </Show>
            <div class="row">
                <label class="plain" for="bulk-tag">"Tag"</label>
                <input id="bulk-tag" class="short" type="text" placeholder="prod"
                    prop:value=move || tag.get() on:input=move |ev| tag.set(event_target_value(&ev))/>
                <button type="button" class="secondary" id="bulk-tag-add" disabled=move || busy.get() || tag_words().is_empty()
                    on:click=move |_| run(Action::AddTag(tag_words()))>"Add tag"</button>
                <button type="button" class="secondary" id="bulk-tag-remove" disabled=move || busy.get() || tag_words().is_empty()
                    on:click=move |_| run(Action::RemoveTag(tag_words()))>"Remove tag"</button>
                <label class="plain" for="bulk-channel">"Channel"</label>
                <select id="bulk-channel" class="short" on:change=move |ev| channel.set(event_target_value(&ev))>
                    <option value="">"Choose…"</option>
                    {move || channels.get().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
                <button type="button" class="secondary" id="bulk-channel-add" disabled=move || busy.get() || channel.get().is_empty()
                    on:click=move |_| run(Action::AddChannel(channel.get_untracked()))>"Assign channel"</button>
            </div>
            <div role="status" id="bulk-outcome">
                {move || outcome.get().map(|(text, refused)| view! {
                    <p>{text}</p>
                    {(!refused.is_empty()).then(|| view! {
                        <ul class="error">{refused.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                    })}
                })}
            </div>
        </div>
    }
}
