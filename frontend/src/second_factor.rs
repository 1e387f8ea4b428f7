//! The account page's second factor (docs/security.md, "Second factor"): set it up —
//! a QR code (drawn from the server's SVG path, no image) and the secret to type, then
//! a code from the app — see the ten recovery codes once, and turn it off with a code.

use leptos::prelude::*;
use overdue_types::{RecoveryCodes, TotpStart};

use crate::api::Session;

/// The card.
#[component]
pub fn SecondFactorCard() -> impl IntoView {
    let session = Session::get();
    let enrolling = RwSignal::new(None::<TotpStart>);
    let codes = RwSignal::new(None::<Vec<String>>);
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let said = RwSignal::new(None::<String>);
    let on = move || {
        session
            .me
            .with(|m| m.as_ref().is_some_and(|m| m.authenticator_app))
    };
    let left = move || {
        session
            .me
            .with(|m| m.as_ref().map_or(0, |m| m.recovery_codes_left))
    };
    let start = move |_| {
        leptos::task::spawn_local(async move {
            match session
                .send_json::<_, TotpStart>(
                    "POST",
                    "/api/v1/auth/totp/start",
                    &serde_json::json!({}),
                )
                .await
            {
                Ok(s) => {
                    error.set(None);
                    codes.set(None);
                    enrolling.set(Some(s));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({"code": code.get_untracked()});
            match session
                .send_json::<_, RecoveryCodes>("POST", "/api/v1/auth/totp/confirm", &body)
                .await
            {
                Ok(r) => {
                    error.set(None);
                    code.set(String::new());
                    enrolling.set(None);
                    codes.set(Some(r.recovery_codes));
                    said.set(Some(
                        "Your second factor is on. Your other sessions were signed out.".into(),
                    ));
                    session.reread(session.project.get_untracked()).await;
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let disable = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({"code": code.get_untracked()});
            match session
                .send_unit("POST", "/api/v1/auth/totp/disable", &body)
                .await
            {
                Ok(()) => {
                    error.set(None);
                    code.set(String::new());
                    codes.set(None);
                    said.set(Some("Your second factor is off.".into()));
                    session.reread(session.project.get_untracked()).await;
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let code_input = move |id: &'static str| {
        view! {
            <label for=id>"Code from the app"</label>
            <input id=id type="text" inputmode="numeric" autocomplete="one-time-code" required
                prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
        }
    };
    view! {
        <div class="card" id="second-factor">
            <h2>"Second factor: an authenticator app"</h2>
            {move || match (on(), enrolling.get()) {
                (_, Some(s)) => view! {
                    <p>"Scan this with an authenticator app (or type the secret), then enter the code it shows."</p>
                    <svg class="qr" id="totp-qr" role="img" aria-label="QR code of the authenticator link"
                        viewBox=format!("-2 -2 {} {}", s.qr_width + 4, s.qr_width + 4)>
                        <rect x="-2" y="-2" width=s.qr_width + 4 height=s.qr_width + 4 fill="#fff"/>
                        <path d=s.qr_path.clone() fill="#000"/>
                    </svg>
                    <p>"Secret: "<code id="totp-secret" class="wrap">{s.secret.clone()}</code></p>
                    <form on:submit=confirm>
                        {code_input("totp-confirm-code")}
                        <p><button type="submit" id="totp-confirm">"Turn on"</button></p>
                    </form>
                }.into_any(),
                (true, None) => view! {
                    <p id="second-factor-on">{move || format!("On: signing in asks for a code from your app. {} recovery codes left.", left())}</p>
                    <form on:submit=disable>
                        {code_input("totp-disable-code")}
                        <p class="hint">"A current code or a recovery code."</p>
                        <p><button type="submit" class="secondary" id="totp-disable">"Turn off"</button>
                        " "<button type="button" class="secondary" id="totp-again" on:click=start>"Move to another app"</button></p>
                    </form>
                }.into_any(),
                (false, None) => view! {
                    <p id="second-factor-off">"Off. With it on, signing in also asks for a code from an authenticator app on your phone — a stolen password alone is not enough."</p>
                    <p><button type="button" id="totp-start" on:click=start>"Set up an authenticator app"</button></p>
                }.into_any(),
            }}
            {move || codes.get().map(|list| view! {
                <div id="recovery-codes" role="status">
                    <p><strong>"Your recovery codes, shown this once."</strong>" Keep them somewhere safe: each signs in once in place of the app's code."</p>
                    <ul class="codes">{list.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
                </div>
            })}
            {move || said.get().map(|s| view! { <p class="hint" role="status" id="second-factor-said">{s}</p> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert" id="second-factor-error">{e}</p> })}
        </div>
    }
}
