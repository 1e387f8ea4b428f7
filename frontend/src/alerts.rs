//! `/alerts`: the triage view (docs/behaviour.md, "The Alerts page"). Every notifying
//! condition of the project — a down episode, a problem, a flow breach, a failing
//! channel, a one-shot — one line each, a monitor's problems and a flow's breaches
//! folded into one; filters by status, kind, severity, tag, monitor, channel and hold
//! kept in the URL; sorting; bulk acknowledge and resolve, and "acknowledge all shown".
//! Refreshes itself every 5 s.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;
use leptos_router::NavigateOptions;
use overdue_types::{AcknowledgedMany, AlertList, Monitor, ResolvedMany};

use crate::alert_rows::{row_view, rows, Actions, Row, Sort};
use crate::api::Session;

/// The most alerts the page reads at once (the API's limit): narrower filters reach
/// older ones.
const MOST: usize = 1_000;

/// What the page shows, as kept in the URL's query.
#[derive(Clone, PartialEq, Default, Debug)]
struct Shown {
    /// `open` (the default), `acknowledged`, `resolved` or `all`.
    status: String,
    kinds: Vec<String>,
    severities: Vec<String>,
    tag: String,
    /// A monitor's public reference.
    monitor: String,
    /// A channel's id.
    channel: String,
    held: bool,
    sort: Sort,
}

fn list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl Shown {
    fn from_query(p: &ParamsMap) -> Shown {
        let get = |k: &str| p.get(k).unwrap_or_default();
        let status = get("status");
        Shown {
            status: if status.is_empty() {
                "open".into()
            } else {
                status
            },
            kinds: list(&get("kind")),
            severities: list(&get("severity")),
            tag: get("tag"),
            monitor: get("monitor"),
            channel: get("channel"),
            held: get("held") == "true",
            sort: Sort::parse(&get("sort")),
        }
    }

    /// The filters as a query (`status=open&kind=down,problem`), without the sort.
    fn filters(&self) -> Vec<String> {
        let enc = |v: &str| String::from(js_sys::encode_uri_component(v));
        let mut parts = vec![format!("status={}", enc(&self.status))];
        for (k, v) in [
            ("kind", self.kinds.join(",")),
            ("severity", self.severities.join(",")),
            ("tag", self.tag.clone()),
            ("monitor", self.monitor.clone()),
            ("channel", self.channel.clone()),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", enc(&v)));
            }
        }
        if self.held {
            parts.push("held=true".into());
        }
        parts
    }

    fn to_url(&self) -> String {
        let mut parts = self.filters();
        if self.sort != Sort::Newest {
            parts.push(format!("sort={}", self.sort.key()));
        }
        format!("/alerts?{}", parts.join("&"))
    }

    fn api_path(&self) -> String {
        format!("/api/v1/alerts?{}&limit={MOST}", self.filters().join("&"))
    }
}

/// The kinds and severities the filters offer: (value, words).
const KINDS: [(&str, &str); 5] = [
    ("down", "Down"),
    ("problem", "Problems"),
    ("flow", "Flow breaches"),
    ("channel", "Failing channels"),
    ("event", "Events"),
];
const SEVERITIES: [(&str, &str); 4] = [
    ("critical", "Critical"),
    ("error", "Error"),
    ("warning", "Warning"),
    ("info", "Info"),
];

/// The (value, words) pairs of a fixed filter, for [`crate::widgets::choices`].
fn fixed(options: &'static [(&'static str, &'static str)]) -> Signal<Vec<(String, String)>> {
    Signal::derive(move || {
        options
            .iter()
            .map(|(v, w)| (v.to_string(), w.to_string()))
            .collect()
    })
}

