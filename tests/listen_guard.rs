//! Who may talk to `listen`, over real HTTP: any page may send tracking calls; no other page
//! reads or wipes the capture through `/inspector`; a request addressed to another name (DNS
//! rebinding) is refused everywhere; write keys never come back whole.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use consent_inspector::listen::{self, Allowed};

mod common;

use common::listen::*;

const EVIL: &str = "https://evil.example";

/// Status, the CORS origin answered (if any), whether credentials were allowed, and the body.
fn call(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Option<String>, bool, String) {
    let mut req = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut resp = agent().run(req.body(body.to_vec()).unwrap()).unwrap();
    let h = resp.headers();
    let origin = h
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_owned());
    let credentials = h.get("access-control-allow-credentials").is_some();
    let status = resp.status().as_u16();
    (
        status,
        origin,
        credentials,
        resp.body_mut().read_to_string().unwrap(),
    )
}

/// A server holding one tracked event of `u1`.
fn with_one_event(configure: impl FnOnce(&mut listen::Config)) -> Running {
    let r = start_configured(configure);
    assert_eq!(post(&r.url("/v1/track"), &[], TRACK.as_bytes()).0, 200);
    r
}

#[test]
fn another_origin_cannot_read_the_inspector() {
    let r = with_one_event(|_| {});
    for path in ["/inspector/events", "/inspector/profiles"] {
        let (status, origin, credentials, body) =
            call("GET", &r.url(path), &[("Origin", EVIL)], b"");
        assert_eq!(status, 403, "{path}: {body}");
        assert_eq!(origin, None, "{path}");
        assert!(!credentials);
        assert!(!body.contains("u1"), "{body}");
        assert!(body.contains("--allow-origin"), "{body}");
        // Its preflight is refused too, so a browser sends nothing after it.
        let (status, origin, ..) = call(
            "OPTIONS",
            &r.url(path),
            &[("Origin", EVIL), ("Access-Control-Request-Method", "GET")],
            b"",
        );
        assert_eq!((status, origin), (403, None), "{path}");
    }
    // `null` (a sandboxed frame, a file:// page) is another origin as well.
    assert_eq!(
        call(
            "GET",
            &r.url("/inspector/events"),
            &[("Origin", "null")],
            b""
        )
        .0,
        403
    );
    // curl, a test runner: no Origin, as before.
    let (status, origin, _, body) = call("GET", &r.url("/inspector/events"), &[], b"");
    assert_eq!((status, origin), (200, None));
    assert!(body.contains("\"u1\""), "{body}");
}

