//! The outbound address guard: webhooks must not become a way to reach the machine's own
//! network (SSRF). Names are resolved by our resolver, which drops forbidden addresses,
//! so the connection can only go to an allowed IP; IP literals are checked directly.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether private addresses may be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AddressPolicy {
    /// `OVERDUE_WEBHOOK_ALLOW_PRIVATE=true`: allow everything (tests, trusted networks).
    pub allow_private: bool,
}

impl AddressPolicy {
    /// Is this address allowed as a destination?
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allow_private || is_public(ip)
    }
}

/// True for globally routable unicast addresses. An IPv6 address that carries an IPv4
/// address (mapped, compatible, translated, NAT64, 6to4, Teredo) is judged by the IPv4
/// address it leads to as well: `[::127.0.0.1]` or `[64:ff9b::7f00:1]` is loopback.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6) && embedded_v4(v6).iter().all(|v4| is_public_v4(*v4)),
    }
}

/// The IPv4 addresses an IPv6 address embeds, by the transition mechanisms that route
/// to them.
fn embedded_v4(ip: Ipv6Addr) -> Vec<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    let mut out = Vec::new();
    match s {
        // ::a.b.c.d (compatible, deprecated) and ::ffff:a.b.c.d (mapped).
        [0, 0, 0, 0, 0, 0 | 0xffff, hi, lo] => out.push(v4(hi, lo)),
        // ::ffff:0:a.b.c.d (translated, RFC 2765).
        [0, 0, 0, 0, 0xffff, 0, hi, lo] => out.push(v4(hi, lo)),
        // 64:ff9b::a.b.c.d (NAT64 well-known prefix, RFC 6052).
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => out.push(v4(hi, lo)),
        // 2002:a.b.c.d::/48 (6to4).
        [0x2002, hi, lo, ..] => out.push(v4(hi, lo)),
        // 2001:0::/32 (Teredo): the server, and the client XOR-obfuscated.
        [0x2001, 0, shi, slo, _, _, chi, clo] => {
            out.push(v4(shi, slo));
            out.push(v4(!chi, !clo));
        }
        _ => {}
    }
    out
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xC0) == 64) // 100.64.0.0/10 carrier-grade NAT
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24 protocol assignments
        || (o[0] == 198 && (o[1] & 0xFE) == 18) // 198.18.0.0/15 benchmarking
        || o[0] >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xFE00) == 0xFC00 // fc00::/7 unique local
        || (s[0] & 0xFFC0) == 0xFE80 // fe80::/10 link local
        || (s[0] & 0xFFC0) == 0xFEC0 // fec0::/10 site local (deprecated)
        || (s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 0x0001) // 64:ff9b:1::/48 local NAT64
        || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0) // 100::/64 discard
        || (s[0] == 0x2001 && s[1] == 0x0db8)) // documentation
}

/// A DNS resolver that only returns allowed addresses.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    /// The policy applied.
    pub policy: AddressPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| policy.allows(a.ip()))
                .collect();
            if allowed.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> = format!(
                    "refused: {host} resolves only to private, loopback or link-local addresses \
                     (set OVERDUE_WEBHOOK_ALLOW_PRIVATE=true to allow them)"
                )
                .into();
                return Err(err);
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// Checks a URL whose host is an IP literal (those bypass DNS). `Err` says why.
pub fn check_literal(url: &url::Url, policy: AddressPolicy) -> Result<(), String> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        }
        _ => return Ok(()),
    };
    if policy.allows(ip) {
        Ok(())
    } else {
        Err(format!(
            "refused: {ip} is a private, loopback or link-local address \
             (set OVERDUE_WEBHOOK_ALLOW_PRIVATE=true to allow it)"
        ))
    }
}

/// Checks an HTTP(S) URL of a channel setting (`field` names it in errors) and refuses
/// literal private addresses under `policy`.
pub fn check_http_url(field: &str, text: &str, policy: AddressPolicy) -> Result<(), String> {
    let url =
        url::Url::parse(text).map_err(|e| format!("{field} {text:?} is not a valid URL: {e}"))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "{field} must start with http:// or https://, got {text:?}"
        ));
    }
    if url.host().is_none() {
        return Err(format!("{field} has no host"));
    }
    check_literal(&url, policy)
}

/// The resolver as reqwest wants it.
pub fn resolver(policy: AddressPolicy) -> Arc<GuardedResolver> {
    Arc::new(GuardedResolver { policy })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "255.255.255.255",
            // IPv4 inside IPv6, every form that routes to it.
            "::127.0.0.1",
            "::ffff:0:7f00:1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::a00:1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "2001:0:7f00:1::1",
            "2001:0:4136:e378:8000:63bf:80ff:fffe",
            "fec0::1",
            "100::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "2606:4700::1111",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn literal_hosts_are_checked() {
        let deny = AddressPolicy::default();
        let allow = AddressPolicy {
            allow_private: true,
        };
        let u = url::Url::parse("http://127.0.0.1:9/x").unwrap();
        assert!(check_literal(&u, deny).is_err());
        assert!(check_literal(&u, allow).is_ok());
        let l = url::Url::parse("http://localhost/x").unwrap();
        assert!(check_literal(&l, deny).is_err());
        let v6 = url::Url::parse("http://[::1]/x").unwrap();
        assert!(check_literal(&v6, deny).is_err());
        for literal in [
            "[::127.0.0.1]",
            "[64:ff9b::7f00:1]",
            "[2002:7f00:1::1]",
            "[::ffff:0:7f00:1]",
        ] {
            let u = url::Url::parse(&format!("http://{literal}/x")).unwrap();
            assert!(check_literal(&u, deny).is_err(), "{literal}");
        }
        let public = url::Url::parse("https://example.com/x").unwrap();
        assert!(check_literal(&public, deny).is_ok());
    }
}
