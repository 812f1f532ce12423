//! Segment's own libraries, from the Python and Node registries, sending real calls to `listen`:
//! analytics-python, analytics-node, and analytics.js in a jsdom page with Segment's consent
//! wrapper. What they send is accepted, written, and routed as `route` routes it. Each test that
//! runs one is ignored by a plain `cargo test` (listed so, with what it needs) and fails where
//! it is run without it (`.ci/run`: `cargo test -- --include-ignored`, after installing them).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use consent_inspector::listen;
use consent_inspector::workspace::Workspace;

mod common;

use common::needs::{NPM, PIP, need, node_path};

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

/// `NODE_PATH`, having checked that Node, jsdom, analytics.js and the consent wrapper are
/// installed.
fn analytics_js_in_jsdom() -> String {
    let node_path = node_path();
    let loads = "require('jsdom'); require('@segment/analytics-next'); \
                 require('@segment/analytics-consent-tools'); \
                 require('@segment/browser-destination-runtime/shim')";
    need(
        "Node.js (20.19 or later), analytics.js and jsdom",
        "node",
        &["-e", loads],
        &[("NODE_PATH", node_path.as_str())],
        NPM,
    );
    node_path
}

/// Whether the tool's route says the page's recorder plugin gets the event. The recorders stand
/// in for destinations' code with no subscriptions of their own (they take every call), so a
/// route uncertain only for want of an Actions destination's mappings is one they receive.
fn recorder_receives(r: &serde_json::Value) -> bool {
    r["decision"] == "deliver"
        || (r["decision"] == "uncertain"
            && r["unknown"]
                .as_array()
                .is_some_and(|u| u.iter().all(|x| x["what"] == "mappings")))
}

/// Waits until the capture holds `n` events.
fn arrived(out: &Path, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while routed(out).len() < n {
        assert!(
            std::time::Instant::now() < deadline,
            "the calls never arrived"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The capture's events as `route` decides them: (type, userId, Braze's decision).
fn routed(out: &Path) -> Vec<(String, String, String)> {
    routed_to(out, "Braze")
        .into_iter()
        .map(|(_, t, u, d)| (t, u, d))
        .collect()
}

/// The capture's events as `route` decides them: (line, type, userId, `destination`'s
/// decision and reason).
fn routed_to(out: &Path, destination: &str) -> Vec<(u64, String, String, String)> {
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
                .find(|r| r["destination"] == destination)
                .map(|r| {
                    format!(
                        "{} {}",
                        r["decision"].as_str().unwrap(),
                        r["reason"].as_str().unwrap()
                    )
                })
                .unwrap();
            (
                v["line"].as_u64().unwrap(),
                v["type"].as_str().unwrap_or("").to_owned(),
                v["userId"].as_str().unwrap_or("").to_owned(),
                braze,
            )
        })
        .collect()
}

