//! `/chains/<id>`: one chain — its state, its deadline in its zone, its latest run's
//! progress member by member (`overdue_types::chain_run`), each member's own state,
//! and an Edit button that opens the chain form in place. Live: a member's ping
//! redraws it.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use overdue_types::chain_run::{progress, Part};
use overdue_types::{Chain, Monitor, Run};

use crate::api::Session;
use crate::chain_form::{deadline_words, ChainForm};
use crate::widgets::badge;

/// `t` plus `secs`, as RFC 3339.
fn plus(t: &str, secs: i64) -> Option<String> {
    let ms = crate::time::parse(t)? + secs as f64 * 1_000.0;
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms))
        .to_iso_string()
        .as_string()
}

/// The latest run on one time axis: a lane per member from when the run reached it to
/// when it left (or until now), the deadline as a line when near; each lane's times in
/// a tooltip, the whole in the label and the lanes in words under it (the drawing's
/// text equivalent).
fn run_timeline(c: &Chain, run: &Run) -> Option<AnyView> {
    let names: Vec<String> = c.members.iter().map(|m| m.name.clone()).collect();
    let ms = |t: &str| crate::time::parse(t).map(|v| v as i64);
    let t = overdue_types::chain_run::timeline(&names, run, c.within, ms)?;
    let whole = (t.end - t.start).max(1) as f64;
    // Each lane is a row: its name as text (sized like all text, also on a phone) and
    // its track drawn on a 0–1000 scale that stretches to the row.
    let x = move |ms: i64| (ms - t.start) as f64 / whole * 1000.0;
    let span = |a: i64, b: i64| overdue_types::span(b - a);
    let words: Vec<String> = t
        .lanes
        .iter()
        .map(|l| match l.span {
            Some((a, b)) => format!("{} {} ({})", l.name, span(a, b), l.part.words()),
            None => format!("{} ({})", l.name, l.part.words()),
        })
        .collect();
    let label = format!("The latest run, member by member: {}", words.join(", "));
    let deadline = t.deadline.map(x);
    let lanes = t
        .lanes
        .iter()
        .map(|l| {
            let bar = l.span.map(|(a, b)| {
                let tip = format!("{}: {} ({})", l.name, span(a, b), l.part.words());
                view! {
                    <rect class=format!("lane-bar part-{:?}", l.part).to_lowercase() x=format!("{:.1}", x(a)) y="1"
                        width=format!("{:.1}", (x(b) - x(a)).max(3.0)) height="8">
                        <title>{tip}</title>
                    </rect>
                }
            });
            let line = deadline.map(|d| {
                let dx = format!("{d:.1}");
                view! { <line class="deadline" x1=dx.clone() y1="0" x2=dx y2="10" vector-effect="non-scaling-stroke"/> }
            });
            view! {
                <div class="lane">
                    <span class="lane-name">{l.name.clone()}</span>
                    <svg class="lane-track" viewBox="0 0 1000 10" preserveAspectRatio="none" aria-hidden="true">{bar}{line}</svg>
                </div>
            }
        })
        .collect_view();
    Some(
        view! {
            <div id="chain-timeline" class="chain-timeline" role="img" aria-label=label>
                {lanes}
                <div class="lane lane-axis">
                    <span class="lane-name"></span>
                    <span class="lane-ticks"><span>"start"</span>
                        {t.deadline.map(|_| view! { <span class="deadline-key">"┆ deadline"</span> })}
                        <span>{format!("+{}", span(t.start, t.end))}</span></span>
                </div>
            </div>
            <p class="legend hint" id="chain-lanes">{words.join(" · ")}</p>
        }
        .into_any(),
    )
}

