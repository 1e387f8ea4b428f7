//! One batch of broker messages (docs/behaviour.md, "Flows (entity SLAs)", "What
//! senders send"): each message out of its envelope (Overdue's own events, a flow's
//! mapped events, a CloudEvent), its flow told by the binding its routing key came
//! through or by a field, its time and id from the message's properties when the body
//! has none; what cannot be read is kept aside (and the message dead-lettered); the
//! rest applied in chunks, then acknowledged.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use lapin::options::{BasicAckOptions, BasicRejectOptions};
use overdue_core::flow::read;
use overdue_core::flow::FlowDef;
use overdue_storage::flows::intake::{event_in, Intake};
use overdue_storage::flows::{self, aside, ConsumerStats, EventIn, FlowRow};
use overdue_storage::Store;

use super::AmqpOptions;

/// A binding of the queue to the exchange: a routing key or topic pattern, and the flow
/// its messages feed (none: the message names its flow in a field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// `orders.created`, `orders.*`, `orders.#`.
    pub pattern: String,
    /// The flow's slug.
    pub flow: Option<String>,
}

/// Reads `OVERDUE_AMQP_BINDINGS`: `pattern[=flow]` separated by commas
/// (`orders.#=orders,payments.*=payments,events.#`).
pub fn parse_bindings(text: &str) -> Result<Vec<Binding>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (pattern, flow) = match part.split_once('=') {
            Some((p, f)) => (p.trim(), Some(f.trim())),
            None => (part, None),
        };
        if pattern.is_empty() || pattern.len() > 255 || pattern.contains(char::is_whitespace) {
            return Err(format!(
                "{part:?} is not a binding: give a routing key or pattern (orders.#), optionally =flow"
            ));
        }
        if let Some(f) = flow {
            if overdue_core::flow::slug_of(f).as_deref() != Some(f) {
                return Err(format!("{part:?}: {f:?} is not a flow's slug"));
            }
        }
        out.push(Binding {
            pattern: pattern.to_string(),
            flow: flow.map(str::to_string),
        });
    }
    Ok(out)
}

/// The flow the binding of `routing_key` names (the first that matches and names one).
fn bound_flow<'a>(bindings: &'a [Binding], routing_key: &str) -> Option<&'a str> {
    bindings
        .iter()
        .filter(|b| read::topic_matches(&b.pattern, routing_key))
        .find_map(|b| b.flow.as_deref())
}

/// Events applied in one write transaction at most. On SQLite, where writes share the
/// one writer with pings, a transaction that took longer than [`CHUNK_TIME`] halves the
/// next one's size (down to [`MIN_CHUNK`]), so one big message never holds the writer
/// long enough to starve pings; on PostgreSQL a write runs on its own connection beside
/// the ping writers, and chunks stay whole.
const MAX_CHUNK: usize = 1_000;
/// The smallest chunk: below it a transaction's fixed cost would dominate.
const MIN_CHUNK: usize = 100;
/// The time one chunk of events should take at most.
const CHUNK_TIME: Duration = Duration::from_millis(50);

/// A batch read: the events per flow, what is kept aside, and which messages had
/// something that could not be read.
struct Read {
    per_flow: Vec<(FlowRow, Vec<EventIn>)>,
    intake: Intake,
    spoiled: Vec<bool>,
}

/// Reads every message of the batch against the project's flows.
fn read_batch(
    opts: &AmqpOptions,
    flows: &HashMap<String, (FlowRow, FlowDef)>,
    batch: &[lapin::message::Delivery],
    now: i64,
) -> Read {
    let mut out = Read {
        per_flow: Vec::new(),
        intake: Intake::default(),
        spoiled: Vec::with_capacity(batch.len()),
    };
    for d in batch {
        let kept_before = out.intake.unread.len();
        let props = &d.properties;
        let sent = props
            .timestamp()
            .and_then(|s| i64::try_from(s).ok())
            .map(|s| s * 1_000);
        let message_id = props.message_id().as_ref().map(|m| m.as_str().to_string());
        let content_type = props
            .content_type()
            .as_ref()
            .map(|c| c.as_str().to_string());
        let key = d.routing_key.as_str();
        let bound = bound_flow(&opts.bindings, key).and_then(|s| flows.get(s));
        let flow_of = |v: &serde_json::Value| {
            bound.or_else(|| {
                read::flow_named(v, &opts.flow_field).and_then(|s| flows.get(&s.to_lowercase()))
            })
        };
        let (_, items) = read::envelope(content_type.as_deref(), &[], &d.data);
        let items = match items {
            Ok(items) => items,
            Err(u) => vec![Err(u)],
        };
        let several = items.len() > 1;
        let mut n = 0;
        for item in items {
            let mut item = match item {
                Ok(i) => i,
                Err(u) => {
                    let flow = bound.map(|(f, _)| f);
                    out.intake
                        .keep(flow, "amqp", label(several, n, &u.reason), &u.raw);
                    n += 1;
                    continue;
                }
            };
            item.at = item.at.or(sent);
            item.id = item.id.or_else(|| message_id.clone());
            let events = read::events_of(item);
            let several = several || events.len() > 1;
            for (v, at, id) in events {
                let Some((flow, def)) = flow_of(&v) else {
                    let why = format!(
                        "no flow of this project for it: the routing key {key:?} matches no binding that names a flow, and its {:?} field names none",
                        opts.flow_field
                    );
                    out.intake
                        .keep(None, "amqp", label(several, n, &why), &v.to_string());
                    n += 1;
                    continue;
                };
                match event_in(def, &v, at, id, now) {
                    Ok(e) => match out.per_flow.iter_mut().find(|(f, _)| f.id == flow.id) {
                        Some((_, list)) => list.push(e),
                        None => out.per_flow.push((flow.clone(), vec![e])),
                    },
                    Err(why) => {
                        let why = label(several, n, &why);
                        out.intake.keep(Some(flow), "amqp", why, &v.to_string());
                    }
                }
                n += 1;
            }
        }
        out.spoiled.push(out.intake.unread.len() > kept_before);
    }
    out
}

