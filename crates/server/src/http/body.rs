//! JSON request bodies whose errors name the field: `concurrency: invalid type: string
//! "one", expected u32` instead of a line and column. The refusal is kept until the
//! handler asks for the value, after it checked who is asking: a caller without the
//! right key learns 401 or 403, never what the body should have held.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::http::error::ApiError;

/// How JSON bodies are read everywhere: up to 256 KiB, refusals in plain words.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(256 * 1024)
        .error_handler(crate::http::error::json_error)
}

/// A JSON body of type `T` (content type, size limit and syntax as `web::Json`), or
/// why it was refused.
#[derive(Debug)]
pub struct Body<T>(Result<T, ApiError>);

impl<T> Body<T> {
    /// The value, or the 4xx that says what to fix. Call it after the access checks.
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Body<T>, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = match json.await {
                Ok(v) => v.into_inner(),
                Err(e) => {
                    // The JSON layer's refusal, already in plain words (`json_error`).
                    let status = e.as_response_error().status_code();
                    let msg = e.to_string();
                    return Ok(Body(Err(match status.as_u16() {
                        408 => ApiError::Timeout(msg),
                        413 => ApiError::TooLarge(msg),
                        _ => ApiError::BadRequest(msg),
                    })));
                }
            };
            // The audit log keeps the fields sent, secrets masked; a sign-in's or a
            // password's fields say nothing its action does not.
            overdue_storage::base::audit::fill(|e| {
                if e.object != "account" {
                    e.fields = overdue_storage::base::audit::masked(&value);
                }
            });
            Ok(Body(typed(value)))
        })
    }
}

/// `value` read as `T`, or a 400 naming the field and what was wrong with it in plain
/// words.
pub fn typed<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut path = e.path().to_string();
        let raw = e.into_inner().to_string();
        // An unknown field's path ends with the field itself: name the object it is in.
        if let Some(name) = raw
            .strip_prefix("unknown field `")
            .and_then(|r| r.split_once('`'))
            .map(|(n, _)| n)
        {
            path = match path.strip_suffix(name) {
                Some("") => ".".into(),
                Some(p) => p.trim_end_matches('.').to_string(),
                None => path,
            };
        }
        let inner = plain(&raw);
        let msg = if path == "." {
            inner
        } else {
            format!("{path}: {inner}")
        };
        ApiError::BadRequest(msg)
    })
}

/// A JSON body that may be left out: no body at all reads as `T::default()` (a POST
/// that needs nothing more, such as an acknowledgement without a note); a body is read
/// as [`Body`] reads it.
pub struct MaybeBody<T>(Body<T>);

impl<T> MaybeBody<T> {
    /// The value, or the 4xx that says what to fix. Call it after the access checks.
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0.into_inner()
    }
}

impl<T: DeserializeOwned + Default + 'static> FromRequest for MaybeBody<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<MaybeBody<T>, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let headers = req.headers();
        let empty = !headers.contains_key("transfer-encoding")
            && headers
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .is_none_or(|v| v.trim() == "0");
        if empty {
            return Box::pin(async { Ok(MaybeBody(Body(Ok(T::default())))) });
        }
        let inner = Body::<T>::from_request(req, payload);
        Box::pin(async move { inner.await.map(MaybeBody) })
    }
}

/// serde's wording in plain words: an unknown field is named with the accepted ones
/// ("unknown field \"grcae\": the accepted fields are name, slug, …"), quotes are quotes.
fn plain(msg: &str) -> String {
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        if let Some((name, accepted)) = rest.split_once('`') {
            let accepted = accepted
                .trim_start_matches(", expected ")
                .trim_start_matches("one of ")
                .replace('`', "")
                .replace(" or ", ", ");
            return if accepted.starts_with("there are no fields") {
                format!("unknown field \"{name}\": this body takes no fields")
            } else {
                format!("unknown field \"{name}\": the accepted fields are {accepted}")
            };
        }
    }
    msg.replace('`', "\"")
}

/// A request body read whole up to `limit` bytes; past it, a 413 that says what to send
/// instead (`hint`).
pub async fn read_capped(
    mut payload: web::Payload,
    limit: usize,
    hint: &str,
) -> Result<Vec<u8>, ApiError> {
    use futures_util::StreamExt;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| crate::http::error::body_error(&e))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::TooLarge(format!(
                "the body is over {} MB: {hint}",
                limit / 1024 / 1024
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn unknown_fields_in_plain_words() {
        assert_eq!(
            plain("unknown field `grcae`, expected one of `name`, `grace`"),
            "unknown field \"grcae\": the accepted fields are name, grace"
        );
        assert_eq!(
            plain("unknown field `x`, expected `monitor` or `within`"),
            "unknown field \"x\": the accepted fields are monitor, within"
        );
        assert_eq!(plain("missing field `within`"), "missing field \"within\"");
    }
}
