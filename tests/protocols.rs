//! Segment's Protocols (docs/rules.md, "Protocols"): every example of the Protocols docs is a
//! fixed case here (segment-docs `protocols/enforce/schema-configuration.md`,
//! `protocols/faq.md`, `protocols/tracking-plan/create.md`), with the settings the example
//! names, and the verdict, the omission and `context.protocols` it describes.

mod common;

use std::process::Command;
use std::sync::Arc;

use consent_inspector::engine::{Engine, Outcome};
use consent_inspector::rules::segment::protocols;
use consent_inspector::rules::verdict::{Block, Control, Decision, Mode};
use consent_inspector::workspace::Workspace;
use serde_json::{Value, json};

const DRAFT7: &str = "http://json-schema.org/draft-07/schema#";

/// A TRACK rule planning `props` (JSON Schema per property) and requiring `required`.
fn track_rule(key: &str, version: u64, props: &Value, required: &[&str]) -> Value {
    json!({"type": "TRACK", "key": key, "version": version, "jsonSchema": {
        "$schema": DRAFT7, "type": "object",
        "properties": {"properties": {"type": "object", "properties": props, "required": required}}
    }})
}

fn traits_rule(kind: &str, traits: &Value) -> Value {
    json!({"type": kind, "version": 1, "jsonSchema": {
        "$schema": DRAFT7, "type": "object",
        "properties": {"traits": {"type": "object", "properties": traits}}
    }})
}

/// The common workspace (Amplitude, Braze, ..., Snowflake) with a Protocols block.
fn workspace(settings: &Value, rules: &[Value]) -> Arc<Workspace> {
    let mut own: Value = serde_json::from_str(common::SETTINGS).unwrap();
    let mut p = settings.clone();
    p["trackingPlan"] = json!({"data": {"rules": rules}});
    own["protocols"] = p;
    Arc::new(Workspace::from_slice("protocols.json", own.to_string().as_bytes()).unwrap())
}

fn consented(mut ev: Value) -> Value {
    ev["userId"] = json!("u1");
    ev["messageId"] = json!("m1");
    let ctx = ev
        .as_object_mut()
        .unwrap()
        .entry("context")
        .or_insert_with(|| json!({}));
    ctx["consent"] = json!({"categoryPreferences": {"C0001": true, "C0002": true, "C0003": true, "C0004": true}});
    ev
}

fn route(ws: &Arc<Workspace>, ev: &Value) -> Outcome {
    let mut engine = Engine::new(ws.clone());
    common::run(&mut engine, &[&ev.to_string()]).pop().unwrap()
}

fn evaluation(ws: &Workspace, o: &Outcome) -> protocols::Evaluation {
    protocols::evaluate(ws, o.event().unwrap()).unwrap()
}

fn blocked_by(o: &Outcome) -> Vec<(Control, String, Mode)> {
    o.routes
        .iter()
        .filter_map(|r| match &r.decision {
            Decision::Block(Block::FilteredAtSource { control, setting }) => {
                Some((*control, setting.clone(), r.mode))
            }
            _ => None,
        })
        .collect()
}

fn codes(o: &Outcome) -> Vec<(&'static str, Option<String>)> {
    o.findings
        .iter()
        .map(|f| (f.code.as_str(), f.path.clone()))
        .collect()
}

/// schema-configuration.md, "Track Calls - Unplanned Events": with `Subscription Cancelled`
/// planned and Block Event set, `analytics.track('subscription_cancelled')` is blocked (names
/// match exactly), for device-mode destinations too.
#[test]
fn an_unplanned_event_is_blocked_everywhere_and_names_match_exactly() {
    let ws = workspace(
        &json!({"track": {"allowUnplannedEvents": false}}),
        &[track_rule("Subscription Cancelled", 1, &json!({}), &[])],
    );
    let mut ev = consented(json!({"type": "track", "event": "subscription_cancelled"}));
    ev["_metadata"] = json!({"bundled": ["Amplitude"]});
    let o = route(&ws, &ev);
    let blocked = blocked_by(&o);
    assert_eq!(blocked.len(), o.routes.len(), "every destination");
    assert!(blocked.iter().any(|b| b.2 == Mode::Device));
    for (control, setting, _) in &blocked {
        assert_eq!(*control, Control::UnplannedEvent);
        assert_eq!(setting, "protocols.track.allowUnplannedEvents");
    }
    assert!(o.routes.iter().all(|r| o.discard(r) == Some("unplanned")));
    assert_eq!(codes(&o), [("unplanned_event", None)]);
    // The planned name goes through.
    let o = route(
        &ws,
        &consented(json!({"type": "track", "event": "Subscription Cancelled"})),
    );
    assert!(blocked_by(&o).is_empty());
    assert!(o.findings.is_empty(), "{:?}", codes(&o));
}

