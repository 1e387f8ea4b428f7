//! Every route of `/api/v1` and `/api/v3` × every kind of caller that must not get
//! more than reading: no key, a wrong key, a read-only key, another project's key, a
//! viewer's session and a member's session. The status is asserted, and no answer to
//! them carries a ping code (or, for another project, anything of this one). The table
//! is checked against the routes the server registers (read from its sources), so a new
//! route cannot be forgotten.

use std::collections::BTreeSet;

use serde_json::json;

use crate::both;
use crate::harness::{Backend, TestApp};
use crate::people::accounts::{invited, send, with_owner, Session};

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Anyone (sign-in, setup, status): only "no 5xx" is asserted.
    Open,
    /// Any role of the project (reading).
    Read,
    /// Member and up (monitors, problems).
    Write,
    /// Admin and up (channels, keys).
    Manage,
    /// Owner (members, invitations).
    Owner,
    /// A signed-in user, whatever the project (`/auth/me`, new projects).
    Session,
}

/// (method, path as registered, need). `{id}` and the like are filled per route.
const ROUTES: &[(&str, &str, Need)] = &[
    ("GET", "/api/v1/auth/status", Need::Open),
    ("POST", "/api/v1/auth/setup", Need::Open),
    ("POST", "/api/v1/auth/login", Need::Open),
    ("POST", "/api/v1/auth/logout", Need::Open),
    ("GET", "/api/v1/auth/me", Need::Session),
    ("GET", "/api/v1/projects", Need::Session),
    ("POST", "/api/v1/projects", Need::Session),
    ("POST", "/api/v1/auth/accept", Need::Open),
    ("POST", "/api/v1/auth/join", Need::Open),
    ("POST", "/api/v1/auth/password", Need::Session),
    ("POST", "/api/v1/auth/logout-everywhere", Need::Session),
    ("POST", "/api/v1/auth/forgot", Need::Open),
    ("POST", "/api/v1/auth/signup", Need::Open),
    ("POST", "/api/v1/auth/proxy", Need::Open),
    ("GET", "/api/v1/auth/sso/start", Need::Open),
    ("GET", "/api/v1/auth/sso/callback", Need::Open),
    ("POST", "/api/v1/auth/sso/finish", Need::Open),
    ("POST", "/api/v1/auth/sso/passkey", Need::Open),
    ("GET", "/api/v1/operator/projects", Need::Session),
    (
        "PUT",
        "/api/v1/operator/projects/{id}/limits",
        Need::Session,
    ),
    ("POST", "/api/v1/auth/totp/start", Need::Session),
    ("POST", "/api/v1/auth/totp/confirm", Need::Session),
    ("POST", "/api/v1/auth/totp/disable", Need::Session),
    ("GET", "/api/v1/auth/passkeys", Need::Session),
    ("POST", "/api/v1/auth/passkeys/start", Need::Session),
    ("POST", "/api/v1/auth/passkeys", Need::Session),
    ("DELETE", "/api/v1/auth/passkeys/{id}", Need::Session),
    ("POST", "/api/v1/auth/passkey/options", Need::Open),
    ("POST", "/api/v1/auth/reset", Need::Open),
    ("POST", "/api/v1/auth/invitation", Need::Open),
    ("GET", "/api/v1/schedule/preview", Need::Read),
    ("GET", "/api/v1/summary", Need::Read),
    ("GET", "/api/v1/events", Need::Read),
    ("GET", "/api/v1/keys", Need::Manage),
    ("POST", "/api/v1/keys", Need::Manage),
    ("DELETE", "/api/v1/keys/{id}", Need::Manage),
    ("GET", "/api/v1/members", Need::Read),
    ("PATCH", "/api/v1/members/{id}", Need::Owner),
    ("DELETE", "/api/v1/members/{id}", Need::Owner),
    ("GET", "/api/v1/invitations", Need::Owner),
    ("POST", "/api/v1/invitations", Need::Owner),
    ("DELETE", "/api/v1/invitations/{id}", Need::Owner),
    ("GET", "/api/v1/monitors/{id}/runs", Need::Read),
    ("GET", "/api/v1/runs/{id}", Need::Read),
    ("GET", "/api/v1/runs/{id}/log", Need::Read),
    ("GET", "/api/v1/runs/{id}/log/events", Need::Read),
    ("GET", "/api/v1/chains", Need::Read),
    ("POST", "/api/v1/chains", Need::Write),
    ("GET", "/api/v1/chains/{id}", Need::Read),
    ("GET", "/api/v1/monitors/{id}/status-keys", Need::Write),
    ("POST", "/api/v1/monitors/{id}/status-keys", Need::Write),
    ("DELETE", "/api/v1/monitors/{id}/status-keys", Need::Write),
    ("PUT", "/api/v1/chains/{id}", Need::Write),
    ("GET", "/api/v1/problems", Need::Read),
    ("GET", "/api/v1/problems/stats", Need::Read),
    ("GET", "/api/v1/problems/{id}", Need::Read),
    ("PATCH", "/api/v1/problems/{id}", Need::Write),
    ("POST", "/api/v1/problems/{id}/acknowledge", Need::Write),
    ("POST", "/api/v1/problems/{id}/resolve", Need::Write),
    ("GET", "/api/v1/alerts", Need::Read),
    ("GET", "/api/v1/alerts/{id}", Need::Read),
    ("POST", "/api/v1/alerts/{id}/acknowledge", Need::Write),
    ("POST", "/api/v1/alerts/acknowledge", Need::Write),
    ("POST", "/api/v1/alerts/resolve", Need::Write),
    ("GET", "/api/v1/badges", Need::Read),
    ("GET", "/api/v1/openapi.json", Need::Open),
    ("GET", "/api/v1/monitors", Need::Read),
    ("POST", "/api/v1/monitors", Need::Write),
    ("GET", "/api/v1/monitors/{id}", Need::Read),
    ("PATCH", "/api/v1/monitors/{id}", Need::Write),
    ("DELETE", "/api/v1/monitors/{id}", Need::Write),
    ("POST", "/api/v1/monitors/{id}/pause", Need::Write),
    ("POST", "/api/v1/monitors/{id}/resume", Need::Write),
    ("PUT", "/api/v1/monitors/{id}/channels", Need::Write),
    ("GET", "/api/v1/monitors/{id}/pings", Need::Read),
    ("GET", "/api/v1/monitors/{id}/flips", Need::Read),
    ("GET", "/api/v1/monitors/{id}/uptime", Need::Read),
    ("GET", "/api/v1/monitors/{id}/days", Need::Read),
    ("GET", "/api/v1/strips", Need::Read),
    ("GET", "/api/v1/project", Need::Read),
    ("PATCH", "/api/v1/project", Need::Manage),
    ("DELETE", "/api/v1/project", Need::Owner),
    ("GET", "/api/v1/project/contents", Need::Read),
    ("GET", "/api/v1/audit", Need::Manage),
    ("POST", "/api/v1/project/transfer", Need::Owner),
    ("GET", "/api/v1/channel-kinds", Need::Read),
    ("GET", "/api/v1/routes", Need::Read),
    ("POST", "/api/v1/routes", Need::Manage),
    ("PUT", "/api/v1/routes/order", Need::Manage),
    ("GET", "/api/v1/routes/preview", Need::Read),
    ("GET", "/api/v1/routes/{id}", Need::Read),
    ("PATCH", "/api/v1/routes/{id}", Need::Manage),
    ("DELETE", "/api/v1/routes/{id}", Need::Manage),
    ("GET", "/api/v1/silences", Need::Read),
    ("POST", "/api/v1/silences", Need::Write),
    ("GET", "/api/v1/silences/{id}", Need::Read),
    ("DELETE", "/api/v1/silences/{id}", Need::Write),
    ("GET", "/api/v1/status-pages", Need::Read),
    ("POST", "/api/v1/status-pages", Need::Manage),
    ("GET", "/api/v1/status-pages/{id}", Need::Read),
    ("PATCH", "/api/v1/status-pages/{id}", Need::Manage),
    ("DELETE", "/api/v1/status-pages/{id}", Need::Manage),
    ("GET", "/api/v1/flows", Need::Read),
    ("POST", "/api/v1/flows", Need::Manage),
    ("GET", "/api/v1/flows/{flow}", Need::Read),
    ("PATCH", "/api/v1/flows/{flow}", Need::Manage),
    ("DELETE", "/api/v1/flows/{flow}", Need::Manage),
    ("POST", "/api/v1/flows/{flow}/events", Need::Write),
    ("GET", "/api/v1/flows/{flow}/entities/{entity}", Need::Read),
    ("GET", "/api/v1/flows/{flow}/events.ndjson", Need::Read),
    ("GET", "/api/v1/kept-aside", Need::Read),
    ("GET", "/api/v1/reports/alerts", Need::Read),
    ("GET", "/api/v1/reports/response", Need::Read),
    ("GET", "/api/v1/reports/out-of-hours", Need::Read),
    ("GET", "/api/v1/reports/noisiest", Need::Read),
    ("GET", "/api/v1/reports/units", Need::Read),
    ("GET", "/api/v1/reports/flows", Need::Read),
    ("GET", "/api/v1/reports/availability", Need::Read),
    ("DELETE", "/api/v1/kept-aside/{id}", Need::Write),
    ("GET", "/api/v1/calendars", Need::Read),
    ("POST", "/api/v1/calendars", Need::Manage),
    ("GET", "/api/v1/calendars/{name}", Need::Read),
    ("PUT", "/api/v1/calendars/{name}", Need::Manage),
    ("DELETE", "/api/v1/calendars/{name}", Need::Manage),
    ("GET", "/api/v1/channels", Need::Read),
    ("POST", "/api/v1/channels", Need::Manage),
    ("PATCH", "/api/v1/channels/{id}", Need::Manage),
    ("DELETE", "/api/v1/channels/{id}", Need::Manage),
    ("POST", "/api/v1/channels/{id}/test", Need::Manage),
    ("GET", "/api/v1/channels/{id}/deliveries", Need::Read),
    ("GET", "/api/v1/deliveries", Need::Read),
    ("GET", "/api/v3/status/", Need::Open),
    ("GET", "/api/v3/status", Need::Open),
    ("GET", "/api/v3/badges/", Need::Read),
    ("GET", "/api/v3/badges", Need::Read),
    ("GET", "/api/v3/checks/", Need::Read),
    ("GET", "/api/v3/checks", Need::Read),
    ("POST", "/api/v3/checks/", Need::Write),
    ("POST", "/api/v3/checks", Need::Write),
    ("GET", "/api/v3/checks/{id}", Need::Read),
    ("POST", "/api/v3/checks/{id}", Need::Write),
    ("DELETE", "/api/v3/checks/{id}", Need::Write),
    ("POST", "/api/v3/checks/{id}/pause", Need::Write),
    ("POST", "/api/v3/checks/{id}/resume", Need::Write),
    ("GET", "/api/v3/checks/{id}/pings/", Need::Read),
    ("GET", "/api/v3/checks/{id}/pings", Need::Read),
    ("GET", "/api/v3/checks/{id}/pings/{n}/body", Need::Read),
    ("GET", "/api/v3/checks/{id}/flips/", Need::Read),
    ("GET", "/api/v3/checks/{id}/flips", Need::Read),
    ("GET", "/api/v3/channels/", Need::Read),
    ("GET", "/api/v3/channels", Need::Read),
];

