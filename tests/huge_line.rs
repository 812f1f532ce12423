//! A 50 MB line is reported as too large, with its line number, the lines after it are still
//! read, and memory stays bounded. In a test binary of its own, so the process's peak memory
//! is this test's alone.

use std::io::{BufWriter, Write};
use std::sync::Arc;

use consent_inspector::engine::Engine;
use consent_inspector::read::input::Records;
use consent_inspector::workspace::Workspace;

fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb * 1024
}

#[test]
fn a_50_mb_line_is_too_large_and_reading_goes_on_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.jsonl");
    let mut w = BufWriter::new(std::fs::File::create(&file).unwrap());
    writeln!(w, r#"{{"type":"page","userId":"u1","messageId":"before"}}"#).unwrap();
    w.write_all(br#"{"type":"track","event":"Huge","userId":"u1","properties":{"blob":""#)
        .unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..50 {
        w.write_all(&chunk).unwrap();
    }
    w.write_all(b"\"}}\n").unwrap();
    writeln!(w, r#"{{"type":"page","userId":"u1","messageId":"after"}}"#).unwrap();
    drop(w);

    let before = peak_rss();
    let ws = Arc::new(Workspace::load("samples/consent-settings.json".as_ref()).unwrap());
    let mut engine = Engine::new(ws);
    let outcomes: Vec<_> = Records::open(file.to_str().unwrap())
        .unwrap()
        .map(|r| engine.ingest(r.unwrap()))
        .collect();
    let grew = peak_rss().saturating_sub(before);

    let lines: Vec<u64> = outcomes.iter().map(|o| o.origin.line).collect();
    assert_eq!(lines, vec![1, 2, 3]);
    assert!(outcomes[0].ingested() && outcomes[2].ingested());
    let f = &outcomes[1].findings[0];
    assert_eq!(f.code.as_str(), "event_too_large");
    assert!(
        f.message
            .starts_with("52428870 bytes, over the 1048576 bytes"),
        "{}",
        f.message
    );
    assert!(
        grew < 16 << 20,
        "reading a 50 MB line raised peak memory by {grew} bytes"
    );
}
