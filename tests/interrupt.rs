//! Ctrl-C (SIGINT) or SIGTERM in the middle of `route`: the output ends on a record boundary
//! (every line parses), nothing decided before is lost, and the exit status is 128 + the
//! signal's number. Before, the default action could stop a write mid-page and leave half a
//! record (`…"discard":"DUPLIC`).

#![cfg(unix)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// `route args…` reading stdin, its output in `out`.
fn route(args: &[&str], out: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(["-q", "route", "--settings", "samples/consent-settings.json"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(std::fs::File::create(out).unwrap())
        .stderr(Stdio::null())
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .spawn()
        .unwrap()
}

/// `route` fed an endless stream on stdin, its output in a file, signalled after `after`.
fn interrupted(args: &[&str], signal: i32, after: Duration) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out");
    let mut child = route(args, &out_path);
    let mut stdin = child.stdin.take().unwrap();
    let events = std::fs::read("samples/events.jsonl").unwrap();
    // Paced, so that each round writes megabytes, not the gigabyte an unpaced feeder would.
    let feeder = std::thread::spawn(move || {
        while stdin.write_all(&events).is_ok() {
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    std::thread::sleep(after);
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    let status = child.wait().unwrap();
    feeder.join().unwrap();
    let code = status.code();
    (code, std::fs::read_to_string(&out_path).unwrap())
}

#[test]
fn an_interrupted_route_ends_on_a_record_boundary() {
    for (i, (signal, code)) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)]
        .into_iter()
        .cycle()
        .take(6)
        .enumerate()
    {
        let after = Duration::from_millis(300 + 97 * i as u64);
        let (status, text) = interrupted(&[], signal, after);
        assert_eq!(status, Some(code), "round {i}");
        assert!(text.ends_with('\n'), "round {i}: ends mid-line");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() > 100, "round {i}: only {} records", lines.len());
        for (n, l) in lines.iter().enumerate() {
            let v: serde_json::Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("round {i}, record {}: {e}: {l}", n + 1));
            assert!(v["routes"].is_array());
        }
    }
}

#[test]
fn an_interrupted_table_ends_on_a_row() {
    let (status, text) = interrupted(
        &["--format", "table"],
        libc::SIGINT,
        Duration::from_millis(400),
    );
    assert_eq!(status, Some(130));
    assert!(text.ends_with('\n'));
}

/// Records decided while the input stalls are written when the signal comes, not lost in the
/// output's buffer. `route` reads its input in chunks of 256 lines (`pipeline::CHUNK_LINES`):
/// of 600 lines, the first 512 are decided; the rest wait for a chunk that never fills.
#[test]
fn an_interrupt_while_the_input_stalls_writes_what_was_decided() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out");
    let mut child = route(&[], &out_path);
    let mut stdin = child.stdin.take().unwrap();
    let sample = std::fs::read_to_string("samples/events.jsonl").unwrap();
    let lines: Vec<&str> = sample.lines().filter(|l| !l.trim().is_empty()).collect();
    let many: String = (0..600)
        .map(|i| format!("{}\n", lines[i % lines.len()]))
        .collect();
    stdin.write_all(many.as_bytes()).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let status = child.wait().unwrap();
    drop(stdin);
    assert_eq!(status.code(), Some(130));
    let text = std::fs::read_to_string(&out_path).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut lines: Vec<u64> = records
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    lines.dedup();
    assert_eq!(lines, (1..=512).collect::<Vec<u64>>());
}
