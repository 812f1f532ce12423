//! Who may talk to `listen`. Every web page the user opens can send requests to a port on
//! loopback, so the server decides, before anything else, whether a request was addressed to
//! this listener at all (its `Host`) and, for the inspector, which page sent it (its `Origin`).
//! Pure functions of the request's headers and the listener's addresses; the server applies
//! them.

use std::net::IpAddr;

use super::api::Refusal;

/// The names and origins a listener accepts besides its own addresses.
#[derive(Debug, Clone, Default)]
pub struct Allowed {
    /// `--allow-host NAME[:PORT]`: names a client may call this listener by (a container's
    /// `host.docker.internal`, a tunnel's name), lowercased.
    pub hosts: Vec<String>,
    /// `--allow-origin URL`: pages (a local dashboard) that may read and change the inspector,
    /// as `scheme://host[:port]`, lowercased.
    pub origins: Vec<String>,
}

impl Allowed {
    /// From the command line's words, each checked; a mistake is said with what is expected.
    pub fn new(hosts: &[String], origins: &[String]) -> Result<Self, String> {
        let hosts = hosts
            .iter()
            .map(|h| {
                let h = h.trim().to_ascii_lowercase();
                let ok = !h.is_empty()
                    && !h.contains(['/', '@', '?', '#', ' '])
                    && split_host(&h).is_some();
                if ok {
                    Ok(h)
                } else {
                    Err(format!(
                        "--allow-host {h:?} is not a host name (NAME or NAME:PORT)"
                    ))
                }
            })
            .collect::<Result<_, _>>()?;
        let origins = origins
            .iter()
            .map(|o| origin(o))
            .collect::<Result<_, _>>()?;
        Ok(Self { hosts, origins })
    }
}

/// `--allow-origin`'s URL as a browser writes an `Origin`: `scheme://host[:port]`, nothing
/// after it. `*` and `null` are refused: they would let any page (or any sandboxed one) in.
fn origin(url: &str) -> Result<String, String> {
    let o = url.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = o
        .strip_prefix("http://")
        .or_else(|| o.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', '@', '*']) => Ok(o),
        _ => Err(format!(
            "--allow-origin {url:?} is not an origin: give the page's scheme, host and port, \
             e.g. http://localhost:3000 (never * or null)"
        )),
    }
}

/// `host[:port]` split, with IPv6 literals in brackets; the port must be a number.
fn split_host(h: &str) -> Option<(&str, Option<u16>)> {
    let (name, port) = if let Some(rest) = h.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (inside, port)
    } else {
        match h.rsplit_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (h, None),
        }
    };
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    Some((name, port))
}

/// Where a listener is: the port it took and the address it was bound to.
#[derive(Debug, Clone, Copy)]
pub struct Listener {
    pub port: u16,
    pub bind: IpAddr,
}

/// Whether a request's `Host` names this listener: a loopback name or address, the address
/// the client connected to (only when bound beyond loopback), or a name the user allowed; and
/// this listener's port. A page that reached us through a name of its own (DNS rebinding)
/// always sends that name. A request with no `Host` is refused as HTTP/1.1 says (RFC 9112
/// 3.2: "A server MUST respond with a 400 … to any HTTP/1.1 request message that lacks a Host
/// header field").
pub fn check_host(
    host: Option<&str>,
    local: IpAddr,
    at: Listener,
    allowed: &Allowed,
) -> Result<(), Refusal> {
    let Some(given) = host else {
        return Err(Refusal {
            status: 400,
            message: "the request has no Host header, which HTTP/1.1 requires".into(),
        });
    };
    let lower = given.trim().to_ascii_lowercase();
    if host_is_ours(&lower, local, at, allowed) {
        return Ok(());
    }
    let mut message = format!(
        "Host {:?} is not this listener. It answers requests addressed to localhost, \
         127.0.0.1 or [::1] on port {}",
        crate::text::printable(given),
        at.port
    );
    if !at.bind.is_loopback() {
        message.push_str(", or to this machine's address the client connected to");
    }
    message.push_str(
        ", so that a web page cannot reach it through a name of its own (DNS rebinding). \
         To call it by another name (a container, a phone, a tunnel), start listen with \
         --allow-host NAME",
    );
    if at.bind.is_loopback() {
        message.push_str(" (and --bind 0.0.0.0 to be reachable from other machines)");
    }
    Err(Refusal {
        status: 403,
        message,
    })
}

