//! The sign-in gate (docs/security.md, "Sign-in limits"): every path that checks a
//! password or a token, or hashes one, goes through it.
//!
//! - The client's address is the peer's, or taken from `X-Forwarded-For` only when the
//!   peer is a configured trusted proxy (walked from the right: [`overdue_core::attempts`]).
//! - Attempts are counted in the database ([`overdue_storage::people::attempts`]): several
//!   instances share one count, and an attempt is reserved before any hashing, so
//!   parallel guesses cannot all pass one check.
//! - Argon2 runs at most [`HASHERS`] at a time with at most [`QUEUE`] waiting; past that
//!   the answer is 429. Each hash holds ~19 MiB for tens of milliseconds, so unbounded
//!   hashing is a memory and CPU exhaustion.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use actix_web::HttpRequest;
use overdue_core::attempts::{self as rules, PER_ACCOUNT, PER_ADDRESS, WINDOW_MS};
use overdue_storage::people::attempts::{self, Bucket};
use overdue_storage::people::{accounts, passwords};
use overdue_storage::Store;

use crate::http::error::ApiError;
use crate::AppState;

/// Password hashes computed at once.
pub const HASHERS: usize = 2;
/// Password hashes waiting at most; one more is answered 429.
pub const QUEUE: usize = 16;

/// Trusted proxies, the hashing semaphore and the attempt counters' policy.
pub struct Gate {
    trusted: Vec<ipnet::IpNet>,
    hashing: tokio::sync::Semaphore,
    waiting: AtomicUsize,
    warned: AtomicBool,
}

/// What an attempt is charged to: the client's address and, for a password of a known
/// e-mail, that account from that address.
#[derive(Debug, Clone)]
pub struct Attempt {
    address: IpAddr,
    account: Option<String>,
}

impl Attempt {
    fn buckets(&self) -> Vec<Bucket> {
        let mut b = vec![Bucket {
            key: rules::address_key(self.address),
            limit: PER_ADDRESS,
        }];
        if let Some(email) = &self.account {
            b.push(Bucket {
                key: rules::account_key(email, self.address),
                limit: PER_ACCOUNT,
            });
        }
        b
    }

    /// The same attempt charged to `email` from this address too.
    pub fn for_account(mut self, email: &str) -> Self {
        self.account = Some(email.to_string());
        self
    }
}

impl Gate {
    /// A gate trusting `X-Forwarded-For` from these networks only.
    pub fn new(trusted: Vec<ipnet::IpNet>) -> Self {
        Gate {
            trusted,
            hashing: tokio::sync::Semaphore::new(HASHERS),
            waiting: AtomicUsize::new(0),
            warned: AtomicBool::new(false),
        }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.trusted.iter().any(|n| n.contains(&ip))
    }

    /// Whether the request came straight from a trusted proxy (its peer address).
    pub fn from_trusted_proxy(&self, req: &HttpRequest) -> bool {
        req.peer_addr().is_some_and(|p| self.trusts(p.ip()))
    }

    /// The client's address (see the module's rule). A forwarded header from a peer that
    /// is not trusted is logged once: every client then counts as that proxy.
    pub fn client(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        let forwarded = req
            .headers()
            .get("X-Forwarded-For")
            .and_then(|v| v.to_str().ok());
        // A plain load first: the ping path must not write a shared flag per request.
        if forwarded.is_some()
            && !self.trusts(peer)
            && !self.warned.load(Ordering::Relaxed)
            && !self.warned.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                %peer,
                "a request from {peer} carries X-Forwarded-For, but {peer} is not a trusted \
                 proxy: the header is ignored, so every client behind it counts as one \
                 address for sign-in limits; set OVERDUE_TRUSTED_PROXIES to its address"
            );
        }
        Some(rules::client_address(peer, forwarded, |ip| self.trusts(ip)))
    }

    /// The attempt of this request (charged to its address).
    pub fn attempt(&self, req: &HttpRequest) -> Attempt {
        Attempt {
            address: self
                .client(req)
                .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)),
            account: None,
        }
    }

    /// Reserves the attempt before any work, or answers 429 with `refusal` and the wait.
    pub async fn reserve(
        &self,
        store: &Store,
        attempt: &Attempt,
        refusal: &'static str,
    ) -> Result<(), ApiError> {
        let buckets = attempt.buckets();
        store
            .write_quiet(move |tx| attempts::reserve(tx, &buckets, WINDOW_MS, refusal))
            .await?;
        Ok(())
    }

    /// The attempt of this request, reserved against its address (the anonymous paths:
    /// tokens, new passwords, "forgot password").
    pub async fn charge(&self, store: &Store, req: &HttpRequest) -> Result<Attempt, ApiError> {
        let attempt = self.attempt(req);
        self.reserve(store, &attempt, "too many attempts from this address")
            .await?;
        Ok(attempt)
    }

    /// Hashes a new password ([`Gate::hash`]'s bounds).
    pub async fn hash_new(&self, password: String) -> Result<String, ApiError> {
        Ok(self
            .hash(move || overdue_storage::people::passwords::hash(&password))
            .await??)
    }

    /// The attempt succeeded: the address gets it back and that account's failures from
    /// there are forgotten.
    pub async fn succeeded(&self, store: &Store, attempt: &Attempt) -> Result<(), ApiError> {
        let address = rules::address_key(attempt.address);
        let account = attempt
            .account
            .as_ref()
            .map(|e| rules::account_key(e, attempt.address));
        store
            .write_quiet(move |tx| attempts::succeeded(tx, &address, account.as_deref()))
            .await?;
        Ok(())
    }

    /// Runs password hashing off the async workers, [`HASHERS`] at a time; 429 when
    /// [`QUEUE`] are already waiting.
    pub async fn hash<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let queued = self.waiting.fetch_add(1, Ordering::AcqRel);
        let _leave = Leave(&self.waiting);
        if queued >= QUEUE + HASHERS {
            return Err(ApiError::TooMany(
                "the server is busy checking passwords; try again in a second".into(),
                1,
            ));
        }
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(format!("hashing gate closed: {e}")))?;
        blocking(f).await
    }
}

