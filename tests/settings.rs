//! Workspace settings in both shapes, and the errors a broken settings file gets.

use consent_inspector::engine::Engine;
use consent_inspector::read::input::Records;
use consent_inspector::workspace::{DestinationKind, Shape, Workspace};
use std::sync::Arc;

mod common;

fn err(text: &str) -> String {
    Workspace::from_slice("ws.json", text.as_bytes())
        .unwrap_err()
        .to_string()
}

#[test]
fn sample_settings_load_in_both_shapes_and_route_identically() {
    let own = Workspace::load("samples/consent-settings.json".as_ref()).unwrap();
    let cdn = Workspace::load("samples/cdn-settings.json".as_ref()).unwrap();
    assert_eq!(own.shape, Shape::Own);
    assert_eq!(cdn.shape, Shape::SegmentCdn);
    assert_eq!(own.destinations, cdn.destinations);
    let ids = |w: &Workspace| {
        w.categories
            .iter()
            .map(|c| c.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&own), ids(&cdn));
    assert_eq!(
        cdn.categories[3].name, "C0004",
        "CDN category names default to ids"
    );
    assert_eq!(own.categories[3].name, "Targeting");
    assert!(cdn.destination("Segment.io").is_none());
    assert_eq!(
        cdn.destinations[cdn.destination("Amazon S3").unwrap()].kind,
        DestinationKind::AwsS3
    );

    let decisions = |w: Workspace| -> Vec<Vec<&'static str>> {
        let mut e = Engine::new(Arc::new(w));
        Records::open("samples/events.jsonl")
            .unwrap()
            .map(|r| {
                e.ingest(r.unwrap())
                    .routes
                    .iter()
                    .map(|r| r.decision.reason())
                    .collect()
            })
            .collect()
    };
    assert_eq!(decisions(own), decisions(cdn));
}

