//! `--fetch-settings KEY`: the settings downloaded as analytics.js downloads them, from
//! `listen`'s own CDN endpoint (never the internet), cached, and used offline with a warning.

use std::process::{Command, Output};

mod common;

use common::listen::start;

const KEY: &str = "wk_9c1f0a77e4b24d58a6f3c2d1e0b9a8f7";

fn run(cache: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap()
}

/// (line, destination, decision, reason) of every route.
fn verdicts(out: &[u8]) -> Vec<(u64, String, String, String)> {
    let mut v = Vec::new();
    for l in text(out).lines() {
        let r: serde_json::Value = serde_json::from_str(l).unwrap();
        for route in r["routes"].as_array().unwrap() {
            v.push((
                r["line"].as_u64().unwrap(),
                route["destination"].as_str().unwrap().to_owned(),
                route["decision"].as_str().unwrap().to_owned(),
                route["reason"].as_str().unwrap().to_owned(),
            ));
        }
    }
    assert!(v.len() > 600);
    v
}

/// A server that answers every request 404, as a CDN does for a key it does not know.
fn not_found_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    format!("http://{addr}")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn settings_are_fetched_cached_and_used_offline_with_a_warning() {
    let cache = tempfile::tempdir().unwrap();
    let server = start(None);
    let cdn = format!("http://{}", server.server.addr);
    let fetched = run(
        cache.path(),
        &[
            "route",
            "--fetch-settings",
            KEY,
            "--cdn",
            &cdn,
            "samples/events.jsonl",
        ],
    );
    assert_eq!(fetched.status.code(), Some(0), "{}", text(&fetched.stderr));
    // Where they came from, with the key masked.
    let said = text(&fetched.stderr);
    assert!(
        said.starts_with(&format!(
            "settings: settings of source wk_9… from {cdn}, fetched 20"
        )),
        "{said}"
    );
    assert!(!said.contains("9c1f0a77"), "{said}");
    // The same verdicts as the settings file listen serves them from (the CDN shape has no
    // category names, so only the decisions are compared).
    let from_file = run(
        cache.path(),
        &[
            "route",
            "--settings",
            "samples/consent-settings.json",
            "samples/events.jsonl",
        ],
    );
    assert!(from_file.status.success());
    assert!(
        verdicts(&fetched.stdout) == verdicts(&from_file.stdout),
        "the fetched settings decide otherwise than the file"
    );
    // The copy is kept, for this user only, without the key in its name.
    let dir = cache.path().join("consent-inspector/settings");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert!(!files[0].to_string_lossy().contains(KEY));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Offline: the cached copy, with a warning that says so.
    drop(server);
    let offline = run(
        cache.path(),
        &[
            "route",
            "--fetch-settings",
            KEY,
            "--cdn",
            &cdn,
            "samples/events.jsonl",
        ],
    );
    assert_eq!(offline.status.code(), Some(0), "{}", text(&offline.stderr));
    let said = text(&offline.stderr);
    assert!(said.starts_with("warning: cannot fetch "), "{said}");
    assert!(said.contains("using the copy cached at 20"), "{said}");
    assert!(said.contains("(cached copy, "), "{said}");
    assert!(verdicts(&offline.stdout) == verdicts(&from_file.stdout));
    // Offline with nothing cached: a clear error.
    let empty = tempfile::tempdir().unwrap();
    let o = run(
        empty.path(),
        &[
            "check",
            "--fetch-settings",
            KEY,
            "--cdn",
            &cdn,
            "samples/events.jsonl",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("there is no cached copy"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn a_wrong_key_or_cdn_is_an_error_not_a_stale_copy() {
    let cache = tempfile::tempdir().unwrap();
    let cdn = not_found_server();
    let o = run(
        cache.path(),
        &[
            "explain",
            "--fetch-settings",
            KEY,
            "--cdn",
            &cdn,
            "--line",
            "1",
            "samples/events.jsonl",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let said = text(&o.stderr);
    assert!(said.contains("answered 404: check the write key"), "{said}");
    assert!(!said.contains("9c1f0a77"), "{said}");
    let o = run(
        cache.path(),
        &[
            "route",
            "--fetch-settings",
            KEY,
            "--cdn",
            "ftp://x",
            "samples/events.jsonl",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("is not an http or https URL"));
    // --settings and --fetch-settings say two different things.
    let o = run(
        cache.path(),
        &[
            "route",
            "--settings",
            "samples/consent-settings.json",
            "--fetch-settings",
            KEY,
            "samples/events.jsonl",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
}

/// A server that records each request's first line and answers 200 with `head` and then
/// `body` bytes of `x` (endless when `None`), as a broken or hostile CDN might.
fn streaming_server(
    content_length: Option<u64>,
    body: Option<u64>,
) -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]);
            let _ = tx.send(head.lines().next().unwrap_or("").to_owned());
            let length =
                content_length.map_or(String::new(), |n| format!("Content-Length: {n}\r\n"));
            let _ = write!(s, "HTTP/1.1 200 OK\r\n{length}Connection: close\r\n\r\n");
            let _ = s.write_all(br#"{"integrations":{"A":{"x":""#);
            let block = vec![b'x'; 1 << 16];
            let mut sent = 0u64;
            while body.is_none_or(|b| sent < b) {
                if s.write_all(&block).is_err() {
                    break;
                }
                sent += block.len() as u64;
            }
        }
    });
    (format!("http://{addr}"), rx)
}

#[cfg(unix)]
#[test]
fn an_endless_or_huge_answer_is_refused_at_the_settings_limit() {
    // Issue 36: a 1 GiB answer took 2.26 GB; the limit is 32 MiB (docs/commands.md, "Limits").
    for (length, body) in [(None, None), (Some(1 << 30), Some(1 << 30))] {
        let cache = tempfile::tempdir().unwrap();
        let (cdn, _) = streaming_server(length, body);
        let m = common::measured(
            Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
                .args(["route", "--fetch-settings", KEY, "--cdn", &cdn])
                .arg("samples/events.jsonl")
                .env("XDG_CACHE_HOME", cache.path())
                .env("XDG_CONFIG_HOME", "/nonexistent"),
        );
        let said = text(&m.stderr);
        assert_eq!(m.code, Some(2), "{said}");
        assert!(
            said.contains("the answer is over 32 MiB, the most this tool reads"),
            "{said}"
        );
        assert!(m.peak_kib < 160 * 1024, "peak {} KiB", m.peak_kib);
    }
}

#[test]
fn the_write_key_is_one_path_segment() {
    let cache = tempfile::tempdir().unwrap();
    let (cdn, requests) = streaming_server(Some(2), Some(0));
    let _ = run(
        cache.path(),
        &[
            "route",
            "--fetch-settings",
            "../../x?y=1#z",
            "--cdn",
            &cdn,
            "samples/events.jsonl",
        ],
    );
    assert_eq!(
        requests.recv().unwrap(),
        "GET /v1/projects/..%2F..%2Fx%3Fy%3D1%23z/settings HTTP/1.1"
    );
}

#[cfg(unix)]
#[test]
fn the_cache_folder_is_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let cache = tempfile::tempdir().unwrap();
    let server = start(None);
    let cdn = format!("http://{}", server.server.addr);
    let o = Command::new("sh")
        .args(["-c", "umask 000; exec \"$@\"", "sh"])
        .arg(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(["route", "--fetch-settings", KEY, "--cdn", &cdn])
        .arg("samples/events.jsonl")
        .env("XDG_CACHE_HOME", cache.path())
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for dir in ["consent-inspector", "consent-inspector/settings"] {
        let mode = std::fs::metadata(cache.path().join(dir))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "{dir}: {mode:o}");
    }
}