#[test]
#[ignore = "needs Segment's Python library: pip install -r tests/clients/requirements.txt"]
fn analytics_python_from_pypi() {
    need(
        "Segment's Python library",
        "python3",
        &["-c", "import segment.analytics"],
        &[],
        PIP,
    );
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
#[ignore = "needs Node.js and Segment's Node library: npm ci --prefix tests/clients"]
fn analytics_node_from_npm() {
    let node_path = node_path();
    let env = [("NODE_PATH", node_path.as_str())];
    need(
        "Node.js and Segment's Node library",
        "node",
        &["-e", "require('@segment/analytics-node')"],
        &env,
        NPM,
    );
    let dir = tempfile::tempdir().unwrap();
    let (server, out) = start(dir.path());
    let o = Command::new("node")
        .args([
            "tests/clients/client.js",
            &format!("http://{}", server.addr),
        ])
        .env("NODE_PATH", &node_path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    arrived(&out, 2);
    assert_eq!(
        routed(&out),
        [
            ("track", "u-node", "block not_consented"),
            ("identify", "u-node", "deliver no_consent"),
        ]
        .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    );
}

#[test]
#[ignore = "needs Node.js, analytics.js and jsdom: npm ci --prefix tests/clients"]
fn analytics_js_in_a_page_from_npm() {
    let node_path = analytics_js_in_jsdom();
    let dir = tempfile::tempdir().unwrap();
    let (server, out) = start(dir.path());
    let other = tempfile::tempdir().unwrap();
    let (elsewhere, elsewhere_out) = start(other.path());
    let here = format!("http://{}", server.addr);
    let browse = |mode: &str| {
        let o = Command::new("node")
            .args(["tests/clients/browser.js", &here, mode])
            .env("NODE_PATH", &node_path)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    // cdnURL here: the settings it downloads send its calls back here, one per event.
    browse("standard");
    arrived(&out, 3);
    // Batching mode: one /v1/b call, one line.
    browse("batching");
    arrived(&out, 6);
    // Settings from here, calls sent where integrations' Segment.io apiHost says.
    browse(&format!("apihost={}/v1", elsewhere.addr));
    arrived(&elsewhere_out, 3);
    // The consent wrapper stamps the page's categories (C0004 Targeting declined) on each
    // event: Braze (C0002 and C0004) is blocked, Amplitude (C0002) receives them.
    let calls = [("identify", 1), ("track", 2), ("page", 3)];
    let mut expected: Vec<_> = calls.iter().map(|(t, l)| (*l, *t)).collect();
    expected.extend(calls.iter().map(|(t, _)| (4, *t)));
    for (destination, decision) in [
        ("Braze", "block not_consented"),
        ("Amplitude", "deliver consented"),
    ] {
        let want = |lines: &[(u64, &str)]| -> Vec<_> {
            lines
                .iter()
                .map(|(l, t)| {
                    (
                        *l,
                        (*t).to_owned(),
                        "u-browser".to_owned(),
                        decision.to_owned(),
                    )
                })
                .collect()
        };
        assert_eq!(routed_to(&out, destination), want(&expected));
        assert_eq!(routed_to(&elsewhere_out, destination), want(&expected[..3]));
    }
}

/// Holds `route --consent-model MODEL` over a capture to what analytics.js with Segment's
/// consent wrapper really delivered to its device-mode destinations (`received`, what each
/// destination's plugin was given): for every device route, delivered exactly when the
/// browser's plugin got the event. Returns how many device routes were delivered and blocked.
fn device_verdicts_match(capture: &Path, model: &str, received: &str) -> (usize, usize) {
    let got: Vec<serde_json::Value> = serde_json::from_str(received).unwrap();
    let delivered_by_browser: Vec<(String, String)> = got
        .iter()
        .map(|r| {
            (
                r["destination"].as_str().unwrap().to_owned(),
                r["messageId"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let route = Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(["route", "--settings", "samples/consent-settings.json"])
        .args(["--consent-model", model])
        .arg(capture)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap();
    assert!(route.status.success());
    let (mut delivered, mut blocked) = (0, 0);
    for line in String::from_utf8(route.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = v["messageId"].as_str().unwrap().to_owned();
        for r in v["routes"].as_array().unwrap() {
            if r["mode"] != "device" {
                continue;
            }
            assert_eq!(r["consentModel"], model, "{r}");
            let dest = r["destination"].as_str().unwrap().to_owned();
            let browser = delivered_by_browser.contains(&(dest.clone(), id.clone()));
            let tool = recorder_receives(r);
            assert_eq!(
                tool,
                browser,
                "{model}: {dest} on {} ({id}): the tool says {} {}, the browser {}",
                v["event"],
                r["decision"],
                r["reason"],
                if browser { "delivered it" } else { "did not" }
            );
            if tool {
                delivered += 1;
            } else {
                blocked += 1;
            }
        }
    }
    (delivered, blocked)
}

#[test]
fn recorded_consent_model_captures_match_the_browsers_deliveries() {
    // Recorded with tests/clients/models.js (analytics.js 1.84.3, consent-tools 2.0.3): the
    // page loads consenting to everything, sends an event, withdraws C0002, sends another.
    // Opt-in keeps sending both device destinations everything; opt-out drops the preference
    // event and the last one for both (each needs C0002).
    for (model, expected) in [("opt-in", (8, 0)), ("opt-out", (4, 4))] {
        let dir = Path::new("tests/clients/captures");
        let received = std::fs::read_to_string(dir.join(format!("{model}.received.json"))).unwrap();
        assert_eq!(
            device_verdicts_match(&dir.join(format!("{model}.jsonl")), model, &received),
            expected,
            "{model}"
        );
    }
}

#[test]
#[ignore = "needs Node.js, analytics.js and jsdom: npm ci --prefix tests/clients"]
fn consent_models_in_analytics_js_match_what_the_browser_delivered() {
    let node_path = analytics_js_in_jsdom();
    for (model, expected) in [("opt-in", (8, 0)), ("opt-out", (4, 4))] {
        let dir = tempfile::tempdir().unwrap();
        let (server, out) = start(dir.path());
        let o = Command::new("node")
            .args([
                "tests/clients/models.js",
                &format!("http://{}", server.addr),
                model,
            ])
            .env("NODE_PATH", &node_path)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        arrived(&out, 4);
        let received = String::from_utf8(o.stdout).unwrap();
        assert_eq!(
            device_verdicts_match(&out, model, &received),
            expected,
            "{model}"
        );
    }
}

/// What analytics.js did with `events` in jsdom against `listen` serving `settings` (the named
/// destinations in device mode), and `route`'s records of the capture it made of `n` calls.
fn replayed(
    node_path: &str,
    settings: &str,
    events: &Path,
    device: &[&str],
    n: usize,
) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let mut args = vec![events.to_str().unwrap()];
    args.extend_from_slice(device);
    through_listen(node_path, settings, "tests/clients/replay.js", &args, n)
}

/// Runs `script` (Node, given listen's URL then `args`) against `consent-inspector listen`
/// serving `settings`, waits for `n` calls, and gives what the script printed (what the page's
/// plugins received) and the capture as `route` decides it under the same settings.
fn through_listen(
    node_path: &str,
    settings: &str,
    script: &str,
    args: &[&str],
    n: usize,
) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("capture.jsonl");
    let ws = Arc::new(Workspace::load(Path::new(settings)).unwrap());
    let server = listen::start(listen::Config::new(
        "127.0.0.1:0".parse().unwrap(),
        out.to_str().unwrap().to_owned(),
        ws,
    ))
    .unwrap();
    let o = Command::new("node")
        .arg(script)
        .arg(format!("http://{}", server.addr))
        .args(args)
        .env("NODE_PATH", node_path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let received: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    arrived(&out, n);
    let route = Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(["route", "--settings", settings])
        .arg(&out)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap();
    assert!(route.status.success());
    let records = String::from_utf8(route.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (received, records)
}

#[test]
#[ignore = "needs Node.js, analytics.js and jsdom: npm ci --prefix tests/clients"]
fn destination_filters_in_analytics_js_match_what_the_browser_delivered() {
    let node_path = analytics_js_in_jsdom();
    // listen serves the filters workspace's settings, its filters as routing rules; the
    // page's device-mode plugins record what analytics.js (tsub) hands them. Mixpanel's
    // sample is left out: tsub 2.0.1 keeps every sampled event (docs/rules.md).
    let device = ["Intercom", "Google Analytics 4", "Braze"];
    let (received, records) = replayed(
        &node_path,
        "samples/filters/consent-settings.json",
        Path::new("samples/filters/events.jsonl"),
        &device,
        12,
    );
    let (mut delivered, mut dropped, mut stripped) = (0, 0, 0);
    for v in &records {
        let id = v["messageId"].as_str().unwrap();
        for r in v["routes"].as_array().unwrap() {
            let dest = r["destination"].as_str().unwrap();
            if !device.contains(&dest) {
                continue;
            }
            assert_eq!(r["mode"], "device", "{r}");
            let got = received
                .iter()
                .find(|x| x["destination"] == dest && x["messageId"] == id);
            assert_eq!(
                recorder_receives(r),
                got.is_some(),
                "{dest} on {id}: the tool says {} {}, the browser {}",
                r["decision"],
                r["reason"],
                if got.is_some() {
                    "delivered it"
                } else {
                    "did not"
                }
            );
            match got {
                None => dropped += 1,
                Some(got) => {
                    delivered += 1;
                    // Every field the tool says is taken out is absent from what arrived.
                    for field in r["removed"].as_array().into_iter().flatten() {
                        let path = field.as_str().unwrap();
                        let found = path.split('.').try_fold(&got["event"], |v, k| v.get(k));
                        assert!(found.is_none(), "{dest} on {id} received {path}");
                        stripped += 1;
                    }
                }
            }
        }
    }
    assert_eq!((delivered, dropped, stripped), (25, 11, 4));
}

/// The source's plan in the browser (issue 38): analytics.js gets the protocols sample's CDN
/// settings from `listen` (its `plan`, with what Protocols' unplanned blocking writes there) and
/// replays the sample; its schema-filter plugin decides what the device-mode destinations'
/// plugins receive. The tool's device routes must say the same: a schema event filter and an
/// unplanned event drop everything, a schema integration filter drops its destination whatever
/// the event's own integrations object says, and a Protocols violation does not drop anything
/// in the browser (violation blocking is cloud mode only).
#[test]
#[ignore = "needs Node.js, analytics.js and jsdom: npm ci --prefix tests/clients"]
fn the_source_plan_in_analytics_js_matches_what_the_browser_delivered() {
    let node_path = analytics_js_in_jsdom();
    let dir = tempfile::tempdir().unwrap();
    // Consent is not what this holds: where an event carries it, it grants everything, so
    // that the page (with no consent wrapper) and the tool load the same destinations.
    let events = dir.path().join("events.jsonl");
    let mut text = String::new();
    for line in std::fs::read_to_string("samples/protocols/events.jsonl")
        .unwrap()
        .lines()
    {
        let mut e: serde_json::Value = serde_json::from_str(line).unwrap();
        if e["context"].get("consent").is_some() {
            e["context"]["consent"] = serde_json::json!({"categoryPreferences":
                {"C0001": true, "C0002": true, "C0004": true}});
        }
        text.push_str(&format!("{e}\n"));
    }
    std::fs::write(&events, text).unwrap();
    let device = ["Amplitude", "Braze", "Google Analytics 4"];
    let (received, records) = replayed(
        &node_path,
        "samples/protocols/consent-settings.json",
        &events,
        &device,
        12,
    );
    let mut by_reason = std::collections::BTreeMap::<String, usize>::new();
    for v in &records {
        let id = v["messageId"].as_str().unwrap();
        for r in v["routes"].as_array().unwrap() {
            let dest = r["destination"].as_str().unwrap();
            if !device.contains(&dest) {
                continue;
            }
            assert_eq!(r["mode"], "device", "{dest} on {}: {r}", v["event"]);
            let got = received
                .iter()
                .any(|x| x["destination"] == dest && x["messageId"] == id);
            assert_eq!(
                recorder_receives(r),
                got,
                "{dest} on {} {}: the tool says {} {} {}, the browser {}",
                v["type"],
                v["event"],
                r["decision"],
                r["reason"],
                r["control"],
                if got { "delivered it" } else { "did not" }
            );
            let key = match &r["control"] {
                serde_json::Value::String(c) => format!("{} {c}", r["reason"].as_str().unwrap()),
                _ => format!(
                    "{} {}",
                    r["decision"].as_str().unwrap(),
                    r["reason"].as_str().unwrap()
                ),
            };
            *by_reason.entry(key).or_default() += 1;
        }
    }
    // Twelve events, three device destinations: the plan's and Protocols' drops (three
    // events, for all three), the schema integration filters (Braze on the three Order
    // Completed, one of which says "Braze": true, which the browser's merge puts the plan
    // over; GA4 on Product Viewed), and the rest delivered, the violations of lines 8 and
    // 10 included (GA4's eight uncertain: its Actions subscriptions are not in the settings,
    // and the page's recorder takes every call).
    let seen: Vec<(&str, usize)> = by_reason.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    assert_eq!(
        seen,
        [
            ("block schema_integration_filter", 4),
            ("deliver loaded_at_page_load", 15),
            ("filtered_at_source schema_event_filter", 3),
            ("filtered_at_source unplanned_and_schema_violation", 3),
            ("filtered_at_source unplanned_event", 3),
            ("uncertain unknown_step", 8),
        ]
    );
}

/// How a destination is connected, held to analytics.js itself: the CDN sample (samples/cdn/)
/// loaded by analytics.js under the opt-in consent wrapper, its device-mode Actions destination
/// run by Segment's own runtime (tests/clients/connection.js). Hotjar (browser only) and Braze
/// Web Mode (Actions) (browser only, through its plugin's subscriptions) receive exactly what
/// the tool delivers in device mode, and nothing the tool says `not_loaded` (consented after
/// the page loaded); the actions that fire are the route's `mappings`. Amplitude (Actions)'s
/// browser plugin runs on every call while Segment delivers it: hybrid.
#[test]
#[ignore = "needs Node.js, analytics.js and jsdom: npm ci --prefix tests/clients"]
fn how_a_destination_is_connected_matches_what_analytics_js_loads_and_fires() {
    let node_path = analytics_js_in_jsdom();
    let settings = "samples/cdn/consent-settings.json";
    // Two page loads: four calls, then an identify, the wrapper's preference event and two
    // tracks.
    let (received, records) = through_listen(
        &node_path,
        settings,
        "tests/clients/connection.js",
        &[settings],
        8,
    );
    let fired = |dest: &str, id: &str| -> Vec<String> {
        received
            .iter()
            .filter(|x| x["destination"] == dest && x["messageId"] == id)
            .map(|x| x["action"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    let mut calls = 0;
    for v in &records {
        let id = v["messageId"].as_str().unwrap();
        calls += 1;
        for r in v["routes"].as_array().unwrap() {
            let dest = r["destination"].as_str().unwrap();
            let got = match dest {
                "Hotjar" => fired("Hotjar", id),
                "Braze Web Mode (Actions)" => fired(dest, id),
                _ => continue,
            };
            assert_eq!(
                r["decision"] == "deliver",
                !got.is_empty(),
                "{dest} on {} {}: the tool says {} {}, the browser fired {got:?}",
                v["type"],
                v["event"],
                r["decision"],
                r["reason"]
            );
            if dest == "Braze Web Mode (Actions)" && !got.is_empty() {
                // The runtime names actions by key; the settings name the subscriptions.
                let names: Vec<&str> = r["mappings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m.as_str().unwrap())
                    .collect();
                let keys: Vec<&str> = names
                    .iter()
                    .map(|n| match *n {
                        "Track Event" => "trackEvent",
                        "Track Purchase" => "trackPurchase",
                        other => other,
                    })
                    .collect();
                assert_eq!(keys, got, "{dest} on {}", v["event"]);
            }
            *seen
                .entry(format!("{dest} {}", r["reason"].as_str().unwrap()))
                .or_default() += 1;
        }
        // Hybrid: the browser ran Amplitude (Actions)'s plugin on this call.
        assert_eq!(fired("Amplitude (Actions)", id), ["sessionId"], "{v}");
    }
    assert_eq!(calls, 8);
    // Every verdict the sample exercises in the browser was met.
    for want in [
        "Hotjar loaded_at_page_load",
        "Hotjar not_loaded",
        "Braze Web Mode (Actions) loaded_at_page_load",
        "Braze Web Mode (Actions) no_mapping_matched",
        "Braze Web Mode (Actions) not_loaded",
    ] {
        assert!(seen.contains_key(want), "no {want}: {seen:?}");
    }
}

/// A request: method, path, query pairs, `Authorization`, `Accept`.
type Request = (
    String,
    String,
    Vec<(String, String)>,
    Option<String>,
    Option<String>,
);

/// The token the tool and the SDK send the fixture server.
const TOKEN: &str = "sgp_oracle_token";

/// The requests of `a` that `b` lacks, one a line.
fn only(a: &[Request], b: &[Request]) -> Vec<String> {
    a.iter()
        .filter(|x| !b.contains(x))
        .map(|x| format!("{x:?}"))
        .collect()
}

/// Requests as the fixture server saw them, less the CDN's, in one order.
fn api_requests(seen: Vec<common::public_api::Seen>) -> Vec<Request> {
    let mut out: Vec<_> = seen
        .into_iter()
        .filter(|s| !s.path.starts_with("/v1/projects/"))
        .map(|s| (s.method, s.path, s.query, s.authorization, s.accept))
        .collect();
    out.sort();
    out
}

/// Segment's Public API SDK (`@segment/public-api-sdk-typescript`) is the oracle of `pull`
/// and `reconcile`: pointed at the same fixture server, its own client makes exactly the
/// requests the tool makes (method, path, query, `Authorization`, `Accept`), every fixture
/// answer deserialises into its models with no unknown field and no required field missing
/// (the script also fails a fixture changed to break them), and its US and EU base URLs are
/// the tool's `--region`s.
#[test]
#[ignore = "needs Node.js and Segment's Public API SDK: npm ci --prefix tests/clients"]
fn the_public_api_calls_are_the_ones_segments_own_sdk_makes() {
    use common::public_api::{Server, fixture_routes, pull, recent_capture, run};
    let node_path = node_path();
    let env = [("NODE_PATH", node_path.as_str())];
    need(
        "Node.js and Segment's Public API SDK",
        "node",
        &["-e", "require('@segment/public-api-sdk-typescript')"],
        &env,
        NPM,
    );
    let server = Server::start("acme");
    let dir = tempfile::tempdir().unwrap();
    let (capture, start) = recent_capture(dir.path());
    let window = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
    let (since, until) = (window(start), window(start + 600));
    let ours = |o: std::process::Output| {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let snapshot = dir.path().join("pulled.json");
    ours(pull(&server, &snapshot, dir.path(), TOKEN, &[]));
    ours(run(
        &[
            "reconcile",
            "--format",
            "json",
            "--api-url",
            &server.url,
            "--since",
            &since,
            "--until",
            &until,
            capture.to_str().unwrap(),
        ],
        dir.path(),
        TOKEN,
    ));
    let tool = api_requests(server.take());
    let sdk = |server: &Server| {
        let o = Command::new("node")
            .args([
                "tests/clients/public-api.js",
                &server.url,
                TOKEN,
                "web",
                &since,
                &until,
                "minute",
            ])
            .env("NODE_PATH", &node_path)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let said = sdk(&server);
    assert_eq!(said["problems"], serde_json::json!([]), "{said}");
    let theirs = api_requests(server.take());
    assert!(tool.len() > 50, "{}", tool.len());
    assert!(
        tool == theirs,
        "only the tool's: {:#?}\nonly the SDK's: {:#?}",
        only(&tool, &theirs),
        only(&theirs, &tool)
    );
    assert_eq!(said["usBase"], consent_inspector::workspace::public_api::US);
    assert_eq!(said["euBase"], consent_inspector::workspace::public_api::EU);
    // The models check bites: a field the SDK's SourceV1 lacks, one it requires removed.
    let mut routes = fixture_routes("acme");
    let source = &mut routes.get_mut("/sources/src_web").unwrap()["data"]["source"];
    source["bogus"] = serde_json::json!(1);
    source.as_object_mut().unwrap().remove("workspaceId");
    let broken = Server::serving(routes);
    assert_eq!(
        sdk(&broken)["problems"],
        serde_json::json!([
            "GetSource200Response.data.source.bogus: SourceV1 has no such field",
            "GetSource200Response.data.source.workspaceId: required by SourceV1, missing"
        ])
    );
}
