//! `/flows`: each flow's stages with the entities in them, how many are breached and
//! the time they spend there (p50/p95 over 24 h); the open breaches with their age;
//! one entity looked up with its history (a breach opens its entity:
//! `/flows?flow=<slug>&entity=<id>`); a form to create a flow and to edit one
//! (`flow_form`); the events kept aside (`kept_aside`). Live: it reloads when the server says a flow
//! changed (at most once a second, however busy the flows are).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use overdue_types::{Alert, AlertList, Flow, FlowEntity};
use serde::Deserialize;

use crate::api::Session;
use crate::form::human;
use crate::time::{short, stamp, when};

#[derive(Deserialize)]
struct FlowList {
    flows: Vec<Flow>,
}

/// Seconds in words, or a dash.
fn span(s: Option<i64>) -> String {
    s.map_or_else(|| "—".into(), human_round)
}

/// A percentile with the day before's, when there is one: `1h 5m (was 40m 0s)`.
fn trend(now: Option<i64>, before: Option<i64>) -> String {
    match before {
        Some(b) => format!("{} (was {})", span(now), human_round(b)),
        None => span(now),
    }
}

/// `4h 10m` style (the SLA style `human` needs whole units).
fn human_round(s: i64) -> String {
    match s {
        s if s >= 86_400 => format!("{}d {}h", s / 86_400, s % 86_400 / 3_600),
        s if s >= 3_600 => format!("{}h {}m", s / 3_600, s % 3_600 / 60),
        s if s >= 60 => format!("{}m {}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

/// One flow's card: its stages as a table.
fn flow_card(f: Flow, breaches: Vec<Alert>, editing: RwSignal<Option<Flow>>) -> impl IntoView {
    let session = Session::get();
    let url = f.event_url.clone();
    let push = f.push_url.clone();
    let slug = f.slug.clone();
    let this = f.clone();
    let terminal = f.terminal.join(", ");
    view! {
        <section class="card flow-card" data-slug=f.slug.clone()>
            <div class="row spread">
                <h2>{f.name.clone()} <span class="hint">" /" {f.slug.clone()}</span></h2>
                <Show when=move || session.can_write()>
                    <button class="secondary edit-flow" on:click={let this = this.clone(); move |_| {
                        editing.set(Some(this.clone()));
                        request_animation_frame(|| crate::widgets::focus("flow-name"));
                    }}>"Edit"</button>
                </Show>
            </div>
            <div class="table-wrap" tabindex="0">
                <table class="stages">
                    <thead><tr>
                        <th scope="col">"Stage"</th><th scope="col">"SLA"</th><th scope="col">"In it"</th>
                        <th scope="col">"Breached"</th><th scope="col">"p50"</th><th scope="col">"p95"</th>
                    </tr></thead>
                    <tbody>
                        {f.stages.iter().map(|s| {
                            let sla = match &s.calendar {
                                Some(c) => format!("{} ({c})", human(s.sla)),
                                None => human(s.sla),
                            };
                            let hot = s.breached > 0;
                            view! {
                                <tr class:breached=hot>
                                    <th scope="row">{s.name.clone()}</th>
                                    <td>{sla}</td>
                                    <td>{s.entities}</td>
                                    <td>{if hot { format!("{} breached", s.breached) } else { "0".into() }}</td>
                                    <td>{trend(s.p50, s.p50_before)}</td>
                                    <td>{trend(s.p95, s.p95_before)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p class="hint">"Finished in: " {if terminal.is_empty() { "(no terminal stage)".to_string() } else { terminal }}</p>
            <h3>"Open breaches"</h3>
            <ul class="breaches">
                {if breaches.is_empty() {
                    view! { <li class="hint">"None: every entity is within its SLA."</li> }.into_any()
                } else {
                    breaches.into_iter().take(50).map(|a| {
                        let href = overdue_types::breach_of(&a.dedup_key)
                            .map(|(entity, _)| format!("/flows?flow={}&entity={}", slug, urlencode(&entity)));
                        view! {
                            <li><span class="status s-down">"breached"</span> " "
                                {match href {
                                    Some(h) => view! { <A href=h attr:class="breach-entity">{a.summary.clone()}</A> }.into_any(),
                                    None => a.summary.clone().into_any(),
                                }}
                                <span class="hint">" · opened " {when(Some(a.opened_at.clone()))}</span></li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
            {url.map(|u| view! {
                <p class="hint">"Send events: " <code class="event-url">"POST " {u}</code></p>
            })}
            {push.map(|u| view! {
                <p class="hint">"Push URL (Pub/Sub push subscriptions, CloudEvents sinks): " <code class="push-url">{u}</code></p>
            })}
        </section>
    }
}

/// Listens to `/api/v1/events` for `flow` (a flow changed) and `resync` (this page fell
/// behind) and calls `on_change` for each; closed when the page is left.
fn live_flows(on_change: impl Fn() + 'static) {
    crate::live::listen(&["flow", "resync"], move |_| on_change());
}

/// The page.
#[component]
pub fn FlowsPage() -> impl IntoView {
    let session = Session::get();
    let flows = RwSignal::new(Vec::<Flow>::new());
    let breaches = RwSignal::new(Vec::<Alert>::new());
    let error = RwSignal::new(None::<String>);
    let (tick, set_tick) = signal(0_u32);
    let reload = move || {
        set_tick.update(|t| *t = t.wrapping_add(1));
        leptos::task::spawn_local(async move {
            let got = session.get_json::<FlowList>("/api/v1/flows").await;
            let open = session
                .get_json::<AlertList>("/api/v1/alerts?status=open&kind=flow&limit=500")
                .await;
            match (got, open) {
                (Ok(l), Ok(a)) => {
                    error.set(None);
                    flows.set(l.flows);
                    breaches.set(a.alerts);
                }
                (Err(e), _) | (_, Err(e)) => error.set(Some(e)),
            }
        });
    };
    // A change arriving less than a second after the last reload marks the page
    // stale; the tick reloads it then (a flow taking thousands of events a second
    // costs one reload a second, not one per event).
    let stale = StoredValue::new(false);
    let last = StoredValue::new(0.0_f64);
    let refresh = move || {
        let now = js_sys::Date::now();
        if now - last.get_value() >= 1000.0 {
            last.set_value(now);
            stale.set_value(false);
            reload();
        } else {
            stale.set_value(true);
        }
    };
    Effect::new(move |_| {
        session.project.track();
        refresh();
    });
    live_flows(refresh);
    let handle = set_interval_with_handle(
        move || {
            if stale.get_value() {
                refresh();
            }
        },
        std::time::Duration::from_millis(500),
    )
    .ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });
    let flow_pick = RwSignal::new(String::new());
    let entity_id = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Result<FlowEntity, String>>);
    let editing = RwSignal::new(None::<Flow>);
    let lookup = move || {
        let slug = flow_pick.get_untracked();
        let slug = if slug.is_empty() {
            flows.with_untracked(|f| f.first().map(|f| f.slug.clone()).unwrap_or_default())
        } else {
            slug
        };
        let id = entity_id.get_untracked().trim().to_string();
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/flows/{slug}/entities/{}", urlencode(&id));
            found.set(Some(session.get_json::<FlowEntity>(&path).await));
        });
    };
    let look = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        lookup();
    };
    // A breach's link names its flow and entity: looked up at once, and shown.
    let query = use_query_map();
    Effect::new(move |_| {
        let (flow, entity) = query.with(|q| (q.get("flow"), q.get("entity")));
        if let (Some(flow), Some(entity)) = (flow, entity) {
            flow_pick.set(flow);
            entity_id.set(entity);
            lookup();
            crate::widgets::focus("entity-id");
        }
    });
    view! {
        <h1>"Flows"</h1>
        <p class="hint">"Business entities moving through stages, each with an SLA: an entity still in a \
            stage when its SLA passes is a breach, sent like any alert and resolved when it moves on."</p>
        <p class="error" role="alert">{move || error.get()}</p>
        <Show when=move || flows.with(Vec::is_empty)>
            <p class="hint" id="flows-empty">"No flows yet: create one with the form below (or POST /api/v1/flows)."</p>
        </Show>
        {move || editing.get().map(|f| view! {
            <crate::flow_form::FlowForm editing=f
                on_cancel=Callback::new(move |()| editing.set(None))
                on_saved=move || { editing.set(None); reload(); }/>
        })}
        <div id="flows">
            {move || {
                let open = breaches.get();
                flows.get().into_iter().map(|f| {
                    let mine: Vec<Alert> = open.iter().filter(|a| a.flow.as_deref() == Some(f.id.as_str())).cloned().collect();
                    flow_card(f, mine, editing)
                }).collect_view()
            }}
        </div>
        // Hidden while a flow is edited: one form at a time (their fields share ids).
        <crate::kept_aside::KeptAsideList tick=tick/>
        <Show when=move || session.can_write() && editing.with(Option::is_none)>
            <crate::flow_form::FlowForm on_saved=reload/>
        </Show>
        <form class="card" id="entity-form" on:submit=look>
            <h2>"Look up an entity"</h2>
            <label for="entity-flow">"Flow"</label>
            <select id="entity-flow" on:change=move |ev| flow_pick.set(event_target_value(&ev))>
                {move || flows.get().into_iter().map(|f| {
                    // A link may name the flow by slug or by id.
                    let (slug, id) = (f.slug.clone(), f.id.clone());
                    view! { <option value=f.slug.clone() selected=move || flow_pick.with(|p| *p == slug || *p == id)>{f.name.clone()}</option> }
                }).collect_view()}
            </select>
            <label for="entity-id">"Entity id"</label>
            <input id="entity-id" type="text" placeholder="12345" prop:value=move || entity_id.get()
                on:input=move |ev| entity_id.set(event_target_value(&ev))/>
            <button id="entity-look" type="submit">"Look up"</button>
            <div id="entity" role="status">
                {move || match found.get() {
                    None => ().into_any(),
                    Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                    Some(Ok(e)) => view! {
                        <p><strong>{e.entity.clone()}</strong> " is in " <strong>{e.stage.clone()}</strong>
                            " since " {short(e.entered_at.clone())}
                            {e.due_at.clone().map(|d| view! { " · due by " {short(d)} })}
                            {e.breach_alert.map(|_| " · breached".to_string())}
                            {e.finished_at.clone().map(|f| view! { " · finished " {short(f)} })}</p>
                        {e.attributes.as_ref().and_then(|a| a.as_object()).filter(|a| !a.is_empty()).map(|a| view! {
                            <dl class="attributes" id="entity-attributes">
                                {a.iter().map(|(k, v)| view! {
                                    <dt>{k.clone()}</dt>
                                    <dd>{v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())}</dd>
                                }).collect_view()}
                            </dl>
                        })}
                        <div class="table-wrap" tabindex="0"><table class="history">
                            <thead><tr><th scope="col">"Stage"</th><th scope="col">"At"</th><th scope="col">"Received"</th><th scope="col">"Moved it"</th></tr></thead>
                            <tbody>{e.history.into_iter().map(|h| view! {
                                <tr><td>{h.stage}</td><td>{stamp(h.at, None)}</td><td>{stamp(h.received_at, None)}</td><td>{if h.applied { "yes" } else { "no" }}</td></tr>
                            }).collect_view()}</tbody>
                        </table></div>
                    }.into_any(),
                }}
            </div>
        </form>
    }
}

/// An entity id in a URL path.
fn urlencode(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}
