//! The outbox worker: claims due notifications, delivers each in its own task (a slow
//! or dead receiver delays nothing else), records every attempt in the delivery log.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use overdue_core::EventRecord;
use overdue_notify::{ChannelConfig, Outgoing, Senders};
use overdue_storage::base::models::{ChannelRow, OutboxRow};
use overdue_storage::base::outbox::AccountMail;
use overdue_storage::base::outbox::{self, Attempt};
use overdue_storage::{alerting::channel_health, alerting::channels, alerting::messages, Store};
use tokio::sync::{mpsc, Semaphore};

/// Settings of the notifier.
#[derive(Debug, Clone)]
pub struct NotifierOptions {
    /// Name of this worker in claims (unique per process).
    pub worker_id: String,
    /// First retry delay; doubled per attempt.
    pub retry_base: Duration,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// How long a claim lasts: longer than one delivery can take (see [`lease_for`]).
    pub lease: Duration,
}

/// The claim lease for a webhook timeout: two full attempts plus slack, at least 10 s.
/// Shorter means a dead instance's notifications are taken over sooner; it must stay
/// longer than a delivery and its recording, or a slow receiver gets a duplicate
/// (carrying the same `Idempotency-Key`).
pub fn lease_for(webhook_timeout: Duration) -> Duration {
    (webhook_timeout * 2 + Duration::from_secs(5)).max(Duration::from_secs(10))
}

/// Runs until `shutdown` resolves.
pub async fn run(
    store: Store,
    senders: Senders,
    opts: NotifierOptions,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let slots = Arc::new(Semaphore::new(opts.concurrency));
    let opts = Arc::new(opts);
    // Attempts are recorded by one task, many per transaction: a burst of deliveries
    // costs a few commits, not one each.
    let (done_tx, done_rx) = mpsc::unbounded_channel::<(OutboxRow, Attempt)>();
    let recorder = tokio::spawn(record_loop(store.clone(), opts.clone(), done_rx));
    loop {
        // Claim in chunks: wait until a quarter of the slots are free.
        let free = slots.available_permits();
        if free * 4 < opts.concurrency {
            tokio::select! {
                _ = &mut shutdown => break,
                _ = store.wake.outbox.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
            continue;
        }
        let me = opts.worker_id.clone();
        let lease = opts.lease.as_millis() as i64;
        // A lot ahead of the free slots: a claim is a transaction (on SQLite a commit of
        // the one writer), and claims of up to 32 were one for every 20 messages in a
        // burst (docs/benchmarks.md, "Session 23"). The extra rows wait for a slot here,
        // in order; what waits too long is given back (below).
        let want = free + opts.concurrency;
        let claimed = match store
            .write(move |tx| outbox::claim(tx, &me, want as i64, lease))
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!("notifier: {e}");
                Vec::new()
            }
        };
        let idle = claimed.is_empty();
        // The lot's channels read and their settings parsed once, not per message. Not
        // readable now: the claims expire and the entries are tried again.
        let Some(dests) = destinations(&store, &claimed).await else {
            continue;
        };
        let claimed_at = tokio::time::Instant::now();
        let mut rows = claimed.into_iter();
        let mut give_back = Vec::new();
        while let Some(row) = rows.next() {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                break;
            };
            // Slow receivers held the slots: what is left goes back to the outbox now,
            // for a fresh claim, rather than being sent near the end of its lease (a
            // claim must outlast its delivery, [`lease_for`]).
            if claimed_at.elapsed() > opts.lease / 4 {
                give_back.push(row.id);
                give_back.extend(rows.by_ref().map(|r| r.id));
                break;
            }
            let (store, senders, done) = (store.clone(), senders.clone(), done_tx.clone());
            let dest = row.channel_id.as_ref().and_then(|c| dests.get(c).cloned());
            tokio::spawn(async move {
                if let Some(attempt) = deliver(&store, &senders, &row, dest).await {
                    let _ = done.send((row, attempt));
                }
                drop(permit);
                store.wake.outbox.notify_one();
            });
        }
        if !give_back.is_empty() {
            let me = opts.worker_id.clone();
            if let Err(e) = store
                .write(move |tx| outbox::release(tx, &me, &give_back))
                .await
            {
                // Their leases end anyway: they are claimed again then.
                tracing::warn!("notifier: {e}");
            }
        }
        if !idle {
            continue;
        }
        // Entries may be due yet unclaimable (in flight, or waiting behind an older one
        // of the same destination): never sleep less than 100 ms, a finished delivery
        // wakes the loop anyway.
        let next = store.read(outbox::next_due).await.ok().flatten();
        let now = store.now().millis();
        let sleep_ms = next.map_or(1_000, |t| (t.millis() - now).clamp(100, 1_000)) as u64;
        tokio::select! {
            _ = &mut shutdown => break,
            _ = store.wake.outbox.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(sleep_ms)) => {}
        }
    }
    drop(done_tx);
    let _ = recorder.await;
}

