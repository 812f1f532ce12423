//! Events from Segment's mobile libraries: the consent plugins' own unit tests as fixed cases
//! (analytics-kotlin-consent `ConsentBlockerTests.kt`, analytics-swift-consent
//! `UnmappedDestinationsTests.swift` and `NoUnmappedDestinationsTests.swift`), each decided by
//! the tool for the same settings and preferences.

mod common;

use std::sync::Arc;

use consent_inspector::engine::Engine;
use consent_inspector::workspace::Workspace;
use serde_json::{Value, json};

/// The Swift tests' workspace (`UnmappedDestinations.json`): four destinations mapped to
/// categories, `DummyDest5` to none; with `unmapped` false, `DummyDest5` goes, as in
/// `NoUnmappedDestinations.json`.
fn swift_workspace(unmapped: bool) -> Arc<Workspace> {
    let mut destinations = vec![
        json!({"name": "DummyDest1", "categories": ["C0001", "C0002"]}),
        json!({"name": "DummyDest2", "categories": ["C0003"]}),
        json!({"name": "DummyDest3", "categories": ["C0004"]}),
        json!({"name": "DummyDest4", "categories": ["C0005"]}),
    ];
    if unmapped {
        destinations.push(json!({"name": "DummyDest5", "categories": []}));
    }
    let ids = ["C0001", "C0002", "C0003", "C0004", "C0005"];
    let settings = json!({
        "categories": ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
        "destinations": destinations,
    });
    Arc::new(Workspace::from_slice("swift.json", settings.to_string().as_bytes()).unwrap())
}

/// The Kotlin tests' workspace: `foo` needs cat1 and cat2, and nothing is unmapped.
fn kotlin_workspace() -> Arc<Workspace> {
    let settings = json!({
        "categories": [{"id": "cat1"}, {"id": "cat2"}, {"id": "cat3"}],
        "destinations": [{"name": "foo", "categories": ["cat1", "cat2"]},
                         {"name": "Cloud", "categories": ["cat3"]}],
    });
    Arc::new(Workspace::from_slice("kotlin.json", settings.to_string().as_bytes()).unwrap())
}

/// An event of `library`, with `context` as given, every destination of `ws` bundled
/// (device mode on the phone) but `Cloud`.
fn event(ws: &Workspace, library: &str, event: &str, context: &Value) -> String {
    let mut context = context.clone();
    context["library"] = json!({"name": library, "version": "1.0.0"});
    let bundled: Vec<&str> = ws
        .destinations
        .iter()
        .map(|d| d.name.as_str())
        .filter(|n| *n != "Cloud")
        .collect();
    json!({"type": "track", "event": event, "userId": "u1", "messageId": "m1",
           "context": context, "_metadata": {"bundled": bundled}})
    .to_string()
}

/// `(destination, decision, reason, mode)` for every route.
fn routes(ws: &Arc<Workspace>, line: &str) -> Vec<(String, String, String, String)> {
    let mut engine = Engine::new(ws.clone());
    let o = common::run(&mut engine, &[line]).pop().unwrap();
    assert!(o.ingested(), "{line}");
    let mut ndjson = consent_inspector::analyses::ndjson::Ndjson::new(ws);
    let mut out = Vec::new();
    ndjson.write(&mut out, &o).unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    v["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_owned();
            (s("destination"), s("decision"), s("reason"), s("mode"))
        })
        .collect()
}

fn decision_of(routes: &[(String, String, String, String)], dest: &str) -> String {
    let r = routes.iter().find(|r| r.0 == dest).unwrap();
    format!("{} {}", r.1, r.2)
}

fn prefs(pairs: &[(&str, bool)]) -> Value {
    let m: serde_json::Map<String, Value> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::Bool(*v)))
        .collect();
    json!({"consent": {"categoryPreferences": m}})
}

#[test]
fn kotlin_a_destination_s_blocker_needs_every_category_and_lets_the_preference_event_through() {
    let ws = kotlin_workspace();
    let k = "analytics-kotlin";
    // `allow when consent available`: both, or both and another.
    for p in [
        prefs(&[("cat1", true), ("cat2", true)]),
        prefs(&[("cat1", true), ("cat2", true), ("cat3", true)]),
    ] {
        let r = routes(&ws, &event(&ws, k, "MyEvent", &p));
        assert_eq!(decision_of(&r, "foo"), "deliver consented", "{p}");
        assert!(r.iter().any(|x| x.0 == "foo" && x.3 == "device"));
    }
    // `blocks when missing consent`: an empty context, an empty consent, all false.
    for p in [
        json!({}),
        json!({"consent": {}}),
        prefs(&[("cat1", false), ("cat2", false)]),
    ] {
        let r = routes(&ws, &event(&ws, k, "MyEvent", &p));
        assert_eq!(decision_of(&r, "foo"), "block not_consented", "{p}");
    }
    // `does not block the Segment Consent Preference event`.
    let p = prefs(&[("cat1", false), ("cat2", false)]);
    let r = routes(
        &ws,
        &event(&ws, k, "Segment Consent Preference Updated", &p),
    );
    assert_eq!(decision_of(&r, "foo"), "deliver consent_preference_event");
}

