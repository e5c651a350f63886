//! The client's address, as login throttling and the logs see it.
//!
//! Behind a reverse proxy every request comes from the proxy's address, so one address would
//! lock out everyone. Only when the peer is a proxy named in `trusted_proxies` is the address
//! taken from `X-Forwarded-For` (or, without it, `Forwarded`): the right-most entry that is not
//! itself a trusted proxy. From any other peer those headers are ignored, so they cannot be
//! spoofed to dodge the throttle.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// The client address of `req` given the trusted proxies; "unknown" when there is no peer (as
/// in the in-process tests).
pub fn client_addr(req: &HttpRequest, trusted: &[IpAddr]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let header = |name: &str| -> Vec<String> {
        req.headers()
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect()
    };
    let forwarded_for = header("x-forwarded-for");
    let chain: Vec<IpAddr> = if !forwarded_for.is_empty() {
        forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .filter_map(|s| parse_ip(s.trim()))
            .collect()
    } else {
        header("forwarded")
            .iter()
            .flat_map(|v| v.split(','))
            .flat_map(|element| element.split(';'))
            .filter_map(|pair| {
                let (k, v) = pair.trim().split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| parse_ip(v.trim().trim_matches('"')))?
            })
            .collect()
    };
    chain
        .iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .copied()
        .unwrap_or(peer)
        .to_string()
}

/// `1.2.3.4`, `1.2.3.4:5678`, `[::1]:80` or `::1`.
fn parse_ip(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Ok(sock) = s.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    s.strip_prefix('[')
        .and_then(|r| r.split(']').next())
        .and_then(|ip| ip.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn req(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut r = TestRequest::default().peer_addr(peer.parse().unwrap());
        for (k, v) in headers {
            r = r.insert_header((*k, *v));
        }
        r.to_http_request()
    }

    #[test]
    fn a_spoofed_header_from_an_untrusted_peer_is_ignored() {
        let r = req("203.0.113.9:5000", &[("x-forwarded-for", "10.9.9.9")]);
        assert_eq!(client_addr(&r, &[]), "203.0.113.9");
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(client_addr(&r, &[proxy]), "203.0.113.9");
    }

    #[test]
    fn behind_a_trusted_proxy_the_forwarded_client_is_used() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        // The client may prepend anything; the proxy appends the real address last.
        let r = req(
            "10.0.0.1:443",
            &[("x-forwarded-for", "1.1.1.1, 198.51.100.7")],
        );
        assert_eq!(client_addr(&r, &[proxy]), "198.51.100.7");
        let r = req(
            "10.0.0.1:443",
            &[("forwarded", "for=\"[2001:db8::1]:4711\";proto=https")],
        );
        assert_eq!(client_addr(&r, &[proxy]), "2001:db8::1");
        let r = req("10.0.0.1:443", &[]);
        assert_eq!(client_addr(&r, &[proxy]), "10.0.0.1");
    }
}