#[test]
fn an_allowed_origin_reads_with_its_own_cors_and_never_credentials() {
    let dashboard = "http://localhost:3000";
    let r = with_one_event(|c| {
        c.allowed = Allowed::new(&[], &[format!("{dashboard}/")]).unwrap();
    });
    let (status, origin, credentials, body) = call(
        "GET",
        &r.url("/inspector/events"),
        &[("Origin", dashboard)],
        b"",
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(origin.as_deref(), Some(dashboard));
    assert!(!credentials);
    // Its preflight for a JSON reset passes, and so does the reset.
    let (status, origin, ..) = call(
        "OPTIONS",
        &r.url("/inspector/reset"),
        &[
            ("Origin", dashboard),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        b"",
    );
    assert_eq!((status, origin.as_deref()), (204, Some(dashboard)));
    let json = [("Origin", dashboard), ("Content-Type", "application/json")];
    assert_eq!(
        call("POST", &r.url("/inspector/reset"), &json, b"{}").0,
        200
    );
    assert!(r.lines().is_empty());
    // Another port of the same host is another origin.
    assert_eq!(
        call(
            "GET",
            &r.url("/inspector/events"),
            &[("Origin", "http://localhost:3001")],
            b""
        )
        .0,
        403
    );
}

#[test]
fn a_cross_site_simple_post_cannot_wipe_the_capture() {
    let r = with_one_event(|_| {});
    let before = r.lines();
    // What any page can send without asking first: refused, file untouched.
    for (headers, status) in [
        (&[("Origin", EVIL), ("Content-Type", "text/plain")][..], 403),
        (
            &[
                ("Origin", EVIL),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ][..],
            403,
        ),
        // Even as JSON (which a browser would have preflighted and been refused).
        (
            &[("Origin", EVIL), ("Content-Type", "application/json")][..],
            403,
        ),
        // Without an Origin, only JSON changes the capture.
        (&[("Content-Type", "text/plain")][..], 415),
        (&[][..], 415),
    ] {
        let (got, origin, _, body) = call("POST", &r.url("/inspector/reset"), headers, b"");
        assert_eq!(got, status, "{headers:?}: {body}");
        assert_eq!(origin, None);
        assert_eq!(r.lines(), before, "{headers:?}");
    }
    let (_, _, _, body) = call("POST", &r.url("/inspector/reset"), &[], b"");
    assert!(body.contains("Content-Type: application/json"), "{body}");
    // curl-style, as docs/listen.md says: the capture starts anew.
    let (status, ..) = call(
        "POST",
        &r.url("/inspector/reset"),
        &[("Content-Type", "application/json")],
        b"",
    );
    assert_eq!(status, 200);
    assert!(r.lines().is_empty());
}

#[test]
fn a_foreign_host_is_refused_everywhere_and_allow_host_is_the_way_in() {
    let r = with_one_event(|_| {});
    let port = r.server.addr.port();
    let evil = format!("evil.example:{port}");
    for (method, path, body) in [
        ("POST", "/v1/track", TRACK.as_bytes()),
        ("POST", "/v1/b", b"{\"batch\":[]}".as_slice()),
        ("GET", "/v1/projects/wk/settings", b"".as_slice()),
        ("GET", "/inspector/events", b"".as_slice()),
        ("POST", "/inspector/reset", b"".as_slice()),
        ("OPTIONS", "/v1/t", b"".as_slice()),
    ] {
        let (status, origin, _, answer) =
            call(method, &r.url(path), &[("Host", evil.as_str())], body);
        assert_eq!(status, 403, "{method} {path}: {answer}");
        assert_eq!(origin, None, "{method} {path}");
        assert!(answer.contains("--allow-host NAME"), "{answer}");
        assert!(!answer.contains("u1"), "{answer}");
    }
    assert_eq!(r.lines().len(), 1, "nothing written");
    // Loopback names and addresses, with this port or none.
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        "localhost".to_owned(),
    ] {
        let (status, ..) = call(
            "GET",
            &r.url("/inspector/profiles"),
            &[("Host", host.as_str())],
            b"",
        );
        assert_eq!(status, 200, "{host}");
    }
    // Another port is another server's name.
    let other = format!("localhost:{}", port.wrapping_add(1));
    assert_eq!(
        call(
            "GET",
            &r.url("/inspector/events"),
            &[("Host", other.as_str())],
            b""
        )
        .0,
        403
    );
    // A container's name, allowed.
    let r = start_configured(|c| {
        c.allowed = Allowed::new(&["host.docker.internal".into()], &[]).unwrap();
    });
    let (status, ..) = call(
        "POST",
        &r.url("/v1/track"),
        &[("Host", "host.docker.internal:9000")],
        TRACK.as_bytes(),
    );
    assert_eq!(status, 200);
    assert_eq!(r.lines().len(), 1);
}

#[test]
fn tracking_calls_are_taken_from_any_page_without_credentials() {
    let r = start(None);
    for origin in ["https://shop.example", "http://localhost:3000", "null"] {
        let (status, allowed, credentials, body) = call(
            "POST",
            &r.url("/v1/t"),
            &[("Origin", origin), ("Content-Type", "text/plain")],
            TRACK.as_bytes(),
        );
        assert_eq!(status, 200, "{origin}: {body}");
        assert_eq!(allowed.as_deref(), Some("*"));
        assert!(!credentials);
    }
    // analytics.js sends Authorization (the write key), so its preflight must allow it.
    let (status, allowed, ..) = call(
        "OPTIONS",
        &r.url("/v1/t"),
        &[
            ("Origin", "https://shop.example"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization,content-type",
            ),
        ],
        b"",
    );
    assert_eq!((status, allowed.as_deref()), (204, Some("*")));
    let (_, allowed, ..) = call(
        "GET",
        &r.url("/v1/projects/wk/settings"),
        &[("Origin", "https://shop.example")],
        b"",
    );
    assert_eq!(allowed.as_deref(), Some("*"));
    assert_eq!(r.lines().len(), 3);
}

#[test]
fn inspector_calls_are_never_forwarded_and_write_keys_never_come_back_whole() {
    use std::sync::atomic::Ordering::Relaxed;
    let upstream = start(None);
    let calls: Arc<Mutex<Vec<listen::Call>>> = Arc::default();
    let seen = calls.clone();
    let local = start_configured(|c| {
        c.forward = Some(listen::Forward {
            url: upstream.url("/"),
            queue: 10,
            on_failure: None,
        });
        c.on_call = Some(Box::new(move |call| {
            seen.lock().unwrap().push(call.clone());
        }));
    });
    let key = "wk_9c1f0a77e4b24d58a6f3c2d1e0b9a8f7";
    let body =
        format!(r#"{{"type":"track","event":"Order Completed","userId":"u1","writeKey":"{key}"}}"#);
    let auth = "Basic d2tfOWMxZjBhNzdlNGIyNGQ1OGE2ZjNjMmQxZTBiOWE4Zjc6"; // key + ":"
    assert_eq!(
        post(
            &local.url("/v1/t"),
            &[("Authorization", auth)],
            body.as_bytes()
        )
        .0,
        200
    );
    assert_eq!(
        get(&local.url(&format!("/v1/projects/{key}/settings"))).0,
        200
    );
    for path in ["/inspector/events", "/inspector/profiles"] {
        let (status, answer) = get(&local.url(path));
        assert_eq!(status, 200);
        assert!(!answer.contains("9c1f0a77"), "{path}: {answer}");
    }
    let json = [("Content-Type", "application/json")];
    assert_eq!(post(&local.url("/inspector/reset"), &json, b"").0, 200);
    let f = local.server.forward.clone().unwrap();
    for _ in 0..200 {
        if f.pending() == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // Only the tracking call went upstream; the inspector's stayed here.
    assert_eq!((f.queued.load(Relaxed), f.sent.load(Relaxed)), (1, 1));
    assert_eq!(upstream.lines().len(), 1);
    // The log shows the settings download with the key masked.
    let logged: Vec<String> = calls
        .lock()
        .unwrap()
        .iter()
        .map(|c| c.path.clone())
        .collect();
    assert!(
        logged.contains(&"/v1/projects/wk_9…/settings".to_owned()),
        "{logged:?}"
    );
    assert!(!logged.iter().any(|p| p.contains("9c1f0a77")), "{logged:?}");
}

/// Issue 36's probes: a page's `<img>` or `<script>` (no `Origin`, `Sec-Fetch-Site:
/// cross-site`) gets no scan; every answer says `nosniff`; a request without `Host` is
/// answered 400; the `Basic` scheme is matched in any case.
#[test]
fn no_page_makes_the_inspector_scan_and_http_s_rules_hold() {
    let r = with_one_event(|_| {});
    for site in ["cross-site", "same-site"] {
        let (status, _, _, body) = call(
            "GET",
            &r.url("/inspector/events"),
            &[("Sec-Fetch-Site", site), ("Sec-Fetch-Dest", "image")],
            b"",
        );
        assert_eq!(status, 403, "{site}: {body}");
        assert!(!body.contains("u1"), "{body}");
    }
    // curl, a test runner, or the user typing the address (`none`) still read it.
    for site in [None, Some("none"), Some("same-origin")] {
        let headers: Vec<(&str, &str)> = site.iter().map(|s| ("Sec-Fetch-Site", *s)).collect();
        let (status, _, _, body) = call("GET", &r.url("/inspector/events"), &headers, b"");
        assert_eq!(status, 200, "{site:?}");
        assert!(body.contains("u1"));
    }
    for path in ["/inspector/events", "/v1/track", "/nowhere"] {
        let resp = agent().get(&r.url(path)).call().unwrap();
        assert_eq!(
            resp.headers()
                .get("x-content-type-options")
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{path}"
        );
    }
    let addr = r.server.addr;
    let answer = raw(
        addr,
        b"GET /inspector/events HTTP/1.1\r\nConnection: close\r\n\r\n",
        Duration::from_secs(5),
    );
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(!answer.contains("u1"), "{answer}");
    let r = start(Some("wk_1"));
    let body = TRACK.as_bytes();
    for scheme in ["Basic", "basic", "BASIC"] {
        // wk_1: as the user name, with no password.
        let auth = format!("{scheme} d2tfMTo=");
        let (status, _) = post(&r.url("/v1/track"), &[("Authorization", &auth)], body);
        assert_eq!(status, 200, "{scheme}");
    }
    let (status, _) = post(
        &r.url("/v1/track"),
        &[("Authorization", "basic d2tfMjo=")],
        body,
    );
    assert_eq!(status, 401, "another key");
}
