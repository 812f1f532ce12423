//! A local stand-in for Segment's Public API (and CDN): it answers from a fixture file whose
//! keys are paths (`/sources`), with `?destinationConfigId=ID` (or `resourceType`,
//! `functionId`) when a call names one and `#CURSOR` for a page after the first; it records every request, and can be told to fail
//! (429 with `Retry-After`, 5xx, 401, 403) or to die after some requests.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::Value;

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// The query's pairs, decoded, sorted.
    pub query: Vec<(String, String)>,
    pub authorization: Option<String>,
    pub accept: Option<String>,
}

/// A planned failure: the next `times` requests to `path` answer `status` (with
/// `Retry-After: retry_after` when given).
#[derive(Debug, Clone)]
pub struct Fault {
    pub path: String,
    pub status: u16,
    pub times: u32,
    pub retry_after: Option<String>,
}

#[derive(Default)]
struct State {
    seen: Vec<Seen>,
    faults: Vec<Fault>,
    /// The server stops answering (closes every connection) after this many requests.
    die_after: Option<usize>,
    /// A list that pages for ever: every page of it points to another.
    endless: Option<String>,
}

pub struct Server {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl Server {
    /// Serves `tests/public-api/<fixture>.json`.
    pub fn start(fixture: &str) -> Self {
        Self::serving(fixture_routes(fixture))
    }

    /// Serves `routes` (a fixture's, changed by a test).
    pub fn serving(routes: HashMap<String, Value>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let routes = Arc::new(routes);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (state, routes) = (shared.clone(), routes.clone());
                thread::spawn(move || answer(stream, &state, &routes));
            }
        });
        Self { url, state }
    }

    pub fn fault(&self, f: Fault) {
        self.state.lock().unwrap().faults.push(f);
    }

    /// Makes the list at `path` (of `sources`) page for ever, each page empty.
    pub fn endless(&self, path: &str) {
        self.state.lock().unwrap().endless = Some(path.to_owned());
    }

    pub fn die_after(&self, n: usize) {
        self.state.lock().unwrap().die_after = Some(n);
    }

    /// The requests seen so far (and forgets them).
    pub fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut self.state.lock().unwrap().seen)
    }
}

impl Fault {
    /// `status` on the next request to `path`.
    pub fn once(path: &str, status: u16) -> Self {
        Self {
            path: path.to_owned(),
            status,
            times: 1,
            retry_after: None,
        }
    }
}

/// `consent-inspector ARGS` with `token` in the environment and a cache of its own.
pub fn run(args: &[&str], cache: &std::path::Path, token: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(args)
        .env("SEGMENT_PUBLIC_API_TOKEN", token)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .unwrap()
}

/// `pull --source web` from `server` (the API and the CDN) into `out`.
pub fn pull(
    server: &Server,
    out: &std::path::Path,
    cache: &std::path::Path,
    token: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut args = pull_args(server, out.to_str().unwrap());
    args.extend(extra);
    run(&args, cache, token)
}

/// The arguments of `pull --source web` from `server` into `out`.
pub fn pull_args<'a>(server: &'a Server, out: &'a str) -> Vec<&'a str> {
    vec![
        "pull",
        "--source",
        "web",
        "--api-url",
        &server.url,
        "--cdn",
        &server.url,
        "-o",
        out,
    ]
}

/// The answers of `tests/public-api/<fixture>.json`, by key.
pub fn fixture_routes(fixture: &str) -> HashMap<String, Value> {
    let path = format!(
        "{}/tests/public-api/{fixture}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// The sample's events (`samples/workspace/events.jsonl`), moved to the last hour (Delivery
/// Overview keeps 48 hours of minutes), in `dir` beside a copy of the sample snapshot; the
/// capture's path and its first event's time (seconds).
pub fn recent_capture(dir: &std::path::Path) -> (std::path::PathBuf, i64) {
    let start = jiff::Timestamp::now().as_second() / 60 * 60 - 3600;
    let mut out = String::new();
    let sample = std::fs::read_to_string("samples/workspace/events.jsonl").unwrap();
    for (i, line) in sample.lines().enumerate() {
        let mut e: Value = serde_json::from_str(line).unwrap();
        let t = jiff::Timestamp::from_second(start + 60 * i as i64).unwrap();
        e["timestamp"] = Value::from(t.to_string());
        out.push_str(&format!("{e}\n"));
    }
    let capture = dir.join("capture.jsonl");
    std::fs::write(&capture, out).unwrap();
    std::fs::copy(
        "samples/workspace/consent-settings.json",
        dir.join("consent-settings.json"),
    )
    .unwrap();
    (capture, start)
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads one request: method, decoded path, decoded and sorted query, headers.
fn request(stream: &TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_lowercase(), v.trim().to_owned());
        }
    }
    if let Some(n) = headers
        .get("content-length")
        .and_then(|n| n.parse::<usize>().ok())
    {
        let mut body = vec![0; n];
        let _ = reader.read_exact(&mut body);
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    pairs.sort();
    Some(Seen {
        method,
        path: decode(path),
        query: pairs,
        authorization: headers.get("authorization").cloned(),
        accept: headers.get("accept").cloned(),
    })
}

/// One answer: a status, an optional `Retry-After`, a JSON body.
fn respond(mut out: TcpStream, status: u16, retry_after: Option<String>, body: &str) {
    let retry = retry_after
        .map(|r| format!("Retry-After: {r}\r\n"))
        .unwrap_or_default();
    let _ = write!(
        out,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{retry}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn answer(stream: TcpStream, state: &Mutex<State>, routes: &HashMap<String, Value>) {
    let Some(seen) = request(&stream) else { return };
    let get = |k: &str| {
        seen.query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let path = seen.path.clone();
    let (endless, fault) = {
        let mut st = state.lock().unwrap();
        st.seen.push(seen.clone());
        if st.die_after.is_some_and(|n| st.seen.len() > n) {
            // Dead: the connection closes with no answer.
            return;
        }
        let endless = st.endless.as_deref() == Some(path.as_str());
        let hit = st.faults.iter_mut().find(|f| f.path == path && f.times > 0);
        let fault = hit.map(|f| {
            f.times -= 1;
            f.clone()
        });
        (endless, fault)
    };
    if endless {
        let at: u64 = get("pagination[cursor]")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let body = format!(
            r#"{{"data":{{"sources":[],"pagination":{{"current":"{at}","next":"{}"}}}}}}"#,
            at + 1
        );
        return respond(stream, 200, None, &body);
    }
    if let Some(f) = fault {
        let body = format!(
            r#"{{"errors":[{{"type":"fault","message":"planned {}"}}]}}"#,
            f.status
        );
        return respond(stream, f.status, f.retry_after, &body);
    }
    // The query parameters that pick an answer, as the fixture's keys write them.
    let mut key = path;
    for k in ["destinationConfigId", "resourceType", "functionId"] {
        if let Some(v) = get(k) {
            key.push_str(&format!("?{k}={v}"));
        }
    }
    if let Some(c) = get("pagination[cursor]") {
        key.push_str(&format!("#{c}"));
    }
    match routes.get(&key) {
        Some(v) => respond(stream, 200, None, &serde_json::to_string(v).unwrap()),
        None => respond(
            stream,
            404,
            None,
            &format!(r#"{{"errors":[{{"type":"not-found","message":"no fixture for {key}"}}]}}"#),
        ),
    }
}