/// schema-configuration.md, "Track Calls - Unplanned Properties": with only `subscription_id`
/// planned and Omit Properties set, `subscription_name` is omitted, for cloud destinations
/// only ("Unplanned properties will not be omitted when sending to device-mode Destinations").
#[test]
fn unplanned_properties_are_omitted_in_cloud_mode_only() {
    let ws = workspace(
        &json!({"track": {"allowUnplannedEventProperties": false}}),
        &[track_rule(
            "Subscription Cancelled",
            1,
            &json!({"subscription_id": {"type": "string"}}),
            &[],
        )],
    );
    let mut ev = consented(json!({"type": "track", "event": "Subscription Cancelled",
        "properties": {"subscription_id": "23r90jfs9ej", "subscription_name": "premium"}}));
    ev["_metadata"] = json!({"bundled": ["Amplitude"]});
    let o = route(&ws, &ev);
    for r in &o.routes {
        assert!(r.decision.may_deliver(), "{:?}", r.decision);
        match r.mode {
            Mode::Cloud => assert_eq!(r.without(), ["properties.subscription_name"]),
            Mode::Device => assert!(r.without().is_empty()),
        }
    }
    let e = evaluation(&ws, &o);
    assert_eq!(e.omitted, ["subscription_name"]);
    assert_eq!(
        e.context_protocols(),
        Some(json!({"omitted": ["subscription_name"]}))
    );
    assert_eq!(
        codes(&o),
        [(
            "unplanned_property",
            Some("properties.subscription_name".to_owned())
        )]
    );
}

/// schema-configuration.md, "Block Track Calls - Common JSON Schema Violations": with
/// `subscription_id` required, `analytics.track('Subscription Cancelled', {customer_type:
/// 'enterprise'})` is blocked (Block Event), for cloud destinations only.
#[test]
fn a_required_property_missing_blocks_the_call_in_cloud_mode() {
    let rule = track_rule(
        "Subscription Cancelled",
        1,
        &json!({"subscription_id": {"type": "string"}}),
        &["subscription_id"],
    );
    let mut ev = consented(json!({"type": "track", "event": "Subscription Cancelled",
        "properties": {"customer_type": "enterprise"}}));
    ev["_metadata"] = json!({"bundled": ["Amplitude"]});
    // Its own rule, with violations blocked.
    let ws = workspace(
        &json!({"track": {"allowEventOnViolations": false}}),
        std::slice::from_ref(&rule),
    );
    let o = route(&ws, &ev);
    let blocked = blocked_by(&o);
    assert_eq!(blocked.len(), o.routes.len() - 1);
    assert!(blocked.iter().all(|b| b.0 == Control::SchemaViolation
        && b.1 == "protocols.track.allowEventOnViolations"
        && b.2 == Mode::Cloud));
    let amplitude = ws.destination("Amplitude").unwrap();
    assert!(o.routes[amplitude].decision.delivered());
    assert_eq!(
        o.discard(&o.routes[amplitude]),
        Some("MESSAGE_SENT_CLIENT_SIDE")
    );
    let e = evaluation(&ws, &o);
    assert_eq!(e.violations.len(), 1);
    assert_eq!(e.violations[0].kind, "Required");
    assert_eq!(e.violations[0].field, "properties.subscription_id");
    assert_eq!(e.violations[0].description, "subscription_id is required");
    assert!(codes(&o).contains(&(
        "schema_violation",
        Some("properties.subscription_id".to_owned())
    )));
    // The same requirement in the common JSON schema, Block Event.
    let common = json!({"type": "COMMON", "version": 1, "jsonSchema": {"$schema": DRAFT7,
        "properties": {"properties": {"required": ["subscription_id"]}}}});
    let ws = workspace(
        &json!({"track": {"commonEventOnViolations": "BLOCK"}}),
        &[
            track_rule("Subscription Cancelled", 1, &json!({}), &[]),
            common,
        ],
    );
    let o = route(&ws, &ev);
    assert!(
        blocked_by(&o)
            .iter()
            .all(|b| b.0 == Control::CommonSchemaViolation
                && b.1 == "protocols.track.commonEventOnViolations")
    );
    assert_eq!(blocked_by(&o).len(), o.routes.len() - 1);
    assert!(
        o.routes
            .iter()
            .any(|r| o.discard(r) == Some("common_schema_violation"))
    );
    assert!(codes(&o).contains(&(
        "common_schema_violation",
        Some("properties.subscription_id".to_owned())
    )));
}

