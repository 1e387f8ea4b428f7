//! The monitors page: every monitor of the project with its live status (server-sent
//! events, and late computed here when a due time passes), why it is down, filters and
//! sorting kept in the URL (shareable, the back button works), a selection for bulk
//! actions, pause/resume and the ping URL.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;
use leptos_router::NavigateOptions;
use overdue_types::Monitor;
use serde::Deserialize;

use crate::api::Session;
use crate::time::when;
use crate::widgets::{badge, shown_state, CopyButton};

#[derive(Deserialize)]
struct MonitorList {
    monitors: Vec<Monitor>,
}

/// Rows rendered per "page" of the list.
const PAGE: usize = 200;

/// A column the list sorts by.
#[derive(Clone, Copy, PartialEq, Default, Debug)]
enum Col {
    #[default]
    Status,
    Name,
    Schedule,
    LastPing,
    NextDue,
}

impl Col {
    const ALL: [Col; 5] = [
        Col::Status,
        Col::Name,
        Col::Schedule,
        Col::LastPing,
        Col::NextDue,
    ];

    fn key(self) -> &'static str {
        match self {
            Col::Status => "status",
            Col::Name => "name",
            Col::Schedule => "schedule",
            Col::LastPing => "last_ping",
            Col::NextDue => "next",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Col::Status => "Status",
            Col::Name => "Name",
            Col::Schedule => "Schedule",
            Col::LastPing => "Last ping",
            Col::NextDue => "Next expected",
        }
    }

    fn parse(s: &str) -> Col {
        Col::ALL
            .into_iter()
            .find(|c| c.key() == s)
            .unwrap_or_default()
    }
}

/// What the list shows, as kept in the URL's query.
#[derive(Clone, PartialEq, Default, Debug)]
struct Shown {
    q: String,
    tag: String,
    status: String,
    sort: Col,
    desc: bool,
}

impl Shown {
    fn from_query(p: &ParamsMap) -> Shown {
        let get = |k: &str| p.get(k).unwrap_or_default();
        Shown {
            q: get("q"),
            tag: get("tag"),
            status: get("status"),
            sort: Col::parse(&get("sort")),
            desc: get("dir") == "desc",
        }
    }

    fn to_url(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [("q", &self.q), ("tag", &self.tag), ("status", &self.status)] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", js_sys::encode_uri_component(v)));
            }
        }
        if self.sort != Col::Status {
            parts.push(format!("sort={}", self.sort.key()));
        }
        if self.desc {
            parts.push("dir=desc".into());
        }
        if parts.is_empty() {
            "/".into()
        } else {
            format!("/?{}", parts.join("&"))
        }
    }
}

fn status_rank(s: &str) -> u8 {
    match s {
        "down" => 0,
        "late" => 1,
        "running" => 2,
        "up" => 3,
        "new" => 4,
        _ => 5,
    }
}

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

/// Opens `/api/v1/events` and hands each changed monitor to `on_change`; closed when
/// the page is left.
pub fn live_updates(on_change: impl Fn(Monitor) + 'static) {
    crate::live::listen(&["message"], move |ev| {
        let Some(text) = ev.data().as_string() else {
            return;
        };
        if let Ok(m) = serde_json::from_str::<Monitor>(&text) {
            on_change(m);
        }
    });
}

