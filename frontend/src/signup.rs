//! Sign-up where the operator allows it (docs/security.md, "Sign-up"): the line under
//! the sign-in form that says how a newcomer gets an account, and `/signup`, which
//! mails a link to choose a password (`/join/<token>`, the invitation's page).

use leptos::prelude::*;
use overdue_types::SetupStatus;

use crate::api;

/// What the sign-in page says to a newcomer, by the instance's sign-up mode.
#[component]
pub fn SignupNote(status: SetupStatus) -> impl IntoView {
    if !status.password_signin {
        return view! {
            <p id="signup-mode" class="hint">"New here? Use the button above with your company account: your groups there, or an invitation to your address, give you your projects here."</p>
        }
        .into_any();
    }
    match status.signup.as_str() {
        "open" => view! {
            <p id="signup-mode">"New here? "
                <a href="/signup" rel="external" id="signup-link">"Create an account"</a>
                " with your e-mail address."</p>
        }
        .into_any(),
        "domains" => view! {
            <p id="signup-mode">"New here? Addresses at " {status.signup_domains.join(", ")}
                " can "<a href="/signup" rel="external" id="signup-link">"create an account"</a>
                ". Anyone else needs an invitation from a project's owner."</p>
        }
        .into_any(),
        _ => view! {
            <p id="signup-mode" class="hint">"New here? Accounts on this server are made by invitation: ask the owner of a project to invite your address, then open the link they send."</p>
        }
        .into_any(),
    }
}

/// `/signup`: an address, then a link to it.
#[component]
pub fn SignupPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let sent = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<SetupStatus>);
    leptos::task::spawn_local(async move {
        status.set(api::status().await.ok());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let body = overdue_types::SignupInput {
                email: email.get_untracked(),
            };
            match api::post_open::<_, serde_json::Value>("/api/v1/auth/signup", &body).await {
                Ok(v) => {
                    error.set(None);
                    sent.set(v["message"].as_str().map(str::to_string));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let who = move || {
        match status.get() {
        Some(s) if s.signup == "domains" => format!(
            "Sign-up is open to addresses at {}.",
            s.signup_domains.join(", ")
        ),
        Some(s) if s.signup == "invitation" => {
            "Accounts on this server are made by invitation only: ask the owner of a project to invite you.".into()
        }
        _ => String::new(),
    }
    };
    view! {
        <div class="card narrow">
            <h1>"Create an account"</h1>
            <p class="hint" id="signup-who">{who}</p>
            <p class="hint">"We e-mail you a link to choose your password; the account exists once you use it (within a day). You start with a project of your own."</p>
            <form on:submit=submit>
                <label for="signup-email">"E-mail"</label>
                <input id="signup-email" type="email" autocomplete="username" required
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                <p class="error" role="alert">{move || error.get()}</p>
                <p role="status" id="signup-sent">{move || sent.get()}</p>
                <button type="submit" id="signup-submit">"Send the link"</button>
            </form>
            <p><a href="/" rel="external">"Back to sign in"</a></p>
        </div>
    }
}
