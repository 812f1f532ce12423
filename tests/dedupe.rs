//! Segment's deduplication has a window (segment-docs `guides/duplicate-data.md`: "within an
//! approximately 24 hour look-back window"): a messageId seen further back is taken again by
//! Segment, and only warehouses drop it ("Duplicate events that are more than 24 hours apart
//! from one another deduplicate in the Warehouse"). The window is the settings' `dedupeWindow`.

mod common;

use std::sync::Arc;

use consent_inspector::engine::{Engine, Outcome};
use consent_inspector::workspace::Workspace;
use serde_json::{Value, json};

fn event(id: &str, timestamp: Option<&str>, received: Option<&str>) -> String {
    let mut e = json!({"type": "track", "event": "Order Completed", "userId": "u1", "messageId": id,
        "context": {"consent": {"categoryPreferences": {"C0001": true, "C0002": true, "C0003": true, "C0004": true}}}});
    if let Some(t) = timestamp {
        e["timestamp"] = json!(t);
    }
    if let Some(t) = received {
        e["receivedAt"] = json!(t);
    }
    e.to_string()
}

fn run(ws: Arc<Workspace>, lines: &[String]) -> Vec<Outcome> {
    let mut engine = Engine::new(ws);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    common::run(&mut engine, &refs)
}

fn workspace_with(extra: &Value) -> Arc<Workspace> {
    let mut own: Value = serde_json::from_str(common::SETTINGS).unwrap();
    for (k, v) in extra.as_object().unwrap() {
        own[k] = v.clone();
    }
    Arc::new(Workspace::from_slice("ws.json", own.to_string().as_bytes()).unwrap())
}

#[test]
fn a_messageid_seen_four_days_earlier_is_taken_again_but_not_by_warehouses() {
    let ws = common::workspace();
    let outs = run(
        ws.clone(),
        &[
            event("m-1", Some("2026-12-01T10:00:00Z"), None),
            event("m-1", Some("2026-12-05T10:00:00Z"), None),
        ],
    );
    for (name, reason) in common::reasons_in(&ws, &outs[1]) {
        let want = match name.as_str() {
            "Snowflake" => "duplicate",
            "Old Pixel" | "Webhooks" => "unmapped",
            "Amazon S3" => "not_enforced",
            // What Engage computes is not in the settings.
            "Engage" => "unknown_step",
            _ => "consented",
        };
        assert_eq!(reason, want, "{name}");
    }
    let f = outs[1]
        .findings
        .iter()
        .find(|f| f.code.as_str() == "duplicate_message_id")
        .unwrap();
    assert_eq!(
        f.message,
        "messageId \"m-1\" was seen 96 hours earlier, beyond Segment's deduplication window (24h): Segment takes it again, and only warehouses drop it"
    );
    // A third copy an hour later is within the window of the second: dropped everywhere.
    let outs = run(
        ws.clone(),
        &[
            event("m-1", Some("2026-12-01T10:00:00Z"), None),
            event("m-1", Some("2026-12-05T10:00:00Z"), None),
            event("m-1", Some("2026-12-05T11:00:00Z"), None),
        ],
    );
    assert!(
        common::reasons_in(&ws, &outs[2])
            .iter()
            .all(|(_, r)| *r == "duplicate"),
        "{:?}",
        common::reasons_in(&ws, &outs[2])
    );
}

#[test]
fn within_the_window_or_without_a_time_it_is_a_duplicate() {
    let ws = common::workspace();
    for (first, second) in [
        (Some("2026-12-01T10:00:00Z"), Some("2026-12-02T09:59:59Z")),
        (Some("2026-12-01T10:00:00Z"), None),
        (None, Some("2026-12-09T10:00:00Z")),
    ] {
        let outs = run(
            ws.clone(),
            &[event("m-2", first, None), event("m-2", second, None)],
        );
        assert!(
            common::reasons_in(&ws, &outs[1])
                .iter()
                .all(|(_, r)| *r == "duplicate"),
            "{first:?} {second:?}"
        );
    }
}

/// Segment's own clock decides where the capture has it: `receivedAt` over `timestamp`.
#[test]
fn received_at_goes_over_the_timestamp() {
    let ws = common::workspace();
    let outs = run(
        ws.clone(),
        &[
            event(
                "m-3",
                Some("2026-12-01T10:00:00Z"),
                Some("2026-12-01T10:00:01Z"),
            ),
            // Its device clock says four days later; Segment received it an hour later.
            event(
                "m-3",
                Some("2026-12-05T10:00:00Z"),
                Some("2026-12-01T11:00:00Z"),
            ),
        ],
    );
    assert!(
        common::reasons_in(&ws, &outs[1])
            .iter()
            .all(|(_, r)| *r == "duplicate")
    );
}

#[test]
fn the_window_is_a_setting() {
    let ws = workspace_with(&json!({"dedupeWindow": "1h"}));
    let outs = run(
        ws.clone(),
        &[
            event("m-4", Some("2026-12-01T10:00:00Z"), None),
            event("m-4", Some("2026-12-01T12:00:00Z"), None),
        ],
    );
    let snowflake = ws.destination("Snowflake").unwrap();
    let amplitude = ws.destination("Amplitude").unwrap();
    assert_eq!(outs[1].routes[snowflake].decision.reason(), "duplicate");
    assert_eq!(outs[1].routes[amplitude].decision.reason(), "consented");
    assert!(
        outs[1].findings[0].message.contains("(1h)"),
        "{:?}",
        outs[1].findings
    );
    // Written back as read (the what-if's save).
    assert_eq!(ws.to_own_json()["dedupeWindow"], "1h");
    let err = Workspace::from_slice("ws.json", br#"{"categories": [], "dedupeWindow": "soon"}"#)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("ws.json:1:")
            && err.contains("dedupeWindow: \"soon\" is not a positive duration"),
        "{err}"
    );
}
