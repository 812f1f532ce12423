//! RudderStack's own SDKs sending real calls to `listen`: its browser SDK
//! (`@rudderstack/analytics-js` from npm, in Debian's Chromium) and its Python SDK (`PyPI`). What
//! they send is accepted, captured and decided under RudderStack's rules; and for device mode,
//! the browser SDK itself is the oracle: which device-mode destinations it loads and which it
//! calls with each event must be exactly the ones the tool delivers. Each test is ignored by a
//! plain `cargo test` (listed so, with what it needs) and fails where it is run without it
//! (`.ci/run`).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use consent_inspector::engine::pipeline;
use consent_inspector::engine::{Engine, Outcome};
use consent_inspector::listen;
use consent_inspector::read::input::Records;
use consent_inspector::rules::verdict::Mode;
use consent_inspector::workspace::Workspace;
use serde_json::Value;

mod common;

use common::needs::{NPM, PIP, need, node_path};

const SETTINGS: &str = "tests/clients/rudderstack-settings.json";
const WRITE_KEY: &str = "wk_rudder";

/// The SDK's own names for the device-mode integrations it loads (its
/// `destDisplayNamesToFileNamesMap`), for the destinations of `SETTINGS`.
const SDK_NAMES: [(&str, &str); 7] = [
    ("Google Analytics 4 (GA4)", "GA4"),
    ("Google Ads", "GoogleAds"),
    ("Intercom", "INTERCOM"),
    ("Hotjar", "Hotjar"),
    ("Braze", "Braze"),
    ("Mixpanel", "Mixpanel"),
    ("Pendo", "Pendo"),
];

fn workspace() -> Arc<Workspace> {
    Arc::new(Workspace::load(Path::new(SETTINGS)).unwrap())
}

fn start(dir: &Path) -> (listen::Server, std::path::PathBuf) {
    let out = dir.join("capture.jsonl");
    let mut config = listen::Config::new(
        "127.0.0.1:0".parse().unwrap(),
        out.to_str().unwrap().to_owned(),
        workspace(),
    );
    config.write_key = Some(WRITE_KEY.into());
    (listen::start(config).unwrap(), out)
}

/// The capture's events, decided under the test workspace's rules.
fn decided(out: &Path) -> Vec<Outcome> {
    let Ok(records) = Records::open(out.to_str().unwrap()) else {
        return Vec::new();
    };
    let mut engine = Engine::new(workspace());
    let mut all = Vec::new();
    pipeline::run_all(&mut engine, vec![records], |_, o| {
        all.push(o);
        Ok(())
    })
    .unwrap();
    all
}

fn arrived(out: &Path, n: usize) -> Vec<Outcome> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let all = decided(out);
        if all.len() >= n {
            return all;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {n} calls arrived",
            all.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn text(o: &Outcome, f: consent_inspector::read::event::Field) -> String {
    o.event()
        .and_then(|e| e.text(f))
        .map(std::borrow::Cow::into_owned)
        .unwrap_or_default()
}

/// The scenarios, and what the SDK did on each page (`rudderstack.js`).
fn browser_pages(server: &listen::Server, node_path: &str) -> (Vec<Value>, Vec<Value>) {
    let scenarios_file = "tests/clients/rudderstack-scenarios.json";
    let scenarios: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(scenarios_file).unwrap()).unwrap();
    let run = Command::new("node")
        .arg("tests/clients/rudderstack.js")
        .arg(format!("http://{}", server.addr))
        .arg(WRITE_KEY)
        .arg(scenarios_file)
        .env("NODE_PATH", node_path)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    (scenarios, serde_json::from_slice(&run.stdout).unwrap())
}

/// Every device destination was loaded by some page and, but the one with no consent
/// settings, left unloaded by another: the scenarios cover each both ways.
fn each_destination_both_ways(seen: &[Value]) {
    let loaded_by = |f: &str, yes: bool| {
        seen.iter()
            .filter(|s| s["loaded"].as_array().unwrap().iter().any(|x| x == f) == yes)
            .count()
    };
    for (_, f) in SDK_NAMES {
        assert!(loaded_by(f, true) > 0, "{f} is never loaded");
        if f != "Hotjar" {
            assert!(loaded_by(f, false) > 0, "{f} is never left unloaded");
        }
    }
}

