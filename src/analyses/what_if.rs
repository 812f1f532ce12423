//! What if one category of an event's consent were different: the event decided again with
//! that preference changed, so a person learning the rules sees which routes would change and
//! why. Nothing is written anywhere.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::engine::profile::Profiles;
use crate::engine::{Outcome, decide};
use crate::read::input::{Line, LinePos, records_from_line};
use crate::rules::finding::Code;
use crate::rules::verdict::Route;
use crate::workspace::dialect::Dialect;
use crate::workspace::{CatIdx, Workspace};

/// A preference to try in place of the event's own. Under RudderStack's rules: the id
/// allowed, denied, or in neither list of `consentManagement`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trial {
    True,
    False,
    /// The key taken out of `categoryPreferences` (which counts as false).
    Missing,
}

impl Trial {
    /// The next value `t` cycles to: true, false, missing, true…
    pub fn next(self) -> Self {
        match self {
            Trial::True => Trial::False,
            Trial::False => Trial::Missing,
            Trial::Missing => Trial::True,
        }
    }

    /// What `t` tries after `current` (nothing yet: true), skipping `own`, the value the
    /// event holds: trying that would change nothing.
    pub fn step(current: Option<Self>, own: Option<Self>) -> Self {
        let next = current.map_or(Trial::True, Trial::next);
        if Some(next) == own { next.next() } else { next }
    }

    /// The value the event holds for category `id`, where it is one a trial can be: true,
    /// false, or missing (from preferences that are there). None for another value, or no
    /// preferences at all.
    pub fn held(o: &Outcome, id: &str, dialect: Dialect) -> Option<Self> {
        if dialect == Dialect::RudderStack {
            let c = crate::rules::rudderstack::route::event_consent(o.event()?);
            let allowed = c.allowed.unwrap_or_default();
            return c.present.then(|| {
                if allowed.iter().any(|a| a == id) {
                    Trial::True
                } else if c.denied.iter().any(|d| d == id) {
                    Trial::False
                } else {
                    Trial::Missing
                }
            });
        }
        match o.event()?.preferences() {
            crate::read::event::Preferences::Object(m) => match m.get(id) {
                None => Some(Trial::Missing),
                Some(crate::read::event::Raw::Bool(true)) => Some(Trial::True),
                Some(crate::read::event::Raw::Bool(false)) => Some(Trial::False),
                Some(_) => None,
            },
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Trial::True => "true",
            Trial::False => "false",
            Trial::Missing => "missing",
        }
    }

    /// The value in `dialect`'s words.
    pub fn label(self, dialect: Dialect) -> &'static str {
        match (dialect, self) {
            (Dialect::Segment, t) => t.as_str(),
            (Dialect::RudderStack, Trial::True) => "allowed",
            (Dialect::RudderStack, Trial::False) => "denied",
            (Dialect::RudderStack, Trial::Missing) => "in neither list",
        }
    }
}

/// One route that the trial changes: before and after.
pub struct Changed {
    pub before: Route,
    pub after: Route,
}

impl Changed {
    /// Whether the verdict itself (deliver or block, and its reason code) changes, rather
    /// than only the categories behind the same verdict.
    pub fn verdict_changed(&self) -> bool {
        self.before.decision.verb() != self.after.decision.verb()
            || self.before.decision.reason() != self.after.decision.reason()
    }
}

/// The outcome had category `category` been `trial` on this event, and the routes that
/// change. None when the record is not an event.
pub fn try_preference(
    ws: &Workspace,
    o: &Outcome,
    category: CatIdx,
    trial: Trial,
) -> Option<(Outcome, Vec<Changed>)> {
    // A batch over its limits is refused whatever its consent says.
    let refused = |c| o.findings.iter().any(|f| f.code == c);
    if refused(Code::BatchTooLarge) || refused(Code::BatchTooManyEvents) {
        return None;
    }
    let mut event = o.event()?.to_value();
    let id = ws.category(category).id.clone();
    match ws.dialect() {
        Dialect::Segment => set_preference(&mut event, id, trial)?,
        Dialect::RudderStack => set_consent_id(&mut event, &id, trial)?,
    }
    let text = event.to_string();
    let file: Arc<str> = o.origin.file.clone();
    let pos = LinePos {
        number: o.origin.line,
        offset: o.origin.offset,
    };
    let mut records = Vec::new();
    records_from_line(&file, pos, Line::Text(text.as_bytes()), &mut records);
    let mut record = records.pop()?;
    record.origin = o.origin.clone();
    let after = decide(ws, &Profiles::default(), record, o.recalled.clone(), None);
    let changed = o
        .routes
        .iter()
        .zip(&after.routes)
        .filter(|(b, a)| b != a)
        .map(|(b, a)| Changed {
            before: b.clone(),
            after: a.clone(),
        })
        .collect();
    Some((after, changed))
}

/// `object.key`, made an object where it is absent or something else.
fn object_at<'a>(object: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = object
        .entry(key)
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(m) => m,
        _ => unreachable!("made an object above"),
    }
}

/// Segment's way: `categoryPreferences[id]` true, false or taken out (a `context` or
/// `consent` that is there and not an object leaves nothing to try).
fn set_preference(event: &mut Value, id: String, trial: Trial) -> Option<()> {
    let prefs = object_at(
        event
            .as_object_mut()?
            .entry("context")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()?
            .entry("consent")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()?,
        "categoryPreferences",
    );
    match trial {
        Trial::True => {
            prefs.insert(id, Value::Bool(true));
        }
        Trial::False => {
            prefs.insert(id, Value::Bool(false));
        }
        Trial::Missing => {
            prefs.remove(&id);
        }
    }
    Some(())
}

/// RudderStack's way: the id moved into `allowedConsentIds`, `deniedConsentIds`, or out of
/// both.
fn set_consent_id(event: &mut Value, id: &str, trial: Trial) -> Option<()> {
    let context = object_at(event.as_object_mut()?, "context");
    let cm = object_at(context, "consentManagement");
    for (key, wanted) in [
        ("allowedConsentIds", trial == Trial::True),
        ("deniedConsentIds", trial == Trial::False),
    ] {
        let list = cm.entry(key).or_insert_with(|| Value::Array(Vec::new()));
        if !list.is_array() {
            *list = Value::Array(Vec::new());
        }
        let Value::Array(ids) = list else {
            unreachable!("made a list above")
        };
        ids.retain(|v| v.as_str() != Some(id));
        if wanted {
            ids.push(Value::from(id));
        }
    }
    Some(())
}