/// The page.
#[component]
pub fn AlertsPage() -> impl IntoView {
    let session = Session::get();
    let query = use_query_map();
    let shown_by = Memo::new(move |_| query.with(Shown::from_query));
    let navigate = use_navigate();
    let set = move |f: &dyn Fn(&mut Shown)| {
        let mut s = shown_by.get_untracked();
        f(&mut s);
        navigate(
            &s.to_url(),
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        );
    };
    let alerts = RwSignal::new(Vec::<overdue_types::Alert>::new());
    let loaded = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let said = RwSignal::new(None::<String>);
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let reload = move || {
        let path = shown_by.get_untracked().api_path();
        leptos::task::spawn_local(async move {
            match session.get_json::<AlertList>(&path).await {
                Ok(l) => {
                    error.set(None);
                    let ids: BTreeSet<i64> = l.alerts.iter().map(|a| a.id).collect();
                    selected.update(|s| s.retain(|id| ids.contains(id)));
                    alerts.set(l.alerts);
                }
                Err(e) => error.set(Some(e)),
            }
            loaded.set(true);
        });
    };
    Effect::new(move |_| {
        session.project.track();
        shown_by.track();
        reload();
    });
    let handle = set_interval_with_handle(reload, std::time::Duration::from_secs(5)).ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });
    // Tags, monitor names and channels for the filters.
    let monitors = RwSignal::new(Vec::<Monitor>::new());
    let channels = RwSignal::new(Vec::<(String, String)>::new());
    Effect::new(move |_| {
        session.project.track();
        leptos::task::spawn_local(async move {
            if let Ok(l) = session
                .get_json::<serde_json::Value>("/api/v1/monitors")
                .await
            {
                if let Ok(m) = serde_json::from_value::<Vec<Monitor>>(l["monitors"].clone()) {
                    monitors.set(m);
                }
            }
            if let Ok(l) = session
                .get_json::<serde_json::Value>("/api/v1/channels")
                .await
            {
                let named = l["channels"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|c| {
                                Some((
                                    c["id"].as_str()?.to_string(),
                                    c["name"].as_str()?.to_string(),
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                channels.set(named);
            }
        });
    });
    let tags = Memo::new(move |_| {
        monitors.with(|l| {
            l.iter()
                .flat_map(|m| m.tags.iter().cloned())
                .collect::<BTreeSet<_>>()
        })
    });
    let shown = Memo::new(move |_| alerts.with(|a| rows(a, shown_by.get().sort)));
    let glance = use_context::<crate::glance::Glance>();
    let acknowledge = Callback::new(move |ids: Vec<i64>| {
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({ "ids": ids });
            match session
                .send_json::<_, AcknowledgedMany>("POST", "/api/v1/alerts/acknowledge", &body)
                .await
            {
                Ok(r) => {
                    said.set(Some(acknowledged_words(&r)));
                    selected.set(BTreeSet::new());
                    if let Some(g) = glance {
                        g.touch();
                    }
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let resolve = move |ids: Vec<i64>| {
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({ "ids": ids });
            match session
                .send_json::<_, ResolvedMany>("POST", "/api/v1/alerts/resolve", &body)
                .await
            {
                Ok(r) => {
                    said.set(Some(resolved_words(&r)));
                    selected.set(BTreeSet::new());
                    if let Some(g) = glance {
                        g.touch();
                    }
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let act = Actions {
        selected,
        acknowledge,
    };
    let open_shown = move || shown.with(|r| r.iter().flat_map(Row::open_ids).collect::<Vec<_>>());
    let n_selected = move || selected.with(BTreeSet::len);
    let tab = {
        let set = set.clone();
        move |value: &'static str, label: &'static str| {
            let set = set.clone();
            view! {
                <button type="button" class="tab" class:active=move || shown_by.get().status == value
                    aria-pressed=move || (shown_by.get().status == value).to_string()
                    on:click=move |_| set(&|s: &mut Shown| s.status = value.to_string())>{label}</button>
            }
        }
    };
    let (set_kind, set_sev, set_tag, set_mon, set_ch, set_held, set_sort, set_clear) = (
        set.clone(),
        set.clone(),
        set.clone(),
        set.clone(),
        set.clone(),
        set.clone(),
        set.clone(),
        set.clone(),
    );
    let kinds = Signal::derive(move || shown_by.get().kinds);
    let severities = Signal::derive(move || shown_by.get().severities);
    let monitor_name = move || {
        let r = shown_by.get().monitor;
        monitors
            .with(|l| l.iter().find(|m| m.id == r).map(|m| m.name.clone()))
            .unwrap_or(r)
    };
    view! {
        <div class="row alerts-head">
            <h1>"Alerts"</h1>
            <div class="row tabs" role="group" aria-label="Status">
                {tab("open", "Open")}
                {tab("acknowledged", "Acknowledged")}
                {tab("resolved", "Resolved")}
                {tab("all", "All")}
            </div>
        </div>
        <div class="row alert-filters" role="search" aria-label="Filter the alerts">
            {crate::widgets::choices("f-kind", "Kind", fixed(&KINDS), kinds, move |c| set_kind(&|s: &mut Shown| s.kinds = c.clone()))}
            {crate::widgets::choices("f-severity", "Severity", fixed(&SEVERITIES), severities, move |c| set_sev(&|s: &mut Shown| s.severities = c.clone()))}
            <select id="f-tag" aria-label="Tag" on:change=move |ev| {
                let v = event_target_value(&ev);
                set_tag(&|s: &mut Shown| s.tag = v.clone());
            }>
                <option value="" selected=move || shown_by.get().tag.is_empty()>"Any tag"</option>
                {move || {
                    let now = shown_by.get().tag;
                    let mut all = tags.get();
                    if !now.is_empty() {
                        all.insert(now.clone());
                    }
                    all.into_iter().map(|t| {
                        let sel = t == now;
                        view! { <option value=t.clone() selected=sel>{format!("tag: {t}")}</option> }
                    }).collect_view()
                }}
            </select>
            <input id="f-monitor" type="search" list="alert-monitors" autocomplete="off"
                aria-label="Monitor (type part of its name)" placeholder="Any monitor"
                prop:value=move || if shown_by.get().monitor.is_empty() { String::new() } else { monitor_name() }
                on:change=move |ev| {
                    let typed = event_target_value(&ev).trim().to_string();
                    let found = monitors.with_untracked(|l| crate::picker::find_one(l, &typed));
                    match (typed.is_empty(), found) {
                        (true, _) => set_mon(&|s: &mut Shown| s.monitor.clear()),
                        (false, Some(id)) => set_mon(&|s: &mut Shown| s.monitor = id.clone()),
                        (false, None) => error.set(Some(format!("No monitor is called {typed:?}: pick one from the list."))),
                    }
                }/>
            <datalist id="alert-monitors">
                {move || monitors.get().into_iter().map(|m| view! { <option value=m.name/> }).collect_view()}
            </datalist>
            <select id="f-channel" aria-label="Channel" on:change=move |ev| {
                let v = event_target_value(&ev);
                set_ch(&|s: &mut Shown| s.channel = v.clone());
            }>
                <option value="" selected=move || shown_by.get().channel.is_empty()>"Any channel"</option>
                {move || channels.get().into_iter().map(|(id, name)| {
                    let sel = shown_by.get().channel == id;
                    view! { <option value=id selected=sel>{format!("sent to {name}")}</option> }
                }).collect_view()}
            </select>
            <label class="check plain">
                <input id="f-held" type="checkbox" prop:checked=move || shown_by.get().held
                    on:change=move |ev| { let on = event_target_checked(&ev); set_held(&|s: &mut Shown| s.held = on) }/>
                "Held back"
            </label>
            <select id="f-sort" aria-label="Order" on:change=move |ev| {
                let v = Sort::parse(&event_target_value(&ev));
                set_sort(&|s: &mut Shown| s.sort = v);
            }>
                {Sort::ALL.into_iter().map(|o| view! {
                    <option value=o.key() selected=move || shown_by.get().sort == o>{o.label()}</option>
                }).collect_view()}
            </select>
            <button type="button" class="link" id="f-clear" on:click=move |_| set_clear(&|s: &mut Shown| {
                *s = Shown { status: s.status.clone(), ..Shown::default() };
            })>"Clear filters"</button>
        </div>
        <Show when=move || session.can_write()>
            <div class="row bulk" role="group" aria-label="Bulk actions">
                <span id="alert-count" role="status">{move || {
                    let (rows_n, alerts_n) = shown.with(|r| (r.len(), r.iter().map(|x| x.alerts.len()).sum::<usize>()));
                    let more = if alerts_n >= MOST { " (the newest 1,000: narrow the filters for older ones)" } else { "" };
                    format!("{rows_n} rows, {alerts_n} alerts{more}")
                }}</span>
                <button type="button" class="secondary" id="ack-selected" disabled=move || n_selected() == 0
                    on:click=move |_| act.acknowledge.run(selected.get_untracked().into_iter().collect())>
                    {move || format!("Acknowledge selected ({})", n_selected())}</button>
                <button type="button" class="secondary" id="resolve-selected" disabled=move || n_selected() == 0
                    title="Problems resolve by hand; a down episode or a breach ends when it recovers"
                    on:click=move |_| resolve(selected.get_untracked().into_iter().collect())>
                    {move || format!("Resolve selected ({})", n_selected())}</button>
                <button type="button" class="secondary" id="ack-all" disabled=move || open_shown().is_empty()
                    on:click=move |_| act.acknowledge.run(open_shown())>
                    {move || format!("Acknowledge all shown ({})", open_shown().len())}</button>
                <span role="status" id="alerts-said" class="hint">{move || said.get()}</span>
            </div>
        </Show>
        <p class="error" role="alert">{move || error.get()}</p>
        <Show when=move || loaded.get() && shown.with(Vec::is_empty)>
            <p class="hint" id="no-alerts">"No alerts here."</p>
        </Show>
        <ul class="alerts triage" id="alerts">
            <For each=move || shown.get()
                key=|r| (r.key.clone(), r.alerts.iter().map(|a| (a.id, a.status.clone(), a.held_until.is_some())).collect::<Vec<_>>())
                children=move |r| row_view(r, act)/>
        </ul>
    }
}

/// "Acknowledged 12; 2 already were; 1 had resolved."
fn acknowledged_words(r: &AcknowledgedMany) -> String {
    let mut s = format!("Acknowledged {}.", r.acknowledged);
    if !r.already.is_empty() {
        s.push_str(&format!(" {} already were.", r.already.len()));
    }
    if !r.resolved.is_empty() {
        s.push_str(&format!(" {} had resolved.", r.resolved.len()));
    }
    s
}

/// "Resolved 3 problems; 2 end when they recover."
fn resolved_words(r: &ResolvedMany) -> String {
    let mut s = format!("Resolved {}.", r.resolved);
    if !r.already.is_empty() {
        s.push_str(&format!(" {} already were.", r.already.len()));
    }
    if !r.kept.is_empty() {
        s.push_str(&format!(
            " {} left open: a down episode, a breach or a failing channel ends when it recovers.",
            r.kept.len()
        ));
    }
    s
}
