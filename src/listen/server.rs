//! The HTTP side: hyper on a tokio runtime of its own thread, so the TUI and its reader keep
//! theirs. Each connection has a deadline for its headers and each body one for its bytes;
//! connections and bodies in flight are bounded, so memory is whatever the clients do.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{Semaphore, oneshot};

use super::api::{self, Endpoint, Refusal};
use super::capture::Capture;
use super::forward::{self, Forward, ForwardStats, Forwarder};
use super::inspector;
use crate::settings::Workspace;
use crate::validate::MAX_BATCH_BYTES;

/// How long a client may take to send a request's headers, and then its body.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub headers: Duration,
    pub body: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            headers: Duration::from_secs(10),
            body: Duration::from_secs(10),
        }
    }
}
/// Connections served at once; more wait in the kernel's backlog until one ends (an idle one
/// ends when the header deadline passes). Each costs a task and its read buffer.
const MAX_CONNECTIONS: usize = 4096;
/// Connections the kernel holds for us beyond those (std's 128 would have it drop a burst; the
/// kernel caps this at `net.core.somaxconn`).
const BACKLOG: u32 = 4096;
/// A connection's read buffer, so its request line and headers: hyper's default (about
/// 400 KB) times `MAX_CONNECTIONS` would not be a bound worth the name. Bodies stream through.
const MAX_READ_BUFFER: usize = 32 * 1024;
/// Bodies read at once: with `MAX_WIRE_BYTES` each, what bounds the memory bodies take.
const MAX_BODIES: usize = 64;
/// The most a body may take on the wire (compressed or not): Segment's batch limit, and a
/// little for a gzip body that did not shrink.
const MAX_WIRE_BYTES: usize = MAX_BATCH_BYTES + 16 * 1024;
/// A body declared longer than the limit is still read (and dropped) up to this size, so
/// that its client gets the 400; a longer one is refused unread.
const MAX_DRAIN_BYTES: u64 = 8 * 1024 * 1024;
/// A keep-alive connection is asked to close after this long, so idle ones give back their
/// place.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(120);
/// On stop, how long calls still queued for the upstream get to leave.
const FORWARD_FLUSH: Duration = Duration::from_secs(5);

/// Told of every call answered.
pub type OnCall = Box<dyn Fn(&Call) + Send + Sync>;

/// What the server is told to do.
pub struct Config {
    pub bind: SocketAddr,
    /// The capture file, as the user named it (routing records name it so).
    pub out: String,
    pub write_key: Option<String>,
    pub workspace: Arc<Workspace>,
    /// Told of every call answered (for `--headless` output).
    pub on_call: Option<OnCall>,
    pub timeouts: Timeouts,
    /// `--forward`: relay each accepted call to an upstream.
    pub forward: Option<Forward>,
}

impl Config {
    /// Loopback defaults: any write key, no log, default timeouts, no forwarding.
    pub fn new(bind: SocketAddr, out: String, workspace: Arc<Workspace>) -> Self {
        Self {
            bind,
            out,
            write_key: None,
            workspace,
            on_call: None,
            timeouts: Timeouts::default(),
            forward: None,
        }
    }
}

/// One request answered, for the log.
#[derive(Debug, Clone)]
pub struct Call {
    pub status: u16,
    pub method: String,
    pub path: String,
    /// Events accepted (0 when refused).
    pub events: usize,
    /// Why it was refused, or what it was.
    pub note: String,
}

/// Counts the UI shows.
#[derive(Debug, Default)]
pub struct Stats {
    pub accepted_calls: AtomicU64,
    pub accepted_events: AtomicU64,
    pub refused: AtomicU64,
    last_refusal: super::Latest,
}

