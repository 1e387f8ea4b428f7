//! Flow events from a message broker (docs/behaviour.md, "Flows (entity SLAs)"): consumes
//! an AMQP 0-9-1 queue (an
//! existing one as it is, declared passively; a missing one declared durable), each
//! message one event `{"flow", "entity", "stage", "at"}` or a list. Messages are taken
//! in batches (the prefetch window), written in one unit of work, and acknowledged
//! only after it committed (`multiple`, up to the batch's last tag): a crash before
//! that redelivers them, which is harmless (events are idempotent). A malformed message
//! is rejected without requeue (dead-lettered when the queue has a dead-letter
//! exchange), counted and logged. Broker down: everything else goes on; the consumer
//! reconnects with backoff.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicQosOptions, BasicRejectOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties};
use overdue_storage::flows::{self, ConsumerStats, EventIn};
use overdue_storage::{Store, StoreError};
use serde::Deserialize;

/// Unacknowledged messages the broker may hand over at once (one batch at most).
const PREFETCH: u16 = 500;
/// How long the consumer waits for a message before it looks whether the queue is
/// empty (and so every event up to now applied).
const IDLE_CHECK: Duration = Duration::from_millis(300);
/// Longest pause between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long connecting and setting up the consumer, or asking the queue's length, may
/// take before the connection is given up and tried again.
const SETUP_TIMEOUT: Duration = Duration::from_secs(20);

/// Where to consume from.
#[derive(Debug, Clone)]
pub struct AmqpOptions {
    /// `amqp://user:pass@host:5672/%2f`.
    pub url: String,
    /// The queue.
    pub queue: String,
    /// The project whose flows the queue feeds (resolved at start: docs/behaviour.md, "Flows (entity SLAs)").
    pub project: String,
}

/// One event in a message.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Message {
    flow: String,
    entity: String,
    stage: String,
    #[serde(default)]
    at: Option<String>,
}

/// A message's events by flow, or why it is malformed. `sent`: the message's
/// timestamp property (ms), the `at` of events without one.
fn parse(body: &[u8], sent: Option<i64>) -> Result<Vec<(String, EventIn)>, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let list = match value {
        serde_json::Value::Array(a) => a,
        one => vec![one],
    };
    if list.is_empty() {
        return Err("an empty list".into());
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, v) in list.into_iter().enumerate() {
        let m: Message = serde_json::from_value(v).map_err(|e| format!("event {i}: {e}"))?;
        let at = match m.at.as_deref() {
            Some(text) => Some(
                chrono::DateTime::parse_from_rfc3339(text)
                    .map_err(|_| format!("event {i}: at {text:?} is not RFC 3339"))?
                    .timestamp_millis(),
            ),
            None => sent,
        };
        out.push((
            m.flow,
            EventIn {
                entity: m.entity,
                stage: m.stage,
                at,
                attributes: None,
            },
        ));
    }
    Ok(out)
}

