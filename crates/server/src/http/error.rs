//! The one mapping from errors to HTTP: every error body is `{"error": "<what to fix>"}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use overdue_storage::StoreError;
use overdue_types::ErrorBody;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no or wrong API key.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 403: the key may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 405: this URL takes another method; the message says which.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409.
    #[error("{0}")]
    Conflict(String),
    /// 408: the request body did not arrive in time.
    #[error("{0}")]
    Timeout(String),
    /// 413: the body is over a limit; the message says which.
    #[error("{0}")]
    TooLarge(String),
    /// 429: too many attempts; retry after this many seconds.
    #[error("{0}")]
    TooMany(String, i64),
    /// 503: the database is unreachable; retry later.
    #[error("{0}")]
    Unavailable(String),
    /// 500: a bug. The message is logged, not shown.
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(format!("{what} not found")),
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::Invalid(m) => ApiError::BadRequest(m),
            StoreError::Limited(m, wait) => ApiError::TooMany(m, wait),
            StoreError::Capped(m) => ApiError::Forbidden(m),
            StoreError::SecondFactor { missing } => ApiError::Unauthorized(if missing {
                overdue_storage::base::error::ASK_CODE
            } else {
                overdue_storage::base::error::WRONG_CODE
            }),
            e if e.is_unique_violation() => ApiError::Conflict(e.to_string()),
            StoreError::Unavailable(m) => {
                ApiError::Unavailable(format!("database unavailable: {m}"))
            }
            e if e.is_bad_data() => ApiError::BadRequest(
                "a value holds a character the database cannot store (such as a NUL byte) \
                 or is out of range: remove it"
                    .into(),
            ),
            e @ StoreError::Db(_) if e.is_transient() => ApiError::Unavailable(e.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// What any error shows a client: its status, its `Retry-After` (seconds) and the
/// message — the one policy behind both renderings (JSON for the APIs, plain text for
/// the ping protocol). An internal error is logged with a short id that the client also
/// sees; nothing of it but the id leaves the process.
pub struct Public {
    /// The HTTP status.
    pub status: StatusCode,
    /// `Retry-After` in seconds, for 429 and 503.
    pub retry_after: Option<i64>,
    /// What to fix, in plain words.
    pub message: String,
}

impl ApiError {
    /// The status, retry hint and message clients see; logs what they do not.
    pub fn public(&self) -> Public {
        let status = self.status_code();
        let (retry_after, message) = match self {
            ApiError::Internal(m) => {
                let id = error_id();
                tracing::error!(error_id = %id, "internal error {id}: {m}");
                (
                    None,
                    format!("internal error (id {id}): the server's log has the details"),
                )
            }
            ApiError::Unavailable(m) => {
                tracing::warn!("{m}");
                (Some(5), "database unavailable, retry later".to_string())
            }
            ApiError::TooMany(m, secs) => (Some(*secs), m.clone()),
            other => (None, other.to_string()),
        };
        Public {
            status,
            retry_after,
            message,
        }
    }
}

/// A short random id that ties an answer to its log line.
fn error_id() -> String {
    let mut id = uuid::Uuid::new_v4().simple().to_string();
    id.truncate(8);
    id
}

impl Public {
    /// The response with its status and `Retry-After`; the body is set by the caller.
    pub fn builder(&self) -> actix_web::HttpResponseBuilder {
        let mut resp = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after {
            resp.insert_header(("Retry-After", secs.to_string()));
        }
        resp
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooMany(..) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let public = self.public();
        public.builder().json(ErrorBody {
            error: public.message,
        })
    }
}

/// The message of a body that did not arrive within the body timeout.
pub const BODY_TIMEOUT: &str = "the request body did not arrive in time: send it whole, promptly";

/// Whether a body read failed because the body was too slow (see `body_timeout`).
pub fn timed_out(e: &actix_web::error::PayloadError) -> bool {
    matches!(e, actix_web::error::PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

/// A body that could not be read whole: too slow (408) or broken off (400). Nothing of
/// the request is stored.
pub fn body_error(e: &actix_web::error::PayloadError) -> ApiError {
    if timed_out(e) {
        ApiError::Timeout(BODY_TIMEOUT.into())
    } else {
        ApiError::BadRequest(format!("the body could not be read whole: {e}"))
    }
}

/// Turns actix's JSON extraction errors into a 400 that says what to fix.
pub fn json_error(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let msg = match &err {
        J::ContentType => "send the body as JSON with Content-Type: application/json".to_string(),
        J::OverflowKnownLength { length, limit } => {
            return ApiError::TooLarge(format!(
                "body is {length} bytes, the limit is {limit}: send less"
            ))
            .into()
        }
        J::Overflow { limit } => {
            return ApiError::TooLarge(format!(
                "body is larger than the limit of {limit} bytes: send less"
            ))
            .into()
        }
        J::Payload(p) if timed_out(p) => return body_error(p).into(),
        J::Deserialize(e) if e.is_data() => format!("wrong field type or value: {e}"),
        J::Deserialize(e) => format!("invalid JSON: {e}"),
        other => format!("invalid request body: {other}"),
    };
    ApiError::BadRequest(msg).into()
}

/// Turns path extraction errors into a 400.
pub fn path_error(
    err: actix_web::error::PathError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::BadRequest(format!("invalid URL: {err}")).into()
}

/// Turns query-string extraction errors into a 400.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::BadRequest(format!("invalid query string: {err}")).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_policy_for_every_error() {
        let unavailable = ApiError::from(StoreError::Unavailable("pool timed out".into()));
        let p = unavailable.public();
        assert_eq!(p.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(p.retry_after, Some(5), "every 503 says when to retry");
        assert!(!p.message.contains("pool"), "internals stay in the log");

        let internal = ApiError::from(StoreError::Internal("unreadable rules".into()));
        let p = internal.public();
        assert_eq!(
            p.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "a bug is never a 503"
        );
        assert_eq!(p.retry_after, None);
        assert!(
            p.message.starts_with("internal error (id "),
            "{}",
            p.message
        );
        assert!(!p.message.contains("unreadable"), "{}", p.message);

        let bug = ApiError::from(StoreError::Db(diesel_not_found()));
        assert_eq!(bug.status_code(), StatusCode::INTERNAL_SERVER_ERROR);

        let many = ApiError::TooMany("slow down".into(), 42).public();
        assert_eq!(many.retry_after, Some(42));
    }

    /// diesel's `NotFound` from a query that expected a row: a bug, not an outage.
    fn diesel_not_found() -> overdue_storage::DbError {
        overdue_storage::DbError::NotFound
    }
}
