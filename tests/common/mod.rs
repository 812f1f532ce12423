//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod formats;
pub mod listen;
pub mod needs;
pub mod oracle;
pub mod public_api;

use std::sync::Arc;

use consent_inspector::engine::{Engine, Outcome};
use consent_inspector::read::input::{Line, LinePos, records_from_line};
use consent_inspector::workspace::Workspace;

/// A small workspace that exercises every kind of mapping, including a disabled category.
pub const SETTINGS: &str = r#"{
  "categories": [
    {"id": "C0001", "name": "Strictly Necessary"},
    {"id": "C0002", "name": "Performance"},
    {"id": "C0003", "name": "Functional"},
    {"id": "C0004", "name": "Targeting"},
    {"id": "Legacy", "name": "Old category", "enabled": false}
  ],
  "destinations": [
    {"name": "Amplitude", "categories": ["C0002"]},
    {"name": "Braze", "categories": ["C0002", "C0004"]},
    {"name": "SendGrid", "categories": ["C0002", "C0003", "C0004"], "mappings": [
      {"name": "Every call", "subscribe": "type = \"track\" or type = \"identify\" or type = \"page\" or type = \"screen\" or type = \"group\" or type = \"alias\""}
    ]},
    {"name": "Webhooks", "categories": []},
    {"name": "Old Pixel", "categories": ["Legacy"]},
    {"name": "Mixed", "categories": ["Legacy", "C0003"]},
    {"name": "Amazon S3", "categories": ["C0004"], "kind": "aws-s3"},
    {"name": "Engage", "categories": ["C0004"], "kind": "engage"},
    {"name": "Snowflake", "categories": ["C0004"], "kind": "warehouse"}
  ]
}"#;

pub fn workspace() -> Arc<Workspace> {
    Arc::new(Workspace::from_slice("test-settings.json", SETTINGS.as_bytes()).unwrap())
}

/// Feeds lines to one engine in order and returns every outcome.
pub fn run(engine: &mut Engine, lines: &[&str]) -> Vec<Outcome> {
    let file: Arc<str> = Arc::from("t.jsonl");
    let mut out = Vec::new();
    let mut offset = 0;
    for (i, l) in lines.iter().enumerate() {
        let mut recs = Vec::new();
        let pos = LinePos {
            number: i as u64 + 1,
            offset,
        };
        records_from_line(&file, pos, Line::Text(l.as_bytes()), &mut recs);
        offset += l.len() as u64 + 1;
        out.extend(recs.into_iter().map(|r| engine.ingest(r)));
    }
    out
}

/// The outcome of one line on a fresh engine.
pub fn one(line: &str) -> Outcome {
    let mut engine = Engine::new(workspace());
    run(&mut engine, &[line]).pop().expect("one record")
}

/// `(destination, reason)` for every route.
pub fn reasons(o: &Outcome) -> Vec<(String, &'static str)> {
    reasons_in(&workspace(), o)
}

/// `(destination, reason)` for every route of `o`, decided under `ws`.
pub fn reasons_in(ws: &Workspace, o: &Outcome) -> Vec<(String, &'static str)> {
    o.routes
        .iter()
        .map(|r| {
            (
                ws.destinations[r.destination].name.clone(),
                r.decision.reason(),
            )
        })
        .collect()
}

/// `(destination, reason)` for every route, an uncertain one by the reason the steps the
/// settings describe let it through for (Engage's `not_enforced`): what consent decided.
pub fn consent_reasons(o: &Outcome) -> Vec<(String, &'static str)> {
    let ws = workspace();
    o.routes
        .iter()
        .map(|r| {
            let reason = match r.decision {
                consent_inspector::rules::verdict::Decision::Uncertain(d) => {
                    consent_inspector::rules::verdict::Decision::Deliver(d).reason()
                }
                _ => r.decision.reason(),
            };
            (ws.destinations[r.destination].name.clone(), reason)
        })
        .collect()
}

pub fn reason_of(o: &Outcome, dest: &str) -> &'static str {
    reasons(o)
        .into_iter()
        .find(|(d, _)| d == dest)
        .map(|(_, r)| r)
        .expect("destination exists")
}

pub fn codes(o: &Outcome) -> Vec<&'static str> {
    o.findings.iter().map(|f| f.code.as_str()).collect()
}

/// What a child process did: its exit status, what it wrote, and its peak resident memory.
pub struct Measured {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// `ru_maxrss` of this child alone (`wait4`), in KiB.
    pub peak_kib: u64,
}

/// Runs `cmd` to its end and measures its peak RSS: a memory bound held by a test, without
/// timing anything.
#[cfg(unix)]
#[expect(
    clippy::zombie_processes,
    reason = "wait4 reaps it, which std's wait cannot do and measure"
)]
pub fn measured(cmd: &mut std::process::Command) -> Measured {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = r.read_to_end(&mut b);
            b
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value; wait4 reaps the child std has not waited for.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &raw mut status, 0, &raw mut usage) };
    assert_eq!(reaped, pid, "wait4 failed");
    Measured {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        peak_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
    }
}
