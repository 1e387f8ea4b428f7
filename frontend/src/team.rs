//! `/team`: API keys (create read-write or read-only, shown once, revoke), members with
//! their roles, invitations; and `/invite/<token>`, where an invited person joins.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use overdue_types::{ApiKey, Invitation, Me, Member};
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

const ROLES: [&str; 4] = ["viewer", "member", "admin", "owner"];

/// The page.
#[component]
pub fn TeamPage() -> impl IntoView {
    let session = Session::get();
    let keys = RwSignal::new(Vec::<ApiKey>::new());
    let members = RwSignal::new(Vec::<Member>::new());
    let error = RwSignal::new(None::<String>);
    let shown_key = RwSignal::new(None::<String>);
    let invite_link = RwSignal::new(None::<String>);
    let key_name = RwSignal::new(String::new());
    let key_ro = RwSignal::new(false);
    let invite_email = RwSignal::new(String::new());
    let invite_role = RwSignal::new("member".to_string());
    let project_name = RwSignal::new(String::new());
    let reload = move || {
        leptos::task::spawn_local(async move {
            match session.get_json::<Keys>("/api/v1/keys").await {
                Ok(k) => keys.set(k.keys),
                Err(_) => keys.set(Vec::new()),
            }
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
                    invite_link.set(Some(i.url));
                    invite_email.set(String::new());
                    error.set(None);
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
                .send_json::<_, overdue_types::ProjectAccess>("POST", "/api/v1/projects", &body)
                .await
            {
                Ok(p) => {
                    project_name.set(String::new());
                    if let Some(me) = crate::api::me().await {
                        session.me.set(Some(me));
                    }
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
    view! {
        <h1>"Team and keys"</h1>
        <p class="error" role="alert">{move || error.get()}</p>
        <div class="card">
            <h2>"Members"</h2>
            <table id="members">
                <thead><tr><th>"E-mail"</th><th>"Role"</th><th></th></tr></thead>
                <tbody>
                    <For each=move || members.get() key=|m| (m.user_id.clone(), m.role.clone()) children=move |m| {
                        let (id, id2) = (m.user_id.clone(), m.user_id.clone());
                        let current = m.role.clone();
                        view! {
                            <tr>
                                <td>{m.email.clone()}</td>
                                <td>
                                    <select aria-label="Role" on:change=move |ev| {
                                        let body = serde_json::json!({"role": event_target_value(&ev)});
                                        act("PATCH", format!("/api/v1/members/{id}"), Some(body));
                                    }>
                                        {ROLES.map(|r| view! { <option value=r selected=current == r>{r}</option> })}
                                    </select>
                                </td>
                                <td><button class="secondary" on:click=move |_| act("DELETE", format!("/api/v1/members/{id2}"), None)>"Remove"</button></td>
                            </tr>
                        }
                    }/>
                </tbody>
            </table>
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
                {move || invite_link.get().map(|l| view! {
                    <p>"Send this link (valid 7 days, works once): " <code id="invite-link">{l}</code></p>
                })}
            </form>
        </div>
        <form class="card" on:submit=new_project>
            <h2>"New project"</h2>
            <p class="hint">"A project has its own monitors, channels, keys and members; you will own it."</p>
            <label for="project-name">"Name"</label>
            <input id="project-name" type="text" required prop:value=move || project_name.get()
                on:input=move |ev| project_name.set(event_target_value(&ev))/>
            <p><button type="submit" id="create-project">"Create project"</button></p>
        </form>
        <div class="card">
            <h2>"API keys"</h2>
            <table id="keys">
                <thead><tr><th>"Name"</th><th>"Key"</th><th>"Access"</th><th></th></tr></thead>
                <tbody>
                    <For each=move || keys.get() key=|k| k.id.clone() children=move |k| {
                        let id = k.id.clone();
                        view! {
                            <tr>
                                <td>{k.name.clone()}</td><td><code>{k.prefix.clone()} "…"</code></td>
                                <td>{if k.read_only { "read-only" } else { "read-write" }}</td>
                                <td><button class="secondary" on:click=move |_| act("DELETE", format!("/api/v1/keys/{id}"), None)>"Revoke"</button></td>
                            </tr>
                        }
                    }/>
                </tbody>
            </table>
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
                <p>"Copy it now, it is not shown again: " <code id="new-key">{k}</code></p>
            })}
        </div>
    }
}

/// `/invite/:token`: join a project (a new account, or an existing one's password).
#[component]
pub fn InvitePage(on_joined: impl Fn(Me) + Clone + Send + Sync + 'static) -> impl IntoView {
    let params = use_params_map();
    let token = params
        .with_untracked(|p| p.get("token"))
        .unwrap_or_default();
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (token, on_joined) = (token.clone(), on_joined.clone());
        leptos::task::spawn_local(async move {
            let body = overdue_types::AcceptInput {
                token,
                password: password.get_untracked(),
            };
            let r = gloo_net::http::Request::post("/api/v1/auth/accept")
                .json(&body)
                .map_err(|e| e.to_string());
            let r = match r {
                Ok(req) => req.send().await.map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match r {
                Ok(resp) if resp.ok() => match resp.json::<Me>().await {
                    Ok(me) => on_joined(me),
                    Err(e) => error.set(Some(e.to_string())),
                },
                Ok(resp) => {
                    let v = resp.json::<serde_json::Value>().await.unwrap_or_default();
                    error.set(Some(
                        v["error"]
                            .as_str()
                            .unwrap_or("the invitation failed")
                            .to_string(),
                    ));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="card narrow">
            <h1>"Join a project"</h1>
            <p class="hint">"New here? Choose a password (at least 8 characters). Already have an account? Give its password."</p>
            <form on:submit=submit>
                <label for="invite-password">"Password"</label>
                <input id="invite-password" type="password" required autocomplete="new-password"
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                <p class="error" role="alert">{move || error.get()}</p>
                <button type="submit" id="join">"Join"</button>
            </form>
        </div>
    }
}
