//! The flow form — a new flow, or the one being edited (its values filled in; a save
//! replaces them with `PATCH /api/v1/flows/<slug>`): name, stages in order (each with
//! its SLA, the severity of a breach, an optional business calendar and an optional
//! aggregate), terminal stages and tags. The server checks it as it checks the API
//! (the same rules, one place); its refusal is said here in the form's words ("Stage 2,
//! SLA: …" rather than `stages[1].sla`).

use leptos::prelude::*;
use overdue_types::{Flow, FlowStage};
use serde::Deserialize;

use crate::api::Session;
use crate::widgets::list_of;

/// One stage's fields.
#[derive(Clone, Copy)]
struct StageFields {
    key: u64,
    name: RwSignal<String>,
    sla: RwSignal<String>,
    severity: RwSignal<String>,
    calendar: RwSignal<String>,
    count: RwSignal<String>,
    percent: RwSignal<String>,
    window: RwSignal<String>,
}

impl StageFields {
    fn new(key: u64, s: Option<&FlowStage>) -> StageFields {
        let text = |v: String| RwSignal::new(v);
        let agg = s.and_then(|s| s.aggregate.clone()).unwrap_or_default();
        let num = |k: &str| agg[k].as_f64().map(|n| n.to_string()).unwrap_or_default();
        StageFields {
            key,
            name: text(s.map(|s| s.name.clone()).unwrap_or_default()),
            sla: text(
                s.map(|s| overdue_types::route_form::duration_text(s.sla * 1_000))
                    .unwrap_or_default(),
            ),
            severity: text(s.map_or_else(|| "error".into(), |s| s.severity.clone())),
            calendar: text(s.and_then(|s| s.calendar.clone()).unwrap_or_default()),
            count: text(num("count")),
            percent: text(num("percent")),
            window: text(
                agg["window"]
                    .as_i64()
                    .map(|w| overdue_types::route_form::duration_text(w * 1_000))
                    .unwrap_or_default(),
            ),
        }
    }

    /// The stage as the API takes it.
    fn json(&self) -> serde_json::Value {
        let t = |s: RwSignal<String>| s.get_untracked().trim().to_string();
        let mut v = serde_json::json!({"name": t(self.name), "sla": t(self.sla), "severity": t(self.severity)});
        if !t(self.calendar).is_empty() {
            v["calendar"] = t(self.calendar).into();
        }
        if !t(self.window).is_empty() || !t(self.count).is_empty() || !t(self.percent).is_empty() {
            let mut a = serde_json::json!({"window": t(self.window)});
            // A number the browser cannot read is sent as typed: the server names it.
            let number = |s: String| {
                s.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(
                        || serde_json::Value::from(s.clone()),
                        serde_json::Value::Number,
                    )
            };
            if !t(self.count).is_empty() {
                a["count"] = match t(self.count).parse::<i64>() {
                    Ok(n) => n.into(),
                    Err(_) => number(t(self.count)),
                };
            }
            if !t(self.percent).is_empty() {
                a["percent"] = number(t(self.percent));
            }
            v["aggregate"] = a;
        }
        v
    }
}

/// The mapping's fields: where entity, stage and time are in a service's own events.
#[derive(Clone, Copy)]
struct MappingFields {
    entity: RwSignal<String>,
    stage: RwSignal<String>,
    at: RwSignal<String>,
    format: RwSignal<String>,
    /// `Value = stage` lines.
    table: RwSignal<String>,
}

