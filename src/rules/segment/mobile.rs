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

use crate::read::event::{Doc, Members, Preferences, Raw};
use crate::rules::step::{Scope, Step, no_choice};
use crate::rules::verdict::{Block, Decision, Delivery, Library, Route};
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
fn library(ev: &Doc) -> Option<Library> {
    match ev.library_name()? {
        Raw::Str(name) => Library::ALL.into_iter().find(|l| l.as_str() == name),
        _ => None,
    }
}

/// Segment's `hasUnmappedDestinations`: a destination mapped to no enabled category.
fn has_unmapped(ws: &Workspace) -> bool {
    (0..ws.destinations.len()).any(|d| ws.required(d) == 0)
}

/// The event's preferences as a mobile library reads them, once per event.
pub struct Reading<'a> {
    pub library: Library,
    /// The preferences the library reads; None where it reads none (absent, not an object,
    /// or, for analytics-swift, a `context.consent` that does not cast).
    prefs: Option<Members<'a>>,
    /// The configured categories whose preference is exactly `true` (`consentGiven.toString()
    /// == "true"`; Swift's `Bool`), as bits.
    granted: u64,
    /// Whether it is the Consent Preference Updated event, which the plugins treat apart.
    preference_event: bool,
}

/// How the library that sent `ev` reads its preferences, or None when no mobile library did.
pub fn read<'a>(ws: &Workspace, ev: &'a Doc) -> Option<Reading<'a>> {
    let library = library(ev)?;
    let prefs = match ev.preferences() {
        Preferences::Object(m) => Some(m),
        _ => None,
    };
    // analytics-swift: the whole of `context.consent` must cast to objects of booleans.
    let casts = || match ev.consent() {
        Some(Raw::Object(text)) => serde_json::from_str::<
            std::collections::HashMap<String, std::collections::HashMap<String, bool>>,
        >(text)
        .is_ok(),
        _ => false,
    };
    let prefs = prefs.filter(|_| library == Library::Kotlin || casts());
    Some(Reading {
        library,
        granted: prefs
            .as_ref()
            .map_or(0, |m| super::consent::granted_mask(ws, m)),
        prefs,
        preference_event: ev.is_preference_event(),
    })
}

/// Whether `SegmentConsentBlocker` drops the event before it reaches Segment.
pub fn drops_at_source(ws: &Workspace, r: &Reading<'_>) -> bool {
    if has_unmapped(ws) {
        return false;
    }
    let values = || r.prefs.iter().flat_map(Members::iter).map(|(_, v)| v);
    match r.library {
        Library::Kotlin => !values().any(|v| v == Raw::Bool(true)),
        Library::Swift => {
            !r.preference_event && r.prefs.is_some() && values().all(|v| v == Raw::Bool(false))
        }
    }
}

/// What the destination's blocker on the device does with the event: its enabled mapped
/// categories must all be `true` on it. A destination mapped to none has no blocker.
pub fn decide_device(ws: &Workspace, dest: usize, r: &Reading<'_>) -> Decision {
    let required = ws.required(dest);
    if required == 0 {
        Decision::Deliver(Delivery::Unmapped)
    } else if required & !r.granted == 0 {
        Decision::Deliver(Delivery::Consented)
    } else if r.library == Library::Kotlin && r.preference_event {
        Decision::Deliver(Delivery::ConsentPreferenceEvent)
    } else {
        Decision::Block(Block::NotConsented {
            blocked_by: super::consent::blocked_by(ws, dest, r.granted, r.prefs.as_ref()),
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
