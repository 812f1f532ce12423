//! Segment's source stage (docs/rules.md, "Source stage"): the CDN `plan`'s schema event
//! filters, unplanned events and per-source schema integration filters, each case an example
//! of the sources it follows (segment-docs `guides/filtering-data.md`,
//! `protocols/enforce/schema-configuration.md`; analytics-next `schema-filter`,
//! `is-plan-event-enabled`).

mod common;

use std::sync::Arc;

use consent_inspector::engine::{Engine, Outcome};
use consent_inspector::rules::verdict::{Block, Control, Decision, Mode};
use consent_inspector::workspace::Workspace;
use serde_json::{Value, json};

/// The common workspace with `plan` added, in the shape given (ours, or the CDN's).
fn workspace_with(plan: &Value, cdn: bool) -> Arc<Workspace> {
    let text = if cdn {
        json!({
            "integrations": {
                "Segment.io": {"apiKey": "k"},
                "Amplitude": {"consentSettings": {"categories": ["C0002"]}},
                "Appsflyer": {"consentSettings": {"categories": []}},
                "Amazon S3": {"consentSettings": {"categories": []}},
            },
            "consentSettings": {"allCategories": ["C0002"]},
            "plan": plan,
        })
    } else {
        let mut own: Value = serde_json::from_str(common::SETTINGS).unwrap();
        own["destinations"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "Appsflyer", "categories": []}));
        own["plan"] = plan.clone();
        own
    };
    Arc::new(Workspace::from_slice("plan.json", text.to_string().as_bytes()).unwrap())
}

fn route(ws: &Arc<Workspace>, ev: &Value) -> Outcome {
    let mut engine = Engine::new(ws.clone());
    common::run(&mut engine, &[&ev.to_string()]).pop().unwrap()
}

fn decision<'a>(ws: &Workspace, o: &'a Outcome, dest: &str) -> &'a Decision {
    let d = ws.destination(dest).unwrap();
    &o.routes
        .iter()
        .find(|r| r.destination == d)
        .unwrap()
        .decision
}

fn track(name: &str) -> Value {
    json!({"type": "track", "event": name, "userId": "u1", "messageId": "m1",
           "context": {"consent": {"categoryPreferences": {"C0001": true, "C0002": true, "C0003": true, "C0004": true}}}})
}

/// filtering-data.md, "Schema event filters": a blocked event reaches no destination,
/// "including warehouses", and the browser drops it too (schema-filter sets `All: false`).
#[test]
fn a_blocked_event_reaches_no_destination_warehouses_and_device_mode_included() {
    for cdn in [false, true] {
        let ws = workspace_with(
            &json!({"track": {"Blocked Event": {"enabled": false}}}),
            cdn,
        );
        let mut ev = track("Blocked Event");
        ev["_metadata"] = json!({"bundled": ["Amplitude"]});
        let o = route(&ws, &ev);
        assert!(o.ingested());
        for r in &o.routes {
            assert_eq!(
                r.decision,
                Decision::Block(Block::FilteredAtSource {
                    control: Control::SchemaEventFilter,
                    setting: "plan.track[\"Blocked Event\"].enabled".into(),
                }),
                "{}",
                ws.destinations[r.destination].name
            );
            // Delivery Overview: Filtered at Source, whoever would have sent it.
            assert_eq!(
                o.discard(r),
                Some("event_setting"),
                "{:?} {}",
                r.mode,
                ws.destinations[r.destination].name
            );
        }
        assert!(o.routes.iter().any(|r| r.mode == Mode::Device));
        // Another event goes on as before.
        let o = route(&ws, &track("Signed Up"));
        assert_eq!(decision(&ws, &o, "Amplitude").reason(), "consented");
    }
}

/// is-plan-event-enabled.ts: the event's own boolean, then `__default`, then enabled.
/// schema-configuration.md: "if you include a Subscription Cancelled event in your Tracking
/// Plan, the example track call below would be blocked": names match exactly.
#[test]
fn unplanned_events_are_blocked_by_default_off_and_names_match_exactly() {
    let ws = workspace_with(
        &json!({"track": {
            "Subscription Cancelled": {"enabled": true},
            "Odd": {"enabled": "yes"},
            "__default": {"enabled": false}
        }}),
        false,
    );
    let o = route(&ws, &track("Subscription Cancelled"));
    assert_eq!(decision(&ws, &o, "Amplitude").reason(), "consented");
    for name in ["subscription_cancelled", "Odd", "Never Planned"] {
        let o = route(&ws, &track(name));
        for r in &o.routes {
            assert!(
                matches!(
                    &r.decision,
                    Decision::Block(Block::FilteredAtSource {
                        control: Control::UnplannedEvent,
                        ..
                    })
                ),
                "{name}: {:?}",
                r.decision
            );
            assert_eq!(o.discard(r), Some("unplanned"));
        }
    }
    // The plan is for track events: a page, an identify, go on.
    let page = json!({"type": "page", "name": "Home", "userId": "u1"});
    let identify = json!({"type": "identify", "userId": "u1", "traits": {"email": "a@b.c"}});
    for ev in [page, identify] {
        let o = route(&ws, &ev);
        assert!(
            o.routes.iter().all(|r| r.decision.may_deliver()),
            "{ev}: {:?}",
            o.routes
        );
    }
}

