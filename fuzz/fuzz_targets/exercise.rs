#![allow(dead_code)] // each fuzz target uses one of these
//! What the fuzz targets run, shared with the regression test that replays what they found.

use std::io::Cursor;
use std::sync::{Arc, OnceLock};

use consent_inspector::engine::Engine;
use consent_inspector::read::input::Records;
use consent_inspector::workspace::Workspace;

fn workspace() -> Arc<Workspace> {
    static WS: OnceLock<Arc<Workspace>> = OnceLock::new();
    WS.get_or_init(|| {
        let text = include_str!("../../samples/consent-settings.json");
        Arc::new(Workspace::from_slice("samples/consent-settings.json", text.as_bytes()).unwrap())
    })
    .clone()
}

/// Reads `data` as an input file (JSON Lines, batches, or a HAR capture), validates, routes and
/// explains every record. Panics only on a broken promise: every line is accounted for, every
/// event gets one route per destination, no explanation carries a raw control character.
pub fn records(data: &[u8]) {
    let ws = workspace();
    let mut engine = Engine::new(ws.clone());
    let Ok(records) = Records::from_reader("fuzz.jsonl", Box::new(Cursor::new(data.to_vec())))
    else {
        return;
    };
    let mut last_line = 0;
    for r in records {
        let Ok(r) = r else { return };
        assert!(r.origin.line >= last_line, "records in line order");
        last_line = r.origin.line;
        let o = engine.ingest(r);
        assert_eq!(o.routes.len(), ws.destinations.len());
        let now = consent_inspector::analyses::explain::When::Now {
            last_line: o.origin.line,
        };
        for line in consent_inspector::analyses::explain::explain(&ws, engine.profiles(), &o, now) {
            assert!(
                !line.chars().any(consent_inspector::text::is_unsafe),
                "raw control character in {line:?}"
            );
        }
        if let Some(ev) = o.event() {
            let _ = ev.to_value();
        }
    }
}

/// Parses `data` as workspace settings: an error or a workspace, never a panic.
pub fn settings(data: &[u8]) {
    if let Err(e) = Workspace::from_slice("fuzz.json", data) {
        let shown = e.to_string();
        assert!(
            !shown.chars().any(consent_inspector::text::is_unsafe),
            "raw control character in {shown:?}"
        );
    }
}

/// Parses `data` as one event's text and holds the parser to `serde_json`: whatever
/// `serde_json` reads as an object (every string decoded) is an event or a batch, and nothing
/// `serde_json` would refuse even to skim is.
pub fn json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = consent_inspector::read::event::Doc::parse(&Arc::from(text));
    let skims = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
    let object = matches!(
        serde_json::from_str::<serde_json::Value>(text),
        Ok(serde_json::Value::Object(_))
    );
    if parsed.is_ok() {
        assert!(skims, "accepted what serde_json refuses: {text:?}");
    }
    if object {
        assert!(parsed.is_ok(), "refused an object: {text:?}: {parsed:?}");
    }
}
