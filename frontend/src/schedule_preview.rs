//! The schedule preview of the monitor form: the next five runs of a cron or
//! `OnCalendar` schedule in its timezone, asked of the server as the user types, from
//! now or from a day the user picks (a DST night, the 29th of February: docs/behaviour.md,
//! "Cron and DST").

use leptos::prelude::*;
use serde::Deserialize;

/// The server's cron preview: the next fire times and the expression in words.
#[derive(Deserialize, Clone)]
pub struct Preview {
    /// The next fire times (RFC 3339).
    pub next: Vec<String>,
    /// The expression in words, for common shapes.
    #[serde(default)]
    pub words: Option<String>,
}

/// The path asking the server for a schedule's preview in `tz`, after the start of
/// `from` (a `YYYY-MM-DD` day in that zone) when given, else after now.
pub fn preview_path(cron: &str, tz: &str, from: Option<&str>) -> String {
    let q = js_sys::encode_uri_component(cron);
    let z = js_sys::encode_uri_component(tz);
    match from.map(str::trim).filter(|d| !d.is_empty()) {
        Some(day) => {
            let d = js_sys::encode_uri_component(day);
            format!("/api/v1/schedule/preview?cron={q}&tz={z}&from={d}")
        }
        None => format!("/api/v1/schedule/preview?cron={q}&tz={z}"),
    }
}

/// The schedule fields (expression and zone, each with its refusal next to it) and
/// the preview under them: words, the next runs, and a day to start from.
#[component]
pub fn SchedulePreview(cron: RwSignal<String>, tz: RwSignal<String>) -> impl IntoView {
    let session = crate::api::Session::get();
    let from = RwSignal::new(String::new());
    let preview = RwSignal::new(Ok::<Preview, String>(Preview {
        next: Vec::new(),
        words: None,
    }));
    // Answers can come back out of order while the user types: only the answer to the
    // latest question is shown, or "0 9 * * 1-" could overwrite "0 9 * * 1-5".
    let asked = StoredValue::new(0u64);
    Effect::new(move |_| {
        let (cron, tz, day) = (cron.get(), tz.get(), from.get());
        let question = asked.get_value() + 1;
        asked.set_value(question);
        leptos::task::spawn_local(async move {
            let path = preview_path(&cron, &tz, Some(&day));
            let answer = session.get_json::<Preview>(&path).await;
            if asked.get_value() == question {
                preview.set(answer);
            }
        });
    });
    // A refusal is shown at the field it is about: the zone's under the zone, the
    // expression's under the expression (in words: "the hour (2nd field) takes 0 to 23").
    let refusal = move |zone: bool| {
        preview.with(|p| match p {
            Err(e) if e.contains("timezone") == zone => Some(e.clone()),
            _ => None,
        })
    };
    view! {
        <label for="cron">"Cron expression or systemd OnCalendar"</label>
        <input id="cron" type="text" prop:value=move || cron.get() on:input=move |ev| cron.set(event_target_value(&ev))
            aria-invalid=move || refusal(false).is_some().to_string() aria-describedby="cron-error cron-hint"/>
        <p class="error" id="cron-error" role="alert">{move || refusal(false)}</p>
        <p class="hint" id="cron-hint">"Cron: five fields, minute hour day-of-month month day-of-week (30 2 * * 1-5). Or systemd OnCalendar events, as in a timer unit (Mon..Fri *-*-* 02:30:00)."</p>
        <label for="tz">"Timezone"</label>
        <input id="tz" type="text" prop:value=move || tz.get() on:input=move |ev| tz.set(event_target_value(&ev))
            aria-invalid=move || refusal(true).is_some().to_string() aria-describedby="tz-error tz-hint"/>
        <p class="error" id="tz-error" role="alert">{move || refusal(true)}</p>
        <p class="hint" id="tz-hint">"IANA name, e.g. Europe/Riga."</p>
        <div id="cron-preview">
            {move || match preview.get() {
                Ok(p) if !p.next.is_empty() => {
                    let zone = tz.get_untracked();
                    let after = if from.get_untracked().trim().is_empty() { "Next runs:" } else { "Runs from that day:" };
                    view! {
                        {p.words.map(|w| view! { <p id="cron-words"><strong>{w}</strong></p> })}
                        <p class="hint">{after}</p>
                        <ul>{p.next.into_iter().map(|t| {
                            let text = crate::time::local(&t, Some(zone.trim()), false);
                            view! { <li>{text}</li> }
                        }).collect_view()}</ul>
                    }.into_any()
                }
                _ => ().into_any(),
            }}
            <label for="preview-from">"Preview from (optional)"</label>
            <input id="preview-from" type="date" prop:value=move || from.get()
                on:input=move |ev| from.set(event_target_value(&ev)) />
            <p class="hint">"A day in the timezone: see what the schedule does on a DST night or on 29 February."</p>
        </div>
    }
}
