//! The one parser of each value that arrives in URLs: query parameters, run ids and
//! slugs. Every handler (pings, leases, problems, the APIs) uses these, so a value one
//! endpoint accepts is accepted by all of them.

use actix_web::HttpRequest;
use uuid::Uuid;

use crate::http::error::ApiError;

/// A query parameter's value (percent-decoded), the first if repeated.
pub fn query_value(req: &HttpRequest, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A run id: a UUID in its canonical hyphenated form (36 characters, either case, as
/// Healthchecks' URLs take it); `field` names it in the refusal. Other UUID spellings
/// (32 hex digits, braces, `urn:uuid:`) are refused on every path alike.
pub fn rid(text: &str, field: &str) -> Result<Uuid, ApiError> {
    let what = match field {
        "parent" => "parent must be the parent run's rid",
        "rid" => "rid must be a UUID",
        other => other,
    };
    canonical_uuid(text.trim())
        .ok_or_else(|| ApiError::BadRequest(format!("invalid uuid format: {what}")))
}

pub use overdue_core::ids::canonical_uuid;

/// Checks an IANA time zone name (`UTC`, `Europe/Riga`): one rule and one message for
/// monitors and projects.
pub fn zone(name: &str) -> Result<(), ApiError> {
    name.parse::<overdue_core::schedule::Tz>()
        .map(|_| ())
        .map_err(|_| {
            ApiError::BadRequest(format!(
                "invalid timezone {name:?}: use an IANA name such as \"UTC\" or \"Europe/Riga\""
            ))
        })
}

/// The run id in query parameter `name`, if given and not empty.
pub fn query_rid(req: &HttpRequest, name: &str) -> Result<Option<Uuid>, ApiError> {
    match query_value(req, name).filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(v) => rid(&v, name).map(Some),
    }
}

/// Longest slug.
pub const MAX_SLUG: usize = 100;

/// A slug: 1 to 100 lowercase letters, digits, `-` and `_` (as Healthchecks) — the same
/// rule for the APIs and for monitors created by `?create=1`.
pub fn slug(s: &str) -> Result<String, ApiError> {
    if s.is_empty()
        || s.len() > MAX_SLUG
        || !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        let shown: String = s.chars().take(40).collect();
        let more = if s.chars().count() > 40 { "…" } else { "" };
        return Err(ApiError::BadRequest(format!(
            "slug {shown:?}{more} is invalid: use 1-{MAX_SLUG} lowercase letters, digits, '-' or '_'"
        )));
    }
    Ok(s.to_string())
}

/// `?limit=` of history lists: 1 to 1,000, 100 when not given.
#[derive(serde::Deserialize)]
pub struct Limit {
    limit: Option<i64>,
}

impl Limit {
    /// The limit, or a 400 saying the range.
    pub fn get(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(100),
            Some(n) if (1..=1_000).contains(&n) => Ok(n),
            Some(n) => Err(ApiError::BadRequest(format!(
                "limit must be 1-1000, got {n}"
            ))),
        }
    }
}

/// A numeric id from a path (a problem's, an alert's): a positive integer, or a 400
/// naming `what`.
pub fn number_id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::BadRequest(format!("malformed {what} id {raw:?}: a number")))
}

/// A time in RFC 3339 (`field` names it in the refusal).
pub fn time_of(field: &str, text: &str) -> Result<overdue_core::Timestamp, ApiError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|d| overdue_core::Timestamp(d.timestamp_millis()))
        .map_err(|_| {
            ApiError::BadRequest(format!(
                "{field} must be a time in RFC 3339 (2026-12-02T22:30:00+02:00), got {text:?}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rids_are_canonical_uuids_in_either_case() {
        let a = rid("5d9e2a4c-7f31-4c5b-9a0e-2f6d8c1b3a77", "rid").unwrap();
        assert_eq!(
            rid("5D9E2A4C-7F31-4C5B-9A0E-2F6D8C1B3A77", "rid").unwrap(),
            a
        );
        assert!(rid("5d9e2a4c7f314c5b9a0e2f6d8c1b3a77", "rid").is_err());
        assert!(rid("{5d9e2a4c-7f31-4c5b-9a0e-2f6d8c1b3a77}", "rid").is_err());
        assert!(rid("5d9e2a4c", "rid").is_err());
        assert!(rid("", "rid").is_err());
    }

    #[test]
    fn slugs() {
        assert!(slug("db-backup_2").is_ok());
        assert!(slug("").is_err());
        assert!(slug("Upper").is_err());
        assert!(slug(&"a".repeat(100)).is_ok());
        let long = slug(&"a".repeat(30_000)).unwrap_err().to_string();
        assert!(long.len() < 200, "{long}");
    }
}