impl Stats {
    pub fn last_refusal(&self) -> Option<String> {
        self.last_refusal.get()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the capture file {path}: {source}")]
    Capture {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot start the server's runtime: {0}")]
    Runtime(std::io::Error),
    #[error("{0}")]
    Forward(String),
}

/// The running server; dropping it stops it.
pub struct Server {
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
    /// What `--forward` has done, when asked for.
    pub forward: Option<Arc<ForwardStats>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct State {
    capture: Capture,
    out: String,
    workspace: Arc<Workspace>,
    write_key: Option<String>,
    stats: Arc<Stats>,
    on_call: Option<OnCall>,
    forwarder: Option<Forwarder>,
    bodies: Semaphore,
    timeouts: Timeouts,
    /// For the messageIds given to events without one: when this server started (ms) and
    /// a counter.
    started: i64,
    next_id: AtomicU64,
}

/// Binds (so that a port in use is said at once), opens the capture file and starts serving
/// on a thread of its own.
pub fn start(config: Config) -> Result<Server, ListenError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("listen")
        .enable_all()
        .build()
        .map_err(ListenError::Runtime)?;
    let bind_error = |source| ListenError::Bind {
        addr: config.bind,
        source,
    };
    let listener = {
        let _inside = runtime.enter();
        let socket = if config.bind.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .map_err(bind_error)?;
        // As std and most servers do, so that a restart finds its port free at once.
        socket.set_reuseaddr(true).map_err(bind_error)?;
        socket.bind(config.bind).map_err(bind_error)?;
        socket.listen(BACKLOG).map_err(bind_error)?
    };
    let addr = listener.local_addr().map_err(bind_error)?;
    let capture = Capture::open(std::path::Path::new(&config.out)).map_err(|source| {
        ListenError::Capture {
            path: config.out.clone(),
            source,
        }
    })?;
    let forwarder = match &config.forward {
        Some(f) => {
            let base = forward::check_url(&f.url).map_err(ListenError::Forward)?;
            let _inside = runtime.enter();
            Some(forward::spawn(f, &base).map_err(ListenError::Forward)?)
        }
        None => None,
    };
    let forward_stats = forwarder.as_ref().map(|f| f.stats.clone());
    let stats = Arc::new(Stats::default());
    let state = Arc::new(State {
        capture,
        out: config.out,
        workspace: config.workspace,
        write_key: config.write_key,
        stats: stats.clone(),
        on_call: config.on_call,
        forwarder,
        bodies: Semaphore::new(MAX_BODIES),
        timeouts: config.timeouts,
        started: jiff::Timestamp::now().as_millisecond(),
        next_id: AtomicU64::new(1),
    });
    let (stop, stopped) = oneshot::channel();
    let flushing = forward_stats.clone();
    let thread = std::thread::Builder::new()
        .name("listen".into())
        .spawn(move || {
            runtime.block_on(async {
                serve(listener, state, stopped).await;
                if let Some(f) = flushing {
                    forward::flush(&f, FORWARD_FLUSH).await;
                }
            });
        })
        .map_err(ListenError::Runtime)?;
    Ok(Server {
        addr,
        stats,
        forward: forward_stats,
        stop: Some(stop),
        thread: Some(thread),
    })
}

async fn serve(listener: TcpListener, state: Arc<State>, mut stopped: oneshot::Receiver<()>) {
    let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = connections.clone().acquire_owned().await else {
            return;
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = &mut stopped => return,
        };
        let Ok((stream, _)) = accepted else {
            // Out of file descriptors and the like: wait a moment rather than spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(async move {
            let headers = state.timeouts.headers;
            let service = service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(handle(&state, req).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(headers)
                .max_buf_size(MAX_READ_BUFFER)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                () = tokio::time::sleep(CONNECTION_LIFETIME) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(permit);
        });
    }
}

type Answer = Response<Full<Bytes>>;

fn json(status: StatusCode, body: String) -> Answer {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn refused(r: &Refusal) -> Answer {
    json(
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
        r.body(),
    )
}

/// CORS as analytics.js needs it in a browser: any origin, its methods and headers.
fn cors(req_headers: &HeaderMap, answer: &mut Answer) {
    let h = answer.headers_mut();
    let origin = req_headers
        .get(header::ORIGIN)
        .cloned()
        .unwrap_or(HeaderValue::from_static("*"));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    let asked = req_headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or(HeaderValue::from_static("Content-Type, Authorization"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked);
    h.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
}

async fn handle(state: &State, req: Request<Incoming>) -> Answer {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let headers = req.headers().clone();
    let (mut answer, events, note) = route(state, req, &method, &path, &query).await;
    cors(&headers, &mut answer);
    let status = answer.status().as_u16();
    if status >= 400 {
        state.stats.refused.fetch_add(1, Ordering::Relaxed);
        state
            .stats
            .last_refusal
            .set(format!("{status} {path}: {note}"));
    }
    if let Some(log) = &state.on_call {
        log(&Call {
            status,
            method: method.to_string(),
            path,
            events,
            note,
        });
    }
    answer
}

/// The answer, how many events it accepted, and a note for the log.
async fn route(
    state: &State,
    req: Request<Incoming>,
    method: &Method,
    path: &str,
    query: &str,
) -> (Answer, usize, String) {
    let not_found = || {
        let r = Refusal {
            status: 404,
            message: format!("no such endpoint: {path} (POST /v1/track, /v1/batch, …)"),
        };
        (refused(&r), 0, r.message)
    };
    if method == Method::OPTIONS {
        return (
            json(StatusCode::NO_CONTENT, String::new()),
            0,
            "preflight".into(),
        );
    }
    if let Some(endpoint) = api::endpoint(path) {
        if method != Method::POST {
            return wrong_method(method, "POST");
        }
        return match call(state, req, endpoint).await {
            Ok(n) => (
                json(StatusCode::OK, r#"{"success":true}"#.into()),
                n,
                format!("{n} event{}", if n == 1 { "" } else { "s" }),
            ),
            Err(r) => (refused(&r), 0, r.message),
        };
    }
    if let Some(key) = settings_key(path) {
        if method != Method::GET {
            return wrong_method(method, "GET");
        }
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_owned();
        let body = state
            .workspace
            .to_cdn(&key, &format!("{host}/v1"), "http")
            .to_string();
        return (json(StatusCode::OK, body), 0, "settings".into());
    }
    match (path, method) {
        ("/inspector/events", &Method::GET) => {
            let q = match inspector::Query::parse(query) {
                Ok(q) => q,
                Err(e) => return bad(e),
            };
            let (file, ws) = (state.out.clone(), state.workspace.clone());
            let r = tokio::task::spawn_blocking(move || inspector::events(&file, &ws, &q)).await;
            match r {
                Ok(Ok(body)) => (ndjson(body), 0, "inspector events".into()),
                Ok(Err(e)) => bad(e),
                Err(e) => internal(&e.to_string()),
            }
        }
        ("/inspector/profiles", &Method::GET) => {
            let (file, ws) = (state.out.clone(), state.workspace.clone());
            let r = tokio::task::spawn_blocking(move || inspector::profiles(&file, &ws)).await;
            match r {
                Ok(Ok(body)) => (ndjson(body), 0, "inspector profiles".into()),
                Ok(Err(e)) => internal(&e.to_string()),
                Err(e) => internal(&e.to_string()),
            }
        }
        ("/inspector/reset", &Method::POST) => match state.capture.reset() {
            Ok(()) => (
                json(StatusCode::OK, r#"{"success":true}"#.into()),
                0,
                "a new capture".into(),
            ),
            Err(e) => internal(&e.to_string()),
        },
        ("/inspector/events" | "/inspector/profiles", _) => wrong_method(method, "GET"),
        ("/inspector/reset", _) => wrong_method(method, "POST"),
        _ => not_found(),
    }
}

fn ndjson(body: Vec<u8>) -> Answer {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    r
}

fn bad(message: String) -> (Answer, usize, String) {
    let r = Refusal {
        status: 400,
        message,
    };
    (refused(&r), 0, r.message)
}

fn internal(message: &str) -> (Answer, usize, String) {
    let r = Refusal {
        status: 500,
        message: message.to_owned(),
    };
    (refused(&r), 0, r.message)
}

fn wrong_method(method: &Method, allowed: &'static str) -> (Answer, usize, String) {
    let r = Refusal {
        status: 405,
        message: format!("{method} is not allowed here: use {allowed}"),
    };
    let mut a = refused(&r);
    a.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allowed));
    (a, 0, r.message)
}

/// The write key in `/v1/projects/{key}/settings`, analytics.js's settings download.
fn settings_key(path: &str) -> Option<String> {
    let at = path.rfind("/v1/projects/")?;
    let key = path[at + "/v1/projects/".len()..].strip_suffix("/settings")?;
    (!key.is_empty() && !key.contains('/')).then(|| key.to_owned())
}

/// A tracking call: read within the limits, checked, written, then answered.
async fn call(state: &State, req: Request<Incoming>, endpoint: Endpoint) -> Result<usize, Refusal> {
    // What the upstream needs, kept only when there is one.
    let relay = state.forwarder.as_ref().map(|_| {
        (
            forward::upstream_path(req.uri().path(), req.uri().query()),
            forward::kept_headers(req.headers()),
        )
    });
    let header_key = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(api::basic_auth_key);
    let gzip = req
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("gzip"));
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.parse::<u64>().ok());
    match declared {
        // Absurd: refused before a byte of it is read, and the connection closed.
        Some(n) if n > MAX_DRAIN_BYTES => return Err(too_long()),
        // Over the limit but plausible: read and dropped, so that the client, still
        // sending, gets the answer rather than a broken pipe.
        Some(n) if n > MAX_WIRE_BYTES as u64 => {
            drain(state, req.into_body()).await;
            return Err(too_long());
        }
        _ => {}
    }
    let body = read_body(state, req.into_body()).await?;
    let text = api::decode(&body, gzip, endpoint.limit())?;
    let received_at = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let mut new_id = || {
        let n = state.next_id.fetch_add(1, Ordering::Relaxed);
        format!("listen-{}-{n}", state.started)
    };
    let accepted = api::accept(
        endpoint,
        &text,
        &mut api::Stamp {
            received_at: &received_at,
            new_message_id: &mut new_id,
        },
    )?;
    if let Some(want) = &state.write_key {
        let given = header_key.as_ref().or(accepted.body_write_key.as_ref());
        if given != Some(want) {
            return Err(Refusal {
                status: 401,
                message: "this write key is not the one listen was started with (--write-key)"
                    .into(),
            });
        }
    }
    state.capture.append(&accepted.line).map_err(|e| Refusal {
        status: 500,
        message: format!("cannot write the capture file: {e}"),
    })?;
    state.stats.accepted_calls.fetch_add(1, Ordering::Relaxed);
    state
        .stats
        .accepted_events
        .fetch_add(accepted.events as u64, Ordering::Relaxed);
    if let (Some(f), Some((path, headers))) = (&state.forwarder, relay) {
        f.relay(forward::Job {
            path,
            headers,
            body,
        });
    }
    Ok(accepted.events)
}

/// Reads a body to its end (or the body deadline) without keeping it.
async fn drain(state: &State, mut body: Incoming) {
    let _ = tokio::time::timeout(state.timeouts.body, async {
        while let Some(Ok(_)) = body.frame().await {}
    })
    .await;
}

fn too_long() -> Refusal {
    Refusal {
        status: 400,
        message: format!(
            "the body is over {} KB, the most Segment's API takes",
            MAX_BATCH_BYTES / 1024
        ),
    }
}

/// The body, at most `MAX_WIRE_BYTES`, within the body timeout, while one of `MAX_BODIES`
/// places is free.
async fn read_body(state: &State, body: Incoming) -> Result<Bytes, Refusal> {
    let _place = state.bodies.acquire().await.map_err(|_| Refusal {
        status: 503,
        message: "the server is stopping".into(),
    })?;
    let limited = Limited::new(body, MAX_WIRE_BYTES);
    let within = state.timeouts.body;
    match tokio::time::timeout(within, limited.collect()).await {
        Err(_) => Err(Refusal {
            status: 408,
            message: format!("the body did not arrive within {} ms", within.as_millis()),
        }),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(too_long()),
        Ok(Err(e)) => Err(Refusal {
            status: 400,
            message: format!("the body could not be read: {e}"),
        }),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}