/// The (method, path) pairs the server registers under `/api/v1` and `/api/v3`, read
/// from its sources: every `.route("…", web::method()…)` of the modules the router puts
/// in each scope.
pub(crate) fn registered() -> BTreeSet<(String, String)> {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/../server/src");
    let scopes: &[(&str, &[&str])] = &[
        (
            "/api/v1",
            &[
                "people/session.rs",
                "people/project.rs",
                "people/lifecycle.rs",
                "people/audit.rs",
                "people/second_factor.rs",
                "people/passkeys.rs",
                "people/proxy.rs",
                "people/sso.rs",
                "people/operator.rs",
                "people/signup.rs",
                "people/account.rs",
                "monitoring/dash.rs",
                "people/team.rs",
                "people/joining.rs",
                "monitoring/runs.rs",
                "monitoring/chains.rs",
                "monitoring/status_keys.rs",
                "monitoring/status_pages.rs",
                "monitoring/problems.rs",
                "router.rs",
                "monitoring/monitors.rs",
                "alerting/channels.rs",
                "alerting/alerts.rs",
                "alerting/routes.rs",
                "alerting/silences.rs",
                "flows/mod.rs",
                "flows/events.rs",
                "flows/kept_aside.rs",
                "flows/calendars.rs",
                "reports/mod.rs",
                "openapi.rs",
            ],
        ),
        ("/api/v3", &["compat/v3.rs"]),
    ];
    let mut out = BTreeSet::new();
    for (prefix, files) in scopes {
        for f in *files {
            let text = std::fs::read_to_string(format!("{src}/{f}")).unwrap();
            let mut rest = text.as_str();
            while let Some(i) = rest.find(".route(\"") {
                rest = &rest[i + 8..];
                let Some(end) = rest.find('"') else { break };
                let path = &rest[..end];
                let after = &rest[end..];
                let Some(m) = after.find("web::") else { break };
                let method: String = after[m + 5..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                // The router's own health routes are outside the API scopes.
                if f == &"router.rs" && path.starts_with("/health") {
                    continue;
                }
                out.insert((method.to_uppercase(), format!("{prefix}{path}")));
            }
        }
    }
    out
}

#[test]
fn the_table_covers_every_api_route() {
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let server = registered();
    let missing: Vec<_> = server.difference(&table).collect();
    let stale: Vec<_> = table.difference(&server).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in access.rs: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rows for routes that no longer exist: {stale:?}"
    );
}

