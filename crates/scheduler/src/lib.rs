//! Overdue's background tasks, one set per `overdue serve` process:
//!
//! - [`deadlines`]: sleeps until the earliest deadline in the index (or until the
//!   writer says an earlier one appeared) and flips what has passed;
//! - [`notifier`]: delivers the outbox with retries, one lease per entry;
//! - [`timers`]: fires routed alerts' reminders and escalation steps when due (an index
//!   range on `alert_timers.due_at`, claimed in the transaction that writes them);
//! - [`problems`]: resolves problems of `after <duration>` monitors when their time
//!   comes (an index range on `resolve_at`, each second);
//!
//! The deadline loop also writes the heartbeat (every second) and applies the outage
//! rule in the same transaction, before it looks for due monitors.
//!
//! Several processes on one PostgreSQL may run all of them: every flip is a conditional
//! change inside a row lock and every delivery a conditional claim, so work is done once.

pub mod amqp;
pub mod deadlines;
pub mod flows;
pub mod notifier;
pub mod timers;

use overdue_storage::Store;

/// Prunes flips, delivery attempts and finished notifications older than `keep`, audit
/// records older than `keep_audit`, and single sign-ons and passkey ceremonies past
/// their time, every minute, in small batches with pauses between them (ingest keeps
/// its latency).
pub async fn prune(
    store: Store,
    keep: std::time::Duration,
    keep_audit: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let now = store.now().millis();
        let before = overdue_core::Timestamp(now - keep.as_millis() as i64);
        let audit_before = overdue_core::Timestamp(now - keep_audit.as_millis() as i64);
        loop {
            match store
                .write(move |tx| {
                    let n = overdue_storage::retention::prune_old(tx, before)?;
                    let n = n + overdue_storage::base::audit::prune(tx, audit_before)?;
                    Ok(n + overdue_storage::people::sso::prune(tx)?
                        + overdue_storage::people::passkeys::prune(tx)?)
                })
                .await
            {
                Ok(n) if n > 0 => {
                    tracing::debug!("retention: pruned {n} rows");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!("retention: {e}");
                    break;
                }
            }
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
        }
    }
}

/// Resolves problems whose `after <duration>` passed without a new report, each second
/// (an index range: no scan), sends the daily digest of open `info` and `warning`
/// problems once the UTC hour `digest_hour` has come (`None`: never), and the projects'
/// summary e-mails when due ([`report_mails`]); the notifier wakes when that notified.
pub async fn problems(
    store: Store,
    digest_hour: Option<u32>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    // The last day this process saw the digest sent (by itself or another instance):
    // until the next day, no query for it.
    let mut digest_done = i64::MIN;
    loop {
        let now = store.now();
        let today = now.millis().div_euclid(86_400_000);
        if let (true, Some(digest_hour)) = (today > digest_done, digest_hour) {
            match store
                .write(move |tx| {
                    overdue_storage::monitoring::problems::send_digest_if_due(tx, digest_hour)
                })
                .await
            {
                Ok(Some((monitors, notes))) => {
                    digest_done = today;
                    if notes > 0 {
                        tracing::info!("problems: daily digest of {monitors} monitors sent");
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::warn!("problems digest: {e}"),
            }
        }
        match store
            .write(move |tx| overdue_storage::monitoring::problems::expire_due(tx, 1_000))
            .await
        {
            Ok((n, _)) => {
                if n > 0 {
                    tracing::debug!("problems: {n} resolved by time");
                }
                if n == 1_000 {
                    // More are due: go on at once.
                    continue;
                }
            }
            Err(e) => tracing::warn!("problems: {e}"),
        }
        report_mails(&store).await;
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
        }
    }
}

/// Sends the projects' summary e-mails that are due (docs/behaviour.md, "The report by
/// e-mail"): the earliest due time is one read of its index; only when it has passed
/// does a unit of work claim and write them (one instance wins each).
async fn report_mails(store: &Store) {
    use overdue_storage::reports::mail;
    let now = store.now().millis();
    match store.read(mail::earliest).await {
        Ok(Some(due)) if due <= now => {}
        Ok(_) => return,
        Err(e) => {
            tracing::warn!("report mail: {e}");
            return;
        }
    }
    match store.write(|tx| mail::send_due(tx, 10)).await {
        Ok(n) if n > 0 => tracing::info!("report mail: {n} summaries written to the outbox"),
        Ok(_) => {}
        Err(e) => tracing::warn!("report mail: {e}"),
    }
}