fn host_is_ours(host: &str, local: IpAddr, at: Listener, allowed: &Allowed) -> bool {
    let Some((name, port)) = split_host(host) else {
        return false;
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    // An allowed name without a port is allowed on any (a port forwarded from elsewhere).
    let listed = allowed.hosts.iter().any(|a| match split_host(a) {
        Some((n, None)) => n == name,
        Some((n, Some(p))) => n == name && Some(p) == port,
        None => false,
    });
    if listed {
        return true;
    }
    // A browser always writes a port other than 80, so one that names another port was
    // meant for another server; none at all comes from a hand-written request.
    if port.is_some_and(|p| p != at.port) {
        return false;
    }
    // RFC 6761: `localhost` and names under it resolve to loopback in browsers themselves.
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    match name.parse::<IpAddr>() {
        // An address literal cannot be rebound: loopback, or the address this client reached.
        Ok(ip) => is_loopback(ip) || (!at.bind.is_loopback() && same_ip(ip, local)),
        Err(_) => false,
    }
}

/// Loopback, IPv4-mapped loopback (`::ffff:127.0.0.1`) included.
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v| v.is_loopback()),
    }
}

/// The same address, whether written as IPv4 or as IPv4-mapped IPv6 (a dual-stack socket).
fn same_ip(a: IpAddr, b: IpAddr) -> bool {
    a.to_canonical() == b.to_canonical()
}

/// What the inspector makes of a request's `Origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No `Origin`: curl, a test runner, a server; not a page.
    NotAPage,
    /// This listener's own origin, or one `--allow-origin` named: answered with CORS for it.
    Allowed(String),
    /// Any other page: refused.
    Foreign(String),
}

/// Who sent an inspector request, given its `Origin`, its `Sec-Fetch-Site` and (already
/// checked) `Host`. A page's `<img>`, `<script>` or plain link sends no `Origin`, but a
/// browser says it comes from another site in `Sec-Fetch-Site` (Fetch Metadata): that one is
/// foreign too, so that no page can make the inspector scan the capture.
pub fn caller(
    origin: Option<&str>,
    fetch_site: Option<&str>,
    host: Option<&str>,
    allowed: &Allowed,
) -> Caller {
    let Some(origin) = origin else {
        return match fetch_site.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
            Some(site @ ("cross-site" | "same-site")) => {
                Caller::Foreign(format!("another site (Sec-Fetch-Site: {site})"))
            }
            _ => Caller::NotAPage,
        };
    };
    let lower = origin.trim().to_ascii_lowercase();
    let own = host.is_some_and(|h| lower == format!("http://{}", h.trim().to_ascii_lowercase()));
    if own || allowed.origins.contains(&lower) {
        Caller::Allowed(origin.to_owned())
    } else {
        Caller::Foreign(origin.to_owned())
    }
}

/// The refusal a foreign page gets from the inspector.
pub fn foreign(origin: &str) -> Refusal {
    Refusal {
        status: 403,
        message: format!(
            "a page from {} may not read or change what listen captured; \
             start listen with --allow-origin URL to let a page of your own in",
            crate::text::printable(origin)
        ),
    }
}

