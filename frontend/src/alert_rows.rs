//! The Alerts page's rows (docs/behaviour.md, "The Alerts page"): one line per alert,
//! except that the problems of one monitor and the breaches of one flow fold into one
//! row that opens to list them; the order the page sorts rows in; and the line itself,
//! with its checkbox for the bulk actions.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::components::A;
use overdue_types::Alert;

use crate::api::Session;
use crate::time::{short, when};

/// How the rows are ordered.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub enum Sort {
    /// Newest alert first.
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
    /// The most severe first, then the newest.
    Severity,
    /// By the monitor's or flow's name.
    Name,
}

impl Sort {
    /// Every order, as the select lists them.
    pub const ALL: [Sort; 4] = [Sort::Newest, Sort::Oldest, Sort::Severity, Sort::Name];

    /// The URL's word.
    pub fn key(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::Severity => "severity",
            Sort::Name => "name",
        }
    }

    /// The select's words.
    pub fn label(self) -> &'static str {
        match self {
            Sort::Newest => "Newest first",
            Sort::Oldest => "Oldest first",
            Sort::Severity => "Most severe first",
            Sort::Name => "By name",
        }
    }

    /// Reads the URL's word (anything else: newest).
    pub fn parse(s: &str) -> Sort {
        Sort::ALL
            .into_iter()
            .find(|x| x.key() == s)
            .unwrap_or_default()
    }
}

/// One line of the page: an alert, or the problems of a monitor or breaches of a flow.
#[derive(Clone, PartialEq, Debug)]
pub struct Row {
    /// `a<id>` for an alert alone, `m<monitor>` or `f<flow>` for a fold.
    pub key: String,
    /// The alerts, newest first (one unless folded).
    pub alerts: Vec<Alert>,
}

impl Row {
    /// Several alerts in one line.
    pub fn folded(&self) -> bool {
        self.key.starts_with('m') || self.key.starts_with('f')
    }

    /// The monitor's or flow's name, else the summary.
    pub fn name(&self) -> String {
        let a = &self.alerts[0];
        a.monitor_name
            .clone()
            .or_else(|| a.flow_name.clone())
            .unwrap_or_else(|| a.summary.clone())
    }

    /// The worst severity among its alerts.
    pub fn severity(&self) -> String {
        self.alerts
            .iter()
            .map(|a| a.severity.clone())
            .min_by_key(|s| severity_rank(s))
            .unwrap_or_default()
    }

    /// Its newest alert's id.
    fn newest(&self) -> i64 {
        self.alerts.iter().map(|a| a.id).max().unwrap_or(0)
    }

    /// Its oldest alert's id.
    fn oldest(&self) -> i64 {
        self.alerts.iter().map(|a| a.id).min().unwrap_or(0)
    }

    /// The ids of its alerts still open (what acknowledging it acknowledges).
    pub fn open_ids(&self) -> Vec<i64> {
        self.alerts
            .iter()
            .filter(|a| a.status == "open")
            .map(|a| a.id)
            .collect()
    }

    /// The ids of its alerts not resolved (what the checkbox selects).
    pub fn live_ids(&self) -> Vec<i64> {
        self.alerts
            .iter()
            .filter(|a| a.status != "resolved")
            .map(|a| a.id)
            .collect()
    }
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 0,
        "error" => 1,
        "warning" => 2,
        "info" => 3,
        _ => 4,
    }
}

/// Folds `alerts` into rows and sorts them.
pub fn rows(alerts: &[Alert], sort: Sort) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    for a in alerts {
        let key = match (a.kind.as_str(), &a.monitor, &a.flow) {
            ("problem", Some(m), _) => format!("m{m}"),
            ("flow", _, Some(f)) => format!("f{f}"),
            _ => format!("a{}", a.id),
        };
        match out.iter_mut().find(|r| r.key == key) {
            Some(r) => r.alerts.push(a.clone()),
            None => out.push(Row {
                key,
                alerts: vec![a.clone()],
            }),
        }
    }
    for r in &mut out {
        r.alerts.sort_by_key(|a| std::cmp::Reverse(a.id));
    }
    match sort {
        Sort::Newest => out.sort_by_key(|r| std::cmp::Reverse(r.newest())),
        Sort::Oldest => out.sort_by_key(Row::oldest),
        Sort::Severity => {
            out.sort_by_key(|r| (severity_rank(&r.severity()), std::cmp::Reverse(r.newest())))
        }
        Sort::Name => out.sort_by_cached_key(|r| (r.name().to_lowercase(), r.newest())),
    }
    out
}

