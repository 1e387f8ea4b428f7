//! The Team page's "Status pages" card (docs/behaviour.md, "Status pages"): the
//! project's public pages with their links; admins and owners make one (a title, and a
//! tag or the whole project) and delete them. Renaming and hiding monitors is the API's
//! (`aliases`, `hidden`).

use leptos::prelude::*;
use overdue_types::status_pages::StatusPage;

use crate::api::Session;

#[derive(serde::Deserialize)]
struct Pages {
    status_pages: Vec<StatusPage>,
}

/// The card.
#[component]
pub fn StatusPagesCard() -> impl IntoView {
    let session = Session::get();
    let pages = RwSignal::new(Vec::<StatusPage>::new());
    let title = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            match session.get_json::<Pages>("/api/v1/status-pages").await {
                Ok(p) => pages.set(p.status_pages),
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
        let t = tag.get_untracked().trim().to_string();
        let scope = if t.is_empty() {
            "project".to_string()
        } else {
            format!("tag:{t}")
        };
        let body = serde_json::json!({"title": title.get_untracked(), "scope": scope});
        leptos::task::spawn_local(async move {
            match session
                .send_json::<_, StatusPage>("POST", "/api/v1/status-pages", &body)
                .await
            {
                Ok(_) => {
                    title.set(String::new());
                    error.set(None);
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let remove = move |id: String| {
        leptos::task::spawn_local(async move {
            match session
                .act("DELETE", &format!("/api/v1/status-pages/{id}"))
                .await
            {
                Ok(()) => reload(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="card" id="status-pages">
            <h2>"Status pages"</h2>
            <p class="hint">"Public pages anyone with the link can read: the monitors' names (rename or hide them with the API's aliases and hidden), their status, 90-day strips and incidents — nothing else of the project."</p>
            {move || {
                let list = pages.get();
                if list.is_empty() {
                    view! { <p class="hint" id="no-status-pages">"No status page yet."</p> }.into_any()
                } else {
                    view! {
                        <ul id="status-page-list">
                            {list.into_iter().map(|p| {
                                let id = p.id.clone();
                                let label = format!("Delete the status page {}", p.title);
                                view! {
                                    <li>
                                        <a href=p.url.clone() target="_blank" rel="noopener">{p.title.clone()}</a>
                                        {format!(" — {} ", p.scope)}
                                        <Show when=move || session.can_manage()>
                                            <button type="button" class="secondary" aria-label=label.clone()
                                                on:click={
                                                    let id = id.clone();
                                                    move |_| remove(id.clone())
                                                }>"Delete"</button>
                                        </Show>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
            <Show when=move || session.can_manage()>
                <form on:submit=create>
                    <div class="row">
                        <label for="status-title">"Title"
                            <input id="status-title" type="text" required prop:value=move || title.get()
                                on:input=move |ev| title.set(event_target_value(&ev))/>
                        </label>
                        <label for="status-tag">"Tag (empty: every monitor)"
                            <input id="status-tag" type="text" prop:value=move || tag.get()
                                on:input=move |ev| tag.set(event_target_value(&ev))/>
                        </label>
                    </div>
                    <p><button type="submit" id="create-status-page">"Make a status page"</button></p>
                </form>
            </Show>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}
