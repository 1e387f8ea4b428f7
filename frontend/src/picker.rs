//! A searchable list of the project's monitors to choose several from, in order (a
//! chain's members): type part of a name or slug, pick from the matches, reorder or
//! remove what was chosen. No typed names that may not exist.

use leptos::prelude::*;
use overdue_types::Monitor;

/// Most matches listed at once.
const SHOWN: usize = 8;

/// Monitors whose name or slug contains `q` (any case), not yet chosen, by name.
fn matches(all: &[Monitor], chosen: &[(String, String)], q: &str) -> Vec<Monitor> {
    let q = q.trim().to_lowercase();
    let mut out: Vec<Monitor> = all
        .iter()
        .filter(|m| !chosen.iter().any(|(id, _)| *id == m.id))
        .filter(|m| {
            q.is_empty()
                || m.name.to_lowercase().contains(&q)
                || m.slug.as_deref().is_some_and(|s| s.contains(&q))
        })
        .cloned()
        .collect();
    out.sort_by_key(|m| m.name.to_lowercase());
    out
}

/// The monitor a filter's search names: by name (any case), slug or public reference.
pub fn find_one(all: &[Monitor], typed: &str) -> Option<String> {
    let t = typed.trim().to_lowercase();
    all.iter()
        .find(|m| {
            m.name.to_lowercase() == t
                || m.slug.as_deref() == Some(t.as_str())
                || m.id == typed.trim()
        })
        .map(|m| m.id.clone())
}

/// The picker. `chosen`: (id, name) in order.
#[component]
pub fn MonitorPicker(
    /// The monitors to choose from.
    all: RwSignal<Vec<Monitor>>,
    /// What was chosen, in order.
    chosen: RwSignal<Vec<(String, String)>>,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let found = Memo::new(move |_| all.with(|a| chosen.with(|c| query.with(|q| matches(a, c, q)))));
    let add = move |m: &Monitor| {
        chosen.update(|c| c.push((m.id.clone(), m.name.clone())));
        query.set(String::new());
    };
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        // Enter takes the first match instead of sending the form.
        if ev.key() == "Enter" {
            ev.prevent_default();
            if let Some(first) = found.with(|f| f.first().cloned()) {
                add(&first);
            }
        }
    };
    let moved = move |i: usize| {
        chosen.update(|c| {
            if i > 0 && i < c.len() {
                c.swap(i - 1, i);
            }
        })
    };
    view! {
        <label for="member-search">"Members, in order"</label>
        <input id="member-search" type="search" autocomplete="off" aria-describedby="member-count"
            placeholder="Type part of a monitor's name or slug"
            prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))
            on:keydown=keydown/>
        <p class="hint" id="member-count" aria-live="polite">{move || {
            let n = found.with(Vec::len);
            match n {
                0 => "No monitor matches.".to_string(),
                1 => "1 monitor matches: Enter adds it.".to_string(),
                n if n > SHOWN => format!("{n} monitors match; the first {SHOWN} are listed."),
                n => format!("{n} monitors match."),
            }
        }}</p>
        <ul id="member-candidates" class="candidates">
            {move || found.get().into_iter().take(SHOWN).map(|m| {
                let label = format!("Add {}", m.name);
                let slug = m.slug.clone().unwrap_or_default();
                let pick = m.clone();
                view! {
                    <li><button type="button" class="secondary" data-id=m.id.clone() aria-label=label
                        on:click=move |_| add(&pick)>{m.name.clone()} " " <span class="hint">{slug}</span></button></li>
                }
            }).collect_view()}
        </ul>
        <ol id="member-chosen" class="chosen">
            {move || chosen.get().into_iter().enumerate().map(|(i, (id, name))| {
                let (up, remove) = (format!("Move {name} up"), format!("Remove {name}"));
                let item = id.clone();
                view! {
                    <li data-id=item>
                        <span class="name">{name.clone()}</span>
                        {(i > 0).then(|| view! {
                            <button type="button" class="link" aria-label=up on:click=move |_| moved(i)>"↑"</button>
                        })}
                        <button type="button" class="link" aria-label=remove
                            on:click=move |_| chosen.update(|c| c.retain(|(x, _)| *x != id))>"✕"</button>
                    </li>
                }
            }).collect_view()}
        </ol>
        {move || chosen.with(Vec::is_empty).then(|| view! { <p class="hint">"None chosen yet: a chain has 2 to 50 members."</p> })}
    }
}
