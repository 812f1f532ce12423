//! The HTTP side: hyper on a tokio runtime of its own thread, so the TUI and its reader keep
//! theirs. Before anything else a request's `Host` must name this listener and, for the
//! inspector, its `Origin` must be none or an allowed one (`guard`). Each request has a
//! deadline that runs from the moment its connection was accepted (or its previous answer
//! sent); connections, the bytes of bodies held and inspector scans are bounded, so memory is
//! not whatever the clients do, and a slow client holds only what it sent.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{Semaphore, SemaphorePermit, oneshot};
use tokio::time::Instant;

use super::api::{self, Endpoint, Refusal};
use super::capture::Capture;
use super::forward::{self, Forward, ForwardStats, Forwarder};
use super::guard::{self, Allowed, Caller, Listener};
use super::{inspector, stream};
use crate::read::endpoint::MAX_BATCH_BYTES;
use crate::workspace::Workspace;

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
const MAX_READ_BUFFER: usize = 64 * 1024;
/// The request line and headers a request may have (431 beyond).
const MAX_HEADER_BYTES: usize = 32 * 1024;
/// The bytes of request bodies held at once, whoever sends them: 64 full batches. A body
/// takes its share as its bytes arrive, so a client sending a byte a second holds a byte, and
/// a slow client never keeps a normal one waiting.
const BODY_BYTES: usize = 64 * MAX_WIRE_BYTES;
/// Inspector answers scanned at once; more wait their turn. Each scan holds an engine's state
/// for the capture and a few chunks of its answer.
const MAX_SCANS: usize = 2;
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
/// Told of what the server noticed about its capture file (a torn line ended, the file made
/// anew), once each.
pub type OnNotice = Box<dyn Fn(&str) + Send + Sync>;

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
    /// `--allow-host` and `--allow-origin`.
    pub allowed: Allowed,
    pub on_notice: Option<OnNotice>,
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
            allowed: Allowed::default(),
            on_notice: None,
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
    last_notice: super::Latest,
}

impl Stats {
    pub fn last_refusal(&self) -> Option<String> {
        self.last_refusal.get()
    }

    /// The latest thing noticed about the capture file (see `OnNotice`).
    pub fn last_notice(&self) -> Option<String> {
        self.last_notice.get()
    }

