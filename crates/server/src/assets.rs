//! The dashboard's files, embedded at build time (see `build.rs`), and the fallback
//! that answers any other browser path with the app (client-side routes such as
//! `/monitors/<id>` are deep links into it).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::error::ApiError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

/// No inline script or style, nothing from elsewhere, no framing: an injected string
/// that slipped past escaping still could not run.
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
                   style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                   frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn find(path: &str) -> Option<(&'static str, &'static [u8])> {
    embedded::ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|(_, ct, bytes)| (*ct, *bytes))
}

fn file(ct: &'static str, bytes: &'static [u8], cache: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ct)
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .body(bytes)
}

/// Paths that belong to the APIs: never answered with the app.
fn is_api(path: &str) -> bool {
    ["/api/", "/ping/", "/health/"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// The default service: a dashboard file, the app for other browser paths, else the
/// API's JSON 404.
pub async fn fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    let get = matches!(req.method().as_str(), "GET" | "HEAD");
    if !get || is_api(path) {
        return Err(ApiError::NotFound("no such endpoint".into()));
    }
    if let Some((ct, bytes)) = find(path.trim_start_matches('/')) {
        // Revalidated each time: the files change with every release of the binary.
        return Ok(file(ct, bytes, "no-cache"));
    }
    match find("index.html") {
        Some((ct, bytes)) => Ok(file(ct, bytes, "no-cache")),
        None => Err(ApiError::NotFound("this build has no dashboard".into())),
    }
}
