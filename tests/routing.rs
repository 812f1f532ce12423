//! RULES §3: one test (or table) per routing rule.

mod common;

use common::{one, reason_of, reasons};
use consent_inspector::route::{Block, Decision, Delivery, IntegrationsKey, PreferenceValue};
use serde_json::json;

fn with_prefs(prefs: serde_json::Value) -> String {
    json!({"type": "track", "event": "Order Completed", "userId": "u1", "messageId": "m1",
           "context": {"consent": {"categoryPreferences": prefs}}})
    .to_string()
}

#[test]
fn rule1_not_ingested_blocks_everything() {
    let o = one(r#"{"type": "track", "event": "x"}"#);
    assert!(!o.ingested());
    assert!(reasons(&o).iter().all(|(_, r)| *r == "not_ingested"));
    assert!(
        o.routes
            .iter()
            .all(|r| r.decision == Decision::Block(Block::NotIngested))
    );
}

#[test]
fn rule2_preference_event_goes_everywhere_even_when_denied() {
    let o = one(
        &json!({"type": "track", "event": "Segment Consent Preference Updated", "userId": "u1",
                "context": {"consent": {"categoryPreferences": {"C0002": false, "C0004": false}}}})
        .to_string(),
    );
    assert!(
        reasons(&o)
            .iter()
            .all(|(_, r)| *r == "consent_preference_event")
    );
}

#[test]
fn rule3_no_consent_means_no_enforcement() {
    let cases = [
        json!({"type": "track", "event": "e", "userId": "u"}),
        json!({"type": "track", "event": "e", "userId": "u", "context": {}}),
        json!({"type": "track", "event": "e", "userId": "u", "context": {"consent": {}}}),
        json!({"type": "track", "event": "e", "userId": "u", "context": {"consent": {"categoryPreferences": null}}}),
        json!({"type": "track", "event": "e", "userId": "u", "context": {"consent": null}}),
        json!({"type": "track", "event": "e", "userId": "u", "context": {"consent": "yes"}}),
        json!({"type": "track", "event": "e", "userId": "u", "context": {"consent": {"version": 1}}}),
    ];
    for case in cases {
        let o = one(&case.to_string());
        assert!(o.ingested(), "{case}");
        assert!(
            reasons(&o).iter().all(|(_, r)| *r == "no_consent"),
            "{case}: {:?}",
            reasons(&o)
        );
    }
}

#[test]
fn rule4_s3_and_engage_do_not_enforce() {
    let o = one(&with_prefs(json!({"C0004": false})));
    assert_eq!(reason_of(&o, "Amazon S3"), "not_enforced");
    assert_eq!(reason_of(&o, "Engage"), "not_enforced");
}

#[test]
fn rule5_unmapped_destinations_need_no_consent() {
    let o = one(&with_prefs(json!({})));
    assert_eq!(reason_of(&o, "Webhooks"), "unmapped");
    // Mapped only to a disabled category: disabled categories are not enforced.
    assert_eq!(reason_of(&o, "Old Pixel"), "unmapped");
}

#[test]
fn rule6_consented_when_every_mapped_category_is_true() {
    let o = one(&with_prefs(
        json!({"C0002": true, "C0003": true, "C0004": true}),
    ));
    for d in ["Amplitude", "Braze", "SendGrid"] {
        assert_eq!(reason_of(&o, d), "consented", "{d}");
    }
    // The disabled category of "Mixed" is left out: only C0003 counts.
    assert_eq!(reason_of(&o, "Mixed"), "consented");
}

#[test]
fn rule7_not_consented_lists_each_blocking_category_with_its_value() {
    let o = one(&with_prefs(
        json!({"C0002": true, "C0003": "yes", "C0004": false}),
    ));
    let sendgrid = &o.routes[2];
    assert_eq!(
        sendgrid.decision,
        Decision::Block(Block::NotConsented {
            blocked_by: vec![
                consent_inspector::route::Blocker {
                    category: 2,
                    value: PreferenceValue::Other("\"yes\"".into())
                },
                consent_inspector::route::Blocker {
                    category: 3,
                    value: PreferenceValue::False
                },
            ]
        })
    );
    let o = one(&with_prefs(json!({"C0002": true})));
    let braze = &o.routes[1];
    assert_eq!(
        braze.decision.blocked_by(),
        &[consent_inspector::route::Blocker {
            category: 3,
            value: PreferenceValue::Missing
        }]
    );
}

#[test]
fn rule7_empty_preferences_block_every_mapped_destination() {
    let o = one(&with_prefs(json!({})));
    let got = reasons(&o);
    let expected = [
        ("Amplitude", "not_consented"),
        ("Braze", "not_consented"),
        ("SendGrid", "not_consented"),
        ("Webhooks", "unmapped"),
        ("Old Pixel", "unmapped"),
        ("Mixed", "not_consented"),
        ("Amazon S3", "not_enforced"),
        ("Engage", "not_enforced"),
    ];
    let got: Vec<(&str, &str)> = got.iter().map(|(d, r)| (d.as_str(), *r)).collect();
    assert_eq!(got, expected);
}

#[test]
fn rule7_a_destination_in_three_categories_needs_all_three() {
    for (prefs, expected) in [
        (
            json!({"C0002": true, "C0003": true, "C0004": true}),
            "consented",
        ),
        (
            json!({"C0002": true, "C0003": true, "C0004": false}),
            "not_consented",
        ),
        (
            json!({"C0002": false, "C0003": true, "C0004": true}),
            "not_consented",
        ),
    ] {
        assert_eq!(
            reason_of(&one(&with_prefs(prefs.clone())), "SendGrid"),
            expected,
            "{prefs}"
        );
    }
}

#[test]
fn rule8_integrations_object_only_removes() {
    let line = |integrations: serde_json::Value| {
        json!({"type": "track", "event": "e", "userId": "u", "integrations": integrations,
               "context": {"consent": {"categoryPreferences": {"C0002": true, "C0004": false}}}})
        .to_string()
    };
    let o = one(&line(json!({"Amplitude": false})));
    assert_eq!(
        o.routes[0].decision,
        Decision::Block(Block::IntegrationsObject {
            key: IntegrationsKey::Destination,
            consent: Delivery::Consented
        })
    );
    let o = one(&line(json!({"All": false, "Amplitude": true})));
    assert_eq!(reason_of(&o, "Amplitude"), "consented");
    assert_eq!(reason_of(&o, "Webhooks"), "integrations_object");
    assert_eq!(
        o.routes[3].decision,
        Decision::Block(Block::IntegrationsObject {
            key: IntegrationsKey::All,
            consent: Delivery::Unmapped
        })
    );
    // It cannot add back what consent blocked.
    let o = one(&line(json!({"Braze": true})));
    assert_eq!(reason_of(&o, "Braze"), "not_consented");
    // An object value is not `true`: with All false, the destination is removed.
    let o = one(&line(json!({"All": false, "Amplitude": {"sessionId": 1}})));
    assert_eq!(reason_of(&o, "Amplitude"), "integrations_object");
}

#[test]
fn batch_context_applies_to_elements_without_their_own() {
    let line = json!({"batch": [
        {"type": "track", "event": "a", "userId": "u"},
        {"type": "track", "event": "b", "userId": "u", "context": {"consent": {"categoryPreferences": {"C0002": true}}}}
    ], "context": {"consent": {"categoryPreferences": {"C0002": false}}}})
    .to_string();
    let mut engine = consent_inspector::engine::Engine::new(common::workspace());
    let outs = common::run(&mut engine, &[&line]);
    assert_eq!(reason_of(&outs[0], "Amplitude"), "not_consented");
    assert_eq!(reason_of(&outs[1], "Amplitude"), "consented");
}
