//! What the differential tests share: a small seeded generator, and a Node runner of
//! Segment's own packages (`tests/clients/*.js`) that answers one JSON line per case.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

/// xorshift64*: small, seeded, the same cases on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Runs `tests/clients/<script>` over `cases` (one JSON line each) and returns its answers,
/// one per case; panics, saying what to install, when Node or the packages are missing.
pub fn ask_node(script: &str, cases: &[Value]) -> Vec<Value> {
    let node_path = std::fs::canonicalize("tests/clients/node_modules")
        .expect("npm ci --prefix tests/clients has not been run");
    let mut child = Command::new("node")
        .arg(format!("tests/clients/{script}"))
        .env("NODE_PATH", node_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("Node.js is not installed");
    {
        let mut stdin = child.stdin.take().unwrap();
        for c in cases {
            writeln!(stdin, "{c}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{script} failed");
    let answers: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        answers.len(),
        cases.len(),
        "{script} answered a different number of cases"
    );
    answers
}

/// The event as the tool reads it from a captured line: parsed in place, not built.
pub fn parsed(event: &Value) -> consent_inspector::read::event::Doc {
    let text: std::sync::Arc<str> = event.to_string().into();
    match consent_inspector::read::event::Doc::parse(&text) {
        Ok(consent_inspector::read::event::Parsed::Event(d)) => *d,
        other => panic!("not one event: {other:?} from {event}"),
    }
}