/// A request that changes the capture must say it sends JSON, which a page can do only after
/// a CORS preflight (that a foreign page fails): a form or `text/plain` POST is refused.
pub fn check_changing(content_type: Option<&str>) -> Result<(), Refusal> {
    let essence = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    if essence.as_deref() == Some("application/json") {
        Ok(())
    } else {
        Err(Refusal {
            status: 415,
            message: "this changes the capture, so it needs Content-Type: application/json \
                      (curl -X POST -H 'Content-Type: application/json' …)"
                .into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOPBACK: Listener = Listener {
        port: 8787,
        bind: IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
    };

    fn ok(host: &str, local: &str, at: Listener, allowed: &Allowed) -> bool {
        check_host(Some(host), local.parse().unwrap(), at, allowed).is_ok()
    }

    #[test]
    fn loopback_names_and_addresses_on_our_port_pass_and_others_do_not() {
        let none = Allowed::default();
        for h in [
            "localhost:8787",
            "LocalHost:8787",
            "localhost.:8787",
            "app.localhost:8787",
            "127.0.0.1:8787",
            "127.1.2.3:8787",
            "[::1]:8787",
            "[::ffff:127.0.0.1]:8787",
        ] {
            assert!(ok(h, "127.0.0.1", LOOPBACK, &none), "{h}");
        }
        for h in [
            "evil.example:8787",
            "evil.example",
            "localhost:9999",
            "evil.example:80",
            "localhost.evil.example:8787",
            "10.0.0.5:8787",
            "127.0.0.1:notaport",
            "[::1",
            "",
        ] {
            assert!(!ok(h, "127.0.0.1", LOOPBACK, &none), "{h}");
        }
        // No Host: HTTP/1.1 says 400 (RFC 9112 3.2).
        let none_given = check_host(None, "127.0.0.1".parse().unwrap(), LOOPBACK, &none);
        assert_eq!(
            none_given.map_err(|r| r.status),
            Err(400),
            "HTTP/1.1 needs a Host"
        );
        // A port left out (a hand-written request) is no other server's.
        assert!(ok("localhost", "127.0.0.1", LOOPBACK, &none));
    }

    #[test]
    fn beyond_loopback_the_address_reached_passes_and_allowed_names_are_the_way_out() {
        let lan = Listener {
            port: 8787,
            bind: "0.0.0.0".parse().unwrap(),
        };
        let none = Allowed::default();
        assert!(ok("192.168.1.5:8787", "192.168.1.5", lan, &none));
        assert!(ok("192.168.1.5:8787", "::ffff:192.168.1.5", lan, &none));
        assert!(!ok("192.168.1.9:8787", "192.168.1.5", lan, &none));
        // On loopback, even the address reached is no reason (it is loopback anyway).
        assert!(!ok("192.168.1.5:8787", "192.168.1.5", LOOPBACK, &none));
        let err = check_host(
            Some("host.docker.internal:8787"),
            "127.0.0.1".parse().unwrap(),
            LOOPBACK,
            &none,
        )
        .unwrap_err();
        assert_eq!(err.status, 403);
        assert!(err.message.contains("--allow-host NAME"), "{}", err.message);
        assert!(err.message.contains("port 8787"), "{}", err.message);
        let allowed = Allowed::new(
            &["Host.Docker.Internal".into(), "tunnel.test:443".into()],
            &[],
        )
        .unwrap();
        assert!(ok(
            "host.docker.internal:9000",
            "127.0.0.1",
            LOOPBACK,
            &allowed
        ));
        assert!(ok("tunnel.test:443", "127.0.0.1", LOOPBACK, &allowed));
        assert!(!ok("tunnel.test:8443", "127.0.0.1", LOOPBACK, &allowed));
        assert!(Allowed::new(&["http://x/".into()], &[]).is_err());
    }

    #[test]
    fn origins_are_our_own_or_allowed_and_wildcards_are_refused() {
        let allowed = Allowed::new(&[], &["http://localhost:3000/".into()]).unwrap();
        assert_eq!(allowed.origins, ["http://localhost:3000"]);
        assert_eq!(
            caller(None, None, Some("localhost:8787"), &allowed),
            Caller::NotAPage
        );
        // A page's <img> or <script> sends no Origin, but says where it comes from.
        for site in ["cross-site", "same-site", "Cross-Site"] {
            assert!(
                matches!(
                    caller(None, Some(site), Some("localhost:8787"), &allowed),
                    Caller::Foreign(_)
                ),
                "{site}"
            );
        }
        for site in ["same-origin", "none"] {
            assert_eq!(
                caller(None, Some(site), Some("localhost:8787"), &allowed),
                Caller::NotAPage
            );
        }
        assert!(matches!(
            caller(
                Some("http://localhost:8787"),
                None,
                Some("localhost:8787"),
                &allowed
            ),
            Caller::Allowed(_)
        ));
        assert!(matches!(
            caller(
                Some("http://LOCALHOST:3000"),
                None,
                Some("localhost:8787"),
                &allowed
            ),
            Caller::Allowed(_)
        ));
        for o in [
            "https://evil.example",
            "null",
            "http://localhost:3001",
            "https://localhost:8787",
        ] {
            assert!(
                matches!(
                    caller(Some(o), None, Some("localhost:8787"), &allowed),
                    Caller::Foreign(_)
                ),
                "{o}"
            );
        }
        for bad in ["*", "null", "localhost:3000", "http://x/path", "http://"] {
            assert!(Allowed::new(&[], &[bad.into()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_json_may_change_the_capture() {
        assert!(check_changing(Some("application/json")).is_ok());
        assert!(check_changing(Some("Application/JSON; charset=utf-8")).is_ok());
        for c in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/jsonp"),
        ] {
            assert_eq!(check_changing(c).unwrap_err().status, 415, "{c:?}");
        }
    }
}
