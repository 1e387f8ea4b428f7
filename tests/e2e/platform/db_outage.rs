//! Database outage: while PostgreSQL is unreachable (a proxy the test cuts), pings get
//! 503 with Retry-After, `/health/ready` says so, nothing flips; when it returns, all
//! recovers by itself and deadlines that fell inside the outage get their grace again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::harness::{fresh_database, postgres_available, Backend, TestApp};

/// A TCP proxy to PostgreSQL that can be cut: when down it drops every open connection
/// and every new one.
struct Proxy {
    port: u16,
    down: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Proxy {
    async fn start(upstream: &'static str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let (cut, cuts) = watch::channel(0u64);
        let d = down.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if d.load(Ordering::SeqCst) {
                    continue; // dropped: connection closed at once
                }
                let mut cuts = cuts.clone();
                // Only cuts after this connection was made close it.
                cuts.borrow_and_update();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Proxy { port, down, cut }
    }

    fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
        if down {
            self.cut.send_modify(|g| *g += 1);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_get_503_and_nothing_flips_while_the_database_is_down() {
    if postgres_available().is_none() {
        return;
    }
    let direct = fresh_database(Backend::Postgres);
    let proxy = Proxy::start("127.0.0.1:5432").await;
    let via_proxy = direct.replace("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port));
    assert_ne!(
        direct, via_proxy,
        "the test database URL must name 127.0.0.1:5432"
    );
    let app = TestApp::spawn_on(&via_proxy, |_| {}).await;
    // Due 2 s after the ping, down 3 s later: the deadline falls inside the outage.
    let id = app
        .monitor(json!({"name": "o", "period": 2, "grace": 3}))
        .await;
    assert_eq!(app.ping(&id).await, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;

    proxy.set_down(true);
    let down_at = std::time::Instant::now();
    let resp = app
        .http
        .get(app.url(&format!("/ping/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        503,
        "a ping must never be acknowledged while the database is down"
    );
    assert!(resp.headers().contains_key("retry-after"));
    let ready = app.http.get(app.url("/health/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let live = app.http.get(app.url("/health/live")).send().await.unwrap();
    assert_eq!(live.status(), 200);
    // Stay down past the deadline (ping + 5 s).
    tokio::time::sleep(Duration::from_secs(7).saturating_sub(down_at.elapsed())).await;
    proxy.set_down(false);

    // Recovers by itself.
    let mut ok = false;
    for _ in 0..50 {
        let r = app.http.get(app.url("/health/ready")).send().await.unwrap();
        if r.status() == 200 {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok, "/health/ready did not recover");
    // The deadline fell inside the outage: no flip now, the grace (3 s) runs from recovery.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let m = app.get_monitor(&id).await;
    assert_eq!(
        m["status"], "up",
        "flipped for a deadline inside the database outage: {m}"
    );
    let m = app.wait_status(&id, "down", Duration::from_secs(5)).await;
    assert_eq!(m["down_reason"], "missed");
    // Pings are accepted again.
    assert_eq!(app.ping(&id).await, 200);
    assert_eq!(app.get_monitor(&id).await["status"], "up");
    app.stop().await;
}

/// Overdue watches itself: with a self-ping URL it pings another monitor each period,
/// sends `/fail` with the reason while its database is unreachable, and plain pings
/// again once it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_ping_fails_while_the_database_is_down() {
    if postgres_available().is_none() {
        return;
    }
    let direct = fresh_database(Backend::Postgres);
    let proxy = Proxy::start("127.0.0.1:5432").await;
    let via_proxy = direct.replace("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port));
    let watcher = crate::harness::Receiver::start().await;
    let target = format!("{}/ping/5e1f", watcher.url);
    let app = TestApp::spawn_on(&via_proxy, {
        let target = target.clone();
        move |s| s.self_ping = Some((target, Duration::from_millis(300)))
    })
    .await;
    watcher
        .wait_for(Duration::from_secs(5), |all| {
            all.iter()
                .any(|r| r.method == "GET" && r.path == "/hook/ping/5e1f")
        })
        .await;
    proxy.set_down(true);
    let got = watcher
        .wait_for(Duration::from_secs(15), |all| {
            all.iter().any(|r| r.path.ends_with("/5e1f/fail"))
        })
        .await;
    let fail = got.iter().find(|r| r.path.ends_with("/5e1f/fail")).unwrap();
    assert_eq!(fail.method, "POST");
    assert!(
        fail.body.starts_with("Overdue cannot reach its database"),
        "{}",
        fail.body
    );
    proxy.set_down(false);
    let before = watcher.all().len();
    watcher
        .wait_for(Duration::from_secs(15), |all| {
            all[before..]
                .iter()
                .any(|r| r.method == "GET" && r.path == "/hook/ping/5e1f")
        })
        .await;
    app.stop().await;
}
