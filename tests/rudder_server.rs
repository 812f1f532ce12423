//! rudder-server's own consent tests, as fixed cases for the cloud-mode rules: the tables of
//! `processor/consent_test.go` (`tests/rudder-server/consent-tables.json` says which commit),
//! each held to `rudder::cloud`, the event and destination readings behind it.

use consent_inspector::rules::rudderstack::{EventConsent, Verdict, cloud};
use consent_inspector::workspace::rudder::DestinationConsent;
use serde_json::{Value, json};

fn tables() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string("tests/rudder-server/consent-tables.json").unwrap(),
    )
    .unwrap()
}

/// Whether a case holds a Go value no JSON can (`make(chan int)`): no input of ours can.
fn holds_go_value(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.contains_key("$go") || m.values().any(holds_go_value),
        Value::Array(a) => a.iter().any(holds_go_value),
        _ => false,
    }
}

fn cases(name: &str) -> Vec<Value> {
    tables()[name]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !holds_go_value(c))
        .cloned()
        .collect()
}

#[test]
fn every_filter_destinations_case_keeps_the_destinations_rudder_server_keeps() {
    let all = cases("TestFilterDestinations");
    assert_eq!(all.len(), 12);
    let mut destinations = 0;
    for case in &all {
        let event = EventConsent::of(&case["event"]);
        for connection in case["connectionInfo"].as_array().unwrap() {
            let kept: Vec<&str> = connection["destinations"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    destinations += 1;
                    let consent = DestinationConsent::of(&d["Config"]);
                    cloud::decide(&event, &consent).delivered()
                })
                .map(|d| d["ID"].as_str().unwrap())
                .collect();
            let expected: Vec<&str> = connection["expectedDestIDs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap())
                .collect();
            assert_eq!(kept, expected, "{}", case["description"]);
        }
    }
    assert!(destinations > 50, "{destinations}");
}

#[test]
fn the_event_is_read_as_get_consent_management_info_reads_it() {
    let all = cases("TestGetConsentManagementInfo");
    assert_eq!(all.len(), 8);
    for case in &all {
        let e = EventConsent::of(&case["input"]);
        // What the server acts on; unreadable, it acts on nothing.
        let ours = if e.unreadable {
            json!({})
        } else {
            json!({
                "Provider": e.provider,
                "DeniedConsentIDs": e.denied,
                "ResolutionStrategy": e.resolution_strategy,
            })
        };
        let want = &case["expected"];
        let theirs = if want.as_object().unwrap().is_empty() {
            json!({})
        } else {
            json!({
                "Provider": want["Provider"],
                "DeniedConsentIDs": want["DeniedConsentIDs"],
                "ResolutionStrategy": want["ResolutionStrategy"],
            })
        };
        // An empty struct and one of empty fields act alike: no denied id, nothing filtered.
        let acts = |v: &Value| {
            v.get("DeniedConsentIDs")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
        };
        if acts(&ours) || acts(&theirs) {
            assert_eq!(ours, theirs, "{}", case["description"]);
        } else {
            assert!(!cloud_filters(&e), "{}", case["description"]);
        }
    }
}

/// Whether the server filters anything for this event (a destination whose every id is
/// denied is dropped, so a probe with the event's own denied ids tells).
fn cloud_filters(e: &EventConsent) -> bool {
    let probe = DestinationConsent::of(&json!({"oneTrustCookieCategories":
        e.denied.iter().map(|d| json!({"oneTrustCookieCategory": d})).collect::<Vec<_>>()}));
    !matches!(cloud::decide(e, &probe), Verdict::NothingToEnforce)
}

#[test]
fn the_destination_is_read_as_get_generic_consent_management_data_reads_it() {
    let all = cases("TestGetGenericConsentManagementData");
    assert_eq!(all.len(), 5);
    for case in &all {
        let d = DestinationConsent::of(&case["input"]["Config"]);
        let ours: serde_json::Map<String, Value> = d
            .server_entries()
            .into_iter()
            .map(|(p, strategy, ids)| {
                (
                    p.to_owned(),
                    json!({"Consents": ids, "ResolutionStrategy": strategy}),
                )
            })
            .collect();
        let theirs: serde_json::Map<String, Value> = case["expected"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(p, v)| {
                (
                    p.clone(),
                    json!({
                        "Consents": v["Consents"],
                        "ResolutionStrategy": v.get("ResolutionStrategy").cloned().unwrap_or(json!("")),
                    }),
                )
            })
            .collect();
        assert_eq!(ours, theirs, "{}", case["description"]);
    }
}