/// `/`: the list.
#[component]
pub fn MonitorsPage() -> impl IntoView {
    let session = Session::get();
    let list = RwSignal::new(Vec::<Monitor>::new());
    let error = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let query = use_query_map();
    let shown_by = Memo::new(move |_| query.with(Shown::from_query));
    let navigate = use_navigate();
    // Every change of filter or sort is a URL: typing replaces the history entry, a
    // choice adds one (the back button undoes it).
    let set = move |f: &dyn Fn(&mut Shown), replace: bool| {
        let mut s = shown_by.get_untracked();
        f(&mut s);
        navigate(
            &s.to_url(),
            NavigateOptions {
                replace,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let selected = RwSignal::new(BTreeSet::<String>::new());
    // Rows in the document at once: filters and sorting cover every monitor, but a
    // page of thousands renders the first rows at once and the rest on demand.
    let limit = RwSignal::new(PAGE);
    Effect::new(move |_| {
        session.project.track();
        selected.set(BTreeSet::new());
        leptos::task::spawn_local(async move {
            match session.get_json::<MonitorList>("/api/v1/monitors").await {
                Ok(l) => {
                    list.set(l.monitors);
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            loaded.set(true);
        });
    });
    live_updates(move |m| {
        list.update(|l| match l.iter_mut().find(|x| x.id == m.id) {
            Some(x) => *x = m,
            None => l.push(m),
        })
    });
    // Monitors past their due time: changes only when one turns late, so the list
    // re-sorts then, not every second.
    let lates = Memo::new(move |_| {
        let now = crate::time::now();
        list.with(|l| {
            l.iter()
                .filter(|m| m.state == "up" && shown_state(m, now) == "late")
                .map(|m| m.id.clone())
                .collect::<BTreeSet<_>>()
        })
    });
    let state_of = move |m: &Monitor| {
        if lates.with(|l| l.contains(&m.id)) {
            "late".to_string()
        } else {
            m.state.clone()
        }
    };
    let tags = Memo::new(move |_| {
        list.with(|l| {
            l.iter()
                .flat_map(|m| m.tags.iter().cloned())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
        })
    });
    let shown = Memo::new(move |_| {
        let s = shown_by.get();
        let q = s.q.to_lowercase();
        let mut v: Vec<(String, Monitor)> = list.with(|l| {
            l.iter()
                .map(|m| (state_of(m), m))
                .filter(|(state, m)| {
                    (q.is_empty()
                        || m.name.to_lowercase().contains(&q)
                        || m.slug.as_deref().is_some_and(|x| x.contains(&q))
                        || m.description.to_lowercase().contains(&q))
                        && (s.tag.is_empty() || m.tags.contains(&s.tag))
                        && (s.status.is_empty() || *state == s.status)
                })
                .map(|(state, m)| (state, m.clone()))
                .collect()
        });
        let name = |m: &Monitor| m.name.to_lowercase();
        match s.sort {
            Col::Name => v.sort_by_cached_key(|(_, m)| name(m)),
            Col::Status => v.sort_by(|(sa, a), (sb, b)| {
                status_rank(sa)
                    .cmp(&status_rank(sb))
                    .then_with(|| name(a).cmp(&name(b)))
            }),
            Col::Schedule => v.sort_by_cached_key(|(_, m)| schedule_short(m)),
            // Never-pinged last when ascending (oldest first), as `None` sorts first.
            Col::LastPing => v.sort_by(|(_, a), (_, b)| {
                (a.last_ping.is_none(), &a.last_ping).cmp(&(b.last_ping.is_none(), &b.last_ping))
            }),
            Col::NextDue => v.sort_by(|(_, a), (_, b)| {
                (a.next_expected.is_none(), &a.next_expected)
                    .cmp(&(b.next_expected.is_none(), &b.next_expected))
            }),
        }
        if s.desc {
            v.reverse();
        }
        v
    });
    let more = move || shown.with(Vec::len) > limit.get();
    let toggle = move |m: Monitor| {
        let action = if m.status == "paused" {
            "resume"
        } else {
            "pause"
        };
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/monitors/{}/{action}", m.id);
            match session
                .send_json::<_, Monitor>("POST", &path, &serde_json::json!({}))
                .await
            {
                Ok(updated) => list.update(|l| {
                    if let Some(x) = l.iter_mut().find(|x| x.id == updated.id) {
                        *x = updated;
                    }
                }),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let set_sort = set.clone();
    let header = move |col: Col| {
        let set = set_sort.clone();
        let aria = move || {
            let s = shown_by.get();
            if s.sort != col {
                "none"
            } else if s.desc {
                "descending"
            } else {
                "ascending"
            }
        };
        let arrow = move || match aria() {
            "ascending" => "▲",
            "descending" => "▼",
            _ => "↕",
        };
        let class = if matches!(col, Col::Schedule | Col::NextDue) {
            "hide-narrow"
        } else {
            ""
        };
        view! {
            <th scope="col" class=class aria-sort=aria data-col=col.key()>
                <button type="button" class="sort" on:click=move |_| set(&|s: &mut Shown| {
                    s.desc = s.sort == col && !s.desc;
                    s.sort = col;
                }, false)>
                    {col.label()} " " <span aria-hidden="true" class="arrow">{arrow}</span>
                </button>
            </th>
        }
    };
    let (set_q, set_tag, set_status) = (set.clone(), set.clone(), set.clone());
    let all_shown_ids =
        move || shown.with(|v| v.iter().map(|(_, m)| m.id.clone()).collect::<BTreeSet<_>>());
    view! {
        <div class="row spread">
            <h1>"Monitors"</h1>
            {move || session.can_write().then(|| view! {
                <A href="/monitors/new" attr:class="button" attr:id="new-monitor">"+ New monitor"</A>
            })}
        </div>
        <div class="toolbar" role="search">
            <input id="filter-text" type="search" placeholder="Filter by name, slug, description" aria-label="Filter by name, slug or description"
                prop:value=move || shown_by.get().q
                on:input=move |ev| { let v = event_target_value(&ev); set_q(&move |s: &mut Shown| s.q = v.clone(), true) }/>
            <select id="filter-tag" aria-label="Tag"
                prop:value=move || shown_by.get().tag
                on:change=move |ev| { let v = event_target_value(&ev); set_tag(&move |s: &mut Shown| s.tag = v.clone(), false) }>
                <option value="">"All tags"</option>
                <For each=move || tags.get() key=|t| t.clone()
                    children=move |t| { let sel = t.clone(); view! { <option value=t.clone() selected=move || shown_by.get().tag == sel>{t.clone()}</option> } }/>
            </select>
            <select id="filter-status" aria-label="Status"
                prop:value=move || shown_by.get().status
                on:change=move |ev| { let v = event_target_value(&ev); set_status(&move |s: &mut Shown| s.status = v.clone(), false) }>
                <option value="">"Any status"</option>
                {["down", "late", "running", "up", "new", "paused"].map(|s| view! {
                    <option value=s selected=move || shown_by.get().status == s>{s}</option>
                })}
            </select>
        </div>
        <p class="error" role="alert">{move || error.get()}</p>
        <Show when=move || session.can_write() && !selected.with(BTreeSet::is_empty)>
            <crate::bulk::BulkBar selected=selected list=list/>
        </Show>
        <Show when=move || loaded.get() && list.with(Vec::is_empty)>
            <div class="card empty" id="no-monitors">
                <p>"No monitors yet. A monitor expects a ping from your job: create one, then make the job call its ping URL when it finishes."</p>
                <p class="hint">"For example, a crontab line: " <code>"0 3 * * * /usr/local/bin/backup.sh && curl -fsS -m 10 --retry 5 -o /dev/null <ping URL>"</code></p>
            </div>
        </Show>
        <Show when=move || !list.with(Vec::is_empty)>
            <div class="table-wrap" tabindex="0">
            <table id="monitors" class="cards">
                <caption class="visually-hidden">"Monitors; column headers sort"</caption>
                <thead><tr>
                    {move || session.can_write().then(|| view! {
                        <th scope="col" class="select">
                            <input type="checkbox" id="select-all" aria-label="Select all shown monitors"
                                prop:checked=move || { let all = all_shown_ids(); !all.is_empty() && selected.with(|s| all.is_subset(s)) }
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    selected.set(if on { all_shown_ids() } else { BTreeSet::new() });
                                }/>
                        </th>
                    })}
                    {header(Col::Status)}
                    {header(Col::Name)}
                    {header(Col::Schedule)}
                    {header(Col::LastPing)}
                    {header(Col::NextDue)}
                    <th scope="col">"Actions"</th>
                </tr></thead>
                <tbody>
                    <For each=move || shown.with(|v| v.iter().take(limit.get()).map(|(_, m)| m.clone()).collect::<Vec<_>>())
                        key=|m| (m.id.clone(), m.state.clone(), m.last_ping.clone(), m.next_expected.clone(), m.status.clone(), m.name.clone(), m.suppressed_by.as_ref().map(|s| s.monitor.clone()), m.silenced_until.clone(), m.open_problems, m.channels.len())
                        children=move |m| row(m, state_of, toggle, selected, session.can_write())/>
                </tbody>
            </table>
            </div>
            <p class="row" id="list-count">
                {move || {
                    let (n, all) = (shown.with(Vec::len), list.with(Vec::len));
                    let on_page = n.min(limit.get());
                    if n == all { format!("{on_page} of {all} monitors") } else { format!("{on_page} of {n} matching ({all} in all)") }
                }}
                <Show when=more>
                    <button class="secondary" id="show-more" on:click=move |_| limit.update(|l| *l += PAGE)>"Show more"</button>
                </Show>
            </p>
            <Show when=move || loaded.get() && shown.with(Vec::is_empty)>
                <p class="hint" id="no-match">"No monitor matches these filters. " <A href="/">"Show all"</A></p>
            </Show>
        </Show>
    }
}

/// One row of the list.
fn row(
    m: Monitor,
    state_of: impl Fn(&Monitor) -> String + Copy + Send + Sync + 'static,
    toggle: impl Fn(Monitor) + Copy + Send + Sync + 'static,
    selected: RwSignal<BTreeSet<String>>,
    can_write: bool,
) -> impl IntoView {
    let href = format!("/monitors/{}", m.id);
    let url = m.ping_url.clone();
    let paused = m.status == "paused";
    let (mm, m2) = (m.clone(), m.clone());
    let id = m.id.clone();
    let name = m.name.clone();
    view! {
        <tr data-id=m.id.clone()>
            {can_write.then(|| {
                let (id, id2) = (id.clone(), id.clone());
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
                <a href=href>{m.name.clone()}</a>
                {m.down_text.clone().filter(|_| m.status == "down").map(|t| view! {
                    <div class="hint down-reason">{t}</div>
                })}
                {(m.open_problems > 0).then(|| view! {
                    <div class="hint"><A href=format!("/problems?monitor={}", m.id) attr:class="open-problems">
                        {match m.open_problems { 1 => "1 open problem".to_string(), n => format!("{n} open problems") }}
                    </A></div>
                })}
                {m.suppressed_by.clone().map(|s| view! {
                    <div class="hint suppressed">"suppressed: upstream " {s.name} " is down"</div>
                })}
                {m.silenced_until.clone().map(|u| view! {
                    <div class="hint silenced">"silenced until " {crate::time::short(u)}</div>
                })}
                {m.channels.is_empty().then(|| view! {
                    <div class="hint nobody">"nobody is notified"</div>
                })}
                <div>{m.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view()}</div>
            </td>
            <td class="hide-narrow">{schedule_short(&m)}</td>
            <td class="last-ping"><span class="label">"Last ping "</span>{when(m.last_ping.clone())}</td>
            <td class="hide-narrow next-due">{m.next_expected.clone().map(|d| when(Some(d)))}</td>
            <td class="actions"><div class="row">
                {url.map(|url| view! {
                    <button class="secondary pause" aria-label=format!("{} {}", if paused { "Resume" } else { "Pause" }, m.name)
                        on:click=move |_| toggle(mm.clone())>
                        {if paused { "Resume" } else { "Pause" }}
                    </button>
                    <CopyButton text=url label="Copy URL" what=format!("Copy the ping URL of {}", m.name)/>
                })}
            </div></td>
        </tr>
    }
}
