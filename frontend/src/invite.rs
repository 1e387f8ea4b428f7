//! `/invite/<token>`: what an invitation is for (the project, who invited, the role),
//! and joining — with a new account, or an existing one's password.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use overdue_types::{AcceptInput, InvitationInfo, Me, TokenInput};

use crate::api;

/// The page.
#[component]
pub fn InvitePage(on_joined: impl Fn(Me) + Clone + Send + Sync + 'static) -> impl IntoView {
    let token = use_params_map()
        .with_untracked(|p| p.get("token"))
        .unwrap_or_default();
    let info = RwSignal::new(None::<Result<InvitationInfo, String>>);
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let asked = token.clone();
    leptos::task::spawn_local(async move {
        let body = TokenInput { token: asked };
        info.set(Some(api::post_open("/api/v1/auth/invitation", &body).await));
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (token, on_joined) = (token.clone(), on_joined.clone());
        leptos::task::spawn_local(async move {
            let body = AcceptInput {
                token,
                password: password.get_untracked(),
            };
            match api::post_open::<_, Me>("/api/v1/auth/accept", &body).await {
                Ok(me) => on_joined(me),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let has_account = move || info.with(|i| matches!(i, Some(Ok(i)) if i.has_account));
    view! {
        <div class="card narrow">
            <h1>"Join a project"</h1>
            {move || match info.get() {
                None => view! { <p class="hint">"Loading the invitation…"</p> }.into_any(),
                Some(Err(e)) => view! {
                    <p class="error" role="alert" id="invite-error">{e}</p>
                    <p class="hint">"Ask whoever invited you for a new link."</p>
                }.into_any(),
                Some(Ok(i)) => view! {
                    <p id="invite-what">
                        {i.invited_by.clone().unwrap_or_else(|| "An administrator".into())}
                        " invites " <strong>{i.email.clone()}</strong> " to "
                        <strong>{i.project.clone()}</strong> " as " {i.role.clone()} "."
                    </p>
                    <p class="hint">"The link works until " {crate::time::short(i.expires_at.clone())} " and only once."</p>
                }.into_any(),
            }}
            <Show when=move || matches!(info.get(), Some(Ok(_)))>
                <form on:submit=submit.clone()>
                    <p class="hint">{move || if has_account() {
                        "This e-mail has an account: give its password."
                    } else {
                        "Choose a password for your new account (at least 8 characters)."
                    }}</p>
                    <label for="invite-password">"Password"</label>
                    <input id="invite-password" type="password" required
                        autocomplete=move || if has_account() { "current-password" } else { "new-password" }
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                    <p class="error" role="alert">{move || error.get()}</p>
                    <button type="submit" id="join">"Join"</button>
                </form>
            </Show>
        </div>
    }
}
