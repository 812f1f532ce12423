//! The `listen` section: concurrent clients posting batches over loopback while the terminal
//! UI's engine follows the capture file and draws frames as its loop does; then single calls,
//! timed from the request to the frame that shows their row. The peer in the same run is a
//! bare hyper server that reads each body and answers 200 without looking at it: the most any
//! server on this stack could take from these clients.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use consent_inspector::listen;
use consent_inspector::tui::app::Action;
use consent_inspector::tui::event::{Change, UiEvent, Waker};
use consent_inspector::tui::fair_lock::FairLock;
use consent_inspector::tui::store::{self, Shared, Store};
use consent_inspector::tui::ui;
use consent_inspector::workspace::Workspace;
use serde_json::{Value, json};

use super::{SETTINGS, median, proc_status, traffic};

/// Client threads sending at once.
const CLIENTS: usize = 4;
/// Events in each batch call.
const PER_BATCH: usize = 100;
/// The UI loop's frame budget (`tui::run`): at most one frame per 33 ms.
const FRAME: Duration = Duration::from_millis(33);
/// Single calls timed from request to screen.
const PROBES: usize = 100;

/// Posts every body to `url`, spread over `CLIENTS` keep-alive clients; the seconds until
/// the last 200.
fn blast(url: &str, bodies: &Arc<Vec<String>>) -> f64 {
    let start = Instant::now();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (url, bodies) = (url.to_owned(), bodies.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
                for body in bodies.iter().skip(c).step_by(CLIENTS) {
                    let r = agent
                        .post(&url)
                        .header("Content-Type", "application/json")
                        .send(body.as_bytes())
                        .expect("a batch call");
                    assert_eq!(r.status(), 200);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    start.elapsed().as_secs_f64()
}

/// The peer: reads each body whole and answers 200, nothing else.
fn floor_server() -> (
    SocketAddr,
    std::thread::JoinHandle<()>,
    tokio::sync::oneshot::Sender<()>,
) {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (stream, _) = tokio::select! {
                    a = listener.accept() => a.unwrap(),
                    _ = &mut stopped => return,
                };
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(
                        |req: hyper::Request<hyper::body::Incoming>| async move {
                            let body = req.into_body().collect().await?.to_bytes();
                            std::hint::black_box(body.len());
                            Ok::<_, hyper::Error>(hyper::Response::new(Full::new(
                                Bytes::from_static(br#"{"success":true}"#),
                            )))
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    (addr, thread, stop)
}

/// What the UI thread is looking for: a user id, and when its call was sent.
type Probe = Arc<Mutex<Option<(String, Instant)>>>;

/// The UI loop as `tui::run` has it, drawing into a `TestBackend`: on each change, a frame
/// (at most one per `FRAME`). After each frame it looks for the probe's row on screen and
/// records how long after its request the row appeared.
fn ui_thread(
    store: Shared,
    events: mpsc::Receiver<UiEvent>,
    waker: Waker,
    probe: Probe,
    seen: mpsc::Sender<f64>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<usize> {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    std::thread::spawn(move || {
        let mut app = super::following_app(&store);
        app.update(Action::Resize {
            width: 120,
            height: 40,
        });
        let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let theme = ui::Theme::DARK;
        let (mut frames, mut redraw, mut last) = (0usize, false, None::<Instant>);
        while !stop.load(Ordering::Relaxed) {
            if redraw && last.is_none_or(|t: Instant| t.elapsed() >= FRAME) {
                app.sync();
                term.draw(|f| ui::draw(f, &app, &store.read().unwrap(), theme))
                    .unwrap();
                frames += 1;
                redraw = false;
                last = Some(Instant::now());
                let mut p = probe.lock().unwrap();
                if let Some((id, sent)) = p.as_ref() {
                    let screen: String = term
                        .backend()
                        .buffer()
                        .content
                        .iter()
                        .map(ratatui::buffer::Cell::symbol)
                        .collect();
                    if screen.contains(id.as_str()) {
                        seen.send(sent.elapsed().as_secs_f64()).unwrap();
                        *p = None;
                    }
                }
            }
            let wait = match last {
                Some(t) if redraw => FRAME.saturating_sub(t.elapsed()),
                _ => FRAME,
            };
            match events.recv_timeout(wait) {
                Ok(UiEvent::DataChanged) => {
                    waker.taken();
                    redraw = true;
                }
                Ok(_) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        frames
    })
}

/// The section's figures, measured in this process (the benchmark runs it as a child, so its
/// memory is the server's, the engine's and the clients').
pub fn child(events: usize, dir: &Path) -> Value {
    let batches = events / PER_BATCH;
    let bodies = Arc::new(traffic::batches(batches, PER_BATCH, 0x11_57e9));
    let wire_bytes: usize = bodies.iter().map(String::len).sum();

    let (floor_addr, floor_thread, floor_stop) = floor_server();
    let floor = blast(&format!("http://{floor_addr}/v1/batch"), &bodies);
    floor_stop.send(()).unwrap();
    floor_thread.join().unwrap();

    let out = dir.join("listen-capture.jsonl");
    let _ = std::fs::remove_file(&out);
    let ws = Arc::new(Workspace::load(Path::new(SETTINGS)).unwrap());
    // The clients' bodies are in memory already: what follows is the server's and the
    // engine's.
    let base_rss = proc_status("VmRSS:");
    let server = listen::start(listen::Config::new(
        "127.0.0.1:0".parse().unwrap(),
        out.display().to_string(),
        ws.clone(),
    ))
    .unwrap();
    let store: Shared = Arc::new(FairLock::new(Store::new(
        ws,
        out.display().to_string(),
        false,
        store::MAX_EVENTS,
    )));
    let (tx, rx) = mpsc::channel();
    let waker = Waker::new(tx, Change::Data);
    let stop = Arc::new(AtomicBool::new(false));
    store::spawn_reader(
        out.clone(),
        true,
        store.clone(),
        waker.clone(),
        stop.clone(),
    );
    let probe: Probe = Arc::default();
    let (seen_tx, seen) = mpsc::channel();
    let ui = ui_thread(
        store.clone(),
        rx,
        waker,
        probe.clone(),
        seen_tx,
        stop.clone(),
    );

    let url = format!("http://{}", server.addr);
    let start = Instant::now();
    let accepted = blast(&format!("{url}/v1/batch"), &bodies);
    while store.read().unwrap().len() < batches * PER_BATCH {
        std::thread::sleep(Duration::from_millis(2));
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the engine never caught up"
        );
    }
    let followed = start.elapsed().as_secs_f64();
    let rss = proc_status("VmRSS:");

    // Request to screen: one call at a time, spaced as a person's clicks would be.
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let mut latencies: Vec<f64> = (0..PROBES)
        .map(|i| {
            std::thread::sleep(Duration::from_millis(50));
            let id = format!("probe-{i:04}");
            let body = format!(r#"{{"type":"track","event":"Probe","userId":"{id}"}}"#);
            *probe.lock().unwrap() = Some((id, Instant::now()));
            let r = agent
                .post(format!("{url}/v1/track"))
                .send(body.as_bytes())
                .unwrap();
            assert_eq!(r.status(), 200);
            seen.recv_timeout(Duration::from_secs(5))
                .expect("the probe's row never reached the screen")
        })
        .collect();
    stop.store(true, Ordering::Relaxed);
    let frames = ui.join().unwrap();
    latencies.sort_by(f64::total_cmp);
    let p95 = latencies[latencies.len() * 95 / 100];
    drop(server);
    let _ = std::fs::remove_file(&out);
    json!({
        "events": batches * PER_BATCH,
        "clients": CLIENTS,
        "events_per_call": PER_BATCH,
        "wire_mb": wire_bytes as f64 / 1e6,
        "floor_events_per_s": (batches * PER_BATCH) as f64 / floor,
        "accepted_events_per_s": (batches * PER_BATCH) as f64 / accepted,
        "followed_events_per_s": (batches * PER_BATCH) as f64 / followed,
        "accepted_share_of_floor": floor / accepted,
        "frames_drawn": frames,
        "request_to_screen_median_ms": median(&mut latencies) * 1e3,
        "request_to_screen_p95_ms": p95 * 1e3,
        "rss_bytes": rss,
        "peak_rss_bytes": proc_status("VmHWM:"),
        "baseline_rss_bytes": base_rss,
    })
}
