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

/// The preview under the schedule fields: words, the next runs (or the server's
/// refusal), and a day to start from.
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
    view! {
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
                Ok(_) => ().into_any(),
                Err(e) => view! { <p class="error">{e}</p> }.into_any(),
            }}
            <label for="preview-from">"Preview from (optional)"</label>
            <input id="preview-from" type="date" prop:value=move || from.get()
                on:input=move |ev| from.set(event_target_value(&ev)) />
            <p class="hint">"A day in the timezone: see what the schedule does on a DST night or on 29 February."</p>
        </div>
    }
}