/// A caller that must get no more than reading.
enum Caller<'a> {
    None,
    WrongKey,
    ReadOnly(&'a str),
    OtherProject(&'a str),
    Viewer(&'a Session),
    Member(&'a Session),
}

impl Caller<'_> {
    fn name(&self) -> &'static str {
        match self {
            Caller::None => "no key",
            Caller::WrongKey => "wrong key",
            Caller::ReadOnly(_) => "read-only key",
            Caller::OtherProject(_) => "another project's key",
            Caller::Viewer(_) => "viewer",
            Caller::Member(_) => "member",
        }
    }

    /// The status this caller must get, or `None` when the call is not made (it would
    /// succeed and change something: a member writing).
    fn expect(&self, need: Need, names_object: bool) -> Option<u16> {
        let session = matches!(self, Caller::Viewer(_) | Caller::Member(_));
        Some(match (self, need) {
            // Sign-out and the like would end the sessions the next rows use.
            (_, Need::Open) if session => return None,
            (_, Need::Open) => return Some(0),
            (Caller::None | Caller::WrongKey, _) => 401,
            (_, Need::Session) if !session => 401,
            (_, Need::Session) => return None,
            // A key acts as an admin: owner routes refuse it before looking anything up.
            (Caller::OtherProject(_), Need::Owner) => 403,
            (Caller::OtherProject(_), _) if names_object => 404,
            (Caller::OtherProject(_), Need::Read) => 200,
            // Another project's key may write in its own project: not made.
            (Caller::OtherProject(_), _) => return None,
            (_, Need::Read) => 200,
            (Caller::ReadOnly(_) | Caller::Viewer(_), _) => 403,
            (Caller::Member(_), Need::Write) => return None,
            (Caller::Member(_), _) => 403,
        })
    }
}

async fn call(app: &TestApp, who: &Caller<'_>, method: &str, path: &str) -> (u16, String) {
    let mut r = app
        .http
        .request(method.parse().unwrap(), app.url(path))
        .timeout(std::time::Duration::from_secs(5));
    match who {
        Caller::None => {}
        Caller::WrongKey => r = r.header("X-Api-Key", "odk_not_a_key_at_all"),
        Caller::ReadOnly(k) | Caller::OtherProject(k) => r = r.header("X-Api-Key", *k),
        Caller::Viewer(s) | Caller::Member(s) => {
            r = r
                .header("Cookie", format!("overdue_session={}", s.cookie))
                .header("X-CSRF-Token", &s.csrf);
        }
    }
    if method != "GET" && method != "DELETE" {
        r = r.json(&json!({}));
    }
    let resp = r
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = resp.status().as_u16();
    // Streams (`/events`, `/log/events`) answer 200 and stay open: the status is what
    // counts; their first bytes are read with a short wait.
    let text = tokio::time::timeout(std::time::Duration::from_millis(500), resp.text())
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    (status, text)
}

async fn matrix(backend: Backend) {
    let (app, owner) = with_owner(backend).await;
    // What there is to read: a monitor with a run, a problem, a channel and a chain.
    let code = app
        .monitor(json!({"name": "alpha-secret-name", "slug": "alpha", "period": "1h"}))
        .await;
    let public = overdue_core::PublicRef::of(&code).to_string();
    assert_eq!(app.ping(&format!("{code}/start")).await, 200);
    let (s, _) = app.post_ping(&code, "all done", false).await;
    assert_eq!(s, 200);
    let (s, _) = app
        .post_ping(&format!("{code}/problems"), r#"{"key": "alpha:1"}"#, true)
        .await;
    assert_eq!(s, 200);
    let channel = app.webhook("http://127.0.0.1:9/h").await;
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/routes",
            Some(json!({"name": "all", "channels": [channel]})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let route = r["id"].as_str().unwrap().to_string();
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/silences",
            Some(json!({"match": {"tags": ["x"]}, "for": "1h"})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let silence = r["id"].as_str().unwrap().to_string();
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/status-pages",
            Some(json!({"title": "Acme status"})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let status_page = r["id"].as_str().unwrap().to_string();
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/calendars",
            Some(json!({"name": "office", "tz": "UTC", "hours": {"mon": ["08:00-18:00"]}})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/flows",
            Some(json!({"name": "orders", "stages": [{"name": "placed", "sla": "1h"}]})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    // The flow's event URL holds the project's ping key: only for roles that write.
    let ping_key = r["event_url"]
        .as_str()
        .unwrap()
        .split('/')
        .nth_back(3)
        .unwrap()
        .to_string();
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/flows/orders/events",
            Some(json!([{"entity": "e1", "stage": "placed"}])),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let run = app.last_run(&code).await["id"].as_i64().unwrap();
    let (_, problems) = app.api("GET", "/api/v1/problems", None).await;
    let problem = problems["problems"][0]["id"].as_i64().unwrap();
    let (_, alerts) = app.api("GET", "/api/v1/alerts", None).await;
    let alert = alerts["alerts"][0]["id"].as_i64().unwrap();
    let (_, keys) = app.api("GET", "/api/v1/keys", None).await;
    let key_id = keys["keys"][0]["id"].as_str().unwrap().to_string();
    app.monitor(json!({"name": "beta", "slug": "beta", "period": "1h"}))
        .await;
    let (s, r) = app
        .api(
            "POST",
            "/api/v1/chains",
            Some(json!({"name": "pipeline", "members": ["alpha", "beta"], "within": "1h"})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let chain = r["id"].as_str().unwrap().to_string();
    // A viewer and a member, by invitation.
    let mut sessions = Vec::new();
    for (who, role) in [("vic@example.com", "viewer"), ("meg@example.com", "member")] {
        sessions.push(invited(&app, &owner, who, role, "long enough").await.0);
    }
    let (_, members, _) = send(&app, "GET", "/api/v1/members", Some(&owner), false, None).await;
    let user_id = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "vic@example.com")
        .unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = app
        .store
        .write(move |tx| overdue_storage::people::projects::create(tx, "other"))
        .await
        .unwrap();
    let callers = [
        Caller::None,
        Caller::WrongKey,
        Caller::ReadOnly(&app.read_only_key),
        Caller::OtherProject(&other.api_key),
        Caller::Viewer(&sessions[0]),
        Caller::Member(&sessions[1]),
    ];
    for (method, pattern, need) in ROUTES {
        // The preview names a monitor in its query: another project's is a 404.
        let names_object = pattern.contains('{') || pattern.ends_with("/routes/preview");
        let path = pattern
            .replace("/monitors/{id}", &format!("/monitors/{public}"))
            .replace("/checks/{id}", &format!("/checks/{code}"))
            .replace("/runs/{id}", &format!("/runs/{run}"))
            .replace("/chains/{id}", &format!("/chains/{chain}"))
            .replace("/problems/{id}", &format!("/problems/{problem}"))
            .replace("/alerts/{id}", &format!("/alerts/{alert}"))
            .replace("/channels/{id}", &format!("/channels/{channel}"))
            .replace("/routes/{id}", &format!("/routes/{route}"))
            .replace("/silences/{id}", &format!("/silences/{silence}"))
            .replace(
                "/status-pages/{id}",
                &format!("/status-pages/{status_page}"),
            )
            .replace("/kept-aside/{id}", "/kept-aside/1")
            .replace("{flow}", "orders")
            .replace("{entity}", "e1")
            .replace("{name}", "office")
            .replace("/keys/{id}", &format!("/keys/{key_id}"))
            .replace("/members/{id}", &format!("/members/{user_id}"))
            .replace("{n}", "2");
        let path = if path.ends_with("/schedule/preview") {
            format!("{path}?cron=0%203%20*%20*%20*")
        } else if path.ends_with("/routes/preview") {
            format!("{path}?monitor={public}")
        } else {
            path
        };
        for who in &callers {
            let Some(want) = who.expect(*need, names_object) else {
                continue;
            };
            let (status, text) = call(&app, who, method, &path).await;
            let at = format!("{method} {path} as {}", who.name());
            assert!(status < 500, "{at}: {status} {text}");
            if want != 0 {
                assert_eq!(status, want, "{at}: {text}");
            }
            // A member may write, so it may see ping codes; nobody else here may.
            if !matches!(who, Caller::Member(_)) {
                assert!(!text.contains(&code), "{at} shows the ping code: {text}");
                assert!(!text.contains(&ping_key), "{at} shows the ping key: {text}");
            }
            if matches!(who, Caller::OtherProject(_)) {
                assert!(
                    !text.contains("alpha-secret-name") && !text.contains(&public),
                    "{at} shows another project's monitor: {text}"
                );
            }
        }
    }
    // Nothing the refused callers sent changed anything.
    let m = app.get_monitor(&code).await;
    assert_eq!(m["name"], "alpha-secret-name");
    assert_eq!(m["status"], "up");
    let (_, v) = app.api("GET", "/api/v1/channels", None).await;
    assert_eq!(v["channels"].as_array().map(Vec::len), Some(1), "{v}");
    app.stop().await;
}
both!(every_route_refuses_what_a_caller_may_not_do, matrix);
