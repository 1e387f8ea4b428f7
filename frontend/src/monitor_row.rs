//! One line of the monitors list (docs/behaviour.md, "The monitors list"): status, name
//! with its tags and what needs attention, its 90-day status strip, schedule in words,
//! last ping, next expected, and a compact actions menu. On a phone the line is a card
//! that keeps the strip, the schedule and the next expected time.

use std::collections::{BTreeSet, HashMap};

use leptos::prelude::*;
use leptos_router::components::A;
use overdue_types::{Monitor, UptimeDay};

use crate::time::when;
use crate::widgets::{badge, CopyButton};

/// The schedule in short words for the list.
pub fn schedule_short(m: &Monitor) -> String {
    if let Some(t) = &m.schedule_text {
        return t.clone();
    }
    match &m.schedule {
        overdue_types::ScheduleOut::Interval { period } => {
            format!("every {}", crate::form::human(*period))
        }
        overdue_types::ScheduleOut::Cron { cron, tz } => format!("{cron} ({tz})"),
        overdue_types::ScheduleOut::None => "by its members".to_string(),
    }
}

/// What the row's actions need from the page.
#[derive(Clone, Copy)]
pub struct RowActions<S, T>
where
    S: Fn(&Monitor) -> String + Copy + Send + Sync + 'static,
    T: Fn(Monitor) + Copy + Send + Sync + 'static,
{
    /// The state shown now (late computed by the page).
    pub state_of: S,
    /// Pauses or resumes.
    pub toggle: T,
    /// The selection for bulk actions.
    pub selected: RwSignal<BTreeSet<String>>,
    /// The reader may change monitors.
    pub can_write: bool,
    /// The 90-day strips of the rows shown, by monitor (fetched by the page).
    pub strips: RwSignal<HashMap<String, Vec<UptimeDay>>>,
}

/// One row of the list.
pub fn row<S, T>(m: Monitor, act: RowActions<S, T>) -> impl IntoView
where
    S: Fn(&Monitor) -> String + Copy + Send + Sync + 'static,
    T: Fn(Monitor) + Copy + Send + Sync + 'static,
{
    let RowActions {
        state_of,
        toggle,
        selected,
        can_write,
        strips,
    } = act;
    let strip_id = m.id.clone();
    let href = format!("/monitors/{}", m.id);
    let m2 = m.clone();
    let name = m.name.clone();
    let needs = attention(m.clone());
    let actions = menu(m.clone(), toggle, &href);
    view! {
        <tr data-id=m.id.clone()>
            {can_write.then(|| {
                let (id, id2) = (m.id.clone(), m.id.clone());
                view! {
                    <td class="select">
                        <input type="checkbox" class="pick" aria-label=format!("Select {name}")
                            prop:checked=move || selected.with(|s| s.contains(&id))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                selected.update(|s| { if on { s.insert(id2.clone()); } else { s.remove(&id2); } });
                            }/>
                    </td>
                }
            })}
            <td class="state">{move || badge(state_of(&m2))}</td>
            <td class="name">
                <div class="line">
                    <a href=href.clone() title=m.description.clone()>{m.name.clone()}</a>
                    {m.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view()}
                    {needs}
                </div>
            </td>
            <td class="days">
                {move || strips.with(|s| s.get(&strip_id).filter(|d| !d.is_empty()).map(|d| crate::strip::mini(d)))}
            </td>
            <td class="schedule"><span class="label">"Schedule "</span>{schedule_short(&m)}</td>
            <td class="last-ping"><span class="label">"Last ping "</span>{when(m.last_ping.clone())}</td>
            <td class="next-due"><span class="label">"Next expected "</span>{m.next_expected.clone().map(|d| when(Some(d)))}</td>
            <td class="actions">{actions}</td>
        </tr>
    }
}

/// What needs attention, in a few words on the same line: why it is down, open
/// problems, a down upstream, a silence, nobody notified.
fn attention(m: Monitor) -> impl IntoView {
    let problems = (m.open_problems > 0).then(|| {
        let text = match m.open_problems {
            1 => "1 open problem".to_string(),
            n => format!("{n} open problems"),
        };
        view! {
            <A href=format!("/problems?monitor={}", m.id) attr:class="hint open-problems">{text}</A>
        }
    });
    view! {
        {m.down_text.clone().filter(|_| m.status == "down").map(|t| view! {
            <span class="hint down-reason">{t}</span>
        })}
        {problems}
        {m.suppressed_by.clone().map(|s| view! {
            <span class="hint suppressed">"suppressed: upstream " {s.name} " is down"</span>
        })}
        {m.silenced_until.clone().map(|u| view! {
            <span class="hint silenced">"silenced until " {crate::time::short(u)}</span>
        })}
        {m.channels.is_empty().then(|| view! {
            <span class="hint nobody">"nobody is notified"</span>
        })}
    }
}

/// The row's actions behind one small button: pause or resume, copy the ping URL,
/// edit. Readers who may not write see none (and never a ping URL).
fn menu<T>(m: Monitor, toggle: T, href: &str) -> Option<impl IntoView>
where
    T: Fn(Monitor) + Copy + Send + Sync + 'static,
{
    let url = m.ping_url.clone()?;
    let paused = m.status == "paused";
    let verb = if paused { "Resume" } else { "Pause" };
    let name = m.name.clone();
    let edit = format!("{href}/edit");
    Some(view! {
        <details class="menu row-menu">
            <summary aria-label=format!("Actions for {name}")>"⋯"</summary>
            <div class="menu-body">
                <button type="button" class="secondary pause" aria-label=format!("{verb} {name}")
                    on:click=move |_| toggle(m.clone())>{verb}</button>
                <CopyButton text=url label="Copy ping URL" what=format!("Copy the ping URL of {name}")/>
                <A href=edit attr:class="button secondary">"Edit"</A>
            </div>
        </details>
    })
}