/// `why`, prefixed by the event's place in its message when it held several.
fn label(several: bool, n: usize, why: &str) -> String {
    if several {
        format!("event {n}: {why}")
    } else {
        why.to_string()
    }
}

/// Stores a batch and acknowledges it after the last commit. What cannot be read is
/// kept aside first, and its message rejected without requeue (to the queue's
/// dead-letter exchange when it has one); the readable events are applied in chunks
/// (events are idempotent, and a message id seen before is skipped: a message
/// redelivered after a crash between chunks applies again to the same result).
pub(super) async fn settle(
    store: &Store,
    stats: &ConsumerStats,
    opts: &AmqpOptions,
    batch: Vec<lapin::message::Delivery>,
) -> Result<(), String> {
    let project = opts.project.clone();
    let all = store
        .read(move |c| flows::list(c, &project))
        .await
        .map_err(|e| format!("reading the project's flows failed: {e}"))?;
    let by_slug: HashMap<String, (FlowRow, FlowDef)> = all
        .into_iter()
        .map(|f| {
            let def = f.def();
            (f.slug.clone(), (f, def))
        })
        .collect();
    let now = store.now().0;
    let Read {
        per_flow,
        intake,
        spoiled,
    } = read_batch(opts, &by_slug, &batch, now);
    if !intake.unread.is_empty() {
        for u in &intake.unread {
            tracing::warn!(
                "flow event kept aside ({}): {}",
                u.reason,
                u.raw.chars().take(200).collect::<String>()
            );
        }
        let (project, unread) = (opts.project.clone(), intake.unread);
        stats
            .kept_aside
            .fetch_add(unread.len() as u64, Ordering::Relaxed);
        store
            .write(move |tx| aside::keep(tx, &project, &unread))
            .await
            .map_err(|e| format!("keeping flow events aside failed: {e}"))?;
    }
    let adaptive = store.is_sqlite();
    for (flow, events) in per_flow {
        let mut size = MAX_CHUNK;
        let mut at = 0;
        while at < events.len() {
            let end = (at + size).min(events.len());
            let (chunk, f) = (events[at..end].to_vec(), flow.clone());
            let started = std::time::Instant::now();
            store
                .write(move |tx| flows::apply_events(tx, &f, &chunk).map(|_| ()))
                .await
                .map_err(|e| format!("storing flow events failed: {e}"))?;
            let took = started.elapsed();
            if adaptive {
                size = if took > CHUNK_TIME {
                    (size / 2).max(MIN_CHUNK)
                } else {
                    (size * 2).min(MAX_CHUNK)
                };
            }
            at = end;
        }
    }
    let mut last_good = None;
    for (d, bad) in batch.iter().zip(&spoiled) {
        if *bad {
            stats.rejected.fetch_add(1, Ordering::Relaxed);
            d.reject(BasicRejectOptions { requeue: false })
                .await
                .map_err(|e| e.to_string())?;
        } else {
            stats.stored.fetch_add(1, Ordering::Relaxed);
            last_good = Some(d);
        }
    }
    if let Some(d) = last_good {
        d.ack(BasicAckOptions { multiple: true })
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_read() {
        let b = parse_bindings("orders.#=orders, payments.*=payments ,events.#").unwrap();
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].flow.as_deref(), Some("orders"));
        assert_eq!(b[2].flow, None);
        assert_eq!(bound_flow(&b, "orders.created.eu"), Some("orders"));
        assert_eq!(bound_flow(&b, "payments.done"), Some("payments"));
        assert_eq!(bound_flow(&b, "events.x"), None);
        assert!(parse_bindings("a b=orders").is_err());
        assert!(parse_bindings("orders.#=Not A Slug").is_err());
        assert_eq!(parse_bindings("").unwrap(), Vec::new());
    }
}