/// schema-configuration.md, "Identify Calls - Unplanned Traits": with `name`, `email` and
/// `join_date` planned, `analytics.identify('fe923fjid', {email: 'roger@example.com',
/// first_name: 'Roger'})` has `first_name` omitted.
#[test]
fn unplanned_traits_are_omitted() {
    let ws = workspace(
        &json!({"identify": {"allowUnplannedTraits": false}}),
        &[traits_rule(
            "IDENTIFY",
            &json!({"name": {}, "email": {}, "join_date": {}}),
        )],
    );
    let ev = consented(json!({"type": "identify", "userId": "fe923fjid",
        "traits": {"email": "roger@example.com", "first_name": "Roger"}}));
    let o = route(&ws, &ev);
    let amplitude = ws.destination("Amplitude").unwrap();
    assert_eq!(o.routes[amplitude].without(), ["traits.first_name"]);
    assert_eq!(evaluation(&ws, &o).omitted, ["first_name"]);
}

/// faq.md, "Why are unplanned properties not showing up as blocked": the payload it shows,
/// `context.protocols` with `omitted`, `omitted_on_violation`, `sourceId` and two "Invalid
/// Type" violations, word for word.
#[test]
fn context_protocols_is_the_faq_s_example() {
    let ws = workspace(
        &json!({"sourceId": "1234", "track": {
            "allowUnplannedEventProperties": false,
            "allowPropertiesOnViolations": false
        }}),
        &[track_rule(
            "Example",
            1,
            &json!({"integer": {"type": "integer"}, "string": {"type": "string"}}),
            &[],
        )],
    );
    let ev = consented(json!({"type": "track", "event": "Example",
        "properties": {"integer": 1.5, "string": 7, "newProperty": true}}));
    let o = route(&ws, &ev);
    assert_eq!(
        evaluation(&ws, &o).context_protocols().unwrap(),
        json!({
            "omitted": ["newProperty"],
            "omitted_on_violation": ["integer", "string"],
            "sourceId": "1234",
            "violations": [
                {"type": "Invalid Type", "field": "properties.integer",
                 "description": "Invalid type. Expected: integer, given: number"},
                {"type": "Invalid Type", "field": "properties.string",
                 "description": "Invalid type. Expected: string, given: integer"}
            ]
        })
    );
    let amplitude = ws.destination("Amplitude").unwrap();
    assert_eq!(
        o.routes[amplitude].without(),
        [
            "properties.newProperty",
            "properties.integer",
            "properties.string"
        ]
    );
}

/// create.md, "Tracking Plan event versioning": `context.protocols.event_version` picks the
/// version; without it, or with one the plan does not have, the oldest.
#[test]
fn the_event_version_picks_the_rule() {
    let ws = workspace(
        &json!({"track": {"allowEventOnViolations": false}}),
        &[
            track_rule("Order Completed", 1, &json!({}), &["order_id"]),
            track_rule("Order Completed", 2, &json!({}), &["order_id", "currency"]),
        ],
    );
    let ev = |version: Option<Value>| {
        let mut e = consented(json!({"type": "track", "event": "Order Completed",
            "properties": {"order_id": "o-1"}}));
        if let Some(v) = version {
            e["context"]["protocols"] = json!({"event_version": v});
        }
        e
    };
    for (version, rule, blocked) in [
        (None, "TRACK \"Order Completed\" v1", false),
        (Some(json!(2)), "TRACK \"Order Completed\" v2", true),
        (Some(json!(7)), "TRACK \"Order Completed\" v1", false),
        (Some(json!("2")), "TRACK \"Order Completed\" v1", false),
    ] {
        let o = route(&ws, &ev(version.clone()));
        assert_eq!(
            evaluation(&ws, &o).rule.as_deref(),
            Some(rule),
            "{version:?}"
        );
        assert_eq!(!blocked_by(&o).is_empty(), blocked, "{version:?}");
    }
}

/// delivery-overview-discards.html, "Unplanned and schema violation": an unplanned event that
/// also breaks the common JSON schema.
#[test]
fn unplanned_and_common_violation_is_its_own_code() {
    let common = json!({"type": "COMMON", "version": 1, "jsonSchema": {"$schema": DRAFT7,
        "properties": {"context": {"required": ["app"]}}}});
    let ws = workspace(
        &json!({"track": {"allowUnplannedEvents": false}}),
        &[common],
    );
    let o = route(
        &ws,
        &consented(json!({"type": "track", "event": "Never Planned"})),
    );
    let blocked = blocked_by(&o);
    assert_eq!(blocked.len(), o.routes.len());
    assert!(
        blocked
            .iter()
            .all(|b| b.0 == Control::UnplannedAndSchemaViolation)
    );
    assert!(
        o.routes
            .iter()
            .all(|r| o.discard(r) == Some("unplanned_and_schema_violation"))
    );
    assert!(codes(&o).contains(&("common_schema_violation", Some("context.app".to_owned()))));
}

