//! Passkeys (docs/security.md, "Second factor"): the account page's card — add one
//! (named), see them, remove one — and the sign-in form's "Use a passkey". The browser's
//! own JSON forms carry the ceremonies (`PublicKeyCredential.parseCreationOptionsFromJSON`,
//! `parseRequestOptionsFromJSON` and `toJSON`), called through `Reflect`: no script is
//! evaluated, so the page's Content-Security-Policy stays as strict.

use js_sys::{Function, Object, Promise, Reflect, JSON};
use leptos::prelude::*;
use overdue_types::{PasskeyAdded, PasskeyCeremony, PasskeyList, PasskeyOptionsInput};
use wasm_bindgen::{JsCast, JsValue};

use crate::api::Session;

fn said(e: JsValue) -> String {
    let name = Reflect::get(&e, &"name".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" => "The passkey was not used: it was cancelled or timed out.".into(),
        "InvalidStateError" => "This authenticator holds a passkey for this account already.".into(),
        "SecurityError" => {
            "The browser refused: passkeys need the address the server was set up with (OVERDUE_SITE_URL)."
                .into()
        }
        _ => Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| "the browser could not use a passkey".into()),
    }
}

fn get(target: &JsValue, key: &str) -> Result<JsValue, String> {
    Reflect::get(target, &key.into()).map_err(said)
}

fn call(target: &JsValue, method: &str, arg: &JsValue) -> Result<JsValue, String> {
    let f: Function = get(target, method)?
        .dyn_into()
        .map_err(|_| format!("this browser has no {method}: update it to use passkeys"))?;
    f.call1(target, arg).map_err(said)
}

