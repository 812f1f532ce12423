//! The `/inspector` section: the memory `listen` takes to answer `GET /inspector/events` over a
//! large capture, once and eight times at once, measured in a process of its own per capture
//! size, so that "flat in the size of the capture" is seen as two sizes side by side. The
//! answer is streamed to clients that read and drop it; the peer in the same run is `route`
//! writing the same records to a pipe.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use consent_inspector::listen;
use consent_inspector::workspace::Workspace;
use serde_json::{Value, json};

use super::{BIN, SETTINGS, proc_status, time_command};

/// Reads a whole answer, keeping only its length.
fn drain(url: &str) -> u64 {
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let mut resp = agent.get(url).call().expect("an inspector answer");
    assert_eq!(resp.status(), 200);
    let mut reader = resp.body_mut().as_reader();
    let mut buf = vec![0u8; 64 * 1024];
    let mut n = 0u64;
    loop {
        match reader.read(&mut buf).expect("reading the answer") {
            0 => return n,
            k => n += k as u64,
        }
    }
}

/// The figures for one capture (`file`, already written), measured in this process.
pub fn child(file: &Path) -> Value {
    let ws = Arc::new(Workspace::load(Path::new(SETTINGS)).unwrap());
    let server = listen::start(listen::Config::new(
        "127.0.0.1:0".parse().unwrap(),
        file.display().to_string(),
        ws,
    ))
    .unwrap();
    let url = format!("http://{}/inspector/events", server.addr);
    let base = proc_status("VmHWM:");
    let start = Instant::now();
    let answer = drain(&url);
    let one_seconds = start.elapsed().as_secs_f64();
    let after_one = proc_status("VmHWM:");
    let start = Instant::now();
    let eight: Vec<_> = (0..8)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || drain(&url))
        })
        .collect();
    for t in eight {
        assert_eq!(t.join().unwrap(), answer, "every answer whole");
    }
    let eight_seconds = start.elapsed().as_secs_f64();
    let after_eight = proc_status("VmHWM:");
    json!({
        "capture_bytes": std::fs::metadata(file).unwrap().len(),
        "answer_bytes": answer,
        "one_seconds": one_seconds,
        "eight_seconds": eight_seconds,
        "baseline_peak_rss_bytes": base,
        "peak_rss_growth_one": after_one.saturating_sub(base),
        "peak_rss_growth_eight": after_eight.saturating_sub(base),
        "route_seconds": time_command(
            BIN,
            &["route", "--settings", SETTINGS, file.to_str().unwrap()],
        ),
    })
}

pub fn print(figures: &[Value]) {
    let mb = |v: &Value| v.as_f64().unwrap_or(0.0) / 1e6;
    println!();
    println!("GET /inspector/events, streamed (peak RSS growth over the server's baseline)");
    println!(
        "{:>12} {:>12} {:>14} {:>16} {:>14} {:>12}",
        "capture MB", "answer MB", "1 GET: +MB", "8 at once: +MB", "1 GET s", "route s"
    );
    for f in figures {
        println!(
            "{:>12.1} {:>12.1} {:>14.1} {:>16.1} {:>14.2} {:>12.2}",
            mb(&f["capture_bytes"]),
            mb(&f["answer_bytes"]),
            mb(&f["peak_rss_growth_one"]),
            mb(&f["peak_rss_growth_eight"]),
            f["one_seconds"].as_f64().unwrap_or(0.0),
            f["route_seconds"].as_f64().unwrap_or(0.0),
        );
    }
}
