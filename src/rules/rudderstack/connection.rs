//! How a RudderStack destination is connected (`config.connectionMode`, or the older
//! `useNativeSDK` flags): in device and hybrid mode the browser SDK loads it and decides it;
//! in cloud mode the server does.

use crate::rules::choices::Choice;
use crate::rules::step::{Scope, Step, Verdicts, no_words, stops_nothing};
use crate::rules::verdict::{Mode, Route};
use crate::workspace::Workspace;
use crate::workspace::rudder::{RudderDestination, RudderMode};

pub const STEP: Step = Step {
    name: "connection",
    about: "who decides: the browser SDK (device and hybrid mode) or the server (cloud mode)",
    scope: Scope::Destination,
    reasons: &[],
    discards: &[],
    choices: &[Choice::RudderDeviceFromEvent, Choice::RudderHybrid],
    rests_on,
    lint: &[],
    lessons: &[],
    blocked: stops_nothing,
    why: no_words,
};

/// Who decides a destination with these settings (a destination of Segment's shapes has none,
/// and is the server's).
pub fn mode(settings: Option<&RudderDestination>) -> Mode {
    if settings.is_some_and(|s| s.mode != RudderMode::Cloud) {
        Mode::Device
    } else {
        Mode::Cloud
    }
}

/// Who decided `r`, in words.
pub fn by(r: &Route) -> &'static str {
    if r.mode == Mode::Device {
        "RudderStack's browser SDK (device mode: it loads the destination and calls it itself)"
    } else {
        "RudderStack's server (cloud mode)"
    }
}

/// The detail's note on a device-mode route: the SDK has no consent model to name.
pub fn device_note(_: &Workspace) -> String {
    " ⇢ device mode, RudderStack's SDK".to_owned()
}

fn rests_on(v: &Verdicts<'_>, out: &mut Vec<Choice>) {
    if !v.ingested {
        return;
    }
    let mut devices = v
        .routes
        .iter()
        .filter(|r| r.mode == Mode::Device)
        .peekable();
    if devices.peek().is_some() {
        out.push(Choice::RudderDeviceFromEvent);
    }
    let hybrid = |r: &&Route| {
        v.ws.destinations[r.destination]
            .rudder
            .as_ref()
            .is_some_and(|d| d.mode == RudderMode::Hybrid)
    };
    if devices.any(|r| hybrid(&r)) {
        out.push(Choice::RudderHybrid);
    }
}