    pub fn set_notice(&self, message: String) {
        self.last_notice.set(message);
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
    /// `--allow-host` or `--allow-origin` that is not what it should be.
    #[error("{0}")]
    Allowed(String),
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
    on_notice: Option<OnNotice>,
    forwarder: Option<Forwarder>,
    body_bytes: Semaphore,
    scans: Arc<Semaphore>,
    timeouts: Timeouts,
    allowed: Allowed,
    listener: Listener,
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
    let (capture, torn) = Capture::open(std::path::Path::new(&config.out)).map_err(|source| {
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
        on_notice: config.on_notice,
        forwarder,
        body_bytes: Semaphore::new(BODY_BYTES),
        scans: Arc::new(Semaphore::new(MAX_SCANS)),
        timeouts: config.timeouts,
        allowed: config.allowed,
        listener: Listener {
            port: addr.port(),
            bind: config.bind.ip(),
        },
        started: jiff::Timestamp::now().as_millisecond(),
        next_id: AtomicU64::new(1),
    });
    if let Some(torn) = torn {
        state.notice(torn);
    }
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

impl State {
    /// Something noticed about the capture file: for the status bar and the headless log.
    fn notice(&self, message: String) {
        if let Some(tell) = &self.on_notice {
            tell(&message);
        }
        self.stats.set_notice(message);
    }
}

/// What a request's connection says about it: the address the client reached, and since when
/// the request has been coming (the accept, or the previous answer on the same connection).
struct Conn {
    local: IpAddr,
    since: Mutex<Instant>,
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
        let conn = Arc::new(Conn {
            local: stream.local_addr().map_or(state.listener.bind, |a| a.ip()),
            since: Mutex::new(Instant::now()),
        });
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(async move {
            let headers = state.timeouts.headers;
            let service = service_fn(move |req| {
                let (state, conn) = (state.clone(), conn.clone());
                async move {
                    let answer = handle(&state, &conn, req).await;
                    *conn.since.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
                    Ok::<_, Infallible>(answer)
                }
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

type Answer = Response<BoxBody<Bytes, std::io::Error>>;

fn answer(status: StatusCode, content_type: &'static str, body: Bytes) -> Answer {
    let mut r = Response::new(Full::new(body).map_err(|never| match never {}).boxed());
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn json(status: StatusCode, body: String) -> Answer {
    answer(status, "application/json", Bytes::from(body))
}

/// A request line and headers over `MAX_HEADER_BYTES` (hyper's read buffer lets somewhat more
/// through, so the limit the docs give is checked here): 431.
fn headers_too_large(req: &Request<Incoming>) -> Option<Refusal> {
    let bytes = req.uri().to_string().len()
        + req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum::<usize>();
    (bytes > MAX_HEADER_BYTES).then(|| Refusal {
        status: 431,
        message: format!(
            "the request line and headers are {bytes} bytes; at most {MAX_HEADER_BYTES} are read"
        ),
    })
}

fn refused(r: &Refusal) -> Answer {
    json(
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
        r.body(),
    )
}

/// The CORS headers of an answer: which page may read it, and which headers its requests may
/// carry. Never `Access-Control-Allow-Credentials`.
fn cors(answer: &mut Answer, origin: HeaderValue, headers: HeaderValue) {
    let h = answer.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, headers);
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
}

/// CORS for the tracking endpoints and the settings download, as analytics.js needs them in a
/// browser: any page may send calls (the answer tells it nothing but success). No
/// credentials: analytics.js sends none unless a page asks for them (docs/rules.md).
fn open_cors(req_headers: &HeaderMap, answer: &mut Answer) {
    // Echoed: analytics.js sends Authorization, which a wildcard would not cover.
    let asked = req_headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or(HeaderValue::from_static("Content-Type, Authorization"));
    cors(answer, HeaderValue::from_static("*"), asked);
}

/// CORS for an inspector answer to a page that may read it (its own origin, or one
/// `--allow-origin` named): that origin alone, never `*`.
fn inspector_cors(origin: &str, answer: &mut Answer) {
    if let Ok(o) = HeaderValue::from_str(origin) {
        cors(answer, o, HeaderValue::from_static("Content-Type"));
    }
}

async fn handle(state: &State, conn: &Conn, req: Request<Incoming>) -> Answer {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let host = header_text(req.headers(), &header::HOST);
    let (mut answer, events, note) = if let Some(r) = headers_too_large(&req) {
        (refused(&r), 0, r.message)
    } else {
        match guard::check_host(host.as_deref(), conn.local, state.listener, &state.allowed) {
            Err(r) => (refused(&r), 0, r.message),
            Ok(()) => route(state, conn, req, &method, &path).await,
        }
    };
    // Every answer may vary by Origin (the inspector's CORS does), so caches must not mix them;
    // and no browser may read one as anything but what it says it is (a script, say).
    let headers = answer.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The settings path holds the write key: it is never shown whole.
    let path = api::mask_settings_path(&path);
    let status = answer.status().as_u16();
    // Refused calls are tracking calls an app made; a mistyped inspector query or a stray
    // path is answered, and not counted among them.
    if status >= 400 && crate::read::endpoint::endpoint(&path).is_some() {
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

fn header_text(headers: &HeaderMap, name: &header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned())
}

/// The answer, how many events it accepted, and a note for the log.
async fn route(
    state: &State,
    conn: &Conn,
    req: Request<Incoming>,
    method: &Method,
    path: &str,
) -> (Answer, usize, String) {
    if path == "/inspector" || path.starts_with("/inspector/") {
        return inspector(state, req, method, path).await;
    }
    let headers = req.headers().clone();
    let (mut answer, events, note) = if method == Method::OPTIONS
        && (api::endpoint(path).is_some()
            || settings_key(path).is_some()
            || api::is_source_config(path))
    {
        (
            json(StatusCode::NO_CONTENT, String::new()),
            0,
            "preflight".into(),
        )
    } else if let Some(endpoint) = api::endpoint(path) {
        if method != Method::POST {
            return wrong_method(method, "POST");
        }
        match call(state, conn, req, endpoint).await {
            Ok(n) => (
                json(StatusCode::OK, r#"{"success":true}"#.into()),
                n,
                format!("{n} event{}", if n == 1 { "" } else { "s" }),
            ),
            Err(r) => (refused(&r), 0, r.message),
        }
    } else if let Some(key) = settings_key(path) {
        if method != Method::GET {
            return wrong_method(method, "GET");
        }
        let host = header_text(&headers, &header::HOST).unwrap_or_else(|| "localhost".into());
        let body = state
            .workspace
            .to_cdn(&key, &format!("{host}/v1"), "http")
            .to_string();
        (json(StatusCode::OK, body), 0, "settings".into())
    } else if api::is_source_config(path) {
        if method != Method::GET {
            return wrong_method(method, "GET");
        }
        // RudderStack's SDK names its write key in the query and in Basic auth.
        let key = req
            .uri()
            .query()
            .and_then(api::query_write_key)
            .or_else(|| {
                header_text(&headers, &header::AUTHORIZATION)
                    .as_deref()
                    .and_then(api::basic_auth_key)
            })
            .unwrap_or_default();
        if state.write_key.as_ref().is_some_and(|want| *want != key) {
            let r = Refusal {
                status: 401,
                message: "this write key is not the one listen was started with (--write-key)"
                    .into(),
            };
            return (refused(&r), 0, r.message);
        }
        let body =
            crate::rules::translate::rudder_source_config(&state.workspace, &key).to_string();
        (json(StatusCode::OK, body), 0, "source config".into())
    } else {
        let r = Refusal {
            status: 404,
            message: format!(
                "no such endpoint: {path} (POST /v1/track, /v1/batch, …; GET /sourceConfig)"
            ),
        };
        return (refused(&r), 0, r.message);
    };
    open_cors(&headers, &mut answer);
    (answer, events, note)
}

/// `/inspector/…`: read and changed by curl, test runners and allowed pages only.
async fn inspector(
    state: &State,
    req: Request<Incoming>,
    method: &Method,
    path: &str,
) -> (Answer, usize, String) {
    let headers = req.headers();
    let caller = guard::caller(
        header_text(headers, &header::ORIGIN).as_deref(),
        header_text(headers, &header::HeaderName::from_static("sec-fetch-site")).as_deref(),
        header_text(headers, &header::HOST).as_deref(),
        &state.allowed,
    );
    let page = match &caller {
        Caller::Foreign(origin) => {
            let r = guard::foreign(origin);
            return (refused(&r), 0, r.message);
        }
        Caller::Allowed(origin) => Some(origin.clone()),
        Caller::NotAPage => None,
    };
    let content_type = header_text(headers, &header::CONTENT_TYPE);
    let query = req.uri().query().unwrap_or("").to_owned();
    let (mut answer, events, note) = match (path, method) {
        (_, &Method::OPTIONS) => (
            json(StatusCode::NO_CONTENT, String::new()),
            0,
            "preflight".into(),
        ),
        ("/inspector/events", &Method::GET) => {
            let plan = inspector::Query::parse(&query)
                .and_then(|q| inspector::Plan::new(&state.workspace, q));
            match plan {
                Ok(plan) => {
                    let (file, ws) = (state.out.clone(), state.workspace.clone());
                    scan(state, "inspector events", move |out| {
                        inspector::events(&file, &ws, &plan, out)
                    })
                    .await
                }
                Err(e) => bad(e),
            }
        }
        ("/inspector/profiles", &Method::GET) => {
            let (file, ws) = (state.out.clone(), state.workspace.clone());
            scan(state, "inspector profiles", move |out| {
                inspector::profiles(&file, &ws, out)
            })
            .await
        }
        ("/inspector/reset", &Method::POST) => {
            match guard::check_changing(content_type.as_deref()) {
                Err(r) => (refused(&r), 0, r.message),
                Ok(()) => match state.capture.reset() {
                    Ok(noticed) => {
                        if let Some(n) = noticed {
                            state.notice(n);
                        }
                        (
                            json(StatusCode::OK, r#"{"success":true}"#.into()),
                            0,
                            "a new capture".into(),
                        )
                    }
                    Err(e) => internal(&e.to_string()),
                },
            }
        }
        ("/inspector/events" | "/inspector/profiles", _) => wrong_method(method, "GET"),
        ("/inspector/reset", _) => wrong_method(method, "POST"),
        _ => {
            let r = Refusal {
                status: 404,
                message: format!(
                    "no such endpoint: {path} (GET /inspector/events, /inspector/profiles; \
                     POST /inspector/reset)"
                ),
            };
            (refused(&r), 0, r.message)
        }
    };
    if let Some(origin) = page {
        inspector_cors(&origin, &mut answer);
    }
    (answer, events, note)
}

/// An inspector answer written by a scan of the capture as it goes, once one of `MAX_SCANS`
/// places is free.
async fn scan(
    state: &State,
    what: &'static str,
    write: impl FnOnce(&mut stream::Sink) -> std::io::Result<()> + Send + 'static,
) -> (Answer, usize, String) {
    let Ok(place) = state.scans.clone().acquire_owned().await else {
        return internal("the server is stopping");
    };
    let dir = std::path::Path::new(&state.out)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(
            || std::path::PathBuf::from("."),
            std::path::Path::to_path_buf,
        );
    // The place is freed when the scan ends, which no client's pace delays (`stream`).
    let started = stream::run(dir, move |out| {
        let _place = place;
        write(out)
    })
    .await;
    match started {
        Ok(body) => {
            let mut r = Response::new(body.boxed());
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-ndjson"),
            );
            (r, 0, what.into())
        }
        // The capture could not be read: the server's trouble, not the request's.
        Err(why) => internal(&format!("cannot read the capture: {why}")),
    }
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
async fn call(
    state: &State,
    conn: &Conn,
    req: Request<Incoming>,
    endpoint: Endpoint,
) -> Result<usize, Refusal> {
    // The later of: the whole request within both deadlines of its start, and the body
    // within its own once the headers are in.
    let since = *conn.since.lock().unwrap_or_else(PoisonError::into_inner);
    let deadline = (since + state.timeouts.headers + state.timeouts.body)
        .min(Instant::now() + state.timeouts.body);
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
            drain(deadline, req.into_body()).await;
            return Err(too_long());
        }
        _ => {}
    }
    let (body, _held) = read_body(state, deadline, req.into_body()).await?;
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
    let noticed = state.capture.append(&accepted.line).map_err(|e| Refusal {
        status: 500,
        message: format!("cannot write the capture file: {e}"),
    })?;
    if let Some(n) = noticed {
        state.notice(n);
    }
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

/// Reads a body to its end (or the deadline) without keeping it.
async fn drain(deadline: Instant, mut body: Incoming) {
    let _ = tokio::time::timeout_at(deadline, async {
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

/// The body, at most `MAX_WIRE_BYTES`, by the deadline; and its share of `BODY_BYTES`, held
/// until the call is done with it.
async fn read_body<'a>(
    state: &'a State,
    deadline: Instant,
    mut body: Incoming,
) -> Result<(Bytes, Option<SemaphorePermit<'a>>), Refusal> {
    let late = || Refusal {
        status: 408,
        message: format!(
            "the body did not arrive within {} ms",
            state.timeouts.body.as_millis()
        ),
    };
    let mut data = Vec::new();
    let mut held: Option<SemaphorePermit<'a>> = None;
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(late()),
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                return Err(Refusal {
                    status: 400,
                    message: format!("the body could not be read: {e}"),
                });
            }
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(chunk) = frame.into_data() else {
            continue; // trailers
        };
        if data.len() + chunk.len() > MAX_WIRE_BYTES {
            return Err(too_long());
        }
        let share =
            tokio::time::timeout_at(deadline, state.body_bytes.acquire_many(chunk.len() as u32))
                .await
                .map_err(|_| late())?
                .map_err(|_| Refusal {
                    status: 503,
                    message: "the server is stopping".into(),
                })?;
        match &mut held {
            Some(h) => h.merge(share),
            None => held = Some(share),
        }
        data.extend_from_slice(&chunk);
    }
    Ok((Bytes::from(data), held))
}
