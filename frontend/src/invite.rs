//! `/invite/<token>`: what an invitation is for (the project, who invited, the role),
//! and taking it. Signed in as the invited address: one button joins. Signed out: sign
//! in here, or — a newcomer — ask for a link to the invited address, which leads to
//! `/join/<token>` to choose a password (docs/security.md, "Invitations").

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use overdue_types::{AcceptInput, InvitationInfo, Me, TokenInput};

use crate::api::{self, Session};

/// The page.
#[component]
pub fn InvitePage(on_joined: impl Fn(Me) + Clone + Send + Sync + 'static) -> impl IntoView {
    let session = Session::get();
    let token = use_params_map()
        .with_untracked(|p| p.get("token"))
        .unwrap_or_default();
    let info = RwSignal::new(None::<Result<InvitationInfo, String>>);
    let error = RwSignal::new(None::<String>);
    let sent = RwSignal::new(None::<String>);
    let asked = token.clone();
    leptos::task::spawn_local(async move {
        let body = TokenInput { token: asked };
        info.set(Some(api::post_open("/api/v1/auth/invitation", &body).await));
    });
    let signed_in = move || session.me.with(|m| m.as_ref().map(|m| m.email.clone()));
    let join_token = token.clone();
    let join = move |_| {
        let (token, on_joined) = (join_token.clone(), on_joined.clone());
        leptos::task::spawn_local(async move {
            let body = AcceptInput { token };
            match session
                .send_json::<_, Me>("POST", "/api/v1/auth/accept", &body)
                .await
            {
                Ok(me) => on_joined(me),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let ask = move |_| {
        let token = token.clone();
        leptos::task::spawn_local(async move {
            let body = AcceptInput { token };
            match api::post_open::<_, serde_json::Value>("/api/v1/auth/accept", &body).await {
                Ok(v) => sent.set(v["message"].as_str().map(str::to_string)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
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
            {move || {
                let Some(Ok(i)) = info.get() else { return ().into_any() };
                match signed_in() {
                    Some(_) if i.for_you => view! {
                        <button type="button" id="join" on:click=join.clone()>"Join " {i.project.clone()}</button>
                    }.into_any(),
                    Some(me) => view! {
                        <p class="hint" id="invite-other">
                            "You are signed in as " <strong>{me}</strong> ". This invitation is for "
                            <strong>{i.email.clone()}</strong> ": sign out, then sign in as that address and open the link again."
                        </p>
                    }.into_any(),
                    None => view! {
                        <p class="hint">"Have an account for " <strong>{i.email.clone()}</strong> "? Sign in below, then join."</p>
                        <crate::account::SignForm setup=false on_done=|| ()/>
                        <h2>"New to Overdue?"</h2>
                        <p class="hint">"We send a link to " <strong>{i.email.clone()}</strong> " to confirm the address; it lets you choose your password."</p>
                        <button type="button" id="invite-ask" on:click=ask.clone()>"Send me the link"</button>
                    }.into_any(),
                }
            }}
            <p class="hint" id="invite-asked" role="status">{move || sent.get()}</p>
            <p class="error" role="alert">{move || error.get()}</p>
        </div>
    }
}

/// `/join/<token>`: a newcomer's link, mailed to the address (invited or signing up): choose a password,
/// and the account is made, joins the project and is signed in.
#[component]
pub fn JoinPage(on_joined: impl Fn(Me) + Clone + Send + Sync + 'static) -> impl IntoView {
    view! {
        <crate::account::LinkPasswordPage path="/api/v1/auth/join" prefix="join"
            title="Choose your password"
            intro="Your address is confirmed. Choose a password to finish making your account."
            hint="At least 8 characters." button="Create account" on_done=on_joined/>
    }
}
