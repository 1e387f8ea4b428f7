//! `/channels`: where notifications go — webhook, e-mail, Slack, PagerDuty. A form per
//! kind with its own fields and help; per channel its settings (secrets masked), whether
//! it is a default (new monitors get it) or the fallback (told when another channel
//! keeps failing), its health, "send test" showing that delivery's result, and its
//! delivery log. Below, the project's whole notification log.

use leptos::prelude::*;
use overdue_types::Channel;
use serde::Deserialize;

use crate::api::Session;
use crate::deliveries::DeliveryLog;

#[derive(Deserialize)]
struct ChannelList {
    channels: Vec<Channel>,
}

/// What each kind asks for, and its help.
fn help(kind: &str) -> &'static str {
    match kind {
        "email" => {
            "One message per address, plain text and HTML, with a link to acknowledge. \
                    The server's SMTP relay (OVERDUE_SMTP_URL) sends it."
        }
        "slack" => {
            "An incoming webhook URL from Slack (Apps → Incoming Webhooks). Messages name \
                    the monitor, the reason and carry an acknowledgement link."
        }
        "pagerduty" => {
            "The integration key of a PagerDuty service (Events API v2). Each alert is \
                        one incident: triggered, acknowledged and resolved from Overdue."
        }
        _ => {
            "Overdue POSTs a JSON event to this URL when a monitor goes down, recovers, or \
              reports problems."
        }
    }
}

/// The new channel's JSON from the form's fields.
fn body(kind: &str, name: &str, target: &str, default: bool, fallback: bool) -> serde_json::Value {
    let mut b = serde_json::json!({
        "kind": kind, "name": name, "is_default": default, "is_fallback": fallback,
    });
    let target = target.trim();
    match kind {
        "email" => {
            let to: Vec<String> = target
                .split([',', ';', ' ', '\n'])
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect();
            b["to"] = to.into();
        }
        "pagerduty" => b["routing_key"] = target.into(),
        _ => b["url"] = target.into(),
    }
    b
}