/// The latest run in words: under way (started when, how many members done, where it
/// is, by when it must end), finished, or stopped (where, and why).
fn run_view(c: &Chain, run: Option<Run>, parts: &[Part], done: usize) -> AnyView {
    let tz = c.tz.clone();
    let n = c.members.len();
    let Some(run) = run else {
        let first = c
            .members
            .first()
            .map(|m| m.name.clone())
            .unwrap_or_default();
        return view! { <p>"No run yet: a run starts when " <b>{first}</b> " starts."</p> }
            .into_any();
    };
    let at = parts
        .iter()
        .position(|p| matches!(p, Part::Running | Part::StoppedHere))
        .and_then(|i| c.members.get(i))
        .map(|m| m.name.clone())
        .unwrap_or_default();
    let link = view! { <A href=format!("/runs/{}", run.id)>"This run's details"</A> };
    match (&run.ended_at, run.outcome.as_deref()) {
        (None, _) => {
            let by = c
                .within
                .and_then(|w| plus(&run.started_at, w))
                .map(|t| crate::time::local(&t, tz.as_deref(), false));
            view! {
                <p>"Under way since " {crate::time::stamp(run.started_at.clone(), tz.as_deref())} ": "
                    <b>{format!("{done} of {n} members done")}</b> ", now at " <b>{at}</b> "."</p>
                <progress max=n value=done aria-label="Members done"></progress>
                {by.map(|t| view! { <p class="hint">"Must end by " {t} {c.finish_by.clone().map(|f| format!(", and by {f} {}", c.tz.clone().unwrap_or_default()))} "."</p> })}
                <p>{link}</p>
            }
            .into_any()
        }
        (Some(end), Some("success" | "warn")) => view! {
            <p>"The last run finished " {crate::time::stamp(end.clone(), tz.as_deref())}
                {run.duration.map(|d| format!(", after {}", overdue_types::span((d * 1_000.0) as i64)))} "."</p>
            <p>{link}</p>
        }
        .into_any(),
        (Some(end), _) => view! {
            <p class="error">"The last run stopped at " <b>{at}</b> " (" {c.down_detail.clone().unwrap_or_else(|| run.outcome.clone().unwrap_or_default())} "), "
                {crate::time::stamp(end.clone(), tz.as_deref())} "."</p>
            <p>{link}</p>
        }
        .into_any(),
    }
}

/// The page.
#[component]
pub fn ChainPage() -> impl IntoView {
    let session = Session::get();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let chain = RwSignal::new(None::<Result<Chain, String>>);
    let editing = RwSignal::new(false);
    let monitors = RwSignal::new(Vec::<Monitor>::new());
    let reload = move || {
        let path = format!("/api/v1/chains/{}", id());
        leptos::task::spawn_local(async move {
            chain.set(Some(session.get_json::<Chain>(&path).await));
        });
    };
    Effect::new(move |_| {
        session.project.track();
        reload();
    });
    crate::live::listen(&["message", "resync"], move |_| reload());
    let edit = move |_| {
        editing.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(m) = session
                .get_json::<crate::chains::Monitors>("/api/v1/monitors")
                .await
            {
                monitors.set(m.monitors);
            }
        });
    };
    view! {
        <p><A href="/chains">"← Chains"</A></p>
        {move || match chain.get() {
            None => view! { <h1>"Chain"</h1><p class="hint">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <h1>"Chain"</h1><p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(c)) => {
                let names: Vec<String> = c.members.iter().map(|m| m.name.clone()).collect();
                let (parts, done) = progress(&names, c.last_run.as_ref());
                let run = run_view(&c, c.last_run.clone(), &parts, done);
                view! {
                    <div class="row spread">
                        <h1 id="chain-title">{c.name.clone()}</h1>
                        <div class="row">
                            <span id="chain-state">{badge(c.state.clone())}</span>
                            <Show when=move || session.can_write() && !editing.get()>
                                <button id="chain-edit" class="secondary" on:click=edit>"Edit"</button>
                            </Show>
                        </div>
                    </div>
                    <p id="chain-deadline">"Must finish " {deadline_words(&c)} "."</p>
                    <section class="card" id="chain-run">
                        <h2>"Latest run"</h2>
                        {run}
                        {c.last_run.as_ref().and_then(|r| run_timeline(&c, r))}
                    </section>
                    <section class="card">
                        <h2>"Members, in order"</h2>
                        <ol class="chain-members" id="chain-members">
                            {c.members.clone().into_iter().zip(parts).map(|(m, part)| view! {
                                <li class=format!("part-{part:?}").to_lowercase()>
                                    <A href=format!("/monitors/{}", m.monitor)>{m.name}</A>
                                    " " {badge(m.state)}
                                    " " <span class="part">{part.words()}</span>
                                </li>
                            }).collect_view()}
                        </ol>
                    </section>
                    <p class="hint">"The chain's alerts, flips and uptime are on "
                        <A href=format!("/monitors/{}", c.id)>"its history page"</A> "."</p>
                }
                .into_any()
            }
        }}
        // Outside the view above: a live redraw of the chain must not reset what is
        // being typed.
        {move || {
            editing.get().then(|| {
                let c = chain.with_untracked(|c| c.clone()).and_then(Result::ok)?;
                Some(view! {
                    <ChainForm monitors=monitors editing=c
                        on_cancel=Callback::new(move |()| editing.set(false))
                        on_saved=move || { editing.set(false); reload(); }/>
                })
            }).flatten()
        }}
    }
}
