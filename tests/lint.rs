//! `lint` through the real binary: every code, where it points, what it says, and the exit
//! status; the workspace alone and against traffic, in our settings shape and Segment's CDN one.

use std::path::Path;
use std::process::{Command, Output};

use consent_inspector::analyses::lint::LintCode;
use serde_json::Value;

fn lint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .env("XDG_CONFIG_HOME", "tests/golden")
        .arg("lint")
        .args(args)
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> (Option<i32>, Value) {
    let mut a = vec!["--format", "json"];
    a.extend_from_slice(args);
    let o = lint(&a);
    let doc = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    (o.status.code(), doc)
}

/// (code, line, message) of every place.
fn places(doc: &Value) -> Vec<(String, u64, String)> {
    doc["codes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            c["places"].as_array().unwrap().iter().map(move |p| {
                (
                    c["code"].as_str().unwrap().to_owned(),
                    p["line"].as_u64().unwrap(),
                    p["message"].as_str().unwrap().to_owned(),
                )
            })
        })
        .collect()
}

const OWN: &str = r#"{
  "categories": [
    {"id": "C0001", "name": "Necessary"},
    {"id": "C0002", "name": "Performance"},
    {"id": "C0003", "name": "Functional", "enabled": false},
    {"id": "C0004", "name": "Targeting"}
  ],
  "destinations": [
    {"name": "Alpha", "categories": ["C0001"]},
    {"name": "Beta", "categories": ["C0003"]},
    {"name": "Gamma", "categories": ["C0001", "C0002", "C0004"]},
    {"name": "Delta", "categories": ["C0004"]}
  ]
}
"#;

const TRAFFIC: &str = concat!(
    r#"{"type":"track","event":"A","userId":"u","messageId":"m1","context":{"consent":{"categoryPreferences":{"C0001":true,"c0002":true}}}}"#,
    "\n",
    r#"{"type":"track","event":"B","userId":"u","messageId":"m2","integrations":{"alpha":false},"context":{"consent":{"categoryPreferences":{"C0001":true,"Marketing":false}}}}"#,
    "\n",
);

fn workspace(dir: &Path) -> (String, String) {
    let settings = dir.join("consent-settings.json");
    std::fs::write(&settings, OWN).unwrap();
    let events = dir.join("events.jsonl");
    std::fs::write(&events, TRAFFIC).unwrap();
    (
        settings.to_str().unwrap().to_owned(),
        events.to_str().unwrap().to_owned(),
    )
}

