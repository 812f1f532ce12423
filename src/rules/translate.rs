//! The same intent in each vendor's words (issue 26's side by side). OneTrust group ids are
//! the common ground: they are Segment's `categoryPreferences` keys when its OneTrust wrapper
//! stamps them, and RudderStack's consent ids when its OneTrust plugin does.
//!
//! - An event's consent: Segment's `categoryPreferences` become RudderStack's
//!   `consentManagement` with provider `oneTrust` and strategy `and`: keys that are exactly
//!   `true` allowed, every other key denied. RudderStack's become Segment's: allowed ids
//!   `true`, denied ids `false`; an id in neither list stays absent (Segment then counts it
//!   missing); with no id in either list there is no intent to carry, and Segment sees no
//!   consent. An event that carries the target vendor's own consent is left as it is.
//! - A workspace: a Segment destination's enabled categories become one `consentManagement`
//!   entry per provider RudderStack has a plugin for, each with strategy `and` (Segment needs
//!   every category). A RudderStack destination's categories in Segment's shape are its
//!   OneTrust ids (the `oneTrust` entry, else the legacy list); what has no Segment
//!   equivalent is said in the notes.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::read::event::{Doc, Parsed};
use crate::read::input::Record;
use crate::workspace::Workspace;
use crate::workspace::dialect::Dialect;

pub use crate::workspace::rudder::PROVIDERS;

/// Segment's `categoryPreferences` as RudderStack's `consentManagement`.
pub fn to_rudder(prefs: &Map<String, Value>) -> Value {
    let ids = |allowed: bool| -> Vec<&String> {
        prefs
            .iter()
            .filter(|(_, v)| (**v == Value::Bool(true)) == allowed)
            .map(|(k, _)| k)
            .collect()
    };
    let (allowed, denied) = (ids(true), ids(false));
    json!({
        "provider": "oneTrust",
        "resolutionStrategy": "and",
        "allowedConsentIds": allowed,
        "deniedConsentIds": denied,
    })
}

/// RudderStack's `consentManagement` as Segment's `context.consent`.
pub fn to_segment(cm: &Map<String, Value>) -> Value {
    let ids = |k: &str| -> Vec<String> {
        cm.get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut prefs = Map::new();
    for id in ids("deniedConsentIds") {
        prefs.insert(id, Value::Bool(false));
    }
    // An id both allowed and denied: the SDK's plugins allow it.
    for id in ids("allowedConsentIds") {
        prefs.insert(id, Value::Bool(true));
    }
    json!({ "categoryPreferences": prefs })
}

/// The event with its consent also in `dialect`'s words, or None when nothing changes: it is
/// not an event, it already speaks `dialect`, or it carries no consent to translate.
pub fn event_for(dialect: Dialect, doc: &Doc) -> Option<Value> {
    let mut v = doc.to_value();
    let context = v.get_mut("context")?.as_object_mut()?;
    match dialect {
        Dialect::RudderStack => {
            if context.contains_key("consentManagement") {
                return None;
            }
            let prefs = context
                .get("consent")?
                .get("categoryPreferences")?
                .as_object()?;
            let cm = to_rudder(prefs);
            context.insert("consentManagement".into(), cm);
        }
        Dialect::Segment => {
            if context.contains_key("consent") {
                return None;
            }
            let cm = context.get("consentManagement")?.as_object()?;
            // No id either way (the SDK's consent manager never initialised): no intent.
            let ids = |k: &str| {
                cm.get(k)
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty())
            };
            if !ids("allowedConsentIds") && !ids("deniedConsentIds") {
                return None;
            }
            let consent = to_segment(cm);
            context.insert("consent".into(), consent);
        }
    }
    Some(v)
}

/// `record` as `dialect` would read the same intent (see `event_for`); unchanged where there
/// is nothing to translate.
pub fn record_for(dialect: Dialect, record: Record) -> Record {
    let Some(v) = record
        .json
        .as_ref()
        .ok()
        .and_then(|d| event_for(dialect, d))
    else {
        return record;
    };
    let text: Arc<str> = v.to_string().into();
    match Doc::parse(&text) {
        Ok(Parsed::Event(doc)) => Record {
            json: Ok(doc),
            ..record
        },
        _ => record,
    }
}

/// `ws` under `dialect`'s rules: itself when it already is, else its settings translated, with
/// notes on what does not carry over.
pub fn workspace(ws: Workspace, dialect: Dialect) -> (Workspace, Vec<String>) {
    if ws.dialect() == dialect {
        return (ws, Vec::new());
    }
    let (mut out, notes) = match dialect {
        Dialect::RudderStack => ws.to_rudder(),
        Dialect::Segment => ws.to_segment(),
    };
    out.origin = format!("{} (translated to {}'s rules)", ws.origin, dialect.vendor());
    out.external_ids.clone_from(&ws.external_ids);
    (out, notes)
}

/// The source config RudderStack's SDK loads (`GET /sourceConfig`) for `ws`, translated to
/// RudderStack's rules first where it is not.
pub fn rudder_source_config(ws: &Workspace, write_key: &str) -> Value {
    if ws.dialect() == Dialect::RudderStack {
        ws.to_rudder_source_config(write_key)
    } else {
        workspace(ws.clone(), Dialect::RudderStack)
            .0
            .to_rudder_source_config(write_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(v: &Value) -> Doc {
        let text: Arc<str> = v.to_string().into();
        match Doc::parse(&text).unwrap() {
            Parsed::Event(d) => *d,
            Parsed::Batch(_) | Parsed::TooManyEvents { .. } => unreachable!(),
        }
    }

    #[test]
    fn segment_preferences_become_allowed_and_denied_ids_and_back() {
        let ev = json!({"type": "track", "context": {"consent": {"categoryPreferences":
            {"C0001": true, "C0004": false, "C0005": "yes"}}}});
        let v = event_for(Dialect::RudderStack, &doc(&ev)).unwrap();
        assert_eq!(
            v["context"]["consentManagement"],
            json!({"provider": "oneTrust", "resolutionStrategy": "and",
                "allowedConsentIds": ["C0001"], "deniedConsentIds": ["C0004", "C0005"]})
        );
        let ev = json!({"type": "track", "context": {"consentManagement": {"provider": "ketch",
            "allowedConsentIds": ["a"], "deniedConsentIds": ["b", ""]}}});
        let v = event_for(Dialect::Segment, &doc(&ev)).unwrap();
        assert_eq!(
            v["context"]["consent"],
            json!({"categoryPreferences": {"a": true, "b": false}})
        );
        // Already in the target's words, or no consent: nothing to do.
        assert!(event_for(Dialect::RudderStack, &doc(&ev)).is_none());
        assert!(event_for(Dialect::Segment, &doc(&json!({"type": "page"}))).is_none());
        let uninitialised = json!({"type": "page", "context": {"consentManagement":
            {"provider": "oneTrust", "resolutionStrategy": "and"}}});
        assert!(event_for(Dialect::Segment, &doc(&uninitialised)).is_none());
    }
}
