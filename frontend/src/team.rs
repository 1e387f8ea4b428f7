//! `/team`: members with their roles, invitations not yet taken (revocable), API keys
//! (create read-write or read-only, shown once, revoke), the project's settings (zone,
//! storms), new projects. What a role
//! cannot do is not offered: the reason is said instead of a refusal after a click.

use leptos::prelude::*;
use leptos_router::components::A;
use overdue_types::{ApiKey, Invitation, Member, PendingInvitation};
use serde::Deserialize;

use crate::api::Session;

#[derive(Deserialize)]
struct Keys {
    keys: Vec<ApiKey>,
}

#[derive(Deserialize)]
struct Members {
    members: Vec<Member>,
}

#[derive(Deserialize)]
struct Pending {
    invitations: Vec<PendingInvitation>,
}

const ROLES: [&str; 4] = ["viewer", "member", "admin", "owner"];

/// The page.
#[component]
pub fn TeamPage() -> impl IntoView {
    let session = Session::get();
    let keys = RwSignal::new(Vec::<ApiKey>::new());
    let members = RwSignal::new(Vec::<Member>::new());
    let error = RwSignal::new(None::<String>);
    let shown_key = RwSignal::new(None::<String>);
    let invite_link = RwSignal::new(None::<(String, bool)>);
    let key_name = RwSignal::new(String::new());
    let key_ro = RwSignal::new(false);
    let invite_email = RwSignal::new(String::new());
    let invite_role = RwSignal::new("member".to_string());
    let project_name = RwSignal::new(String::new());
    // The project just made: its name and keys, shown once — on the page drawn for it,
    // and forgotten when that page goes.
    let made = session.made;
    let opened_here = made
        .get_untracked()
        .is_some_and(|p| session.project.get_untracked().as_deref() == Some(p.id.as_str()));
    if opened_here {
        on_cleanup(move || made.set(None));
    }
    let pending = RwSignal::new(Vec::<PendingInvitation>::new());
    // Only what the role may read is asked for: no refusals in the console.
    let reload = move || {
        let (manage, owner) = (session.can_manage(), session.is_owner());
        leptos::task::spawn_local(async move {
            keys.set(match manage {
                true => session
                    .get_json::<Keys>("/api/v1/keys")
                    .await
                    .map(|k| k.keys)
                    .unwrap_or_default(),
                false => Vec::new(),
            });
            pending.set(match owner {
                true => session
                    .get_json::<Pending>("/api/v1/invitations")
                    .await
                    .map(|p| p.invitations)
                    .unwrap_or_default(),
                false => Vec::new(),
            });
            match session.get_json::<Members>("/api/v1/members").await {
                Ok(m) => members.set(m.members),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        session.project.track();
        reload();
    });
    let create_key = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({"name": key_name.get_untracked(), "read_only": key_ro.get_untracked()});
            match session
                .send_json::<_, ApiKey>("POST", "/api/v1/keys", &body)
                .await
            {
                Ok(k) => {
                    shown_key.set(k.key);
                    key_name.set(String::new());
                    error.set(None);
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let invite = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({"email": invite_email.get_untracked(), "role": invite_role.get_untracked()});
            match session
                .send_json::<_, Invitation>("POST", "/api/v1/invitations", &body)
                .await
            {
                Ok(i) => {
                    invite_link.set(Some((i.url, i.emailed)));
                    invite_email.set(String::new());
                    error.set(None);
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let new_project = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({"name": project_name.get_untracked()});
            match session
                .send_json::<_, overdue_types::NewProject>("POST", "/api/v1/projects", &body)
                .await
            {
                Ok(p) => {
                    project_name.set(String::new());
                    if let Some(me) = crate::api::me().await {
                        session.me.set(Some(me));
                    }
                    made.set(Some(p.clone()));
                    session.project.set(Some(p.id));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let act = move |method: &'static str, path: String, body: Option<serde_json::Value>| {
        leptos::task::spawn_local(async move {
            let r = match body {
                Some(b) => session.send_unit(method, &path, &b).await,
                None => session.act(method, &path).await,
            };
            match r {
                Ok(()) => reload(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // A role change is asked for first, then sent; one the server refuses (the last
    // owner) or one cancelled puts the control back.
    let asked = RwSignal::new_local(None::<crate::roles::RoleChange>);
    let saved = RwSignal::new(None::<String>);
    let change_role =
        move |select: web_sys::HtmlSelectElement, id: String, email: String, was: String| {
            saved.set(None);
            asked.set(Some(crate::roles::RoleChange {
                select,
                id,
                email,
                was,
            }));
        };
    let confirm_role = move || {
        let Some(change) = asked.get_untracked() else {
            return;
        };
        asked.set(None);
        let role = change.select.value();
        let body = serde_json::json!({ "role": role });
        leptos::task::spawn_local(async move {
            match session
                .send_unit("PATCH", &format!("/api/v1/members/{}", change.id), &body)
                .await
            {
                Ok(()) => {
                    error.set(None);
                    saved.set(Some(format!("Saved: {} is now {role}.", change.email)));
                    reload();
                }
                Err(e) => {
                    change.select.set_value(&change.was);
                    error.set(Some(e));
                }
            }
        });
    };
    let cancel_role = move || {
        if let Some(change) = asked.get_untracked() {
            change.select.set_value(&change.was);
        }
        asked.set(None);
    };
    let owner = move || session.is_owner();
    view! {
        <h1>"Team and keys"</h1>
        {move || session.can_manage().then(|| view! {
            <p><A href="/audit" attr:id="audit-link">"Audit log: who changed what"</A></p>
        })}
        <p><A href="/projects" attr:id="projects-link">"All your projects, with what needs attention in each"</A></p>
        {move || made.get().filter(|p| session.project.get().as_deref() == Some(p.id.as_str())).map(|p| view! {
                <div class="card" id="project-made" role="status">
                    <p>{format!("\u{201c}{}\u{201d} is made, and open now: you own it; the pages show its monitors.", p.name)}</p>
                    <p>"Its API keys, shown this once — copy them now:"</p>
                    <p>"Read-write: "<code class="wrap" id="made-key">{p.api_key.clone()}</code></p>
                    <p>"Read-only: "<code class="wrap" id="made-read-only-key">{p.read_only_key.clone()}</code></p>
                </div>
            })}
        <p class="error" role="alert" id="team-error">{move || error.get()}</p>
        <div class="card">
            <h2>"Members"</h2>
            <Show when=move || !owner()>
                <p class="hint" id="owner-only">"Only owners of this project change roles, remove members and invite."</p>
            </Show>
            <div class="table-wrap" tabindex="0">
            <table id="members" class="cards">
                <thead><tr><th>"E-mail"</th><th>"Role"</th><th><span class="visually-hidden">"Actions"</span></th></tr></thead>
                <tbody>
                    <For each=move || members.get() key=|m| (m.user_id.clone(), m.role.clone()) children=move |m| {
                        let (id, id2) = (m.user_id.clone(), m.user_id.clone());
                        let current = m.role.clone();
                        let shown = m.role.clone();
                        let label = format!("Role of {}", m.email);
                        let remove_label = format!("Remove {}", m.email);
                        view! {
                            <tr>
                                <td data-label="E-mail">{m.email.clone()}</td>
                                <td data-label="Role">
                                    <Show when=owner fallback=move || shown.clone()>
                                        <select aria-label=label.clone() on:change={
                                            let (id, current, email) = (id.clone(), current.clone(), m.email.clone());
                                            move |ev| change_role(event_target::<web_sys::HtmlSelectElement>(&ev), id.clone(), email.clone(), current.clone())
                                        }>
                                            {ROLES.map(|r| view! { <option value=r selected=current == r>{r}</option> })}
                                        </select>
                                    </Show>
                                </td>
                                <td>
                                    <Show when=owner>
                                        <button class="secondary" aria-label=remove_label.clone() on:click={
                                            let id2 = id2.clone();
                                            move |_| act("DELETE", format!("/api/v1/members/{id2}"), None)
                                        }>"Remove"</button>
                                    </Show>
                                </td>
                            </tr>
                        }
                    }/>
                </tbody>
            </table>
            </div>
            {move || asked.with(|a| a.as_ref().map(|c| (c.email.clone(), c.select.value()))).map(|(email, role)| view! {
                <div class="confirm" id="role-confirm" role="group" aria-label="Confirm the role change">
                    <p>{format!("Make {email} {}? ", crate::roles::article(&role))}{crate::roles::what(&role)}</p>
                    <p>
                        <button type="button" id="role-confirm-yes" on:click=move |_| confirm_role()>"Change the role"</button>
                        " "
                        <button type="button" class="secondary" id="role-confirm-no" on:click=move |_| cancel_role()>"Cancel"</button>
                    </p>
                </div>
            })}
            {move || saved.get().map(|s| view! { <p class="hint" id="role-saved" role="status">{s}</p> })}
            <crate::roles::RolesTable/>
            <Show when=owner>
                <h3>"Invitations not yet taken"</h3>
                {move || pending.with(Vec::is_empty).then(|| view! { <p class="hint" id="no-invitations">"None: invite someone below."</p> })}
                <Show when=move || !pending.with(Vec::is_empty)>
                    <div class="table-wrap" tabindex="0">
                    <table id="invitations" class="cards">
                        <thead><tr><th>"E-mail"</th><th>"Role"</th><th>"Invited by"</th><th>"Link works until"</th><th><span class="visually-hidden">"Actions"</span></th></tr></thead>
                        <tbody>
                            <For each=move || pending.get() key=|p| p.id.clone() children=move |p| {
                                let id = p.id.clone();
                                let label = format!("Revoke the invitation of {}", p.email);
                                view! {
                                    <tr>
                                        <td data-label="E-mail">{p.email.clone()}</td>
                                        <td data-label="Role">{p.role.clone()}</td>
                                        <td data-label="Invited by">{p.invited_by.clone().unwrap_or_else(|| "an API key".into())}</td>
                                        <td data-label="Until">{crate::time::short(p.expires_at.clone())}</td>
                                        <td><button class="secondary" aria-label=label on:click=move |_| act("DELETE", format!("/api/v1/invitations/{id}"), None)>"Revoke"</button></td>
                                    </tr>
                                }
                            }/>
                        </tbody>
                    </table>
                    </div>
                </Show>
                <form on:submit=invite>
                    <h3>"Invite someone"</h3>
                    <label for="invite-email">"E-mail"</label>
                    <input id="invite-email" type="email" required prop:value=move || invite_email.get()
                        on:input=move |ev| invite_email.set(event_target_value(&ev))/>
                    <label for="invite-role">"Role"</label>
                    <select id="invite-role" on:change=move |ev| invite_role.set(event_target_value(&ev))>
                        {ROLES.map(|r| view! { <option value=r selected=r == "member">{r}</option> })}
                    </select>
                    <p><button type="submit" id="invite">"Create invitation link"</button></p>
                    {move || invite_link.get().map(|(l, emailed)| view! {
                        <p id="invite-sent">{if emailed {
                            "Sent by e-mail. The link (valid 7 days, works once), to send another way too: "
                        } else {
                            "Send this link (valid 7 days, works once): "
                        }} <code id="invite-link" class="wrap">{l.clone()}</code>
                        " " <crate::widgets::CopyButton text=l what="Copy the invitation link" id="copy-invite"/></p>
                    })}
                </form>
            </Show>
        </div>
        <form class="card" on:submit=new_project>
            <h2>"New project"</h2>
            <p class="hint">"A project has its own monitors, channels, keys and members; you will own it."</p>
            <label for="project-name">"Name"</label>
            <input id="project-name" type="text" required prop:value=move || project_name.get()
                on:input=move |ev| project_name.set(event_target_value(&ev))/>
            <p><button type="submit" id="create-project">"Create project"</button></p>
        </form>
        <crate::project::ProjectSettingsCard/>
        <crate::project_admin::ProjectAdminCard members=members/>
        <crate::status_pages::StatusPagesCard/>
        <div class="card">
            <h2>"API keys"</h2>
            <Show when=move || session.can_manage() fallback=|| view! {
                <p class="hint" id="keys-admin-only">"API keys are made and revoked by admins and owners of this project."</p>
            }>
            <div class="table-wrap" tabindex="0">
            <table id="keys" class="cards">
                <thead><tr><th>"Name"</th><th>"Key"</th><th>"Access"</th><th><span class="visually-hidden">"Actions"</span></th></tr></thead>
                <tbody>
                    <For each=move || keys.get() key=|k| k.id.clone() children=move |k| {
                        let id = k.id.clone();
                        let label = format!("Revoke the key {}", k.name);
                        view! {
                            <tr>
                                <td data-label="Name">{k.name.clone()}</td><td data-label="Key"><code>{k.prefix.clone()} "…"</code></td>
                                <td data-label="Access">{if k.read_only { "read-only" } else { "read-write" }}</td>
                                <td><button class="secondary" aria-label=label on:click=move |_| act("DELETE", format!("/api/v1/keys/{id}"), None)>"Revoke"</button></td>
                            </tr>
                        }
                    }/>
                </tbody>
            </table>
            </div>
            <form on:submit=create_key>
                <label for="key-name">"New key's name"</label>
                <input id="key-name" type="text" required prop:value=move || key_name.get()
                    on:input=move |ev| key_name.set(event_target_value(&ev))/>
                <label class="plain">
                    <input type="checkbox" prop:checked=move || key_ro.get() on:change=move |ev| key_ro.set(event_target_checked(&ev))/>
                    " Read-only"
                </label>
                <p><button type="submit" id="create-key">"Create key"</button></p>
            </form>
            {move || shown_key.get().map(|k| view! {
                <p>"Copy it now, it is not shown again: " <code id="new-key" class="wrap">{k}</code></p>
            })}
            </Show>
        </div>
    }
}
