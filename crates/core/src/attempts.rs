//! The sign-in gate's rules (docs/security.md, "Sign-in limits"): which counters an
//! attempt at a password or a token is charged to, how long a window lasts, and which
//! address a request comes from when proxies forward it.

use std::net::IpAddr;

use crate::Timestamp;

/// A window of counting, in milliseconds (15 minutes).
pub const WINDOW_MS: i64 = 15 * 60 * 1_000;
/// Failed attempts allowed per (account, address) in a window.
pub const PER_ACCOUNT: i64 = 5;
/// Failed attempts allowed per address in a window, over every password and token path.
pub const PER_ADDRESS: i64 = 20;

/// Seconds until a window that began at `start` ends (at least 1).
pub fn wait_secs(start: i64, window_ms: i64, now: Timestamp) -> i64 {
    ((start + window_ms - now.0).max(0) / 1_000 + 1).max(1)
}

/// The counter key of an address: IPv4 as it is, IPv6 by its /64 (one subscriber gets a
/// whole /64 and could otherwise take a new address per guess). IPv4-mapped IPv6
/// addresses count as their IPv4 address.
pub fn address_bucket(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The counter of attempts from one address (every password and token path).
pub fn address_key(ip: IpAddr) -> String {
    format!("ip {}", address_bucket(ip))
}

/// The counter of attempts at one account from one address.
pub fn account_key(email: &str, ip: IpAddr) -> String {
    format!("acct {} {}", email, address_bucket(ip))
}

/// The address a request comes from. A `X-Forwarded-For` header is believed only when
/// the peer is a trusted proxy; it is then walked from the right (each proxy appends the
/// address it saw), skipping trusted proxies, and the first untrusted entry is the
/// client. Entries to the left of it were written by the client and are never believed.
/// An unreadable entry stops the walk at the last trusted hop.
pub fn client_address(
    peer: IpAddr,
    forwarded_for: Option<&str>,
    trusted: impl Fn(IpAddr) -> bool,
) -> IpAddr {
    if !trusted(peer) {
        return peer;
    }
    let Some(header) = forwarded_for else {
        return peer;
    };
    let mut client = peer;
    for entry in header.rsplit(',') {
        let Some(ip) = parse_entry(entry) else {
            return client;
        };
        client = ip;
        if !trusted(ip) {
            return ip;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, possibly with a port or in brackets.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let e = entry.trim();
    if let Ok(ip) = e.parse() {
        return Some(ip);
    }
    if let Ok(sock) = e.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    let inner = e.strip_prefix('[')?.split(']').next()?;
    inner.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_and_mapped_ones_as_ipv4() {
        assert_eq!(
            address_bucket(ip("2001:db8:1:2:aaaa::1")),
            address_bucket(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            address_bucket(ip("2001:db8:1:2::1")),
            address_bucket(ip("2001:db8:1:3::1"))
        );
        assert_eq!(address_bucket(ip("::ffff:192.0.2.7")), "192.0.2.7");
        assert_eq!(address_key(ip("192.0.2.7")), "ip 192.0.2.7");
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies_walking_from_the_right() {
        let proxy = |a: IpAddr| a == ip("10.0.0.2") || a == ip("10.0.0.3");
        // No trusted peer: the header is the client's own words.
        assert_eq!(
            client_address(ip("198.51.100.1"), Some("1.1.1.1"), proxy),
            ip("198.51.100.1")
        );
        // A proxy appends what it saw; the client wrote the left entry.
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("6.6.6.6, 203.0.113.9"), proxy),
            ip("203.0.113.9")
        );
        // Two trusted hops are skipped.
        assert_eq!(
            client_address(
                ip("10.0.0.2"),
                Some("6.6.6.6, 203.0.113.9, 10.0.0.3"),
                proxy
            ),
            ip("203.0.113.9")
        );
        // Garbage stops at the last trusted hop; no header is the peer.
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("nonsense, 10.0.0.3"), proxy),
            ip("10.0.0.3")
        );
        assert_eq!(client_address(ip("10.0.0.2"), None, proxy), ip("10.0.0.2"));
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("[2001:db8::1]:443"), proxy),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn the_wait_is_what_is_left_of_the_window() {
        assert_eq!(wait_secs(0, WINDOW_MS, Timestamp(0)), 901);
        assert_eq!(wait_secs(0, WINDOW_MS, Timestamp(WINDOW_MS)), 1);
    }
}