/// The words for an alert's kind in a line.
fn kind_word(kind: &str) -> &str {
    match kind {
        "down" => "down",
        "problem" => "problem",
        "flow" => "breach",
        "channel" => "channel",
        "event" => "event",
        "test" => "test",
        other => other,
    }
}

/// Where the alert stands, in words ("acknowledged by ann@… 3 min ago").
fn state(a: &Alert) -> AnyView {
    match (a.status.as_str(), &a.acknowledged_by, &a.resolved_reason) {
        ("resolved", _, Some(r)) => {
            view! { {format!("resolved ({r}) ")} {when(a.resolved_at.clone())} }.into_any()
        }
        ("acknowledged", Some(by), _) => {
            view! { {format!("acknowledged by {by} ")} {when(a.acknowledged_at.clone())} }
                .into_any()
        }
        (s, _, _) => s.to_string().into_any(),
    }
}

/// Where the alert stands, whole, for the hover of a line that cuts it.
fn state_words(a: &Alert) -> String {
    let mut s = match (a.status.as_str(), &a.acknowledged_by, &a.resolved_reason) {
        ("resolved", _, Some(r)) => format!("resolved ({r})"),
        ("acknowledged", Some(by), _) => format!("acknowledged by {by}"),
        (s, _, _) => s.to_string(),
    };
    if let Some(n) = &a.note {
        s.push_str(&format!(": “{n}”"));
    }
    s
}

/// The link to what an alert is about.
fn subject(a: &Alert) -> Option<AnyView> {
    if let Some(m) = &a.monitor {
        let name = a.monitor_name.clone().unwrap_or_else(|| "monitor".into());
        return Some(
            view! { <A href=format!("/monitors/{m}") attr:class="subject">{name}</A> }.into_any(),
        );
    }
    a.flow.as_ref().map(|flow| {
        let name = a.flow_name.clone().unwrap_or_else(|| "flow".into());
        // A breach opens its entity on the Flows page.
        let href = match overdue_types::breach_of(&a.dedup_key) {
            Some((entity, _)) => format!(
                "/flows?flow={flow}&entity={}",
                String::from(js_sys::encode_uri_component(&entity))
            ),
            None => "/flows".to_string(),
        };
        view! { <A href=href attr:class="subject">{name}</A> }.into_any()
    })
}

/// What a line needs from the page: the selection and a way to act on ids.
#[derive(Clone, Copy)]
pub struct Actions {
    /// The selected alerts' ids.
    pub selected: RwSignal<BTreeSet<i64>>,
    /// Acknowledges these ids (the page's bulk call, for one line too).
    pub acknowledge: Callback<Vec<i64>>,
}

