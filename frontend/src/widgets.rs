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

/// A filter that takes several values (the monitors list's tags and states, the
/// Alerts page's kinds and severities): a menu of checkboxes, its summary saying what
/// is chosen ("Tags: any", "Kind: down, problem"). `options`: (value, words).
pub fn choices(
    id: &'static str,
    label: &'static str,
    options: Signal<Vec<(String, String)>>,
    chosen: Signal<Vec<String>>,
    set: impl Fn(Vec<String>) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let said = move || {
        let c = chosen.get();
        if c.is_empty() {
            format!("{label}: any")
        } else {
            format!("{label}: {}", c.join(", "))
        }
    };
    view! {
        <details class="menu filter choices" id=id>
            <summary>{said}</summary>
            <fieldset class="menu-body">
                <legend class="visually-hidden">{label}</legend>
                {move || options.with(Vec::is_empty).then(|| view! { <p class="hint">"None yet"</p> })}
                {move || options.get().into_iter().map(|(value, words)| {
                    let set = set.clone();
                    let v = value.clone();
                    let on = move || chosen.with(|c| c.contains(&v));
                    view! {
                        <label class="check">
                            <input type="checkbox" value=value.clone() prop:checked=on on:change=move |ev| {
                                let mut c = chosen.get_untracked();
                                if event_target_checked(&ev) {
                                    c.push(value.clone());
                                } else {
                                    c.retain(|x| *x != value);
                                }
                                set(c);
                            }/>
                            {words}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
        </details>
    }
}

/// A set of choices shown all at once as chips (the route form's kinds, severities,
/// reasons and tags): each a checkbox with its words, ticked ones highlighted.
/// `options`: (value, words).
pub fn chips(
    id: &'static str,
    legend: &'static str,
    options: Signal<Vec<(String, String)>>,
    chosen: RwSignal<Vec<String>>,
) -> impl IntoView {
    view! {
        <fieldset class="chips" id=id>
            <legend>{legend}</legend>
            {move || options.get().into_iter().map(|(value, words)| {
                let (v, v2) = (value.clone(), value.clone());
                let on = move || chosen.with(|c| c.contains(&v));
                let lit = on.clone();
                view! {
                    <label class="chip" class:on=lit>
                        <input type="checkbox" value=value.clone() prop:checked=on on:change=move |ev| {
                            let v = v2.clone();
                            let tick = event_target_checked(&ev);
                            chosen.update(|c| if tick { c.push(v) } else { c.retain(|x| *x != v) });
                        }/>
                        {words}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// Moves the focus to the element with `id` and brings it into view (the first field
/// with a mistake).
pub fn focus(id: &str) {
    use wasm_bindgen::JsCast;
    let el = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(el) = el {
        let _ = el.focus();
    }
}