#[test]
fn errors_name_the_file_the_place_and_the_problem() {
    let cases = [
        (
            "{\"categories\": [",
            "ws.json:1:16: EOF while parsing a list",
        ),
        (
            "{\"categories\": [{\"id\": \"C1\"}],\n \"destinations\": [{\"name\": \"A\", \"categories\": [\"C1\", \"C9\"]}]}",
            "ws.json:2:54: destination \"A\" is mapped to unknown category \"C9\" (known: C1)",
        ),
        (
            "{\"categories\": [\n  {\"id\": \"C1\"},\n  {\"id\": \"C1\"}\n]}",
            "ws.json:3:10: duplicate category id \"C1\"",
        ),
        (
            "{\"categories\": [{\"id\": \"1st\"}]}",
            "ws.json:1:24: category id \"1st\" starts with a digit (Segment does not allow that)",
        ),
        (
            &format!("{{\"categories\": [{{\"id\": \"{}\"}}]}}", "x".repeat(35)),
            "ws.json:1:24: category id \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" is 35 characters long; it must be shorter than 35",
        ),
        (
            "{\"categories\": [{\"id\": \"\"}]}",
            "ws.json:1:24: category id is empty",
        ),
        (
            "{\"categories\": [{\"id\": \"C1\", \"enabeld\": false}]}",
            "ws.json:1:38: categories[0].enabeld: unknown field `enabeld`, expected one of `id`, `name`, `enabled`",
        ),
        (
            "{\"categories\": [{\"name\": \"x\"}]}",
            "ws.json:1:29: categories[0]: missing field `id`",
        ),
        (
            "{\"categories\": [], \"destinations\": [{\"name\": \"A\"}, {\"name\": \"A\"}]}",
            "ws.json:1:61: duplicate destination name \"A\"",
        ),
        (
            "{\"categories\": [], \"destinations\": [{\"name\": \"A\", \"kind\": \"s3\"}]}",
            "ws.json:1:59: destination \"A\": unknown kind \"s3\" (expected one of event-stream, function, aws-s3, engage, warehouse)",
        ),
        (
            "{\"categories\": [], \"externalIds\": [\"email\", \"email\"]}",
            "ws.json:1:45: external id \"email\" is listed twice",
        ),
        (
            "{\"categories\": [], \"externalIds\": [\" \"]}",
            "ws.json:1:36: external id is empty",
        ),
        ("[1]", "ws.json:1:1: settings must be a JSON object"),
        (
            "{\"foo\": 1}",
            "ws.json:1:1: not a settings file: expected our shape (\"categories\", \"destinations\"), Segment's CDN settings (\"integrations\") or RudderStack's source config (\"source\" or \"sources\")",
        ),
        (
            "{\"integrations\": {\"Braze\": {\"consentSettings\": {\"categories\": \"C1\"}}}}",
            "ws.json:1:48: integration \"Braze\": consentSettings: invalid type: string \"C1\", expected a sequence",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(err(text), expected, "{text}");
    }
}

/// CDN settings whose integration names a category allCategories lacks: analytics.js still
/// loads the integration, so the settings are read, the category added, and a warning placed
/// at the id (issue 38; `lint` reports it as the error `cdn_category_missing`).
#[test]
fn a_cdn_category_that_all_categories_lacks_is_a_warning() {
    let text = "{\"integrations\": {\"Braze\": {\"consentSettings\": {\"categories\": [\"C9\"]}}}, \"consentSettings\": {\"allCategories\": []}}";
    let ws = Workspace::from_slice("ws.json", text.as_bytes()).unwrap();
    assert_eq!(
        ws.warnings,
        [
            "ws.json:1:64: Braze is mapped to C9, which allCategories lacks: the consent wrapper sends no preference for it, so Braze is blocked for every event that carries consent but none for C9"
        ]
    );
    let braze = ws.destination("Braze").unwrap();
    assert_eq!(ws.destinations[braze].categories.len(), 1);
    assert_eq!(ws.categories[0].id, "C9");
}

#[test]
fn every_wrong_type_names_the_field() {
    let cases = [
        (
            "{\"categories\": {}}",
            "ws.json:1:15: categories: invalid type: map, expected a sequence",
        ),
        (
            "{\"categories\": [{\"id\": 5}]}",
            "ws.json:1:24: categories[0].id: invalid type: integer `5`, expected a string",
        ),
        (
            "{\"categories\": [{\"id\": \"C1\", \"name\": []}]}",
            "ws.json:1:37: categories[0].name: invalid type: sequence, expected a string",
        ),
        (
            "{\"categories\": [{\"id\": \"C1\", \"enabled\": \"no\"}]}",
            "ws.json:1:44: categories[0].enabled: invalid type: string \"no\", expected a boolean",
        ),
        (
            "{\"categories\": [7]}",
            "ws.json:1:17: categories[0]: invalid type: integer `7`, expected struct OwnCategory",
        ),
        (
            "{\"categories\": [], \"destinations\": {\"a\": 1}}",
            "ws.json:1:35: destinations: invalid type: map, expected a sequence",
        ),
        (
            "{\"categories\": [], \"destinations\": [{\"name\": true}]}",
            "ws.json:1:49: destinations[0].name: invalid type: boolean `true`, expected a string",
        ),
        (
            "{\"categories\": [], \"destinations\": [{\"name\": \"A\", \"categories\": \"C1\"}]}",
            "ws.json:1:68: destinations[0].categories: invalid type: string \"C1\", expected a sequence",
        ),
        (
            "{\"categories\": [], \"destinations\": [{\"name\": \"A\", \"categories\": [1]}]}",
            "ws.json:1:66: destinations[0].categories[0]: invalid type: integer `1`, expected a string",
        ),
        (
            "{\"categories\": [], \"destinations\": [{\"name\": \"A\", \"kind\": 3}]}",
            "ws.json:1:59: destinations[0].kind: invalid type: integer `3`, expected a string",
        ),
        (
            "{\"integrations\": []}",
            "ws.json:1:17: integrations: invalid type: sequence, expected a map",
        ),
        (
            "{\"integrations\": {}, \"consentSettings\": {\"allCategories\": \"C1\"}}",
            "ws.json:1:62: consentSettings.allCategories: invalid type: string \"C1\", expected a sequence",
        ),
        (
            "{\"integrations\": {}, \"consentSettings\": {\"allCategories\": [1]}}",
            "ws.json:1:60: consentSettings.allCategories[0]: invalid type: integer `1`, expected a string",
        ),
    ];
    let mut wrong = Vec::new();
    for (text, expected) in cases {
        let got = err(text);
        if got != expected {
            wrong.push(format!("{text}\n  got:  {got}\n  want: {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_missing_file_is_named() {
    let e = Workspace::load("no/such/settings.json".as_ref())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("no/such/settings.json: cannot read settings: "),
        "{e}"
    );
}

#[test]
fn disabled_categories_are_left_out_of_mappings() {
    let ws = Workspace::from_slice(
        "ws.json",
        br#"{"categories": [{"id": "A"}, {"id": "B", "enabled": false}],
             "destinations": [{"name": "D", "categories": ["A", "B"]}, {"name": "E", "categories": ["B"]}]}"#,
    )
    .unwrap();
    assert_eq!(ws.required(0), 0b01);
    assert_eq!(ws.required(1), 0);
}

#[test]
fn too_many_categories_is_an_error() {
    let cats: Vec<String> = (0..65).map(|i| format!("{{\"id\": \"C{i}\"}}")).collect();
    let text = format!("{{\"categories\": [{}]}}", cats.join(","));
    assert!(
        err(&text).contains("more than 64 categories"),
        "{}",
        err(&text)
    );
}

#[test]
fn text_from_the_file_in_an_error_is_shown_inertly() {
    // Found by fuzzing: serde_json quotes an unknown key as it is.
    let e = err(r#"{"categories": [], "x\u001b[2J\u007f": 1}"#);
    assert!(e.contains("unknown field `x\\e[2J\\u{7f}`"), "{e}");
    assert!(!e.chars().any(consent_inspector::text::is_unsafe), "{e}");
}

#[test]
fn warehouses_and_external_ids_are_read_from_our_shape() {
    let ws = consent_inspector::workspace::Workspace::from_slice(
        "ws.json",
        br#"{"categories": [{"id": "C1"}], "externalIds": ["email", "phone"],
             "destinations": [{"name": "Snowflake", "categories": ["C1"], "kind": "warehouse"}]}"#,
    )
    .unwrap();
    assert_eq!(ws.external_ids, ["email", "phone"]);
    let kind = ws.destinations[0].kind;
    assert_eq!(
        kind,
        consent_inspector::workspace::DestinationKind::Warehouse
    );
    assert!(kind.enforces_consent());
    assert!(!kind.honours_integrations());
}

#[test]
fn the_cdn_shape_written_reads_back_as_the_same_routing() {
    let ws = Workspace::load(std::path::Path::new("samples/consent-settings.json")).unwrap();
    let cdn = ws.to_cdn("wk", "localhost:8787/v1", "http");
    assert_eq!(
        cdn["integrations"]["Segment.io"]["apiHost"],
        "localhost:8787/v1"
    );
    let back = Workspace::from_slice("cdn.json", cdn.to_string().as_bytes()).unwrap();
    let names = |w: &Workspace| -> Vec<(String, u64)> {
        w.destinations
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.clone(), w.required(i)))
            .collect()
    };
    assert_eq!(names(&back), names(&ws));
}

/// A snapshot's disabled destination is in no CDN settings `listen` serves: Segment's CDN
/// leaves it out, so analytics.js never loads it.
#[test]
fn a_disabled_destination_is_left_out_of_the_cdn_shape() {
    let ws = Workspace::load(std::path::Path::new(
        "samples/workspace/consent-settings.json",
    ))
    .unwrap();
    let hotjar = ws.destination("Hotjar").unwrap();
    assert!(!ws.destinations[hotjar].enabled);
    let cdn = ws.to_cdn("wk", "localhost:8787/v1", "http");
    assert!(cdn["integrations"].get("Hotjar").is_none(), "{cdn}");
    assert!(cdn["integrations"].get("Braze").is_some(), "{cdn}");
}

#[test]
fn destination_filters_travel_through_the_cdn_shape_as_routing_rules() {
    use consent_inspector::engine::Engine;
    use consent_inspector::read::input::Records;
    let ws = Workspace::load(std::path::Path::new(
        "samples/filters/consent-settings.json",
    ))
    .unwrap();
    // What listen serves analytics.js: the filters as tsub's routing rules.
    let cdn = ws.to_cdn("wk", "localhost:8787/v1", "http");
    let rules = cdn["middlewareSettings"]["routingRules"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = rules
        .iter()
        .map(|r| r["destinationName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Intercom",
            "Mixpanel",
            "Google Analytics 4",
            "Braze",
            "Amazon S3"
        ]
    );
    assert_eq!(
        rules[1]["transformers"][0][0],
        serde_json::json!({"type": "sample_event", "config": {"sample": {"percent": 0.5, "path": "userId"}}})
    );
    let ir: serde_json::Value =
        serde_json::from_str(rules[2]["matchers"][0]["ir"].as_str().unwrap()).unwrap();
    assert_eq!(
        ir,
        serde_json::json!(["match", "context.traits.email", {"value": "*@example-corp.com"}])
    );
    // Read back from the CDN shape, the filters decide as they did (Actions mappings, insert
    // functions and a destination function's handlers are not part of the CDN settings, so
    // those destinations are left out).
    let back = Workspace::from_slice("cdn.json", cdn.to_string().as_bytes()).unwrap();
    let kept: Vec<String> = ws
        .destinations
        .iter()
        .filter(|d| {
            d.mappings.is_none()
                && !d.name.contains("(Actions)")
                && d.insert_function.is_none()
                && d.kind != DestinationKind::Function
        })
        .map(|d| d.name.clone())
        .collect();
    let verdicts = |ws: Workspace| {
        let ws = std::sync::Arc::new(ws);
        let mut engine = Engine::new(ws.clone());
        let mut out = Vec::new();
        for r in Records::open("samples/filters/events.jsonl").unwrap() {
            let o = engine.ingest(r.unwrap());
            out.push(
                o.routes
                    .iter()
                    .filter(|r| kept.contains(&ws.destinations[r.destination].name))
                    .map(|r| (r.decision.reason(), r.removed.clone()))
                    .collect::<Vec<_>>(),
            );
        }
        out
    };
    assert_eq!(verdicts(back), verdicts(ws));
}

#[test]
fn a_byte_order_mark_before_the_settings_is_skipped() {
    let plain = std::fs::read("samples/consent-settings.json").unwrap();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(&plain);
    let with = Workspace::from_slice("bom.json", &bom).expect("a BOM is skipped");
    let without = Workspace::from_slice("plain.json", &plain).unwrap();
    assert_eq!(with.destinations, without.destinations);
    // Mistakes after it are placed as in the file without it.
    let err = Workspace::from_slice("bom.json", b"\xEF\xBB\xBF{\"categories\": [}")
        .unwrap_err()
        .to_string();
    let plain_err = Workspace::from_slice("bom.json", b"{\"categories\": [}")
        .unwrap_err()
        .to_string();
    assert_eq!(err, plain_err);
    assert!(err.starts_with("bom.json:1:17:"), "{err}");
}

/// Issue 36: `--settings` on a symlink to `/dev/zero` grew to 2-5.6 GB in 4 s. A settings file
/// is read up to 32 MiB and refused past it (docs/commands.md, "Limits"), by the command, by
/// the library, and so by every entry point (the Python `Workspace.load` calls `load`).
#[cfg(unix)]
#[test]
fn a_settings_file_is_read_up_to_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("consent-settings.json");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let err = Workspace::load(&link).unwrap_err().to_string();
    assert!(
        err.ends_with("consent-settings.json: cannot read settings: the file is over 32 MiB, the most this tool reads (is it the right file?)"),
        "{err}"
    );
    for command in ["route", "lint"] {
        let m = common::measured(
            std::process::Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
                .args([command, "--settings"])
                .arg(&link)
                .arg("samples/events.jsonl")
                .env("XDG_CONFIG_HOME", "/nonexistent"),
        );
        let said = String::from_utf8_lossy(&m.stderr);
        assert_eq!(m.code, Some(2), "{command}: {said}");
        assert!(said.contains("is over 32 MiB"), "{command}: {said}");
        assert!(
            m.peak_kib < 160 * 1024,
            "{command}: peak {} KiB",
            m.peak_kib
        );
    }
}
