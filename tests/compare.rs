//! `route --compare` and `--dialect`: the side by side is held to `route` under each
//! vendor's rules, and to a golden table on the RudderStack samples.

use std::process::{Command, Output};

use serde_json::Value;

fn run(args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_consent-inspector"));
    c.env("XDG_CONFIG_HOME", "tests/golden");
    c.args(args).output().unwrap()
}

fn lines(o: &Output) -> Vec<Value> {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const SEGMENT: &str = "samples/consent-settings.json";
const RUDDER: &str = "samples/rudderstack/source-config.json";
const RUDDER_EVENTS: &str = "samples/rudderstack/events.jsonl";

/// `route --compare` of `input` under the two sample workspaces.
fn compare(format: &str, input: &str) -> Output {
    run(&[
        "route",
        "--compare",
        "--format",
        format,
        "--settings",
        SEGMENT,
        "--rudderstack-settings",
        RUDDER,
        input,
    ])
}

/// Each side of the comparison, where the input already speaks that side's words, is what
/// `route` says under that side's settings.
#[test]
fn each_side_is_what_route_says_under_that_vendors_rules() {
    for (input, side, settings) in [
        (RUDDER_EVENTS, "rudderstack", RUDDER),
        ("samples/events.jsonl", "segment", SEGMENT),
    ] {
        let compared = lines(&compare("ndjson", input));
        let routed = lines(&run(&["route", "--settings", settings, input]));
        assert_eq!(compared.len(), routed.len());
        for (c, r) in compared.iter().zip(&routed) {
            for route in r["routes"].as_array().unwrap() {
                let name = &route["destination"];
                let pair = c["routes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| &p["destination"] == name)
                    .unwrap_or_else(|| panic!("{name} not paired"));
                for k in ["decision", "reason", "mode", "discard"] {
                    assert_eq!(
                        pair[side][k], route[k],
                        "{side} line {} {name} {k}",
                        r["line"]
                    );
                }
            }
        }
    }
}

#[test]
fn the_disagreements_on_the_samples_are_the_ones_the_rules_predict() {
    let out = lines(&compare("ndjson", RUDDER_EVENTS));
    let agreement = |line: usize, dest: &str| -> String {
        let rec = &out[line - 1];
        rec["routes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["destination"] == dest)
            .map(|p| p["agreement"].as_str().unwrap().to_owned())
            .unwrap()
    };
    // C0005 is neither allowed nor denied: RudderStack's server passes it, Segment counts it
    // missing.
    assert_eq!(
        agreement(4, "Facebook Conversions API"),
        "only_rudderstack_delivers"
    );
    // The page's strategy is "or": the server keeps Braze with C0004 denied.
    assert_eq!(agreement(5, "Braze"), "only_rudderstack_delivers");
    // A non-boolean All sends the event nowhere on RudderStack's server; Segment reads it
    // as true. The SDK reads it as true too (Google Analytics 4 is in device mode).
    assert_eq!(agreement(10, "Amplitude"), "only_segment_delivers");
    assert_eq!(agreement(10, "Google Analytics 4"), "agree");
    // Amazon S3 does not enforce consent in Segment; RudderStack enforces its ids.
    assert_eq!(agreement(2, "Amazon S3"), "only_segment_delivers");
    assert_eq!(agreement(2, "Engage Audiences"), "unpaired");
    assert_eq!(out[3]["disagreements"], 1);
}

#[test]
fn the_compare_table_matches_the_golden_output() {
    let o = compare("table", RUDDER_EVENTS);
    assert!(o.status.success());
    let actual = String::from_utf8(o.stdout).unwrap();
    let path = "tests/golden/compare-rudderstack.table";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, &actual).unwrap();
    }
    assert_eq!(actual, std::fs::read_to_string(path).unwrap());
}

#[test]
fn the_dialect_comes_from_the_flag_the_settings_or_the_traffic_and_is_said() {
    // RudderStack's shape: RudderStack's rules, said on stderr.
    let o = run(&["route", "--settings", RUDDER, RUDDER_EVENTS]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("dialect: rudderstack (the settings' shape)")
    );
    // Our own shape and RudderStack traffic: detected, and the settings translated.
    let o = run(&["route", "--settings", SEGMENT, RUDDER_EVENTS]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("dialect: rudderstack (detected:"), "{err}");
    assert!(
        err.contains("note: \"Amazon S3\" is aws-s3 in Segment"),
        "{err}"
    );
    let out = lines(&o);
    assert!(
        out[1]["routes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["reason"] == "consent_denied")
    );
    // Segment traffic stays Segment's, silently.
    let o = run(&["route", "--settings", SEGMENT, "samples/events.jsonl"]);
    assert!(o.stderr.is_empty());
    // The flag wins over both.
    let o = run(&[
        "route",
        "--dialect",
        "segment",
        "--settings",
        RUDDER,
        RUDDER_EVENTS,
    ]);
    let out = lines(&o);
    assert!(out.iter().all(|r| {
        r["routes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["reason"] != "consent_denied")
    }));
}

/// Issue 36: Segment traffic under `--dialect rudderstack` was delivered everywhere as
/// carrying no consent, with nothing saying that its `context.consent` was there and unread.
#[test]
fn segment_consent_under_rudderstack_rules_is_said_to_be_ignored() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(["route", "--dialect", "rudderstack", "--settings"])
        .args(["samples/consent-settings.json", "samples/events.jsonl"])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap();
    assert!(o.status.success());
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(
        said.contains("carry Segment's context.consent, which RudderStack's rules do not read")
            && said.contains("route --compare, or V in the UI"),
        "{said}"
    );
    let input = std::fs::read_to_string("samples/events.jsonl").unwrap();
    let events: Vec<&str> = input.lines().collect();
    let mut warned = 0;
    for l in String::from_utf8(o.stdout).unwrap().lines() {
        let r: serde_json::Value = serde_json::from_str(l).unwrap();
        let line = r["line"].as_u64().unwrap() as usize;
        let event: serde_json::Value =
            serde_json::from_str(events[line - 1]).unwrap_or(serde_json::Value::Null);
        let has_segment_consent = r["index"].is_null() && event["context"]["consent"].is_object();
        let codes: Vec<&str> = r["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap())
            .collect();
        if r["ingested"] == true && r["index"].is_null() {
            assert_eq!(
                codes.contains(&"segment_consent_ignored"),
                has_segment_consent,
                "{l}"
            );
        }
        warned += usize::from(codes.contains(&"segment_consent_ignored"));
    }
    assert!(warned > 40, "{warned}");
}
