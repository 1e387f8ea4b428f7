//! `/silences`: maintenance windows — active, upcoming and ended — with what each
//! silences, until when, who made it and why; writers silence by tags or monitor names
//! for a while and end a silence early (what it held goes out at once).

use leptos::prelude::*;
use overdue_types::Silence;
use serde::Deserialize;

use crate::api::Session;
use crate::routes::match_words;
use crate::widgets::list_of;

#[derive(Deserialize)]
struct SilenceList {
    silences: Vec<Silence>,
}

/// The page.
#[component]
pub fn SilencesPage() -> impl IntoView {
    let session = Session::get();
    let list = RwSignal::new(Vec::<Silence>::new());
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            match session.get_json::<SilenceList>("/api/v1/silences").await {
                Ok(l) => list.set(l.silences),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        session.project.track();
        reload();
    });
    let tags = RwSignal::new(String::new());
    let monitors = RwSignal::new(String::new());
    let duration = RwSignal::new("2h".to_string());
    let comment = RwSignal::new(String::new());
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut m = serde_json::Map::new();
        let t = list_of(&tags.get_untracked());
        if !t.is_empty() {
            m.insert("tags".into(), t.into());
        }
        let p = list_of(&monitors.get_untracked());
        if !p.is_empty() {
            m.insert("monitors".into(), p.into());
        }
        let b = serde_json::json!({
            "match": m, "for": duration.get_untracked().trim(), "comment": comment.get_untracked(),
        });
        leptos::task::spawn_local(async move {
            match session
                .send_json::<_, serde_json::Value>("POST", "/api/v1/silences", &b)
                .await
            {
                Ok(v) => {
                    error.set(None);
                    notice.set(v["warning"].as_str().map(|w| format!("Saved — note: {w}.")));
                    comment.set(String::new());
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let end = move |id: String| {
        leptos::task::spawn_local(async move {
            match session
                .act("DELETE", &format!("/api/v1/silences/{id}"))
                .await
            {
                Ok(()) => reload(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let section = move |state: &'static str, title: &'static str, empty: &'static str| {
        view! {
            <h2>{title}</h2>
            <ul class="silences" id=format!("silences-{state}")>
                {move || {
                    let items: Vec<Silence> = list.with(|l| l.iter().filter(|s| s.state == state).cloned().collect());
                    if items.is_empty() {
                        return view! { <li class="hint">{empty}</li> }.into_any();
                    }
                    items.into_iter().map(|s| {
                        let id = s.id.clone();
                        let until = s.ended_at.clone().or(s.ends_at.clone()).map_or_else(|| "no end".into_any(), crate::time::short);
                        let window = (!s.recurring.is_null()).then(|| format!(
                            " · weekly {} {}–{} {}",
                            s.recurring["days"].as_array().map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default(),
                            s.recurring["from"].as_str().unwrap_or("00:00"),
                            s.recurring["to"].as_str().unwrap_or("24:00"),
                            s.recurring["tz"].as_str().unwrap_or("UTC"),
                        ));
                        view! {
                            <li class="card silence" data-id=s.id.clone()>
                                <div class="row spread">
                                    <strong>{if s.comment.is_empty() { "(no comment)".to_string() } else { s.comment.clone() }}</strong>
                                    <Show when=move || state == "active" && session.can_write()>
                                        {let id = id.clone(); view! { <button class="secondary end-silence" on:click=move |_| end(id.clone())>"End now"</button> }}
                                    </Show>
                                </div>
                                <p>"Silences " {match_words(&s.matcher)}</p>
                                <p class="hint">"from " {crate::time::short(s.starts_at.clone())} " until " {until} {window} " · by " {s.author.clone()}</p>
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
        }
    };
    view! {
        <h1>"Silences"</h1>
        <p class="hint">"Alerts that match a silence are held, not sent. When it ends, those still \
            open go out at once and those that resolved meanwhile are listed in one message."</p>
        <p class="error" role="alert">{move || error.get()}</p>
        <p class="hint" role="status">{move || notice.get()}</p>
        {section("active", "Active", "Nothing is silenced now.")}
        {section("upcoming", "Upcoming", "None planned.")}
        {section("ended", "Ended", "None yet.")}
        <Show when=move || session.can_write()>
            <form class="card" id="silence-form" on:submit=create>
                <h2>"New silence"</h2>
                <label for="silence-tags">"Tags (all of them, comma-separated)"</label>
                <input id="silence-tags" type="text" placeholder="db" prop:value=move || tags.get()
                    on:input=move |ev| tags.set(event_target_value(&ev))/>
                <label for="silence-monitors">"Monitors (slug or name, * wildcards)"</label>
                <input id="silence-monitors" type="text" placeholder="db-*" prop:value=move || monitors.get()
                    on:input=move |ev| monitors.set(event_target_value(&ev))/>
                <label for="silence-for">"For"</label>
                <input id="silence-for" type="text" placeholder="2h" prop:value=move || duration.get()
                    on:input=move |ev| duration.set(event_target_value(&ev))/>
                <label for="silence-comment">"Why"</label>
                <input id="silence-comment" type="text" placeholder="database migration" prop:value=move || comment.get()
                    on:input=move |ev| comment.set(event_target_value(&ev))/>
                <button id="silence-create" type="submit">"Silence"</button>
            </form>
        </Show>
    }
}
