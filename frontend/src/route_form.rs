//! The form of a route — a new one, or the one being edited (its values filled in; a
//! save replaces them): name, what it matches (chips for kinds, severities, reasons and
//! the project's tags; a monitor pattern with suggestions), its channels, reminders and
//! the first escalation step (durations with suggestions, the backup from a list), quiet
//! and active hours with a zone picker, grouping and `continue`. Every mistake is shown
//! at its field at once, in words (`overdue_types::route_form`), before anything is
//! sent; a save clears the form. What only the API sets (further steps, weekdays and
//! holidays of a window, the digest time) is kept.

use leptos::prelude::*;
use overdue_types::route_form::{self, Draft, Mistake};
use overdue_types::{Channel, Route};

use crate::api::Session;
use crate::route_body::{body, fill, Fields};
use crate::widgets::chips;

/// Common durations offered by the duration fields (any other may be typed).
const DURATIONS: &[&str] = &["1m", "5m", "15m", "30m", "1h", "2h", "4h", "12h", "1d"];

/// The form.
#[component]
pub fn RouteForm(
    channels: RwSignal<Vec<Channel>>,
    /// The project's tags (the tag chips).
    tags: Signal<Vec<String>>,
    /// The project's monitors' names (suggestions for the monitor pattern).
    monitor_names: Signal<Vec<String>>,
    editing: RwSignal<Option<Route>>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let session = Session::get();
    let f = Fields::new();
    let mistakes = RwSignal::new(Vec::<Mistake>::new());
    let saved = RwSignal::new(None::<String>);
    // Editing: the route's values in the fields; done editing: a clear form.
    Effect::new(move |_| match editing.get() {
        Some(r) => fill(&f, &r),
        None => f.clear(),
    });
    let draft = move || Draft {
        name: f.name.get_untracked(),
        channels: f.chosen.with_untracked(Vec::len),
        repeat: f.repeat.get_untracked(),
        escalate_after: f.escalate_after.get_untracked(),
        backup: f.backup.get_untracked(),
        quiet: (f.quiet_from.get_untracked(), f.quiet_to.get_untracked()),
        active: (f.active_from.get_untracked(), f.active_to.get_untracked()),
        tz: f.tz.get_untracked(),
        tz_known: crate::time::known_zone(f.tz.get_untracked().trim()),
        group_by: f.group_by.get_untracked(),
        group_wait: f.group_wait.get_untracked(),
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let found = route_form::mistakes(&draft());
        let first = found.first().map(|m| m.field);
        mistakes.set(found);
        if let Some(field) = first {
            crate::widgets::focus(field);
            return;
        }
        let editing_now = editing.get_untracked();
        let b = body(&f, editing_now.as_ref());
        let (method, path) = match &editing_now {
            Some(r) => ("PATCH", format!("/api/v1/routes/{}", r.id)),
            None => ("POST", "/api/v1/routes".to_string()),
        };
        leptos::task::spawn_local(async move {
            match session.send_json::<_, Route>(method, &path, &b).await {
                Ok(r) => {
                    error.set(None);
                    saved.set(Some(format!("Route {} saved.", r.name)));
                    editing.set(None);
                    f.clear();
                    on_saved();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // An input with its label, its suggestions and its mistake under it.
    let said = move |id: &'static str| {
        mistakes.with(|ms| {
            ms.iter()
                .filter(|m| m.field == id)
                .map(|m| m.message.clone())
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    let input = move |id: &'static str,
                      label: &'static str,
                      hint: &'static str,
                      list: Option<&'static str>,
                      sig: RwSignal<String>| {
        view! {
            <label for=id>{label}</label>
            <input id=id type="text" placeholder=hint list=list autocomplete="off"
                prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev))
                aria-invalid=move || (!said(id).is_empty()).to_string()
                aria-describedby=format!("{id}-error")/>
            <p class="error field-error" id=format!("{id}-error")>{move || said(id)}</p>
        }
    };
    let options = |values: &[&str]| -> Signal<Vec<(String, String)>> {
        let v: Vec<(String, String)> = values
            .iter()
            .map(|x| (x.to_string(), x.replace('_', " ")))
            .collect();
        Signal::derive(move || v.clone())
    };
    let tag_options = Signal::derive(move || {
        let mut all = tags.get();
        f.tags.with(|chosen| {
            for t in chosen {
                if !all.contains(t) {
                    all.push(t.clone());
                }
            }
        });
        all.into_iter().map(|t| (t.clone(), t)).collect::<Vec<_>>()
    });
    let group_keys = Signal::derive(move || {
        let mut keys: Vec<String> = tags.with(|ts| {
            ts.iter()
                .filter_map(|t| t.split_once(':').map(|(k, _)| format!("tag:{k}")))
                .collect()
        });
        let now = f.group_by.get();
        if !now.is_empty() && now != "monitor" && now != "all" {
            keys.push(now);
        }
        keys.sort();
        keys.dedup();
        keys
    });
    view! {
        <form class="card" id="route-form" on:submit=save novalidate>
            <h2>{move || editing.with(|e| e.as_ref().map(|r| format!("Edit route {}", r.name))).unwrap_or_else(|| "New route".into())}</h2>
            <p class="error" role="alert" id="route-mistakes">{move || {
                let n = mistakes.with(Vec::len);
                (n > 0).then(|| if n == 1 { "1 thing to fix, shown at its field.".to_string() } else { format!("{n} things to fix, each shown at its field.") })
            }}</p>
            <p class="hint" role="status" id="route-saved">{move || saved.get()}</p>
            {input("route-name", "Name", "e.g. night pager", None, f.name)}
            <fieldset class="match">
                <legend>"Matches (nothing ticked: any)"</legend>
                {chips("route-kinds", "Kinds", options(route_form::KINDS), f.kinds)}
                {chips("route-severities", "Severities", options(route_form::SEVERITIES), f.severities)}
                {chips("route-reasons", "Reasons", options(route_form::REASONS), f.reasons)}
                <Show when=move || !tag_options.with(Vec::is_empty)>
                    {chips("route-tags", "Tags (a monitor must have all ticked)", tag_options, f.tags)}
                </Show>
                {input("route-monitors", "Monitors (name or slug; * matches anything; comma-separated)", "e.g. db-*", Some("route-monitor-names"), f.pattern)}
                <datalist id="route-monitor-names">
                    {move || monitor_names.get().into_iter().map(|n| view! { <option value=n/> }).collect_view()}
                </datalist>
            </fieldset>
            <fieldset id="route-channels" tabindex="-1" aria-describedby="route-channels-error"
                aria-invalid=move || (!said("route-channels").is_empty()).to_string()>
                <legend>"Send to"</legend>
                {move || channels.get().into_iter().map(|c| {
                    let (id, id2) = (c.id.clone(), c.id.clone());
                    view! {
                        <label class="check">
                            <input type="checkbox" value=c.id.clone()
                                prop:checked=move || f.chosen.with(|v| v.contains(&id))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let id = id2.clone();
                                    f.chosen.update(|v| if on { v.push(id) } else { v.retain(|x| *x != id) });
                                }/>
                            " " {c.name.clone()}
                        </label>
                    }
                }).collect_view()}
                <p class="error field-error" id="route-channels-error">{move || said("route-channels")}</p>
            </fieldset>
            <datalist id="route-durations">
                {DURATIONS.iter().map(|d| view! { <option value=*d/> }).collect_view()}
            </datalist>
            {input("route-repeat", "Remind every (optional)", "e.g. 30m", Some("route-durations"), f.repeat)}
            {input("route-escalate-after", "Escalate after, unacknowledged (optional)", "e.g. 15m", Some("route-durations"), f.escalate_after)}
            <label for="route-backup">"Escalate to"</label>
            <select id="route-backup" on:change=move |ev| f.backup.set(event_target_value(&ev))
                aria-invalid=move || (!said("route-backup").is_empty()).to_string() aria-describedby="route-backup-error">
                <option value="" selected=move || f.backup.get().is_empty()>"(nobody)"</option>
                {move || channels.get().into_iter().map(|c| {
                    let id = c.id.clone();
                    view! { <option value=c.id.clone() selected=move || f.backup.get() == id>{c.name.clone()}</option> }
                }).collect_view()}
            </select>
            <p class="error field-error" id="route-backup-error">{move || said("route-backup")}</p>
            <label class="check">
                <input type="checkbox" id="route-escalate-loop" prop:checked=move || f.looping.get()
                    on:change=move |ev| f.looping.set(event_target_checked(&ev))/>
                " Start the steps over after the last one, until acknowledged"
            </label>
            <fieldset class="window">
                <legend>"Quiet hours: alerts wait until they end (optional)"</legend>
                {input("route-quiet-from", "From (HH:MM)", "e.g. 22:00", None, f.quiet_from)}
                {input("route-quiet-to", "Until (HH:MM)", "e.g. 07:00", None, f.quiet_to)}
            </fieldset>
            <fieldset class="window">
                <legend>"Active hours: outside them the route does not match (optional)"</legend>
                {input("route-active-from", "From (HH:MM)", "e.g. 08:00", None, f.active_from)}
                {input("route-active-to", "Until (HH:MM)", "e.g. 18:00", None, f.active_to)}
            </fieldset>
            {input("route-tz", "Time zone of both windows", "e.g. Europe/Riga", Some("zones"), f.tz)}
            <crate::time::ZoneList/>
            <label for="route-group-by">"Gather alerts into one message per"</label>
            <select id="route-group-by" on:change=move |ev| f.group_by.set(event_target_value(&ev))
                aria-invalid=move || (!said("route-group-by").is_empty()).to_string() aria-describedby="route-group-by-error">
                <option value="" selected=move || f.group_by.get().is_empty()>"alert (no grouping)"</option>
                <option value="monitor" selected=move || f.group_by.get() == "monitor">"monitor"</option>
                <option value="all" selected=move || f.group_by.get() == "all">"project (all alerts)"</option>
                {move || group_keys.get().into_iter().map(|k| {
                    let (k2, words) = (k.clone(), format!("tag {}", k.trim_start_matches("tag:")));
                    view! { <option value=k.clone() selected=move || f.group_by.get() == k2>{words}</option> }
                }).collect_view()}
            </select>
            <p class="error field-error" id="route-group-by-error">{move || said("route-group-by")}</p>
            <Show when=move || !f.group_by.get().is_empty()>
                {input("route-group-wait", "Group wait: how long the first alert waits for others", "e.g. 30s", Some("route-durations"), f.group_wait)}
            </Show>
            <p class="hint">"Further escalation steps, weekdays and holidays of a window, and the digest time are set through the API (/api/v1/routes); saving here keeps them."</p>
            <label class="check">
                <input type="checkbox" id="route-continue" prop:checked=move || f.cont.get()
                    on:change=move |ev| f.cont.set(event_target_checked(&ev))/>
                " Continue: later routes may match too"
            </label>
            <div class="row">
                <button id="route-create" type="submit">{move || if editing.with(Option::is_some) { "Save route" } else { "Add route" }}</button>
                <Show when=move || editing.with(Option::is_some)>
                    <button type="button" class="secondary" on:click=move |_| editing.set(None)>"Cancel"</button>
                </Show>
            </div>
        </form>
    }
}
