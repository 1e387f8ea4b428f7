//! Small pieces several pages share: the status badge, the status a page computes
//! itself between events, copy buttons that say they copied.

use leptos::prelude::*;
use overdue_types::Monitor;

/// A status badge; the class picks the colour and a symbol (drawn by the stylesheet),
/// the text says it for everyone — colour is never the only sign.
pub fn badge(state: String) -> impl IntoView {
    let class = format!("status s-{state}");
    let attr = state.clone();
    view! { <span class=class data-status=attr>{state}</span> }
}

/// The status to show now: the server's, except that an up monitor whose due time has
/// passed is late — the page knows its due time and turns it late on its own (the
/// server tells of the flip to down when grace ends).
pub fn shown_state(m: &Monitor, now: f64) -> String {
    // The state the server showed (`running` included), turned `late` on this clock
    // by the one rule (`overdue_types::shown_state`).
    let due = m.next_due.as_deref().and_then(crate::time::parse);
    let past_due = due.is_some_and(|d| now > d);
    overdue_types::shown_state(&m.state, false, past_due).to_string()
}

/// Copies `text` to the clipboard (best effort: older browsers have no clipboard API).
pub fn copy(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// A button that copies `text` and says so ("Copied" for two seconds, announced).
#[component]
pub fn CopyButton(
    /// What is copied.
    #[prop(into)]
    text: String,
    /// The button's words.
    #[prop(into, default = "Copy".to_string())]
    label: String,
    /// What the button copies, for screen readers ("Copy the ping URL").
    #[prop(into, default = String::new())]
    what: String,
    /// An id for tests.
    #[prop(into, default = String::new())]
    id: String,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let shown = label.clone();
    let on_click = move |_| {
        copy(&text);
        copied.set(true);
        set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
    };
    let aria = (!what.is_empty()).then_some(what);
    let id = (!id.is_empty()).then_some(id);
    view! {
        <button type="button" class="secondary copy" id=id aria-label=aria on:click=on_click>
            {move || if copied.get() { "Copied ✓".to_string() } else { shown.clone() }}
        </button>
        <span class="visually-hidden" role="status">{move || copied.get().then_some("Copied to the clipboard")}</span>
    }
}

/// Comma-separated text as a JSON list (empty: none).
pub fn list_of(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