#[test]
#[ignore = "needs Node.js, @rudderstack/analytics-js, playwright-core and Chromium: npm ci --prefix tests/clients; apt install chromium"]
fn the_browser_sdk_loads_and_calls_exactly_the_device_destinations_we_deliver() {
    let node_path = node_path();
    need(
        "Node.js, RudderStack's browser SDK and playwright-core",
        "node",
        &[
            "-e",
            "require('playwright-core'); require('@rudderstack/analytics-js')",
        ],
        &[("NODE_PATH", node_path.as_str())],
        NPM,
    );
    need(
        "Chromium",
        "/usr/bin/chromium",
        &["--version"],
        &[],
        "apt install chromium",
    );
    let dir = tempfile::tempdir().unwrap();
    let (server, out) = start(dir.path());
    let (scenarios, seen) = browser_pages(&server, &node_path);
    let calls: usize = scenarios
        .iter()
        .map(|s| s["calls"].as_array().unwrap().len())
        .sum();
    let outcomes = arrived(&out, calls);
    assert_eq!(outcomes.len(), calls);
    let ws = workspace();
    let sdk_name = |d: usize| {
        let shown = &ws.destinations[d].rudder.as_ref().unwrap().display_name;
        SDK_NAMES.iter().find(|(n, _)| n == shown).map(|(_, f)| *f)
    };
    let mut compared = 0;
    for o in &outcomes {
        assert!(o.ingested(), "{}: {:?}", o.origin, o.findings);
        let name = text(o, consent_inspector::read::event::Field::Event);
        let i: usize = name[1..name.find(' ').unwrap()].parse().unwrap();
        let id = text(o, consent_inspector::read::event::Field::MessageId);
        let called = &seen[i]["called"];
        for r in o.routes.iter().filter(|r| r.mode == Mode::Device) {
            let sdk = sdk_name(r.destination).unwrap();
            let by_sdk = called[sdk]
                .as_array()
                .is_some_and(|ids| ids.iter().any(|x| x == id.as_str()));
            assert_eq!(
                r.decision.delivered(),
                by_sdk,
                "scenario {i} ({}), \"{name}\", {}: we say {}, the SDK {}",
                scenarios[i]["about"],
                ws.destinations[r.destination].name,
                r.decision.reason(),
                if by_sdk { "called it" } else { "did not" }
            );
            compared += 1;
        }
        // The first call of each page names no integrations: what we deliver to in device
        // mode is what the SDK loaded.
        if name.ends_with(" Viewed") {
            let ours: BTreeSet<&str> = o
                .routes
                .iter()
                .filter(|r| r.mode == Mode::Device && r.decision.delivered())
                .filter_map(|r| sdk_name(r.destination))
                .collect();
            let loaded: BTreeSet<&str> = seen[i]["loaded"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(ours, loaded, "scenario {i} ({})", scenarios[i]["about"]);
        }
    }
    // Every scenario and device destination was held to the SDK.
    assert_eq!(compared, calls * SDK_NAMES.len());
    each_destination_both_ways(&seen);
}

#[test]
#[ignore = "needs RudderStack's Python SDK: pip install -r tests/clients/requirements.txt"]
fn the_python_sdk_is_captured_and_decided_by_the_servers_rules() {
    need(
        "RudderStack's Python SDK",
        "python3",
        &["-c", "import rudderstack.analytics"],
        &[],
        PIP,
    );
    let dir = tempfile::tempdir().unwrap();
    let (server, out) = start(dir.path());
    let run = Command::new("python3")
        .arg("tests/clients/rudder_client.py")
        .arg(format!("http://{}", server.addr))
        .arg(WRITE_KEY)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let outcomes = arrived(&out, 3);
    let ws = workspace();
    let amplitude = ws.destination("Amplitude").unwrap();
    let reasons: Vec<(String, &str)> = outcomes
        .iter()
        .map(|o| {
            assert!(o.ingested(), "{}: {:?}", o.origin, o.findings);
            // One batch, gzipped, as the SDK sends it.
            assert_eq!(o.origin.line, 1);
            (
                text(o, consent_inspector::read::event::Field::Event),
                o.routes[amplitude].decision.reason(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("py Order Completed".to_owned(), "consented"),
            (String::new(), "consented"),
            ("py No Consent".to_owned(), "no_consent"),
        ]
    );
}

#[test]
fn a_write_key_other_than_listens_gets_no_source_config() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = start(dir.path());
    let get = |key: &str| {
        common::listen::get(&format!(
            "http://{}/sourceConfig/?p=npm&v=3.34.1&writeKey={key}",
            server.addr
        ))
    };
    let (status, body) = get(WRITE_KEY);
    assert_eq!(status, 200, "{body}");
    let config: Value = serde_json::from_str(&body).unwrap();
    let served: Vec<&str> = config["source"]["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    // Device-mode destinations only: the cloud-mode Amplitude is the server's to send.
    assert_eq!(
        served,
        [
            "GA4",
            "Google Ads",
            "Intercom",
            "Hotjar",
            "Braze",
            "Mixpanel",
            "Pendo"
        ]
    );
    assert_eq!(config["source"]["writeKey"], WRITE_KEY);
    assert_eq!(
        config["consentManagementMetadata"]["providers"][1]["resolutionStrategy"],
        "or"
    );
    assert_eq!(get("someone-else").0, 401);
}