/// Counts a request out of the hashing queue however it ends.
struct Leave<'a>(&'a AtomicUsize);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Parses `OVERDUE_TRUSTED_PROXIES`: addresses or networks (CIDR), separated by commas or
/// blanks.
pub fn parse_trusted(text: &str) -> Result<Vec<ipnet::IpNet>, String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    format!("{s:?} is not an address or a network: use e.g. 10.0.0.1 or 10.0.0.0/8")
                })
        })
        .collect()
}

/// Argon2 is CPU work of tens of milliseconds: keep it off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    actix_web::web::block(f)
        .await
        .map_err(|e| ApiError::Internal(format!("blocking task failed: {e}")))
}

/// Checks an e-mail and password as sign-in does: the attempt is reserved (per address,
/// and per account from that address) before the password is checked; a wrong pair is
/// 401. The attempt is the caller's to give back once everything else passed.
pub(crate) async fn password_checked(
    req: &actix_web::HttpRequest,
    state: &AppState,
    email: &str,
    password: String,
) -> Result<(accounts::UserRow, Attempt), ApiError> {
    const WRONG: &str = "wrong e-mail or password";
    crate::people::oidc::passwords_allowed(state)?;
    let attempt = state.gate.attempt(req).for_account(email);
    state
        .gate
        .reserve(&state.store, &attempt, "too many failed sign-ins")
        .await?;
    let lookup = email.to_string();
    let user = state
        .store
        .read(move |c| accounts::find_by_email(c, &lookup))
        .await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let ok = state
        .gate
        .hash(move || check_stored(&password, stored))
        .await?;
    match (ok, user) {
        (true, Some(u)) => Ok((u, attempt)),
        _ => Err(ApiError::Unauthorized(WRONG)),
    }
}

/// Verifies a password against a stored hash — or, for an unknown e-mail, hashes it
/// anyway, so the answer takes as long either way and does not tell which e-mails have
/// accounts.
pub(crate) fn check_stored(password: &str, stored: Option<String>) -> bool {
    match stored {
        Some(h) => passwords::verify(password, &h),
        None => {
            let _ = passwords::hash(password);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let t = parse_trusted("127.0.0.1, 10.0.0.0/8 ::1").unwrap();
        assert_eq!(t.len(), 3);
        let g = Gate::new(t);
        assert!(g.trusts("10.1.2.3".parse().unwrap()));
        assert!(g.trusts("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!g.trusts("192.168.0.1".parse().unwrap()));
        assert!(parse_trusted("10.0.0.0/33").is_err());
        assert!(parse_trusted("proxy").unwrap_err().contains("proxy"));
    }

    #[tokio::test]
    async fn hashing_is_bounded_and_a_full_queue_is_refused() {
        let g = std::sync::Arc::new(Gate::new(vec![]));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        let mut held = Vec::new();
        for _ in 0..QUEUE + HASHERS {
            let (g, rx) = (g.clone(), rx.clone());
            held.push(tokio::spawn(async move {
                g.hash(move || {
                    let _ = rx.lock().map(|r| r.recv());
                })
                .await
            }));
        }
        while g.waiting.load(Ordering::Acquire) < QUEUE + HASHERS {
            tokio::task::yield_now().await;
        }
        let refused = g.hash(|| ()).await;
        assert!(matches!(refused, Err(ApiError::TooMany(_, 1))));
        for _ in 0..QUEUE + HASHERS {
            tx.send(()).unwrap();
        }
        for h in held {
            assert!(h.await.unwrap().is_ok());
        }
        assert!(g.hash(|| ()).await.is_ok(), "the queue drains");
    }
}
