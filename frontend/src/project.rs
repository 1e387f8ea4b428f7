//! The project's settings card on `/team` (docs/behaviour.md, "Storms" and
//! "Channels"): its time zone (where messages and pages show the times of monitors
//! without a zone of their own) and its storm setting (alerts that open together reach
//! people as one message), the availability target reports measure monitors against
//! and the summary by e-mail. Admins and owners change them; others read them.

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
    let mail_every = RwSignal::new(String::new());
    let mail_to = RwSignal::new(String::new());
    let mail_at = RwSignal::new(String::from("08:00"));
    let mail_next = RwSignal::new(None::<String>);
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
        match p.report_mail {
            Some(m) => {
                mail_every.set(m.every);
                mail_to.set(m.to.join(", "));
                mail_at.set(m.at);
                mail_next.set(Some(m.next_at));
            }
            None => {
                mail_every.set(String::new());
                mail_next.set(None);
            }
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
        let every = mail_every.get_untracked();
        let report_mail = if every.is_empty() {
            serde_json::Value::Null
        } else {
            let to: Vec<String> = mail_to
                .get_untracked()
                .split([',', ' ', '\n'])
                .filter(|a| !a.trim().is_empty())
                .map(|a| a.trim().to_string())
                .collect();
            serde_json::json!({"every": every, "to": to, "at": mail_at.get_untracked().trim()})
        };
        let mut body = serde_json::json!({
            "storm": storm,
            "availability_target": goal,
            "report_mail": report_mail,
        });
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
                <label for="mail-every">"E-mail a summary"</label>
                <select id="mail-every" prop:disabled=locked aria-describedby="mail-help"
                    prop:value=move || mail_every.get()
                    on:change=move |ev| mail_every.set(event_target_value(&ev))>
                    <option value="">"Never"</option>
                    <option value="week">"Every Monday, about the week before"</option>
                    <option value="month">"On the 1st, about the month before"</option>
                </select>
                <Show when=move || !mail_every.get().is_empty()>
                    <div class="row">
                        <label for="mail-to">"To (addresses, comma-separated)"
                            <input id="mail-to" type="text" autocomplete="off" prop:disabled=locked
                                prop:value=move || mail_to.get() on:input=move |ev| mail_to.set(event_target_value(&ev))/>
                        </label>
                        <label for="mail-at">"At (HH:MM, the project's zone)"
                            <input id="mail-at" type="text" inputmode="numeric" autocomplete="off" prop:disabled=locked
                                prop:value=move || mail_at.get() on:input=move |ev| mail_at.set(event_target_value(&ev))/>
                        </label>
                    </div>
                </Show>
                <p class="hint" id="mail-help">
                    "The headline figures, availability, the noisiest monitors and the out-of-hours count, with charts, to each address. "
                    {move || mail_next.get().map(|n| view! { <span id="mail-next">"Next: "{crate::time::when(Some(n))}"."</span> })}
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
