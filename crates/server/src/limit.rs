//! Failed sign-ins are counted and, past a limit, refused before any password is checked
//! (argon2 makes each check cost ~20 ms of CPU, so unlimited guesses are both a brute
//! force and a denial of service). Two windows of 15 minutes: per client address and
//! per (e-mail, address), so one attacker cannot lock a user out from elsewhere.

use std::collections::HashMap;
use std::sync::Mutex;

use overdue_core::Timestamp;

/// Failed sign-ins allowed per (e-mail, address) in a window.
pub const PER_ACCOUNT: u32 = 5;
/// Failed sign-ins allowed per address in a window.
pub const PER_ADDRESS: u32 = 20;
/// The window, in milliseconds.
pub const WINDOW_MS: i64 = 15 * 60 * 1_000;
/// Keys kept at most; past it the oldest windows are forgotten first.
const MAX_KEYS: usize = 100_000;

/// Counts of failed sign-ins (per process: each instance counts its own).
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

impl LoginLimiter {
    fn keys(email: &str, addr: &str) -> [(String, u32); 2] {
        [
            (format!("ip {addr}"), PER_ADDRESS),
            (format!("acct {email} {addr}"), PER_ACCOUNT),
        ]
    }

    /// `Err(seconds to wait)` when this sign-in must not even be checked.
    pub fn check(&self, email: &str, addr: &str, now: Timestamp) -> Result<(), i64> {
        let Ok(map) = self.failures.lock() else {
            return Ok(());
        };
        for (key, limit) in Self::keys(email, addr) {
            if let Some((n, since)) = map.get(&key) {
                let left = since + WINDOW_MS - now.0;
                if *n >= limit && left > 0 {
                    return Err(left / 1_000 + 1);
                }
            }
        }
        Ok(())
    }

    /// Records a failed sign-in.
    pub fn failed(&self, email: &str, addr: &str, now: Timestamp) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() >= MAX_KEYS {
            map.retain(|_, (_, since)| *since + WINDOW_MS > now.0);
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        for (key, _) in Self::keys(email, addr) {
            let e = map.entry(key).or_insert((0, now.0));
            if e.1 + WINDOW_MS <= now.0 {
                *e = (0, now.0);
            }
            e.0 += 1;
        }
    }

    /// A successful sign-in clears that account's count from that address.
    pub fn succeeded(&self, email: &str, addr: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&format!("acct {email} {addr}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_the_account_from_that_address_for_the_window() {
        let l = LoginLimiter::default();
        let t = Timestamp(1_000_000);
        for _ in 0..PER_ACCOUNT {
            assert!(l.check("a@x", "1.2.3.4", t).is_ok());
            l.failed("a@x", "1.2.3.4", t);
        }
        let wait = l.check("a@x", "1.2.3.4", t).unwrap_err();
        assert_eq!(wait, WINDOW_MS / 1_000 + 1);
        assert!(
            l.check("a@x", "5.6.7.8", t).is_ok(),
            "others are not locked out"
        );
        assert!(l.check("b@x", "1.2.3.4", t).is_ok());
        assert!(l
            .check("a@x", "1.2.3.4", Timestamp(t.0 + WINDOW_MS))
            .is_ok());
    }

    #[test]
    fn an_address_guessing_many_accounts_is_stopped() {
        let l = LoginLimiter::default();
        let t = Timestamp(0);
        for i in 0..PER_ADDRESS {
            l.failed(&format!("u{i}@x"), "9.9.9.9", t);
        }
        assert!(l.check("new@x", "9.9.9.9", t).is_err());
    }
}
