//! The form of a route — a new one, or the one being edited (its values filled in; a
//! save replaces them): name, what it matches, its channels, active and quiet hours,
//! reminders, the first escalation step, grouping and `continue`. What only the API
//! sets (further steps, weekdays and holidays of a window, the digest time) is kept.

use leptos::prelude::*;
use overdue_types::{Channel, Route};

use crate::api::Session;
use crate::widgets::list_of;

fn joined(m: &serde_json::Value, key: &str) -> String {
    m[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// The form.
#[component]
pub fn RouteForm(
    channels: RwSignal<Vec<Channel>>,
    editing: RwSignal<Option<Route>>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let session = Session::get();
    let field = || RwSignal::new(String::new());
    let (name, kinds, reasons, severities, tags, pattern) =
        (field(), field(), field(), field(), field(), field());
    let (repeat, quiet_from, quiet_to, tz) = (field(), field(), field(), field());
    let (active_from, active_to) = (field(), field());
    let (escalate_after, backup, group_by, group_wait) = (field(), field(), field(), field());
    let chosen = RwSignal::new(Vec::<String>::new());
    let cont = RwSignal::new(false);
    let looping = RwSignal::new(false);
    // Editing: the route's values in the fields.
    Effect::new(move |_| {
        let Some(r) = editing.get() else { return };
        name.set(r.name.clone());
        kinds.set(joined(&r.matcher, "kinds"));
        reasons.set(joined(&r.matcher, "reasons"));
        severities.set(joined(&r.matcher, "severities"));
        tags.set(joined(&r.matcher, "tags"));
        pattern.set(joined(&r.matcher, "monitors"));
        chosen.set(r.channels.clone());
        cont.set(r.continue_matching);
        looping.set(r.escalate_loop);
        repeat.set(r.repeat_every.map(|s| s.to_string()).unwrap_or_default());
        quiet_from.set(r.quiet["from"].as_str().unwrap_or("").to_string());
        quiet_to.set(r.quiet["to"].as_str().unwrap_or("").to_string());
        active_from.set(r.active["from"].as_str().unwrap_or("").to_string());
        active_to.set(r.active["to"].as_str().unwrap_or("").to_string());
        tz.set(
            r.quiet["tz"]
                .as_str()
                .or(r.active["tz"].as_str())
                .unwrap_or("")
                .to_string(),
        );
        let step = r.escalate.first();
        escalate_after.set(
            step.and_then(|s| serde_json::to_value(&s.after).ok())
                .map(|v| v.to_string().trim_matches('"').to_string())
                .unwrap_or_default(),
        );
        backup.set(
            step.and_then(|s| s.channels.first().cloned())
                .unwrap_or_default(),
        );
        group_by.set(r.group_by.clone().unwrap_or_default());
        group_wait.set(r.group_wait.map(|s| s.to_string()).unwrap_or_default());
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut m = serde_json::Map::new();
        for (key, sig) in [
            ("kinds", kinds),
            ("reasons", reasons),
            ("severities", severities),
            ("tags", tags),
            ("monitors", pattern),
        ] {
            let v = list_of(&sig.get_untracked());
            if !v.is_empty() {
                m.insert(key.into(), v.into());
            }
        }
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_string();
        let editing_now = editing.get_untracked();
        let mut b = serde_json::json!({
            "name": text(name), "match": m, "channels": chosen.get_untracked(),
            "continue": cont.get_untracked(), "escalate_loop": looping.get_untracked(),
        });
        // A change says "none" where a new route leaves the field out.
        let none = if editing_now.is_some() {
            Some(serde_json::Value::Null)
        } else {
            None
        };
        let mut set = |key: &str, v: Option<serde_json::Value>| {
            if let Some(v) = v.or_else(|| none.clone()) {
                b[key] = v;
            }
        };
        set(
            "repeat_every",
            (!text(repeat).is_empty()).then(|| text(repeat).into()),
        );
        let zone = if text(tz).is_empty() {
            "UTC".to_string()
        } else {
            text(tz)
        };
        // A window's other parts (weekdays, holidays) set through the API are kept.
        let window = |was: Option<&serde_json::Value>, from: String, to: String| {
            (!from.is_empty()).then(|| {
                let mut w = was
                    .filter(|v| v.is_object())
                    .cloned()
                    .unwrap_or_else(|| serde_json::json!({}));
                w["from"] = from.into();
                w["to"] = to.into();
                w["tz"] = zone.clone().into();
                w
            })
        };
        let was = editing_now.as_ref();
        set(
            "quiet",
            window(was.map(|r| &r.quiet), text(quiet_from), text(quiet_to)),
        );
        set(
            "active",
            window(was.map(|r| &r.active), text(active_from), text(active_to)),
        );
        set(
            "group_by",
            (!text(group_by).is_empty()).then(|| text(group_by).into()),
        );
        if !text(group_by).is_empty() {
            b["group_wait"] = text(group_wait).into();
        }
        // The form shows the first step's first backup; the rest of the steps (and the
        // first step's other channels) set through the API are kept.
        let mut steps: Vec<serde_json::Value> = editing_now
            .as_ref()
            .map(|r| {
                r.escalate
                    .iter()
                    .filter_map(|s| serde_json::to_value(s).ok())
                    .collect()
            })
            .unwrap_or_default();
        if text(escalate_after).is_empty() || text(backup).is_empty() {
            if !steps.is_empty() {
                steps.remove(0);
            }
        } else {
            let mut others: Vec<serde_json::Value> = steps
                .first()
                .and_then(|s| s["channels"].as_array().cloned())
                .map(|c| c.into_iter().skip(1).collect())
                .unwrap_or_default();
            others.retain(|c| c.as_str() != Some(text(backup).as_str()));
            let mut channels = vec![serde_json::Value::from(text(backup))];
            channels.extend(others);
            let first = serde_json::json!({"after": text(escalate_after), "channels": channels});
            match steps.first_mut() {
                Some(s) => *s = first,
                None => steps.push(first),
            }
        }
        b["escalate"] = steps.into();
        let (method, path) = match &editing_now {
            Some(r) => ("PATCH", format!("/api/v1/routes/{}", r.id)),
            None => ("POST", "/api/v1/routes".to_string()),
        };
        leptos::task::spawn_local(async move {
            match session.send_json::<_, Route>(method, &path, &b).await {
                Ok(_) => {
                    error.set(None);
                    editing.set(None);
                    name.set(String::new());
                    chosen.set(Vec::new());
                    on_saved();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let input =
        move |id: &'static str, label: &'static str, hint: &'static str, sig: RwSignal<String>| {
            view! {
                <label for=id>{label}</label>
                <input id=id type="text" placeholder=hint prop:value=move || sig.get()
                    on:input=move |ev| sig.set(event_target_value(&ev))/>
            }
        };
    view! {
        <form class="card" id="route-form" on:submit=save>
            <h2>{move || editing.with(|e| e.as_ref().map(|r| format!("Edit route {}", r.name))).unwrap_or_else(|| "New route".into())}</h2>
            {input("route-name", "Name", "night pager", name)}
            <p class="hint">"Match (comma-separated; empty matches anything):"</p>
            {input("route-kinds", "Kinds", "down, problem, event, digest", kinds)}
            {input("route-reasons", "Reasons", "missed, failed, hung, stalled…", reasons)}
            {input("route-severities", "Severities", "critical, error, warning, info", severities)}
            {input("route-tags", "Tags (all of them)", "team:db", tags)}
            {input("route-monitors", "Monitors (slug or name, * wildcards)", "db-*", pattern)}
            <fieldset id="route-channels">
                <legend>"Send to"</legend>
                {move || channels.get().into_iter().map(|c| {
                    let id = c.id.clone();
                    let id2 = c.id.clone();
                    view! {
                        <label class="check">
                            <input type="checkbox" value=c.id.clone()
                                prop:checked=move || chosen.with(|v| v.contains(&id))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let id = id2.clone();
                                    chosen.update(|v| if on { v.push(id) } else { v.retain(|x| *x != id) });
                                }/>
                            " " {c.name.clone()}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            {input("route-repeat", "Remind every (optional)", "30m", repeat)}
            {input("route-escalate-after", "Escalate after (optional)", "15m", escalate_after)}
            <label for="route-backup">"… to the backup"</label>
            <select id="route-backup" on:change=move |ev| backup.set(event_target_value(&ev))>
                <option value="" selected=move || backup.get().is_empty()>"(none)"</option>
                {move || channels.get().into_iter().map(|c| {
                    let id = c.id.clone();
                    view! { <option value=c.id.clone() selected=move || backup.get() == id>{c.name.clone()}</option> }
                }).collect_view()}
            </select>
            <label class="check">
                <input type="checkbox" id="route-escalate-loop" prop:checked=move || looping.get()
                    on:change=move |ev| looping.set(event_target_checked(&ev))/>
                " Start the steps over after the last one, until acknowledged"
            </label>
            {input("route-quiet-from", "Quiet from (optional, HH:MM)", "22:00", quiet_from)}
            {input("route-quiet-to", "Quiet until", "07:00", quiet_to)}
            {input("route-active-from", "Active only from (optional, HH:MM)", "08:00", active_from)}
            {input("route-active-to", "Active until", "18:00", active_to)}
            {input("route-tz", "Time zone (of both windows)", "Europe/Riga", tz)}
            {input("route-group-by", "Group by (optional)", "tag:team, monitor or all", group_by)}
            {input("route-group-wait", "Group wait", "30s", group_wait)}
            <p class="hint">"Further escalation steps, weekdays and holidays of a window, and the digest time are set through the API (/api/v1/routes); saving here keeps them."</p>
            <label class="check">
                <input type="checkbox" id="route-continue" prop:checked=move || cont.get()
                    on:change=move |ev| cont.set(event_target_checked(&ev))/>
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
