//! A real HTTP receiver for webhooks and presets: it keeps every request, can fail,
//! answer with a chosen status, or hold its answers.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;
use tokio::sync::Notify;

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub at: std::time::SystemTime,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A real HTTP server that records webhook deliveries; optionally fails every n-th.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    answer: Arc<std::sync::atomic::AtomicU16>,
    pub got: Arc<Mutex<Vec<Received>>>,
    notify: Arc<Notify>,
    hold: Arc<AtomicBool>,
}

struct RecvState {
    answer: Arc<std::sync::atomic::AtomicU16>,
    got: Arc<Mutex<Vec<Received>>>,
    notify: Arc<Notify>,
    hold: Arc<AtomicBool>,
    fail_every: usize,
    counter: Mutex<usize>,
}

async fn receive(req: HttpRequest, body: web::Bytes, st: web::Data<RecvState>) -> HttpResponse {
    // Held requests are answered (and recorded) only after the hold is lifted; one
    // whose sender gave up or died meanwhile is dropped unrecorded.
    while st.hold.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let n = {
        let mut c = st.counter.lock().unwrap();
        *c += 1;
        *c
    };
    if st.fail_every > 0 && n % st.fail_every == 0 {
        return HttpResponse::InternalServerError().body("planned failure");
    }
    st.got.lock().unwrap().push(Received {
        method: req.method().to_string(),
        path: req.uri().to_string(),
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: std::time::SystemTime::now(),
    });
    st.notify.notify_waiters();
    match st.answer.load(Ordering::SeqCst) {
        0 => HttpResponse::Ok().body("thanks"),
        code => HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
            .content_type("application/json")
            .body(r#"{"ok":false,"description":"Forbidden: bot was blocked by the user"}"#),
    }
}

impl Receiver {
    /// Starts a receiver that accepts everything.
    pub async fn start() -> Receiver {
        Self::start_failing(0).await
    }

    /// Starts a receiver that answers 500 to every `n`-th request (0: never).
    pub async fn start_failing(fail_every: usize) -> Receiver {
        let got = Arc::new(Mutex::new(Vec::new()));
        let notify = Arc::new(Notify::new());
        let hold = Arc::new(AtomicBool::new(false));
        let answer = Arc::new(std::sync::atomic::AtomicU16::new(0));
        let state = web::Data::new(RecvState {
            answer: answer.clone(),
            got: got.clone(),
            notify: notify.clone(),
            hold: hold.clone(),
            fail_every,
            counter: Mutex::new(0),
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .default_service(web::to(receive))
        })
        .workers(2)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Receiver {
            url,
            answer,
            got,
            notify,
            hold,
        }
    }

    /// Records requests and answers them with `status` (0: 200 again).
    pub fn answer_with(&self, status: u16) {
        self.answer.store(status, Ordering::SeqCst);
    }

    /// While `true`, requests hang unanswered (a slow receiver).
    pub fn hold(&self, on: bool) {
        self.hold.store(on, Ordering::SeqCst);
    }

    pub fn all(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Received deliveries whose JSON `event` is `event` for monitor `id`.
    pub fn events(&self, id: &str, event: &str) -> Vec<Received> {
        self.all()
            .into_iter()
            .filter(|r| {
                let j = r.json();
                // `id`: the monitor's UUID or its public reference.
                j["event"] == event
                    && (j["monitor"]["id"] == overdue_core::PublicRef::of(id).to_string()
                        || j["monitor"]["id"] == id)
            })
            .collect()
    }

    /// Waits until `pred` holds over the received list, up to `within`.
    pub async fn wait_for(
        &self,
        within: Duration,
        pred: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let all = self.all();
            if pred(&all) {
                return all;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                panic!(
                    "receiver condition not met within {within:?}; got {} requests: {:?}",
                    all.len(),
                    all.iter().map(|r| &r.body).collect::<Vec<_>>()
                );
            }
            let _ =
                tokio::time::timeout(left.min(Duration::from_millis(100)), self.notify.notified())
                    .await;
        }
    }
}
