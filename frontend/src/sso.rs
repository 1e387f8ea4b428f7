//! Single sign-on on the sign-in page (docs/security.md, "Single sign-on"): the
//! provider's button (a full page load to `/api/v1/auth/sso/start`), the reason a
//! sign-in through it was refused (`/signin?sso_error=…`), and the second factor's code
//! when the provider's sign-in waits for it (`/signin?second_factor=sso`).

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use overdue_types::{Me, SetupStatus};

use crate::api::{self, Session};

/// A parameter of the page's address, decoded (`+` and `%XX`).
pub fn query(name: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| js_sys::decode_uri_component(&v.replace('+', " ")).ok())
        .map(String::from)
        .filter(|v| !v.is_empty())
}

/// The provider's button, where single sign-on is set up; "or" under it when a
/// password signs in too.
#[component]
pub fn SsoButton(status: SetupStatus) -> impl IntoView {
    let or = status.password_signin;
    status.sso.map(|label| {
        view! {
            <a class="button sso" href="/api/v1/auth/sso/start" rel="external" id="sso-signin">{label}</a>
            {or.then(|| view! { <p class="hint or">"or with your password"</p> })}
        }
    })
}

/// The second factor's code after the provider's sign-in.
#[component]
pub fn SsoCode() -> impl IntoView {
    let session = Session::get();
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({ "code": code.get_untracked() });
            match api::post_open::<_, Me>("/api/v1/auth/sso/finish", &body).await {
                Ok(me) => {
                    session
                        .project
                        .set(me.projects.first().map(|p| p.id.clone()));
                    session.me.set(Some(me));
                    navigate("/", Default::default());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let navigate_passkey = StoredValue::new(use_navigate());
    let use_passkey = move |_| {
        leptos::task::spawn_local(async move {
            match crate::passkeys::sso_finish().await {
                Ok(me) => {
                    session
                        .project
                        .set(me.projects.first().map(|p| p.id.clone()));
                    session.me.set(Some(me));
                    navigate_passkey.get_value()("/", Default::default());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="card narrow">
            <h1>"One more step"</h1>
            <p class="hint">"Your sign-in provider knows you. Your account here also has a second factor: type its code, or use your passkey."</p>
            <form on:submit=submit id="sso-code-form">
                <label for="sso-code">"Code from your authenticator app"</label>
                <input id="sso-code" type="text" inputmode="numeric" autocomplete="one-time-code" required
                    prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                <p class="hint">"Lost the app? Type one of your recovery codes instead."</p>
                <p class="error" role="alert">{move || error.get()}</p>
                <button type="submit" id="sso-code-submit">"Sign in"</button>
                " "<button type="button" id="sso-passkey" class="secondary" on:click=use_passkey>"Use a passkey"</button>
            </form>
            <p><a href="/api/v1/auth/sso/start" rel="external">"Start again"</a></p>
        </div>
    }
}
