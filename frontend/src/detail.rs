//! One monitor: what it expects (schedule in words, grace, next ping in its own zone),
//! why it is down, who is notified, its ping URLs with ready snippets,
//! pause/resume/edit/delete, the ping log (bodies as text, long ones folded), runs with
//! a durations chart, the flips timeline and uptime over 24 h, 7 d and 30 d with the
//! 90-day strip.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use overdue_types::{Flip, LinkOut, Monitor, Ping, Run, Uptime, UptimeDays};
use serde::Deserialize;

use crate::api::Session;
use crate::time::{stamp, when};
use crate::widgets::{badge, shown_state};

#[derive(Deserialize)]
struct Pings {
    pings: Vec<Ping>,
}
#[derive(Deserialize)]
struct Runs {
    runs: Vec<Run>,
}
#[derive(Deserialize)]
struct Flips {
    flips: Vec<Flip>,
}

/// `/monitors/:id`.
#[component]
pub fn MonitorDetail() -> impl IntoView {
    let session = Session::get();
    let navigate = use_navigate();
    let params = use_params_map();
    let id = params.with_untracked(|p| p.get("id")).unwrap_or_default();
    let monitor = RwSignal::new(None::<Monitor>);
    let pings = RwSignal::new(Vec::<Ping>::new());
    let runs = RwSignal::new(Vec::<Run>::new());
    let flips = RwSignal::new(Vec::<Flip>::new());
    // Computed by the server, by the one definition (docs/behaviour.md, "Uptime").
    let uptime = RwSignal::new(None::<Uptime>);
    let days = RwSignal::new(None::<UptimeDays>);
    // Channel names, for "who is notified".
    let channel_names = RwSignal::new(Vec::<(String, String)>::new());
    leptos::task::spawn_local(async move {
        if let Ok(l) = session
            .get_json::<serde_json::Value>("/api/v1/channels")
            .await
        {
            let names = l["channels"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|c| {
                            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                            (s("id"), s("name"))
                        })
                        .collect()
                })
                .unwrap_or_default();
            channel_names.set(names);
        }
    });
    let error = RwSignal::new(None::<String>);
    let reload = {
        let id = id.clone();
        move || {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                let base = format!("/api/v1/monitors/{id}");
                match session.get_json::<Monitor>(&base).await {
                    Ok(m) => monitor.set(Some(m)),
                    Err(e) => error.set(Some(e)),
                }
                if let Ok(p) = session.get_json::<Pings>(&format!("{base}/pings")).await {
                    pings.set(p.pings);
                }
                if let Ok(r) = session.get_json::<Runs>(&format!("{base}/runs")).await {
                    runs.set(r.runs);
                }
                if let Ok(f) = session.get_json::<Flips>(&format!("{base}/flips")).await {
                    flips.set(f.flips);
                }
                if let Ok(u) = session.get_json::<Uptime>(&format!("{base}/uptime")).await {
                    uptime.set(Some(u));
                }
                if let Ok(d) = session
                    .get_json::<UptimeDays>(&format!("{base}/days"))
                    .await
                {
                    days.set(Some(d));
                }
            });
        }
    };
    reload();
    // Live: the monitor's changes arrive on the event stream and reload its pings, runs
    // and flips; a slow poll covers what the stream does not carry (a log line of a
    // run, or a stream lost by a proxy).
    let on_change = {
        let (reload, id) = (reload.clone(), id.clone());
        // The page's URL may name the monitor by its reference or its UUID.
        move |m: Monitor| {
            if m.id == id || m.uuid.as_deref() == Some(id.as_str()) {
                reload();
            }
        }
    };
    crate::monitors::live_updates(on_change);
    let tick = reload.clone();
    let handle = set_interval_with_handle(tick, std::time::Duration::from_secs(30)).ok();
    // A second's clock for "running 12 s · hung in 33 s".
    let clock = RwSignal::new(js_sys::Date::now());
    let second = set_interval_with_handle(
        move || clock.set(js_sys::Date::now()),
        std::time::Duration::from_secs(1),
    )
    .ok();
    on_cleanup(move || {
        for h in [handle, second].into_iter().flatten() {
            h.clear();
        }
    });
    let act = {
        let id = id.clone();
        move |action: &'static str| {
            let (id, navigate) = (id.clone(), navigate.clone());
            leptos::task::spawn_local(async move {
                let path = format!("/api/v1/monitors/{id}");
                let r = match action {
                    "delete" => session.act("DELETE", &path).await.map(|_| None),
                    a => session
                        .send_json::<_, Monitor>(
                            "POST",
                            &format!("{path}/{a}"),
                            &serde_json::json!({}),
                        )
                        .await
                        .map(Some),
                };
                match r {
                    Ok(Some(m)) => monitor.set(Some(m)),
                    Ok(None) => navigate("/", Default::default()),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let confirm_delete = RwSignal::new(false);
    let act2 = act.clone();
    view! {
        <p><A href="/">"← Monitors"</A></p>
        <p class="error" role="alert">{move || error.get()}</p>
        {move || monitor.get().map(|m| {
            let url = m.ping_url.clone();
            let edit = format!("/monitors/{}/edit", m.id);
            let paused = m.status == "paused";
            // A chain is edited on the chains page (it has no schedule of its own).
            let chain = m.chain;
            let act = act.clone();
            let tz = match &m.schedule {
                overdue_types::ScheduleOut::Cron { tz, .. } => Some(tz.clone()),
                // The project's zone (until it is known: the browser's).
                _ => crate::time::zone(),
            };
            let m2 = m.clone();
            view! {
                <div class="card">
                    <div class="row spread">
                        <h1 id="monitor-name">{m.name.clone()}</h1>
                        <span id="monitor-status">{move || badge(shown_state(&m2, crate::time::now()))}</span>
                    </div>
                    {chain.then(|| view! {
                        <p id="chain-note">"This is a chain: its members, latest run and deadline are on "
                            <A href=format!("/chains/{}", m.id)>"its chain page"</A> ", which also edits it."</p>
                    })}
                    {down_view(&m, tz.clone())}
                    {running_view(&m, clock)}
                    {m.warnings.then(|| view! { <p id="warnings">"Up, with warnings: the last run reported some."</p> })}
                    {m.suppressed_by.clone().map(|s| view! {
                        <p id="suppressed">"Suppressed: upstream " <A href=format!("/monitors/{}", s.monitor)>{s.name}</A> " is down; its alerts speak for this monitor."</p>
                    })}
                    {m.silenced_until.clone().map(|u| view! {
                        <p id="silenced">"Silenced until " {crate::time::short(u)} ": its alerts wait (see " <A href="/silences">"Silences"</A> ")."</p>
                    })}
                    {m.expected.clone().map(|e| {
                        let why = if e.kind == "after" { "succeeded" } else { "went down" };
                         view! { <p id="expected">"Expected by " {stamp(e.at, None)} ", because " <A href=format!("/monitors/{}", e.monitor)>{e.name}</A> " " {why} "."</p> }
                    })}
                    {(m.open_problems > 0).then(|| view! {
                        <p id="open-problems"><A href=format!("/problems?monitor={}", m.id)>{match m.open_problems { 1 => "1 open problem".to_string(), n => format!("{n} open problems") }}</A></p>
                    })}
                    {m.badge_url.clone().map(|u| view! {
                        <p id="badge"><img src=u.clone() alt="status badge"/> " " <code>{u}</code></p>
                    })}
                    // A chain has no schedule, grace or ping URL of its own.
                    {(!chain).then(|| facts(&m, tz.clone()))}
                    {links_view(&m)}
                    {notified_view(m.channels.clone(), channel_names)}
                    {(!m.description.is_empty()).then(|| view! { <p class="description">{m.description.clone()}</p> })}
                    <div class="stats">
                        <div>"Last ping: " {when(m.last_ping.clone())}</div>
                        <div>"Pings: " {m.n_pings}</div>
                        <div id="uptime-day">"Uptime 24 h: " {move || fmt_pct(uptime.with(|u| u.as_ref().and_then(|u| u.day)))}</div>
                        <div>"7 d: " {move || fmt_pct(uptime.with(|u| u.as_ref().and_then(|u| u.week)))}</div>
                        <div>"30 d: " {move || fmt_pct(uptime.with(|u| u.as_ref().and_then(|u| u.month)))}</div>
                    </div>
                    {move || days.get().map(crate::strip::strip)}
                    // The ping URL is the monitor's secret: only roles that may write get
                    // it (and the buttons that change the monitor).
                    {(!chain).then(|| crate::ping_help::ping_help(&m))}
                    {url.is_some().then(|| view! {
                        <div class="row actions-row">
                            <button id="pause" class="secondary" on:click=move |_| act(if paused { "resume" } else { "pause" })>
                                {if paused { "Resume" } else { "Pause" }}
                            </button>
                            {(!chain).then(|| view! { <A href=edit.clone() attr:class="button">"Edit"</A> })}
                            <button id="delete" class="danger" on:click=move |_| confirm_delete.set(true)>"Delete"</button>
                        </div>
                    })}
                    {(!chain && m.ping_url.is_some()).then(|| view! { <crate::status_keys::StatusKeys monitor=m.id.clone()/> })}
                </div>
            }
        })}
        <Show when=move || confirm_delete.get()>
            <div class="card" role="dialog" aria-label="Confirm delete">
                <p>"Delete this monitor with its pings, runs and history? This cannot be undone."</p>
                {move || monitor.with(|m| m.as_ref().map(|m| m.dependents.iter().map(|d| d.name.clone()).collect::<Vec<_>>()).filter(|d| !d.is_empty())).map(|names| view! {
                    <p id="delete-dependents" class="error">{format!("{} depend on it and will lose this dependency: {}.", if names.len() == 1 { "1 monitor".to_string() } else { format!("{} monitors", names.len()) }, names.join(", "))}</p>
                })}
                <button id="confirm-delete" class="danger" on:click={let a = act2.clone(); move |_| a("delete")}>"Delete"</button>
                " "
                <button class="secondary" on:click=move |_| confirm_delete.set(false)>"Cancel"</button>
            </div>
        </Show>
        <div class="card">
            <h2>"Runs"</h2>
            {move || crate::history::chart(runs.get(), monitor.with(|m| m.as_ref().and_then(|m| m.max_runtime)))}
            {move || crate::history::runs_table(runs.get(), monitor.with(|m| m.as_ref().and_then(zone_of)))}
        </div>
        <div class="card">
            <h2>"Status over time"</h2>
            {move || crate::history::flips_list(flips.get())}
        </div>
        <div class="card">
            <h2>"Pings"</h2>
            {move || crate::history::pings_table(pings.get(), monitor.with(|m| m.as_ref().and_then(|m| m.ping_url.clone()).map(|u| format!("curl -fsS {u}"))))}
        </div>
    }
}

/// The monitor's own zone (cron monitors have one).
fn zone_of(m: &Monitor) -> Option<String> {
    match &m.schedule {
        overdue_types::ScheduleOut::Cron { tz, .. } => Some(tz.clone()),
        _ => None,
    }
}

/// While a run is open: how long it has run and how long until it counts as hung (its
/// deadline), on the page's own clock.
fn running_view(m: &Monitor, clock: RwSignal<f64>) -> impl IntoView {
    let since = m
        .running_since
        .as_deref()
        .and_then(crate::time::parse)
        .filter(|_| m.state == "running")?;
    let deadline = m.deadline.as_deref().and_then(crate::time::parse);
    Some(view! {
        <p id="running" class="hint">{move || {
            let now = clock.get();
            let ran = overdue_types::span((now - since) as i64);
            match deadline {
                Some(d) if d > now => format!("running {ran} · hung in {}", overdue_types::span((d - now) as i64)),
                Some(_) => format!("running {ran} · hung now"),
                None => format!("running {ran}"),
            }
        }}</p>
    })
}

/// Why it is down, in words; for a missed ping when it was expected and when the last
/// one came.
fn down_view(m: &Monitor, tz: Option<String>) -> impl IntoView {
    let text = m.down_text.clone().filter(|_| m.status == "down")?;
    let missed = m.down_reason.as_deref() == Some("missed");
    Some(view! {
        <p id="down-reason" class="down-reason">"Down: " {text}
            {(missed && m.next_due.is_some()).then(|| view! {
                " — expected by " {stamp(m.next_due.clone().unwrap_or_default(), tz.as_deref())}
                ", last ping " {when(m.last_ping.clone())}
            })}
        </p>
    })
}

/// A new cron monitor's next run by its schedule (the server watches it from its first
/// ping: before that nothing is due, but the user wants to know when to look).
#[component]
fn FirstRun(cron: String, tz: String) -> impl IntoView {
    let session = crate::api::Session::get();
    let next = RwSignal::new(None::<String>);
    let zone = tz.clone();
    leptos::task::spawn_local(async move {
        let path = crate::schedule_preview::preview_path(&cron, &tz, None);
        if let Ok(p) = session
            .get_json::<crate::schedule_preview::Preview>(&path)
            .await
        {
            next.set(p.next.into_iter().next());
        }
    });
    move || match next.get() {
        Some(n) => view! {
            {stamp(n.clone(), Some(zone.as_str()))} " (" {when(Some(n))} ") by the schedule; "
            <span class="hint">"watched from its first ping"</span>
        }
        .into_any(),
        None => view! { <span class="hint">"after the first ping"</span> }.into_any(),
    }
}

/// What the monitor expects, as a list of facts.
fn facts(m: &Monitor, tz: Option<String>) -> impl IntoView {
    let schedule = crate::monitors::schedule_short(m);
    let expression = match &m.schedule {
        overdue_types::ScheduleOut::Cron { cron, .. } if m.schedule_text.is_some() => {
            Some(cron.clone())
        }
        _ => None,
    };
    let human = |s: i64| crate::form::human(s);
    // The server's next expected run: after a failure or a hang too.
    // A new cron monitor says its first run below, and that it is watched from its
    // first ping.
    let next = m.next_expected.clone().filter(|_| m.status != "new");
    let deadline = m.deadline.clone();
    view! {
        <dl class="facts" id="facts">
            <div><dt>"Schedule"</dt><dd id="schedule-words">{schedule} {expression.map(|e| view! { " " <code class="hint">{e}</code> })}</dd></div>
            <div><dt>"Grace"</dt><dd>{human(m.grace)}</dd></div>
            <div><dt>"Max runtime"</dt><dd>{m.max_runtime.map_or_else(|| format!("{} (the grace)", human(m.grace)), human)}</dd></div>
            <div><dt>"Next ping expected"</dt><dd id="next-expected">{match next {
                Some(n) => view! { {stamp(n.clone(), tz.as_deref())} " (" {when(Some(n))} ")" }.into_any(),
                None => match (&m.schedule, m.status.as_str()) {
                    (overdue_types::ScheduleOut::Cron { cron, tz }, "new") => view! {
                        <FirstRun cron=cron.clone() tz=tz.clone()/>
                    }.into_any(),
                    (_, status) => view! { <span class="hint">{match status { "paused" => "none while paused", "new" => "after the first ping", _ => "after the next ping" }}</span> }.into_any(),
                },
            }}</dd></div>
            {deadline.map(|d| view! { <div><dt>"Goes down"</dt><dd id="deadline">{when(Some(d))} " if nothing arrives"</dd></div> })}
            <div><dt>"Tags"</dt><dd>{if m.tags.is_empty() { view! { <span class="hint">"none"</span> }.into_any() } else {
                m.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view().into_any()
            }}</dd></div>
        </dl>
    }
}

/// The monitor's dependencies, both ways, as links.
fn links_view(m: &Monitor) -> impl IntoView {
    let item = |l: &LinkOut| {
        let href = format!("/monitors/{}", l.monitor);
        let within = crate::form::human(l.within);
        let name = l.name.clone();
        view! { <li><A href=href>{name}</A> {format!(" (within {within})")}</li> }
    };
    let any = !(m.after.is_empty() && m.on_failure_of.is_empty() && m.dependents.is_empty());
    any.then(|| view! {
        <div id="dependencies">
            {(!m.after.is_empty()).then(|| view! { <h2>"Runs after"</h2><ul>{m.after.iter().map(item).collect_view()}</ul> })}
            {(!m.on_failure_of.is_empty()).then(|| view! { <h2>"Recovers the failure of"</h2><ul>{m.on_failure_of.iter().map(item).collect_view()}</ul> })}
            {(!m.dependents.is_empty()).then(|| view! { <h2>"Depended on by"</h2><ul>{m.dependents.iter().map(item).collect_view()}</ul> })}
        </div>
    })
}

/// A share for people; none (a monitor that never pinged) is a dash, never 100 %.
fn fmt_pct(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.2} %")).unwrap_or_else(|| "—".into())
}

/// Who this monitor's alerts reach: its channels by name, or a warning that nobody is
/// notified.
fn notified_view(ids: Vec<String>, names: RwSignal<Vec<(String, String)>>) -> impl IntoView {
    if ids.is_empty() {
        return view! {
            <p class="warn" id="notified">"Nobody is notified: this monitor has no channel. "
                <A href="/channels">"Channels"</A></p>
        }
        .into_any();
    }
    let shown = move || {
        names.with(|all| {
            ids.iter()
                .map(|id| {
                    all.iter()
                        .find(|(i, _)| i == id)
                        .map_or_else(|| id.clone(), |(_, n)| n.clone())
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    view! { <p id="notified">"Notifies: " {shown}</p> }.into_any()
}