/// filtering-data.md, "Per-source schema integration filters": one destination off for one
/// event; warehouses (and S3, which ignores the integrations object) are not in the list.
#[test]
fn a_schema_integration_filter_turns_one_destination_off_after_consent() {
    let ws = workspace_with(
        &json!({"track": {"Order Completed": {"enabled": true, "integrations": {
            "Amplitude": false, "Snowflake": false, "Amazon S3": false, "Braze": true
        }}}}),
        false,
    );
    let o = route(&ws, &track("Order Completed"));
    assert!(matches!(
        decision(&ws, &o, "Amplitude"),
        Decision::Block(Block::SchemaIntegrationFilter { setting, .. })
            if setting == "plan.track[\"Order Completed\"].integrations[\"Amplitude\"]"
    ));
    let amplitude = &o.routes[ws.destination("Amplitude").unwrap()];
    assert_eq!(
        o.discard(amplitude),
        Some("FILTERED_BY_INTEGRATIONS_OBJECT")
    );
    for unaffected in ["Snowflake", "Amazon S3", "Braze", "SendGrid"] {
        assert!(
            decision(&ws, &o, unaffected).delivered(),
            "{unaffected}: {:?}",
            decision(&ws, &o, unaffected)
        );
    }
    // Consent speaks first: a route consent blocks stays not_consented.
    let mut denied = track("Order Completed");
    denied["context"]["consent"]["categoryPreferences"]["C0002"] = json!(false);
    let o = route(&ws, &denied);
    assert_eq!(decision(&ws, &o, "Amplitude").reason(), "not_consented");
}

/// The sources disagree on the event's own integrations object; each mode follows its
/// sender. filtering-data.md's Appsflyer example: the event's object sets a value, so the
/// servers send it downstream; analytics.js merges the plan over the event in the browser.
#[test]
fn the_event_s_own_flag_stands_in_cloud_mode_and_the_plan_s_goes_over_it_in_the_browser() {
    for cdn in [false, true] {
        let ws = workspace_with(
            &json!({"track": {"Order Completed": {"enabled": true, "integrations": {
                "Appsflyer": false, "Amplitude": true
            }}}}),
            cdn,
        );
        let mut ev = track("Order Completed");
        ev["integrations"] = json!({"Appsflyer": {"appsflyerId": "xxxxxx"}, "Amplitude": false});
        let o = route(&ws, &ev);
        assert!(decision(&ws, &o, "Appsflyer").delivered(), "cdn {cdn}");
        assert_eq!(
            decision(&ws, &o, "Amplitude").reason(),
            "integrations_object"
        );
        // The same event sent by the browser to both: the plan's flags win, either way.
        ev["_metadata"] = json!({"bundled": ["Appsflyer", "Amplitude"]});
        let o = route(&ws, &ev);
        assert_eq!(
            decision(&ws, &o, "Appsflyer").reason(),
            "schema_integration_filter"
        );
        assert!(
            decision(&ws, &o, "Amplitude").delivered(),
            "{:?}",
            decision(&ws, &o, "Amplitude")
        );
    }
}

#[test]
fn settings_with_a_plan_of_the_wrong_shape_are_refused_where_it_is_wrong() {
    let mut own: Value = serde_json::from_str(common::SETTINGS).unwrap();
    own["plan"] = json!({"track": {"Order Completed": {"integrations": ["Braze"]}}});
    let text = serde_json::to_string_pretty(&own).unwrap();
    let e = Workspace::from_slice("s.json", text.as_bytes())
        .unwrap_err()
        .to_string();
    let line = text
        .lines()
        .position(|l| l.contains("\"integrations\": ["))
        .unwrap()
        + 1;
    assert!(e.starts_with(&format!("s.json:{line}:")), "{e}");
    assert!(
        e.contains("plan.track[\"Order Completed\"].integrations"),
        "{e}"
    );
}

/// `listen`'s CDN endpoint serves the plan back, so that analytics.js applies it in the
/// browser; read again, it is the same plan.
#[test]
fn the_plan_goes_out_in_the_cdn_settings_as_it_came_in() {
    let plan = json!({"track": {"Order Completed": {"enabled": true, "integrations": {"Amplitude": false}},
                                "__default": {"enabled": false}},
                      "identify": {"email": {"enabled": false}}});
    let ws = workspace_with(&plan, false);
    let cdn = ws.to_cdn("k", "127.0.0.1:1/v1", "http");
    assert_eq!(cdn["plan"], plan);
    let again = Workspace::from_slice("cdn.json", cdn.to_string().as_bytes()).unwrap();
    assert_eq!(again.plan, ws.plan);
    // A workspace without a plan serves one that enables everything, as before.
    let none = common::workspace().to_cdn("k", "h/v1", "http");
    assert_eq!(
        none["plan"],
        json!({"track": {"__default": {"enabled": true}}})
    );
}
