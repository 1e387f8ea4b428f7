//! What a ping URL says: which monitor (`/ping/<uuid>` or `/ping/<ping_key>/<slug>`),
//! which action, and the query parameters of the signal (`rid`, `step`, `progress`,
//! `children`, `parent`). Parsed whole before anything is read or written.

use actix_web::HttpRequest;
use overdue_core::{PingCode, Progress, Signal};
use overdue_storage::PingTarget;
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::http::parse::{canonical_uuid, query_rid, query_value, slug};

/// Where a ping URL leads.
pub enum Route {
    /// `/lock` or `/unlock` of a monitor (by UUID).
    Lease {
        /// The monitor's ping code.
        code: PingCode,
        /// `true` for `/lock`.
        lock: bool,
    },
    /// `/problems` or `/resolve`.
    Problems {
        /// The monitor.
        target: PingTarget,
        /// `true` for `/resolve`.
        resolve: bool,
    },
    /// A signal: success, start, fail, log, warn, progress, step or an exit status.
    Signal(Box<SignalUrl>),
}

/// A signal's URL and query, checked.
pub struct SignalUrl {
    /// The monitor.
    pub target: PingTarget,
    /// What it says.
    pub signal: Signal,
    /// `/ping/<id>/<0-255>`.
    pub exit_status: Option<i32>,
    /// `/step/<name>` or `?step=`.
    pub step: Option<String>,
    /// `/progress?done=&total=&msg=`.
    pub progress: Option<Progress>,
    /// `?children=N` on a start.
    pub children: Option<u32>,
    /// `?parent=<rid>`.
    pub parent: Option<Uuid>,
    /// `?rid=`.
    pub rid: Option<Uuid>,
}

/// Most children a fanning-out run may announce (`?children=`, `"children"`).
pub const MAX_CHILDREN: u32 = 100_000;

fn bad(reason: impl Into<String>) -> ApiError {
    ApiError::BadRequest(reason.into())
}

/// `start`, `fail`, `log`, `warn`, `progress`, `step`, an exit status, or nothing
/// (success).
pub fn parse_action(action: Option<&str>) -> Result<(Signal, Option<i32>), &'static str> {
    Ok(match action {
        None => (Signal::Success, None),
        Some("start") => (Signal::Start, None),
        Some("fail") => (Signal::Fail, None),
        Some("log") => (Signal::Log, None),
        Some("warn") => (Signal::Warn, None),
        Some("progress") => (Signal::Progress, None),
        Some("step") => (Signal::Step, None),
        Some(code)
            if !code.is_empty() && code.len() <= 3 && code.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let n: i32 = code.parse().map_err(|_| "invalid url format")?;
            if n > 255 {
                return Err("invalid url format: exit status must be 0-255");
            }
            let signal = if n == 0 {
                Signal::Success
            } else {
                Signal::Fail
            };
            (signal, Some(n))
        }
        Some(_) => return Err("invalid url format: unknown action"),
    })
}

