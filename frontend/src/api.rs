//! Calls to Overdue's `/api/v1` from the browser: same-origin (the session cookie goes
//! along by itself), the CSRF token on every change, the chosen project in `X-Project`,
//! and the server's `{"error": …}` message as the error text.

use gloo_net::http::{Request, RequestBuilder, Response};
use leptos::prelude::*;
use overdue_types::Me;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Who is signed in and which project is open; provided as context by the app.
#[derive(Clone, Copy)]
pub struct Session {
    /// The signed-in user (`None`: signed out).
    pub me: RwSignal<Option<Me>>,
    /// The open project's id.
    pub project: RwSignal<Option<String>>,
    /// The project just made here, with its keys to show once (the Team page is drawn
    /// anew when the new project opens, so this outlives it).
    pub made: RwSignal<Option<overdue_types::NewProject>>,
}

impl Session {
    /// The session from context.
    pub fn get() -> Session {
        expect_context::<Session>()
    }

    /// The open project as the signed-in user has it (their first before one is
    /// chosen), tracked.
    pub fn open_project(&self) -> Option<overdue_types::ProjectAccess> {
        let project = self.project.get();
        self.me.with(|m| {
            let m = m.as_ref()?;
            m.projects
                .iter()
                .find(|p| Some(&p.id) == project.as_ref())
                .or(m.projects.first())
                .cloned()
        })
    }

    /// The signed-in user's role in the open project, tracked.
    pub fn role(&self) -> Option<String> {
        self.open_project().map(|p| p.role)
    }

    /// Reads who I am again (names, roles, the second factor changed) and opens
    /// `project` if I still have it, else my first.
    pub async fn reread(self, project: Option<String>) {
        if let Some(me) = me().await {
            let open = project
                .filter(|p| me.projects.iter().any(|x| &x.id == p))
                .or_else(|| me.projects.first().map(|p| p.id.clone()));
            self.me.set(Some(me));
            self.project.set(open);
        }
    }

    /// Whether the signed-in user may change monitors in the open project (member and
    /// up); viewers get no buttons that would only be refused.
    pub fn can_write(&self) -> bool {
        self.role().is_some_and(|r| r != "viewer")
    }

    /// Whether the signed-in user may manage channels in the open project (admin and
    /// owner).
    pub fn can_manage(&self) -> bool {
        self.role().is_some_and(|r| r == "admin" || r == "owner")
    }

    /// Whether the signed-in user owns the open project (members and invitations).
    pub fn is_owner(&self) -> bool {
        self.role().is_some_and(|r| r == "owner")
    }

    fn csrf(&self) -> String {
        self.me
            .with_untracked(|m| m.as_ref().map(|m| m.csrf_token.clone()))
            .unwrap_or_default()
    }

    fn decorate(&self, r: RequestBuilder) -> RequestBuilder {
        let mut r = r.header("X-CSRF-Token", &self.csrf());
        if let Some(p) = self.project.get_untracked() {
            r = r.header("X-Project", &p);
        }
        r
    }

    /// GET `path`, parsed as `T`.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, String> {
        let r = self.decorate(Request::get(path)).send().await;
        parse(r).await
    }

    /// `method` `path` with a JSON body, parsed as `T`.
    pub async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: &B,
    ) -> Result<T, String> {
        parse(self.send(method, path, Some(body)).await).await
    }

    /// `method` `path` with a JSON body, when the answer has none (204).
    pub async fn send_unit<B: Serialize>(
        &self,
        method: &str,
        path: &str,
        body: &B,
    ) -> Result<(), String> {
        check(self.send(method, path, Some(body)).await)
            .await
            .map(|_| ())
    }

    /// POST or DELETE without a body; the answer is ignored unless it is an error.
    pub async fn act(&self, method: &str, path: &str) -> Result<(), String> {
        check(self.send::<()>(method, path, None).await)
            .await
            .map(|_| ())
    }

    /// One request with the session's headers and an optional JSON body.
    async fn send<B: Serialize>(
        &self,
        method: &str,
        path: &str,
        body: Option<&B>,
    ) -> Result<Response, gloo_net::Error> {
        let builder = match method {
            "PATCH" => Request::patch(path),
            "PUT" => Request::put(path),
            "DELETE" => Request::delete(path),
            _ => Request::post(path),
        };
        let builder = self.decorate(builder);
        match body {
            Some(b) => builder.json(b)?.send().await,
            None => builder.send().await,
        }
    }
}

async fn check(r: Result<Response, gloo_net::Error>) -> Result<Response, String> {
    let r = r.map_err(|e| format!("Overdue could not be reached: {e}"))?;
    if r.ok() {
        return Ok(r);
    }
    let status = r.status();
    let msg = r
        .json::<serde_json::Value>()
        .await
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_string))
        .unwrap_or_else(|| format!("request failed ({status})"));
    if status == 401 {
        // The session ended: show the sign-in page.
        if let Some(s) = use_context::<Session>() {
            s.me.set(None);
        }
    }
    Err(msg)
}

async fn parse<T: DeserializeOwned>(r: Result<Response, gloo_net::Error>) -> Result<T, String> {
    let r = check(r).await?;
    r.json::<T>()
        .await
        .map_err(|e| format!("unexpected answer: {e}"))
}

/// POST without a session (sign-in, invitations, password resets: no CSRF token
/// exists yet; JSON only, so a cross-site form cannot send it).
pub async fn post_open<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, String> {
    let r = Request::post(path)
        .json(body)
        .map_err(|e| e.to_string())?
        .send()
        .await;
    parse(r).await
}

/// Signs in (with a second factor's code when asked for one).
pub async fn sign(
    path: &str,
    email: &str,
    password: &str,
    code: Option<String>,
) -> Result<Me, String> {
    let body = overdue_types::Credentials {
        email: email.to_string(),
        password: password.to_string(),
        code,
        passkey: None,
    };
    post_open(path, &body).await
}

/// Makes the first account with the setup link's token.
pub async fn set_up(email: &str, password: &str, token: String) -> Result<Me, String> {
    let body = overdue_types::SetupInput {
        email: email.to_string(),
        password: password.to_string(),
        token: Some(token),
    };
    post_open("/api/v1/auth/setup", &body).await
}

/// Whether the instance still needs its first account, and can send reset links.
pub async fn status() -> Result<overdue_types::SetupStatus, String> {
    let r = Request::get("/api/v1/auth/status").send().await;
    parse::<overdue_types::SetupStatus>(r).await
}

/// Whether a refusal asks for the second factor's code (docs/security.md, "Second
/// factor"): the sign-in and reset forms then show its field.
pub fn asks_code(error: &str) -> bool {
    error.starts_with("second factor:")
}

/// The current session, if the cookie holds one.
pub async fn me() -> Option<Me> {
    let r = Request::get("/api/v1/auth/me").send().await.ok()?;
    if !r.ok() {
        return None;
    }
    r.json::<Me>().await.ok()
}
