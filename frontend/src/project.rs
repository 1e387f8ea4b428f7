//! The project's settings card on `/team` (docs/behaviour.md, "Storms" and
//! "Channels"): its time zone (where messages and pages show the times of monitors
//! without a zone of their own) and its storm setting (alerts that open together reach
//! people as one message) and the availability target reports measure monitors
//! against. Admins and owners change them; others read them.

use leptos::prelude::*;
use overdue_types::ProjectSettings;

use crate::api::Session;

/// The card.
#[component]
pub fn ProjectSettingsCard() -> impl IntoView {
    let session = Session::get();
    let tz = RwSignal::new(String::new());
    let gather = RwSignal::new(true);
    let wait = RwSignal::new(String::from("30"));
    let interval = RwSignal::new(String::from("300"));
    let target = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let show = move |p: ProjectSettings| {
        tz.set(p.tz.unwrap_or_default());
        gather.set(p.storm.is_some());
        target.set(
            p.availability_target
                .map(|t| t.to_string())
                .unwrap_or_default(),
        );
        if let Some(s) = p.storm {
            wait.set(s.wait.to_string());
            interval.set(s.interval.to_string());
        }
    };
    Effect::new(move |_| {
        session.project.track();
        leptos::task::spawn_local(async move {
            match session.get_json::<ProjectSettings>("/api/v1/project").await {
                Ok(p) => show(p),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let storm = match gather.get_untracked() {
            // Whole seconds, as the page shows them; the API also takes "30s", "5m".
            true => serde_json::json!({
                "wait": seconds(&wait.get_untracked()),
                "interval": seconds(&interval.get_untracked()),
            }),
            false => serde_json::Value::Null,
        };
        let goal = target.get_untracked().trim().to_string();
        // Empty: the default; a number as one; else the text (the server says why).
        let goal = match goal.parse::<f64>() {
            _ if goal.is_empty() => serde_json::Value::Null,
            Ok(n) => n.into(),
            Err(_) => goal.into(),
        };
        let mut body = serde_json::json!({ "storm": storm, "availability_target": goal });
        let zone = tz.get_untracked().trim().to_string();
        if !zone.is_empty() {
            body["tz"] = zone.into();
        }
        leptos::task::spawn_local(async move {
            match session
                .send_json::<_, ProjectSettings>("PATCH", "/api/v1/project", &body)
                .await
            {
                Ok(p) => {
                    // Every page shows times in the zone from now on.
                    if let Some(z) = &p.tz {
                        crate::time::set_zone(z);
                    }
                    show(p);
                    error.set(None);
                    saved.set(Some("Saved.".into()));
                }
                Err(e) => {
                    saved.set(None);
                    error.set(Some(e));
                }
            }
        });
    };
    let locked = move || !session.can_manage();
    view! {
        <div class="card" id="project-settings">
            <h2>"This project"</h2>
            <form on:submit=save>
                <label for="project-tz">"Time zone"</label>
                <input id="project-tz" type="text" autocomplete="off"
                    aria-describedby="project-tz-help" prop:disabled=locked
                    prop:value=move || tz.get() on:input=move |ev| tz.set(event_target_value(&ev))/>
                <p class="hint" id="project-tz-help">
                    "An IANA name such as Europe/Riga. Messages and pages show the times of monitors without a zone of their own in it; empty means UTC in messages and your browser's zone here."
                </p>
                <label class="plain">
                    <input type="checkbox" id="storm-on" prop:disabled=locked
                        prop:checked=move || gather.get() on:change=move |ev| gather.set(event_target_checked(&ev))/>
                    " Gather alerts that open together into one message"
                </label>
                <p class="hint" id="storm-help">
                    "The first alert of a quiet project goes out at once; the ones in the next wait reach each chat, e-mail, push and SMS channel as one message, then one per interval while the storm lasts. Pagers and webhooks still get every alert."
                </p>
                <Show when=move || gather.get()>
                    <div class="row">
                        <label for="storm-wait">"Wait (seconds)"
                            <input id="storm-wait" type="number" min="1" step="1" prop:disabled=locked
                                prop:value=move || wait.get() on:input=move |ev| wait.set(event_target_value(&ev))/>
                        </label>
                        <label for="storm-interval">"Then every (seconds)"
                            <input id="storm-interval" type="number" min="1" step="1" prop:disabled=locked
                                prop:value=move || interval.get() on:input=move |ev| interval.set(event_target_value(&ev))/>
                        </label>
                    </div>
                </Show>
                <label for="project-target">"Availability target (%)"</label>
                <input id="project-target" type="text" inputmode="decimal" autocomplete="off"
                    placeholder="99.5" aria-describedby="project-target-help" prop:disabled=locked
                    prop:value=move || target.get() on:input=move |ev| target.set(event_target_value(&ev))/>
                <p class="hint" id="project-target-help">
                    "The Reports page's availability is measured against it: above 0 and at most 100; empty means 99.5."
                </p>
                <Show when=move || session.can_manage() fallback=|| view! {
                    <p class="hint" id="settings-admin-only">"Admins and owners change these settings."</p>
                }>
                    <p><button type="submit" id="save-project">"Save settings"</button></p>
                </Show>
                {move || saved.get().map(|s| view! { <p class="hint" id="project-saved" role="status">{s}</p> })}
                {move || error.get().map(|e| view! { <p class="error" id="project-error" role="alert">{e}</p> })}
            </form>
        </div>
    }
}

/// Seconds typed in a number field, as the API's duration: a number when it is one,
/// else the text itself (the server says what is wrong with it).
fn seconds(text: &str) -> serde_json::Value {
    let t = text.trim();
    match t.parse::<i64>() {
        Ok(n) => n.into(),
        Err(_) => t.into(),
    }
}
