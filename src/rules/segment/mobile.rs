//! Segment's mobile consent plugins: events from analytics-kotlin and analytics-swift
//! (`context.library.name`) are not the browser's. On the device, the consent plugin puts a
//! blocker in front of each device-mode destination the settings map to categories, which
//! decides every event by its stamped preferences (no page-load model), and one in front of
//! Segment itself (`SegmentConsentBlocker`), which drops the event before Segment when nothing
//! is consented and the workspace has no unmapped destination. The two libraries differ, and
//! each is followed:
//!
//! - analytics-kotlin-consent `ConsentBlocker.kt`: a destination's blocker lets an event
//!   through when every required category is `true` on it, else only the Consent Preference
//!   Updated event (`allowSegmentPreferenceEvent`, line 20; `execute`, lines 26-50); Segment's
//!   blocker drops the event when `hasUnmappedDestinations` is false and no category is `true`
//!   (lines 90-106), the preference event included.
//! - analytics-swift-consent `Blocker.swift`: a destination's blocker has no exception for the
//!   preference event; it reads the preferences only when every member of `context.consent` is
//!   an object of booleans (`as? [String: [String: Bool]]`), else nothing counts as consented.
//!   Segment's blocker lets the preference event through, then any event when the workspace
//!   has unmapped destinations, and drops it when every preference is `false` (none at all
//!   counts as every one).

use crate::read::event::{Doc, Preferences, Raw};
use crate::rules::step::{Scope, Step, no_choice};
use crate::rules::verdict::{Block, Blocker, Decision, Delivery, Library, PreferenceValue, Route};
use crate::workspace::Workspace;

pub const STEP: Step = Step {
    name: "mobile consent",
    about: "analytics-kotlin and analytics-swift: the consent plugin decides each device destination per event, and may drop the event before Segment",
    scope: Scope::Destination,
    reasons: &["blocked_on_device"],
    discards: &[],
    choices: &[],
    rests_on: no_choice,
    lint: &[],
    lessons: &["Mobile libraries: the consent plugin decides on the device"],
    blocked,
    why,
};

/// Which of Segment's mobile libraries sent the event, by `context.library.name`.
pub fn library(ev: &Doc) -> Option<Library> {
    match ev.library_name()? {
        Raw::Str(name) => Library::ALL.into_iter().find(|l| l.as_str() == name),
        _ => None,
    }
}

/// Segment's `hasUnmappedDestinations`: a destination mapped to no enabled category.
fn has_unmapped(ws: &Workspace) -> bool {
    ws.destinations
        .iter()
        .any(|d| d.categories.iter().all(|&c| !ws.category(c).enabled))
}

/// The event's preferences as the library reads them: each key and whether it is `true`;
/// None where it reads none.
fn preferences(ev: &Doc, lib: Library) -> Option<Vec<(String, bool)>> {
    let Preferences::Object(members) = ev.preferences() else {
        return None;
    };
    let read: Vec<(String, Option<bool>)> = members
        .iter()
        .map(|(k, v)| {
            let b = match v {
                Raw::Bool(b) => Some(b),
                _ => None,
            };
            (k.into_owned(), b)
        })
        .collect();
    match lib {
        // `consentGiven.toString() == "true"`: anything else is not consented.
        Library::Kotlin => Some(
            read.into_iter()
                .map(|(k, b)| (k, b == Some(true)))
                .collect(),
        ),
        // The whole of `context.consent` must cast to objects of booleans.
        Library::Swift => {
            let consent_casts = match ev.consent() {
                Some(Raw::Object(text)) => serde_json::from_str::<
                    std::collections::HashMap<String, std::collections::HashMap<String, bool>>,
                >(text)
                .is_ok(),
                _ => false,
            };
            consent_casts.then(|| {
                read.into_iter()
                    .map(|(k, b)| (k, b.unwrap_or(false)))
                    .collect()
            })
        }
    }
}

/// Whether `SegmentConsentBlocker` drops the event before it reaches Segment.
pub fn drops_at_source(ws: &Workspace, ev: &Doc, lib: Library) -> bool {
    if has_unmapped(ws) {
        return false;
    }
    let prefs = preferences(ev, lib);
    match lib {
        Library::Kotlin => !prefs.unwrap_or_default().iter().any(|(_, on)| *on),
        Library::Swift => {
            !ev.is_preference_event() && prefs.is_some_and(|p| p.iter().all(|(_, on)| !on))
        }
    }
}

/// What the destination's blocker on the device does with the event: its enabled mapped
/// categories must all be `true` on it. A destination mapped to none has no blocker.
pub fn decide_device(ws: &Workspace, dest: usize, ev: &Doc, lib: Library) -> Decision {
    let required: Vec<_> = ws.destinations[dest]
        .categories
        .iter()
        .copied()
        .filter(|&c| ws.category(c).enabled)
        .collect();
    if required.is_empty() {
        return Decision::Deliver(Delivery::Unmapped);
    }
    let prefs = preferences(ev, lib).unwrap_or_default();
    let missing: Vec<Blocker> = required
        .iter()
        .filter(|&&c| {
            let id = &ws.category(c).id;
            !prefs.iter().any(|(k, on)| k == id && *on)
        })
        .map(|&c| Blocker {
            category: c,
            value: match prefs.iter().find(|(k, _)| *k == ws.category(c).id) {
                Some(_) => PreferenceValue::False,
                None => PreferenceValue::Missing,
            },
        })
        .collect();
    if missing.is_empty() {
        Decision::Deliver(Delivery::Consented)
    } else if lib == Library::Kotlin && ev.is_preference_event() {
        Decision::Deliver(Delivery::ConsentPreferenceEvent)
    } else {
        Decision::Block(Block::NotConsented {
            blocked_by: missing,
        })
    }
}

fn blocked(ws: &Workspace, r: &Route, name: &str) -> Option<String> {
    let Decision::Block(Block::BlockedOnDevice { library }) = &r.decision else {
        return None;
    };
    let unmapped = if has_unmapped(ws) {
        "it has one"
    } else {
        "it has none"
    };
    Some(format!(
        "{name} does not receive it: {}'s consent plugin (SegmentConsentBlocker) drops it on the device before it reaches Segment, because no category is consented on it and the workspace has no unmapped destination ({unmapped}).",
        library.as_str()
    ))
}

fn why(_: &Workspace, r: &Route) -> Option<String> {
    match (&r.decision, r.mobile) {
        (Decision::Block(Block::BlockedOnDevice { library }), _) => {
            Some(format!("dropped on the device by {}", library.as_str()))
        }
        (_, Some(lib)) => Some(format!("{}'s consent plugin decides", lib.as_str())),
        _ => None,
    }
}