#[test]
fn kotlin_drops_before_segment_when_nothing_is_consented_and_nothing_is_unmapped() {
    let ws = kotlin_workspace();
    let k = "analytics-kotlin";
    let p = prefs(&[("cat1", false), ("cat2", false), ("cat3", false)]);
    let r = routes(&ws, &event(&ws, k, "MyEvent", &p));
    assert_eq!(decision_of(&r, "Cloud"), "block blocked_on_device");
    // Its Segment blocker has no exception for the preference event.
    let r = routes(
        &ws,
        &event(&ws, k, "Segment Consent Preference Updated", &p),
    );
    assert_eq!(decision_of(&r, "Cloud"), "block blocked_on_device");
    // One category granted: Segment gets it, and decides by consent.
    let p = prefs(&[("cat1", true), ("cat2", false), ("cat3", false)]);
    let r = routes(&ws, &event(&ws, k, "MyEvent", &p));
    assert_eq!(decision_of(&r, "Cloud"), "block not_consented");
}

#[test]
fn swift_with_an_unmapped_destination_segment_gets_everything_and_each_blocker_decides() {
    let ws = swift_workspace(true);
    let s = "analytics-swift";
    let all = ["C0001", "C0002", "C0003", "C0004", "C0005"];
    // `testNoToAll`, `testYesTo1` ... `testYesToAll`: which dummy destinations get the event.
    let cases: [(&[&str], [bool; 5]); 7] = [
        (&[], [false, false, false, false, true]),
        (&["C0001"], [false, false, false, false, true]),
        (&["C0002"], [false, false, false, false, true]),
        (&["C0003"], [false, true, false, false, true]),
        (&["C0004"], [false, false, true, false, true]),
        (&["C0001", "C0002"], [true, false, false, false, true]),
        (&all, [true, true, true, true, true]),
    ];
    for (granted, want) in cases {
        let pairs: Vec<(&str, bool)> = all.iter().map(|c| (*c, granted.contains(c))).collect();
        let r = routes(&ws, &event(&ws, s, "stamp event", &prefs(&pairs)));
        for (i, w) in want.iter().enumerate() {
            let dest = format!("DummyDest{}", i + 1);
            let got = decision_of(&r, &dest);
            assert_eq!(got.starts_with("deliver"), *w, "{granted:?} {dest}: {got}");
        }
    }
}

#[test]
fn swift_without_unmapped_destinations_nothing_consented_never_reaches_segment() {
    // `NoUnmappedDestinationsTests.testNoToAll`: Segment gets nothing, nor any destination.
    let ws = swift_workspace(false);
    let s = "analytics-swift";
    let none: Vec<(&str, bool)> = ["C0001", "C0002", "C0003", "C0004", "C0005"]
        .iter()
        .map(|c| (*c, false))
        .collect();
    let mut line: Value =
        serde_json::from_str(&event(&ws, s, "stamp event", &prefs(&none))).unwrap();
    // One destination in cloud mode, to see Segment's side.
    line["_metadata"]["bundled"] = json!(["DummyDest1", "DummyDest2", "DummyDest3"]);
    let r = routes(&ws, &line.to_string());
    assert_eq!(decision_of(&r, "DummyDest4"), "block blocked_on_device");
    for d in ["DummyDest1", "DummyDest2", "DummyDest3"] {
        assert_eq!(decision_of(&r, d), "block not_consented", "{d}");
    }
    // Swift's Segment blocker lets the preference event through (its destination blockers
    // do not).
    let mut pref = line.clone();
    pref["event"] = json!("Segment Consent Preference Updated");
    let r = routes(&ws, &pref.to_string());
    assert_eq!(
        decision_of(&r, "DummyDest4"),
        "deliver consent_preference_event"
    );
    assert_eq!(decision_of(&r, "DummyDest1"), "block not_consented");
    // A consent that does not cast to objects of booleans reads as nothing consented.
    let mut odd = line.clone();
    odd["context"]["consent"] = json!({"version": 2, "categoryPreferences":
        {"C0001": true, "C0002": true, "C0003": true, "C0004": true, "C0005": true}});
    let r = routes(&ws, &odd.to_string());
    assert_eq!(decision_of(&r, "DummyDest2"), "block not_consented");
}
