//! The monitors page (docs/behaviour.md, "The monitors list"): every monitor of the
//! project on one line each with its live status (server-sent events, and late
//! computed here when a due time passes), counts per state that filter, several tags
//! and states at once, sorting and the page kept in the URL (shareable, the back
//! button works), pages of a hundred rows, a selection for bulk actions.

use std::collections::{BTreeSet, HashMap};

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use overdue_types::listing::{self, ListView, STATES};
use overdue_types::{Monitor, UptimeDay, UptimeStrips};
use serde::Deserialize;

use crate::api::Session;
use crate::monitor_row::{row, RowActions};
use crate::widgets::{choices, shown_state};

pub use crate::monitor_row::schedule_short;

#[derive(Deserialize)]
struct MonitorList {
    monitors: Vec<Monitor>,
}

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

/// The list's URL for `view`.
fn url_of(view: &ListView) -> String {
    let parts: Vec<String> = view
        .to_pairs()
        .into_iter()
        .map(|(k, v)| format!("{k}={}", js_sys::encode_uri_component(&v)))
        .collect();
    if parts.is_empty() {
        "/".into()
    } else {
        format!("/?{}", parts.join("&"))
    }
}

fn status_rank(s: &str) -> usize {
    STATES.iter().position(|x| *x == s).unwrap_or(STATES.len())
}

