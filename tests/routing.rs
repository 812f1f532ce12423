//! RULES §3: one test (or table) per routing rule.

mod common;

use common::{consent_reasons, one, reason_of, reasons};
use consent_inspector::rules::verdict::{
    Block, Decision, Delivery, Falsy, IntegrationsKey, Mode, PreferenceValue,
};
use serde_json::json;

#[expect(
    clippy::needless_pass_by_value,
    reason = "callers pass json! temporaries"
)]
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
    // Engage too, though what it then computes is unknown: its route is uncertain.
    assert!(
        consent_reasons(&o)
            .iter()
            .all(|(_, r)| *r == "consent_preference_event")
    );
    assert_eq!(reason_of(&o, "Engage"), "unknown_step");
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
            consent_reasons(&o).iter().all(|(_, r)| *r == "no_consent"),
            "{case}: {:?}",
            reasons(&o)
        );
    }
}

#[test]
fn rule4_s3_and_engage_do_not_enforce() {
    let o = one(&with_prefs(json!({"C0004": false})));
    assert_eq!(reason_of(&o, "Amazon S3"), "not_enforced");
    // Consent does not stop Engage; what Engage computes is not in the settings: uncertain.
    assert_eq!(reason_of(&o, "Engage"), "unknown_step");
    let engage = consent_reasons(&o);
    assert!(
        engage.contains(&("Engage".to_owned(), "not_enforced")),
        "{engage:?}"
    );
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
                consent_inspector::rules::verdict::Blocker {
                    category: 2,
                    value: PreferenceValue::Other("\"yes\"".into())
                },
                consent_inspector::rules::verdict::Blocker {
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
        &[consent_inspector::rules::verdict::Blocker {
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
        ("Engage", "unknown_step"),
        ("Snowflake", "not_consented"),
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

#[expect(
    clippy::needless_pass_by_value,
    reason = "callers pass json! temporaries"
)]
fn with_integrations(integrations: serde_json::Value) -> String {
    json!({"type": "track", "event": "e", "userId": "u", "integrations": integrations,
           "context": {"consent": {"categoryPreferences": {"C0002": true, "C0004": true}}}})
    .to_string()
}

#[test]
fn rule8_integrations_object_only_removes() {
    let o = one(&with_integrations(json!({"Amplitude": false})));
    assert_eq!(
        o.routes[0].decision,
        Decision::Block(Block::IntegrationsObject {
            key: IntegrationsKey::Destination(Falsy::False),
            consent: Delivery::Consented
        })
    );
    let o = one(&with_integrations(json!({"All": false, "Amplitude": true})));
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
    let o = one(
        &json!({"type": "track", "event": "e", "userId": "u", "integrations": {"Braze": true},
                "context": {"consent": {"categoryPreferences": {"C0002": true, "C0004": false}}}})
        .to_string(),
    );
    assert_eq!(reason_of(&o, "Braze"), "not_consented");
}

#[test]
fn rule8_flags_are_read_by_javascript_truthiness_and_null_falls_back_to_all() {
    // (integrations, Amplitude's reason): analytics.js keeps a destination whose own flag is
    // truthy, drops one whose flag is falsy, and asks `All` only when the flag is absent.
    let cases = [
        (
            json!({"All": false, "Amplitude": {"apiKey": "k"}}),
            "consented",
        ),
        (json!({"All": false, "Amplitude": "yes"}), "consented"),
        (json!({"All": false, "Amplitude": 1}), "consented"),
        (json!({"All": false, "Amplitude": []}), "consented"),
        (json!({"Amplitude": 0}), "integrations_object"),
        (json!({"Amplitude": -0.0}), "integrations_object"),
        (json!({"Amplitude": ""}), "integrations_object"),
        (
            json!({"All": false, "Amplitude": null}),
            "integrations_object",
        ),
        (json!({"All": true, "Amplitude": null}), "consented"),
        (json!({"All": 0}), "consented"),
        (json!({"All": false}), "integrations_object"),
        (json!({"amplitude": false}), "consented"),
    ];
    for (integrations, expected) in cases {
        let o = one(&with_integrations(integrations.clone()));
        assert_eq!(reason_of(&o, "Amplitude"), expected, "{integrations}");
    }
    let o = one(&with_integrations(json!({"Amplitude": 0})));
    assert_eq!(
        o.routes[0].decision,
        Decision::Block(Block::IntegrationsObject {
            key: IntegrationsKey::Destination(Falsy::Zero),
            consent: Delivery::Consented
        })
    );
}

#[test]
fn rule8_salesforce_is_off_unless_the_event_turns_it_on() {
    use consent_inspector::engine::Engine;
    use consent_inspector::workspace::Workspace;
    use std::sync::Arc;
    // Segment's default integrations object is {"All": true, "Salesforce": false}.
    let ws = Arc::new(
        Workspace::from_slice(
            "sf.json",
            br#"{"categories": [{"id": "C0002", "name": "Performance"}],
                 "destinations": [{"name": "Salesforce", "categories": []},
                                  {"name": "Salesforce CRM", "categories": []}]}"#,
        )
        .unwrap(),
    );
    let decide = |line: serde_json::Value| {
        let mut engine = Engine::new(ws.clone());
        let o = common::run(&mut engine, &[&line.to_string()])
            .pop()
            .unwrap();
        (o.routes[0].decision.clone(), o.routes[1].decision.reason())
    };
    let identify = |integrations: Option<serde_json::Value>| {
        let mut e = json!({"type": "identify", "userId": "u1", "traits": {"email": "a@b.c"}});
        if let Some(i) = integrations {
            e["integrations"] = i;
        }
        decide(e)
    };
    let off = Decision::Block(Block::IntegrationsObject {
        key: IntegrationsKey::SegmentDefault,
        consent: Delivery::NoConsent,
    });
    // No integrations object, or one that does not name it: off; another destination is not.
    assert_eq!(identify(None), (off.clone(), "no_consent"));
    assert_eq!(
        identify(Some(json!({"All": true}))),
        (off.clone(), "no_consent")
    );
    assert_eq!(
        identify(Some(json!({"Salesforce": null}))),
        (off.clone(), "no_consent")
    );
    // Turned on by a truthy flag, even with All false; a falsy one is the event's own.
    assert_eq!(
        identify(Some(json!({"Salesforce": true}))).0,
        Decision::Deliver(Delivery::NoConsent)
    );
    assert_eq!(
        identify(Some(
            json!({"All": false, "Salesforce": {"object": "Lead"}})
        ))
        .0,
        Decision::Deliver(Delivery::NoConsent)
    );
    assert_eq!(
        identify(Some(json!({"Salesforce": false}))).0,
        Decision::Block(Block::IntegrationsObject {
            key: IntegrationsKey::Destination(Falsy::False),
            consent: Delivery::NoConsent,
        })
    );
    // Consent decides first: the default only removes what consent let through, the
    // preference event included.
    let cpu = decide(
        json!({"type": "track", "event": "Segment Consent Preference Updated",
        "userId": "u1", "context": {"consent": {"categoryPreferences": {"C0002": true}}}}),
    );
    assert_eq!(
        cpu.0,
        Decision::Block(Block::IntegrationsObject {
            key: IntegrationsKey::SegmentDefault,
            consent: Delivery::ConsentPreferenceEvent,
        })
    );
}

#[test]
fn rule8_never_applies_to_s3_or_warehouses() {
    let o = one(&with_integrations(
        json!({"All": false, "Amazon S3": false, "Snowflake": false, "Engage": false}),
    ));
    assert_eq!(reason_of(&o, "Amazon S3"), "not_enforced");
    assert_eq!(reason_of(&o, "Snowflake"), "consented");
    assert_eq!(reason_of(&o, "Engage"), "integrations_object");
    assert_eq!(reason_of(&o, "Amplitude"), "integrations_object");
}

#[test]
fn warehouses_enforce_consent() {
    let o = one(&with_prefs(json!({"C0004": false})));
    assert_eq!(reason_of(&o, "Snowflake"), "not_consented");
}

#[test]
fn batch_context_and_integrations_merge_by_top_level_key() {
    let line = json!({"batch": [
        {"type": "track", "event": "a", "userId": "u"},
        {"type": "track", "event": "b", "userId": "u", "context": {"consent": {"categoryPreferences": {"C0002": true}}}},
        // Its own context has no consent: it keeps the batch's.
        {"type": "track", "event": "c", "userId": "u", "context": {"library": {"name": "x"}}},
        // Its consent replaces the batch's whole, though it has no categoryPreferences.
        {"type": "track", "event": "d", "userId": "u", "context": {"consent": {"version": 2}}},
        // null counts as absent, so the batch's consent fills it.
        {"type": "track", "event": "e", "userId": "u", "context": {"consent": null}},
        {"type": "track", "event": "f", "userId": "u", "integrations": {"Webhooks": true}}
    ], "context": {"consent": {"categoryPreferences": {"C0002": false}}},
       "integrations": {"All": false, "Amplitude": true}})
    .to_string();
    let mut engine = consent_inspector::engine::Engine::new(common::workspace());
    let outs = common::run(&mut engine, &[&line]);
    assert_eq!(reason_of(&outs[0], "Amplitude"), "not_consented");
    assert_eq!(reason_of(&outs[1], "Amplitude"), "consented");
    assert_eq!(reason_of(&outs[2], "Amplitude"), "not_consented");
    assert_eq!(reason_of(&outs[3], "Amplitude"), "no_consent");
    assert_eq!(reason_of(&outs[4], "Amplitude"), "not_consented");
    // The element's Webhooks flag and the batch's All and Amplitude flags all apply.
    assert_eq!(reason_of(&outs[5], "Webhooks"), "unmapped");
    assert_eq!(reason_of(&outs[5], "Braze"), "not_consented");
    let o = common::run(
        &mut consent_inspector::engine::Engine::new(common::workspace()),
        &[&json!({"batch": [{"type": "track", "event": "a", "userId": "u",
                              "context": {"consent": {"categoryPreferences": {"C0002": true, "C0004": true}}},
                              "integrations": {"Webhooks": true}}],
                  "integrations": {"All": false}})
        .to_string()],
    );
    assert_eq!(reason_of(&o[0], "Webhooks"), "unmapped");
    assert_eq!(reason_of(&o[0], "Braze"), "integrations_object");
    let merged = o[0].event().unwrap().to_value();
    assert_eq!(
        merged["integrations"],
        json!({"Webhooks": true, "All": false})
    );
    let merged = outs[2].event().unwrap().to_value();
    assert_eq!(
        merged["context"],
        json!({"library": {"name": "x"}, "consent": {"categoryPreferences": {"C0002": false}}})
    );
}

#[test]
fn rule1b_a_repeated_message_id_is_dropped_everywhere_in_cloud_mode() {
    let first = json!({"type": "track", "event": "e", "userId": "u", "messageId": "m-1",
                       "context": {"consent": {"categoryPreferences": {"C0002": true, "C0004": false}}}});
    let second = json!({"type": "track", "event": "e", "userId": "u", "messageId": "m-1",
                        "context": {"consent": {"categoryPreferences": {"C0002": true, "C0004": true}}}});
    let mut engine = consent_inspector::engine::Engine::new(common::workspace());
    let outs = common::run(&mut engine, &[&first.to_string(), &second.to_string()]);
    assert!(outs[1].ingested());
    assert!(reasons(&outs[1]).iter().all(|(_, r)| *r == "duplicate"));
    assert!(
        outs[1]
            .routes
            .iter()
            .all(|r| outs[1].discard(r) == Some("DUPLICATE"))
    );
    assert!(common::codes(&outs[1]).contains(&"duplicate_message_id"));
    // The profile kept the first event's consent: the duplicate changed nothing.
    let profiles = engine.profiles();
    let p = profiles.profile(profiles.lookup("u").unwrap());
    assert_eq!(p.history.len(), 1);
    assert_eq!(p.events, 1);
    // An event that was not ingested does not count as seen.
    let broken = json!({"type": "track", "userId": "u", "messageId": "m-2"}).to_string();
    let ok = json!({"type": "track", "event": "e", "userId": "u", "messageId": "m-2"}).to_string();
    let outs = common::run(
        &mut consent_inspector::engine::Engine::new(common::workspace()),
        &[&broken, &ok],
    );
    assert_eq!(reason_of(&outs[1], "Amplitude"), "no_consent");
}

/// The common workspace with the browser's consent model set as the settings would.
fn with_model(
    model: consent_inspector::workspace::ConsentModel,
) -> std::sync::Arc<consent_inspector::workspace::Workspace> {
    let mut ws = consent_inspector::workspace::Workspace::from_slice(
        "test-settings.json",
        common::SETTINGS.as_bytes(),
    )
    .unwrap();
    ws.consent_model = model;
    ws.consent_model_from = consent_inspector::workspace::ModelSource::Settings;
    std::sync::Arc::new(ws)
}

#[test]
fn device_mode_routes_are_sent_by_the_browser_and_decided_by_its_consent_model() {
    use consent_inspector::workspace::ConsentModel;
    let line = |mid: &str, event: Option<&str>, prefs: serde_json::Value| {
        let mut v = json!({"type": "page", "anonymousId": "a", "messageId": mid,
               "_metadata": {"bundled": ["Amplitude", "Braze", "Segment.io"], "unbundled": []},
               "context": {"consent": {"categoryPreferences": prefs}}});
        if let Some(e) = event {
            v["type"] = json!("track");
            v["event"] = json!(e);
        }
        v.to_string()
    };
    let prefs = json!({"C0002": true, "C0004": false});
    let cpu = "Segment Consent Preference Updated";
    let reason = |o: &consent_inspector::engine::Outcome, d: usize| o.routes[d].decision.reason();
    let codes = |o: &consent_inspector::engine::Outcome| -> Vec<&str> {
        o.findings.iter().map(|f| f.code.as_str()).collect()
    };

    // opt-out: a middleware drops each event the stamped preferences do not allow.
    let mut engine = consent_inspector::engine::Engine::new(with_model(ConsentModel::OptOut));
    let outs = common::run(
        &mut engine,
        &[
            &line("m", None, prefs.clone()),
            &line("m", None, prefs.clone()),
            &line("c", Some(cpu), prefs.clone()),
            // The browser reads preferences by JavaScript truthiness.
            &line("t", None, json!({"C0002": "yes", "C0004": 1})),
        ],
    );
    let modes: Vec<&str> = outs[0].routes.iter().map(|r| r.mode.as_str()).collect();
    assert_eq!(
        modes,
        [
            "device", "device", "cloud", "cloud", "cloud", "cloud", "cloud", "cloud", "cloud"
        ]
    );
    assert_eq!(
        (reason(&outs[0], 0), reason(&outs[0], 1)),
        ("consented", "not_consented")
    );
    for r in &outs[0].routes[..2] {
        assert_eq!(outs[0].discard(r), Some("MESSAGE_SENT_CLIENT_SIDE"));
    }
    // The browser does not deduplicate: rule 1b skips device-mode routes.
    assert_eq!(
        (reason(&outs[1], 0), reason(&outs[1], 1)),
        ("consented", "not_consented")
    );
    assert_eq!(reason_of(&outs[1], "SendGrid"), "duplicate");
    // No exemption for the preference event in the browser; Segment's servers still send it
    // everywhere.
    assert_eq!(
        (
            reason(&outs[2], 0),
            reason(&outs[2], 1),
            reason(&outs[2], 2)
        ),
        ("consented", "not_consented", "consent_preference_event")
    );
    assert_eq!(
        (reason(&outs[3], 0), reason(&outs[3], 1)),
        ("consented", "consented")
    );
    assert!(!codes(&outs[0]).contains(&"device_mode_after_withdrawal"));

    // opt-in (consent-tools' default): what was bundled was loaded with the page, and the
    // browser sends it every event, even once the preferences no longer allow it.
    let mut engine = consent_inspector::engine::Engine::new(common::workspace());
    let outs = common::run(
        &mut engine,
        &[
            &line("m", None, prefs.clone()),
            &line("c", Some(cpu), prefs.clone()),
        ],
    );
    for o in &outs {
        assert_eq!(
            o.routes[0].decision,
            Decision::Deliver(Delivery::LoadedAtPageLoad { withdrawn: false })
        );
        assert_eq!(
            o.routes[1].decision,
            Decision::Deliver(Delivery::LoadedAtPageLoad { withdrawn: true })
        );
        let warning = o
            .findings
            .iter()
            .find(|f| f.code.as_str() == "device_mode_after_withdrawal")
            .expect("the withdrawal is said");
        assert!(
            warning
                .message
                .starts_with("the browser loaded Braze with the page (opt-in"),
            "{}",
            warning.message
        );
    }
    // The event's own integrations object still applies in the browser; Segment's default
    // one (Salesforce off) does not.
    let o = one(
        &json!({"type": "page", "anonymousId": "a", "integrations": {"Amplitude": false},
                "_metadata": {"bundled": ["Amplitude"]}})
        .to_string(),
    );
    assert_eq!(reason_of(&o, "Amplitude"), "integrations_object");
    // A route of an event that was not ingested is cloud mode.
    let o = one(&json!({"type": "page", "_metadata": {"bundled": ["Amplitude"]}}).to_string());
    assert_eq!(o.routes[0].mode, Mode::Cloud);
    assert_eq!(o.discard(&o.routes[0]), Some("no_user_anon_id"));
}

#[test]
fn discard_is_what_delivery_overview_shows() {
    let o = one(&with_integrations(json!({"Amplitude": false})));
    assert_eq!(
        o.discard(&o.routes[0]),
        Some("FILTERED_BY_INTEGRATIONS_OBJECT")
    );
    let o = one(&with_prefs(json!({"C0002": false})));
    assert_eq!(
        o.discard(&o.routes[0]),
        Some("FILTERED_BY_END_USER_CONSENT")
    );
    assert_eq!(reason_of(&o, "Webhooks"), "unmapped");
    assert_eq!(o.discard(&o.routes[3]), None);
    let o = one(&json!({"type": "track", "userId": "u", "event": 5}).to_string());
    assert_eq!(o.discard(&o.routes[0]), Some("event_not_string"));
}

mod what_if {
    use super::*;
    use consent_inspector::analyses::what_if::{Trial, try_preference};

    fn changes(line: &str, category: u8, trial: Trial) -> Vec<(String, &'static str)> {
        let ws = common::workspace();
        let o = one(line);
        let (_, changed) = try_preference(&ws, &o, category, trial).expect("an event");
        changed
            .iter()
            .filter(|c| c.verdict_changed())
            .map(|c| {
                (
                    ws.destinations[c.after.destination].name.clone(),
                    c.after.decision.reason(),
                )
            })
            .collect()
    }

    #[test]
    fn true_unblocks_only_destinations_that_needed_just_that_category() {
        let line = with_prefs(json!({"C0002": false, "C0003": true, "C0004": false}));
        assert_eq!(
            changes(&line, 1, Trial::True),
            [("Amplitude".to_string(), "consented")]
        );
        // Braze needs C0002 and C0004: the trial moves its blocker but not its verdict.
        let ws = common::workspace();
        let (after, changed) = try_preference(&ws, &one(&line), 1, Trial::True).unwrap();
        let braze = changed
            .iter()
            .find(|c| ws.destinations[c.after.destination].name == "Braze")
            .expect("Braze's blockers change");
        assert!(!braze.verdict_changed());
        assert_eq!(after.routes.len(), one(&line).routes.len());
    }

    #[test]
    fn missing_counts_as_false() {
        let line = with_prefs(json!({"C0002": true, "C0003": true, "C0004": true}));
        let missing = changes(&line, 1, Trial::Missing);
        assert_eq!(missing, changes(&line, 1, Trial::False));
        assert!(missing.iter().all(|(_, r)| *r == "not_consented"));
        assert!(missing.iter().any(|(d, _)| d == "Amplitude"));
    }

    #[test]
    fn a_preference_on_an_event_without_consent_starts_enforcement() {
        let line =
            json!({"type": "track", "event": "e", "userId": "u", "messageId": "m"}).to_string();
        // With only C0004 true, everything mapped to another category is now blocked.
        let c = changes(&line, 3, Trial::True);
        assert!(
            c.contains(&("Amplitude".to_string(), "not_consented")),
            "{c:?}"
        );
        // Still delivered, but for a different reason: no category maps to it.
        assert!(c.contains(&("Webhooks".to_string(), "unmapped")), "{c:?}");
        assert!(c.contains(&("Snowflake".to_string(), "consented")), "{c:?}");
    }

    #[test]
    fn a_preference_event_still_goes_everywhere() {
        let line = json!({"type": "track", "event": "Segment Consent Preference Updated",
            "userId": "u", "messageId": "m",
            "context": {"consent": {"categoryPreferences": {"C0002": false}}}})
        .to_string();
        assert!(changes(&line, 1, Trial::True).is_empty());
    }

    #[test]
    fn records_that_are_not_events_have_no_what_if() {
        let ws = common::workspace();
        assert!(try_preference(&ws, &one("{not json"), 1, Trial::True).is_none());
    }
}

/// Segment's catalog says what each destination takes (`methods`): an alias to Google Ads
/// (Classic), found by its previous name `AdWords` too, is dropped, `UNSUPPORTED_EVENT_TYPE`;
/// the settings' `methods` go over the catalog; a destination the catalog does not know is let
/// through, and so is device mode (the browser's plugin decides).
#[test]
fn a_destination_takes_only_the_event_types_it_supports() {
    let ws = std::sync::Arc::new(
        consent_inspector::workspace::Workspace::from_slice(
            "ws.json",
            br#"{"categories": [], "destinations": [
                {"name": "Google Ads (Classic)", "categories": []},
                {"name": "AdWords", "categories": []},
                {"name": "Amplitude", "categories": [], "methods": ["alias"]},
                {"name": "Our Own Webhook", "categories": []}
            ]}"#,
        )
        .unwrap(),
    );
    let alias = r#"{"type": "alias", "userId": "u1", "previousId": "a1", "messageId": "m1"}"#;
    let mut engine = consent_inspector::engine::Engine::new(ws.clone());
    let o = common::run(&mut engine, &[alias]).pop().unwrap();
    let got: Vec<(&str, Option<&str>)> = o
        .routes
        .iter()
        .map(|r| (r.decision.reason(), o.discard(r)))
        .collect();
    assert_eq!(
        got,
        [
            ("unsupported_event_type", Some("UNSUPPORTED_EVENT_TYPE")),
            ("unsupported_event_type", Some("UNSUPPORTED_EVENT_TYPE")),
            ("no_consent", None),
            ("no_consent", None),
        ]
    );
    // A track goes everywhere but to the Amplitude the settings say takes aliases only; from
    // the browser, the alias goes to Google Ads too.
    let track = r#"{"type": "track", "event": "X", "userId": "u1", "messageId": "m2"}"#;
    let o = common::run(&mut engine, &[track]).pop().unwrap();
    let reasons: Vec<&str> = o.routes.iter().map(|r| r.decision.reason()).collect();
    assert_eq!(
        reasons,
        [
            "no_consent",
            "no_consent",
            "unsupported_event_type",
            "no_consent"
        ]
    );
    let device = r#"{"type": "alias", "userId": "u1", "previousId": "a1", "messageId": "m3",
        "_metadata": {"bundled": ["Google Ads (Classic)"]}}"#;
    let o = common::run(&mut engine, &[&device.replace('\n', " ")])
        .pop()
        .unwrap();
    assert!(o.routes[0].decision.delivered(), "{:?}", o.routes[0]);
}

