//! The live view across instances. On PostgreSQL several instances share one database,
//! and a page served by one must show what another changed. So every committed unit of
//! work that changed monitors or flows leaves their ids in [`Wakeups`], and an announcer
//! thread sends what gathered with `pg_notify` a few times a second, on a connection
//! of its own. Every instance relays the ids the *others* announced into its own
//! [`Wakeups`], where the dashboard's event stream picks them up like its own. Nothing
//! is polled from tables: the relay reads the notifications its listening connection
//! already received (no round trip) a few times a second. SQLite is one process:
//! nothing to announce.
//!
//! Why not `pg_notify` inside each write's transaction: PostgreSQL takes one lock
//! for all notifying transactions at commit and holds it until their commit record is
//! on disk, so the writers' commits went to disk one after another instead of
//! together (a burst of flips spent a third of its database time waiting for that lock
//! or the disk, docs/benchmarks.md "Session 19"). Announced after commit, a change that
//! a crash keeps from being announced is shown with the page's next change or reload,
//! as changes announced while a relay was not listening are.

use std::sync::{Arc, Weak};
use std::time::Duration;

use diesel::sql_types::Text;
use diesel::RunQueryDsl;
use serde::{Deserialize, Serialize};

use crate::base::conn::{AnyConnection, DbUrl};
use crate::base::error::StoreError;
use crate::base::tx::Wakeups;

/// The notification channel.
const CHANNEL: &str = "overdue_changes";
/// Payload bytes per notification (PostgreSQL refuses 8,000 and more).
const MAX_PAYLOAD: usize = 7_000;
/// How often the relay looks at what its connection received.
const RELAY_EVERY: Duration = Duration::from_millis(150);
/// How often the announcer sends what this process's writes changed.
const ANNOUNCE_EVERY: Duration = Duration::from_millis(100);

/// One notification: who announced it and what changed.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
struct Notice {
    /// The announcing instance ([`Wakeups::instance`]): its own are not relayed back.
    i: String,
    /// Changed monitor ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    m: Vec<String>,
    /// Changed flow ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    f: Vec<String>,
}

/// The notices announcing `monitors` and `flows`, each under the payload limit.
fn notices(instance: &str, monitors: &[String], flows: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = Notice {
        i: instance.to_string(),
        ..Notice::default()
    };
    let mut size = instance.len() + 20;
    let ids = monitors
        .iter()
        .map(|m| (true, m))
        .chain(flows.iter().map(|f| (false, f)));
    for (monitor, id) in ids {
        if size + id.len() + 3 > MAX_PAYLOAD {
            out.push(std::mem::replace(
                &mut cur,
                Notice {
                    i: instance.to_string(),
                    ..Notice::default()
                },
            ));
            size = instance.len() + 20;
        }
        size += id.len() + 3;
        if monitor {
            cur.m.push(id.clone());
        } else {
            cur.f.push(id.clone());
        }
    }
    if !(cur.m.is_empty() && cur.f.is_empty()) {
        out.push(cur);
    }
    out.iter()
        .filter_map(|n| serde_json::to_string(n).ok())
        .collect()
}

