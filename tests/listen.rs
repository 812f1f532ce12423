//! `listen` over real HTTP: every status it answers, with an HTTP client (ureq), and the
//! hostile inputs a server facing apps meets, over raw sockets.

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use consent_inspector::listen;

mod common;

use common::listen::*;

#[test]
fn an_accepted_call_is_in_the_file_before_the_answer() {
    let r = start(None);
    let (status, body) = post(
        &r.url("/v1/track"),
        &[("Content-Type", "text/plain")],
        TRACK.as_bytes(),
    );
    assert_eq!((status, body.as_str()), (200, r#"{"success":true}"#));
    let lines = r.lines();
    assert_eq!(lines.len(), 1);
    let v: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(v["type"], "track");
    assert_eq!(v["event"], "Order Completed");
    assert!(v["receivedAt"].as_str().unwrap().ends_with('Z'));
    assert!(v["messageId"].as_str().unwrap().starts_with("listen-"));
    // analytics.js's short form, behind a proxy's prefix.
    let (status, _) = post(
        &r.url("/segment/v1/p"),
        &[],
        br#"{"type":"page","anonymousId":"a"}"#,
    );
    assert_eq!(status, 200);
    assert_eq!(r.lines().len(), 2);
}

#[test]
fn gzip_bodies_are_inflated_and_a_batch_stays_one_line() {
    let r = start(None);
    let batch = format!(r#"{{"batch":[{TRACK},{TRACK}],"sentAt":"2026-11-25T10:00:00Z"}}"#);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(batch.as_bytes()).unwrap();
    let (status, _) = post(
        &r.url("/v1/batch"),
        &[
            ("Content-Encoding", "gzip"),
            ("Content-Type", "application/json"),
        ],
        &gz.finish().unwrap(),
    );
    assert_eq!(status, 200);
    let lines = r.lines();
    assert_eq!(lines.len(), 1);
    let v: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(v["batch"].as_array().unwrap().len(), 2);
    assert!(v["batch"][1]["receivedAt"].is_string());
}

/// Path, headers, body, and what the answer says.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<u8>, &'a str);

#[test]
fn what_segment_refuses_gets_400_and_is_not_written() {
    let r = start(None);
    let cases: Vec<Case> = vec![
        ("/v1/track", vec![], b"{not json".to_vec(), "invalid JSON"),
        ("/v1/track", vec![], b"[1,2]".to_vec(), "not a JSON object"),
        (
            "/v1/track",
            vec![],
            format!(r#"{{"type":"track","p":"{}"}}"#, "x".repeat(33 * 1024)).into_bytes(),
            "over 32 KB",
        ),
        (
            "/v1/batch",
            vec![],
            format!(r#"{{"batch":[{{"p":"{}"}}]}}"#, "x".repeat(600 * 1024)).into_bytes(),
            "over 500 KB",
        ),
        (
            "/v1/batch",
            vec![("Content-Encoding", "gzip")],
            b"not gzip".to_vec(),
            "gzip",
        ),
        (
            "/v1/batch",
            vec![],
            br#"{"batch":"x"}"#.to_vec(),
            "not an array",
        ),
    ];
    for (path, headers, body, says) in cases {
        let (status, answer) = post(&r.url(path), &headers, &body);
        assert_eq!(status, 400, "{path} {says}: {answer}");
        let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(v["success"], false);
        assert!(v["message"].as_str().unwrap().contains(says), "{answer}");
    }
    // A gzip bomb: 50 MB of zeros in about 50 KB, refused without being inflated.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![b'0'; 1 << 20];
    for _ in 0..50 {
        gz.write_all(&zeros).unwrap();
    }
    let (status, answer) = post(
        &r.url("/v1/batch"),
        &[("Content-Encoding", "gzip")],
        &gz.finish().unwrap(),
    );
    assert_eq!(status, 400, "{answer}");
    assert!(r.lines().is_empty());
}

#[test]
fn a_batch_of_2501_events_is_answered_200_and_rejected_whole() {
    // HTTP API, Errors: Segment "returns a 200 response but rejects the event when the number
    // of batched events exceeds the limit".
    let r = start(None);
    let element = r#"{"type":"track","event":"E","userId":"u"}"#;
    let body = format!(r#"{{"batch":[{}]}}"#, vec![element; 2501].join(","));
    assert_eq!(
        post(&r.url("/v1/batch"), &[], body.as_bytes()),
        (200, r#"{"success":true}"#.to_owned())
    );
    assert_eq!(r.lines().len(), 1, "the batch stays one line");
    let route = std::process::Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(["route", "--settings", "samples/consent-settings.json"])
        .arg(&r.out)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap();
    let records: Vec<serde_json::Value> = String::from_utf8(route.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Rejected whole: one record stands for the 2501 (docs/rules.md, "Batch limits").
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["ingested"], false);
    assert_eq!(records[0]["index"], serde_json::Value::Null);
    assert_eq!(records[0]["issues"][0]["code"], "batch_too_many_events");
    let message = records[0]["issues"][0]["message"].as_str().unwrap();
    assert!(message.contains("holds 2501 events"), "{message}");
    // 2500 is within the limit.
    let body = format!(r#"{{"batch":[{}]}}"#, vec![element; 2500].join(","));
    assert_eq!(post(&r.url("/v1/batch"), &[], body.as_bytes()).0, 200);
}

#[test]
fn the_write_key_is_checked_only_when_given() {
    let r = start(Some("wk_good"));
    // Basic auth with the key as user name (analytics-python, analytics-node).
    let basic = |key: &str| {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
        )
    };
    let (status, _) = post(
        &r.url("/v1/track"),
        &[("Authorization", &basic("wk_good"))],
        TRACK.as_bytes(),
    );
    assert_eq!(status, 200);
    let (status, answer) = post(
        &r.url("/v1/track"),
        &[("Authorization", &basic("wk_bad"))],
        TRACK.as_bytes(),
    );
    assert_eq!(status, 401, "{answer}");
    // In the body, as analytics.js sends it.
    let with_key = TRACK.replacen('{', r#"{"writeKey":"wk_good","#, 1);
    assert_eq!(post(&r.url("/v1/t"), &[], with_key.as_bytes()).0, 200);
    assert_eq!(post(&r.url("/v1/t"), &[], TRACK.as_bytes()).0, 401);
    assert_eq!(r.lines().len(), 2);
}

#[test]
fn wrong_paths_and_methods_and_the_browsers_preflight() {
    let r = start(None);
    let (status, answer) = post(&r.url("/v1/nope"), &[], b"{}");
    assert_eq!(status, 404, "{answer}");
    assert_eq!(get(&r.url("/v1/track")).0, 405);
    assert_eq!(get(&r.url("/inspector/reset")).0, 405);
    let resp = agent()
        .options(&r.url("/v1/t"))
        .header("Origin", "http://localhost:3000")
        .header("Access-Control-Request-Headers", "content-type")
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let h = resp.headers();
    // Any page may send calls; none is sent credentials it did not ask for.
    assert_eq!(h["access-control-allow-origin"], "*");
    assert_eq!(h["access-control-allow-headers"], "content-type");
    assert!(h.get("access-control-allow-credentials").is_none());
}

#[test]
fn the_settings_download_points_analytics_js_back_here() {
    let r = start(None);
    let (status, body) = get(&r.url("/v1/projects/wk_123/settings"));
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let host = format!("{}/v1", r.server.addr);
    assert_eq!(v["integrations"]["Segment.io"]["apiHost"], host.as_str());
    assert_eq!(v["integrations"]["Segment.io"]["apiKey"], "wk_123");
    assert_eq!(
        v["integrations"]["Braze"]["consentSettings"]["categories"],
        serde_json::json!(["C0002", "C0004"])
    );
}

#[test]
fn the_inspector_agrees_with_route_over_the_capture_and_reset_starts_anew() {
    let r = start(None);
    for line in std::fs::read_to_string("samples/events.jsonl")
        .unwrap()
        .lines()
        .take(20)
    {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let path = if v.get("batch").is_some() {
            "/v1/batch"
        } else {
            "/v1/track"
        };
        // Each sample line is sent as it is; refusals (for broken samples) are fine here.
        let _ = post(&r.url(path), &[], line.as_bytes());
    }
    let (status, events) = get(&r.url("/inspector/events"));
    assert_eq!(status, 200);
    let route = std::process::Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(["route", "--settings", "samples/consent-settings.json"])
        .arg(&r.out)
        .output()
        .unwrap();
    assert!(route.status.success());
    assert_eq!(events, String::from_utf8(route.stdout).unwrap());
    assert!(!events.is_empty());
    let (status, blocked) = get(&r.url("/inspector/events?destination=Braze&decision=block"));
    assert_eq!(status, 200);
    assert!(blocked.lines().count() < events.lines().count());
    assert_eq!(get(&r.url("/inspector/events?decision=maybe")).0, 400);
    let (status, profiles) = get(&r.url("/inspector/profiles"));
    assert_eq!(status, 200);
    assert!(profiles.contains("\"u-alice\""), "{profiles}");
    let json = [("Content-Type", "application/json")];
    assert_eq!(post(&r.url("/inspector/reset"), &json, b"").0, 200);
    assert!(r.lines().is_empty());
    assert_eq!(get(&r.url("/inspector/events")).1, "");
}

#[test]
fn hostile_http_gets_an_answer_or_a_closed_connection_and_others_are_still_served() {
    let r = start(None);
    let addr = r.server.addr;
    // Not HTTP at all.
    let answer = raw(addr, b"\x16\x03\x01 hello\r\n\r\n", Duration::from_secs(3));
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
        "{answer:?}"
    );
    // A header that never ends: closed once the header deadline passes.
    let started = std::time::Instant::now();
    let answer = raw(
        addr,
        b"POST /v1/track HTTP/1.1\r\nHost: localhost\r\nX-Slow: ",
        Duration::from_secs(5),
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "kept open {:?}",
        started.elapsed()
    );
    assert!(!answer.contains("200 OK"), "{answer:?}");
    // A body shorter than its length, then silence: 408 once the body deadline passes.
    let answer = raw(
        addr,
        b"POST /v1/track HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{\"type\":",
        Duration::from_secs(5),
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    // A client that goes away mid-body.
    {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(
            b"POST /v1/track HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n{\"event\":\"half",
        )
        .unwrap();
    }
    // A body that claims more than any call may hold is refused before it is read.
    let answer = raw(
        addr,
        b"POST /v1/batch HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999\r\n\r\n",
        Duration::from_secs(3),
    );
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
    // Headers larger than a connection's read buffer.
    let mut huge = b"POST /v1/track HTTP/1.1\r\nHost: localhost\r\nX-Big: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 100_000));
    huge.extend_from_slice(b"\r\n\r\n");
    let answer = raw(addr, &huge, Duration::from_secs(3));
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:?}");
    // Over the 32 KB the docs give, though within the read buffer: 431 too, and said why.
    let mut over = b"POST /v1/track HTTP/1.1\r\nHost: localhost\r\nX-Big: ".to_vec();
    over.extend(std::iter::repeat_n(b'a', 48 * 1024));
    over.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\n{}");
    let answer = raw(addr, &over, Duration::from_secs(3));
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:?}");
    assert!(answer.contains("at most 32768 are read"), "{answer:?}");
    // Many connections at once, left idle.
    let idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    // Still serving, and nothing half-written.
    assert_eq!(post(&r.url("/v1/track"), &[], TRACK.as_bytes()).0, 200);
    drop(idle);
    let lines = r.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
}

#[test]
fn concurrent_clients_never_interleave_lines() {
    let r = Arc::new(start(None));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let r = r.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let body = format!(
                        r#"{{"batch":[{{"type":"track","event":"e","userId":"u{t}","properties":{{"i":{i},"pad":"{}"}}}}]}}"#,
                        "y".repeat(4000)
                    );
                    assert_eq!(post(&r.url("/v1/batch"), &[], body.as_bytes()).0, 200);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let lines = r.lines();
    assert_eq!(lines.len(), 200);
    for l in lines {
        serde_json::from_str::<serde_json::Value>(&l).unwrap();
    }
}

fn forward_to(url: String, queue: usize) -> listen::Forward {
    listen::Forward {
        url,
        queue,
        on_failure: None,
    }
}

/// Waits until the upstream has answered every call relayed so far.
fn settled(f: &listen::ForwardStats) {
    for _ in 0..500 {
        if f.pending() == 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("forwarding did not settle: {f:?}");
}

#[test]
fn forward_relays_each_accepted_call_unchanged_with_its_write_key() {
    use std::sync::atomic::Ordering::Relaxed;
    // The upstream is a second listen that insists on the write key: only the Authorization
    // header, relayed as it came, gets the call in.
    let upstream = start(Some("wk"));
    let local = start_with(None, Some(forward_to(upstream.url("/"), 10)));
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(br#"{"batch":[{"type":"track","event":"a","userId":"u","messageId":"m-1"}]}"#)
            .unwrap();
        e.finish().unwrap()
    };
    let auth = [
        ("Content-Encoding", "gzip"),
        ("Authorization", "Basic d2s6"), // "wk:"
    ];
    // A local prefix is this machine's: the upstream is sent /v1/batch.
    assert_eq!(post(&local.url("/proxy/v1/batch"), &auth, &gz).0, 200);
    // Refused here, so never relayed.
    assert_eq!(post(&local.url("/v1/track"), &[], b"[]").0, 400);
    let f = local.server.forward.clone().unwrap();
    settled(&f);
    assert_eq!((f.sent.load(Relaxed), f.failed.load(Relaxed)), (1, 0));
    let there = upstream.lines();
    assert_eq!(there.len(), 1);
    let v: serde_json::Value = serde_json::from_str(&there[0]).unwrap();
    assert_eq!(v["batch"][0]["messageId"], "m-1");
    // Without the key the upstream refuses, and the failure is counted and said.
    assert_eq!(post(&local.url("/v1/track"), &[], TRACK.as_bytes()).0, 200);
    settled(&f);
    assert_eq!(f.failed.load(Relaxed), 1);
    let why = f.last_failure().unwrap();
    assert!(why.starts_with("/v1/track: answered 401"), "{why}");
    assert_eq!(local.lines().len(), 2);
}

#[test]
fn an_unreachable_upstream_is_counted_and_never_delays_the_answer() {
    use std::sync::atomic::Ordering::Relaxed;
    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", gone.local_addr().unwrap());
    drop(gone);
    let local = start_with(None, Some(forward_to(url, 10)));
    assert_eq!(post(&local.url("/v1/track"), &[], TRACK.as_bytes()).0, 200);
    let f = local.server.forward.clone().unwrap();
    settled(&f);
    assert_eq!((f.sent.load(Relaxed), f.failed.load(Relaxed)), (0, 1));
    let why = f.last_failure().unwrap();
    assert!(why.starts_with("/v1/track: cannot connect"), "{why}");
    assert_eq!(local.lines().len(), 1);
}

#[test]
fn a_full_forward_queue_drops_and_counts_while_answering_at_once() {
    use std::sync::atomic::Ordering::Relaxed;
    // An upstream that takes connections and never answers: every relay waits.
    let stuck = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let local = start_with(
        None,
        Some(forward_to(
            format!("http://{}", stuck.local_addr().unwrap()),
            2,
        )),
    );
    let began = std::time::Instant::now();
    for _ in 0..40 {
        assert_eq!(post(&local.url("/v1/track"), &[], TRACK.as_bytes()).0, 200);
    }
    // Local answers did not wait for the upstream's (10 s) timeout.
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "{:?}",
        began.elapsed()
    );
    let f = local.server.forward.clone().unwrap();
    let (queued, dropped) = (f.queued.load(Relaxed), f.dropped.load(Relaxed));
    assert_eq!(queued + dropped, 40);
    // At most 8 in flight, one taken off the queue waiting for a place, and the queue's 2.
    assert!(
        queued <= 11 && dropped >= 29,
        "queued {queued}, dropped {dropped}"
    );
    assert_eq!(local.lines().len(), 40);
}

#[test]
fn only_refused_tracking_calls_count_as_refused() {
    let r = start(None);
    assert_eq!(post(&r.url("/v1/track"), &[], b"not json").0, 400);
    assert_eq!(post(&r.url("/v1/t"), &[], b"[]").0, 400);
    // Answered, but not calls an app made: a mistyped inspector query and a stray path.
    assert_eq!(get(&r.url("/inspector/events?reason=bogus")).0, 400);
    assert_eq!(get(&r.url("/inspector/events?decison=block")).0, 400);
    assert_eq!(get(&r.url("/favicon.ico")).0, 404);
    assert_eq!(post(&r.url("/v1/track"), &[], TRACK.as_bytes()).0, 200);
    let refused = r
        .server
        .stats
        .refused
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(refused, 2);
}