#[test]
fn the_settings_alone_show_disabled_only_and_many_category_destinations() {
    let dir = tempfile::tempdir().unwrap();
    let (settings, _) = workspace(dir.path());
    let (status, doc) = json(&["--settings", &settings]);
    assert_eq!(status, Some(0), "warnings alone pass");
    assert_eq!(doc["events"], 0);
    let found = places(&doc);
    assert_eq!(found.len(), 2, "{found:?}");
    let (code, line, message) = &found[0];
    assert_eq!((code.as_str(), *line), ("only_disabled_categories", 10));
    assert!(message.starts_with(
        "Beta is mapped only to disabled categories: it receives every event as unmapped"
    ));
    let (code, line, message) = &found[1];
    assert_eq!((code.as_str(), *line), ("many_categories", 11));
    assert!(message.starts_with("Gamma needs all of C0001, C0002, C0004 to be true"));
    // --deny-warnings makes them fail.
    assert_eq!(
        lint(&["--deny-warnings", "--settings", &settings])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn the_traffic_shows_keys_that_decide_nothing_and_categories_never_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (_, events) = workspace(dir.path());
    let (status, doc) = json(&[&events]);
    assert_eq!(status, Some(1), "errors fail");
    assert_eq!(doc["events"], 2);
    assert_eq!(doc["verdict"], "lint_errors");
    let found = places(&doc);
    let find = |code: &str| -> Vec<&(String, u64, String)> {
        found.iter().filter(|(c, _, _)| c == code).collect()
    };
    // C0002 arrives only as c0002; C0004 not at all: the destinations needing them starve.
    let never = find("category_never_sent");
    assert_eq!(never.len(), 2, "{found:?}");
    assert_eq!(never[0].1, 4, "points at the category in the settings");
    assert!(
        never[0].2.contains(
            "sends C0002 (Performance): a missing preference counts as false, so Gamma receive none"
        ),
        "{}",
        never[0].2
    );
    assert!(never[1].2.contains("C0004 (Targeting)") && never[1].2.contains("Gamma, Delta"));
    let case = find("preference_key_case");
    assert_eq!((case.len(), case[0].1), (1, 1));
    assert!(
        case[0]
            .2
            .contains("the preference \"c0002\" (in 1 event) is not the category \"C0002\"")
    );
    let unknown = find("unknown_preference_key");
    assert_eq!((unknown.len(), unknown[0].1), (1, 2));
    assert!(unknown[0].2.contains("\"Marketing\""));
    let integrations = find("integrations_unknown_destination");
    assert_eq!((integrations.len(), integrations[0].1), (1, 2));
    assert!(integrations[0].2.ends_with("did you mean \"Alpha\"?"));
}

#[test]
fn cdn_settings_show_categories_all_categories_lacks_and_unmapped_destinations() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("cdn.json");
    std::fs::write(
        &settings,
        r#"{
  "integrations": {
    "Segment.io": {"apiKey": "k"},
    "Braze": {"consentSettings": {"categories": ["C0002", "C0009"]}},
    "Webhooks": {}
  },
  "consentSettings": {"allCategories": ["C0002"], "hasUnmappedDestinations": false}
}
"#,
    )
    .unwrap();
    let (status, doc) = json(&["--settings", settings.to_str().unwrap()]);
    assert_eq!(status, Some(1));
    let found = places(&doc);
    assert_eq!(found.len(), 2, "{found:?}");
    let (code, line, message) = &found[1];
    assert_eq!((code.as_str(), *line), ("cdn_category_missing", 4));
    assert!(message.starts_with("Braze is mapped to C0009, which allCategories lacks"));
    let (code, line, message) = &found[0];
    assert_eq!((code.as_str(), *line), ("unmapped_destination", 5));
    assert!(
        message
            .starts_with("Webhooks is mapped to no category, but hasUnmappedDestinations is false")
    );
    // check reads past the gap, as analytics.js does, with a warning at the id: Braze needs
    // C0009, which no sample event carries (its findings still fail it: exit 1, not 2).
    let check = Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args([
            "check",
            "--settings",
            settings.to_str().unwrap(),
            "samples/events.jsonl",
        ])
        .output()
        .unwrap();
    assert_ne!(check.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stderr.contains(&format!(
            "warning: {}:4:59: Braze is mapped to C0009, which allCategories lacks",
            settings.display()
        )),
        "{stderr}"
    );
}

/// A destination's previous name in the integrations object (Segment's catalog): what lint
/// finds of it.
fn previous_name_found(dir: &Path) -> Vec<(String, u64, String)> {
    let renamed = dir.join("renamed.json");
    std::fs::write(
        &renamed,
        r#"{"categories":[],"destinations":[{"name":"Amplitude (Actions)","categories":[]}]}"#,
    )
    .unwrap();
    let renamed_events = dir.join("renamed.jsonl");
    std::fs::write(
        &renamed_events,
        "{\"type\":\"track\",\"event\":\"X\",\"userId\":\"u\",\"integrations\":{\"Actions Amplitude\":false}}\n",
    )
    .unwrap();
    let (_, doc) = json(&[
        "--settings",
        renamed.to_str().unwrap(),
        renamed_events.to_str().unwrap(),
    ]);
    let renamed_found = places(&doc);
    assert_eq!(
        renamed_found,
        [(
            "integrations_previous_name".to_owned(),
            1,
            "integrations.\"Actions Amplitude\" (in 1 event) is what Segment's catalog calls Amplitude (Actions) by another name: Segment's servers read it, the browser does not; use \"Amplitude (Actions)\"".to_owned()
        )]
    );
    renamed_found
}