/// Runs `navigator.credentials.<verb>` (`create` or `get`) with the server's options
/// (`{"publicKey": …}` as JSON); the credential as its `toJSON()` gives it.
async fn ceremony(verb: &str, options: &serde_json::Value) -> Result<serde_json::Value, String> {
    let window: JsValue = web_sys::window().ok_or("no window")?.into();
    let class = get(&window, "PublicKeyCredential")?;
    if class.is_undefined() {
        return Err("this browser cannot use passkeys".into());
    }
    let parse = if verb == "create" {
        "parseCreationOptionsFromJSON"
    } else {
        "parseRequestOptionsFromJSON"
    };
    let public = options
        .get("publicKey")
        .ok_or("the server's options have no publicKey")?;
    let json = JSON::parse(&public.to_string()).map_err(said)?;
    let parsed = call(&class, parse, &json)?;
    let opts = Object::new();
    Reflect::set(&opts, &"publicKey".into(), &parsed).map_err(said)?;
    let credentials = get(&get(&window, "navigator")?, "credentials")?;
    let promise: Promise = call(&credentials, verb, &opts)?
        .dyn_into()
        .map_err(|_| "the browser gave no promise")?;
    let credential = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(said)?;
    let to_json: Function = get(&credential, "toJSON")?
        .dyn_into()
        .map_err(|_| "this browser cannot say the passkey as JSON: update it")?;
    let out = to_json.call0(&credential).map_err(said)?;
    let text: String = JSON::stringify(&out)
        .map_err(said)?
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Signs in with a passkey after a right password: the ceremony's options, the
/// browser's answer, and the sign-in with it.
pub async fn sign_in(email: &str, password: &str) -> Result<overdue_types::Me, String> {
    let ask = PasskeyOptionsInput {
        email: Some(email.to_string()),
        password: Some(password.to_string()),
        token: None,
    };
    let passkey = Some(answer(&ask).await?);
    let body = overdue_types::Credentials {
        email: email.to_string(),
        password: password.to_string(),
        code: None,
        passkey,
    };
    crate::api::post_open("/api/v1/auth/login", &body).await
}

/// Sets a new password with a reset link's `token` and a passkey for the second factor.
pub async fn reset(token: &str, password: &str) -> Result<overdue_types::Me, String> {
    let ask = PasskeyOptionsInput {
        token: Some(token.to_string()),
        ..PasskeyOptionsInput::default()
    };
    let passkey = Some(answer(&ask).await?);
    let body = overdue_types::ResetInput {
        token: token.to_string(),
        password: password.to_string(),
        code: None,
        passkey,
    };
    crate::api::post_open("/api/v1/auth/reset", &body).await
}

/// Ends a single sign-on waiting for the second factor with a passkey.
pub async fn sso_finish() -> Result<overdue_types::Me, String> {
    let c: PasskeyCeremony =
        crate::api::post_open("/api/v1/auth/sso/passkey", &serde_json::json!({})).await?;
    let credential = ceremony("get", &c.options).await?;
    let body = serde_json::json!({"passkey": {"ceremony": c.ceremony, "credential": credential}});
    crate::api::post_open("/api/v1/auth/sso/finish", &body).await
}

/// A passkey ceremony for `ask`, answered by the browser.
async fn answer(ask: &PasskeyOptionsInput) -> Result<overdue_types::PasskeyAnswer, String> {
    let c: PasskeyCeremony = crate::api::post_open("/api/v1/auth/passkey/options", ask).await?;
    let credential = ceremony("get", &c.options).await?;
    Ok(overdue_types::PasskeyAnswer {
        ceremony: c.ceremony,
        credential,
    })
}

/// The account page's passkeys.
#[component]
pub fn PasskeysCard() -> impl IntoView {
    let session = Session::get();
    let list = RwSignal::new(None::<PasskeyList>);
    let name = RwSignal::new(String::new());
    let codes = RwSignal::new(None::<Vec<String>>);
    let error = RwSignal::new(None::<String>);
    let note = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let load = move || {
        leptos::task::spawn_local(async move {
            match session
                .get_json::<PasskeyList>("/api/v1/auth/passkeys")
                .await
            {
                Ok(l) => list.set(Some(l)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let added = async {
                let c: PasskeyCeremony = session
                    .send_json(
                        "POST",
                        "/api/v1/auth/passkeys/start",
                        &serde_json::json!({}),
                    )
                    .await?;
                let credential = ceremony("create", &c.options).await?;
                let body = serde_json::json!({
                    "ceremony": c.ceremony, "name": name.get_untracked(), "credential": credential
                });
                session
                    .send_json::<_, PasskeyAdded>("POST", "/api/v1/auth/passkeys", &body)
                    .await
            }
            .await;
            match added {
                Ok(a) => {
                    error.set(None);
                    name.set(String::new());
                    note.set(Some(format!(
                        "Passkey \u{201c}{}\u{201d} added. Your other sessions were signed out.",
                        a.passkey.name
                    )));
                    codes.set(a.recovery_codes);
                    load();
                    session.reread(session.project.get_untracked()).await;
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let remove = move |id: String, label: String| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/auth/passkeys/{id}");
            match session.act("DELETE", &path).await {
                Ok(()) => {
                    error.set(None);
                    note.set(Some(format!("Passkey \u{201c}{label}\u{201d} removed.")));
                    load();
                    session.reread(session.project.get_untracked()).await;
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="card" id="passkeys">
            <h2>"Second factor: passkeys"</h2>
            {move || list.get().map(|l| if !l.available {
                view! { <p class="hint" id="passkeys-unavailable">"Passkeys need this server reached by a host name (OVERDUE_SITE_URL such as https://overdue.example.com), not an IP address: ask its operator."</p> }.into_any()
            } else {
                view! {
                    <p class="hint">"A passkey — this device's screen lock, or a security key — stands in for the app's code when you sign in."</p>
                    {if l.passkeys.is_empty() {
                        view! { <p id="passkeys-none">"No passkey yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul id="passkey-list" class="plain">
                                {l.passkeys.into_iter().map(|p| {
                                    let (id, label) = (p.id.clone(), p.name.clone());
                                    view! {
                                        <li>
                                            <strong class="passkey-name">{p.name.clone()}</strong>
                                            <span class="hint">" · added "{crate::time::short(p.created_at.clone())}
                                                " · last used "{crate::time::when(p.last_used_at.clone())}" "</span>
                                            <button type="button" class="secondary passkey-remove"
                                                aria-label=format!("Remove passkey {}", p.name)
                                                on:click=move |_| remove(id.clone(), label.clone())>"Remove"</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <form on:submit=add>
                        <label for="passkey-name">"Name of the new passkey"</label>
                        <input id="passkey-name" type="text" required maxlength="100" placeholder="laptop"
                            prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                        <p><button type="submit" id="passkey-add" disabled=move || busy.get()>"Add a passkey"</button></p>
                    </form>
                }.into_any()
            })}
            {move || codes.get().map(|list| view! {
                <div id="passkey-recovery-codes" role="status">
                    <p><strong>"Your recovery codes, shown this once."</strong>" Keep them somewhere safe: each signs in once in place of a passkey or the app's code."</p>
                    <ul class="codes">{list.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
                </div>
            })}
            {move || note.get().map(|s| view! { <p class="hint" role="status" id="passkeys-said">{s}</p> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert" id="passkeys-error">{e}</p> })}
        </div>
    }
}
