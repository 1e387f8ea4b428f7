//! The owner's card on the Team page (docs/behaviour.md, "Projects"): rename the
//! project, hand it over to another member, delete it — the deletion asks first,
//! naming what goes, and takes the project's name typed again.

use leptos::prelude::*;
use overdue_types::{Member, ProjectContents};

use crate::api::Session;

/// The card; owners only (others are told who may).
#[component]
pub fn ProjectAdminCard(
    /// The project's members (for the hand-over).
    members: RwSignal<Vec<Member>>,
) -> impl IntoView {
    let session = Session::get();
    let name = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let asking = RwSignal::new(None::<ProjectContents>);
    let said = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let current = move || session.open_project().map(|p| p.name);
    let me = move || session.me.with(|m| m.as_ref().map(|m| m.email.clone()));
    // Whether the open project requires a second factor of its members.
    let required = move || {
        session
            .open_project()
            .is_some_and(|p| p.requires_second_factor)
    };
    let require = move |on: bool| {
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({"require_second_factor": on});
            match session
                .send_json::<_, serde_json::Value>("PATCH", "/api/v1/project", &body)
                .await
            {
                Ok(_) => {
                    error.set(None);
                    said.set(Some(if on {
                        "Members now need a second factor to act in this project.".into()
                    } else {
                        "Members no longer need a second factor here.".into()
                    }));
                    session.reread(session.project.get_untracked()).await;
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // Whom it can go to: every member but me.
    let others = move || {
        let me = me();
        members
            .get()
            .into_iter()
            .filter(|m| Some(&m.email) != me.as_ref())
            .collect::<Vec<_>>()
    };
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({"name": name.get_untracked()});
            match session
                .send_json::<_, serde_json::Value>("PATCH", "/api/v1/project", &body)
                .await
            {
                Ok(_) => {
                    error.set(None);
                    said.set(Some(format!(
                        "Renamed to \u{201c}{}\u{201d}.",
                        name.get_untracked().trim()
                    )));
                    name.set(String::new());
                    session.reread(session.project.get_untracked()).await;
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let hand_over = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let who = to.get_untracked();
            let body = serde_json::json!({"to": who});
            match session
                .send_unit("POST", "/api/v1/project/transfer", &body)
                .await
            {
                Ok(()) => {
                    error.set(None);
                    said.set(Some(format!(
                        "{who} owns the project now; you are an admin of it."
                    )));
                    session.reread(session.project.get_untracked()).await;
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let ask = move |_| {
        leptos::task::spawn_local(async move {
            match session
                .get_json::<ProjectContents>("/api/v1/project/contents")
                .await
            {
                Ok(c) => {
                    error.set(None);
                    confirm.set(String::new());
                    asking.set(Some(c));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let delete = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({"confirm": confirm.get_untracked()});
            match session
                .send_json::<_, ProjectContents>("DELETE", "/api/v1/project", &body)
                .await
            {
                Ok(gone) => {
                    asking.set(None);
                    session.made.set(None);
                    error.set(None);
                    said.set(Some(format!("\u{201c}{}\u{201d} is deleted.", gone.name)));
                    session.reread(None).await;
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="card" id="project-admin">
            <h2>"Rename, hand over, delete"</h2>
            <Show when=move || session.is_owner() fallback=|| view! {
                <p class="hint" id="project-owner-only">"Only the project's owners rename it, hand it over or delete it."</p>
            }>
                <form on:submit=rename>
                    <label for="rename-project">"New name"</label>
                    <input id="rename-project" type="text" required maxlength="100"
                        placeholder=move || current().unwrap_or_default()
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    <p><button type="submit" id="rename-submit">"Rename"</button></p>
                </form>
                <form on:submit=hand_over>
                    <label for="transfer-to">"Hand over to"</label>
                    <select id="transfer-to" required on:change=move |ev| to.set(event_target_value(&ev))>
                        <option value="">"Choose a member…"</option>
                        <For
                            each=others
                            key=|m| m.user_id.clone()
                            children=move |m| view! { <option value=m.email.clone()>{m.email.clone()} " (" {m.role.clone()} ")"</option> }
                        />
                    </select>
                    <p class="hint">"They become the owner; you stay as an admin. To add someone, invite them first."</p>
                    <p><button type="submit" class="secondary" id="transfer-submit">"Hand over"</button></p>
                </form>
                <label class="check"><input type="checkbox" id="require-second-factor"
                    prop:checked=required on:change=move |ev| require(event_target_checked(&ev))/>
                    "Members need a second factor"</label>
                <p class="hint">"Their sessions are refused here until they set one up on their account page; API keys are not affected. You need one yourself first."</p>
                <p><button type="button" class="danger" id="delete-project" on:click=ask>"Delete this project…"</button></p>
                {move || asking.get().map(|c| {
                    let expected = c.name.clone();
                    view! {
                        <form class="confirm" id="delete-confirm" on:submit=delete role="alertdialog" aria-labelledby="delete-question">
                            <p id="delete-question"><strong>"Delete \u{201c}" {c.name.clone()} "\u{201d}?"</strong>
                                " This removes its " {c.words.clone()} " for good: its ping URLs stop answering and its history goes."</p>
                            <label for="delete-name">"Type the project's name to confirm"</label>
                            <input id="delete-name" type="text" autocomplete="off"
                                prop:value=move || confirm.get() on:input=move |ev| confirm.set(event_target_value(&ev))/>
                            <p>
                                <button type="submit" class="danger" id="delete-submit"
                                    prop:disabled=move || confirm.get().trim() != expected>"Delete for good"</button>
                                " "
                                <button type="button" class="secondary" id="delete-cancel" on:click=move |_| asking.set(None)>"Cancel"</button>
                            </p>
                        </form>
                    }
                })}
            </Show>
            {move || said.get().map(|s| view! { <p class="hint" id="project-admin-said" role="status">{s}</p> })}
            {move || error.get().map(|e| view! { <p class="error" id="project-admin-error" role="alert">{e}</p> })}
        </div>
    }
}
