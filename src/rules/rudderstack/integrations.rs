//! The `integrations` object as RudderStack reads it. The server
//! (`FilterClientIntegrations` in rudder-server's `processor/integrations/integrations.go`)
//! runs it before consent: it keys destinations by their definition's display name; a
//! boolean flag decides, an object flag keeps the destination, anything else falls back to
//! `All` (true when absent). A non-boolean `All`, or an `integrations` that is not an object,
//! sends the event nowhere. The SDK (`filterDestinations` in `@rudderstack/analytics-js`)
//! reads flags by JavaScript truthiness, `All` defaulting to true.

use serde_json::Value;

use crate::rules::step::{Scope, Step, no_choice};
use crate::rules::verdict::{Block, Decision, Mode, Removed, Route};
use crate::text::printable;
use crate::workspace::Workspace;
use crate::workspace::rudder::RudderDestination;

pub const STEP: Step = Step {
    name: "integrations object",
    about: "the event's integrations object, read before consent (by the server, or by the SDK)",
    scope: Scope::Destination,
    reasons: &["integrations_object"],
    discards: &[],
    choices: &[],
    rests_on: no_choice,
    lint: &[],
    lessons: &[],
    blocked,
    why,
};

/// Whether the integrations object removes this destination, as whoever decides it reads it.
pub fn removed(
    integrations: Option<&Value>,
    dest: &RudderDestination,
    mode: Mode,
) -> Option<Removed> {
    match mode {
        Mode::Device => sdk(integrations, &dest.display_name),
        Mode::Cloud => server(integrations, &dest.display_name),
    }
}

/// Why the integrations object removed a destination, in words.
pub fn describe_removed(ws: &Workspace, dest: usize, removed: Removed) -> String {
    let name = ws.destinations[dest]
        .rudder
        .as_ref()
        .map_or(&ws.destinations[dest].name, |r| &r.display_name);
    let name = printable(name);
    match removed {
        Removed::OwnFlag => format!("integrations[\"{name}\"] is false"),
        Removed::All => format!(
            "integrations.All is false and integrations[\"{name}\"] does not turn it back on"
        ),
        Removed::Malformed => "integrations.All is not a boolean (or integrations is not an object), and RudderStack's server then sends the event to no destination".into(),
    }
}

fn blocked(ws: &Workspace, r: &Route, name: &str) -> Option<String> {
    let Decision::Block(Block::Integrations(removed)) = &r.decision else {
        return None;
    };
    Some(format!(
        "{name} is removed by the integrations object, before consent is asked ({}): {}.",
        super::connection::by(r),
        describe_removed(ws, r.destination, *removed)
    ))
}

/// The server's reading. `display_name`: the destination definition's display name.
pub fn server(integrations: Option<&Value>, display_name: &str) -> Option<Removed> {
    let Value::Object(list) = integrations? else {
        return Some(Removed::Malformed);
    };
    let all = match list.get("All") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Some(Removed::Malformed),
    };
    match list.get(display_name) {
        Some(Value::Bool(true) | Value::Object(_)) => None,
        Some(Value::Bool(false)) => Some(Removed::OwnFlag),
        _ if all => None,
        _ => Some(Removed::All),
    }
}

/// The SDK's reading (JavaScript truthiness; `undefined` is absent, `null` is falsy).
pub fn sdk(integrations: Option<&Value>, display_name: &str) -> Option<Removed> {
    let list = integrations.and_then(Value::as_object)?;
    let all = list.get("All").is_none_or(truthy);
    let own = list.get(display_name);
    if all {
        own.is_some_and(|v| !truthy(v)).then_some(Removed::OwnFlag)
    } else {
        (!own.is_some_and(truthy)).then_some(Removed::All)
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

fn why(ws: &Workspace, r: &Route) -> Option<String> {
    let Decision::Block(Block::Integrations(removed)) = &r.decision else {
        return None;
    };
    Some(describe_removed(ws, r.destination, *removed))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_server_keys_by_display_name_and_refuses_a_non_boolean_all() {
        let i = json!({"All": false, "Google Analytics 4": true, "Braze": {"x": 1}});
        assert_eq!(server(Some(&i), "Google Analytics 4"), None);
        assert_eq!(server(Some(&i), "Braze"), None);
        assert_eq!(server(Some(&i), "Amplitude"), Some(Removed::All));
        let i = json!({"Amplitude": false, "Braze": "yes"});
        assert_eq!(server(Some(&i), "Amplitude"), Some(Removed::OwnFlag));
        // A string flag is neither boolean nor object: All decides.
        assert_eq!(server(Some(&i), "Braze"), None);
        let i = json!({"All": "true"});
        assert_eq!(server(Some(&i), "Braze"), Some(Removed::Malformed));
        assert_eq!(server(Some(&json!([])), "Braze"), Some(Removed::Malformed));
        assert_eq!(server(None, "Braze"), None);
    }

    #[test]
    fn the_sdk_reads_truthiness() {
        let i = json!({"All": 0, "Braze": "yes"});
        assert_eq!(sdk(Some(&i), "Braze"), None);
        assert_eq!(sdk(Some(&i), "Amplitude"), Some(Removed::All));
        let i = json!({"Amplitude": null});
        assert_eq!(sdk(Some(&i), "Amplitude"), Some(Removed::OwnFlag));
        assert_eq!(sdk(Some(&json!({"All": "true"})), "Braze"), None);
    }
}
