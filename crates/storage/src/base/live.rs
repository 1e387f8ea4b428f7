//! The live view across instances. On PostgreSQL several instances share one database,
//! and a page served by one must show what another changed. So every unit of work that
//! changed monitors or flows ends with `pg_notify` inside its own transaction — delivered
//! by PostgreSQL at commit, dropped with a rollback — and every instance relays the ids
//! the *others* announced into its own [`Wakeups`], where the dashboard's event stream
//! picks them up like its own. Nothing is polled from tables: the relay reads the
//! notifications its listening connection already received (no round trip) a few times
//! a second. SQLite is one process: nothing to announce.

use std::sync::{Arc, Weak};
use std::time::Duration;

use diesel::sql_types::Text;
use diesel::RunQueryDsl;
use serde::{Deserialize, Serialize};

use crate::base::conn::{AnyConnection, DbUrl};
use crate::base::error::StoreError;
use crate::base::tx::{Effects, Wakeups};

/// The notification channel.
const CHANNEL: &str = "overdue_changes";
/// Payload bytes per notification (PostgreSQL refuses 8,000 and more).
const MAX_PAYLOAD: usize = 7_000;
/// How often the relay looks at what its connection received.
const RELAY_EVERY: Duration = Duration::from_millis(150);

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

/// Announces what the unit of work `fx` describes to the other instances: called last
/// inside its transaction (PostgreSQL delivers the notification at commit only).
pub(crate) fn announce(
    c: &mut AnyConnection,
    instance: &str,
    fx: &Effects,
) -> Result<(), StoreError> {
    let AnyConnection::Postgresql(pg) = c else {
        return Ok(());
    };
    if fx.changed.is_empty() && fx.flows.is_empty() {
        return Ok(());
    }
    let mut monitors = fx.changed.clone();
    monitors.sort_unstable();
    monitors.dedup();
    let flows: Vec<String> = fx.flows.iter().cloned().collect();
    for payload in notices(instance, &monitors, &flows) {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(CHANNEL)
            .bind::<Text, _>(payload)
            .execute(pg)?;
    }
    Ok(())
}

/// Starts the relay of the other instances' changes (PostgreSQL only) on its own
/// thread; it ends when the store's [`Wakeups`] are dropped.
pub(crate) fn start_relay(url: &DbUrl, wake: &Arc<Wakeups>) {
    if url.is_sqlite() {
        return;
    }
    let (url, wake) = (url.clone(), Arc::downgrade(wake));
    let spawned = std::thread::Builder::new()
        .name("overdue-live-relay".into())
        .spawn(move || relay(&url, &wake));
    if let Err(e) = spawned {
        tracing::warn!("the live view of other instances' changes did not start: {e}");
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
