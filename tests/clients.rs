//! Segment's own libraries, from the Python and Node registries, sending real calls to `listen`:
//! what they send is accepted, written, and routed as `route` routes it. Each test skips, saying
//! why, when its runtime or library is not installed (`.ci/run` installs both).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use consent_inspector::listen;
use consent_inspector::settings::Workspace;

fn start(dir: &Path) -> (listen::Server, std::path::PathBuf) {
    let out = dir.join("capture.jsonl");
    let ws = Arc::new(Workspace::load(Path::new("samples/consent-settings.json")).unwrap());
    let server = listen::start(listen::Config::new(
        "127.0.0.1:0".parse().unwrap(),
        out.to_str().unwrap().to_owned(),
        ws,
    ))
    .unwrap();
    (server, out)
}

/// Whether `program args…` runs and succeeds: a runtime and its library are there.
fn works(program: &str, args: &[&str], env: &[(&str, &str)]) -> bool {
    let mut c = Command::new(program);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().is_ok_and(|o| o.status.success())
}

/// The capture's events as `route` decides them: (type, userId, Braze's decision).
fn routed(out: &Path) -> Vec<(String, String, String)> {
    let route = Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(["route", "--settings", "samples/consent-settings.json"])
        .arg(out)
        .output()
        .unwrap();
    assert!(route.status.success());
    String::from_utf8(route.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let braze = v["routes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["destination"] == "Braze")
                .map(|r| {
                    format!(
                        "{} {}",
                        r["decision"].as_str().unwrap(),
                        r["reason"].as_str().unwrap()
                    )
                })
                .unwrap();
            (
                v["type"].as_str().unwrap_or("").to_owned(),
                v["userId"].as_str().unwrap_or("").to_owned(),
                braze,
            )
        })
        .collect()
}

#[test]
fn analytics_python_from_pypi() {
    if !works("python3", &["-c", "import segment.analytics"], &[]) {
        eprintln!(
            "skipped: Segment's Python library is not installed (pip install -r tests/clients/requirements.txt)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (server, out) = start(dir.path());
    let url = format!("http://{}", server.addr);
    for mode in [&[][..], &["gzip"][..]] {
        let mut args = vec!["tests/clients/client.py", url.as_str()];
        args.extend_from_slice(mode);
        let o = Command::new("python3").args(&args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let events = routed(&out);
    // Two runs (plain, then gzip) of a track with C0002 false (Braze needs it) and an
    // identify without consent (not enforced); the library gives each call its own messageId.
    assert_eq!(
        events,
        [
            ("track", "u-py", "block not_consented"),
            ("identify", "u-py", "deliver no_consent"),
            ("track", "u-py", "block not_consented"),
            ("identify", "u-py", "deliver no_consent"),
        ]
        .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    );
    drop(server);
}

#[test]
fn analytics_node_from_npm() {
    let modules = std::fs::canonicalize("tests/clients/node_modules").unwrap_or_default();
    let node_path = modules.to_str().unwrap_or("");
    let env = [("NODE_PATH", node_path)];
    if !works("node", &["-e", "require('@segment/analytics-node')"], &env) {
        eprintln!(
            "skipped: Node.js or Segment's Node library is not installed (npm install --prefix tests/clients)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (server, out) = start(dir.path());
    let o = Command::new("node")
        .args([
            "tests/clients/client.js",
            &format!("http://{}", server.addr),
        ])
        .env("NODE_PATH", node_path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while routed(&out).len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the calls never arrived"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        routed(&out),
        [
            ("track", "u-node", "block not_consented"),
            ("identify", "u-node", "deliver no_consent"),
        ]
        .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    );
}
