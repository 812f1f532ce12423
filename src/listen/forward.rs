//! `--forward URL`: each accepted call relayed, unchanged, to an upstream (Segment's own API,
//! say). The local answer never waits for it: calls wait in a bounded queue, a few are sent at
//! once, and what the queue cannot hold is counted, as are the upstream's failures.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hyper::HeaderMap;
use hyper::body::Bytes;
use hyper::header;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

/// The most the bodies waiting in the queue may take together, whatever its length.
const QUEUE_BYTES: usize = 64 * 1024 * 1024;
/// Calls sent to the upstream at once.
const IN_FLIGHT: usize = 8;
/// How long the upstream has to answer one call.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);

/// Told of each upstream failure (for `--headless` output).
pub type OnFailure = Arc<dyn Fn(&str) + Send + Sync>;

/// Where to relay and how many calls may wait.
#[derive(Clone)]
pub struct Forward {
    /// The upstream's base: `/v1/…` and the query are appended (`https://api.segment.io`).
    pub url: String,
    pub queue: usize,
    pub on_failure: Option<OnFailure>,
}

/// What forwarding has done, for the status bar.
#[derive(Debug, Default)]
pub struct ForwardStats {
    /// Calls the queue took.
    pub queued: AtomicU64,
    pub sent: AtomicU64,
    pub failed: AtomicU64,
    /// Calls the full queue could not take: never sent.
    pub dropped: AtomicU64,
    last_failure: super::Latest,
}

impl ForwardStats {
    pub fn last_failure(&self) -> Option<String> {
        self.last_failure.get()
    }

    /// Calls queued or on their way, not yet answered by the upstream.
    pub fn pending(&self) -> u64 {
        let done = self.sent.load(Ordering::Relaxed) + self.failed.load(Ordering::Relaxed);
        self.queued.load(Ordering::Relaxed).saturating_sub(done)
    }

    /// A failed relay: told in full (`url: why`), kept short for the status bar
    /// (`/v1/track: why`), where the upstream's address is known.
    fn failed(&self, url: &str, path: &str, why: &str, tell: Option<&OnFailure>) {
        if let Some(tell) = tell {
            tell(&format!("{url}: {why}"));
        }
        let why = format!("{path}: {why}");
        self.last_failure.set(why);
        // Counted last, so that whoever sees the count also sees the failure.
        self.failed.fetch_add(1, Ordering::Relaxed);
    }
}

/// One call to relay: its path and query as received, the headers that matter, its body as
/// it came (compressed or not).
pub struct Job {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A queued call and the room its body takes in the queue, given back once it is sent.
struct Queued {
    job: Job,
    _room: OwnedSemaphorePermit,
}

/// The headers an upstream needs to take the call as the client sent it.
pub fn kept_headers(from: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for name in [
        header::CONTENT_TYPE,
        header::CONTENT_ENCODING,
        header::AUTHORIZATION,
        header::USER_AGENT,
    ] {
        if let Some(v) = from.get(&name) {
            out.insert(name, v.clone());
        }
    }
    out
}

/// The queue's sending end.
pub struct Forwarder {
    tx: mpsc::Sender<Queued>,
    room: Arc<Semaphore>,
    pub stats: Arc<ForwardStats>,
}

impl Forwarder {
    /// Queues a call, or counts it dropped when the queue is full.
    pub fn relay(&self, job: Job) {
        let bytes = u32::try_from(job.body.len()).unwrap_or(u32::MAX);
        let Ok(room) = self.room.clone().try_acquire_many_owned(bytes) else {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        };
        if self.tx.try_send(Queued { job, _room: room }).is_ok() {
            self.stats.queued.fetch_add(1, Ordering::Relaxed);
        } else {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Checks the URL, so that a mistake is said at start.
pub fn check_url(url: &str) -> Result<reqwest::Url, String> {
    let u = reqwest::Url::parse(url).map_err(|e| format!("--forward {url}: {e}"))?;
    if u.scheme() != "http" && u.scheme() != "https" {
        return Err(format!("--forward {url}: only http and https upstreams"));
    }
    Ok(u)
}

/// Waits (at most `within`) until every queued call has had its answer, so that stopping
/// does not lose calls already accepted.
pub async fn flush(stats: &ForwardStats, within: Duration) {
    let _ = tokio::time::timeout(within, async {
        while stats.pending() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

/// The path a call is relayed to: from `/v1/` on (a local prefix is this machine's, not the
/// upstream's), with its query.
pub fn upstream_path(path: &str, query: Option<&str>) -> String {
    let from = path.find("/v1/").unwrap_or(0);
    match query {
        Some(q) => format!("{}?{q}", &path[from..]),
        None => path[from..].to_owned(),
    }
}

/// What went wrong, in a few words: reqwest's own message only says a request failed, its
/// innermost cause says why (`Connection refused`, a certificate's problem…).
fn why(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", UPSTREAM_TIMEOUT.as_secs());
    }
    let mut root: &dyn std::error::Error = e;
    while let Some(inner) = root.source() {
        root = inner;
    }
    let what = if e.is_connect() {
        "cannot connect"
    } else {
        "failed"
    };
    format!("{what}: {root}")
}

/// Starts the sender; must run inside the server's runtime.
pub fn spawn(forward: &Forward, base: &reqwest::Url) -> Result<Forwarder, String> {
    let client = reqwest::Client::builder()
        .timeout(UPSTREAM_TIMEOUT)
        .build()
        .map_err(|e| format!("--forward: {e}"))?;
    let (tx, mut rx) = mpsc::channel::<Queued>(forward.queue.max(1));
    let stats = Arc::new(ForwardStats::default());
    let s = stats.clone();
    let tell = forward.on_failure.clone();
    let base = base.as_str().trim_end_matches('/').to_owned();
    tokio::spawn(async move {
        let places = Arc::new(Semaphore::new(IN_FLIGHT));
        while let Some(Queued { job, _room: room }) = rx.recv().await {
            let Ok(place) = places.clone().acquire_owned().await else {
                return;
            };
            let (client, stats, tell) = (client.clone(), s.clone(), tell.clone());
            let (url, path) = (format!("{base}{}", job.path), job.path);
            tokio::spawn(async move {
                let sent = client
                    .post(&url)
                    .headers(job.headers)
                    .body(job.body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => {
                        stats.sent.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(r) => {
                        let status = format!("answered {}", r.status());
                        stats.failed(&url, &path, &status, tell.as_ref());
                    }
                    Err(e) => stats.failed(&url, &path, &why(&e), tell.as_ref()),
                }
                drop((place, room));
            });
        }
    });
    Ok(Forwarder {
        tx,
        room: Arc::new(Semaphore::new(QUEUE_BYTES)),
        stats,
    })
}
