//! The delivery log: one row per attempt, naming the event, the monitor, the channel
//! and the recipient, with the receiver's status and the error in plain words. Used by
//! each channel's card and by the project-wide notification log.

use leptos::prelude::*;
use overdue_types::Delivery;
use serde::Deserialize;

use crate::api::Session;

#[derive(Deserialize)]
struct Deliveries {
    deliveries: Vec<Delivery>,
}

/// A log that reloads itself every few seconds from `path`.
#[component]
pub fn DeliveryLog(path: String, #[prop(default = false)] with_channel: bool) -> impl IntoView {
    let session = Session::get();
    let log = RwSignal::new(Vec::<Delivery>::new());
    let load = move || {
        let path = path.clone();
        leptos::task::spawn_local(async move {
            if let Ok(d) = session.get_json::<Deliveries>(&path).await {
                log.set(d.deliveries);
            }
        });
    };
    load();
    let handle = set_interval_with_handle(load, std::time::Duration::from_secs(3)).ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });
    view! {
        <Show when=move || !log.with(Vec::is_empty)
            fallback=|| view! { <p class="hint">"Nothing delivered yet."</p> }>
            <div class="scroll">
                <table class="deliveries cards">
                    <thead><tr>
                        <th>"When"</th><th>"Event"</th><th>"Monitor"</th>
                        {with_channel.then(|| view! { <th>"Channel"</th> })}
                        <th>"To"</th><th>"Attempt"</th><th>"Result"</th>
                    </tr></thead>
                    <tbody>
                        {move || log.get().into_iter().map(|d| {
                            let ok = d.error.is_none();
                            let result = match (&d.error, d.status_code) {
                                (None, Some(code)) => format!("delivered ({code})"),
                                (None, None) => "delivered".to_string(),
                                (Some(e), _) => e.clone(),
                            };
                            view! {
                                <tr class:failed=!ok>
                                    <td data-label="When">{crate::time::when(Some(d.at.clone()))}</td>
                                    <td data-label="Event">{d.event.clone().unwrap_or_else(|| "—".into())}</td>
                                    <td data-label="Monitor">{d.monitor.clone().unwrap_or_else(|| "—".into())}</td>
                                    {with_channel.then(|| view! { <td data-label="Channel">{d.channel.clone().unwrap_or_default()}</td> })}
                                    <td data-label="To">{d.recipient.clone().unwrap_or_else(|| "—".into())}</td>
                                    <td data-label="Attempt">{d.attempt}</td>
                                    <td class="result" data-label="Result">{result}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </Show>
    }
}
