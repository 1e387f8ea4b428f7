//! Taking a delivery of flow events over HTTP (docs/behaviour.md, "What senders send"):
//! the body out of its envelope (plain events, CloudEvents structured, binary or
//! batched, a Pub/Sub push), each event read through the flow's mapping, what cannot
//! be read kept aside — all in one unit of work, so the answer means stored. The batch
//! URL and the push URL both come here.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse};
use overdue_core::flow::read::{self, Form};
use overdue_storage::flows::intake::Intake;
use overdue_storage::flows::FlowRow;
use overdue_types as t;

use crate::http::error::ApiError;
use crate::AppState;

/// Most events in one request.
pub const MAX_EVENTS: usize = 10_000;
/// Largest body of events.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// What a delivery did, and the form it came in.
#[derive(Debug)]
pub struct Taken {
    /// The answer's body.
    pub result: t::FlowEventsResult,
    /// The envelope.
    pub form: Form,
}

impl Taken {
    /// 200 when every event was read; 422 when some were kept aside (the rest are
    /// stored) — except for a Pub/Sub push, where anything but a 2xx is redelivered for
    /// days: what is kept aside is dealt with on the Flows page, not by the sender.
    pub fn answer(self) -> HttpResponse {
        if self.result.kept_aside > 0 && self.form != Form::PubSub {
            HttpResponse::UnprocessableEntity().json(self.result)
        } else {
            HttpResponse::Ok().json(self.result)
        }
    }
}

/// The request's `ce-*` headers (CloudEvents binary mode), names without the prefix.
fn ce_headers(req: &HttpRequest) -> Vec<(String, String)> {
    req.headers()
        .iter()
        .filter_map(|(k, v)| {
            let name = k.as_str().to_ascii_lowercase();
            let attr = name.strip_prefix("ce-")?;
            Some((attr.to_string(), v.to_str().ok()?.to_string()))
        })
        .collect()
}

/// Reads `body` as events of `flow` and stores them with what is kept aside.
pub async fn take(
    state: &AppState,
    req: &HttpRequest,
    flow: FlowRow,
    body: &[u8],
    source: &str,
) -> Result<Taken, ApiError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let (form, items) = read::envelope(content_type, &ce_headers(req), body);
    let now = state.store.now().0;
    let def = flow.def();
    let mut intake = Intake::default();
    let sender = crate::http::rate::Sender::Project(&flow.project_id);
    match items {
        Err(u) => {
            crate::http::rate::admit(state, sender, 1).await?;
            intake.keep(Some(&flow), source, u.reason, &u.raw)
        }
        Ok(items) => {
            let n: usize = items
                .iter()
                .map(|i| match i {
                    Ok(i) => i.data.as_array().map_or(1, Vec::len),
                    Err(_) => 1,
                })
                .sum();
            if n > MAX_EVENTS {
                return Err(ApiError::TooLarge(format!(
                    "{n} events in one request: send at most {MAX_EVENTS} events per request"
                )));
            }
            crate::http::rate::admit(state, sender, n.max(1)).await?;
            intake.read(&flow, &def, items, source, None, None, now);
        }
    }
    let problems = intake.problems();
    let Intake { events, unread } = intake;
    let (read, kept_aside) = (events.len(), unread.len());
    let out = state
        .store
        .write(move |tx| overdue_storage::flows::intake::store(tx, &flow, &events, &unread))
        .await?;
    if kept_aside > 0 {
        tracing::info!(
            "{kept_aside} flow events kept aside ({source}): {}",
            problems[0]
        );
    }
    Ok(Taken {
        result: t::FlowEventsResult {
            stored: out.len(),
            applied: out.iter().filter(|e| e.applied).count(),
            duplicates: read - out.len(),
            kept_aside,
            error: problems.first().map(|first| {
                format!(
                    "{kept_aside} event(s) could not be read and were kept aside (GET /api/v1/kept-aside; the Flows page), the rest stored: {first}"
                )
            }),
            problems,
        },
        form,
    })
}
