//! Who is asking: the client's address, for rate limits, sign-in throttling and records.
//!
//! The address is the connection's peer. Behind reverse proxies every peer is a proxy, so the
//! operator lists them (`--trusted-proxies`), and from those peers only the address they
//! forward is taken: the right-most `X-Forwarded-For` entry that is not itself a trusted proxy
//! (or, when a proxy sends no `X-Forwarded-For`, the same in RFC 7239 `Forwarded: for=`).
//! Entries further left were written by the client and prove nothing. From any other peer
//! these headers are ignored, so nobody can pick their own address.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::{IpNet, Ipv6Net};

use crate::AppState;

/// The networks of the reverse proxies in front of the site.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|network| network.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma-separated list of addresses (`192.0.2.7`) and CIDR networks (`10.0.0.0/8`,
    /// `fd00::/8`); an error names the entry and what is wrong with it.
    fn from_str(list: &str) -> Result<Self, String> {
        let mut networks = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
            let (address, prefix) = match entry.split_once('/') {
                Some((address, prefix)) => (address, Some(prefix)),
                None => (entry, None),
            };
            let address: IpAddr = address.parse().map_err(|_| {
                format!("{entry:?} is not an IP address or network: {address:?} is not an IPv4 or IPv6 address")
            })?;
            let network = match prefix {
                None => IpNet::from(address),
                Some(prefix) => {
                    let bits: u8 = prefix
                        .parse()
                        .map_err(|_| format!("{entry:?} is not an IP network: {prefix:?} is not a prefix length"))?;
                    IpNet::new(address, bits).map_err(|_| {
                        let max = if address.is_ipv4() { 32 } else { 128 };
                        format!("{entry:?} is not an IP network: the prefix length is at most {max}")
                    })?
                }
            };
            networks.push(network.trunc());
        }
        Ok(Self(networks))
    }
}

/// The client's address, when the request came over a connection (requests built in tests
/// have none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The key limits count this client under. An IPv6 client is keyed by its /64: one
    /// subscriber's network, whose addresses anyone on it can rotate through. IPv4-mapped IPv6
    /// addresses count as the IPv4 address.
    pub fn key(&self) -> String {
        match self.0.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V4(v4)) => v4.to_string(),
            Some(IpAddr::V6(v6)) => Ipv6Net::new(v6, 64).map_or_else(|_| v6.to_string(), |net| net.trunc().to_string()),
            None => "unknown".to_owned(),
        }
    }

    /// The full address, as recorded with sessions and consents.
    pub fn address(&self) -> Option<String> {
        self.0.map(|ip| ip.to_canonical().to_string())
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientIp(peer.map(|peer| client_address(peer, &parts.headers, &state.trusted_proxies))))
    }
}

/// The client behind `peer`: the peer itself unless it is a trusted proxy; then, reading the
/// forwarded addresses from the right, the first that is not a trusted proxy. When every hop is
/// trusted, the left-most; when a trusted hop wrote something that is not an address, the last
/// trusted hop (the client cannot be told, and is not guessed).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let mut client = peer.to_canonical();
    if !trusted.contains(client) {
        return client;
    }
    for hop in forwarded_for(headers).into_iter().rev() {
        let Some(hop) = hop else { return client };
        client = hop.to_canonical();
        if !trusted.contains(client) {
            break;
        }
    }
    client
}

/// The addresses the proxies forwarded, in order (`None` for an entry that is not one):
/// `X-Forwarded-For` if present, else the `for=` of each `Forwarded` element. Several header
/// lines count as one list, in order.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let lines = |name: &str| -> Vec<Option<&str>> { headers.get_all(name).iter().map(|v| v.to_str().ok()).collect() };
    let xff = lines("x-forwarded-for");
    if !xff.is_empty() {
        return xff
            .into_iter()
            .flat_map(|line| match line {
                Some(line) => line.split(',').map(node_address).collect(),
                None => vec![None],
            })
            .collect();
    }
    lines("forwarded")
        .into_iter()
        .flat_map(|line| match line {
            Some(line) => line
                .split(',')
                .map(|element| {
                    let value = element.split(';').find_map(|pair| {
                        let (key, value) = pair.split_once('=')?;
                        key.trim().eq_ignore_ascii_case("for").then_some(value)
                    });
                    value.and_then(node_address)
                })
                .collect(),
            None => vec![None],
        })
        .collect()
}