/// Consumes until `shutdown` resolves, reconnecting after any failure.
pub async fn run(
    store: Store,
    opts: AmqpOptions,
    stats: Arc<ConsumerStats>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut backoff = Duration::from_secs(1);
    loop {
        let session = consume(&store, &opts, &stats, &mut backoff);
        tokio::select! {
            _ = &mut shutdown => return,
            r = session => {
                stats.connected.store(false, Ordering::Relaxed);
                if let Err(e) = r {
                    tracing::warn!("flow events from {}: {e}; reconnecting in {backoff:?}", opts.queue);
                }
            }
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One connection's life: declare, consume, store, acknowledge.
async fn consume(
    store: &Store,
    opts: &AmqpOptions,
    stats: &ConsumerStats,
    backoff: &mut Duration,
) -> Result<(), String> {
    // A broker that takes the connection but never answers (booting, stopping, blocked)
    // would hold the consumer for ever: the setup gets a deadline and is tried again.
    let (conn, channel, mut consumer) = open_within(opts).await?;
    // Held for the session's life.
    let _conn = conn;
    let err = |e: lapin::Error| e.to_string();
    let queue = opts.queue.as_str();
    stats.connected.store(true, Ordering::Relaxed);
    *backoff = Duration::from_secs(1);
    tracing::info!("consuming flow events from queue {queue}");
    loop {
        // Idle for a moment: the queue may be empty — then everything is applied.
        let first = match tokio::time::timeout(IDLE_CHECK, consumer.next()).await {
            Err(_) => {
                caught_up(store, &channel, queue).await?;
                continue;
            }
            Ok(None) => return Err("the broker ended the consumer".into()),
            Ok(Some(d)) => d,
        };
        let mut batch = vec![first.map_err(err)?];
        // What else is already here joins the batch (one transaction for all of them).
        while batch.len() < usize::from(PREFETCH) {
            match tokio::time::timeout(Duration::from_millis(2), consumer.next()).await {
                Ok(Some(d)) => batch.push(d.map_err(err)?),
                _ => break,
            }
        }
        settle(store, stats, &opts.project, batch).await?;
        caught_up(store, &channel, queue).await?;
    }
}

/// [`open`], given up after [`SETUP_TIMEOUT`].
async fn open_within(
    opts: &AmqpOptions,
) -> Result<(Connection, lapin::Channel, lapin::Consumer), String> {
    tokio::time::timeout(SETUP_TIMEOUT, open(opts))
        .await
        .map_err(|_| format!("the broker did not answer within {SETUP_TIMEOUT:?}"))?
}

/// Connects, finds or declares the queue and starts consuming.
async fn open(opts: &AmqpOptions) -> Result<(Connection, lapin::Channel, lapin::Consumer), String> {
    let err = |e: lapin::Error| e.to_string();
    // Named, so an operator sees which connection is Overdue's (rabbitmqctl, the UI).
    let props = ConnectionProperties::default()
        .with_connection_name(format!("overdue flow events {}", opts.queue).into());
    let conn = Connection::connect(&opts.url, props).await.map_err(err)?;
    let mut channel = conn.create_channel().await.map_err(err)?;
    // An existing queue is used as it is: re-declaring a quorum or dead-lettered queue
    // with other arguments would close the channel.
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let queue = opts.queue.as_str();
    if channel
        .queue_declare(queue.into(), passive, FieldTable::default())
        .await
        .is_err()
    {
        // The refusal closed that channel.
        channel = conn.create_channel().await.map_err(err)?;
        channel
            .queue_declare(
                queue.into(),
                QueueDeclareOptions::durable(),
                FieldTable::default(),
            )
            .await
            .map_err(err)?;
    }
    channel
        .basic_qos(PREFETCH, BasicQosOptions::default())
        .await
        .map_err(err)?;
    let tag = format!("overdue-{}", uuid_like());
    let consumer = channel
        .basic_consume(
            queue.into(),
            tag.as_str().into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(err)?;
    Ok((conn, channel, consumer))
}

/// Records that events up to now are applied when the queue holds none (messages
/// taken but not yet acknowledged are not counted, and every batch is acknowledged
/// before this is asked). Breaches wait for this time.
async fn caught_up(store: &Store, channel: &lapin::Channel, queue: &str) -> Result<(), String> {
    let now = store.now();
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let asked = channel.queue_declare(queue.into(), passive, FieldTable::default());
    let q = tokio::time::timeout(SETUP_TIMEOUT, asked)
        .await
        .map_err(|_| format!("the broker did not say the queue's length within {SETUP_TIMEOUT:?}"))?
        .map_err(|e| e.to_string())?;
    if q.message_count() == 0 {
        store
            .write(move |tx| overdue_storage::base::service::caught_up(tx.conn(), now))
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
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

/// Stores a batch and acknowledges it after the last commit; rejects the malformed
/// messages. Every message is checked whole first (a refused one writes nothing); the
/// accepted events are then applied in chunks (events are idempotent: a message
/// redelivered after a crash between chunks applies again to the same result).
async fn settle(
    store: &Store,
    stats: &ConsumerStats,
    project: &str,
    batch: Vec<lapin::message::Delivery>,
) -> Result<(), String> {
    let mut good: Vec<Vec<(String, EventIn)>> = Vec::new();
    let mut verdicts: Vec<Option<String>> = Vec::with_capacity(batch.len());
    for d in &batch {
        let sent = d
            .properties
            .timestamp()
            .and_then(|s| i64::try_from(s).ok())
            .map(|s| s * 1_000);
        match parse(&d.data, sent) {
            Ok(events) => {
                good.push(events);
                verdicts.push(None);
            }
            Err(why) => verdicts.push(Some(why)),
        }
    }
    let now = store.now();
    let project = project.to_string();
    let (refused, accepted) = store
        .read(move |c| check_batch(c, &project, &good, now))
        .await
        .map_err(|e| format!("checking flow events failed: {e}"))?;
    let adaptive = store.is_sqlite();
    for (flow, events) in accepted {
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
    let mut refused = refused.into_iter();
    for v in verdicts.iter_mut() {
        if v.is_none() {
            *v = refused.next().flatten();
        }
    }
    let mut last_good = None;
    for (d, why) in batch.iter().zip(&verdicts) {
        match why {
            Some(why) => {
                tracing::warn!(
                    "flow event message rejected ({why}): {}",
                    String::from_utf8_lossy(&d.data)
                        .chars()
                        .take(200)
                        .collect::<String>()
                );
                stats.rejected.fetch_add(1, Ordering::Relaxed);
                d.reject(BasicRejectOptions { requeue: false })
                    .await
                    .map_err(|e| e.to_string())?;
            }
            None => {
                stats.stored.fetch_add(1, Ordering::Relaxed);
                last_good = Some(d);
            }
        }
    }
    if let Some(d) = last_good {
        d.ack(BasicAckOptions { multiple: true })
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// What a batch's check gives: per message `None` or why it is refused, and the
/// accepted events of each flow, in message order.
type Checked = (Vec<Option<String>>, Vec<(flows::FlowRow, Vec<EventIn>)>);

/// Checks a batch of messages, each whole, against the flows of `project` (the
/// queue's: another project's flow of the same name is never found).
fn check_batch(
    c: &mut overdue_storage::AnyConnection,
    project: &str,
    messages: &[Vec<(String, EventIn)>],
    now: overdue_core::Timestamp,
) -> Result<Checked, StoreError> {
    let mut found: HashMap<String, Result<flows::FlowRow, String>> = HashMap::new();
    let mut accepted: Vec<(flows::FlowRow, Vec<EventIn>)> = Vec::new();
    let mut verdicts = Vec::with_capacity(messages.len());
    for events in messages {
        let mut by_flow: Vec<(&str, Vec<EventIn>)> = Vec::new();
        for (slug, e) in events {
            match by_flow.iter_mut().find(|(s, _)| s == slug) {
                Some((_, list)) => list.push(e.clone()),
                None => by_flow.push((slug.as_str(), vec![e.clone()])),
            }
        }
        let mut why = None;
        for (slug, of) in &by_flow {
            if !found.contains_key(*slug) {
                let flow = match flows::get(c, project, slug) {
                    Ok(f) => Ok(f),
                    Err(StoreError::NotFound(_)) => {
                        Err(format!("no flow {slug:?} in the project this queue feeds"))
                    }
                    Err(e) => return Err(e),
                };
                found.insert(slug.to_string(), flow);
            }
            let checked = match &found[*slug] {
                Err(w) => Err(w.clone()),
                Ok(flow) => match flows::check_events(flow, of, now) {
                    Ok(()) => Ok(()),
                    Err(StoreError::Invalid(w)) => Err(w),
                    Err(e) => return Err(e),
                },
            };
            if let Err(w) = checked {
                why = Some(w);
                break;
            }
        }
        if why.is_none() {
            for (slug, of) in by_flow {
                let Some(Ok(flow)) = found.get(slug) else {
                    continue;
                };
                match accepted.iter_mut().find(|(f, _)| f.id == flow.id) {
                    Some((_, list)) => list.extend(of),
                    None => accepted.push((flow.clone(), of)),
                }
            }
        }
        verdicts.push(why);
    }
    Ok((verdicts, accepted))
}

/// A consumer tag unique enough to tell instances apart in the broker's list.
fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener that takes connections (the kernel's backlog) and never says a word:
    /// the setup gives up after its deadline instead of waiting for ever. The clock is
    /// paused, so the deadline passes as soon as nothing else can happen.
    #[tokio::test(start_paused = true)]
    async fn a_broker_that_never_answers_is_given_up() {
        // Held until the end: the port keeps taking connections.
        let _silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = _silent.local_addr().unwrap().port();
        let opts = AmqpOptions {
            url: format!("amqp://guest:guest@127.0.0.1:{port}/%2f"),
            queue: "q".into(),
            project: "p".into(),
        };
        let Err(err) = open_within(&opts).await else {
            panic!("no answer, no session");
        };
        assert!(err.contains("did not answer within"), "{err}");
    }

    #[test]
    fn messages_are_one_event_or_a_list() {
        let one = parse(
            br#"{"flow": "orders", "entity": "1", "stage": "placed"}"#,
            Some(5),
        )
        .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].0, "orders");
        assert_eq!(one[0].1.at, Some(5), "the message's timestamp");
        let list = parse(
            br#"[{"flow": "orders", "entity": "1", "stage": "placed", "at": "2026-12-02T10:00:00Z"},
                 {"flow": "orders", "entity": "2", "stage": "placed"}]"#,
            None,
        )
        .unwrap();
        assert_eq!(list[0].1.at, Some(1_796_205_600_000));
        assert_eq!(list[1].1.at, None, "arrival");
        assert!(parse(b"nope", None).unwrap_err().starts_with("not JSON"));
        assert!(parse(br#"{"flow": "o", "entity": "1"}"#, None)
            .unwrap_err()
            .contains("stage"));
        assert!(parse(
            br#"{"flow": "o", "entity": "1", "stage": "s", "x": 1}"#,
            None
        )
        .is_err());
        assert!(parse(b"[]", None).is_err());
    }
}