/// How long the recorder gathers finished deliveries into one lot after the first.
const GATHER: Duration = Duration::from_millis(5);

async fn record_loop(
    store: Store,
    opts: Arc<NotifierOptions>,
    mut rx: mpsc::UnboundedReceiver<(OutboxRow, Attempt)>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        // At most 100 a lot: on SQLite a lot is one job of the writer, which pings
        // queued behind it wait for (about 4 ms for 100). What finishes within a few
        // milliseconds joins the lot: deliveries end one by one, and a lot each would
        // be a commit each (docs/benchmarks.md, "Session 22").
        let until = tokio::time::Instant::now() + GATHER;
        while batch.len() < 100 {
            match tokio::time::timeout_at(until, rx.recv()).await {
                Ok(Some(item)) => batch.push(item),
                Ok(None) | Err(_) => break,
            }
        }
        // In id order, as claims lock them (storage `outbox::claim`): no deadlock.
        batch.sort_by_key(|(row, _)| row.id);
        let me = opts.worker_id.clone();
        let base = opts.retry_base.as_millis() as i64;
        let n = batch.len();
        let result = store
            .write(move |tx| channel_health::record_all(tx, &batch, &me, base))
            .await;
        if let Err(e) = result {
            // The claims expire and the entries are delivered again (receivers can
            // drop the repeat by its Idempotency-Key).
            tracing::warn!("notifier: recording {n} deliveries failed: {e}");
        }
        store.wake.outbox.notify_one();
    }
}

/// Where a lot's messages go: a channel's kind and parsed settings, or why its
/// messages cannot be sent (deleted, unreadable settings).
type Destination = Arc<Result<(String, ChannelConfig), String>>;

/// The channels of claimed `rows`, read in one go; `None` when the database could not
/// be read.
async fn destinations(store: &Store, rows: &[OutboxRow]) -> Option<HashMap<String, Destination>> {
    let ids: BTreeSet<String> = rows.iter().filter_map(|r| r.channel_id.clone()).collect();
    if ids.is_empty() {
        return Some(HashMap::new());
    }
    let read = store
        .read(move |c| {
            ids.into_iter()
                .map(|id| Ok((channels::get_any(c, &id)?, id)))
                .collect::<Result<Vec<_>, overdue_storage::StoreError>>()
        })
        .await;
    let found = match read {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!("notifier: {e}");
            return None;
        }
    };
    let parse = |ch: Option<ChannelRow>| {
        let ch = ch.ok_or_else(|| "channel was deleted".to_string())?;
        let cfg = ChannelConfig::from_stored(&ch.kind, &ch.config)?;
        Ok((ch.kind, cfg))
    };
    Some(
        found
            .into_iter()
            .map(|(ch, id)| (id, Arc::new(parse(ch))))
            .collect(),
    )
}