impl MappingFields {
    fn new(m: Option<&serde_json::Value>) -> MappingFields {
        let text = |k: &str| {
            RwSignal::new(
                m.and_then(|m| m[k].as_str())
                    .unwrap_or_default()
                    .to_string(),
            )
        };
        let table = m
            .and_then(|m| m["stages"].as_object())
            .map(|t| {
                t.iter()
                    .map(|(k, v)| format!("{k} = {}", v.as_str().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
        MappingFields {
            entity: text("entity"),
            stage: text("stage"),
            at: text("at"),
            format: RwSignal::new(
                m.and_then(|m| m["time_format"].as_str())
                    .unwrap_or("auto")
                    .to_string(),
            ),
            table: RwSignal::new(table),
        }
    }

    /// The mapping as the API takes it; `null` when no path is given.
    fn json(&self) -> serde_json::Value {
        let t = |s: RwSignal<String>| s.get_untracked().trim().to_string();
        if t(self.entity).is_empty() && t(self.stage).is_empty() {
            return serde_json::Value::Null;
        }
        let mut m = serde_json::json!({"entity": t(self.entity), "stage": t(self.stage), "time_format": t(self.format)});
        if !t(self.at).is_empty() {
            m["at"] = t(self.at).into();
        }
        let table: serde_json::Map<String, serde_json::Value> = t(self.table)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().into()))
            .collect();
        if !table.is_empty() {
            m["stages"] = table.into();
        }
        m
    }
}

/// The server's refusal in the form's words: `stages[1].sla` is "Stage 2, SLA".
pub fn in_words(message: &str) -> String {
    let mut out = message.to_string();
    for (field, words) in [
        (".aggregate.window", ", aggregate window"),
        (".aggregate", ", aggregate"),
        (".sla", ", SLA"),
        (".severity", ", severity"),
        (".calendar", ", calendar"),
        (".name", ", name"),
    ] {
        out = out.replace(field, words);
    }
    while let Some(start) = out.find("stages[") {
        let Some(len) = out[start..].find(']') else {
            break;
        };
        let n: usize = out[start + 7..start + len].parse().unwrap_or(0);
        out.replace_range(start..=start + len, &format!("Stage {}", n + 1));
    }
    out
}

/// Whether the refusal (in the form's words) is about stage `n` ("Stage 2, SLA: …").
fn about_stage(message: &str, n: usize) -> bool {
    message
        .strip_prefix(&format!("Stage {n}"))
        .is_some_and(|rest| rest.starts_with([',', ':', ' ']))
}

#[derive(Deserialize)]
struct Calendars {
    calendars: Vec<serde_json::Value>,
}

/// The form. `editing`: the flow to change (none: a new one).
#[component]
pub fn FlowForm(
    #[prop(optional)] editing: Option<Flow>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
    #[prop(optional)] on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let session = Session::get();
    let was = StoredValue::new(editing.clone());
    let edit = editing.is_some();
    let error = RwSignal::new(None::<String>);
    let name = RwSignal::new(editing.as_ref().map(|f| f.name.clone()).unwrap_or_default());
    let terminal = RwSignal::new(
        editing
            .as_ref()
            .map(|f| f.terminal.join(", "))
            .unwrap_or_default(),
    );
    let tags = RwSignal::new(editing.as_ref().map(|f| f.tags.clone()).unwrap_or_default());
    let mapping = MappingFields::new(editing.as_ref().and_then(|f| f.mapping.as_ref()));
    let next = StoredValue::new(0u64);
    let fresh = move |s: Option<&FlowStage>| {
        let k = next.get_value();
        next.set_value(k + 1);
        StageFields::new(k, s)
    };
    let stages = RwSignal::new(match &editing {
        Some(f) => f.stages.iter().map(|s| fresh(Some(s))).collect::<Vec<_>>(),
        None => vec![fresh(None)],
    });
    let calendars = RwSignal::new(Vec::<String>::new());
    leptos::task::spawn_local(async move {
        if let Ok(c) = session.get_json::<Calendars>("/api/v1/calendars").await {
            calendars.set(
                c.calendars
                    .iter()
                    .filter_map(|c| c["name"].as_str().map(str::to_string))
                    .collect(),
            );
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = serde_json::json!({
            "name": name.get_untracked().trim(),
            "stages": stages.with_untracked(|s| s.iter().map(StageFields::json).collect::<Vec<_>>()),
            "terminal": list_of(&terminal.get_untracked()),
            "tags": tags.get_untracked().trim(),
            "mapping": mapping.json(),
        });
        let (method, path) = match was.get_value() {
            Some(f) => ("PATCH", format!("/api/v1/flows/{}", f.slug)),
            None => ("POST", "/api/v1/flows".to_string()),
        };
        leptos::task::spawn_local(async move {
            match session.send_json::<_, Flow>(method, &path, &body).await {
                Ok(_) => {
                    error.set(None);
                    if !edit {
                        name.set(String::new());
                        terminal.set(String::new());
                        tags.set(String::new());
                        stages.set(vec![fresh(None)]);
                        for f in [mapping.entity, mapping.stage, mapping.at, mapping.table] {
                            f.set(String::new());
                        }
                    }
                    on_saved();
                }
                Err(e) => error.set(Some(in_words(&e))),
            }
        });
    };
    let input = |id: String,
                 label: &'static str,
                 value: RwSignal<String>,
                 hint: &'static str,
                 list: Option<&'static str>| {
        view! {
            <label for=id.clone()>{label}</label>
            <input id=id type="text" placeholder=hint list=list autocomplete="off" prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))/>
        }
    };
    let form_id = if edit { "flow-edit" } else { "flow-form" };
    view! {
        <form class="card flow-form" id=form_id on:submit=save>
            <h2>{if edit { "Edit flow" } else { "New flow" }}</h2>
            {input("flow-name".into(), "Name", name, "e.g. orders", None)}
            <datalist id="flow-durations">
                {["15m", "1h", "4h", "1d", "2d"].map(|d| view! { <option value=d/> }).collect_view()}
            </datalist>
            <ol class="stage-list" id="flow-stages">
                <For each=move || stages.get().into_iter().enumerate() key=|(i, s)| (*i, s.key) children=move |(i, s)| {
                    let n = i + 1;
                    let last = move || stages.with(Vec::len) == n;
                    view! {
                        <li class="stage-fields">
                            <fieldset>
                                <legend>{format!("Stage {n}")}</legend>
                                {move || error.get().filter(|e| about_stage(e, n)).map(|e| view! {
                                    <p class="error field-error" id=format!("stage-{n}-error")>{e}</p>
                                })}
                                <div class="grid-2">
                                    <div>{input(format!("stage-name-{n}"), "Name", s.name, "e.g. authorized", None)}</div>
                                    <div>{input(format!("stage-sla-{n}"), "SLA: may stay this long", s.sla, "e.g. 4h", Some("flow-durations"))}</div>
                                    <div>
                                        <label for=format!("stage-severity-{n}")>"A breach is"</label>
                                        <select id=format!("stage-severity-{n}") on:change=move |ev| s.severity.set(event_target_value(&ev))>
                                            {overdue_types::route_form::SEVERITIES.iter().map(|v| view! {
                                                <option value=*v selected=move || s.severity.get() == *v>{*v}</option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                    <div>
                                        <label for=format!("stage-calendar-{n}")>"SLA counts"</label>
                                        <select id=format!("stage-calendar-{n}") on:change=move |ev| s.calendar.set(event_target_value(&ev))>
                                            <option value="" selected=move || s.calendar.get().is_empty()>"all hours (wall-clock time)"</option>
                                            {move || calendars.get().into_iter().map(|c| {
                                                let (c2, words) = (c.clone(), format!("business hours of {c}"));
                                                view! { <option value=c.clone() selected=move || s.calendar.get() == c2>{words}</option> }
                                            }).collect_view()}
                                        </select>
                                    </div>
                                </div>
                                <details class="aggregate" open=!s.window.get_untracked().is_empty()>
                                    <summary>"One alert when many breach at once (optional)"</summary>
                                    <div class="grid-3">
                                        <div>{input(format!("stage-count-{n}"), "More than (entities)", s.count, "e.g. 50", None)}</div>
                                        <div>{input(format!("stage-percent-{n}"), "or more than (%)", s.percent, "e.g. 2", None)}</div>
                                        <div>{input(format!("stage-window-{n}"), "within", s.window, "e.g. 15m", Some("flow-durations"))}</div>
                                    </div>
                                </details>
                                <div class="row">
                                    <button type="button" class="secondary" aria-label=format!("Move stage {n} up") disabled=n == 1
                                        on:click=move |_| stages.update(|v| if i > 0 && i < v.len() { v.swap(i - 1, i) })>"↑"</button>
                                    <button type="button" class="secondary" aria-label=format!("Move stage {n} down") disabled=last
                                        on:click=move |_| stages.update(|v| if i + 1 < v.len() { v.swap(i, i + 1) })>"↓"</button>
                                    <button type="button" class="secondary" aria-label=format!("Remove stage {n}") disabled=move || stages.with(Vec::len) == 1
                                        on:click=move |_| stages.update(|v| if i < v.len() && v.len() > 1 { v.remove(i); })>"Remove"</button>
                                </div>
                            </fieldset>
                        </li>
                    }
                }/>
            </ol>
            <button type="button" class="secondary" id="flow-add-stage" on:click=move |_| stages.update(|v| v.push(fresh(None)))>"Add a stage"</button>
            {input("flow-terminal".into(), "Terminal stages (where entities finish; comma-separated)", terminal, "e.g. delivered, cancelled", None)}
            {input("flow-tags".into(), "Tags (space-separated; routes match them)", tags, "e.g. team:shop", None)}
            <details class="mapping" open=!mapping.entity.get_untracked().is_empty()>
                <summary>"Read the events your service already publishes (optional)"</summary>
                <p class="hint">"Where the entity, the stage and the time are in its messages: a JSON pointer (/orderId) or dotted names (order.id). Fields not read are kept as the entity's attributes."</p>
                <div class="grid-3">
                    <div>{input("flow-map-entity".into(), "Entity at", mapping.entity, "e.g. /orderId", None)}</div>
                    <div>{input("flow-map-stage".into(), "Stage at", mapping.stage, "e.g. status", None)}</div>
                    <div>{input("flow-map-at".into(), "Time at (optional)", mapping.at, "e.g. timestamp", None)}</div>
                </div>
                <label for="flow-map-format">"The time is written as"</label>
                <select id="flow-map-format" on:change=move |ev| mapping.format.set(event_target_value(&ev))>
                    {[("auto", "found out (RFC 3339, epoch seconds or milliseconds)"), ("rfc3339", "RFC 3339"), ("epoch_seconds", "seconds since 1970"), ("epoch_millis", "milliseconds since 1970")]
                        .map(|(v, words)| view! { <option value=v selected=move || mapping.format.get() == v>{words}</option> }).collect_view()}
                </select>
                <label for="flow-map-table">"Stage values that differ from the stage names (one per line: Value = stage)"</label>
                <textarea id="flow-map-table" rows="3" placeholder="e.g. Shipped out = delivered" prop:value=move || mapping.table.get()
                    on:input=move |ev| mapping.table.set(event_target_value(&ev))></textarea>
            </details>
            // Said at its stage when it is about one; here in any case, for screen
            // readers and for what is about the flow as a whole.
            <p class="error" role="alert" id="flow-error">{move || error.get()}</p>
            <div class="row">
                <button id="flow-save" type="submit">{if edit { "Save flow" } else { "Create flow" }}</button>
                {on_cancel.map(|cancel| view! {
                    <button type="button" class="secondary" on:click=move |_| cancel.run(())>"Cancel"</button>
                })}
            </div>
        </form>
    }
}
