//! Flow events from a message broker (docs/behaviour.md, "Flows (entity SLAs)"): consumes
//! an AMQP 0-9-1 queue (an existing one as it is, declared passively; a missing one
//! declared durable), bound, when the operator names one, to an existing exchange with
//! the routing keys given. Messages are taken in batches (the prefetch window), read
//! and written by [`settle`], and acknowledged only after the write committed
//! (`multiple`, up to the batch's last tag): a crash before that redelivers them, which
//! is harmless (events are idempotent). Broker down: everything else goes on; the
//! consumer reconnects with backoff.

mod settle;

pub use settle::{parse_bindings, Binding};

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicQosOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties};
use overdue_storage::flows::ConsumerStats;
use overdue_storage::Store;

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
    /// An existing exchange to bind the queue to (never declared by Overdue: it is the
    /// publishing service's); `None`: the queue is fed as it is.
    pub exchange: Option<String>,
    /// The routing keys or topic patterns to bind with, each with the flow it feeds.
    pub bindings: Vec<Binding>,
    /// Where a message names its flow when its binding does not (default `flow`).
    pub flow_field: String,
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
        settle::settle(store, stats, opts, batch).await?;
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
    if let Some(exchange) = &opts.exchange {
        // The publisher's exchange is looked up, never made or changed: a missing one
        // is said (and tried again) rather than created empty.
        let passive = ExchangeDeclareOptions {
            passive: true,
            ..ExchangeDeclareOptions::default()
        };
        channel
            .exchange_declare(
                exchange.as_str().into(),
                lapin::ExchangeKind::Topic,
                passive,
                FieldTable::default(),
            )
            .await
            .map_err(|e| format!("the exchange {exchange:?} is not there ({e}); Overdue binds to an existing exchange and never creates one"))?;
        for b in &opts.bindings {
            channel
                .queue_bind(
                    queue.into(),
                    exchange.as_str().into(),
                    b.pattern.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(err)?;
        }
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
            exchange: None,
            bindings: Vec::new(),
            flow_field: "flow".into(),
        };
        let Err(err) = open_within(&opts).await else {
            panic!("no answer, no session");
        };
        assert!(err.contains("did not answer within"), "{err}");
    }
}