/// The page.
#[component]
pub fn ChannelsPage() -> impl IntoView {
    let session = Session::get();
    let list = RwSignal::new(Vec::<Channel>::new());
    let error = RwSignal::new(None::<String>);
    let kind = RwSignal::new("email".to_string());
    let name = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let default = RwSignal::new(true);
    let fallback = RwSignal::new(false);
    // Each card's last message, kept here: a card is drawn again when its channel
    // changes (health after a test, flags), and the message must survive that.
    let notes = RwSignal::new(std::collections::HashMap::<String, String>::new());
    let reload = move || {
        leptos::task::spawn_local(async move {
            match session.get_json::<ChannelList>("/api/v1/channels").await {
                Ok(l) => list.set(l.channels),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        session.project.track();
        reload();
    });
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let b = body(
                &kind.get_untracked(),
                &name.get_untracked(),
                &target.get_untracked(),
                default.get_untracked(),
                fallback.get_untracked(),
            );
            match session
                .send_json::<_, Channel>("POST", "/api/v1/channels", &b)
                .await
            {
                Ok(_) => {
                    error.set(None);
                    name.set(String::new());
                    target.set(String::new());
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let target_label = move || match kind.get().as_str() {
        "email" => "Addresses (comma-separated)",
        "pagerduty" => "Integration key",
        "slack" => "Incoming webhook URL",
        _ => "URL",
    };
    let placeholder = move || match kind.get().as_str() {
        "email" => "ops@example.com, it@example.com",
        "pagerduty" => "32 letters and digits",
        "slack" => "https://hooks.slack.com/services/…",
        _ => "https://…",
    };
    view! {
        <h1>"Channels"</h1>
        <p class="error" role="alert">{move || error.get()}</p>
        <Show when=move || list.with(Vec::is_empty)>
            <p class="hint">"No channels yet: nobody is notified when a monitor goes down."</p>
        </Show>
        <For each=move || list.get() key=|c| (c.id.clone(), c.name.clone(), c.is_default, c.is_fallback, c.health.clone())
            children=move |c| view! { <ChannelCard c=c notes=notes on_change=reload/> }/>
        <Show when=move || session.can_manage()>
            <form class="card" on:submit=create id="channel-form">
                <h2>"New channel"</h2>
                <label for="channel-kind">"Kind"</label>
                <select id="channel-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="email" selected=true>"E-mail"</option>
                    <option value="slack">"Slack"</option>
                    <option value="pagerduty">"PagerDuty"</option>
                    <option value="webhook">"Webhook"</option>
                </select>
                <p class="hint">{move || help(&kind.get())}</p>
                <label for="channel-name">"Name"</label>
                <input id="channel-name" type="text" required placeholder="IT on-call"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <label for="channel-target">{target_label}</label>
                <input id="channel-target" type="text" required placeholder=placeholder
                    prop:value=move || target.get() on:input=move |ev| target.set(event_target_value(&ev))/>
                <label class="check">
                    <input type="checkbox" id="channel-default" prop:checked=move || default.get()
                        on:change=move |ev| default.set(event_target_checked(&ev))/>
                    " Default: new monitors notify this channel"
                </label>
                <label class="check">
                    <input type="checkbox" id="channel-fallback" prop:checked=move || fallback.get()
                        on:change=move |ev| fallback.set(event_target_checked(&ev))/>
                    " Fallback: told when another channel keeps failing"
                </label>
                <button id="channel-create" type="submit">"Add channel"</button>
            </form>
        </Show>
        <h2>"Notification log"</h2>
        <p class="hint">"Every delivery attempt of this project, newest first."</p>
        <div id="notification-log">
            <DeliveryLog path="/api/v1/deliveries?limit=50".to_string() with_channel=true/>
        </div>
    }
}

/// What a channel sends to, as shown (secrets masked by the server).
fn destination(c: &Channel) -> String {
    let cfg = &c.config;
    match c.kind.as_str() {
        "email" => cfg["to"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        "pagerduty" => format!(
            "integration key {}",
            cfg["routing_key"].as_str().unwrap_or("")
        ),
        _ => cfg["url"].as_str().unwrap_or_default().to_string(),
    }
}

fn kind_name(kind: &str) -> &'static str {
    match kind {
        "email" => "E-mail",
        "slack" => "Slack",
        "pagerduty" => "PagerDuty",
        _ => "Webhook",
    }
}

#[derive(Deserialize)]
struct TestResult {
    state: String,
    error: Option<String>,
}

#[component]
fn ChannelCard(
    c: Channel,
    notes: RwSignal<std::collections::HashMap<String, String>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = Session::get();
    let key = StoredValue::new(c.id.clone());
    let note = move |text: Option<String>| {
        let key = key.get_value();
        notes.update(|n| {
            match text {
                Some(t) => n.insert(key, t),
                None => n.remove(&key),
            };
        });
    };
    let busy = RwSignal::new(false);
    let id = c.id.clone();
    let shown = id.clone();
    let (test_id, del_id, flag_id) = (id.clone(), id.clone(), id.clone());
    let test = move |_| {
        let id = test_id.clone();
        busy.set(true);
        note(Some("Sending…".into()));
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/channels/{id}/test");
            let r = session
                .send_json::<_, TestResult>("POST", &path, &serde_json::json!({}))
                .await;
            busy.set(false);
            // The channel's health follows the test's result.
            on_change();
            note(Some(match r {
                Ok(t) if t.state == "sent" => "Test delivered.".into(),
                Ok(t) if t.state == "pending" => {
                    "The receiver has not answered yet; see the deliveries below.".into()
                }
                Ok(t) => format!("Test failed: {}", t.error.unwrap_or_default()),
                Err(e) => e,
            }));
        });
    };
    let delete = move |_| {
        let id = del_id.clone();
        leptos::task::spawn_local(async move {
            match session
                .act("DELETE", &format!("/api/v1/channels/{id}"))
                .await
            {
                Ok(()) => on_change(),
                Err(e) => note(Some(e)),
            }
        });
    };
    let (is_default, is_fallback) = (c.is_default, c.is_fallback);
    let flag = move |field: &'static str, value: bool| {
        let id = flag_id.clone();
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/channels/{id}");
            let b = serde_json::json!({ field: value });
            match session.send_json::<_, Channel>("PATCH", &path, &b).await {
                Ok(_) => on_change(),
                Err(e) => note(Some(e)),
            }
        });
    };
    let flag2 = flag.clone();
    let health = match c.health.as_deref() {
        Some("failing") => view! { <span class="badge down">"failing"</span> }.into_any(),
        Some(_) => view! { <span class="badge up">"working"</span> }.into_any(),
        None => view! { <span class="badge">"not used yet"</span> }.into_any(),
    };
    view! {
        <div class="card channel" data-id=id.clone() data-kind=c.kind.clone()>
            <div class="row" style="justify-content:space-between;flex-wrap:wrap">
                <h2>{c.name.clone()} " " <span class="muted">{kind_name(&c.kind)}</span></h2>
                <div class="row">{health}
                    {is_default.then(|| view! { <span class="badge">"default"</span> })}
                    {is_fallback.then(|| view! { <span class="badge">"fallback"</span> })}
                </div>
            </div>
            <p><code class="wrap">{destination(&c)}</code></p>
            <Show when=move || session.can_manage()>
                <div class="row" style="flex-wrap:wrap">
                    <button class="secondary channel-test" on:click=test.clone() disabled=move || busy.get()>"Send test"</button>
                    <button class="secondary" on:click={let f = flag.clone(); move |_| f("is_default", !is_default)}>
                        {if is_default { "Not a default" } else { "Make default" }}
                    </button>
                    <button class="secondary" on:click={let f = flag2.clone(); move |_| f("is_fallback", !is_fallback)}>
                        {if is_fallback { "Not the fallback" } else { "Make fallback" }}
                    </button>
                    <button class="danger" on:click=delete.clone()>"Delete"</button>
                </div>
            </Show>
            <p class="hint test-result" role="status">{move || notes.with(|n| n.get(&shown).cloned())}</p>
            <details>
                <summary>"Deliveries"</summary>
                <DeliveryLog path=format!("/api/v1/channels/{id}/deliveries?limit=20")/>
            </details>
        </div>
    }
}
