//! The dashboard's files, embedded at build time (see `build.rs`), and the fallback
//! that answers any other browser path with the app (client-side routes such as
//! `/monitors/<id>` are deep links into it).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::http::error::ApiError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

/// No inline script or style, nothing from elsewhere, no framing: an injected string
/// that slipped past escaping still could not run.
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
                   style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                   frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// A file: content type, bytes, gzipped bytes.
type Asset = (&'static str, &'static [u8], &'static [u8]);

fn find(path: &str) -> Option<Asset> {
    embedded::ASSETS
        .iter()
        .find(|(p, _, _, _)| *p == path)
        .map(|(_, ct, bytes, gz)| (*ct, *bytes, *gz))
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")))
}

fn file(req: &HttpRequest, (ct, bytes, gz): Asset, cache: &'static str) -> HttpResponse {
    let mut r = HttpResponse::Ok();
    r.insert_header((header::VARY, "Accept-Encoding"));
    let body = if accepts_gzip(req) {
        r.insert_header((header::CONTENT_ENCODING, "gzip"));
        gz
    } else {
        bytes
    };
    r.content_type(ct)
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .body(body)
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
    if let Some(asset) = find(path.trim_start_matches('/')) {
        // Revalidated each time: the files change with every release of the binary.
        return Ok(file(&req, asset, "no-cache"));
    }
    match find("index.html") {
        Some(asset) => Ok(file(&req, asset, "no-cache")),
        None => Err(ApiError::NotFound("this build has no dashboard".into())),
    }
}
