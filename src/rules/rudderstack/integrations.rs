//! The `integrations` object as RudderStack reads it. The server
//! (`FilterClientIntegrations` in rudder-server's `processor/integrations/integrations.go`)
//! runs it before consent: it keys destinations by their definition's display name; a
//! boolean flag decides, an object flag keeps the destination, anything else falls back to
//! `All` (true when absent). A non-boolean `All`, or an `integrations` that is not an object,
//! sends the event nowhere. The SDK (`filterDestinations` in `@rudderstack/analytics-js`)
//! reads flags by JavaScript truthiness, `All` defaulting to true.

use serde_json::Value;

use crate::rules::verdict::Removed;

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