/// Delivers one entry to `dest`, its channel; `None` when what it needs could not be
/// read (the claim expires and it is tried again).
async fn deliver(
    store: &Store,
    senders: &Senders,
    row: &OutboxRow,
    dest: Option<Destination>,
) -> Option<Attempt> {
    if row.event == overdue_storage::reports::mail::REPORT_MAIL {
        return Some(send_report_mail(senders, row).await);
    }
    let Some(channel_id) = row.channel_id.clone() else {
        return Some(send_account_mail(senders, row).await);
    };
    let dest = dest?;
    let (kind, cfg) = match &*dest {
        Ok(found) => found,
        Err(e) => return Some(permanent(e.clone())),
    };
    let ev: EventRecord = match serde_json::from_str(&row.payload) {
        Ok(ev) => ev,
        Err(e) => return Some(permanent(format!("stored event is unreadable: {e}"))),
    };
    // An e-mail that answers its alert's first message keeps that message's subject.
    let thread = ev
        .alert
        .as_ref()
        .filter(|a| a.transition != overdue_core::Transition::Trigger)
        .and_then(|a| a.thread)
        .filter(|_| kind == "email");
    let first = match thread {
        Some(t) => {
            let (chan, recipient) = (channel_id.clone(), row.recipient.clone());
            let read = store
                .read(move |c| messages::first_message(c, t, &chan, &recipient))
                .await;
            match read {
                Ok(first) => first,
                Err(e) => {
                    tracing::warn!("notifier: {e}");
                    return None;
                }
            }
        }
        None => None,
    };
    let thread_subject = first
        .and_then(|p| serde_json::from_str::<EventRecord>(&p).ok())
        .map(|t| overdue_notify::email::subject_of(&t));
    let out = Outgoing {
        channel: channel_id,
        recipient: row.recipient.clone(),
        key: row.idempotency_key.clone(),
        thread_subject,
    };
    let d = senders.send(cfg, ev, &out).await;
    Some(Attempt {
        status_code: d.status_code.map(i32::from),
        error: d.error,
        duration_ms: d.duration.as_millis() as i64,
        ok: d.ok,
        permanent: d.permanent,
        retry_after_ms: d.retry_after.map(|r| r.as_millis() as i64),
    })
}

/// Sends account mail (docs/security.md, "Account mail") through the SMTP relay. What
/// went wrong is recorded, never the text (its link works as a password).
async fn send_account_mail(senders: &Senders, row: &OutboxRow) -> Attempt {
    let mail: AccountMail = match serde_json::from_str(&row.payload) {
        Ok(m) => m,
        Err(e) => return permanent(format!("stored mail is unreadable: {e}")),
    };
    let Some(text) = mail.text() else {
        return permanent("the mail's link was already removed".into());
    };
    let Some(mailer) = &senders.mailer else {
        return permanent("no SMTP relay is set up".into());
    };
    let started = std::time::Instant::now();
    let result = mailer.send_text(&mail.to, &mail.subject, text).await;
    Attempt {
        status_code: None,
        ok: result.is_ok(),
        permanent: false,
        error: result.err(),
        duration_ms: started.elapsed().as_millis() as i64,
        retry_after_ms: None,
    }
}

/// Sends a project's summary e-mail (docs/behaviour.md, "The report by e-mail"),
/// rendered now from the figures its row keeps.
async fn send_report_mail(senders: &Senders, row: &OutboxRow) -> Attempt {
    let mail: overdue_types::reports::ReportMail = match serde_json::from_str(&row.payload) {
        Ok(m) => m,
        Err(e) => return permanent(format!("stored report is unreadable: {e}")),
    };
    let Some(mailer) = &senders.mailer else {
        return permanent("no SMTP relay is set up".into());
    };
    let d = mailer.send_report(&mail, &senders.site).await;
    Attempt {
        status_code: d.status_code.map(i32::from),
        error: d.error,
        duration_ms: d.duration.as_millis() as i64,
        ok: d.ok,
        permanent: d.permanent,
        retry_after_ms: None,
    }
}

fn permanent(error: String) -> Attempt {
    Attempt {
        status_code: None,
        error: Some(error),
        duration_ms: 0,
        ok: false,
        permanent: true,
        retry_after_ms: None,
    }
}
