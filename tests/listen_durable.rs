//! Nothing `listen` accepted is lost, and no slow client starves the rest: a line torn by a
//! killed run, a capture removed while listening, the binary killed under load again and
//! again, and hundreds of clients dripping their bodies beside an ordinary one.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use consent_inspector::listen::Timeouts;

mod common;

use common::listen::*;

/// `route`'s records for a capture: (messageId, ingested) per event.
fn routed(out: &std::path::Path) -> Vec<(String, bool)> {
    let o = Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(["route", "--settings", "samples/consent-settings.json"])
        .arg(out)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["messageId"].as_str().unwrap_or("").to_owned(),
                v["ingested"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_torn_last_line_does_not_swallow_the_next_call() {
    let dir = tempfile::tempdir().unwrap();
    // What `kill -9` in the middle of a large batch leaves.
    std::fs::write(
        dir.path().join("capture.jsonl"),
        r#"{"batch":[{"type":"track","userId":"u-torn""#,
    )
    .unwrap();
    let r = start_in(dir, |_| {});
    let notice = r.server.stats.last_notice().expect("the torn line is said");
    assert!(
        notice.contains("cut off by a stopped run: ")
            && notice.contains("capture.jsonl:1 (43 bytes, no newline) was ended"),
        "{notice}"
    );
    let track = r#"{"event":"After Restart","userId":"u-new","messageId":"m-new"}"#;
    assert_eq!(post(&r.url("/v1/track"), &[], track.as_bytes()).0, 200);
    let lines = r.lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    // The fragment stays (nothing is thrown away) and reads as invalid; the new call is whole.
    assert_eq!(
        routed(&r.out),
        [(String::new(), false), ("m-new".to_owned(), true)]
    );
}

#[test]
fn a_removed_capture_is_made_anew_and_never_written_into_the_void() {
    let r = start(None);
    let track = |id: &str| format!(r#"{{"event":"E","userId":"u","messageId":"{id}"}}"#);
    assert_eq!(
        post(&r.url("/v1/track"), &[], track("m-1").as_bytes()).0,
        200
    );
    std::fs::remove_file(&r.out).unwrap();
    assert_eq!(
        post(&r.url("/v1/track"), &[], track("m-2").as_bytes()).0,
        200
    );
    assert_eq!(routed(&r.out), [("m-2".to_owned(), true)]);
    let notice = r.server.stats.last_notice().unwrap();
    assert!(notice.contains("removed or moved away"), "{notice}");
    let (status, events) = get(&r.url("/inspector/events"));
    assert_eq!(status, 200);
    assert!(events.contains("\"m-2\""), "{events}");
    // Moved away (rotated): the moved file keeps what it had, the path gets what comes next.
    let rotated = r.dir.path().join("capture.1.jsonl");
    std::fs::rename(&r.out, &rotated).unwrap();
    assert_eq!(
        post(&r.url("/v1/track"), &[], track("m-3").as_bytes()).0,
        200
    );
    assert_eq!(routed(&r.out), [("m-3".to_owned(), true)]);
    assert_eq!(routed(&rotated), [("m-2".to_owned(), true)]);
    // A reset after a removal empties the file the path names.
    std::fs::remove_file(&r.out).unwrap();
    let json = [("Content-Type", "application/json")];
    assert_eq!(post(&r.url("/inspector/reset"), &json, b"").0, 200);
    assert!(r.out.exists());
    assert_eq!(get(&r.url("/inspector/events")), (200, String::new()));
}

/// The binary, headless on a free port; its address once it says it.
fn spawn_listen(out: &std::path::Path) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args([
            "listen",
            "--headless",
            "-q",
            "--port",
            "0",
            "--settings",
            "samples/consent-settings.json",
            "--out",
        ])
        .arg(out)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .strip_prefix("listening on ")
        .and_then(|s| s.split(',').next())
        .unwrap_or_else(|| panic!("{first:?}"))
        .to_owned();
    (child, url)
}

#[test]
fn every_call_answered_200_survives_kill_9_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("capture.jsonl");
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    for round in 0..4 {
        let (mut child, url) = spawn_listen(&out);
        let stop = Arc::new(AtomicBool::new(false));
        let senders: Vec<_> = (0..4)
            .map(|t| {
                let (url, stop, acked) = (url.clone(), stop.clone(), acknowledged.clone());
                std::thread::spawn(move || {
                    let agent = agent();
                    for i in 0.. {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        // Large batches, so that a kill often lands mid-write.
                        let ids: Vec<String> =
                            (0..50).map(|e| format!("r{round}-t{t}-c{i}-e{e}")).collect();
                        let events: Vec<String> = ids
                            .iter()
                            .map(|id| {
                                format!(
                                    r#"{{"type":"track","event":"E","userId":"u","messageId":"{id}","properties":{{"pad":"{}"}}}}"#,
                                    "x".repeat(300)
                                )
                            })
                            .collect();
                        let body = format!(r#"{{"batch":[{}]}}"#, events.join(","));
                        let sent = agent
                            .post(format!("{url}/v1/batch"))
                            .send(body.as_bytes());
                        match sent {
                            Ok(r) if r.status() == 200 => acked.lock().unwrap().extend(ids),
                            _ => break,
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(150 + 40 * round));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for s in senders {
            s.join().unwrap();
        }
    }
    // One last run ends any torn line, as a user's next start would.
    let (mut child, _) = spawn_listen(&out);
    child.kill().unwrap();
    child.wait().unwrap();
    let acknowledged = acknowledged.lock().unwrap();
    assert!(
        acknowledged.len() > 1000,
        "too little load: {}",
        acknowledged.len()
    );
    let ingested: std::collections::HashSet<String> = routed(&out)
        .into_iter()
        .filter(|(_, ok)| *ok)
        .map(|(id, _)| id)
        .collect();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !ingested.contains(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged events unreadable, e.g. {:?}",
        lost.len(),
        acknowledged.len(),
        &lost[..lost.len().min(3)]
    );
}

#[test]
fn clients_dripping_their_bodies_do_not_starve_an_ordinary_call() {
    // Deadlines long enough that, were the slow clients holding places an ordinary call must
    // wait for, it would wait about this long.
    let r = start_configured(|c| {
        c.timeouts = Timeouts {
            headers: Duration::from_secs(30),
            body: Duration::from_secs(30),
        };
    });
    let addr = r.server.addr;
    let slow: Vec<TcpStream> = (0..300)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            let h = head(
                "POST",
                "/v1/batch",
                addr,
                "Content-Length: 400000\r\n\r\n{\"batch\":[",
            );
            s.write_all(h.as_bytes()).unwrap();
            s
        })
        .collect();
    // Each sends a little more, and goes on waiting.
    std::thread::sleep(Duration::from_millis(200));
    for mut s in &slow {
        s.write_all(b"{").unwrap();
    }
    let began = Instant::now();
    assert_eq!(post(&r.url("/v1/track"), &[], TRACK.as_bytes()).0, 200);
    let took = began.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "an ordinary call took {took:?}"
    );
    assert_eq!(get(&r.url("/inspector/events")).0, 200);
    drop(slow);
    assert_eq!(r.lines().len(), 1);
}

/// Issue 36: two clients that asked for `/inspector/events` and never read held both scan
/// places for 30 s, and `/inspector/profiles` waited. A scan now spills what its client is too
/// slow for beside the capture and ends, and the slow client still gets every byte.
#[test]
fn clients_that_never_read_an_answer_do_not_hold_the_scans() {
    let dir = tempfile::tempdir().unwrap();
    let mut capture = std::fs::File::create(dir.path().join("capture.jsonl")).unwrap();
    for i in 0..20_000 {
        writeln!(
            capture,
            r#"{{"type":"track","event":"Order Completed","userId":"u{}","messageId":"m{i}","context":{{"consent":{{"categoryPreferences":{{"C0001":true,"C0002":false}}}}}}}}"#,
            i % 300
        )
        .unwrap();
    }
    drop(capture);
    let r = start_in(dir, |_| {});
    let addr = r.server.addr;
    let ask = || {
        let mut s = TcpStream::connect(addr).unwrap();
        let h = head(
            "GET",
            "/inspector/events",
            addr,
            "Connection: close\r\n\r\n",
        );
        s.write_all(h.as_bytes()).unwrap();
        s
    };
    let read = |s: TcpStream| {
        let mut text = String::new();
        BufReader::new(s).read_to_string(&mut text).unwrap();
        dechunk(text.split_once("\r\n\r\n").unwrap().1)
    };
    let whole = read(ask());
    assert!(whole.len() > 10 << 20, "{} bytes", whole.len());
    let stalled: Vec<TcpStream> = (0..2).map(|_| ask()).collect();
    std::thread::sleep(Duration::from_millis(300));
    let began = Instant::now();
    let (status, profiles) = get(&r.url("/inspector/profiles"));
    let took = began.elapsed();
    assert_eq!(status, 200);
    assert!(profiles.contains("u299"));
    assert!(took < Duration::from_secs(10), "profiles waited {took:?}");
    // Read late, each stalled answer is the whole answer.
    for s in stalled {
        let body = read(s);
        assert_eq!(body.len(), whole.len());
        assert!(body == whole, "the late answer differs");
    }
}

/// A chunked HTTP/1.1 body as its bytes.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n").unwrap();
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.push_str(&rest[..n]);
        body = &rest[n + 2..];
    }
}

/// Issue 36: under rotation (the capture renamed away again and again while calls arrive),
/// 4 of 9,608 acknowledged calls were in both the rotated file and the new one. Each is now in
/// exactly one of them.
#[test]
fn every_call_answered_200_is_in_one_file_under_rotation() {
    let r = start(None);
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let senders: Vec<_> = (0..4)
        .map(|t| {
            let (url, stop, acked) = (r.url("/v1/track"), stop.clone(), acked.clone());
            std::thread::spawn(move || {
                let agent = agent();
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let id = format!("t{t}-c{i}");
                    let body = format!(r#"{{"event":"E","userId":"u","messageId":"{id}"}}"#);
                    if agent.post(&url).send(body.as_bytes()).unwrap().status() == 200 {
                        acked.lock().unwrap().push(id);
                    }
                }
            })
        })
        .collect();
    let mut rotated = Vec::new();
    let began = Instant::now();
    while began.elapsed() < Duration::from_secs(3) {
        let to = r
            .dir
            .path()
            .join(format!("capture.{}.jsonl", rotated.len()));
        if std::fs::rename(&r.out, &to).is_ok() {
            rotated.push(to);
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    stop.store(true, Ordering::Relaxed);
    for s in senders {
        s.join().unwrap();
    }
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for file in rotated.iter().chain([&r.out]) {
        for line in std::fs::read_to_string(file).unwrap_or_default().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            *seen
                .entry(v["messageId"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    let acked = acked.lock().unwrap();
    assert!(acked.len() > 1000, "too little load: {}", acked.len());
    assert!(rotated.len() > 100, "too few rotations: {}", rotated.len());
    let twice: Vec<_> = acked
        .iter()
        .filter(|id| seen.get(*id) != Some(&1))
        .collect();
    assert!(
        twice.is_empty(),
        "{} of {} acknowledged calls are not in exactly one file, e.g. {:?} ({:?} times)",
        twice.len(),
        acked.len(),
        twice[..twice.len().min(3)].to_vec(),
        twice.first().and_then(|id| seen.get(*id))
    );
}
