//! RULES §2: every validation code, from the line that triggers it.

mod common;

use common::{codes, one};
use consent_inspector::rules::finding::{Code, Severity};

const OK: &str = r#""userId":"u1","messageId":"m1","timestamp":"2026-11-02T09:00:00Z""#;

fn line(rest: &str) -> String {
    format!("{{{OK},{rest}}}")
}

/// (code, line, JSON path of the finding)
#[expect(
    clippy::too_many_lines,
    reason = "one table of every case, read top to bottom"
)]
fn cases() -> Vec<(&'static str, String, Option<&'static str>)> {
    let cpu = r#""type":"track","event":"Segment Consent Preference Updated""#;
    vec![
        ("invalid_json", r#"{"type":"track","#.into(), None),
        ("not_an_object", "[1,2]".into(), None),
        ("empty_batch", r#"{"batch":[]}"#.into(), None),
        (
            "batch_too_large",
            format!(
                r#"{{"batch":[{{"type":"track","event":"e","userId":"u","messageId":"m","properties":{{"x":"{}"}}}}{}]}}"#,
                "a".repeat(30_000),
                format!(
                    r#",{{"type":"track","event":"e","userId":"u","messageId":"n","properties":{{"x":"{}"}}}}"#,
                    "b".repeat(30_000)
                )
                .repeat(17)
            ),
            Some("batch"),
        ),
        (
            "batch_too_many_events",
            format!(
                r#"{{"batch":[{}{{"type":"page","userId":"u","messageId":"m"}}]}}"#,
                r#"{"type":"page","userId":"u","messageId":"m"},"#.repeat(2500)
            ),
            None,
        ),
        ("type_required", line(r#""event":"e""#), Some("type")),
        (
            "type_required",
            line(r#""type":"Track","event":"e""#),
            Some("type"),
        ),
        (
            "no_user_anon_id",
            r#"{"type":"page","messageId":"m"}"#.into(),
            Some("userId"),
        ),
        (
            "no_user_anon_id",
            r#"{"type":"page","messageId":"m","userId":null,"anonymousId":null}"#.into(),
            Some("userId"),
        ),
        (
            "id_not_string",
            r#"{"type":"page","messageId":"m","userId":""}"#.into(),
            Some("userId"),
        ),
        (
            "id_not_string",
            r#"{"type":"page","messageId":"m","anonymousId":42}"#.into(),
            Some("anonymousId"),
        ),
        ("id_required", line(r#""type":"alias""#), Some("previousId")),
        (
            "id_required",
            r#"{"type":"alias","messageId":"m","anonymousId":"a","previousId":"p"}"#.into(),
            Some("userId"),
        ),
        ("event_not_defined", line(r#""type":"track""#), Some("event")),
        (
            "event_not_defined",
            line(r#""type":"track","event":"""#),
            Some("event"),
        ),
        (
            "event_not_defined",
            line(r#""type":"track","event":null"#),
            Some("event"),
        ),
        (
            "event_not_string",
            line(r#""type":"track","event":["Order Completed"]"#),
            Some("event"),
        ),
        (
            "properties_not_object",
            line(r#""type":"track","event":"e","properties":"sku-1""#),
            Some("properties"),
        ),
        (
            "properties_not_object",
            line(r#""type":"page","properties":[1]"#),
            Some("properties"),
        ),
        (
            "traits_not_object",
            line(r#""type":"identify","traits":"vip""#),
            Some("traits"),
        ),
        (
            "traits_not_object",
            line(r#""type":"group","groupId":"g","traits":5"#),
            Some("traits"),
        ),
        (
            "name_not_string",
            line(r#""type":"page","name":"""#),
            Some("name"),
        ),
        (
            "name_not_string",
            line(r#""type":"screen","name":7"#),
            Some("name"),
        ),
        (
            "category_not_string",
            line(r#""type":"page","name":"Home","category":false"#),
            Some("category"),
        ),
        (
            "event_too_large",
            line(&format!(
                r#""type":"track","event":"e","properties":{{"x":"{}"}}"#,
                "a".repeat(33_000)
            )),
            None,
        ),
        (
            "consent_categorypreferences_should_exist",
            line(&format!(r#"{cpu},"context":{{"consent":{{}}}}"#)),
            Some("context.consent.categoryPreferences"),
        ),
        (
            "consent_categorypreferences_should_exist",
            line(&format!(
                r#"{cpu},"context":{{"consent":{{"categoryPreferences":null}}}}"#
            )),
            Some("context.consent.categoryPreferences"),
        ),
        (
            "consent_categorypreferences_fields_should_be_object",
            line(&format!(
                r#"{cpu},"context":{{"consent":{{"categoryPreferences":[true]}}}}"#
            )),
            Some("context.consent.categoryPreferences"),
        ),
        (
            "consent_categorypreferences_fields_should_be_bool",
            line(&format!(
                r#"{cpu},"context":{{"consent":{{"categoryPreferences":{{"C0002":"true"}}}}}}"#
            )),
            Some("context.consent.categoryPreferences.C0002"),
        ),
        (
            "consent_categorypreferences_fields_should_be_bool",
            line(&format!(
                r#"{cpu},"context":{{"consent":{{"categoryPreferences":{{"C0002":true,"C0004":null}}}}}}"#
            )),
            Some("context.consent.categoryPreferences.C0004"),
        ),
        (
            "consent_version_should_be_number",
            line(&format!(
                r#"{cpu},"context":{{"consent":{{"version":"1","categoryPreferences":{{}}}}}}"#
            )),
            Some("context.consent.version"),
        ),
        (
            "device_advertisingid_should_be_string",
            line(&format!(
                r#"{cpu},"context":{{"consent":{{"categoryPreferences":{{}}}},"device":{{"advertisingId":42}}}}"#
            )),
            Some("context.device.advertisingId"),
        ),
        (
            // Opt-in (the common workspace's default): Braze (C0002, C0004) was loaded with
            // the page and its consent is gone.
            "device_mode_after_withdrawal",
            line(
                r#""type":"page","_metadata":{"bundled":["Braze"]},"context":{"consent":{"categoryPreferences":{"C0002":true,"C0004":false}}}"#,
            ),
            Some("context.consent.categoryPreferences"),
        ),
        (
            "wrong_type",
            line(r#""type":"page","context":{"consent":{"version":"1","categoryPreferences":{}}}"#),
            Some("context.consent.version"),
        ),
        (
            "wrong_type",
            line(r#""type":"screen","context":{"device":{"advertisingId":42}}"#),
            Some("context.device.advertisingId"),
        ),
        (
            "consent_object_empty",
            line(r#""type":"page","context":{"consent":{}}"#),
            Some("context.consent"),
        ),
        (
            "category_preferences_not_object",
            line(r#""type":"page","context":{"consent":{"categoryPreferences":"C0002"}}"#),
            Some("context.consent.categoryPreferences"),
        ),
        (
            "category_preference_not_boolean",
            line(r#""type":"page","context":{"consent":{"categoryPreferences":{"C0002":1}}}"#),
            Some("context.consent.categoryPreferences.C0002"),
        ),
        (
            "category_preference_misspelled",
            line(r#""type":"page","context":{"consent":{"categoryPreference":{"C0002":true}}}"#),
            Some("context.consent.categoryPreference"),
        ),
        (
            "unknown_category",
            line(r#""type":"page","context":{"consent":{"categoryPreferences":{"ads.v2":true}}}"#),
            Some("context.consent.categoryPreferences[\"ads.v2\"]"),
        ),
        (
            "category_case_mismatch",
            line(r#""type":"page","context":{"consent":{"categoryPreferences":{"c0002":true}}}"#),
            Some("context.consent.categoryPreferences.c0002"),
        ),
        (
            "legacy_consent_event_name",
            line(r#""type":"track","event":"Segment Consent Preference""#),
            Some("event"),
        ),
        (
            "message_id_missing",
            r#"{"type":"page","userId":"u"}"#.into(),
            Some("messageId"),
        ),
        (
            "message_id_too_long",
            format!(r#"{{"type":"page","userId":"u","messageId":"{}"}}"#, "m".repeat(101)),
            Some("messageId"),
        ),
        (
            "integrations_unknown_key",
            line(r#""type":"page","integrations":{"braze":false}"#),
            Some("integrations.braze"),
        ),
        (
            "integrations_unknown_key",
            line(r#""type":"page","integrations":{"Mixpanel":true}"#),
            Some("integrations.Mixpanel"),
        ),
        (
            "segment_io_disabled",
            line(r#""type":"page","integrations":{"Segment.io":false}"#),
            Some("integrations[\"Segment.io\"]"),
        ),
        (
            "timestamp_invalid",
            line(r#""type":"page","sentAt":"yesterday""#),
            Some("sentAt"),
        ),
        (
            "timestamp_invalid",
            r#"{"type":"page","userId":"u","messageId":"m","timestamp":1700000000}"#.into(),
            Some("timestamp"),
        ),
        (
            "wrong_type",
            line(r#""type":"page","context":"yes""#),
            Some("context"),
        ),
        (
            "wrong_type",
            line(r#""type":"page","context":{"consent":[true]}"#),
            Some("context.consent"),
        ),
        (
            "wrong_type",
            line(r#""type":"page","context":{"device":"phone"}"#),
            Some("context.device"),
        ),
        (
            "wrong_type",
            line(r#""type":"page","integrations":["Braze"]"#),
            Some("integrations"),
        ),
        (
            "wrong_type",
            line(r#""type":"page","integrations":{"Braze":"off"}"#),
            Some("integrations.Braze"),
        ),
    ]
}

#[test]
fn every_code_is_reported_with_its_path() {
    for (code, input, path) in cases() {
        let o = one(&input);
        let f = o
            .findings
            .iter()
            .find(|f| f.code.as_str() == code)
            .unwrap_or_else(|| {
                panic!(
                    "{code} not found in {:?} for {}",
                    codes(&o),
                    &input[..input.len().min(200)]
                )
            });
        assert_eq!(f.path.as_deref(), path, "{code}");
        let errors = f.severity() == Severity::Error;
        assert_eq!(o.ingested(), !errors, "{code}: an error means not ingested");
    }
}

#[test]
fn every_stateless_code_has_a_case() {
    let stateful = [
        "duplicate_message_id",
        "consent_missing",
        "consent_changed_without_preference_event",
        // These need a tracking plan: tests/protocols.rs has their cases.
        "unplanned_event",
        "unplanned_property",
        "schema_violation",
        "common_schema_violation",
    ];
    let covered: Vec<&str> = cases().iter().map(|c| c.0).collect();
    // RudderStack's rules have cases of their own (src/rudder/validate.rs, and
    // samples/rudderstack in tests/cli.rs).
    let rudder = consent_inspector::rules::rudderstack::ingest::CODES.map(Code::as_str);
    for code in Code::ALL {
        let c = code.as_str();
        assert!(
            covered.contains(&c) || stateful.contains(&c) || rudder.contains(&c),
            "no case for {c}"
        );
    }
}

/// A messageId "limited to 100 characters" may have 100 (duplicate-data.md, Unify's limits).
#[test]
fn a_message_id_of_100_characters_is_within_the_limit() {
    let id = "é".repeat(100);
    let o = one(&format!(
        r#"{{"type":"page","userId":"u","messageId":"{id}"}}"#
    ));
    assert!(
        !codes(&o).contains(&"message_id_too_long"),
        "{:?}",
        codes(&o)
    );
    let o = one(&format!(
        r#"{{"type":"page","userId":"u","messageId":"{id}é"}}"#
    ));
    assert!(codes(&o).contains(&"message_id_too_long"));
}

#[test]
fn a_valid_event_has_no_findings() {
    let o = one(&line(
        r#""type":"track","event":"Order Completed","anonymousId":"a1","context":{"consent":{"version":2,"categoryPreferences":{"C0002":true}},"device":{"advertisingId":"idfa"}}"#,
    ));
    assert_eq!(codes(&o), Vec::<&str>::new());
}

#[test]
fn segment_messages_lead_each_message() {
    let o = one(r#"{"type":"page","messageId":"m"}"#);
    assert_eq!(
        o.findings[0].message,
        "The userID or anonymousID was not provided (both are absent or null)"
    );
    let o = one(r#"{"type":"page","messageId":"m","userId":"","anonymousId":7}"#);
    assert_eq!(
        o.findings[0].message,
        "The userID or anonymousId was an empty string or not a string: userId is an empty string, anonymousId is a number"
    );
    let o = one(&line(r#""type":"track""#));
    assert_eq!(
        o.findings[0].message,
        "Track event did not have event name (event is absent or null)"
    );
    for code in consent_inspector::rules::finding::Code::ALL {
        if code.author() == consent_inspector::rules::finding::Author::Segment {
            assert!(
                !code.about().ends_with('.'),
                "{code:?}: Segment's words, as written"
            );
        }
    }
    let o = one(&line(
        r#""type":"track","event":"Segment Consent Preference Updated""#,
    ));
    assert_eq!(
        o.findings[0].message,
        "context.consent.categoryPreferences object is required"
    );
}

#[test]
fn invalid_json_says_where_parsing_stopped() {
    let o = one(r#"{"type": "track", "event": }"#);
    assert_eq!(o.findings[0].message, "expected value at column 28");
    let o = one("{\"type\": \"tr\u{1b}ack\" \u{ff}");
    assert!(
        o.findings[0].message.contains("column"),
        "{}",
        o.findings[0].message
    );
}

#[test]
fn duplicate_message_ids_are_flagged_from_the_second() {
    let mut engine = consent_inspector::engine::Engine::new(common::workspace());
    let l = line(r#""type":"page""#);
    let outs = common::run(
        &mut engine,
        &[
            &l,
            &l,
            r#"{"type":"page","userId":"u1","messageId":"other"}"#,
        ],
    );
    assert_eq!(codes(&outs[0]), Vec::<&str>::new());
    assert_eq!(codes(&outs[1]), vec!["duplicate_message_id"]);
    assert!(
        outs[1]
            .routes
            .iter()
            .all(|r| r.decision.reason() == "duplicate")
    );
    assert_eq!(codes(&outs[2]), Vec::<&str>::new());
}

#[test]
fn several_errors_are_all_reported() {
    let o = one(
        r#"{"type":"track","event":"Segment Consent Preference Updated","context":{"consent":{"version":"x"}},"properties":1}"#,
    );
    let mut c = codes(&o);
    c.sort_unstable();
    assert_eq!(
        c,
        vec![
            "consent_categorypreferences_should_exist",
            "consent_version_should_be_number",
            "message_id_missing",
            "no_user_anon_id",
            "properties_not_object",
        ]
    );
}

#[test]
fn consent_fields_are_checked_on_the_preference_event_only() {
    // A wrong version or advertisingId is an error on the CPU event and a warning elsewhere;
    // a null preference is absent on an ordinary event and an error on the CPU event.
    let ordinary = one(&line(
        r#""type":"track","event":"e","context":{"consent":{"version":"2","categoryPreferences":{"C0002":null}},"device":{"advertisingId":1}}"#,
    ));
    assert!(ordinary.ingested());
    assert_eq!(codes(&ordinary), vec!["wrong_type", "wrong_type"]);
    assert_eq!(common::reason_of(&ordinary, "Amplitude"), "not_consented");
    let cpu = one(&line(
        r#""type":"track","event":"Segment Consent Preference Updated","context":{"consent":{"version":"2","categoryPreferences":{"C0002":null}},"device":{"advertisingId":1}}"#,
    ));
    assert!(!cpu.ingested());
    let mut c = codes(&cpu);
    c.sort_unstable();
    assert_eq!(
        c,
        vec![
            "consent_categorypreferences_fields_should_be_bool",
            "consent_version_should_be_number",
            "device_advertisingid_should_be_string",
        ]
    );
}

#[test]
fn a_batch_over_500_kb_rejects_every_element_but_keeps_their_fields() {
    let element = |id: &str| {
        format!(
            r#"{{"type":"page","userId":"u","messageId":"{id}","properties":{{"x":"{}"}}}}"#,
            "a".repeat(30_000)
        )
    };
    let els: Vec<String> = (0..18).map(|i| element(&format!("m{i}"))).collect();
    let big = format!(r#"{{"batch":[{}]}}"#, els.join(","));
    let outs = common::run(
        &mut consent_inspector::engine::Engine::new(common::workspace()),
        &[&big],
    );
    assert_eq!(outs.len(), 18);
    assert!(outs.iter().all(|o| !o.ingested()));
    assert_eq!(
        outs[17].event().unwrap().message_id().as_deref(),
        Some("m17")
    );
    assert_eq!(outs[0].discard(&outs[0].routes[0]), Some("batch_too_large"));
}

/// Segment rejects a batch of more than 2500 events whole: one record stands for them all,
/// and however many a line holds, its elements are counted, not built.
#[test]
fn a_batch_of_more_than_2500_events_is_one_record() {
    for n in [2501, 300_000] {
        let big = format!(r#"{{"batch":[{}{{}}]}}"#, "{},".repeat(n - 1));
        let outs = common::run(
            &mut consent_inspector::engine::Engine::new(common::workspace()),
            &[&big],
        );
        assert_eq!(outs.len(), 1, "{n}");
        let o = &outs[0];
        assert!(!o.ingested());
        assert_eq!(o.origin.index, None);
        assert_eq!(codes(o), ["batch_too_many_events"]);
        assert!(o.findings[0].message.contains(&format!("holds {n} events")));
        assert_eq!(o.discard(&o.routes[0]), Some("batch_too_many_events"));
    }
    // 2500 is within the limit: a record each.
    let fine = format!(
        r#"{{"batch":[{}{{"type":"page","userId":"u","messageId":"last"}}]}}"#,
        r#"{"type":"page","userId":"u","messageId":"m"},"#.repeat(2499)
    );
    let outs = common::run(
        &mut consent_inspector::engine::Engine::new(common::workspace()),
        &[&fine],
    );
    assert_eq!(outs.len(), 2500);
}

#[test]
fn duplicates_are_found_within_the_window_with_bounded_memory() {
    let mut engine =
        consent_inspector::engine::Engine::new(common::workspace()).with_dedup_window(3);
    let ev = |id: &str| format!(r#"{{"type":"page","userId":"u1","messageId":"{id}"}}"#);
    let lines: Vec<String> = ["a", "b", "c", "a", "d", "e", "f", "g", "h", "a"]
        .iter()
        .map(|i| ev(i))
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let outs = common::run(&mut engine, &refs);
    let dup: Vec<bool> = outs
        .iter()
        .map(|o| codes(o).contains(&"duplicate_message_id"))
        .collect();
    // "a" again within 3 is found; after more than twice the window it is forgotten.
    assert_eq!(
        dup,
        vec![
            false, false, false, true, false, false, false, false, false, false
        ]
    );
}
