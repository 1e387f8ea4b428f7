//! Every request body must arrive within `body_timeout` of its headers (slow headers
//! are actix's `client_request_timeout`): a client that declares 100 bytes and trickles
//! 3 would otherwise hold a connection, and a few thousand of them every descriptor.
//! The body stream of every request is wrapped here, so no route can forget it; a
//! handler that sees the timeout answers 408 and stores nothing.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage};
use futures_util::StreamExt;

use crate::AppState;

/// Wraps the request's body in the deadline.
pub async fn deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.body_timeout)
        .unwrap_or(std::time::Duration::from_secs(30));
    let until = tokio::time::Instant::now() + limit;
    let payload = req.take_payload();
    // No body at all (most pings are bodiless GETs): nothing to wait for, and no timer.
    if matches!(payload, Payload::None) {
        return next.call(req).await;
    }
    let timed = futures_util::stream::unfold(Some(payload), move |p| async move {
        let mut p = p?;
        match tokio::time::timeout_at(until, p.next()).await {
            Ok(Some(item)) => Some((item, Some(p))),
            Ok(None) => None,
            // One error, then the end: the handler refuses the request.
            Err(_) => Some((
                Err(PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    crate::http::error::BODY_TIMEOUT,
                ))),
                None,
            )),
        }
    });
    req.set_payload(Payload::Stream {
        payload: Box::pin(timed),
    });
    next.call(req).await
}
