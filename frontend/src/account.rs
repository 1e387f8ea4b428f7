//! One's own account: signing in (or the first account's sign-up), `/account`
//! (change the password, sign out everywhere), and the signed-out pages `/forgot` and
//! `/reset/<token>` of a forgotten password.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use overdue_types::Me;

use crate::api::{self, Session};

/// Sign-in, or on an empty instance the first account's sign-up.
#[component]
pub fn SignForm(setup: bool, on_done: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let session = Session::get();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Shown once the server asks for the second factor's code.
    let code = RwSignal::new(None::<String>);
    // "Forgot password" is offered only where the server can send the link; how a
    // newcomer gets an account depends on the sign-up mode.
    let status = RwSignal::new(None::<overdue_types::SetupStatus>);
    if !setup {
        leptos::task::spawn_local(async move {
            status.set(api::status().await.ok());
        });
    }
    // The first account needs the one-time link `overdue serve` printed: its token.
    let token = crate::sso::query("token");
    // Back from the sign-in provider: why it was refused, or its second factor asked.
    let sso_error = (!setup).then(|| crate::sso::query("sso_error")).flatten();
    if !setup && crate::sso::query("second_factor").as_deref() == Some("sso") {
        return view! { <crate::sso::SsoCode/> }.into_any();
    }
    // Without passwords (the operator's choice) only the provider's button is shown.
    let passwords = move || setup || status.get().is_none_or(|s| s.password_signin);
    let has_token = token.is_some();
    let navigate = use_navigate();
    // Kept in a `StoredValue` so the passkey button's handler is `Copy`.
    let on_done_passkey = StoredValue::new(on_done.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let on_done = on_done.clone();
        let token = token.clone();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let (e, p) = (email.get_untracked(), password.get_untracked());
            let answer = match (setup, token) {
                (true, Some(t)) => api::set_up(&e, &p, t).await,
                _ => api::sign("/api/v1/auth/login", &e, &p, code.get_untracked()).await,
            };
            match answer {
                Ok(me) => {
                    error.set(None);
                    session
                        .project
                        .set(me.projects.first().map(|p| p.id.clone()));
                    session.me.set(Some(me));
                    on_done();
                    // The link is spent: off its address, onto the monitors.
                    if setup {
                        navigate("/", Default::default());
                    }
                }
                Err(e) => {
                    // The first ask is no error: the code's field appears.
                    if api::asks_code(&e) && code.get_untracked().is_none() {
                        code.set(Some(String::new()));
                        error.set(None);
                    } else {
                        error.set(Some(e));
                    }
                }
            }
            busy.set(false);
        });
    };
    // With a second factor asked: a passkey in place of the code.
    let use_passkey = move || {
        busy.set(true);
        let on_done = on_done_passkey.get_value();
        leptos::task::spawn_local(async move {
            let (e, p) = (email.get_untracked(), password.get_untracked());
            match crate::passkeys::sign_in(&e, &p).await {
                Ok(me) => {
                    error.set(None);
                    session
                        .project
                        .set(me.projects.first().map(|p| p.id.clone()));
                    session.me.set(Some(me));
                    on_done();
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    if setup && !has_token {
        return view! {
            <div class="card narrow" id="setup-needs-link">
                <h1>"Welcome to Overdue"</h1>
                <p>"This instance has no account yet. The first one is made through the one-time setup link that "<code>"overdue serve"</code>" printed in its terminal when it started (restart it to print a new one), or on the server with "<code>"overdue user create"</code>"."</p>
                <p class="hint">"So nobody who happens to open this page first can take the instance over."</p>
            </div>
        }
        .into_any();
    }
    view! {
        <div class="card narrow">
            <h1>{if setup { "Welcome to Overdue" } else { "Sign in" }}</h1>
            {setup.then(|| view! { <p class="hint">"Create the first account. It will own the default project."</p> })}
            {sso_error.map(|e| view! { <p class="error" role="alert" id="sso-error">{e}</p> })}
            {move || status.get().map(|s| view! { <crate::sso::SsoButton status=s/> })}
            <form on:submit=submit prop:hidden=move || !passwords()>
                <label for="email">"E-mail"</label>
                <input id="email" type="email" autocomplete="username" required
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                <label for="password">"Password"</label>
                <input id="password" type="password" required
                    autocomplete=if setup { "new-password" } else { "current-password" }
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                {setup.then(|| view! { <p class="hint">"At least 8 characters."</p> })}
                <CodeField code=code/>
                <p class="error" role="alert">{move || error.get()}</p>
                <button id="sign-submit" type="submit" disabled=move || busy.get()>
                    {if setup { "Create account" } else { "Sign in" }}
                </button>
                <Show when=move || code.with(Option::is_some)>
                    " "<button id="passkey-signin" type="button" class="secondary"
                        disabled=move || busy.get() on:click=move |_| use_passkey()>"Use a passkey"</button>
                </Show>
            </form>
            // A full page load: the signed-out pages are chosen when the app starts.
            {move || status.get().filter(|s| s.password_reset && s.password_signin).map(|_| view! {
                <p><a href="/forgot" rel="external" id="forgot-link">"Forgot your password?"</a></p>
            })}
            {move || status.get().map(|s| view! { <crate::signup::SignupNote status=s/> })}
        </div>
    }
    .into_any()
}

/// `/account`: who I am, my projects, change my password, sign out everywhere.
#[component]
pub fn AccountPage() -> impl IntoView {
    let session = Session::get();
    let navigate = use_navigate();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let change = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(None);
        if new.get_untracked() != again.get_untracked() {
            error.set(Some(
                "The new password and its repetition differ: type it again.".into(),
            ));
            return;
        }
        leptos::task::spawn_local(async move {
            let body = overdue_types::PasswordChange {
                current_password: current.get_untracked(),
                new_password: new.get_untracked(),
            };
            match session
                .send_unit("POST", "/api/v1/auth/password", &body)
                .await
            {
                Ok(()) => {
                    error.set(None);
                    for s in [current, new, again] {
                        s.set(String::new());
                    }
                    done.set(Some(
                        "Password changed. Your other sessions are signed out.".into(),
                    ));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let everywhere = move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match session.act("POST", "/api/v1/auth/logout-everywhere").await {
                Ok(()) => {
                    session.me.set(None);
                    navigate("/", Default::default());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let field =
        move |id: &'static str, label: &'static str, auto: &'static str, s: RwSignal<String>| {
            view! {
                <label for=id>{label}</label>
                <input id=id type="password" required autocomplete=auto
                    prop:value=move || s.get() on:input=move |ev| s.set(event_target_value(&ev))/>
            }
        };
    view! {
        <h1>"Your account"</h1>
        <div class="card">
            <p>"Signed in as " <strong id="account-email">{move || session.me.get().map(|m| m.email).unwrap_or_default()}</strong></p>
            <ul id="account-projects">
                {move || session.me.get().map(|m| m.projects).unwrap_or_default().into_iter().map(|p| view! {
                    <li>{p.name} " — " {p.role}</li>
                }).collect_view()}
            </ul>
        </div>
        <form class="card" on:submit=change>
            <h2>"Change password"</h2>
            {field("current-password", "Current password", "current-password", current)}
            {field("new-password", "New password", "new-password", new)}
            {field("new-password-again", "New password again", "new-password", again)}
            <p class="hint">"At least 8 characters. Your other sessions are signed out."</p>
            <p class="error" role="alert">{move || error.get()}</p>
            <p role="status" id="password-done">{move || done.get()}</p>
            <button type="submit" id="change-password">"Change password"</button>
        </form>
        <crate::second_factor::SecondFactorCard/>
        <crate::passkeys::PasskeysCard/>
        <div class="card">
            <h2>"Sessions"</h2>
            <p class="hint">"Lost a laptop or signed in on a shared computer? This signs you out on every device, this one too."</p>
            <button class="secondary" id="sign-out-everywhere" on:click=everywhere>"Sign out everywhere"</button>
        </div>
    }
}

/// `/forgot`: ask for a link to set a new password.
#[component]
pub fn ForgotPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let sent = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let body = overdue_types::ForgotInput {
                email: email.get_untracked(),
            };
            match api::post_open::<_, serde_json::Value>("/api/v1/auth/forgot", &body).await {
                Ok(v) => {
                    error.set(None);
                    sent.set(v["message"].as_str().map(str::to_string));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="card narrow">
            <h1>"Forgot your password?"</h1>
            <p class="hint">"Give your account's e-mail: a link to choose a new password is sent to it."</p>
            <form on:submit=submit>
                <label for="forgot-email">"E-mail"</label>
                <input id="forgot-email" type="email" autocomplete="username" required
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                <p class="error" role="alert">{move || error.get()}</p>
                <p role="status" id="forgot-sent">{move || sent.get()}</p>
                <button type="submit" id="forgot-submit">"Send the link"</button>
            </form>
            <p><a href="/" rel="external">"Back to sign in"</a></p>
        </div>
    }
}

/// `/reset/<token>`: choose a new password with a link from the e-mail.
#[component]
pub fn ResetPage(on_done: impl Fn(Me) + Clone + Send + Sync + 'static) -> impl IntoView {
    view! {
        <LinkPasswordPage path="/api/v1/auth/reset" prefix="reset" title="Choose a new password"
            intro="" hint="At least 8 characters. Every session of this account is signed out."
            button="Set password and sign in" on_done=on_done/>
    }
}

/// A page behind a mailed link that sets a password (a reset link, a newcomer's
/// confirmation link): the password twice, then `{token, password}` to `path`, which
/// answers the signed-in user. Element ids start with `prefix`.
#[component]
pub fn LinkPasswordPage(
    /// Where the token and the password go.
    path: &'static str,
    /// The ids' prefix (`reset`, `join`).
    prefix: &'static str,
    /// The heading.
    title: &'static str,
    /// A line above the form (empty: none).
    intro: &'static str,
    /// The hint under the fields.
    hint: &'static str,
    /// The button's words.
    button: &'static str,
    /// Called with the signed-in user.
    on_done: impl Fn(Me) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let token = use_params_map()
        .with_untracked(|p| p.get("token"))
        .unwrap_or_default();
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let code = RwSignal::new(None::<String>);
    let on_done_passkey = on_done.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if password.get_untracked() != again.get_untracked() {
            error.set(Some(
                "The password and its repetition differ: type it again.".into(),
            ));
            return;
        }
        let (token, on_done) = (token.clone(), on_done.clone());
        leptos::task::spawn_local(async move {
            let body = overdue_types::ResetInput {
                token,
                password: password.get_untracked(),
                code: code.get_untracked(),
                passkey: None,
            };
            match api::post_open::<_, Me>(path, &body).await {
                Ok(me) => on_done(me),
                Err(e) => {
                    // The first ask is no error: the code's field appears.
                    if api::asks_code(&e) && code.get_untracked().is_none() {
                        code.set(Some(String::new()));
                        error.set(None);
                    } else {
                        error.set(Some(e));
                    }
                }
            }
        });
    };
    let (first, second) = (format!("{prefix}-password"), format!("{prefix}-again"));
    // On a reset link, a passkey in place of the code (a newcomer's link asks none).
    let link_token = StoredValue::new(
        use_params_map()
            .with_untracked(|p| p.get("token"))
            .unwrap_or_default(),
    );
    let done = StoredValue::new(on_done_passkey);
    let use_passkey = move |_| {
        if password.get_untracked() != again.get_untracked() {
            error.set(Some(
                "The password and its repetition differ: type it again.".into(),
            ));
            return;
        }
        leptos::task::spawn_local(async move {
            let token = link_token.get_value();
            match crate::passkeys::reset(&token, &password.get_untracked()).await {
                Ok(me) => done.get_value()(me),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="card narrow">
            <h1>{title}</h1>
            {(!intro.is_empty()).then(|| view! { <p class="hint">{intro}</p> })}
            <form on:submit=submit>
                <label for=first.clone()>"New password"</label>
                <input id=first type="password" required autocomplete="new-password"
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                <label for=second.clone()>"New password again"</label>
                <input id=second type="password" required autocomplete="new-password"
                    prop:value=move || again.get() on:input=move |ev| again.set(event_target_value(&ev))/>
                <p class="hint">{hint}</p>
                <CodeField code=code/>
                <p class="error" role="alert">{move || error.get()}</p>
                <button type="submit" id=format!("{prefix}-submit")>{button}</button>
                <Show when=move || prefix == "reset" && code.with(Option::is_some)>
                    " "<button type="button" id="reset-passkey" class="secondary" on:click=use_passkey>"Use a passkey"</button>
                </Show>
            </form>
        </div>
    }
}

/// The second factor's code, once the server asked for it (`code` is `Some`).
#[component]
fn CodeField(code: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || code.with(Option::is_some)>
            <label for="totp-code">"Code from your authenticator app"</label>
            <input id="totp-code" type="text" inputmode="numeric" autocomplete="one-time-code"
                required prop:value=move || code.get().unwrap_or_default()
                on:input=move |ev| code.set(Some(event_target_value(&ev)))/>
            <p class="hint">"Lost the app? Type one of your recovery codes instead."</p>
        </Show>
    }
}
