//! The audit log's side of a request (docs/security.md, "Audit log"): every changing
//! call of `/api/v1` and `/api/v3` runs with a record in the making (storage's
//! `base::audit::Draft`) saying what it does, to what, and from which address; the
//! `Auth` extractor adds who, the `Body` extractor the fields; the request's first
//! write stores it in its own unit of work. Reading, and the signals (flow events),
//! are not recorded.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error};
use overdue_storage::base::audit::{self, Draft, Entry};

use crate::AppState;

/// Runs a changing API request with its draft.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let method = req.method().as_str().to_string();
    let path = req.path().to_string();
    // The provider's way back signs in with a GET (a browser navigation).
    let changing = !matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS")
        || path == "/api/v1/auth/sso/callback";
    let Some(rest) = path
        .strip_prefix("/api/v1/")
        .or_else(|| path.strip_prefix("/api/v3/"))
        .filter(|r| changing && !r.ends_with("/events"))
    else {
        return next.call(req).await;
    };
    let (action, object, object_id) = describe(&method, rest);
    let address = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.gate.client(req.request()))
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let draft = Draft::new(Entry {
        address,
        action,
        object,
        object_id,
        fields: serde_json::json!({}),
        ..Entry::default()
    });
    audit::scope(draft, next.call(req)).await
}

/// Words a path's second segment may be instead of an id.
const VERBS: [&str; 4] = ["acknowledge", "resolve", "order", "transfer"];

/// The action, the kind of object and its id, from a request's method and its path
/// under the API's prefix: `PATCH monitors/<id>` is a change of that monitor, `POST
/// monitors/<id>/pause` its pause, `POST auth/login` a sign-in.
pub fn describe(method: &str, rest: &str) -> (String, String, Option<String>) {
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let by_method = match method {
        "POST" => "create",
        "DELETE" => "delete",
        _ => "change",
    };
    match segs.as_slice() {
        ["auth", "passkeys" | "passkey", rest @ ..] => {
            let action = match (method, rest) {
                ("POST", []) => "passkey add",
                ("DELETE", [_]) => "passkey remove",
                _ => "passkey ceremony",
            };
            (action.to_string(), "account".into(), None)
        }
        ["auth", what, ..] => {
            let action = match *what {
                "login" | "proxy" | "sso" => "sign-in",
                "logout" => "sign-out",
                "logout-everywhere" => "sign-out everywhere",
                "password" => "password change",
                "reset" => "password reset",
                "setup" => "setup",
                "accept" | "join" => "join",
                other => other,
            };
            (action.to_string(), "account".into(), None)
        }
        [object] => (by_method.into(), object.to_string(), None),
        [object, verb] if VERBS.contains(verb) => (verb.to_string(), object.to_string(), None),
        [object, id] => (by_method.into(), object.to_string(), Some(id.to_string())),
        [object, id, verb, ..] => {
            let action = match method {
                "DELETE" => format!("{verb} delete"),
                "PUT" | "PATCH" => format!("{verb} change"),
                _ => verb.to_string(),
            };
            (action, object.to_string(), Some(id.to_string()))
        }
        [] => (by_method.into(), String::new(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    fn d(m: &str, p: &str) -> (String, String, Option<String>) {
        describe(m, p)
    }

    #[test]
    fn passkeys_are_described_in_words() {
        let account = |a: &str| (a.to_string(), "account".to_string(), None);
        assert_eq!(d("POST", "auth/passkeys"), account("passkey add"));
        assert_eq!(d("DELETE", "auth/passkeys/abc"), account("passkey remove"));
        assert_eq!(
            d("POST", "auth/passkeys/start"),
            account("passkey ceremony")
        );
        assert_eq!(
            d("POST", "auth/passkey/options"),
            account("passkey ceremony")
        );
    }

    #[test]
    fn requests_are_described_in_words() {
        assert_eq!(
            d("POST", "monitors"),
            ("create".into(), "monitors".into(), None)
        );
        assert_eq!(
            d("PATCH", "monitors/abc"),
            ("change".into(), "monitors".into(), Some("abc".into()))
        );
        assert_eq!(
            d("POST", "monitors/abc/pause"),
            ("pause".into(), "monitors".into(), Some("abc".into()))
        );
        assert_eq!(
            d("PUT", "monitors/abc/channels"),
            (
                "channels change".into(),
                "monitors".into(),
                Some("abc".into())
            )
        );
        assert_eq!(
            d("POST", "auth/login"),
            ("sign-in".into(), "account".into(), None)
        );
        assert_eq!(
            d("POST", "project/transfer"),
            ("transfer".into(), "project".into(), None)
        );
        assert_eq!(
            d("DELETE", "project"),
            ("delete".into(), "project".into(), None)
        );
        assert_eq!(
            d("POST", "alerts/acknowledge"),
            ("acknowledge".into(), "alerts".into(), None)
        );
        assert_eq!(
            d("POST", "checks/"),
            ("create".into(), "checks".into(), None),
            "Healthchecks' trailing slash"
        );
    }
}