/// Parses the path segments after `/ping/` and the query string.
pub fn parse(req: &HttpRequest, parts: &[String]) -> Result<Route, ApiError> {
    // Which form: a UUID first segment is the uuid form, anything else a ping key.
    // `/step/<name>` takes one more segment than the other actions.
    let named_step = |rest: &[String]| rest.first().is_some_and(|a| a == "step");
    // Another spelling of a UUID (32 hex digits, braces, `urn:uuid:`) names no monitor,
    // as in Healthchecks: 404, not a slug URL.
    // The first segment is parsed once (this is every ping's path).
    let code = canonical_uuid(&parts[0]).ok_or(());
    if code.is_err() && Uuid::try_parse(&parts[0]).is_ok() {
        return Err(ApiError::NotFound("not found".into()));
    }
    let (target, action, rest) = match code {
        Ok(id) if parts.len() <= 2 || (parts.len() == 3 && named_step(&parts[1..])) => (
            PingTarget::Code(PingCode::from(id)),
            parts.get(1).map(String::as_str),
            parts.get(2),
        ),
        Ok(_) => return Err(bad("invalid url format")),
        Err(_) if parts.len() >= 2 && (parts.len() <= 3 || named_step(&parts[2..])) => {
            let slug = slug(&parts[1]).map_err(|e| bad(format!("invalid url format: {e}")))?;
            let create = query_value(req, "create").is_some_and(|v| v == "1");
            let target = PingTarget::Slug {
                ping_key: parts[0].clone(),
                slug,
                create,
            };
            (target, parts.get(2).map(String::as_str), parts.get(3))
        }
        Err(_) => {
            return Err(bad(
                "invalid url format: expected /ping/<uuid> or /ping/<ping_key>/<slug>",
            ))
        }
    };
    match (&target, action) {
        (PingTarget::Code(code), Some(a @ ("lock" | "unlock"))) => {
            return Ok(Route::Lease {
                code: *code,
                lock: a == "lock",
            })
        }
        (_, Some("lock" | "unlock")) => {
            return Err(bad(
                "invalid url format: lock and unlock take /ping/<uuid>/lock",
            ))
        }
        (_, Some(a @ ("problems" | "resolve"))) => {
            if rest.is_some() {
                return Err(bad(
                    "invalid url format: nothing follows /problems or /resolve",
                ));
            }
            return Ok(Route::Problems {
                target,
                resolve: a == "resolve",
            });
        }
        _ => {}
    }
    let (signal, exit_status) = parse_action(action).map_err(bad)?;
    let step = match (signal, rest.cloned(), query_value(req, "step")) {
        (Signal::Step, None, _) => {
            return Err(bad("invalid url format: expected /ping/<uuid>/step/<name>"))
        }
        (_, Some(name), _) | (_, None, Some(name)) => {
            overdue_core::run::check_step_name(name.as_str()).map_err(bad)?;
            Some(name)
        }
        _ => None,
    };
    let progress = if signal == Signal::Progress {
        let q = |k: &str| query_value(req, k);
        let p = Progress::parse(
            q("done").as_deref(),
            q("total").as_deref(),
            q("msg").as_deref(),
        );
        Some(p.map_err(bad)?)
    } else {
        None
    };
    let children = match query_value(req, "children") {
        None => None,
        Some(_) if signal != Signal::Start => {
            return Err(bad("children= goes with /start: the run that fans out"))
        }
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n @ 1..=MAX_CHILDREN) => Some(n),
            _ => {
                return Err(bad(format!(
                    "children must be a number of 1 to {MAX_CHILDREN}, not {v:?}"
                )))
            }
        },
    };
    Ok(Route::Signal(Box::new(SignalUrl {
        target,
        signal,
        exit_status,
        step,
        progress,
        children,
        parent: query_rid(req, "parent")?,
        rid: query_rid(req, "rid")?,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions() {
        assert_eq!(parse_action(None), Ok((Signal::Success, None)));
        assert_eq!(parse_action(Some("0")), Ok((Signal::Success, Some(0))));
        assert_eq!(parse_action(Some("1")), Ok((Signal::Fail, Some(1))));
        assert_eq!(parse_action(Some("255")), Ok((Signal::Fail, Some(255))));
        assert!(parse_action(Some("256")).is_err());
        assert!(parse_action(Some("1000")).is_err());
        assert!(parse_action(Some("-1")).is_err());
        assert!(parse_action(Some("bogus")).is_err());
    }

    proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
                // A fixed seed unless PROPTEST_RNG_SEED asks otherwise: CI is repeatable.
                rng_seed: if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
                    proptest::prelude::ProptestConfig::default().rng_seed
                } else {
                    proptest::test_runner::RngSeed::Fixed(20_261_202)
                },
                ..proptest::prelude::ProptestConfig::default()
            })]

            /// The ping URL parser never panics and refuses with a 4xx, whatever the path
            /// segments and query (a brief fuzz run in every `cargo test`).
            #[test]
            fn ping_urls_never_panic(
                parts in proptest::collection::vec(proptest::prop_oneof![
                    proptest::strategy::Just("5d9e2a4c-7f31-4c5b-9a0e-2f6d8c1b3a77".to_string()),
                    proptest::strategy::Just("5d9e2a4c7f314c5b9a0e2f6d8c1b3a77".to_string()),
                    proptest::strategy::Just("start".to_string()),
                    proptest::strategy::Just("step".to_string()),
                    proptest::strategy::Just("progress".to_string()),
                    proptest::strategy::Just("lock".to_string()),
                    proptest::strategy::Just("problems".to_string()),
                    proptest::strategy::Just("256".to_string()),
                    "[a-z0-9_-]{1,8}",
                    ".{0,12}",
                ], 1..5),
                query in "[a-z=&%0-9.-]{0,40}",
            ) {
                let req = actix_web::test::TestRequest::default()
                    .uri(&format!("/ping/x?{query}"))
                    .to_http_request();
                if let Err(e) = parse(&req, &parts) {
                    use actix_web::ResponseError;
                    let status = e.status_code();
                    proptest::prop_assert!(status.is_client_error(), "{status} for {parts:?}?{query}");
                    proptest::prop_assert!(!e.to_string().is_empty());
                }
            }
        }
}