/// Segment knows a destination by its previous names too (catalog `previous_names`;
/// `destination-dossier.html`): `"Actions Amplitude": false` turns off "Amplitude (Actions)" in
/// cloud mode, and is no unknown key. Its own name, where given, decides.
#[test]
fn a_previous_name_in_the_integrations_object_is_read() {
    let ws = std::sync::Arc::new(
        consent_inspector::workspace::Workspace::from_slice(
            "ws.json",
            br#"{"categories": [], "destinations": [{"name": "Amplitude (Actions)", "categories": []}]}"#,
        )
        .unwrap(),
    );
    let ev = |integrations: &str| {
        format!(
            r#"{{"type": "track", "event": "X", "userId": "u1", "messageId": "m-{}", "integrations": {integrations}}}"#,
            integrations.len()
        )
    };
    let mut engine = consent_inspector::engine::Engine::new(ws.clone());
    let o = common::run(&mut engine, &[&ev(r#"{"Actions Amplitude": false}"#)])
        .pop()
        .unwrap();
    assert_eq!(o.routes[0].decision.reason(), "integrations_object");
    assert_eq!(
        o.discard(&o.routes[0]),
        Some("FILTERED_BY_INTEGRATIONS_OBJECT")
    );
    assert!(common::codes(&o).is_empty(), "{:?}", common::codes(&o));
    let why = consent_inspector::rules::dialect::chain(ws.dialect()).explain;
    assert!(
        why(&ws, &o.routes[0]).contains(
            "integrations[\"Actions Amplitude\"] is false, and Segment knows Amplitude (Actions) by that name too"
        ),
        "{}",
        why(&ws, &o.routes[0])
    );
    let o = common::run(
        &mut engine,
        &[&ev(
            r#"{"Amplitude (Actions)": true, "Actions Amplitude": false}"#,
        )],
    )
    .pop()
    .unwrap();
    // Let through by its own name; its mappings are not in these settings: uncertain.
    assert!(o.routes[0].decision.may_deliver());
    assert_eq!(o.routes[0].decision.reason(), "unknown_step");
}

/// A destination filter is read by whoever applies it: Segment's servers for a cloud route
/// (`in` compares the list's values, as fql.md's `'dark-mode' in properties.features`), the
/// browser's tsub for a device route (it reads each element as a path: no match).
#[test]
fn a_filter_is_read_the_servers_way_in_cloud_mode_and_tsubs_way_in_device_mode() {
    let settings = json!({"categories": [{"id": "C0001"}],
        "destinations": [{"name": "Braze", "categories": [], "filters": [
            {"title": "no VIPs", "if": "'vip' in properties.tags", "actions": [{"type": "DROP"}]}]}]});
    let ws = std::sync::Arc::new(
        consent_inspector::workspace::Workspace::from_slice(
            "vip.json",
            settings.to_string().as_bytes(),
        )
        .unwrap(),
    );
    let cloud = json!({"type": "track", "event": "Bought", "userId": "u", "messageId": "c",
                       "properties": {"tags": ["vip", "new"]}});
    let mut device = cloud.clone();
    device["messageId"] = json!("d");
    device["_metadata"] = json!({"bundled": ["Braze"]});
    let mut engine = consent_inspector::engine::Engine::new(ws.clone());
    let outs = common::run(&mut engine, &[&cloud.to_string(), &device.to_string()]);
    assert_eq!(outs[0].routes[0].decision.reason(), "destination_filter");
    assert_eq!(outs[1].routes[0].mode, Mode::Device);
    assert!(
        outs[1].routes[0].decision.delivered(),
        "{:?}",
        outs[1].routes[0]
    );
}
