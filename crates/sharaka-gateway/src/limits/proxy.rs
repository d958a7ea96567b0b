//! The client's address behind reverse proxies (`SHARAKA_TRUSTED_PROXIES`).
//!
//! The TCP peer is the client unless it is a trusted proxy. From a trusted proxy, the client is
//! the right-most `X-Forwarded-For` hop that is not itself trusted: every proxy appends the
//! address it received the request from, so hops to the right of the first untrusted one were
//! written by our own proxies, and anything to its left was written by the client and may be
//! forged. A hop that does not parse stops the walk at the last address we can vouch for.
//! From an untrusted peer, the header is ignored: anyone can send it.
//!
//! The result feeds the per-address rate limit and the `client` field of the request's span.

use std::net::IpAddr;

use ipnet::IpNet;

/// Whether `address` is one of the `trusted` proxies.
fn trusted_proxy(address: IpAddr, trusted: &[IpNet]) -> bool {
    // An IPv4 peer may arrive as an IPv4-mapped IPv6 address on a dual-stack socket.
    let address = match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    };
    trusted.iter().any(|net| net.contains(&address))
}

/// One `X-Forwarded-For` hop: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(address) = hop.parse() {
        return Some(address);
    }
    if let Ok(socket) = hop.parse::<std::net::SocketAddr>() {
        return Some(socket.ip());
    }
    hop.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(inside, _)| inside.parse().ok())
}

/// The client's address: `peer`, or (when `peer` is a trusted proxy) the right-most untrusted
/// hop of the `forwarded` headers (`X-Forwarded-For` values, in the order received).
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[IpNet],
) -> IpAddr {
    if trusted.is_empty() || !trusted_proxy(peer, trusted) {
        return peer;
    }
    let hops: Vec<&str> = forwarded.flat_map(|value| value.split(',')).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(address) = parse_hop(hop) else {
            break;
        };
        client = address;
        if !trusted_proxy(address, trusted) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().expect("cidr")).collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = nets(&["10.0.0.0/8"]);
        let client = client_address(ip("203.0.113.9"), ["1.2.3.4"].into_iter(), &trusted);
        assert_eq!(client, ip("203.0.113.9"));
        // No proxies configured: the header is never believed.
        let client = client_address(ip("10.0.0.1"), ["1.2.3.4"].into_iter(), &[]);
        assert_eq!(client, ip("10.0.0.1"));
    }

    #[test]
    fn from_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "fd00::/8"]);
        // The client forged 6.6.6.6; our proxies appended 198.51.100.7 and 10.1.1.1.
        let client = client_address(
            ip("10.2.2.2"),
            ["6.6.6.6, 198.51.100.7", "10.1.1.1"].into_iter(),
            &trusted,
        );
        assert_eq!(client, ip("198.51.100.7"));
        let client = client_address(
            ip("fd00::1"),
            ["[2001:db8::5]:443, 10.1.1.1:80"].into_iter(),
            &trusted,
        );
        assert_eq!(client, ip("2001:db8::5"));
    }

    #[test]
    fn garbage_or_an_all_trusted_chain_stops_at_the_last_known_hop() {
        let trusted = nets(&["10.0.0.0/8"]);
        let client = client_address(ip("10.0.0.1"), ["unknown, 10.0.0.3"].into_iter(), &trusted);
        assert_eq!(client, ip("10.0.0.3"));
        let client = client_address(ip("10.0.0.1"), std::iter::empty(), &trusted);
        assert_eq!(client, ip("10.0.0.1"));
        let mapped = client_address(ip("::ffff:10.0.0.1"), ["192.0.2.1"].into_iter(), &trusted);
        assert_eq!(mapped, ip("192.0.2.1"));
    }
}