/// Sends what gathered in `wake` to the other instances, in one transaction of its own.
fn announce(pg: &mut diesel::PgConnection, wake: &Wakeups) -> Result<(), StoreError> {
    let Some(waiting) = &wake.unannounced else {
        return Ok(());
    };
    let taken = match waiting.lock() {
        Ok(mut w) => std::mem::take(&mut *w),
        Err(_) => return Ok(()),
    };
    if taken.monitors.is_empty() && taken.flows.is_empty() {
        return Ok(());
    }
    let monitors: Vec<String> = taken.monitors.into_iter().collect();
    let flows: Vec<String> = taken.flows.into_iter().collect();
    use diesel::Connection;
    pg.transaction(|pg| {
        for payload in notices(&wake.instance, &monitors, &flows) {
            diesel::sql_query("SELECT pg_notify($1, $2)")
                .bind::<Text, _>(CHANNEL)
                .bind::<Text, _>(payload)
                .execute(pg)?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(())
}

/// Sends the changes of this process's committed writes to the other instances every
/// [`ANNOUNCE_EVERY`], until the store's [`Wakeups`] are dropped. Changes gathered
/// while the database is away are dropped after a failed send (the pages show them with
/// their next change or reload).
fn announcer(url: &DbUrl, wake: &Weak<Wakeups>) {
    let mut conn: Option<diesel::PgConnection> = None;
    loop {
        std::thread::sleep(ANNOUNCE_EVERY);
        let Some(w) = wake.upgrade() else {
            return;
        };
        if conn.is_none() {
            conn = match url.connect() {
                Ok(AnyConnection::Postgresql(pg)) => Some(pg),
                _ => None,
            };
        }
        if let Some(pg) = conn.as_mut() {
            if let Err(e) = announce(pg, &w) {
                tracing::debug!("live view: announcing changes failed: {e}");
                conn = None;
            }
        }
    }
}

/// Starts the relay of the other instances' changes and the announcer of this one's
/// (PostgreSQL only), each on its own thread; they end when the store's [`Wakeups`]
/// are dropped.
pub(crate) fn start_relay(url: &DbUrl, wake: &Arc<Wakeups>) {
    if url.is_sqlite() {
        return;
    }
    let (relay_url, relay_wake) = (url.clone(), Arc::downgrade(wake));
    let spawned = std::thread::Builder::new()
        .name("overdue-live-relay".into())
        .spawn(move || relay(&relay_url, &relay_wake));
    if let Err(e) = spawned {
        tracing::warn!("the live view of other instances' changes did not start: {e}");
    }
    let (url, wake) = (url.clone(), Arc::downgrade(wake));
    let spawned = std::thread::Builder::new()
        .name("overdue-announcer".into())
        .spawn(move || announcer(&url, &wake));
    if let Err(e) = spawned {
        tracing::warn!("this instance's changes will not show on the others' pages: {e}");
    }
}

fn relay(url: &DbUrl, wake: &Weak<Wakeups>) {
    let mut conn: Option<diesel::PgConnection> = None;
    loop {
        let Some(w) = wake.upgrade() else {
            return;
        };
        if conn.is_none() {
            // Changes announced while not listening are not replayed: a page shows
            // them with its next change or reload (the database was away meanwhile).
            conn = listen(url);
        }
        if let Some(c) = conn.as_mut() {
            let mut monitors = Vec::new();
            let mut flows = Vec::new();
            let mut lost = false;
            for n in c.notifications_iter() {
                let Ok(n) = n else {
                    lost = true;
                    break;
                };
                match serde_json::from_str::<Notice>(&n.payload) {
                    Ok(n) if n.i != w.instance => {
                        monitors.extend(n.m);
                        flows.extend(n.f);
                    }
                    _ => {}
                }
            }
            w.relay(monitors, flows);
            if lost {
                conn = None;
            }
        }
        drop(w);
        std::thread::sleep(if conn.is_some() {
            RELAY_EVERY
        } else {
            Duration::from_secs(1)
        });
    }
}

/// A connection listening on the channel (`None` while the database does not answer).
fn listen(url: &DbUrl) -> Option<diesel::PgConnection> {
    let AnyConnection::Postgresql(mut pg) = url.connect().ok()? else {
        return None;
    };
    diesel::sql_query(format!("LISTEN {CHANNEL}"))
        .execute(&mut pg)
        .ok()?;
    Some(pg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_announcements_are_split_under_the_limit() {
        let ids: Vec<String> = (0..2_000).map(|i| format!("monitor-{i:06}")).collect();
        let flows = vec!["orders".to_string()];
        let out = notices("inst", &ids, &flows);
        assert!(out.len() > 1);
        let mut seen = Vec::new();
        let mut seen_flows = Vec::new();
        for p in &out {
            assert!(p.len() < 8_000, "{} bytes", p.len());
            let n: Notice = serde_json::from_str(p).unwrap();
            assert_eq!(n.i, "inst");
            seen.extend(n.m);
            seen_flows.extend(n.f);
        }
        assert_eq!(seen, ids);
        assert_eq!(seen_flows, flows);
        assert_eq!(
            notices("inst", &["a".into()], &[]),
            vec![r#"{"i":"inst","m":["a"]}"#.to_string()]
        );
        assert!(notices("inst", &[], &[]).is_empty());
    }
}