#[test]
fn every_code_is_tested_and_every_format_works() {
    let dir = tempfile::tempdir().unwrap();
    let (_, events) = workspace(dir.path());
    let cdn = dir.path().join("cdn.json");
    std::fs::write(
        &cdn,
        r#"{"integrations":{"A":{"consentSettings":{"categories":["X"]}},"B":{}},"consentSettings":{"allCategories":[],"hasUnmappedDestinations":false}}"#,
    )
    .unwrap();
    let renamed_found = previous_name_found(dir.path());
    // Filters and mappings the filters sample never exercises (one misspelled field).
    let filters = dir.path().join("filters.json");
    std::fs::write(
        &filters,
        r#"{"categories":[{"id":"C0001"}],"destinations":[{"name":"X","categories":[],
            "filters":[{"title":"pii","if":"type = 'identify'","actions":[{"type":"DROP_PROPERTIES","fields":{"traits":["emial","email"]}}]},
                       {"title":"never","if":"event = 'Nope'","actions":[{"type":"DROP"}]},
                       {"title":"vip","if":"'vip' in properties.tags","actions":[{"type":"DROP"}]}],
            "mappings":[{"name":"m","subscribe":"event = \"Nope\""},{"name":"ok","subscribe":"type = \"identify\""}]}]}"#,
    )
    .unwrap();
    let (_, doc) = json(&[
        "--settings",
        filters.to_str().unwrap(),
        "samples/filters/events.jsonl",
    ]);
    let found = places(&doc);
    let messages: Vec<&str> = found.iter().map(|(_, _, m)| m.as_str()).collect();
    assert!(
        messages.contains(&"the filter \"never\" of X (if event = 'Nope') matched none of 12 events: it changes nothing for this traffic; check its condition"),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.starts_with(
            "the filter \"pii\" of X drops traits.emial, which none of 12 events carries"
        )),
        "{messages:?}"
    );
    // A condition the browser and Segment's servers read differently.
    assert!(
        messages.iter().any(|m| m.starts_with(
            "the filter \"vip\" of X (if 'vip' in properties.tags) reads differently in the browser (device mode) and on Segment's servers (cloud mode): `in` over a list from the event"
        )),
        "{messages:?}"
    );
    // The field that is sent, and the mapping that fires, are not reported.
    assert!(
        !messages
            .iter()
            .any(|m| m.contains("drops traits.email,") || m.contains("\"ok\"")),
        "{messages:?}"
    );
    let mut seen: Vec<String> = found.into_iter().map(|(c, _, _)| c).collect();
    seen.extend(renamed_found.into_iter().map(|(c, _, _)| c));
    // RudderStack's settings: a legacy list beside consentManagement and a provider listed
    // twice, and more in the SDK test's settings.
    let rudder = written(
        dir.path(),
        "rudder.json",
        r#"{"source":{"destinations":[{"name":"Braze","destinationDefinition":{"displayName":"Braze"},
            "config":{"consentManagement":[{"provider":"ketch","consents":[{"consent":"ads"}]},
                                           {"provider":"ketch","consents":[{"consent":"measure"}]}],
                      "oneTrustCookieCategories":[{"oneTrustCookieCategory":"C0004"}]}}]}}"#,
    );
    // A snapshot whose pull could not read the suppressions.
    let mut snapshot: serde_json::Value =
        serde_json::from_slice(&std::fs::read("samples/workspace/consent-settings.json").unwrap())
            .unwrap();
    snapshot["snapshot"]["gaps"] = serde_json::json!([
        "suppressed users: GET /suppressions (listSuppressions): the token is not allowed this (403)"
    ]);
    let gapped = written(dir.path(), "snapshot.json", &snapshot.to_string());
    let unknown_vendor = written(dir.path(), "unknown-vendor.json", UNKNOWN_VENDOR);
    for args in [
        vec![events.as_str()],
        vec!["--settings", &unknown_vendor],
        vec!["--settings", &gapped],
        vec!["--settings", cdn.to_str().unwrap()],
        vec!["--settings", &rudder],
        vec!["--settings", "tests/clients/rudderstack-settings.json"],
        vec!["samples/protocols/events.jsonl"],
    ] {
        let (_, doc) = json(&args);
        seen.extend(places(&doc).into_iter().map(|(c, _, _)| c));
    }
    for code in LintCode::ALL {
        assert!(
            seen.iter().any(|s| s == code.as_str()),
            "{} is never found by these tests",
            code.as_str()
        );
    }
    for format in ["text", "junit", "sarif", "github"] {
        let o = lint(&["--format", format, "--summary", &events]);
        assert_eq!(o.status.code(), Some(1), "{format}");
        assert!(!o.stdout.is_empty());
    }
    let junit = String::from_utf8(lint(&["--format", "junit", &events]).stdout).unwrap();
    assert!(
        junit.contains("<testsuite name=\"lint\" tests=\"22\""),
        "{junit}"
    );
    let text = String::from_utf8(lint(&[&events]).stdout).unwrap();
    assert!(
        text.ends_with("2 events: 3 errors, 4 warnings\nFAIL: the workspace has errors\n"),
        "{text}"
    );
}

#[test]
fn the_totals_count_one_error_as_one_error() {
    let o = lint(&[
        "--settings",
        "samples/consent-settings.json",
        "samples/events.jsonl",
    ]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.ends_with("samples/consent-settings.json, 63 events: 1 error, 4 warnings\nFAIL: the workspace has errors\n"),
        "{text}"
    );
}