/// One alert's line (inside a fold too).
fn alert_line(a: Alert, act: Actions, nested: bool) -> impl IntoView {
    let session = Session::get();
    let id = a.id;
    let live = a.status != "resolved";
    let open = a.status == "open";
    let held = a.held_until.clone().map(|until| {
        let by = a.held_by.clone().unwrap_or_default();
        view! { <span class="badge held">{format!("held by {by} until ")} {short(until)}</span> }
    });
    let checked = move || act.selected.with(|s| s.contains(&id));
    let toggle = move |_| {
        act.selected.update(|s| {
            if !s.remove(&id) {
                s.insert(id);
            }
        })
    };
    let label = format!("Select alert {id}: {}", a.summary);
    view! {
        <li class="alert-row" class:nested=nested data-id=id.to_string() data-status=a.status.clone()>
            <span class="pick">
                {(live && session.can_write()).then(|| view! {
                    <input type="checkbox" aria-label=label prop:checked=checked on:change=toggle/>
                })}
            </span>
            <span class=format!("badge sev-{}", a.severity)>{a.severity.clone()}</span>
            <span class="kind">{kind_word(&a.kind).to_string()}</span>
            <span class="summary" title=a.summary.clone()>{a.summary.clone()}</span>
            <span class="subject-cell">{(!nested).then(|| subject(&a))}</span>
            <span class="when">{when(Some(a.opened_at.clone()))}</span>
            <span class="alert-state" title=state_words(&a)>{state(&a)} {held}
                {a.note.clone().map(|n| { let title = n.clone(); view! { " " <span class="note" title=title>"“" {n} "”"</span> } })}
            </span>
            <span class="act">
                {(open && session.can_write()).then(|| view! {
                    <button type="button" class="secondary ack" on:click=move |_| act.acknowledge.run(vec![id])>"Acknowledge"</button>
                })}
            </span>
        </li>
    }
}

/// One row: an alert's line, or a fold's line with its alerts below when opened.
pub fn row_view(r: Row, act: Actions) -> AnyView {
    if !r.folded() {
        let a = r.alerts[0].clone();
        return alert_line(a, act, false).into_any();
    }
    let session = Session::get();
    let expanded = RwSignal::new(false);
    let count = r.alerts.len();
    let live = r.live_ids();
    let open = r.open_ids();
    let what = if r.key.starts_with('m') {
        if count == 1 {
            "problem"
        } else {
            "problems"
        }
    } else if count == 1 {
        "breach"
    } else {
        "breaches"
    };
    let open_count = open.len();
    let first = r.alerts[0].clone();
    let severity = r.severity();
    let live_for_check = live.clone();
    let checked = move || {
        !live_for_check.is_empty()
            && act
                .selected
                .with(|s| live_for_check.iter().all(|id| s.contains(id)))
    };
    let live_for_toggle = live.clone();
    let all_checked = checked.clone();
    let toggle = move |_| {
        let all = all_checked();
        act.selected.update(|s| {
            for id in &live_for_toggle {
                if all {
                    s.remove(id);
                } else {
                    s.insert(*id);
                }
            }
        })
    };
    let name = r.name();
    let label = format!("Select the {count} {what} of {name}");
    let list_id = format!("fold-{}", r.key);
    let summary = if open_count == count {
        format!("{count} {what}")
    } else {
        format!("{count} {what}, {open_count} open")
    };
    let members = r.alerts.clone();
    view! {
        <li class="alert-row folded" data-key=r.key.clone() data-count=count.to_string()>
            <span class="pick">
                {(!live.is_empty() && session.can_write()).then(|| view! {
                    <input type="checkbox" aria-label=label prop:checked=checked on:change=toggle/>
                })}
            </span>
            <span class=format!("badge sev-{severity}")>{severity.clone()}</span>
            <span class="kind">{kind_word(&first.kind).to_string()}</span>
            <span class="summary">
                <button type="button" class="link fold" aria-expanded=move || expanded.get().to_string()
                    aria-controls=list_id.clone() on:click=move |_| expanded.update(|e| *e = !*e)>
                    <span aria-hidden="true">{move || if expanded.get() { "▾ " } else { "▸ " }}</span>
                    {summary}
                </button>
                " · " {first.summary.clone()}
            </span>
            <span class="subject-cell">{subject(&first)}</span>
            <span class="when">{when(Some(first.opened_at.clone()))}</span>
            <span class="alert-state"></span>
            <span class="act">
                {(open_count > 0 && session.can_write()).then(|| {
                    let ids = open.clone();
                    view! {
                        <button type="button" class="secondary ack" on:click=move |_| act.acknowledge.run(ids.clone())>
                            {format!("Acknowledge {open_count}")}
                        </button>
                    }
                })}
            </span>
            <Show when=move || expanded.get()>
                <ul class="fold-list" id=list_id.clone()>
                    {members.clone().into_iter().map(|a| alert_line(a, act, true)).collect_view()}
                </ul>
            </Show>
        </li>
    }
    .into_any()
}