/// Sorts the shown rows by the view's column.
fn sort_rows(v: &mut [(String, Monitor)], view: &ListView) {
    let name = |m: &Monitor| m.name.to_lowercase();
    match Col::parse(&view.sort) {
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
    if view.desc {
        v.reverse();
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
    let view_of = Memo::new(move |_| query.with(|q| ListView::from_query(|k| q.get(k))));
    let navigate = use_navigate();
    // Every change of filter, sort or page is a URL: typing replaces the history entry,
    // a choice adds one (the back button undoes it). A new filter or sort starts at
    // the first page.
    let set = move |f: &dyn Fn(&mut ListView), replace: bool| {
        let mut v = view_of.get_untracked();
        let page = v.page;
        f(&mut v);
        if v.page == page {
            v.page = 1;
        }
        navigate(
            &url_of(&v),
            NavigateOptions {
                replace,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let strips = RwSignal::new(HashMap::<String, Vec<UptimeDay>>::new());
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
        // A status change changes today's cell of its strip: fetched again.
        let flipped =
            list.with_untracked(|l| l.iter().any(|x| x.id == m.id && x.status != m.status));
        if flipped {
            strips.update(|s| {
                s.remove(&m.id);
            });
        }
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
    // The monitors the text and tag filters find, with their state: the counts are
    // theirs, so a count clicked shows that many rows.
    let found = Memo::new(move |_| {
        let v = view_of.get();
        list.with(|l| {
            l.iter()
                .filter(|m| v.finds(m))
                .map(|m| (state_of(m), m.clone()))
                .collect::<Vec<_>>()
        })
    });
    let counts =
        Memo::new(move |_| found.with(|f| listing::counts(f.iter().map(|(s, _)| s.as_str()))));
    let shown = Memo::new(move |_| {
        let v = view_of.get();
        let mut rows: Vec<(String, Monitor)> =
            found.with(|f| f.iter().filter(|(s, _)| v.takes(s)).cloned().collect());
        sort_rows(&mut rows, &v);
        rows
    });
    let paged = Memo::new(move |_| {
        let total = shown.with(Vec::len);
        listing::page_of(view_of.get().page, total)
    });
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
            let v = view_of.get();
            if Col::parse(&v.sort) != col {
                "none"
            } else if v.desc {
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
        view! {
            <th scope="col" aria-sort=aria data-col=col.key()>
                <button type="button" class="sort" on:click=move |_| set(&|v: &mut ListView| {
                    v.desc = Col::parse(&v.sort) == col && !v.desc;
                    v.sort = col.key().to_string();
                }, false)>
                    {col.label()} " " <span aria-hidden="true" class="arrow">{arrow}</span>
                </button>
            </th>
        }
    };
    let (set_q, set_tag, set_state) = (set.clone(), set.clone(), set.clone());
    let all_shown_ids =
        move || shown.with(|v| v.iter().map(|(_, m)| m.id.clone()).collect::<BTreeSet<_>>());
    // The 90-day strips of the rows on the page (docs/behaviour.md, "Uptime"), fetched
    // for the rows not fetched yet whenever the page's rows change.
    let page_ids = Memo::new(move |_| {
        let (range, _) = paged.get();
        shown.with(|v| {
            v[range]
                .iter()
                .map(|(_, m)| m.id.clone())
                .collect::<Vec<_>>()
        })
    });
    Effect::new(move |_| {
        let ids = page_ids.get();
        // Tracked: a strip dropped by a status change (below) is fetched again.
        let missing: Vec<String> =
            strips.with(|s| ids.into_iter().filter(|i| !s.contains_key(i)).collect());
        if missing.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/strips?days=90&monitors={}", missing.join(","));
            if let Ok(got) = session.get_json::<UptimeStrips>(&path).await {
                strips.update(|s| {
                    // Every id asked gets an entry (none for a monitor gone), so the
                    // same ids are never asked again in a loop.
                    for id in missing {
                        s.entry(id).or_default();
                    }
                    s.extend(got.monitors.into_iter().map(|m| (m.id, m.days)));
                });
            }
        });
    });
    let actions = RowActions {
        state_of,
        toggle,
        selected,
        can_write: session.can_write(),
        strips,
    };
    view! {
        <div class="row spread list-head">
            <h1>"Monitors"</h1>
            <StateCounts counts=counts view_of=view_of/>
            {move || session.can_write().then(|| view! {
                <A href="/monitors/new" attr:class="button" attr:id="new-monitor">"+ New monitor"</A>
            })}
        </div>
        <div class="toolbar" role="search">
            <input id="filter-text" type="search" placeholder="Filter by name, slug, description" aria-label="Filter by name, slug or description"
                prop:value=move || view_of.get().q
                on:input=move |ev| { let v = event_target_value(&ev); set_q(&move |s: &mut ListView| s.q = v.clone(), true) }/>
            {choices("filter-tags", "Tags", Signal::derive(move || tags.get().into_iter().map(|t| (t.clone(), t)).collect()),
                Signal::derive(move || view_of.get().tags),
                move |c| set_tag(&move |s: &mut ListView| s.tags = c.clone(), false))}
            {choices("filter-states", "Status", Signal::derive(|| STATES.map(|s| (s.to_string(), s.to_string())).to_vec()),
                Signal::derive(move || view_of.get().states),
                move |c| set_state(&move |s: &mut ListView| s.states = c.clone(), false))}
            <Show when=move || view_of.with(|v| !v.tags.is_empty() || !v.states.is_empty() || !v.q.is_empty())>
                <A href="/" attr:id="clear-filters" attr:class="clear">"Clear filters"</A>
            </Show>
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
            <table id="monitors" class="cards compact">
                <caption class="visually-hidden">"Monitors; column headers sort"</caption>
                <thead><tr>
                    {move || session.can_write().then(|| view! {
                        <th scope="col" class="select">
                            <input type="checkbox" id="select-all"
                                aria-label=move || format!("Select all {} matching monitors", shown.with(Vec::len))
                                prop:checked=move || { let all = all_shown_ids(); !all.is_empty() && selected.with(|s| all.is_subset(s)) }
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    selected.set(if on { all_shown_ids() } else { BTreeSet::new() });
                                }/>
                        </th>
                    })}
                    {header(Col::Status)}
                    {header(Col::Name)}
                    <th scope="col" class="days">"Last 90 days"</th>
                    {header(Col::Schedule)}
                    {header(Col::LastPing)}
                    {header(Col::NextDue)}
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    <For each=move || { let (range, _) = paged.get(); shown.with(|v| v[range].iter().map(|(_, m)| m.clone()).collect::<Vec<_>>()) }
                        key=|m| (m.id.clone(), m.state.clone(), m.last_ping.clone(), m.next_expected.clone(), m.status.clone(), m.name.clone(), m.suppressed_by.as_ref().map(|s| s.monitor.clone()), m.silenced_until.clone(), m.open_problems, m.channels.len())
                        children=move |m| row(m, actions)/>
                </tbody>
            </table>
            </div>
            <div class="row spread list-foot">
                <p id="list-count">
                    {move || {
                        let (n, all) = (shown.with(Vec::len), list.with(Vec::len));
                        let (range, pages) = paged.get();
                        let on_page = if pages > 1 { format!("{}–{}", range.start + 1, range.end) } else { n.to_string() };
                        if n == all { format!("{on_page} of {all} monitors") } else { format!("{on_page} of {n} matching ({all} in all)") }
                    }}
                </p>
                <Pages view_of=view_of pages=Signal::derive(move || paged.get().1)/>
            </div>
            <Show when=move || loaded.get() && shown.with(Vec::is_empty)>
                <p class="hint" id="no-match">"No monitor matches these filters. " <A href="/">"Show all"</A></p>
            </Show>
        </Show>
    }
}

/// "12 down · 3 late · 280 up": each count opens the list of that state alone; the
/// states chosen now are marked.
#[component]
fn StateCounts(
    /// Per state, of the monitors the text and tag filters find.
    counts: Memo<Vec<(&'static str, usize)>>,
    /// The list's view.
    view_of: Memo<ListView>,
) -> impl IntoView {
    view! {
        <p id="state-counts" class="state-counts">
            {move || {
                let v = view_of.get();
                counts.get().into_iter().enumerate().map(|(i, (state, n))| {
                    let mut only = v.clone();
                    only.states = vec![state.to_string()];
                    only.page = 1;
                    let on = v.states.iter().any(|s| s == state);
                    view! {
                        {(i > 0).then_some(" · ")}
                        <A href=url_of(&only) attr:class="count-link" attr:data-state=state
                            attr:aria-current=on.then_some("true")>
                            <strong>{n.to_string()}</strong> " " {state}
                        </A>
                    }
                }).collect_view()
            }}
        </p>
    }
}

/// Links to the list's pages: previous, the first, the last and those near the current
/// one, next. Nothing when everything fits on one page.
#[component]
fn Pages(
    /// The list's view (the current page).
    view_of: Memo<ListView>,
    /// How many pages.
    pages: Signal<usize>,
) -> impl IntoView {
    let at = move |page: usize| {
        let mut v = view_of.get();
        v.page = page;
        url_of(&v)
    };
    move || {
        let n = pages.get();
        (n > 1).then(|| {
            let current = view_of.get().page.min(n);
            view! {
                <nav id="pages" aria-label="Pages of the list" class="pages">
                    {(current > 1).then(|| view! { <A href=at(current - 1) attr:rel="prev" attr:class="page-step">"‹ Previous"</A> })}
                    {listing::page_links(current, n).into_iter().map(|p| match p {
                        Some(p) => view! {
                            <A href=at(p) attr:class="page" attr:aria-current=(p == current).then_some("page")
                                attr:aria-label=format!("Page {p}")>{p.to_string()}</A>
                        }.into_any(),
                        None => view! { <span class="gap" aria-hidden="true">"…"</span> }.into_any(),
                    }).collect_view()}
                    {(current < n).then(|| view! { <A href=at(current + 1) attr:rel="next" attr:class="page-step" attr:id="next-page">"Next ›"</A> })}
                </nav>
            }
        })
    }
}
