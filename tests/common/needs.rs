//! Tests that need a tool this crate does not build (a runtime, a registry package, a shell).
//! Each such test is marked `#[ignore = "needs …: how to install it"]`, so a plain `cargo
//! test` lists it as ignored, never as passed; `cargo test -- --include-ignored` (what
//! `.ci/run` runs, after installing them) runs it, and there `need` fails it when its tool is
//! missing instead of letting it pass without having run.

use std::process::Command;

/// Whether `program args…` runs and succeeds: a runtime and its library are there.
pub fn works(program: &str, args: &[&str], env: &[(&str, &str)]) -> bool {
    let mut c = Command::new(program);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().is_ok_and(|o| o.status.success())
}

/// Fails the test, saying how to install it, unless `program args…` runs and succeeds.
pub fn need(what: &str, program: &str, args: &[&str], env: &[(&str, &str)], install: &str) {
    assert!(
        works(program, args, env),
        "this test needs {what}, which is not installed: {install}"
    );
}

/// `NODE_PATH` for the libraries `npm ci --prefix tests/clients` installed.
pub fn node_path() -> String {
    std::fs::canonicalize("tests/clients/node_modules")
        .ok()
        .and_then(|p| p.to_str().map(str::to_owned))
        .unwrap_or_default()
}

pub const PIP: &str = "pip install -r tests/clients/requirements.txt";
pub const NPM: &str = "npm ci --prefix tests/clients";
