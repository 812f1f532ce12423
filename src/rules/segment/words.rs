//! Phrases Segment's steps share: who sent a route (device mode, and the consent model it
//! assumed), and the sentence for a destination an integrations object removed.

use crate::rules::verdict::{Mode, Route};
use crate::workspace::Workspace;

/// Which consent model a device verdict assumed, and where that came from.
pub fn describe_model(ws: &Workspace) -> String {
    format!(
        "consent model {}",
        ws.consent_model_from.describe(ws.consent_model)
    )
}

/// ` in the browser (device mode: …)` after "is blocked", for a device route; else nothing.
pub fn by(ws: &Workspace, r: &Route) -> String {
    if let (Mode::Device, Some(lib)) = (r.mode, r.mobile) {
        return format!(
            " on the device (device mode: {} sends it itself, and its consent plugin blocks it by the event's preferences)",
            lib.as_str()
        );
    }
    if r.mode == Mode::Device {
        format!(
            " in the browser (device mode: analytics.js lists it in _metadata.bundled and sends it itself, so Segment's servers skip it; {})",
            describe_model(ws)
        )
    } else {
        String::new()
    }
}

/// ` from the browser, …` after "receives it", for a device route; else nothing.
pub fn from(ws: &Workspace, r: &Route) -> String {
    if let (Mode::Device, Some(lib)) = (r.mode, r.mobile) {
        return format!(
            " from the device, not from Segment (device mode: {} sends it itself, and its consent plugin lets it through)",
            lib.as_str()
        );
    }
    if r.mode == Mode::Device {
        format!(
            " from the browser, not from Segment (device mode: analytics.js lists it in _metadata.bundled; {})",
            describe_model(ws)
        )
    } else {
        String::new()
    }
}

/// The sentence for a route an integrations object (the event's, or Segment's default)
/// removed: `key` says which entry, `consent` why consent had let it through.
pub fn removed_by_object(
    ws: &Workspace,
    r: &Route,
    name: &str,
    key: &str,
    consent: &str,
) -> String {
    format!(
        "{name} is removed{} by the integrations object: {key}. Consent alone would have let it through ({consent}).",
        by(ws, r)
    )
}
