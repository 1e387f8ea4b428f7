//! A real SMTP server on loopback for the e-mail tests: the `mailin` crate speaks the
//! protocol (EHLO, AUTH PLAIN, MAIL, RCPT, DATA), this file only carries bytes between
//! a socket and it and keeps what arrived. It can refuse chosen recipients (550),
//! require credentials, and hold its answer to DATA (a message received but not yet
//! acknowledged, for the crash test).

use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin::{response, Action, AuthMechanism, Handler, Response, SessionBuilder};

/// One message as the server got it.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The message as sent (headers and body).
    pub raw: Vec<u8>,
}

impl Mail {
    /// The parsed message.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a parsable message")
    }

    /// A header's raw value, trimmed.
    pub fn header(&self, name: &str) -> Option<String> {
        let m = self.parsed();
        m.header_raw(name).map(|v| v.trim().to_string())
    }

    /// The subject.
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_string()
    }

    /// The plain-text part.
    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }

    /// The HTML part.
    pub fn html(&self) -> String {
        self.parsed()
            .body_html(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Shared {
    mails: Mutex<Vec<Mail>>,
    refuse: Mutex<Vec<String>>,
    hold_ms: AtomicU64,
    credentials: Mutex<Option<(String, String)>>,
    authenticated: Mutex<Vec<String>>,
}

#[derive(Clone)]
struct Sink {
    shared: Arc<Shared>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Sink {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        self.from = from.to_string();
        self.to.clear();
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let refused = self.shared.refuse.lock().unwrap();
        if refused.iter().any(|r| to.contains(r.as_str())) {
            return response::NO_MAILBOX;
        }
        self.to.push(to.to_string());
        response::OK
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.shared.mails.lock().unwrap().push(Mail {
            from: self.from.clone(),
            to: self.to.clone(),
            raw: std::mem::take(&mut self.data),
        });
        // Received; the answer may be held (the sender cannot know it arrived).
        let hold = self.shared.hold_ms.load(Ordering::SeqCst);
        if hold > 0 {
            std::thread::sleep(Duration::from_millis(hold));
        }
        response::OK
    }

    fn auth_plain(&mut self, _authz: &str, user: &str, password: &str) -> Response {
        let ok = self
            .shared
            .credentials
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(|(u, p)| u == user && p == password);
        if ok {
            self.shared.authenticated.lock().unwrap().push(user.into());
            response::AUTH_OK
        } else {
            response::INVALID_CREDENTIALS
        }
    }
}

/// A running SMTP server.
#[derive(Clone)]
pub struct SmtpServer {
    /// `host:port`.
    pub addr: String,
    shared: Arc<Shared>,
}

impl SmtpServer {
    /// Starts a server that accepts every message.
    pub fn start() -> SmtpServer {
        Self::start_with(None)
    }

    /// Starts a server that requires AUTH PLAIN with these credentials (offered
    /// without TLS: the relay is on loopback).
    pub fn start_with(credentials: Option<(&str, &str)>) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let shared = Arc::new(Shared::default());
        *shared.credentials.lock().unwrap() =
            credentials.map(|(u, p)| (u.to_string(), p.to_string()));
        let mut builder = SessionBuilder::new("overdue-test-smtp");
        if credentials.is_some() {
            builder
                .enable_auth(AuthMechanism::Plain)
                .insecure_enable_plaintext_auth();
        }
        let sink = Sink {
            shared: shared.clone(),
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
        };
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (builder, sink) = (builder.clone(), sink.clone());
                std::thread::spawn(move || serve(stream, &builder, sink));
            }
        });
        SmtpServer { addr, shared }
    }

    /// The relay URL for `OVERDUE_SMTP_URL` (plain SMTP on loopback).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Refuses these recipients with 550.
    pub fn refuse(&self, address: &str) {
        self.shared.refuse.lock().unwrap().push(address.to_string());
    }

    /// Takes messages for `address` again (undoes [`SmtpServer::refuse`]).
    pub fn accept(&self, address: &str) {
        self.shared.refuse.lock().unwrap().retain(|r| r != address);
    }

    /// Holds each answer to DATA this long (0: answer at once).
    pub fn hold(&self, ms: u64) {
        self.shared.hold_ms.store(ms, Ordering::SeqCst);
    }

    /// Every message so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.shared.mails.lock().unwrap().clone()
    }

    /// Users that signed in.
    pub fn authenticated(&self) -> Vec<String> {
        self.shared.authenticated.lock().unwrap().clone()
    }

    /// Waits until `pred` holds over the messages, up to `within`.
    pub async fn wait_for(&self, within: Duration, pred: impl Fn(&[Mail]) -> bool) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let all = self.mails();
            if pred(&all) {
                return all;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "SMTP condition not met within {within:?}; got {} messages: {:?}",
                    all.len(),
                    all.iter().map(|m| m.subject()).collect::<Vec<_>>()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn serve(stream: TcpStream, builder: &SessionBuilder, sink: Sink) {
    let remote = stream
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or([127, 0, 0, 1].into());
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    // Answers go out at once (no Nagle delay against the client's delayed ACK).
    let _ = stream.set_nodelay(true);
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    let mut session = builder.build(remote, sink);
    if session.greeting().write_to(&mut writer).is_err() {
        return;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let res = session.process(&line);
        match res.action {
            Action::NoReply => continue,
            Action::Reply | Action::UpgradeTls => {
                if res.write_to(&mut writer).is_err() || writer.flush().is_err() {
                    return;
                }
            }
            Action::Close => {
                let _ = res.write_to(&mut writer);
                let _ = writer.flush();
                return;
            }
        }
    }
}