/// An address as proxies write it: `192.0.2.60`, `192.0.2.60:4711`, `2001:db8::17`,
/// `[2001:db8::17]:4711`, optionally quoted (RFC 7239). `unknown` and obfuscated names are not
/// addresses.
fn node_address(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Some(rest) = node.strip_prefix('[') {
        let (v6, _port) = rest.split_once(']')?;
        return v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    // An IPv4 address with a port; a bare IPv6 address has more than one colon and parsed above.
    let (v4, port) = node.split_once(':')?;
    port.parse::<u16>().ok()?;
    v4.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_str(value).expect("header"));
        }
        headers
    }

    fn proxies(list: &str) -> TrustedProxies {
        list.parse().expect("a valid list")
    }

    #[test]
    fn trusted_proxies_are_addresses_and_networks() {
        let trusted = proxies(" 10.0.0.0/8, 192.0.2.7 ,fd00::/8,,127.0.0.1");
        for yes in ["10.1.2.3", "192.0.2.7", "fd12::1", "127.0.0.1", "::ffff:10.9.9.9"] {
            assert!(trusted.contains(ip(yes)), "{yes}");
        }
        for no in ["11.0.0.1", "192.0.2.8", "2001:db8::1", "::1"] {
            assert!(!trusted.contains(ip(no)), "{no}");
        }
        assert!(proxies("").is_empty());
        assert_eq!(proxies("10.1.2.3/8"), proxies("10.0.0.0/8"), "host bits are dropped");
    }

    #[test]
    fn a_bad_entry_is_named_with_what_is_wrong() {
        let error = |list: &str| list.parse::<TrustedProxies>().expect_err("refused");
        assert_eq!(
            error("10.0.0.0/8, 10.0.0.300/32"),
            "\"10.0.0.300/32\" is not an IP address or network: \"10.0.0.300\" is not an IPv4 or IPv6 address"
        );
        assert_eq!(error("10.0.0.0/33"), "\"10.0.0.0/33\" is not an IP network: the prefix length is at most 32");
        assert_eq!(error("fd00::/129"), "\"fd00::/129\" is not an IP network: the prefix length is at most 128");
        assert_eq!(error("10.0.0.0/x"), "\"10.0.0.0/x\" is not an IP network: \"x\" is not a prefix length");
        assert!(error("proxy.internal").contains("\"proxy.internal\" is not an IPv4 or IPv6 address"));
    }

    #[test]
    fn forwarded_headers_are_ignored_from_untrusted_peers() {
        let trusted = proxies("10.0.0.0/8");
        let spoofed = headers(&[("x-forwarded-for", "198.51.100.1"), ("forwarded", "for=198.51.100.2")]);
        assert_eq!(client_address(ip("203.0.113.5"), &spoofed, &trusted), ip("203.0.113.5"));
        assert_eq!(client_address(ip("203.0.113.5"), &spoofed, &TrustedProxies::default()), ip("203.0.113.5"));
    }

    #[test]
    fn the_right_most_untrusted_forwarded_address_is_the_client() {
        let trusted = proxies("10.0.0.0/8");
        let peer = ip("10.0.0.2");
        for (pairs, client) in [
            // The client wrote the left-most entries itself; our proxies appended the rest.
            (vec![("x-forwarded-for", "1.2.3.4, 198.51.100.1")], "198.51.100.1"),
            (vec![("x-forwarded-for", "1.2.3.4, 198.51.100.1, 10.0.0.9")], "198.51.100.1"),
            (vec![("x-forwarded-for", "1.2.3.4"), ("x-forwarded-for", "198.51.100.1, 10.0.0.9")], "198.51.100.1"),
            (vec![("x-forwarded-for", "198.51.100.1:4711")], "198.51.100.1"),
            (vec![("x-forwarded-for", "[2001:db8::17]:4711")], "2001:db8::17"),
            (vec![("x-forwarded-for", "2001:db8::17")], "2001:db8::17"),
            (vec![("x-forwarded-for", "::ffff:198.51.100.1")], "198.51.100.1"),
            // Every hop is ours: the left-most.
            (vec![("x-forwarded-for", "10.1.1.1, 10.0.0.9")], "10.1.1.1"),
            // A hop of ours that could not tell: the last hop that could.
            (vec![("x-forwarded-for", "198.51.100.1, unknown, 10.0.0.9")], "10.0.0.9"),
            (vec![("x-forwarded-for", "")], "10.0.0.2"),
            (vec![], "10.0.0.2"),
            // RFC 7239, when no X-Forwarded-For is sent.
            (vec![("forwarded", "for=1.2.3.4, for=198.51.100.1;proto=https;by=10.0.0.2")], "198.51.100.1"),
            (vec![("forwarded", "for=\"[2001:db8:cafe::17]:4711\"")], "2001:db8:cafe::17"),
            (vec![("forwarded", "For=\"198.51.100.1:80\", for=10.0.0.7")], "198.51.100.1"),
            (vec![("forwarded", "for=_hidden")], "10.0.0.2"),
            (vec![("x-forwarded-for", "198.51.100.1"), ("forwarded", "for=198.51.100.2")], "198.51.100.1"),
        ] {
            assert_eq!(client_address(peer, &headers(&pairs), &trusted), ip(client), "{pairs:?}");
        }
        let mapped_peer = ip("::ffff:10.0.0.2");
        assert_eq!(
            client_address(mapped_peer, &headers(&[("x-forwarded-for", "198.51.100.1")]), &trusted),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(ClientIp(Some(ip("2001:db8:1:2:aaaa::1"))).key(), "2001:db8:1:2::/64");
        assert_eq!(ClientIp(Some(ip("2001:db8:1:2:bbbb::9"))).key(), "2001:db8:1:2::/64");
        assert_ne!(ClientIp(Some(ip("2001:db8:1:3::1"))).key(), "2001:db8:1:2::/64");
        assert_eq!(ClientIp(Some(ip("::ffff:198.51.100.1"))).key(), "198.51.100.1");
        assert_eq!(ClientIp(Some(ip("198.51.100.1"))).key(), "198.51.100.1");
        assert_eq!(ClientIp(None).key(), "unknown");
        assert_eq!(ClientIp(Some(ip("::ffff:198.51.100.1"))).address().as_deref(), Some("198.51.100.1"));
    }
}