/// Without settings, Protocols report and change nothing (Segment's defaults allow); page
/// rules are reported only.
#[test]
fn the_defaults_report_and_change_nothing() {
    let page = json!({"type": "PAGE", "key": "Pricing", "version": 1, "jsonSchema": {
        "properties": {"properties": {"properties": {"path": {"type": "string"}}}}}});
    let ws = workspace(
        &json!({}),
        &[
            track_rule("Signed Up", 1, &json!({"plan": {"enum": ["pro"]}}), &[]),
            page,
        ],
    );
    let o = route(
        &ws,
        &consented(
            json!({"type": "track", "event": "Signed Up", "properties": {"plan": "x", "extra": 1}}),
        ),
    );
    assert!(blocked_by(&o).is_empty());
    assert!(o.routes.iter().all(|r| r.without().is_empty()));
    assert_eq!(
        codes(&o),
        [("schema_violation", Some("properties.plan".to_owned()))]
    );
    assert_eq!(evaluation(&ws, &o).unplanned, ["properties.extra"]);
    let o = route(
        &ws,
        &consented(json!({"type": "page", "name": "Pricing", "properties": {"path": 3}})),
    );
    assert!(blocked_by(&o).is_empty());
    assert_eq!(
        codes(&o),
        [("schema_violation", Some("properties.path".to_owned()))]
    );
}

/// `consent-inspector <args> FILE samples/protocols/events.jsonl`.
fn on_sample(args: &[&str], file: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(args)
        .arg(file)
        .arg("samples/protocols/events.jsonl")
        .output()
        .unwrap()
}

/// `--tracking-plan` over the settings' own, on the sample; a plan that cannot be used is an
/// error placed in its file.
#[test]
fn the_tracking_plan_option_replaces_the_settings_own() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    // The sample's plan without its identify rule: line 12's traits are all unplanned.
    std::fs::write(
        &plan,
        json!({"data": {"rules": [{"type": "TRACK", "key": "Signed Up", "version": 1, "jsonSchema": {}}]}})
            .to_string(),
    )
    .unwrap();
    let o = on_sample(&["route", "--tracking-plan"], &plan);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[11]["source"]["rule"], Value::Null);
    assert_eq!(
        lines[11]["source"]["omitted"],
        json!(["email", "name", "age"])
    );
    // Order Completed is now unplanned, and blocked.
    assert_eq!(lines[3]["routes"][0]["control"], "unplanned_event");
    std::fs::write(
        &plan,
        "{\"rules\": [\n  {\"type\": \"TRACK\", \"key\": \"X\", \"jsonSchema\": {\"type\": 12}}\n]}",
    )
    .unwrap();
    let o = on_sample(&["route", "--tracking-plan"], &plan);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains(&format!("{}:2:", plan.display()))
            && err.contains("rule 1 (TRACK \"X\"): its JSON Schema does not compile"),
        "{err}"
    );
}

/// `check --policy`: the source's controls are policy keys (`control`, the new reasons and
/// discards), and the Protocols findings are report codes.
#[test]
fn a_policy_names_source_controls() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.toml");
    std::fs::write(
        &policy,
        "never = [\n  { destination = \"Snowflake\", control = \"schema_violation\" },\n  { reason = \"filtered_at_source\", discard = \"unplanned\" },\n  { control = \"schema_event_filter\", mode = \"device\" },\n]\n",
    )
    .unwrap();
    let o = on_sample(&["check", "--format", "json", "--policy"], &policy);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules = doc["policy"]["rules"].as_array().unwrap();
    assert_eq!(
        rules[0]["never"],
        "destination = \"Snowflake\", control = \"schema_violation\""
    );
    // Line 8: the warehouse loses a Signed Up that broke its rule.
    assert_eq!(rules[0]["count"], 1);
    assert_eq!(rules[0]["places"][0]["line"], 8);
    // Lines 3 (Coupon Applied), five destinations each.
    assert_eq!(rules[1]["count"], 5);
    assert_eq!(rules[2]["count"], 0);
    let text = doc.to_string();
    for code in [
        "schema_violation",
        "common_schema_violation",
        "unplanned_event",
        "unplanned_property",
    ] {
        assert!(text.contains(&format!("\"{code}\"")), "{code}: {text}");
    }
    let o = on_sample(&["check", "--policy"], &policy);
    std::fs::write(&policy, "never = [{ control = \"schema_violations\" }]\n").unwrap();
    let o2 = on_sample(&["check", "--policy"], &policy);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(o2.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o2.stderr).contains("schema_violation"));
}
