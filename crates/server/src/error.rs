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
    /// 409.
    #[error("{0}")]
    Conflict(String),
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
            e if e.is_unique_violation() => ApiError::Conflict(e.to_string()),
            StoreError::Unavailable(m) => {
                ApiError::Unavailable(format!("database unavailable: {m}"))
            }
            StoreError::Db(e) => ApiError::Unavailable(format!("database error: {e}")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooMany(..) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            ApiError::Internal(m) => {
                tracing::error!("internal error: {m}");
                "internal error".to_string()
            }
            ApiError::Unavailable(m) => {
                tracing::warn!("{m}");
                "database unavailable, retry later".to_string()
            }
            other => other.to_string(),
        };
        let mut resp = HttpResponse::build(self.status_code());
        if matches!(self, ApiError::Unavailable(_)) {
            resp.insert_header(("Retry-After", "5"));
        }
        if let ApiError::TooMany(_, secs) = self {
            resp.insert_header(("Retry-After", secs.to_string()));
        }
        resp.json(ErrorBody { error: message })
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
            format!("body is {length} bytes, the limit is {limit}")
        }
        J::Overflow { limit } => format!("body is larger than the limit of {limit} bytes"),
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