#[test]
fn rudderstack_settings_are_checked_where_its_server_and_sdk_read_them_differently() {
    let (code, doc) = json(&[
        "--settings",
        "tests/clients/rudderstack-settings.json",
        "--deny-warnings",
    ]);
    assert_eq!(code, Some(1));
    let found = places(&doc);
    let codes: Vec<&str> = found.iter().map(|(c, _, _)| c.as_str()).collect();
    assert_eq!(codes, ["consent_id_padded", "strategy_not_read"]);
    assert!(
        found[0].2.starts_with("Pendo names \" C0002 \""),
        "{found:?}"
    );
    // Segment's checks do not apply: SendGrid's four ids across two providers are no
    // "all of" mapping there.
    let (_, doc) = json(&["--settings", "samples/rudderstack/source-config.json"]);
    assert!(places(&doc).is_empty(), "{doc}");
}

/// The source's plan against the traffic: an entry no event is (a misspelling), and the
/// events it drops before any destination, each placed where it is.
#[test]
fn the_plan_is_held_to_the_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("consent-settings.json");
    let text = std::fs::read_to_string("samples/protocols/consent-settings.json")
        .unwrap()
        .replace("\"Signed Up\"", "\"Signed up\"");
    std::fs::write(&settings, &text).unwrap();
    std::fs::copy(
        "samples/protocols/tracking-plan.json",
        dir.path().join("tracking-plan.json"),
    )
    .unwrap();
    let (code, doc) = json(&[
        "--settings",
        settings.to_str().unwrap(),
        "samples/protocols/events.jsonl",
    ]);
    assert_eq!(code, Some(0));
    let found = places(&doc);
    let never: Vec<_> = found
        .iter()
        .filter(|(c, _, _)| c == "plan_event_never_seen")
        .collect();
    let line = text
        .lines()
        .position(|l| l.contains("\"Signed up\""))
        .unwrap() as u64
        + 1;
    // And the sample's own entry that no event is.
    assert_eq!(never.len(), 2, "{found:?}");
    assert_eq!(never[0].1, line);
    assert!(
        never[0]
            .2
            .starts_with("the source's plan lists \"Signed up\", which none of 12 events is")
    );
    let blocked: Vec<_> = found
        .iter()
        .filter(|(c, _, _)| c == "plan_blocks_traffic")
        .map(|(_, l, m)| (*l, m.as_str()))
        .collect();
    // The plan drops one name; Protocols drop two unplanned names, a rule's violation and a
    // common schema violation.
    assert_eq!(blocked.len(), 5, "{blocked:?}");
    assert!(blocked.iter().any(|(l, m)| *l == 2
        && m.contains("\"Blocked Event\" (1 event)")
        && m.contains("by plan.track[\"Blocked Event\"].enabled; if the event is meant to arrive, change the plan")));
    for (line, setting) in [
        (3, "protocols.track.allowUnplannedEvents"),
        (8, "protocols.track.allowEventOnViolations"),
        (10, "protocols.track.commonEventOnViolations"),
        (11, "protocols.track.allowUnplannedEvents"),
    ] {
        assert!(
            blocked.iter().any(|(l, m)| *l == line
                && m.contains(setting)
                && m.contains("Protocols settings")),
            "{line}: {blocked:?}"
        );
    }
    // The identify rule: the one identify of the traffic breaks it.
    let rules: Vec<_> = found
        .iter()
        .filter(|(c, _, _)| c == "tracking_plan_rule_never_satisfied")
        .collect();
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(rules[0].1, 12);
    assert!(
        rules[0].2.starts_with("no call satisfies the tracking plan rule IDENTIFY v1 (1 event judged, every one breaks it; the first: traits.email Invalid Format"),
        "{rules:?}"
    );
}

/// A destination loaded in the browser that the wire table does not know, and Facebook Pixel,
/// which it does.
const UNKNOWN_VENDOR: &str = r#"{"categories":[{"id":"C0004","name":"Targeting"}],"destinations":[
    {"name":"Acme Pixel","categories":["C0004"],"components":["browser"]},
    {"name":"Facebook Pixel","categories":["C0004"],"components":["browser"]}]}"#;

/// `text` written to `name` in `dir`; its path.
fn written(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_browser_destination_the_wire_table_does_not_know_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let unknown_vendor = written(dir.path(), "unknown-vendor.json", UNKNOWN_VENDOR);
    let (_, doc) = json(&["--settings", &unknown_vendor]);
    let endpoint: Vec<String> = places(&doc)
        .into_iter()
        .filter(|(c, _, _)| c == "device_without_endpoint")
        .map(|(_, _, m)| m)
        .collect();
    assert_eq!(endpoint.len(), 1, "{endpoint:?}");
    assert!(
        endpoint[0].starts_with("Acme Pixel is loaded in the browser"),
        "{endpoint:?}"
    );
}
